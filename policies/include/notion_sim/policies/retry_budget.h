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

enum class BudgetKind : std::uint8_t { kNone, kGrpc, kAwsStandard, kAwsStandard2026 };
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
};
// The defaults of each kind (kAwsStandard2026: costs 14 / 14 / 5).
RetryBudgetConfig DefaultBudgetConfig(BudgetKind kind);

enum class BudgetDecision : std::uint8_t { kAllowed, kExhausted };

struct BudgetVerdict {
  BudgetDecision decision = BudgetDecision::kAllowed;
  std::int64_t cost_milli = 0;  // what was taken (AWS) or 0
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

  std::int64_t tokens_milli() const { return tokens_milli_; }
  std::int64_t max_tokens_milli() const { return max_milli_; }
  const RetryBudgetConfig& config() const { return config_; }

 private:
  RetryBudgetConfig config_;
  std::int64_t max_milli_ = 0;
  std::int64_t ratio_milli_ = 0;
  std::int64_t tokens_milli_ = 0;
};

}  // namespace notion_sim::policies
