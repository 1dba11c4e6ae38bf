#include "notion_sim/policies/retry_budget.h"

#include "policy_check.h"

#include <algorithm>
#include <cmath>

namespace notion_sim::policies {
namespace {

std::int64_t ToMilli(double v) { return static_cast<std::int64_t>(std::llround(v * 1000.0)); }

}  // namespace

std::string_view BudgetKindName(BudgetKind kind) {
  switch (kind) {
    case BudgetKind::kNone:
      return "none";
    case BudgetKind::kGrpc:
      return "grpc";
    case BudgetKind::kAwsStandard:
      return "aws_standard";
    case BudgetKind::kAwsStandard2026:
      return "aws_standard_2026";
    case BudgetKind::kEnvoy:
      return "envoy";
  }
  return "?";
}

std::optional<BudgetKind> ParseBudgetKind(std::string_view name) {
  for (BudgetKind k : {BudgetKind::kNone, BudgetKind::kGrpc, BudgetKind::kAwsStandard,
                       BudgetKind::kAwsStandard2026, BudgetKind::kEnvoy}) {
    if (BudgetKindName(k) == name) return k;
  }
  return std::nullopt;
}

RetryBudgetConfig DefaultBudgetConfig(BudgetKind kind) {
  RetryBudgetConfig c;
  c.kind = kind;
  if (kind == BudgetKind::kAwsStandard2026) {
    c.retry_cost = 14;          // botocore _RETRY_COST_V2
    c.timeout_retry_cost = 14;  // timeouts are transient errors in the 2026 behaviour
    c.throttling_retry_cost = 5;
  }
  return c;
}

RetryBudget::RetryBudget(const RetryBudgetConfig& config) : config_(config) {
  switch (config_.kind) {
    case BudgetKind::kNone:
    case BudgetKind::kEnvoy:
      break;
    case BudgetKind::kGrpc:
      max_milli_ = ToMilli(config_.max_tokens);
      ratio_milli_ = ToMilli(config_.token_ratio);
      break;
    case BudgetKind::kAwsStandard:
    case BudgetKind::kAwsStandard2026:
      max_milli_ = config_.quota * 1000;
      break;
  }
  tokens_milli_ = max_milli_;
}

void RetryBudget::OnRetryableFailure() {
  if (config_.kind != BudgetKind::kGrpc) return;
  tokens_milli_ = std::max<std::int64_t>(tokens_milli_ - 1000, 0);
}

void RetryBudget::OnRequestEnded() {
  NSIM_POLICY_CHECK(active_requests_ > 0);
  --active_requests_;
}

void RetryBudget::OnRetryEnded() {
  NSIM_POLICY_CHECK(active_retries_ > 0);
  --active_retries_;
}

std::uint64_t RetryBudget::MaxActiveRetries() const {
  // Envoy: std::max<uint64_t>(budget_percent / 100.0 * current_active, min_retry_concurrency),
  // the product truncated to an integer.
  const auto share = static_cast<std::uint64_t>(config_.budget_percent / 100.0 *
                                                static_cast<double>(active_requests_));
  return std::max<std::uint64_t>(share, config_.min_retry_concurrency);
}

std::int64_t RetryBudget::tokens_milli() const {
  if (config_.kind != BudgetKind::kEnvoy) return tokens_milli_;
  const std::uint64_t max = MaxActiveRetries();
  return max > active_retries_ ? static_cast<std::int64_t>(max - active_retries_) * 1000 : 0;
}

BudgetVerdict RetryBudget::TryAcquireRetry(ErrorClass cls, bool timeout) {
  switch (config_.kind) {
    case BudgetKind::kNone:
      return {};
    case BudgetKind::kEnvoy:
      if (active_retries_ >= MaxActiveRetries()) return {BudgetDecision::kExhausted, 0};
      ++active_retries_;
      return {BudgetDecision::kAllowed, 0, true};
    case BudgetKind::kGrpc:
      // "retries are disabled while token_count <= maxTokens / 2"; compared in thousandths
      // doubled so an odd max needs no rounding.
      if (2 * tokens_milli_ <= max_milli_) return {BudgetDecision::kExhausted, 0};
      return {};
    case BudgetKind::kAwsStandard:
    case BudgetKind::kAwsStandard2026: {
      const std::int64_t cost = cls == ErrorClass::kRateLimited ? config_.throttling_retry_cost
                                : timeout                       ? config_.timeout_retry_cost
                                                                : config_.retry_cost;
      const std::int64_t cost_milli = cost * 1000;
      if (tokens_milli_ < cost_milli) return {BudgetDecision::kExhausted, cost_milli};
      tokens_milli_ -= cost_milli;
      return {BudgetDecision::kAllowed, cost_milli};
    }
  }
  return {};
}

void RetryBudget::OnSuccess(std::uint32_t attempt, std::int64_t last_retry_cost_milli) {
  switch (config_.kind) {
    case BudgetKind::kNone:
    case BudgetKind::kEnvoy:
      return;
    case BudgetKind::kGrpc:
      tokens_milli_ = std::min(tokens_milli_ + ratio_milli_, max_milli_);
      return;
    case BudgetKind::kAwsStandard:
    case BudgetKind::kAwsStandard2026:
      NSIM_POLICY_CHECK(last_retry_cost_milli >= 0);
      // A retry that was paid for and then succeeded (or found, by a reconcile lookup, that the
      // lost create had happened) is refunded; a first-try success earns the increment.
      tokens_milli_ = std::min(tokens_milli_ + (last_retry_cost_milli > 0 ? last_retry_cost_milli
                                                : attempt <= 1 ? config_.no_retry_increment * 1000
                                                               : 0),
                               max_milli_);
      return;
  }
}

}  // namespace notion_sim::policies
