// Envoy's retry budget: a cap on concurrent retries, max(floor(budget_percent% x active requests),
// min_retry_concurrency); exact counts alone and inside the pipeline.
#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "notion_sim/engine/sim_loop.h"
#include "notion_sim/policies/pipeline.h"
#include "notion_sim/policies/profiles.h"
#include "notion_sim/policies/retry_budget.h"

namespace notion_sim::policies {
namespace {

RetryBudgetConfig Envoy(double percent, std::uint32_t min_concurrency) {
  RetryBudgetConfig c = DefaultBudgetConfig(BudgetKind::kEnvoy);
  c.budget_percent = percent;
  c.min_retry_concurrency = min_concurrency;
  return c;
}

BudgetDecision Try(RetryBudget& b) {
  return b.TryAcquireRetry(ErrorClass::kTransient, false).decision;
}

TEST(EnvoyRetryBudget, DefaultsAreTwentyPercentAndThree) {
  const RetryBudgetConfig c = DefaultBudgetConfig(BudgetKind::kEnvoy);
  EXPECT_EQ(c.budget_percent, 20.0);
  EXPECT_EQ(c.min_retry_concurrency, 3u);
  EXPECT_EQ(BudgetKindName(BudgetKind::kEnvoy), "envoy");
  EXPECT_EQ(ParseBudgetKind("envoy"), BudgetKind::kEnvoy);
}

TEST(EnvoyRetryBudget, MinimumConcurrencyWhenIdle) {
  RetryBudget b(DefaultBudgetConfig(BudgetKind::kEnvoy));
  EXPECT_EQ(b.MaxActiveRetries(), 3u);
  EXPECT_EQ(b.tokens_milli(), 3000);
  for (int i = 0; i < 3; ++i) {
    const BudgetVerdict v = b.TryAcquireRetry(ErrorClass::kRateLimited, i == 1);
    EXPECT_EQ(v.decision, BudgetDecision::kAllowed);
    EXPECT_TRUE(v.holds_retry);
    EXPECT_EQ(v.cost_milli, 0);
  }
  EXPECT_EQ(b.active_retries(), 3u);
  EXPECT_EQ(b.tokens_milli(), 0);
  const BudgetVerdict refused = b.TryAcquireRetry(ErrorClass::kTransient, false);
  EXPECT_EQ(refused.decision, BudgetDecision::kExhausted);
  EXPECT_FALSE(refused.holds_retry);
  EXPECT_EQ(b.active_retries(), 3u);
  b.OnRetryEnded();  // one retry's request answered: room for one more
  EXPECT_EQ(Try(b), BudgetDecision::kAllowed);
  EXPECT_EQ(Try(b), BudgetDecision::kExhausted);
}

TEST(EnvoyRetryBudget, ShareOfActiveRequestsIsTruncated) {
  RetryBudget b(DefaultBudgetConfig(BudgetKind::kEnvoy));
  for (int i = 0; i < 19; ++i) b.OnRequestStarted();
  EXPECT_EQ(b.MaxActiveRetries(), 3u);  // 20 % of 19 = 3.8 -> 3
  b.OnRequestStarted();
  EXPECT_EQ(b.MaxActiveRetries(), 4u);  // 20 % of 20 = 4
  for (int i = 0; i < 4; ++i) b.OnRequestStarted();
  EXPECT_EQ(b.active_requests(), 24u);
  EXPECT_EQ(b.MaxActiveRetries(), 4u);  // 4.8 -> 4
  b.OnRequestStarted();
  EXPECT_EQ(b.MaxActiveRetries(), 5u);  // 25 -> 5
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Try(b), BudgetDecision::kAllowed);
  EXPECT_EQ(Try(b), BudgetDecision::kExhausted);
  // Requests ending shrink the cap below the retries already active: none starts until enough
  // of them end.
  for (int i = 0; i < 15; ++i) b.OnRequestEnded();
  EXPECT_EQ(b.MaxActiveRetries(), 3u);  // 20 % of 10 = 2 < 3
  b.OnRetryEnded();
  b.OnRetryEnded();
  EXPECT_EQ(b.active_retries(), 3u);
  EXPECT_EQ(Try(b), BudgetDecision::kExhausted);
  b.OnRetryEnded();
  EXPECT_EQ(Try(b), BudgetDecision::kAllowed);
}

TEST(EnvoyRetryBudget, ZeroMinimumAndOtherPercents) {
  RetryBudget b(Envoy(50, 0));
  EXPECT_EQ(b.MaxActiveRetries(), 0u);
  EXPECT_EQ(Try(b), BudgetDecision::kExhausted);  // nothing in flight: no retry at all
  for (int i = 0; i < 3; ++i) b.OnRequestStarted();
  EXPECT_EQ(b.MaxActiveRetries(), 1u);  // 1.5 -> 1
  EXPECT_EQ(Try(b), BudgetDecision::kAllowed);
  EXPECT_EQ(Try(b), BudgetDecision::kExhausted);
  RetryBudget all(Envoy(100, 0));
  for (int i = 0; i < 7; ++i) all.OnRequestStarted();
  EXPECT_EQ(all.MaxActiveRetries(), 7u);
  // Success and failure reports are the token buckets' business: they change nothing here.
  all.OnRetryableFailure();
  all.OnSuccess(1, 0);
  EXPECT_EQ(all.MaxActiveRetries(), 7u);
  EXPECT_EQ(all.active_retries(), 0u);
}

// The pipeline: six GETs at once, each answered 503 on its first attempt and 200 after, 100 ms
// per request. The answers arrive in send order, so when op k decides, 6 - k requests are still in
// flight; with 50 % and no minimum, op 1 (5 in flight: 2) and op 2 (4: 2) retry, op 3 (3: 1, and
// 2 retries are active) and the rest are refused.
class FirstAttemptFails final : public engine::Transport {
 public:
  explicit FirstAttemptFails(engine::Loop& loop) : loop_(loop) {}
  void Send(const engine::Request& request, engine::Completion done) override {
    ++sent_;
    engine::Response r;
    r.status = request.attempt == 1 ? 503 : 200;
    r.code = request.attempt == 1 ? engine::ApiCode::kServiceUnavailable : engine::ApiCode::kNone;
    loop_.ScheduleAfter(Ms(100), [done = std::move(done), r]() mutable { done(std::move(r)); });
  }
  int sent() const { return sent_; }

 private:
  engine::Loop& loop_;
  int sent_ = 0;
};

struct Outcome {
  std::map<std::uint64_t, engine::OpStatus> status;
  std::uint64_t exhausted = 0;
  int sent = 0;
};

Outcome RunSix(const RetryBudgetConfig& budget) {
  Result<StackConfig> c = ProfileConfig("notionhq-client-v5");
  EXPECT_TRUE(c.ok());
  StackConfig config = c.value();
  config.budget = budget;
  engine::SimLoop loop;
  engine::Trace trace;
  FirstAttemptFails transport(loop);
  Pipeline pipeline(config, loop, trace, transport, engine::Rng(3));
  Outcome out;
  for (std::uint64_t id = 1; id <= 6; ++id) {
    engine::LogicalOp op;
    op.op_id = id;
    op.operation = engine::Operation::kRetrievePage;
    op.target = engine::ObjectId{1, id};
    pipeline.Execute(op, [&out, id](const engine::OpResult& r) { out.status[id] = r.status; });
  }
  loop.RunUntilIdle(Min(5));
  EXPECT_EQ(pipeline.budget().active_requests(), 0u);
  EXPECT_EQ(pipeline.budget().active_retries(), 0u);
  out.exhausted = trace.CountOf(engine::EventKind::kBudgetExhausted);
  out.sent = transport.sent();
  return out;
}

TEST(EnvoyRetryBudget, PipelineCapsConcurrentRetries) {
  const Outcome half = RunSix(Envoy(50, 0));
  ASSERT_EQ(half.status.size(), 6u);
  EXPECT_EQ(half.status.at(1), engine::OpStatus::kSucceeded);
  EXPECT_EQ(half.status.at(2), engine::OpStatus::kSucceeded);
  for (std::uint64_t id = 3; id <= 6; ++id)
    EXPECT_EQ(half.status.at(id), engine::OpStatus::kFailed);
  EXPECT_EQ(half.exhausted, 4u);
  EXPECT_EQ(half.sent, 8);

  // The defaults: 20 % of at most 5 is 1, so the minimum of 3 decides: ops 1-3 retry.
  const Outcome defaults = RunSix(DefaultBudgetConfig(BudgetKind::kEnvoy));
  EXPECT_EQ(defaults.exhausted, 3u);
  EXPECT_EQ(defaults.sent, 9);
  EXPECT_EQ(defaults.status.at(3), engine::OpStatus::kSucceeded);
  EXPECT_EQ(defaults.status.at(4), engine::OpStatus::kFailed);

  // Without a budget every operation retries.
  const Outcome none = RunSix(RetryBudgetConfig{});
  EXPECT_EQ(none.exhausted, 0u);
  EXPECT_EQ(none.sent, 12);
}

TEST(EnvoyRetryBudget, ReadFromAScenarioStack) {
  Result<StackConfig> c = ParseStackConfigText(
      R"({"profile": "recommended", "budget": {"kind": "envoy", "budget_percent": 25, "min_retry_concurrency": 1}})",
      "s.json");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c.value().budget.kind, BudgetKind::kEnvoy);
  EXPECT_EQ(c.value().budget.budget_percent, 25.0);
  EXPECT_EQ(c.value().budget.min_retry_concurrency, 1u);
  EXPECT_FALSE(
      ParseStackConfigText(R"({"budget": {"kind": "envoy", "budget_percent": 101}})", "s.json")
          .ok());
}

}  // namespace
}  // namespace notion_sim::policies
