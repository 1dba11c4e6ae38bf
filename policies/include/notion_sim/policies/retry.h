// Retry: whether and when to send another attempt of a logical operation.
//
// A plain state machine fed `now` and outcomes. The decision is an enum and is taken in this
// order (AWS 2026 order, then ours): not retryable -> attempts exhausted -> Retry-After longer
// than allowed -> deadline -> budget. The delay is the backoff, or the Retry-After header:
//  - rules kSdk reproduce @notionhq/client v5.26.0 (docs/sources.md#the-official-sdk): only an
//    APIResponseError with rate_limited / service_overload (any method) or internal_server_error
//    / service_unavailable (GET and DELETE) is retried; a parsable Retry-After replaces the
//    backoff, capped at max_delay_us (so the SDK may retry before the header allows);
//  - rules kAnyFailure retry every failure (naive wrappers; they cause duplicate creates);
//  - rules kClassified are ours: by ErrorClass; 429/529 on any method; transient failures that
//    may have been applied (5xx, timeouts, resets) only for GET/DELETE or writes protected by
//    idempotency (the pipeline reconciles creates before retrying them); failures the server
//    never saw (refused, DNS) on any method. With Retry-After kStrict the delay is never shorter
//    than the header: max(header, backoff) plus optional jitter; a header longer than
//    max_retry_after_us gives up (kRetryAfterTooLong) instead of retrying early.
//
// Time comes from the caller (`now_us`), randomness from the engine::Rng fork handed in. Not
// thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "notion_sim/engine/protocol.h"
#include "notion_sim/engine/retry_after.h"
#include "notion_sim/engine/rng.h"
#include "notion_sim/engine/transport.h"
#include "notion_sim/policies/backoff.h"
#include "notion_sim/policies/classify.h"
#include "notion_sim/policies/retry_budget.h"

namespace notion_sim::policies {

// Retry-After is read by the engine's one parser (engine/retry_after.h), in the stack's mode.
using engine::RetryAfterForm;
using engine::RetryAfterMode;
using engine::RetryAfterModeName;
using engine::RetryAfterValue;

enum class RetryRules : std::uint8_t {
  kSdk,         // the official JS SDK's canRetry (body code + method)
  kClassified,  // ours (ErrorClass + method + idempotency protection)
  kAnyFailure,  // every failure, any method: a naive wrapper (r4j's default retryExceptions,
                // the fixed-delay profile's client)
};
std::string_view RetryRulesName(RetryRules rules);  // "sdk", "classified", "any_failure"
std::optional<RetryRules> ParseRetryRules(std::string_view name);

// Whether a write may be repeated without risking a duplicate side effect.
enum class WriteProtection : std::uint8_t {
  kNone,       // a plain POST/PATCH: a lost response may have been applied
  kProtected,  // idempotency-protected (reconcile-before-retry, or naturally idempotent)
};

enum class RetryDecision : std::uint8_t {
  kRetry,
  kNoRetry,            // the outcome is not retryable under the rules
  kUnsafeWrite,        // retryable for a read, but a write without idempotency protection
  kAttemptsExhausted,  // max_attempts reached
  kRetryAfterTooLong,  // strict Retry-After longer than max_retry_after_us
  kDeadlineExceeded,   // the next attempt would start after the overall deadline
  kBudgetExhausted,    // the retry budget refused
  kCount,
};
std::string_view RetryDecisionName(RetryDecision decision);

struct RetryConfig {
  std::uint32_t max_attempts = 3;  // including the first; 1 = no retries
  RetryRules rules = RetryRules::kClassified;
  BackoffConfig backoff;
  RetryAfterMode retry_after = RetryAfterMode::kStrict;
  TimeUs max_retry_after_us = Sec(60);  // kStrict: a longer header gives up (never early)
  TimeUs retry_after_jitter_us = 0;     // kStrict: uniform [0, this) added after the header
  TimeUs deadline_us = 0;               // over all attempts from the first send; 0 = none
  bool retry_conflicts = true;          // kClassified: 409 conflict_error (nothing was saved)
  bool retry_not_found = false;         // kClassified: 404 (eventual consistency)
};

// Per logical operation.
struct RetryState {
  std::uint32_t attempts = 0;              // attempts completed so far
  TimeUs started_us = 0;                   // when the first attempt was sent
  TimeUs previous_delay_us = 0;            // decorrelated jitter
  std::int64_t last_retry_cost_milli = 0;  // budget taken by the last retry (refund on success)
};

struct RetryVerdict {
  RetryDecision decision = RetryDecision::kNoRetry;
  ErrorClass error_class = ErrorClass::kSuccess;
  TimeUs delay_us = 0;            // kRetry: wait this long before the next attempt
  TimeUs backoff_us = 0;          // what the backoff alone gave
  RetryAfterValue retry_after;    // the parsed header
  bool retry_after_used = false;  // the header set (or raised) the delay
  BudgetVerdict budget;
};

class RetryPolicy {
 public:
  // `budget` may be null (no budget); it must outlive the policy. HTTP-dates are read on the
  // calendar `epoch_unix_us` (the run's: Clock::EpochUnixUs of the loop the stack runs on).
  RetryPolicy(const RetryConfig& config, engine::Rng rng, RetryBudget* budget = nullptr,
              std::int64_t epoch_unix_us = kDefaultEpochUnixS * kUsPerSec);

  // Whether the outcome is retryable under the rules, ignoring bounds, deadline and budget.
  RetryDecision Retryable(const engine::Response& response, engine::Method method,
                          WriteProtection protection) const;
  // Decides after attempt `state.attempts` (already counted) ended with `response` at `now_us`.
  // On kRetry the state is updated (delay, budget cost) for the next attempt.
  RetryVerdict Decide(const engine::Response& response, engine::Method method,
                      WriteProtection protection, RetryState& state, TimeUs now_us);
  // The operation succeeded: refunds the budget.
  void OnSuccess(const RetryState& state);

  const RetryConfig& config() const { return config_; }
  RetryBudget* budget() const { return budget_; }

 private:
  RetryConfig config_;
  Backoff backoff_;
  engine::Rng jitter_rng_;
  RetryBudget* budget_;
  std::int64_t epoch_unix_us_;
};

}  // namespace notion_sim::policies
