#include "notion_sim/policies/health.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "notion_sim/engine/json_reader.h"
#include "notion_sim/engine/trace.h"

namespace notion_sim::policies {
namespace {

using engine::EventKind;

constexpr auto kOk = AttemptHealth::kOk;
constexpr auto kErr = AttemptHealth::kError;
constexpr auto kGone = AttemptHealth::kUnreachable;

std::vector<std::pair<std::int64_t, std::int64_t>> Changes(const engine::Trace& trace,
                                                           std::uint16_t service) {
  std::vector<std::pair<std::int64_t, std::int64_t>> out;
  for (const engine::Event& e : trace.recorded()) {
    if (e.kind == EventKind::kHealthChanged && e.key == service) out.emplace_back(e.a, e.b);
  }
  return out;
}

TEST(HealthTest, AttemptsMapToHealthOutcomes) {
  engine::Response r;
  r.status = 200;
  EXPECT_EQ(AttemptHealthOf(r), kOk);
  r.status = 404;
  EXPECT_EQ(AttemptHealthOf(r), kOk);  // the service answered
  r.status = 429;
  EXPECT_EQ(AttemptHealthOf(r), kErr);
  r.status = 502;
  EXPECT_EQ(AttemptHealthOf(r), kErr);
  r.outcome = engine::TransportOutcome::kTimeout;
  EXPECT_EQ(AttemptHealthOf(r), kGone);
  r.outcome = engine::TransportOutcome::kMalformed;
  EXPECT_EQ(AttemptHealthOf(r), kErr);
  EXPECT_EQ(
      AttemptHealthOfEvent(-static_cast<std::int64_t>(engine::TransportOutcome::kConnectionReset)),
      kGone);
  EXPECT_EQ(ServiceOf(engine::Operation::kUpstreamComplete), kServiceUpstream);
  EXPECT_EQ(ServiceOf(engine::Operation::kCreatePage), kServiceNotion);
}

TEST(HealthTest, DlqDeeperThanOneHundredDegrades) {
  engine::Trace trace;
  trace.Record(100);
  HealthMonitor m(&trace, kServiceNotion);
  m.OnDlqDepth(Sec(1), 100);
  EXPECT_EQ(m.Level(), HealthLevel::kHealthy);
  m.OnDlqDepth(Sec(2), 101);
  EXPECT_EQ(m.Level(), HealthLevel::kDegraded);
  EXPECT_EQ(m.Report().reason, HealthReason::kDlqDeep);
  m.OnDlqDepth(Sec(3), 100);
  EXPECT_EQ(m.Level(), HealthLevel::kHealthy);
  EXPECT_EQ(Changes(trace, kServiceNotion),
            (std::vector<std::pair<std::int64_t, std::int64_t>>{{0, 1}, {1, 0}}));
  EXPECT_EQ(trace.recorded()[0].at_us, Sec(2));
}

TEST(HealthTest, AnyBreakerNotClosedDegrades) {
  HealthMonitor m(nullptr, kServiceNotion);
  m.OnBreakerState(0, 1, BreakerState::kOpen);
  m.OnBreakerState(0, 2, BreakerState::kClosed);
  EXPECT_EQ(m.Level(), HealthLevel::kDegraded);
  EXPECT_EQ(m.Report().breakers_not_closed, 1u);
  m.OnBreakerState(0, 1, BreakerState::kHalfOpen);
  EXPECT_EQ(m.Level(), HealthLevel::kDegraded);
  m.OnBreakerState(0, 1, BreakerState::kClosed);
  EXPECT_EQ(m.Level(), HealthLevel::kHealthy);
  m.OnBreakerState(0, 1, BreakerState::kDisabled);
  EXPECT_EQ(m.Level(), HealthLevel::kHealthy);
}

TEST(HealthTest, UnreachableAfterThreeAttemptsWithoutAResponse) {
  HealthMonitor m(nullptr, kServiceNotion);
  m.OnAttempt(Sec(1), kGone);
  m.OnAttempt(Sec(2), kGone);
  EXPECT_EQ(m.Level(), HealthLevel::kHealthy);
  m.OnAttempt(Sec(3), kGone);
  EXPECT_EQ(m.Level(), HealthLevel::kUnhealthy);
  EXPECT_EQ(m.Report().reason, HealthReason::kUnreachable);
  m.OnAttempt(Sec(4), kOk);  // 4 attempts: below the 10 needed to judge the error rate
  EXPECT_EQ(m.Level(), HealthLevel::kHealthy);
}

TEST(HealthTest, ErrorRateOverTheWindowDegradesThenMakesUnhealthyAndAgesOut) {
  HealthConfig c;  // 5 min window in 10 buckets of 30 s; at least 10 calls; 10 % / 50 %
  HealthMonitor m(nullptr, kServiceNotion, c);
  for (int i = 0; i < 9; ++i) m.OnAttempt(Sec(1), kOk);
  m.OnAttempt(Sec(1), kErr);  // 1 of 10 = 10 %
  EXPECT_EQ(m.Level(), HealthLevel::kDegraded);
  EXPECT_EQ(m.Report().reason, HealthReason::kErrorRateDegraded);
  for (int i = 0; i < 8; ++i) m.OnAttempt(Sec(2), kErr);  // 9 of 18 = 50 %
  EXPECT_EQ(m.Level(), HealthLevel::kUnhealthy);
  EXPECT_EQ(m.Report().reason, HealthReason::kErrorRateUnhealthy);
  m.Refresh(Min(5) - 1);  // the bucket [0, 30 s) is still in the window
  EXPECT_EQ(m.Level(), HealthLevel::kUnhealthy);
  m.Refresh(Min(5));  // it left: nothing to judge
  EXPECT_EQ(m.Level(), HealthLevel::kHealthy);
  EXPECT_EQ(m.Report().window_calls, 0u);
}

TEST(HealthTest, SinkFollowsEachServiceFromTheTrace) {
  engine::Trace trace;
  trace.Record(1000);
  HealthSink sink(&trace, HealthConfig{});
  trace.AddSink(&sink);
  // Operation 1 goes to the upstream, which stops answering; Notion stays fine.
  trace.Emit(EventKind::kOpStarted, 0, 1, 0, 0,
             static_cast<std::int64_t>(engine::Operation::kUpstreamComplete), 0);
  trace.Emit(EventKind::kOpStarted, 0, 2, 0, 0,
             static_cast<std::int64_t>(engine::Operation::kRetrievePage), 0);
  for (std::uint32_t a = 1; a <= 3; ++a) {
    trace.Emit(EventKind::kAttemptDone, Sec(a), 1, a, 0,
               -static_cast<std::int64_t>(engine::TransportOutcome::kTimeout), 0);
  }
  trace.Emit(EventKind::kAttemptDone, Sec(4), 2, 1, 0, 200, 0);
  EXPECT_EQ(sink.monitor(kServiceUpstream).Level(), HealthLevel::kUnhealthy);
  EXPECT_EQ(sink.monitor(kServiceNotion).Level(), HealthLevel::kHealthy);
  // A breaker opening and a deep DLQ count for Notion.
  trace.Emit(EventKind::kBreakerTransition, Sec(5), 0, 0, 0xFFFF,
             static_cast<std::int64_t>(BreakerState::kClosed),
             static_cast<std::int64_t>(BreakerState::kOpen));
  EXPECT_EQ(sink.monitor(kServiceNotion).Level(), HealthLevel::kDegraded);
  trace.Emit(EventKind::kBreakerTransition, Sec(6), 0, 0, 0xFFFF,
             static_cast<std::int64_t>(BreakerState::kHalfOpen),
             static_cast<std::int64_t>(BreakerState::kClosed));
  trace.Emit(EventKind::kDlqEnqueued, Sec(7), 3, 0, 0, 101, 1);
  EXPECT_EQ(sink.monitor(kServiceNotion).Report().reason, HealthReason::kDlqDeep);
  EXPECT_EQ(Changes(trace, kServiceUpstream),
            (std::vector<std::pair<std::int64_t, std::int64_t>>{{0, 2}}));
  EXPECT_EQ(Changes(trace, kServiceNotion),
            (std::vector<std::pair<std::int64_t, std::int64_t>>{{0, 1}, {1, 0}, {0, 1}}));
  // The second upstream's stack has a breaker of its own with the same key: its events say their
  // dependency, so it counts for the upstream only.
  engine::Trace upstream_stack(&trace, engine::Dependency::kUpstream);
  for (std::uint32_t a = 1; a <= 30; ++a) {  // 3 errors of 33: under 10 %
    upstream_stack.Emit(EventKind::kAttemptDone, Sec(8), 5, a, 0, 200, 0);  // answers again
  }
  EXPECT_EQ(sink.monitor(kServiceUpstream).Level(), HealthLevel::kHealthy);
  upstream_stack.Emit(EventKind::kBreakerTransition, Sec(9), 0, 0, 0xFFFF,
                      static_cast<std::int64_t>(BreakerState::kClosed),
                      static_cast<std::int64_t>(BreakerState::kOpen));
  EXPECT_EQ(sink.monitor(kServiceUpstream).Report().reason, HealthReason::kBreakerNotClosed);
  EXPECT_EQ(sink.monitor(kServiceNotion).Report().breakers_not_closed, 0u);
}

TEST(ServiceMonitorTest, FollowsTheTutorialsMonitor) {
  ServiceMonitor m;
  EXPECT_TRUE(m.healthy());
  m.OnRecoveryAttempt();  // healthy: not a recovery
  EXPECT_EQ(m.recovery_attempts(), 0u);
  m.OnFailure(Sec(5));
  EXPECT_FALSE(m.healthy());
  m.OnRecoveryAttempt();
  m.OnRecoveryAttempt();
  EXPECT_EQ(m.recovery_attempts(), 2u);
  m.OnSuccess(Sec(9));
  EXPECT_TRUE(m.healthy());
  EXPECT_EQ(m.last_heartbeat_us(), Sec(9));
  EXPECT_EQ(m.last_failure_us(), Sec(5));
}

TEST(HealthTest, ParsesItsConfig) {
  Result<engine::JsonDocument> doc = engine::JsonDocument::Parse(
      R"({"dlq_degraded_above": 50, "error_rate_degraded_percent": 60})", "h.json");
  ASSERT_TRUE(doc.ok());
  engine::JsonReader reader(*doc);
  engine::ObjectReader root = reader.Root();
  Result<HealthConfig> c = ParseHealthConfig(root, HealthConfig{});
  ASSERT_FALSE(c.ok());  // 60 % degraded > 50 % unhealthy
  EXPECT_NE(c.error().message.find("/error_rate_degraded_percent"), std::string::npos);
}

}  // namespace
}  // namespace notion_sim::policies
