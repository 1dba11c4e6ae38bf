#include "notion_sim/checks/metrics.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>

#include "notion_sim/engine/transport.h"

namespace notion_sim::checks {
namespace {

using K = EventKind;

Event Ev(K kind, TimeUs at, std::uint64_t op, std::int64_t a = 0, std::int64_t b = 0,
         std::uint32_t attempt = 0, std::uint16_t key = 0) {
  return Event{at, op, a, b, attempt, key, kind};
}
Event Started(TimeUs at, std::uint64_t op, Operation operation = Operation::kCreatePage) {
  return Ev(K::kOpStarted, at, op, static_cast<std::int64_t>(operation), 1);
}
Event Finished(TimeUs at, std::uint64_t op, OpStatus status = OpStatus::kSucceeded) {
  return Ev(K::kOpFinished, at, op, static_cast<std::int64_t>(status), 200, 1);
}
Event Sent(TimeUs at, std::uint64_t op, std::uint32_t attempt = 1) {
  return Ev(K::kAttemptSent, at, op, 0, 0, attempt);
}
Event Done(TimeUs at, std::uint64_t op, std::int64_t status, std::uint32_t attempt = 1) {
  return Ev(K::kAttemptDone, at, op, status, 0, attempt);
}
Event Transition(TimeUs at, BreakerState from, BreakerState to, std::uint16_t key = 0) {
  return Ev(K::kBreakerTransition, at, 0, static_cast<std::int64_t>(from),
            static_cast<std::int64_t>(to), 0, key);
}

// --- LogHistogram ------------------------------------------------------------------------------

TEST(LogHistogram, SmallValuesAreExactAndRanksAreNearestRank) {
  LogHistogram h;
  for (int v = 1; v <= 100; ++v) h.Add(v);
  EXPECT_EQ(h.count(), 100u);
  EXPECT_EQ(h.min(), 1);
  EXPECT_EQ(h.max(), 100);
  EXPECT_EQ(h.Quantile(0.0), 1);
  EXPECT_EQ(h.Quantile(0.5), 50);
  EXPECT_EQ(h.Quantile(0.9), 90);
  EXPECT_EQ(h.Quantile(0.99), 99);  // rank ceil(0.99 * 100) = 99, not 100
  EXPECT_EQ(h.Quantile(1.0), 100);
  EXPECT_DOUBLE_EQ(h.mean(), 50.5);
  EXPECT_EQ(LogHistogram().Quantile(0.5), 0);
}

TEST(LogHistogram, LargeValuesReportTheirBucketsHighestValueCappedAtTheMax) {
  LogHistogram h;  // 128 sub-buckets: at 100 ms (2^16..2^17 us) a bucket is 512 us wide
  h.Add(Ms(100));
  h.Add(Ms(200));
  EXPECT_EQ(h.Quantile(0.5), 100'351);  // 100'000 lies in [99'840, 100'351]
  EXPECT_EQ(h.Quantile(1.0), Ms(200));  // capped at the true maximum
  LogHistogram coarse(4);
  coarse.Add(1000);  // 16 sub-buckets: [992, 1023]
  EXPECT_EQ(coarse.Quantile(0.5), 1000);
  coarse.Add(5000);
  EXPECT_EQ(coarse.Quantile(0.5), 1023);
}

TEST(LogHistogram, MergeEqualsAddingEverything) {
  LogHistogram a, b, all;
  for (int v = 0; v < 1000; v += 7) {
    (v % 2 ? a : b).Add(v * 1000);
    all.Add(v * 1000);
  }
  a.Merge(b);
  for (double q : {0.1, 0.5, 0.9, 0.99}) EXPECT_EQ(a.Quantile(q), all.Quantile(q));
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.min(), all.min());
  EXPECT_EQ(a.max(), all.max());
}

RC_GTEST_PROP(LogHistogram, QuantilesAreWithinTheDocumentedPrecision, ()) {
  const auto values = *rc::gen::nonEmpty(rc::gen::container<std::vector<std::int64_t>>(
      rc::gen::inRange<std::int64_t>(0, std::int64_t{1} << 40)));
  const auto q_permille = *rc::gen::inRange(0, 1001);
  const double q = q_permille / 1000.0;
  LogHistogram h;
  for (std::int64_t v : values) h.Add(v);
  std::vector<std::int64_t> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  const std::size_t n = sorted.size();
  std::size_t rank = (n * static_cast<std::size_t>(q_permille) + 999) / 1000;
  rank = std::clamp<std::size_t>(rank, 1, n);
  const std::int64_t truth = sorted[rank - 1];
  const std::int64_t got = h.Quantile(q);
  RC_ASSERT(got >= truth);
  RC_ASSERT(got <= sorted.back());
  if (truth < 256) {
    RC_ASSERT(got == truth);
  } else {
    RC_ASSERT(static_cast<double>(got) <= static_cast<double>(truth) * (1.0 + 1.0 / 128));
  }
}

// --- MetricsSink -------------------------------------------------------------------------------

TEST(MetricsSink, CountsOutcomesLatencyRequestsAndStatuses) {
  MetricsSink m(MetricsConfig{});
  // op 1: create, two attempts (a 429 then a 200), 300 us.
  // op 2: query, one attempt, 100 us, failed with a 500. op 3: create, a reconcile lookup and
  // an attempt, dead-lettered. op 4: still open at the end.
  for (const Event& e : {Started(0, 1),
                         Sent(0, 1, 1),
                         Done(50, 1, 429),
                         Sent(100, 1, 2),
                         Done(200, 1, 200),
                         Finished(300, 1),
                         Started(1000, 2, Operation::kQueryDataSource),
                         Sent(1000, 2),
                         Done(1100, 2, 500),
                         Finished(1100, 2, OpStatus::kFailed),
                         Started(2000, 3),
                         Ev(K::kReconcileSent, 2000, 3),
                         Sent(2010, 3),
                         Done(2020, 3, -1),
                         Ev(K::kDlqEnqueued, 2030, 3, 1, 1),
                         Finished(2030, 3, OpStatus::kDeadLettered),
                         Sent(5000, 3, 2),
                         Ev(K::kLimiterDelayed, 5000, 4, 700, 0),
                         Ev(K::kLimiterDelayed, 5000, 4, 300, 0),
                         Started(6000, 4)}) {
    m.OnEvent(e);
  }
  const MetricsReport r = m.Finish(Sec(1));
  EXPECT_EQ(r.ops.started, 4u);
  EXPECT_EQ(r.ops.succeeded, 1u);
  EXPECT_EQ(r.ops.failed, 1u);
  EXPECT_EQ(r.ops.dead_lettered, 1u);
  EXPECT_EQ(r.ops.unfinished, 1u);
  EXPECT_EQ(r.latency.count, 3u);
  EXPECT_EQ(r.latency.p50_us, 100);
  EXPECT_EQ(r.latency.max_us, 300);
  EXPECT_EQ(r.attempts, 5u);
  EXPECT_EQ(r.reconcile_lookups, 1u);
  EXPECT_EQ(r.requests, 6u);
  EXPECT_EQ(r.requests_outside_ops, 1u);  // the DLQ replay of op 3
  EXPECT_EQ(r.retries, 2u);
  EXPECT_DOUBLE_EQ(r.api_calls_per_op, 2.0);
  EXPECT_DOUBLE_EQ(r.retry_ratio, 0.4);
  EXPECT_EQ(r.http_429, 1u);
  EXPECT_EQ(r.http_5xx, 1u);
  EXPECT_EQ(r.http_2xx, 1u);
  EXPECT_EQ(r.transport_errors, 1u);
  EXPECT_EQ(r.limiter_delays, 2u);
  EXPECT_EQ(r.limiter_delay_total_us, 1000);
  EXPECT_EQ(r.limiter_delay_max_us, 700);
  EXPECT_EQ(r.dlq_enqueued, 1u);
  EXPECT_EQ(r.dlq_depth_max, 1);
  EXPECT_EQ(r.dlq_depth_end, 1);
  EXPECT_EQ(r.first_start_us, 0);
  EXPECT_EQ(r.last_finish_us, 2030);
  EXPECT_EQ(r.span_us, 2030);
  EXPECT_EQ(r.end_us, Sec(1));
  EXPECT_DOUBLE_EQ(r.success_ratio, 1.0 / 3);
  EXPECT_EQ(r.attempts_histogram[1], 2u);  // ops 2 and 3 (its replay is outside the op)
  EXPECT_EQ(r.attempts_histogram[2], 1u);
  ASSERT_EQ(r.operations.size(), 2u);
  const OperationMetrics& create = r.operations[0];
  EXPECT_EQ(create.operation, Operation::kCreatePage);
  EXPECT_EQ(create.ops.started, 3u);
  EXPECT_EQ(create.ops.unfinished, 1u);
  EXPECT_EQ(create.attempts, 3u);
  EXPECT_EQ(create.reconcile_lookups, 1u);
  EXPECT_DOUBLE_EQ(create.api_calls_per_op, 2.0);
  EXPECT_EQ(create.latency.max_us, 300);
  EXPECT_EQ(r.operations[1].operation, Operation::kQueryDataSource);
  EXPECT_DOUBLE_EQ(r.operations[1].success_ratio, 0.0);
}

TEST(MetricsSink, ThroughputRequestRateAndErrorBudget) {
  MetricsConfig config;
  config.slo_target = 0.99;
  MetricsSink m(config);
  // 100 ops, one per second, each one attempt and 500 ms; ops 50 and 51 fail.
  for (std::uint64_t i = 0; i < 100; ++i) {
    const TimeUs t = Sec(static_cast<std::int64_t>(i));
    m.OnEvent(Started(t, i + 1));
    m.OnEvent(Sent(t, i + 1));
    m.OnEvent(Finished(t + Ms(500), i + 1,
                       i == 49 || i == 50 ? OpStatus::kFailed : OpStatus::kSucceeded));
  }
  const MetricsReport r = m.Finish(Sec(100));
  EXPECT_EQ(r.span_us, Ms(99'500));
  EXPECT_DOUBLE_EQ(r.success_ratio, 0.98);
  EXPECT_NEAR(r.error_budget_burn, 2.0, 1e-9);  // twice the 1 % budget
  EXPECT_DOUBLE_EQ(r.throughput_per_s, 98 / 99.5);
  EXPECT_DOUBLE_EQ(r.requests_per_min, 100 * 60 / 99.5);
}

TEST(MetricsSink, BreakerTimelineAndSeriesCarryStateAcrossBuckets) {
  MetricsConfig config;
  config.series_buckets = 4;
  config.initial_bucket_us = Sec(1);
  MetricsSink m(config);
  using S = BreakerState;
  for (const Event& e :
       {Started(Ms(100), 1), Finished(Ms(200), 1), Transition(Ms(1500), S::kClosed, S::kOpen, 2),
        Transition(Ms(3500), S::kOpen, S::kHalfOpen, 2), Ev(K::kDlqEnqueued, Sec(4), 9, 3, 1),
        Transition(Sec(6), S::kHalfOpen, S::kOpen, 2), Ev(K::kDlqDrained, Sec(9), 9, 0, 1)}) {
    m.OnEvent(e);
  }
  const MetricsReport r = m.Finish(Sec(10));
  ASSERT_EQ(r.breakers.size(), 1u);
  const BreakerTimeline& b = r.breakers[0];
  EXPECT_EQ(b.key, 2);
  ASSERT_EQ(b.changes.size(), 3u);
  EXPECT_EQ(b.changes[1].at_us, Ms(3500));
  EXPECT_EQ(b.changes[1].from, S::kOpen);
  EXPECT_EQ(b.changes[1].to, S::kHalfOpen);
  EXPECT_EQ(b.opens, 2u);
  EXPECT_EQ(b.final_state, S::kOpen);
  EXPECT_EQ(b.not_closed_us, Ms(8500));  // open from 1.5 s to the end at 10 s
  EXPECT_EQ(r.breaker_opens, 2u);
  // 4 buckets of 1 s, outgrown: the next round width, 5 s, covers [0, 20 s). The work ends with
  // the last event (9 s), so the series stops there although the run went on to 10 s.
  EXPECT_EQ(r.work_end_us, Sec(9));
  EXPECT_EQ(r.bucket_us, Sec(5));
  ASSERT_EQ(r.series.size(), 2u);
  EXPECT_EQ(r.series[0].start_us, 0);
  EXPECT_EQ(r.series[0].started, 1u);
  EXPECT_EQ(r.series[0].succeeded, 1u);
  EXPECT_EQ(r.series[0].breakers_open_max, 1);
  EXPECT_EQ(r.series[0].dlq_depth_max, 3);
  EXPECT_EQ(r.series[0].dlq_depth_end, 3);
  EXPECT_EQ(r.series[0].breakers_open_end, 1);
  EXPECT_EQ(r.series[1].start_us, Sec(5));
  EXPECT_EQ(r.series[1].dlq_depth_max, 3);  // carried in, then drained
  EXPECT_EQ(r.series[1].dlq_depth_end, 0);
  EXPECT_EQ(r.series[1].breakers_open_max, 1);
}

// Bucket widths stay round (what people read off an axis) as a run grows: 1 s merges into 5 s,
// 15 s, 30 s, 1 min, 5 min, ... each a whole multiple of the one before.
TEST(MetricsSink, SeriesWidthsGrowThroughRoundValues) {
  MetricsConfig config;
  config.series_buckets = 120;
  for (const auto& [last_us, width_us] :
       {std::pair{Sec(100), Sec(1)}, std::pair{Sec(119), Sec(1)}, std::pair{Sec(120), Sec(5)},
        std::pair{Sec(599), Sec(5)}, std::pair{Sec(600), Sec(15)}, std::pair{Min(30), Sec(30)},
        std::pair{Min(60), Min(1)}, std::pair{Min(200), Min(5)}, std::pair{Min(1000), Min(15)},
        std::pair{Min(3599), Min(30)}, std::pair{Min(7199), Min(60)}}) {
    MetricsSink m(config);
    m.OnEvent(Started(0, 1));
    m.OnEvent(Finished(last_us, 1));
    const MetricsReport r = m.Finish(last_us + Min(1));
    EXPECT_EQ(r.bucket_us, width_us) << last_us;
    EXPECT_EQ(r.work_end_us, last_us);
    EXPECT_LE(r.series.size(), 120u);
    std::uint64_t succeeded = 0;
    for (const SeriesBucket& b : r.series) succeeded += b.succeeded;
    EXPECT_EQ(succeeded, 1u) << last_us;
  }
}

TEST(MetricsSink, SeriesStaysAtAFixedSizeOverALongRun) {
  MetricsConfig config;
  config.series_buckets = 120;
  MetricsSink m(config);
  // Ten virtual days, one op a minute.
  const std::uint64_t ops = 10 * 24 * 60;
  for (std::uint64_t i = 0; i < ops; ++i) {
    const TimeUs t = Min(static_cast<std::int64_t>(i));
    m.OnEvent(Started(t, i + 1));
    m.OnEvent(Finished(t + Ms(250), i + 1));
  }
  const MetricsReport r = m.Finish(Min(static_cast<std::int64_t>(ops)));
  EXPECT_LE(r.series.size(), 120u);
  EXPECT_EQ(r.bucket_us, Min(120));  // the first round width whose 120 buckets cover ten days
  std::uint64_t started = 0;
  for (const SeriesBucket& b : r.series) started += b.started;
  EXPECT_EQ(started, ops);
  EXPECT_EQ(r.latency.p99_us, Ms(250));
}

TEST(MetricsSink, TimeToRecoverAfterTheLastFault) {
  MetricsConfig config;
  config.recovery_window_us = Sec(32);  // 1 s slices
  config.recovery_success_ratio = 0.85;
  MetricsSink m(config);
  using S = BreakerState;
  std::uint64_t op = 0;
  auto run_op = [&](TimeUs t, OpStatus status) {
    ++op;
    m.OnEvent(Started(t, op));
    m.OnEvent(Finished(t + Ms(10), op, status));
  };
  run_op(Sec(1), OpStatus::kSucceeded);
  m.OnEvent(Ev(K::kFaultInjected, Sec(2), 0, 1, 503));
  run_op(Sec(2), OpStatus::kFailed);
  m.OnEvent(Transition(Sec(3), S::kClosed, S::kOpen));
  m.OnEvent(Ev(K::kFaultInjected, Sec(5), 0, 1, 503));  // the last fault
  run_op(Sec(5), OpStatus::kFailed);
  m.OnEvent(Ev(K::kDlqEnqueued, Sec(6), 0, 1, 1));
  m.OnEvent(Transition(Sec(8), S::kOpen, S::kHalfOpen));
  m.OnEvent(Transition(Sec(9), S::kHalfOpen, S::kClosed));
  m.OnEvent(Ev(K::kDlqDrained, Sec(10), 0, 0, 1));
  // Window at 10 s: 1 ok of 3; 0.85 needs 11 more successes (12 of 14; 11 of 13 is 0.846).
  for (int i = 0; i < 20; ++i) run_op(Sec(11) + i * Ms(100), OpStatus::kSucceeded);
  const MetricsReport r = m.Finish(Sec(60));
  EXPECT_EQ(r.recovery, Recovery::kRecovered);
  EXPECT_EQ(r.fault_end_us, Sec(5));
  EXPECT_EQ(r.recovered_at_us, Sec(11) + 10 * Ms(100) + Ms(10));  // the 11th success
  EXPECT_EQ(r.recovery_us, r.recovered_at_us - Sec(5));
  EXPECT_EQ(r.faults_injected, 2u);
}

TEST(MetricsSink, RecoversWhenTheDlqDrainsAfterTrafficEnded) {
  MetricsConfig config;
  config.fault_windows = {FaultWindow{0, Sec(10)}};
  MetricsSink m(config);
  m.OnEvent(Started(Sec(1), 1));
  m.OnEvent(Ev(K::kDlqEnqueued, Sec(2), 1, 1, 1));
  m.OnEvent(Finished(Sec(2), 1, OpStatus::kDeadLettered));
  m.OnEvent(Ev(K::kDlqRetried, Sec(100), 1, 1, 2));
  m.OnEvent(Ev(K::kDlqDrained, Sec(101), 1, 0, 2));
  const MetricsReport r = m.Finish(Sec(200));
  EXPECT_EQ(r.recovery, Recovery::kRecovered);
  EXPECT_EQ(r.recovered_at_us, Sec(101));
  EXPECT_EQ(r.recovery_us, Sec(91));
}

TEST(MetricsSink, NotRecoveredWhileABreakerStaysOpenAndNoFaultsMeansNoFaults) {
  MetricsConfig config;
  config.fault_windows = {FaultWindow{0, Sec(10)}};
  MetricsSink m(config);
  m.OnEvent(Transition(Sec(5), BreakerState::kClosed, BreakerState::kOpen));
  for (std::uint64_t i = 1; i <= 20; ++i) {
    m.OnEvent(Started(Sec(10 + static_cast<std::int64_t>(i)), i));
    m.OnEvent(Finished(Sec(10 + static_cast<std::int64_t>(i)), i, OpStatus::kServedFallback));
  }
  MetricsReport r = m.Finish(Sec(60));
  EXPECT_EQ(r.recovery, Recovery::kNotRecovered);
  EXPECT_EQ(r.fault_end_us, Sec(10));
  MetricsSink quiet(MetricsConfig{});
  quiet.OnEvent(Started(0, 1));
  quiet.OnEvent(Finished(1, 1));
  EXPECT_EQ(quiet.Finish(Sec(1)).recovery, Recovery::kNoFaults);
}

TEST(MetricsSink, FinishIsRepeatable) {
  MetricsSink m(MetricsConfig{});
  m.OnEvent(Started(0, 1));
  m.OnEvent(Finished(Sec(500), 1));
  const MetricsReport a = m.Finish(Sec(600));
  const MetricsReport b = m.Finish(Sec(600));
  EXPECT_EQ(a.series.size(), b.series.size());
  EXPECT_EQ(a.bucket_us, b.bucket_us);
  EXPECT_EQ(a.latency.p50_us, b.latency.p50_us);
}

}  // namespace
}  // namespace notion_sim::checks
