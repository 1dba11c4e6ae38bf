#include "notion_sim/policies/error_budget.h"

#include <gtest/gtest.h>

#include <vector>

#include "alert_feed.h"
#include "notion_sim/engine/json_reader.h"
#include "notion_sim/engine/trace.h"
#include "notion_sim/engine/transport.h"
#include "notion_sim/policies/circuit_breaker.h"

namespace notion_sim::policies {
namespace {

using engine::EventKind;
using engine::OpStatus;

// Feeds a trace the way the runner and the stack do.
struct Feed : AlertFeed {
  explicit Feed(AlertConfig config = {}) : AlertFeed(config) { trace.Record(100'000); }
  void Op(TimeUs at, std::uint16_t tenant, OpStatus status) {
    ++op_id;
    trace.Emit(EventKind::kOpStarted, at, op_id, 0, tenant, 0, 0);
    trace.Emit(EventKind::kOpFinished, at, op_id, 1, 0, static_cast<std::int64_t>(status), 0);
  }
  void Status(TimeUs at, int http_status) {
    trace.Emit(EventKind::kAttemptDone, at, ++op_id, 1, 0, http_status, 0);
  }
  void Dlq(TimeUs at, EventKind kind, std::int64_t depth) {
    trace.Emit(kind, at, ++op_id, 0, 0, depth, 0);
  }
};

TEST(ErrorBudgetTest, BandsFollowTheSeedThresholds) {
  EXPECT_EQ(BandOf(0), BurnBand::kWithinBudget);
  EXPECT_EQ(BandOf(100), BurnBand::kWithinBudget);
  EXPECT_EQ(BandOf(100.5), BurnBand::kHeightened);
  EXPECT_EQ(BandOf(200), BurnBand::kHeightened);
  EXPECT_EQ(BandOf(200.5), BurnBand::kCritical);
}

TEST(ErrorBudgetTest, BurnIsTheBadShareOverTheBudget) {
  ErrorBudgetConfig c;
  c.slo_target = 0.98;  // budget: 2 % bad
  c.min_ops = 50;
  ErrorBudget budget(c);
  for (int i = 0; i < 98; ++i) budget.Record(Sec(1), true);
  budget.Record(Sec(1), false);
  budget.Record(Sec(1), false);  // 2 of 100 = 2 %: 100 % burn
  EXPECT_DOUBLE_EQ(budget.BurnPercent(), 100.0);
  EXPECT_EQ(budget.Band(), BurnBand::kWithinBudget);
  budget.Record(Sec(2), false);
  budget.Record(Sec(2), false);  // 4 of 102
  EXPECT_NEAR(budget.BurnPercent(), 4.0 / 102 / 0.02 * 100, 1e-9);
  EXPECT_EQ(budget.Band(), BurnBand::kHeightened);
  EXPECT_EQ(budget.WindowOps(), 102u);
  EXPECT_EQ(budget.WindowBad(), 4u);
}

TEST(ErrorBudgetTest, TheWindowForgetsOldOperations) {
  ErrorBudgetConfig c;  // 1 h in 60 buckets of 1 min
  c.min_ops = 1;
  ErrorBudget budget(c);
  budget.Record(Sec(30), false);
  budget.Record(Min(60) - 1, true);
  EXPECT_EQ(budget.WindowOps(), 2u);
  budget.Record(Min(60), true);  // the first minute's bucket left the window
  EXPECT_EQ(budget.WindowOps(), 2u);
  EXPECT_EQ(budget.WindowBad(), 0u);
}

TEST(ErrorBudgetTest, FallbacksCountAsBadUnlessConfigured) {
  ErrorBudgetConfig c;
  c.min_ops = 1;
  ErrorBudget strict(c);
  c.fallback_is_good = true;
  ErrorBudget lenient(c);
  const engine::Event e{Sec(1),
                        1,
                        static_cast<std::int64_t>(OpStatus::kServedFallback),
                        0,
                        1,
                        0,
                        EventKind::kOpFinished};
  strict.OnEvent(e);
  lenient.OnEvent(e);
  EXPECT_EQ(strict.WindowBad(), 1u);
  EXPECT_EQ(lenient.WindowBad(), 0u);
}

TEST(AlertTest, BurnBandAlertsOnEnteringHigherBands) {
  AlertConfig c;
  c.budget.slo_target = 0.9;  // 10 % budget
  c.budget.min_ops = 10;
  Feed f(c);
  for (int i = 0; i < 9; ++i) f.Op(Sec(1), 0, OpStatus::kSucceeded);
  f.Op(Sec(1), 0, OpStatus::kFailed);  // 10 %: 100 %
  EXPECT_EQ(f.alerts.count(), 0u);
  f.Op(Sec(2), 0, OpStatus::kFailed);  // 2 of 11 = 18 %: 181 %
  ASSERT_EQ(f.Of(AlertKind::kBurnHeightened).size(), 1u);
  EXPECT_EQ(f.Of(AlertKind::kBurnHeightened)[0].value, 181);
  f.Op(Sec(3), 0, OpStatus::kDeadLettered);  // 3 of 12 = 25 %: 250 %
  ASSERT_EQ(f.Of(AlertKind::kBurnCritical).size(), 1u);
  EXPECT_EQ(f.Of(AlertKind::kBurnCritical)[0].value, 250);
  EXPECT_EQ(f.Of(AlertKind::kBurnCritical)[0].at_us, Sec(3));
  f.Op(Sec(4), 0, OpStatus::kFailed);  // still critical: no new alert
  EXPECT_EQ(f.alerts.count(), 2u);
  EXPECT_EQ(f.trace.CountOf(EventKind::kAlertRaised), 2u);
}

TEST(AlertTest, OneServerErrorAnHourAlertsNothing) {
  Feed f;
  for (int h = 0; h < 10; ++h) f.Status(h * kUsPerHour, 503);
  EXPECT_EQ(f.alerts.count(), 0u);
}

TEST(AlertTest, FiveServerErrorsInFiveMinutesAlertOnce) {
  Feed f;
  f.Status(Sec(0), 500);
  f.Status(Sec(60), 502);
  f.Status(Sec(120), 404);  // not a 5xx
  f.Status(Sec(180), 503);
  f.Status(Sec(240), 504);
  EXPECT_EQ(f.alerts.count(), 0u);
  f.Status(Sec(300), 529);  // 5 within [0 s, 300 s]
  ASSERT_EQ(f.Of(AlertKind::kServerErrorBurst).size(), 1u);
  EXPECT_EQ(f.Of(AlertKind::kServerErrorBurst)[0].at_us, Sec(300));
  EXPECT_EQ(f.Of(AlertKind::kServerErrorBurst)[0].value, 5);
  f.Status(Sec(301), 500);  // a new burst has to build up again
  EXPECT_EQ(f.alerts.count(), 1u);
}

TEST(AlertTest, FiveServerErrorsSpreadOverMoreThanFiveMinutesDoNotAlert) {
  Feed f;
  for (int i = 0; i < 5; ++i) f.Status(Sec(75 * i) + (i == 4 ? 1 : 0), 500);  // span 300 s + 1 µs
  EXPECT_EQ(f.alerts.count(), 0u);
}

TEST(AlertTest, DlqGrowthAcceleratingAlertsWhenTheNextIntervalBegins) {
  Feed f;  // 5-minute intervals
  f.Dlq(Min(1), EventKind::kDlqEnqueued, 1);
  f.Dlq(Min(2), EventKind::kDlqEnqueued, 2);  // interval 0: +2
  f.Dlq(Min(6), EventKind::kDlqEnqueued, 3);
  f.Dlq(Min(7), EventKind::kDlqEnqueued, 4);
  f.Dlq(Min(8), EventKind::kDlqEnqueued, 5);  // interval 1: +3
  EXPECT_EQ(f.alerts.count(), 0u);
  f.Dlq(Min(11), EventKind::kDlqDrained, 4);  // closes interval 1: 2 then 3: accelerating
  ASSERT_EQ(f.Of(AlertKind::kDlqGrowthAccelerating).size(), 1u);
  EXPECT_EQ(f.Of(AlertKind::kDlqGrowthAccelerating)[0].value, 3);
  EXPECT_EQ(f.Of(AlertKind::kDlqGrowthAccelerating)[0].at_us, Min(11));
}

TEST(AlertTest, SteadyOrShrinkingDlqDoesNotAlert) {
  Feed f;
  std::int64_t depth = 0;
  for (int interval = 0; interval < 6; ++interval) {
    for (int i = 0; i < 2; ++i) f.Dlq(Min(5 * interval + 1 + i), EventKind::kDlqEnqueued, ++depth);
  }
  f.Dlq(Min(40), EventKind::kDlqDrained, --depth);
  EXPECT_EQ(f.alerts.count(), 0u);  // +2 every interval: growing, not accelerating
}

TEST(AlertTest, OneTenantFailingWhileOthersAreFine) {
  Feed f;
  for (int i = 0; i < 10; ++i) f.Op(Sec(10 + i), 2, OpStatus::kSucceeded);
  for (int i = 0; i < 4; ++i) f.Op(Sec(30 + i), 7, OpStatus::kFailed);
  EXPECT_EQ(f.Of(AlertKind::kTenantFailing).size(), 0u);  // 4 ops: below the minimum of 5
  f.Op(Sec(40), 7, OpStatus::kFailed);
  ASSERT_EQ(f.Of(AlertKind::kTenantFailing).size(), 1u);
  EXPECT_EQ(f.Of(AlertKind::kTenantFailing)[0].key, 7);
  EXPECT_EQ(f.Of(AlertKind::kTenantFailing)[0].value, 100);
  f.Op(Sec(41), 7, OpStatus::kFailed);  // still failing: raised once
  EXPECT_EQ(f.Of(AlertKind::kTenantFailing).size(), 1u);
}

TEST(AlertTest, EveryoneFailingIsNotATenantAlert) {
  Feed f;
  for (int i = 0; i < 10; ++i) {
    f.Op(Sec(i), 1, OpStatus::kFailed);
    f.Op(Sec(i), 2, OpStatus::kFailed);
  }
  EXPECT_EQ(f.Of(AlertKind::kTenantFailing).size(), 0u);
}

TEST(AlertTest, BreakerOpeningAlertsOperations) {
  Feed f;
  f.trace.Emit(EventKind::kBreakerTransition, Sec(3), 0, 0, 4,
               static_cast<std::int64_t>(BreakerState::kClosed),
               static_cast<std::int64_t>(BreakerState::kOpen));
  f.trace.Emit(EventKind::kBreakerTransition, Sec(4), 0, 0, 4,
               static_cast<std::int64_t>(BreakerState::kOpen),
               static_cast<std::int64_t>(BreakerState::kHalfOpen));
  ASSERT_EQ(f.Of(AlertKind::kBreakerOpened).size(), 1u);
  EXPECT_EQ(f.Of(AlertKind::kBreakerOpened)[0].key, 4);
  // The alert is in the trace too. (Trace records a sink's nested event before the event that
  // caused it, while the digest folds the cause first; so look it up by kind, not position.)
  ASSERT_EQ(f.trace.CountOf(EventKind::kAlertRaised), 1u);
  for (const engine::Event& e : f.trace.recorded()) {
    if (e.kind != EventKind::kAlertRaised) continue;
    EXPECT_EQ(e.at_us, Sec(3));
    EXPECT_EQ(e.key, 4);
    EXPECT_EQ(e.a, static_cast<std::int64_t>(AlertKind::kBreakerOpened));
  }
}

TEST(AlertTest, ParsesNestedBudget) {
  Result<engine::JsonDocument> doc = engine::JsonDocument::Parse(
      R"({"server_error_burst_count": 3, "budget": {"slo_target": 0.995, "window_ms": 600000}})",
      "a.json");
  ASSERT_TRUE(doc.ok());
  engine::JsonReader reader(*doc);
  engine::ObjectReader root = reader.Root();
  Result<AlertConfig> c = ParseAlertConfig(root, AlertConfig{});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->server_error_burst_count, 3u);
  EXPECT_DOUBLE_EQ(c->budget.slo_target, 0.995);
  EXPECT_EQ(c->budget.window_us, Min(10));
  Result<engine::JsonDocument> bad =
      engine::JsonDocument::Parse(R"({"budget": {"slo_target": 1}})", "a.json");
  engine::JsonReader bad_reader(*bad);
  engine::ObjectReader bad_root = bad_reader.Root();
  EXPECT_FALSE(ParseAlertConfig(bad_root, AlertConfig{}).ok());
}

}  // namespace
}  // namespace notion_sim::policies
