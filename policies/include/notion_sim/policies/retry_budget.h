// Retry budget: a token bucket that stops retries when too many attempts fail, so retries cannot
// multiply the load on a struggling server (docs/sources.md#resilience-libraries:
// AWS standard mode, gRPC throttling).
//
//  - kGrpc (gRPC retryThrottling, A6): tokens start at max_tokens; every attempt that fails with a
//    retryable outcome costs 1, every success adds token_ratio; retries are refused while
//    tokens <= max_tokens / 2. Tokens are kept in thousandths (token_ratio has at most 3
//    decimals in gRPC, so the arithmetic is exact).
//  - kAwsStandard (the classic standard mode): a quota of 500; a retry takes 5 tokens (10 after a
//    timeout); no tokens -> no retry; a first-try success gives back 1; a success after retries
//    gives back what the last retry took; capped at the quota; no refill with time.
//  - kAwsStandard2026 (the 2026 behaviour): as above with costs 14 (transient, timeouts
//    included) and 5 (throttling).
//  - kEnvoy (Envoy's cluster `retry_budget`): a cap on concurrent retries, not a bucket. A retry is
//    allowed while active_retries < max(floor(budget_percent / 100 * active_requests),
//    min_retry_concurrency) (Envoy's RetryBudgetImpl::max() and canCreate()). An *active retry*
//    is one that was allowed and whose attempt (or reconcile lookup) has not answered yet: it
//    counts from the decision, through its backoff, until that request's outcome arrives or its
//    operation ends (Envoy increments `retries` when it schedules a retry and decrements it at the
//    next retry decision or when the request is destroyed). An *active request* is a request the
//    stack has sent and not had an answer to (Envoy's active upstream requests); Envoy also adds
//    requests pending a connection, which have no counterpart here (a request waiting at the
//    limiter or a bulkhead queue has not been sent and is not counted). The failed attempt that
//    asks for the retry has ended, so it is not counted. Defaults: 20 % and 3, as in Envoy.
//  - kNone: never refuses.
//
// The budget never delays or blocks a first attempt. One budget per stack (per client, not
// shared across processes, as in AWS). Not thread-safe: driven from the loop thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "notion_sim/policies/classify.h"

namespace notion_sim::policies {

enum class BudgetKind : std::uint8_t { kNone, kGrpc, kAwsStandard, kAwsStandard2026, kEnvoy };
std::string_view BudgetKindName(BudgetKind kind);  // "none", "grpc", "aws_standard", ...
std::optional<BudgetKind> ParseBudgetKind(std::string_view name);

struct RetryBudgetConfig {
  BudgetKind kind = BudgetKind::kNone;
  // gRPC retryThrottling.
  double max_tokens = 10;    // (0, 1000]
  double token_ratio = 0.1;  // > 0, 3 decimals
  // AWS standard mode (values of kAwsStandard; kAwsStandard2026 profiles set 14 / 14 / 5).
  std::int64_t quota = 500;                // initial and maximum tokens
  std::int64_t retry_cost = 5;             // a transient error
  std::int64_t timeout_retry_cost = 10;    // a timeout
  std::int64_t throttling_retry_cost = 5;  // 429 / 529
  std::int64_t no_retry_increment = 1;     // a first-try success
  // Envoy retry_budget.
  double budget_percent = 20;               // [0, 100] of the active requests
  std::uint32_t min_retry_concurrency = 3;  // retries always allowed concurrently
};
// The defaults of each kind (kAwsStandard2026: costs 14 / 14 / 5).
RetryBudgetConfig DefaultBudgetConfig(BudgetKind kind);

enum class BudgetDecision : std::uint8_t { kAllowed, kExhausted };

struct BudgetVerdict {
  BudgetDecision decision = BudgetDecision::kAllowed;
  std::int64_t cost_milli = 0;  // what was taken (AWS) or 0
  // Envoy: the allowed retry now counts as active until the caller calls OnRetryEnded().
  bool holds_retry = false;
};

class RetryBudget {
 public:
  explicit RetryBudget(const RetryBudgetConfig& config);

  // An attempt failed with an outcome the retry policy considers retryable (gRPC: -1 token).
  void OnRetryableFailure();
  // The retry policy wants to retry after `response` of class `cls`: may it? AWS takes the cost
  // now (and remembers it for the refund).
  BudgetVerdict TryAcquireRetry(ErrorClass cls, bool timeout);
  // The operation succeeded on attempt `attempt` (1 = first); `last_retry_cost_milli` is what
  // the last retry took (refunded; a retry spent on a reconcile lookup that found the lost
  // create counts as succeeded even though no second attempt was made).
  void OnSuccess(std::uint32_t attempt, std::int64_t last_retry_cost_milli);

  // Envoy's counts (kept for every kind; only kEnvoy decides by them). A request is an attempt or a
  // reconcile lookup sent to the target; it ends when its outcome (answer, timeout, reset) arrives.
  void OnRequestStarted() { ++active_requests_; }
  void OnRequestEnded();
  // A retry whose verdict had holds_retry ended (its request answered, or its operation ended).
  void OnRetryEnded();
  std::uint64_t active_requests() const { return active_requests_; }
  std::uint64_t active_retries() const { return active_retries_; }
  // Envoy: max(floor(budget_percent / 100 * active_requests), min_retry_concurrency).
  std::uint64_t MaxActiveRetries() const;

  // gRPC and AWS: the tokens left. Envoy: the retries that may still start now, in thousandths.
  std::int64_t tokens_milli() const;
  std::int64_t max_tokens_milli() const { return max_milli_; }
  const RetryBudgetConfig& config() const { return config_; }

 private:
  RetryBudgetConfig config_;
  std::int64_t max_milli_ = 0;
  std::int64_t ratio_milli_ = 0;
  std::int64_t tokens_milli_ = 0;
  std::uint64_t active_requests_ = 0;
  std::uint64_t active_retries_ = 0;
};

}  // namespace notion_sim::policies
