// Trace: the typed events of a run and a running digest over them.
//
// Every decision the stack, the fake and the runner make is an `Event`: a kind from one table, the
// time, the logical operation and attempt it concerns, a key (tenant, breaker key, lane) and two
// integer fields whose meaning the kind defines (see EventKind). The digest folds every event, so
// one 64-bit value says whether two runs were identical. Sinks (metrics, invariant checkers)
// see events as they happen; recording keeps at most a bounded number. Not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "notion_sim/engine/protocol.h"
#include "notion_sim/engine/time.h"

namespace notion_sim::engine {

// Field meanings are given as (a, b). `key` is the tenant unless said otherwise.
enum class EventKind : std::uint8_t {
  // A logical operation arrived: (operation, lane + 256 x workflow), `workflow` as in
  // LogicalOp::workflow (0 for a single call, else 1 + the index of the workflow it runs).
  kOpStarted,
  kOpFinished,         // ended: (OpStatus, last HTTP status or 0); attempt = attempts made
  kAttemptSent,        // an attempt left the stack: (operation, timeout_us)
  kAttemptDone,        // its outcome: (HTTP status or -TransportOutcome, ApiCode)
  kRetryScheduled,     // (delay_us, reason: RetryReason)
  kRetryGaveUp,        // (reason: GiveUpReason, attempts)
  kRetryAfterHonored,  // a Retry-After set the delay: (retry_after_us, backoff_us it replaced)
  kBudgetExhausted,    // the retry budget refused a retry: (tokens_milli, cost_milli)
  // key = breaker key: (from BreakerState, to BreakerState); attempt = the attempt whose outcome
  // moved it (0 for timers), with the bit kManualTransition set when an operator moved it
  // (force open, disable, reset): only such moves may enter or leave forced_open and disabled.
  kBreakerTransition,
  kBreakerRejected,     // key = breaker key: (state, 0)
  kBreakerLateResult,   // a result from an earlier epoch: (epoch of call, current epoch)
  kBulkheadAdmitted,    // key = lane: (in_flight, queued)
  kBulkheadQueued,      // key = lane: (in_flight, queued)
  kBulkheadRejected,    // key = lane: (in_flight, queued)
  kBulkheadReleased,    // key = lane: (in_flight, queued)
  kLimiterDelayed,      // (delay_us, tokens_milli)
  kLimiterRejected,     // (tokens_milli, 0)
  kLimiterRateChanged,  // (old rate milli-per-s, new rate milli-per-s)
  kTimeoutFired,        // (timeout kind, timeout_us)
  kFallbackServed,      // (staleness tier, age_us)
  kReconcileLookup,     // reconcile-before-retry: (found 0/1, 0)
  kDlqEnqueued,         // (depth, attempts)
  kDlqRetried,          // (depth, attempts)
  kDlqPermanent,        // (depth, attempts)
  kDlqDrained,          // an entry left the DLQ done: (depth, attempts)
  // key = job (LogicalOp::batch): (record, 0): every record of the job with an index <= `record`
  // is settled (succeeded, or failed and in the DLQ); records are numbered from 1.
  kCheckpointAdvanced,
  kHealthChanged,    // key = service: (from, to)
  kAlertRaised,      // (alert kind, value)
  kFaultInjected,    // the fake applied a fault: (FaultAction, status)
  kServerWrite,      // the fake committed a write: (operation, object id low bits)
  kRequestReceived,  // the fake saw a request: (operation, status it will answer)
  kPhaseChanged,     // (phase index, 0)
  // The transport delivered a response carrying Retry-After (emitted by the transport, the ground
  // truth of what the client received): (not_before_us: the earliest time the header allows the
  // next attempt, absolute; 1 if the header was an HTTP-date else 0).
  kRetryAfterGiven,
  // A reconcile-before-retry lookup left the stack: (operation it reconciles, timeout_us). It is a
  // request (it spends rate budget and must wait out a Retry-After) but not an attempt of the
  // operation, so the attempt bound does not count it; kReconcileLookup reports what it found.
  kReconcileSent,
  // An operation that belongs to a batch job started (emitted right after its kOpStarted):
  // key = job (LogicalOp::batch): (record index, 0). Lets checkers match records to checkpoints.
  kRecordStarted,
  // Workflows (scenarios/workflow.h). An item is one unit a workflow carries through its steps (a
  // page of a batch, a result of a listing, a triggering event); op_id = its item id
  // (kWorkflowItemBit), key = the workflow's index.
  // kItemStarted: the item was released (it may wait for a worker): (op id of its run, 0).
  kItemStarted,
  // kStepDone: one step of an item ended, pagination and retries included: attempt = the step's
  // index (the workflow's listing step is numbered after its item steps):
  // (OpStatus + 256 x the calls it made, duration_us).
  kStepDone,
  // kItemFinished: the item ended: attempt = the API calls it made (every attempt of its steps):
  // (ItemOutcome, duration_us from release).
  kItemFinished,
  kCount,
};
std::string_view EventKindName(EventKind kind);

// The state fields of kBreakerTransition and kBreakerRejected. kForcedOpen and kDisabled are
// entered and left only by manual transitions (TransitionCause::kManual).
enum class BreakerState : std::int64_t { kClosed, kOpen, kHalfOpen, kForcedOpen, kDisabled };
std::string_view BreakerStateName(BreakerState state);  // "closed", "open", "half_open", ...
// True for the transitions a breaker makes by itself: closed->open, open->half_open,
// half_open->closed, half_open->open. Anything else comes from an operator (force open, disable,
// reset). The breaker (policies/), its invariant (checks/) and reports read this one list.
bool IsAutomaticTransition(BreakerState from, BreakerState to);
// Open, half-open or forced open: the states in which a breaker may refuse calls (disabled lets
// everything through). Health, metrics and the DLQ's replays count a breaker in them as not closed.
bool BreakerNotClosed(BreakerState state);

// Who moved a breaker: an operator's moves carry kManualTransition in kBreakerTransition's
// `attempt` field (see CauseOf below).
enum class TransitionCause : std::uint8_t { kAutomatic, kManual };
inline constexpr std::uint32_t kManualTransition = 1u << 31;

struct Event {
  TimeUs at_us = 0;
  std::uint64_t op_id = 0;
  std::int64_t a = 0;
  std::int64_t b = 0;
  std::uint32_t attempt = 0;
  std::uint16_t key = 0;
  EventKind kind = EventKind::kOpStarted;
  // The dependency whose stack (or transport) the event comes from. Keys (tenants, breaker keys,
  // lanes) are per dependency: the second upstream's global breaker is not Notion's.
  Dependency dependency = Dependency::kNotion;
};

// Operation ids with this bit set name a step of a workflow that the scenario's client runs for
// one logical operation (enrich: retrieve, ask the upstream, write back). Steps send requests
// through the stack like operations do, but the Runner neither starts nor finishes them, so
// checkers count their requests against the run (rate, Retry-After, attempt numbers), not
// against a logical operation.
inline constexpr std::uint64_t kSubOperationBit = std::uint64_t{1} << 62;
inline bool IsSubOperation(std::uint64_t op_id) { return (op_id & kSubOperationBit) != 0; }

// Workflow items get ids of their own, outside the operations' and the steps' (both bits set: an
// item is no operation the Runner starts, so the checkers of operations skip it).
inline constexpr std::uint64_t kWorkflowItemBit = std::uint64_t{1} << 61;
inline bool IsWorkflowItem(std::uint64_t op_id) {
  return (op_id & kSubOperationBit) != 0 && (op_id & kWorkflowItemBit) != 0;
}

// How a workflow item ended (kItemFinished's `a`). Every released item ends exactly once.
enum class ItemOutcome : std::int64_t {
  kSucceeded,     // every step it ran succeeded
  kDegraded,      // a failure was handled by a branch ("goto", "continue") and the rest succeeded
  kFailed,        // a step failed and its policy skipped the item
  kDeadLettered,  // parked in the workflow's dead-letter queue (replayed later)
  kAborted,       // the workflow stopped (a policy "abort") before the item could finish
};
inline constexpr int kItemOutcomeCount = 5;
std::string_view ItemOutcomeName(ItemOutcome outcome);  // "succeeded", "degraded", ...

// The cause of a kBreakerTransition event.
inline TransitionCause CauseOf(const Event& event) {
  return (event.attempt & kManualTransition) != 0 ? TransitionCause::kManual
                                                  : TransitionCause::kAutomatic;
}

class TraceSink {
 public:
  virtual ~TraceSink() = default;
  virtual void OnEvent(const Event& event) = 0;
};

// Hands `next` only the events of one dependency: checks that judge one dependency's stack (its
// invariants) see nothing of the other's. `next` must outlive it.
class DependencyFilter final : public TraceSink {
 public:
  DependencyFilter(Dependency dependency, TraceSink* next) : dependency_(dependency), next_(next) {}
  void OnEvent(const Event& event) override {
    if (event.dependency == dependency_) next_->OnEvent(event);
  }

 private:
  Dependency dependency_;
  TraceSink* next_;
};

class Trace {
 public:
  Trace();
  // A view of `parent` for another dependency's stack: every event emitted here is stamped with
  // `dependency` and goes to the parent (its digest, sinks and recording; add sinks and read the
  // digest there). `parent` must outlive it.
  Trace(Trace* parent, Dependency dependency);
  // Folds the event into the digest, hands it to every sink and records it if recording is on.
  void Emit(const Event& event);
  // Convenience for the common shape.
  void Emit(EventKind kind, TimeUs at_us, std::uint64_t op_id, std::uint32_t attempt,
            std::uint16_t key, std::int64_t a, std::int64_t b) {
    Emit(Event{at_us, op_id, a, b, attempt, key, kind});
  }
  void AddSink(TraceSink* sink) { sinks_.push_back(sink); }
  // Keeps the first `max_events` events (0 = off); further events still count in the digest.
  void Record(std::size_t max_events) { record_limit_ = max_events; }
  const std::vector<Event>& recorded() const { return recorded_; }
  bool truncated() const { return truncated_; }

  std::uint64_t Digest() const { return digest_; }
  // The digest as 16 lower-case hex digits.
  std::string DigestHex() const;
  std::uint64_t Count() const { return count_; }
  std::uint64_t CountOf(EventKind kind) const { return per_kind_[static_cast<int>(kind)]; }

 private:
  Trace* parent_ = nullptr;
  Dependency dependency_ = Dependency::kNotion;
  std::uint64_t digest_;
  std::uint64_t count_ = 0;
  std::uint64_t per_kind_[static_cast<int>(EventKind::kCount)] = {};
  std::vector<TraceSink*> sinks_;
  std::vector<Event> recorded_;
  std::size_t record_limit_ = 0;
  bool truncated_ = false;
};

std::string HexDigest(std::uint64_t digest);

}  // namespace notion_sim::engine
