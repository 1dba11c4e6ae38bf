// Pipeline: the resilience stack as an engine::Client — the policies composed around the
// transport in a configurable order, finishing every logical operation exactly once.
//
//   Execute(op)
//     -> [gates before "retry": once per operation]   bulkhead, limiter, breaker (any order)
//     -> retry loop with budget and deadline (the deadline runs from Execute: waits in a gate's
//        queue, for the limiter or a Retry-After count against it like attempts and backoff)
//          -> Retry-After pause (per tenant, when configured)
//          -> [gates after "retry": once per attempt]  bulkhead, limiter, breaker
//          -> timeouts (connect / request / upload / long-poll, clipped to the deadline)
//          -> transport
//     -> at the edge: reads that failed for lack of availability are served from the fallback
//        cache; writes go to the dead-letter queue; everything else fails, surfaced.
//
// Reconcile-before-retry: a create (engine::IsCreate) carrying an idempotency key whose response
// was lost (timeout, reset, unreadable) or was a 5xx is not simply sent again. After the retry
// delay the pipeline sends a lookup — operation kQueryDataSource, target = the create's parent,
// reconcile_lookup = true, the same key — and when the target answers `found` the operation
// succeeds without a second create; otherwise the create is retried. Lookups are requests: they
// pass the per-attempt gates and Retry-After, but are not attempts of the operation.
//
// The DLQ reprocesses parked writes through the same pipeline without its edge (no fallback, no
// re-enqueue); a replay waits while its breaker is not closed (up to an hour) rather than being
// refused and pushed back by the DLQ's schedule. Finish() lets one drain pass run and then stops
// the DLQ's timers.
//
// Events (fields as in engine/trace.h): kAttemptSent / kAttemptDone for every attempt (as
// PassThroughClient), kReconcileSent / kReconcileLookup, kRetryScheduled (delay_us, ErrorClass),
// kRetryGaveUp (RetryDecision, attempts), kRetryAfterHonored, kBudgetExhausted, kTimeoutFired
// (TimeoutKind, timeout_us); the units emit their own (bulkhead, limiter, breaker, fallback,
// DLQ). Time only from the loop, randomness only from the Rng fork handed in. Not thread-safe:
// everything runs on the loop's thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>

#include "notion_sim/engine/loop.h"
#include "notion_sim/engine/rng.h"
#include "notion_sim/engine/trace.h"
#include "notion_sim/engine/transport.h"
#include "notion_sim/policies/bulkhead.h"
#include "notion_sim/policies/circuit_breaker.h"
#include "notion_sim/policies/dead_letter.h"
#include "notion_sim/policies/fallback_cache.h"
#include "notion_sim/policies/rate_limiter.h"
#include "notion_sim/policies/retry.h"
#include "notion_sim/policies/retry_budget.h"
#include "notion_sim/policies/stack_config.h"

namespace notion_sim::policies {

// Why an operation stopped short of success (beyond the retry policy's own decisions).
enum class StopReason : std::uint8_t {
  kRetryDecision,     // the retry policy said no (see RetryDecision)
  kBulkheadRejected,  // the lane's queue was full
  kLimiterRejected,   // the wait for a request slot was longer than allowed
  kBreakerRejected,   // the breaker was open
  kReconcileFailed,   // the create's fate stayed unknown after the allowed lookups
};

class Pipeline final : public engine::Client {
 public:
  // Checks `config` (NSIM_POLICY_CHECK: build it through ParseStackConfig or ValidateStackConfig
  // first). `dlq_store` may be null: an in-memory store is used.
  Pipeline(const StackConfig& config, engine::Loop& loop, engine::Trace& trace,
           engine::Transport& transport, engine::Rng rng, DeadLetterStore* dlq_store = nullptr);
  ~Pipeline() override;
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  void Execute(const engine::LogicalOp& op, engine::OpCompletion done) override;
  void Finish() override;

  const StackConfig& config() const { return config_; }
  // Operations started and not finished (DLQ replays included).
  std::size_t InFlight() const { return ops_.size(); }
  // The units, for reports and tests (null when the unit is off).
  const RetryBudget& budget() const { return budget_; }
  const Bulkhead& bulkhead() const { return bulkhead_; }
  BreakerRegistry* breakers() { return breakers_.get(); }
  DeadLetterQueue* dlq() { return dlq_.get(); }
  FallbackCache* fallback() { return fallback_.get(); }
  RateLimiter* limiter(std::uint16_t tenant);
  // When `tenant` may send again after a Retry-After (kTenant scope); 0 when not paused.
  TimeUs PausedUntil(std::uint16_t tenant) const;

 private:
  struct Op;
  enum class Scope : std::uint8_t { kOperation, kAttempt };
  enum class Send : std::uint8_t { kAttempt, kLookup };

  void RunGates(Op& op, Scope scope, std::size_t index);
  void ResumeGates(Op& op);
  void QueueDeadline(Op& op);
  void AfterGates(Op& op, Scope scope);
  // Waits out the Retry-After pauses, then runs the per-attempt gates towards op.next.
  void Pace(Op& op);
  void SendNow(Op& op);
  void OnResponse(std::uint64_t ctx_id, engine::Response response);
  void OnAttemptResponse(Op& op, engine::Response response);
  void OnLookupResponse(Op& op, engine::Response response);
  void ScheduleRetry(Op& op, const RetryVerdict& verdict, Send next);
  void GiveUp(Op& op, StopReason reason, RetryDecision decision);
  void NoteRetryAfter(Op& op, const engine::Response& response);
  void Complete(Op& op, engine::OpStatus status, engine::Response last);
  void ReleaseGates(Op& op, Scope scope, CallOutcome outcome);
  void ResumeAdmitted(std::uint64_t ticket);
  void Reprocess(const engine::LogicalOp& op, DeadLetterQueue::Done done);
  void Begin(const engine::LogicalOp& op, engine::OpCompletion done, DeadLetterQueue::Done replay);
  void HoldReplay(Op& op);
  void Later(TimeUs at_us, std::uint64_t ctx_id, void (Pipeline::*step)(Op&));
  CallOutcome BreakerOutcome(const engine::Response& response) const;
  WriteProtection ProtectionOf(const Op& op) const;
  bool Reconciles(const Op& op) const;
  Op* Find(std::uint64_t ctx_id);

  StackConfig config_;
  engine::Loop& loop_;
  engine::Trace& trace_;
  engine::Transport& transport_;
  std::vector<Stage> outer_;  // gates before retry
  std::vector<Stage> inner_;  // gates after retry
  RetryBudget budget_;
  RetryPolicy retry_;
  Bulkhead bulkhead_;
  std::map<std::uint16_t, std::unique_ptr<RateLimiter>> limiters_;  // by tenant (or one, key 0)
  std::unique_ptr<BreakerRegistry> breakers_;
  std::unique_ptr<FallbackCache> fallback_;
  std::unique_ptr<MemoryDeadLetterStore> own_store_;
  std::unique_ptr<DeadLetterQueue> dlq_;
  std::map<std::uint16_t, TimeUs> paused_until_;  // tenant -> Retry-After pause end
  // Dead-lettered operations: when their replay may first send (the op's Retry-After) and whether
  // a create may have been applied (the replay reconciles first).
  struct Parked {
    TimeUs not_before_us = 0;
    bool maybe_applied = false;
  };
  std::map<std::uint64_t, Parked> parked_;
  std::map<std::uint64_t, std::unique_ptr<Op>> ops_;                  // by context id
  std::map<std::uint64_t, std::pair<std::uint64_t, Scope>> waiting_;  // bulkhead ticket -> op
  std::uint64_t next_ctx_id_ = 1;
  int entered_ = 0;  // > 0 while inside Execute / a DLQ reprocess call
  bool finishing_ = false;
  std::size_t drain_left_ = 0;
  std::shared_ptr<bool> alive_;
};

}  // namespace notion_sim::policies
