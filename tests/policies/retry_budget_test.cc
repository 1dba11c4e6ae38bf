#include "notion_sim/policies/retry_budget.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

namespace notion_sim::policies {
namespace {

TEST(RetryBudget, GrpcThrottlesAtHalfTheTokens) {
  RetryBudget b(DefaultBudgetConfig(BudgetKind::kGrpc));  // maxTokens 10, tokenRatio 0.1
  EXPECT_EQ(b.tokens_milli(), 10000);
  for (int i = 0; i < 4; ++i) b.OnRetryableFailure();
  EXPECT_EQ(b.tokens_milli(), 6000);
  EXPECT_EQ(b.TryAcquireRetry(ErrorClass::kTransient, false).decision, BudgetDecision::kAllowed);
  b.OnRetryableFailure();
  EXPECT_EQ(b.tokens_milli(), 5000);  // == max/2: retries off
  EXPECT_EQ(b.TryAcquireRetry(ErrorClass::kTransient, false).decision, BudgetDecision::kExhausted);
  b.OnSuccess(1, 0);
  EXPECT_EQ(b.tokens_milli(), 5100);
  EXPECT_EQ(b.TryAcquireRetry(ErrorClass::kTransient, false).decision, BudgetDecision::kAllowed);
  for (int i = 0; i < 20; ++i) b.OnRetryableFailure();
  EXPECT_EQ(b.tokens_milli(), 0);  // floor
  for (int i = 0; i < 200; ++i) b.OnSuccess(1, 0);
  EXPECT_EQ(b.tokens_milli(), 10000);  // cap
}

TEST(RetryBudget, AwsStandardClassicCosts) {
  RetryBudget b(DefaultBudgetConfig(BudgetKind::kAwsStandard));
  EXPECT_EQ(b.tokens_milli(), 500000);
  BudgetVerdict v = b.TryAcquireRetry(ErrorClass::kTransient, false);
  EXPECT_EQ(v.cost_milli, 5000);
  EXPECT_EQ(b.tokens_milli(), 495000);
  v = b.TryAcquireRetry(ErrorClass::kTransient, true);
  EXPECT_EQ(v.cost_milli, 10000);
  EXPECT_EQ(b.tokens_milli(), 485000);
  b.OnSuccess(3, v.cost_milli);  // success after retries: the last retry's cost comes back
  EXPECT_EQ(b.tokens_milli(), 495000);
  b.OnSuccess(1, 0);  // first-try success: +1
  EXPECT_EQ(b.tokens_milli(), 496000);
  // A retry spent on a reconcile lookup that found the lost create: one attempt, refunded.
  v = b.TryAcquireRetry(ErrorClass::kTransient, true);
  EXPECT_EQ(b.tokens_milli(), 486000);
  b.OnSuccess(1, v.cost_milli);
  EXPECT_EQ(b.tokens_milli(), 496000);
  // From full, 500 tokens are 100 retries at cost 5.
  RetryBudget full(DefaultBudgetConfig(BudgetKind::kAwsStandard));
  int allowed = 0;
  while (full.TryAcquireRetry(ErrorClass::kTransient, false).decision == BudgetDecision::kAllowed) {
    ++allowed;
    ASSERT_LE(allowed, 1000);
  }
  EXPECT_EQ(allowed, 100);
  // No time-based refill: nothing but successes gives tokens back.
  EXPECT_EQ(full.tokens_milli(), 0);
}

TEST(RetryBudget, Aws2026Costs) {
  RetryBudget b(DefaultBudgetConfig(BudgetKind::kAwsStandard2026));
  // aws-sdk-go-v2 retry2026_test.go: 500 -> 486 -> 472 -> success -> 486.
  EXPECT_EQ(b.TryAcquireRetry(ErrorClass::kTransient, false).cost_milli, 14000);
  EXPECT_EQ(b.tokens_milli(), 486000);
  EXPECT_EQ(b.TryAcquireRetry(ErrorClass::kTransient, true).cost_milli, 14000);
  EXPECT_EQ(b.tokens_milli(), 472000);
  b.OnSuccess(3, 14000);
  EXPECT_EQ(b.tokens_milli(), 486000);
  EXPECT_EQ(b.TryAcquireRetry(ErrorClass::kRateLimited, false).cost_milli, 5000);
  EXPECT_EQ(b.tokens_milli(), 481000);
}

TEST(RetryBudget, NoneNeverRefuses) {
  RetryBudget b(RetryBudgetConfig{});
  for (int i = 0; i < 1000; ++i) {
    b.OnRetryableFailure();
    EXPECT_EQ(b.TryAcquireRetry(ErrorClass::kTransient, true).decision, BudgetDecision::kAllowed);
  }
}

TEST(RetryBudget, Names) {
  for (BudgetKind k : {BudgetKind::kNone, BudgetKind::kGrpc, BudgetKind::kAwsStandard,
                       BudgetKind::kAwsStandard2026}) {
    EXPECT_EQ(ParseBudgetKind(BudgetKindName(k)), k);
  }
}

// Retries never exceed the budget: tokens stay in [0, max]; AWS retries are paid for in full;
// gRPC allows none at or below half.
RC_GTEST_PROP(RetryBudgetProp, RetriesNeverExceedTheBudget, ()) {
  const auto kind =
      *rc::gen::element(BudgetKind::kGrpc, BudgetKind::kAwsStandard, BudgetKind::kAwsStandard2026);
  RetryBudget b(DefaultBudgetConfig(kind));
  const auto steps = *rc::gen::container<std::vector<int>>(rc::gen::inRange(0, 5));
  std::int64_t paid = 0;
  std::int64_t refunded = 0;
  std::int64_t last_cost = 0;
  std::uint32_t attempt = 1;
  for (int step : steps) {
    const std::int64_t before = b.tokens_milli();
    if (step <= 2) {  // a retryable failure, then a retry request
      b.OnRetryableFailure();
      const bool timeout = step == 1;
      const ErrorClass cls = step == 2 ? ErrorClass::kRateLimited : ErrorClass::kTransient;
      const std::int64_t tokens = b.tokens_milli();
      const BudgetVerdict v = b.TryAcquireRetry(cls, timeout);
      if (kind == BudgetKind::kGrpc) {
        RC_ASSERT((v.decision == BudgetDecision::kAllowed) == (2 * tokens > b.max_tokens_milli()));
      } else if (v.decision == BudgetDecision::kAllowed) {
        RC_ASSERT(tokens >= v.cost_milli);
        RC_ASSERT(b.tokens_milli() == tokens - v.cost_milli);
        paid += v.cost_milli;
        last_cost = v.cost_milli;
        ++attempt;
      } else {
        RC_ASSERT(b.tokens_milli() == tokens);
      }
    } else {  // success
      b.OnSuccess(attempt, last_cost);
      RC_ASSERT(b.tokens_milli() >= before);
      refunded += b.tokens_milli() - before;
      attempt = 1;
      last_cost = 0;
    }
    RC_ASSERT(b.tokens_milli() >= 0);
    RC_ASSERT(b.tokens_milli() <= b.max_tokens_milli());
  }
  if (kind != BudgetKind::kGrpc) {
    RC_ASSERT(b.tokens_milli() == b.max_tokens_milli() - paid + refunded);
  }
}

}  // namespace
}  // namespace notion_sim::policies
