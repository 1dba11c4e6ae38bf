#include "notion_sim/policies/circuit_breaker.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "notion_sim/engine/json_reader.h"
#include "notion_sim/engine/sim_loop.h"
#include "notion_sim/engine/trace.h"

namespace notion_sim::policies {
namespace {

using engine::EventKind;
using engine::SimLoop;
using engine::Trace;

using Transition = std::pair<BreakerState, BreakerState>;

struct Recorder : engine::TraceSink {
  void OnEvent(const engine::Event& e) override { events.push_back(e); }
  std::vector<Transition> Transitions() const {
    std::vector<Transition> out;
    for (const auto& e : events) {
      if (e.kind == EventKind::kBreakerTransition) {
        out.emplace_back(static_cast<BreakerState>(e.a), static_cast<BreakerState>(e.b));
      }
    }
    return out;
  }
  std::vector<TimeUs> TimesOf(EventKind kind) const {
    std::vector<TimeUs> out;
    for (const auto& e : events) {
      if (e.kind == kind) out.push_back(e.at_us);
    }
    return out;
  }
  std::vector<engine::Event> events;
};

// One breaker on a SimLoop with every event recorded.
struct H {
  explicit H(BreakerConfig config) : breaker(loop, &trace, 7, config) { trace.AddSink(&rec); }
  BreakerPermit CallAt(TimeUs t, CallOutcome outcome, TimeUs duration_us = 0) {
    loop.RunUntil(t);
    BreakerPermit p = breaker.TryAcquire(++op, 1);
    if (p.allowed()) breaker.OnResult(p, outcome, duration_us);
    return p;
  }
  BreakerPermit StartAt(TimeUs t) {
    loop.RunUntil(t);
    return breaker.TryAcquire(++op, 1);
  }
  void FinishAt(TimeUs t, const BreakerPermit& p, CallOutcome outcome, TimeUs duration_us = 0) {
    loop.RunUntil(t);
    breaker.OnResult(p, outcome, duration_us);
  }
  SimLoop loop;
  Trace trace;
  Recorder rec;
  CircuitBreaker breaker;
  std::uint64_t op = 0;
};

constexpr auto kS = CallOutcome::kSuccess;
constexpr auto kF = CallOutcome::kFailure;
constexpr auto kClosed = BreakerState::kClosed;
constexpr auto kOpen = BreakerState::kOpen;
constexpr auto kHalfOpen = BreakerState::kHalfOpen;

BreakerConfig Opossum() { return BreakerConfig{}; }  // the defaults are opossum's

BreakerConfig R4jCount(std::int32_t size, std::int32_t minimum) {
  BreakerConfig c;
  c.mode = BreakerMode::kCountWindow;
  c.sliding_window_size = size;
  c.minimum_number_of_calls = minimum;
  return c;
}

// ---------------- opossum ----------------

TEST(OpossumBreaker, OneSuccessOneFailureIsFiftyPercentAndStaysClosed) {
  H h(Opossum());
  h.CallAt(Ms(1), kS);
  h.CallAt(Ms(2), kF);
  EXPECT_EQ(h.breaker.State(), kClosed);
  const auto c = h.breaker.WindowCounts();
  EXPECT_EQ(c.calls, 2);
  EXPECT_EQ(c.failures, 1);
  EXPECT_TRUE(h.rec.Transitions().empty());
}

TEST(OpossumBreaker, FirstFailureOpensWithVolumeThresholdZero) {
  H h(Opossum());
  h.CallAt(Ms(5), kF);
  EXPECT_EQ(h.breaker.State(), kOpen);
  EXPECT_EQ(h.rec.Transitions(), (std::vector<Transition>{{kClosed, kOpen}}));
  EXPECT_EQ(h.rec.TimesOf(EventKind::kBreakerTransition), (std::vector<TimeUs>{Ms(5)}));
  EXPECT_EQ(h.breaker.OpenUntilUs(), Ms(5) + Sec(30));
}

TEST(OpossumBreaker, VolumeThresholdComparesFiresWithGreaterOrEqual) {
  BreakerConfig c = Opossum();
  c.volume_threshold = 2;
  H h(c);
  h.CallAt(Ms(1), kF);  // fires 1 < 2
  EXPECT_EQ(h.breaker.State(), kClosed);
  h.CallAt(Ms(2), kF);  // fires 2 >= 2, 100 % > 50
  EXPECT_EQ(h.breaker.State(), kOpen);
}

TEST(OpossumBreaker, RejectsCountInFiresAndEmitRejected) {
  H h(Opossum());
  h.CallAt(Ms(1), kF);
  for (int i = 0; i < 3; ++i) {
    const BreakerPermit p = h.CallAt(Sec(1 + i), kS);
    EXPECT_EQ(p.decision, BreakerDecision::kRejectedOpen);
  }
  const auto c = h.breaker.WindowCounts();
  EXPECT_EQ(c.calls, 4);
  EXPECT_EQ(c.rejects, 3);
  EXPECT_EQ(c.failures, 1);
  EXPECT_EQ(h.trace.CountOf(EventKind::kBreakerRejected), 3u);
}

TEST(OpossumBreaker, BucketsRotateByTimerSoCountsFromTenSecondsAgoAreGone) {
  BreakerConfig c = Opossum();
  c.volume_threshold = 4;  // 10 s window in 10 buckets of 1 s
  H early(c);
  early.CallAt(Ms(500), kF);
  early.CallAt(Ms(500), kF);
  early.CallAt(Ms(9'700), kF);
  EXPECT_EQ(early.breaker.WindowCounts().calls, 3);  // 9 rotations: the 0.5 s bucket is still in
  early.CallAt(Ms(9'700), kF);
  EXPECT_EQ(early.breaker.State(), kOpen);

  H late(c);
  late.CallAt(Ms(500), kF);
  late.CallAt(Ms(500), kF);
  late.CallAt(Ms(10'700), kF);  // the rotation at 10 s popped the 0.5 s bucket
  EXPECT_EQ(late.breaker.WindowCounts().calls, 1);
  late.CallAt(Ms(10'700), kF);
  EXPECT_EQ(late.breaker.State(), kClosed);
  EXPECT_EQ(late.breaker.WindowCounts().calls, 2);
}

TEST(OpossumBreaker, RotationUsesWholeMillisecondIntervalsAndStopsWhenTheWindowIsEmpty) {
  BreakerConfig c = Opossum();
  c.rolling_count_timeout_us = Sec(10);
  c.rolling_count_buckets = 3;  // floor(10000 / 3) = 3333 ms
  c.volume_threshold = 100;
  H h(c);
  h.CallAt(Ms(1), kS);
  h.loop.RunUntil(3 * Ms(3333) - 1);
  EXPECT_EQ(h.breaker.WindowCounts().calls, 1);
  h.loop.RunUntil(3 * Ms(3333));
  EXPECT_EQ(h.breaker.WindowCounts().calls, 0);
  EXPECT_EQ(h.loop.Pending(), 0u);  // no timer left: the loop can go idle
}

TEST(OpossumBreaker, HalfOpensByTimerWithoutTrafficAndLetsExactlyOneCallThrough) {
  H h(Opossum());
  h.CallAt(Ms(1), kF);
  h.loop.RunUntil(Sec(60));
  EXPECT_EQ(h.breaker.State(), kHalfOpen);
  EXPECT_EQ(h.rec.TimesOf(EventKind::kBreakerTransition),
            (std::vector<TimeUs>{Ms(1), Ms(1) + Sec(30)}));
  const BreakerPermit trial = h.StartAt(Sec(61));
  EXPECT_TRUE(trial.allowed());
  const BreakerPermit second = h.StartAt(Sec(62));
  EXPECT_EQ(second.decision, BreakerDecision::kRejectedHalfOpenFull);
  h.FinishAt(Sec(63), trial, kS);
  EXPECT_EQ(h.breaker.State(), kClosed);
  EXPECT_EQ(h.rec.Transitions(),
            (std::vector<Transition>{{kClosed, kOpen}, {kOpen, kHalfOpen}, {kHalfOpen, kClosed}}));
}

TEST(OpossumBreaker, FailedTrialReopensAndStartsANewResetTimer) {
  H h(Opossum());
  h.CallAt(0, kF);
  h.CallAt(Sec(31), kF);  // the trial
  EXPECT_EQ(h.breaker.State(), kOpen);
  EXPECT_EQ(h.breaker.OpenUntilUs(), Sec(61));
  h.loop.RunUntil(Sec(61));
  EXPECT_EQ(h.breaker.State(), kHalfOpen);
}

TEST(OpossumBreaker, LateSuccessSettlingInHalfOpenClosesIt) {
  H h(Opossum());
  const BreakerPermit slow = h.StartAt(0);  // started while closed (epoch 0)
  h.CallAt(Ms(1), kF);                      // 1 of 2 fires = 50 %: closed
  h.CallAt(Ms(2), kF);                      // 2 of 3: opens (epoch 1)
  h.loop.RunUntil(Sec(40));                 // half-open (epoch 2)
  h.FinishAt(Sec(41), slow, kS);
  EXPECT_EQ(h.breaker.State(), kClosed);
  const auto late = h.rec.TimesOf(EventKind::kBreakerLateResult);
  ASSERT_EQ(late.size(), 1u);
  for (const auto& e : h.rec.events) {
    if (e.kind == EventKind::kBreakerLateResult) {
      EXPECT_EQ(e.a, 0);
      EXPECT_EQ(e.b, 2);
    }
  }
}

TEST(OpossumBreaker, LateResultsCanBeIgnoredByEpoch) {
  BreakerConfig c = Opossum();
  c.late_results = LateResults::kIgnore;
  H h(c);
  const BreakerPermit slow = h.StartAt(0);
  h.CallAt(Ms(1), kF);
  h.CallAt(Ms(2), kF);
  h.loop.RunUntil(Sec(40));
  h.FinishAt(Sec(41), slow, kS);
  EXPECT_EQ(h.breaker.State(), kHalfOpen);
  EXPECT_EQ(h.trace.CountOf(EventKind::kBreakerLateResult), 1u);
}

TEST(OpossumBreaker, OpenWhileOpenIsANoOpAndDoesNotRestartTheTimer) {
  H h(Opossum());
  const BreakerPermit in_flight = h.StartAt(0);
  h.CallAt(Ms(1), kF);
  h.CallAt(Ms(2), kF);                // opens: 2 failures of 3 fires
  h.FinishAt(Sec(5), in_flight, kF);  // a late failure while open
  EXPECT_EQ(h.breaker.WindowCounts().failures, 3);
  h.loop.RunUntil(Ms(2) + Sec(30) - 1);
  EXPECT_EQ(h.breaker.State(), kOpen);
  h.loop.RunUntil(Ms(2) + Sec(30));
  EXPECT_EQ(h.breaker.State(), kHalfOpen);
}

TEST(OpossumBreaker, CountsAreNotResetOnClose) {
  BreakerConfig c = Opossum();
  c.reset_timeout_us = Sec(2);
  H h(c);
  h.CallAt(0, kF);       // fires 1, failures 1: open
  h.CallAt(Sec(3), kS);  // half-open at 2 s; the trial succeeds: closed
  EXPECT_EQ(h.breaker.State(), kClosed);
  EXPECT_EQ(h.breaker.WindowCounts().calls, 2);
  h.CallAt(Ms(3'100), kF);  // 2 failures / 3 fires = 66 % > 50: opens again at once
  EXPECT_EQ(h.breaker.State(), kOpen);
}

TEST(OpossumBreaker, WarmUpSuppressesOpeningForTheFirstWindow) {
  BreakerConfig c = Opossum();
  c.allow_warm_up = true;
  H h(c);
  h.CallAt(Sec(1), kF);
  h.CallAt(Sec(9), kF);
  EXPECT_EQ(h.breaker.State(), kClosed);
  h.CallAt(Ms(10'500), kF);  // the window now holds fires 2 (at 1 s rotated out), failures 2
  EXPECT_EQ(h.breaker.State(), kOpen);
}

// ---------------- resilience4j ----------------

TEST(R4jBreaker, CountWindowOpensAtExactlyTheThresholdAfterMinimumCalls) {
  H h(R4jCount(10, 4));
  h.CallAt(Ms(1), kS);
  h.CallAt(Ms(2), kF);
  h.CallAt(Ms(3), kF);  // 3 calls: below the minimum although 66 %
  EXPECT_EQ(h.breaker.State(), kClosed);
  h.CallAt(Ms(4), kS);  // 4 calls, 2 failures: 50 % >= 50
  EXPECT_EQ(h.breaker.State(), kOpen);
  EXPECT_EQ(h.breaker.OpenUntilUs(), Ms(4) + Sec(60));
}

TEST(R4jBreaker, CountWindowBelowThresholdStaysClosedAndEvictsOldCalls) {
  H h(R4jCount(4, 4));
  h.CallAt(Ms(1), kF);
  for (int i = 0; i < 3; ++i) h.CallAt(Ms(2 + i), kS);  // 1 of 4 = 25 %
  EXPECT_EQ(h.breaker.State(), kClosed);
  h.CallAt(Ms(10), kF);  // window S S S F = 25 %
  EXPECT_EQ(h.breaker.State(), kClosed);
  h.CallAt(Ms(11), kF);  // S S F F = 50 %
  EXPECT_EQ(h.breaker.State(), kOpen);
}

TEST(R4jBreaker, MinimumNumberOfCallsIsCappedByTheCountWindowSize) {
  H h(R4jCount(3, 100));
  h.CallAt(Ms(1), kF);
  h.CallAt(Ms(2), kF);
  EXPECT_EQ(h.breaker.State(), kClosed);
  h.CallAt(Ms(3), kF);
  EXPECT_EQ(h.breaker.State(), kOpen);
}

TEST(R4jBreaker, SlowCallRateOpensWithSuccessfulButSlowCalls) {
  BreakerConfig c = R4jCount(10, 2);
  c.slow_call_rate_threshold = 50;
  c.slow_call_duration_threshold_us = Sec(1);
  H h(c);
  h.CallAt(Ms(1), kS, Sec(1));  // exactly the threshold: not slow (slow is >)
  h.CallAt(Ms(2), kS, Ms(500));
  EXPECT_EQ(h.breaker.State(), kClosed);
  h.CallAt(Ms(3), kS, Sec(1) + 1);  // 1 slow of 3 = 33 %
  EXPECT_EQ(h.breaker.State(), kClosed);
  h.CallAt(Ms(4), kS, Sec(2));  // 2 of 4 = 50 %
  EXPECT_EQ(h.breaker.State(), kOpen);
  EXPECT_EQ(h.breaker.WindowCounts().slow, 2);
}

TEST(R4jBreaker, OpenBecomesHalfOpenLazilyStrictlyAfterTheWait) {
  H h(R4jCount(1, 1));
  h.CallAt(0, kF);
  EXPECT_EQ(h.breaker.State(), kOpen);
  h.loop.RunUntil(Sec(100));
  EXPECT_EQ(h.breaker.State(), kOpen);  // no traffic: no transition
  H g(R4jCount(1, 1));
  g.CallAt(0, kF);
  EXPECT_EQ(g.StartAt(Sec(60)).decision, BreakerDecision::kRejectedOpen);  // isAfter is strict
  const BreakerPermit p = g.StartAt(Sec(60) + 1);
  EXPECT_TRUE(p.allowed());
  EXPECT_EQ(g.breaker.State(), kHalfOpen);
}

TEST(R4jBreaker, AutomaticTransitionUsesATimerAtTheEndOfTheWait) {
  BreakerConfig c = R4jCount(1, 1);
  c.open_to_half_open = HalfOpenTransition::kTimer;
  H h(c);
  h.CallAt(Ms(3), kF);
  h.loop.RunUntil(Sec(100));
  EXPECT_EQ(h.breaker.State(), kHalfOpen);
  EXPECT_EQ(h.rec.TimesOf(EventKind::kBreakerTransition),
            (std::vector<TimeUs>{Ms(3), Ms(3) + Sec(60)}));
}

TEST(R4jBreaker, HalfOpenDecidesAfterMinOfMinimumCallsAndPermittedCalls) {
  // Open first with a config whose closed window trips at 1 call, half-open needs 3.
  BreakerConfig d = R4jCount(1, 3);  // closed: min(3, window 1) = 1; half-open: min(3, 3) = 3
  d.permitted_number_of_calls_in_half_open_state = 3;
  {
    H h(d);
    h.CallAt(0, kF);
    const BreakerPermit a = h.StartAt(Sec(61));
    const BreakerPermit b = h.StartAt(Sec(61));
    const BreakerPermit x = h.StartAt(Sec(61));
    EXPECT_TRUE(a.allowed() && b.allowed() && x.allowed());
    EXPECT_EQ(h.StartAt(Sec(61)).decision, BreakerDecision::kRejectedHalfOpenFull);
    h.FinishAt(Sec(62), a, kS);
    h.FinishAt(Sec(62), b, kF);
    EXPECT_EQ(h.breaker.State(), kHalfOpen);  // 2 of 3 calls: below the minimum
    h.FinishAt(Sec(63), x, kS);               // 1 of 3 = 33 % < 50: closed
    EXPECT_EQ(h.breaker.State(), kClosed);
  }
  {
    H h(d);
    h.CallAt(0, kF);
    h.CallAt(Sec(61), kF);
    h.CallAt(Sec(61), kS);
    EXPECT_EQ(h.breaker.State(), kHalfOpen);
    h.CallAt(Sec(61), kF);  // 2 of 3 = 66 %: open again
    EXPECT_EQ(h.breaker.State(), kOpen);
    EXPECT_EQ(h.breaker.Opens(), 2u);
  }
}

TEST(R4jBreaker, IgnoredCallsGiveTheHalfOpenPermitBack) {
  BreakerConfig d = R4jCount(1, 1);
  d.permitted_number_of_calls_in_half_open_state = 1;
  H h(d);
  h.CallAt(0, kF);
  const BreakerPermit p = h.StartAt(Sec(61));
  EXPECT_EQ(h.StartAt(Sec(61)).decision, BreakerDecision::kRejectedHalfOpenFull);
  h.FinishAt(Sec(61), p, CallOutcome::kIgnored);
  EXPECT_TRUE(h.StartAt(Sec(61)).allowed());
}

TEST(R4jBreaker, MaxWaitInHalfOpenForcesTheConfiguredState) {
  BreakerConfig d = R4jCount(1, 1);
  d.permitted_number_of_calls_in_half_open_state = 2;
  d.max_wait_duration_in_half_open_state_us = Sec(5);
  H h(d);
  h.CallAt(0, kF);
  h.StartAt(Sec(61));  // half-open at 61 s; the permit never completes
  h.loop.RunUntil(Sec(66) - 1);
  EXPECT_EQ(h.breaker.State(), kHalfOpen);
  h.loop.RunUntil(Sec(66) + 1);
  EXPECT_EQ(h.breaker.State(), kOpen);
  d.transition_to_state_after_wait_duration = kClosed;
  H g(d);
  g.CallAt(0, kF);
  g.StartAt(Sec(61));
  g.loop.RunUntil(Sec(70));
  EXPECT_EQ(g.breaker.State(), kClosed);
}

TEST(R4jBreaker, TimeWindowCountsTheLastNEpochSeconds) {
  BreakerConfig c;
  c.mode = BreakerMode::kTimeWindow;
  c.sliding_window_size = 2;  // seconds
  c.minimum_number_of_calls = 3;
  H in_window(c);
  in_window.CallAt(Ms(1'200), kF);
  in_window.CallAt(Ms(1'500), kF);
  in_window.CallAt(Ms(2'300), kS);  // seconds 1 and 2: 3 calls, 2 failures = 66 %
  EXPECT_EQ(in_window.breaker.State(), kOpen);
  H aged(c);
  aged.CallAt(Ms(200), kF);
  aged.CallAt(Ms(1'500), kF);
  aged.CallAt(Ms(2'300), kS);  // second 0 has left the window: 2 calls, below the minimum
  EXPECT_EQ(aged.breaker.State(), kClosed);
  EXPECT_EQ(aged.breaker.WindowCounts().calls, 2);
}

TEST(R4jBreaker, ClosingStartsFreshMetrics) {
  BreakerConfig d = R4jCount(4, 2);
  d.permitted_number_of_calls_in_half_open_state = 1;
  H h(d);
  h.CallAt(0, kF);
  h.CallAt(Ms(1), kF);
  EXPECT_EQ(h.breaker.State(), kOpen);
  h.CallAt(Sec(61), kS);
  EXPECT_EQ(h.breaker.State(), kClosed);
  EXPECT_EQ(h.breaker.WindowCounts().calls, 0);
  h.CallAt(Sec(62), kF);  // 1 call: below the minimum of 2
  EXPECT_EQ(h.breaker.State(), kClosed);
}

// ---------------- consecutive (cockatiel) ----------------

TEST(ConsecutiveBreaker, OpensOnTheNthConsecutiveFailureAndHalfOpensLazily) {
  BreakerConfig c;
  c.mode = BreakerMode::kConsecutive;
  c.consecutive_failures = 3;
  c.half_open_after_us = Sec(10);
  H h(c);
  h.CallAt(Ms(1), kF);
  h.CallAt(Ms(2), kF);
  h.CallAt(Ms(3), kS);  // resets the streak
  h.CallAt(Ms(4), kF);
  h.CallAt(Ms(5), kF);
  EXPECT_EQ(h.breaker.State(), kClosed);
  h.CallAt(Ms(6), kF);
  EXPECT_EQ(h.breaker.State(), kOpen);
  EXPECT_EQ(h.StartAt(Ms(6) + Sec(10) - 1).decision, BreakerDecision::kRejectedOpen);
  const BreakerPermit probe = h.StartAt(Ms(6) + Sec(10));  // >=: now − openedAt >= duration
  EXPECT_TRUE(probe.allowed());
  h.FinishAt(Ms(6) + Sec(11), probe, kS);
  EXPECT_EQ(h.breaker.State(), kClosed);
}

// ---------------- extensions ----------------

TEST(BreakerExtensions, HalfOpenWithThreeProbesAndTwoSuccessesNeeded) {
  BreakerConfig c = Opossum();
  c.half_open_probes = 3;
  c.half_open_success_threshold = 2;
  {
    H h(c);
    h.CallAt(0, kF);
    h.CallAt(Sec(31), kS);
    h.CallAt(Sec(31), kF);
    EXPECT_EQ(h.breaker.State(), kHalfOpen);  // 1 failure is still <= 3 − 2
    h.CallAt(Sec(31), kS);
    EXPECT_EQ(h.breaker.State(), kClosed);
  }
  {
    H h(c);
    h.CallAt(0, kF);
    h.CallAt(Sec(31), kF);
    EXPECT_EQ(h.breaker.State(), kHalfOpen);
    h.CallAt(Sec(31), kF);  // 2 failures > 1: two successes are no longer possible
    EXPECT_EQ(h.breaker.State(), kOpen);
  }
  {
    H h(c);
    h.CallAt(0, kF);
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(h.StartAt(Sec(31)).allowed());
    EXPECT_EQ(h.StartAt(Sec(31)).decision, BreakerDecision::kRejectedHalfOpenFull);
  }
}

// Issue 14: max_wait_duration_in_half_open_state_ms was accepted and ignored in opossum mode (the
// mode `recommended` uses): set to 10 s, the breaker stayed half-open for as long as its probes
// took (120 s seen). Now N probes and a bound on half-open hold together in every mode.
TEST(BreakerExtensions, MaxWaitInHalfOpenHoldsInOpossumModeWithProbes) {
  BreakerConfig c = Opossum();
  c.half_open_probes = 3;
  c.half_open_success_threshold = 2;
  c.max_wait_duration_in_half_open_state_us = Sec(10);
  H h(c);
  h.CallAt(0, kF);                                 // opens; half-open by timer at 30 s
  const BreakerPermit probe = h.StartAt(Sec(31));  // a probe that hangs
  ASSERT_TRUE(probe.allowed());
  h.loop.RunUntil(Sec(40) - 1);
  EXPECT_EQ(h.breaker.State(), kHalfOpen);
  h.loop.RunUntil(Sec(40));
  EXPECT_EQ(h.breaker.State(), kOpen);  // 10 s after entering half-open at 30 s
  EXPECT_EQ(h.rec.TimesOf(EventKind::kBreakerTransition),
            (std::vector<TimeUs>{0, Sec(30), Sec(40)}));
  h.loop.RunUntil(Sec(70));
  EXPECT_EQ(h.breaker.State(), kHalfOpen);  // the next open period, then half-open again
  c.transition_to_state_after_wait_duration = kClosed;
  H g(c);
  g.CallAt(0, kF);
  g.StartAt(Sec(31));
  g.loop.RunUntil(Sec(40));
  EXPECT_EQ(g.breaker.State(), kClosed);
}

TEST(BreakerExtensions, OpenDurationGrowsByTheMultiplierUpToTheCapAndResetsOnClose) {
  BreakerConfig c = Opossum();
  c.reset_timeout_us = Sec(1);
  c.open_duration_multiplier = 2.0;
  c.max_open_duration_us = Sec(5);
  H h(c);
  std::vector<TimeUs> durations;
  TimeUs t = 0;
  h.CallAt(t, kF);
  for (int i = 0; i < 5; ++i) {
    durations.push_back(h.breaker.OpenUntilUs() - t);
    t = h.breaker.OpenUntilUs() + 1;
    h.CallAt(t, kF);  // the trial fails
  }
  EXPECT_EQ(durations, (std::vector<TimeUs>{Sec(1), Sec(2), Sec(4), Sec(5), Sec(5)}));
  t = h.breaker.OpenUntilUs() + 1;
  h.CallAt(t, kS);
  EXPECT_EQ(h.breaker.State(), kClosed);
  EXPECT_EQ(h.breaker.Opens(), 0u);
  h.CallAt(t + 1, kF);
  EXPECT_EQ(h.breaker.OpenUntilUs() - (t + 1), Sec(1));
}

TEST(BreakerExtensions, ManualStatesRejectOrAllowEverythingAndAreNotAutomatic) {
  H h(Opossum());
  h.breaker.ForceOpen();
  EXPECT_EQ(h.breaker.State(), BreakerState::kForcedOpen);
  EXPECT_EQ(h.StartAt(Ms(1)).decision, BreakerDecision::kRejectedForcedOpen);
  h.loop.RunUntil(Min(10));
  EXPECT_EQ(h.breaker.State(), BreakerState::kForcedOpen);  // no timer leaves it
  h.breaker.Disable();
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(h.CallAt(Min(10) + i, kF).allowed());
  EXPECT_EQ(h.breaker.State(), BreakerState::kDisabled);
  h.breaker.Reset();
  EXPECT_EQ(h.breaker.State(), kClosed);
  EXPECT_EQ(h.breaker.WindowCounts().calls, 0);
  EXPECT_EQ(h.rec.Transitions(),
            (std::vector<Transition>{{kClosed, BreakerState::kForcedOpen},
                                     {BreakerState::kForcedOpen, BreakerState::kDisabled},
                                     {BreakerState::kDisabled, kClosed}}));
  for (const engine::Event& e : h.rec.events) {
    if (e.kind == EventKind::kBreakerTransition) {
      EXPECT_EQ(engine::CauseOf(e), engine::TransitionCause::kManual);
    }
  }
  EXPECT_FALSE(IsAutomaticTransition(kClosed, BreakerState::kForcedOpen));
  EXPECT_FALSE(IsAutomaticTransition(BreakerState::kDisabled, kClosed));
  EXPECT_FALSE(IsAutomaticTransition(kOpen, kClosed));
  EXPECT_TRUE(IsAutomaticTransition(kHalfOpen, kOpen));
}

TEST(BreakerRegistryTest, GlobalScopeSharesOneBreakerPerTenantScopeMakesOneEach) {
  SimLoop loop;
  Trace trace;
  BreakerRegistry global(loop, &trace, Opossum(), BreakerScope::kGlobal);
  EXPECT_EQ(&global.For(1), &global.For(2));
  EXPECT_EQ(global.For(1).key(), kGlobalBreakerKey);
  BreakerRegistry per(loop, &trace, Opossum(), BreakerScope::kPerTenant);
  CircuitBreaker& a = per.For(1);
  CircuitBreaker& b = per.For(2);
  EXPECT_NE(&a, &b);
  const BreakerPermit p = a.TryAcquire(1, 1);
  a.OnResult(p, kF, 0);
  EXPECT_EQ(a.State(), kOpen);
  EXPECT_EQ(b.State(), kClosed);  // one tenant's failures do not stop the others
  EXPECT_EQ(per.size(), 2u);
}

// Issue 14: opossum makes its breaker (the rolling window's bucket timer, allowWarmUp's window)
// when the application starts; ours was made at the first call, so warm-up and bucket phase
// counted from then. The global breaker is now made with the stack.
TEST(BreakerRegistryTest, TheGlobalOpossumBreakerIsMadeWithTheStackNotAtTheFirstCall) {
  {
    // allowWarmUp over a 10 s window, the first call at 12 s: warm-up ended at 10 s, so the
    // failure opens the breaker. (Made at the first call, warm-up ran to 22 s: it stayed closed.)
    SimLoop loop;
    Trace trace;
    BreakerConfig c = Opossum();
    c.allow_warm_up = true;
    BreakerRegistry stack(loop, &trace, c, BreakerScope::kGlobal);
    loop.RunUntil(Sec(12));
    CircuitBreaker& b = stack.For(0);
    const BreakerPermit p = b.TryAcquire(1, 1);
    b.OnResult(p, kF, 0);
    EXPECT_EQ(b.State(), kOpen);
  }
  {
    // Buckets of 1 s rotate at whole seconds from the stack's start: a failure at 2.5 s has left
    // the 10-bucket window by 12.2 s (rotations at 3, 4, ..., 12). Made at 2.5 s, the buckets
    // rotated at 3.5, ..., 11.5 and still held it.
    SimLoop loop;
    Trace trace;
    BreakerConfig c = Opossum();
    c.volume_threshold = 5;  // stays closed
    BreakerRegistry stack(loop, &trace, c, BreakerScope::kGlobal);
    loop.RunUntil(Ms(2500));
    CircuitBreaker& b = stack.For(0);
    const BreakerPermit p = b.TryAcquire(1, 1);
    b.OnResult(p, kF, 0);
    loop.RunUntil(Ms(12'200));
    EXPECT_EQ(b.WindowCounts().failures, 0);
    EXPECT_EQ(b.WindowCounts().calls, 0);
  }
}

// ---------------- config ----------------

Result<BreakerConfig> ParseText(const std::string& text) {
  Result<engine::JsonDocument> doc = engine::JsonDocument::Parse(text, "b.json");
  if (!doc.ok()) return doc.error();
  engine::JsonReader reader(*doc);
  engine::ObjectReader root = reader.Root();
  return ParseBreakerConfig(root, BreakerConfig{});
}

TEST(BreakerConfigTest, ParsesAnchorNamesWithUnits) {
  Result<BreakerConfig> c = ParseText(
      R"({"mode": "count_window", "sliding_window_size": 20, "minimum_number_of_calls": 5,
          "failure_rate_threshold": 40, "wait_duration_in_open_state_ms": 1500,
          "automatic_transition_from_open_to_half_open_enabled": true,
          "late_results": "ignore", "open_duration_multiplier": 1.5})");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->mode, BreakerMode::kCountWindow);
  EXPECT_EQ(c->sliding_window_size, 20);
  EXPECT_EQ(c->minimum_number_of_calls, 5);
  EXPECT_EQ(c->failure_rate_threshold, 40);
  EXPECT_EQ(c->wait_duration_in_open_state_us, Ms(1500));
  EXPECT_EQ(c->open_to_half_open, HalfOpenTransition::kTimer);
  EXPECT_EQ(c->late_results, LateResults::kIgnore);
  EXPECT_EQ(c->open_duration_multiplier, 1.5);
  EXPECT_EQ(c->reset_timeout_us, Sec(30));  // untouched default
}

TEST(BreakerConfigTest, UnknownFieldsAndInconsistentValuesAreErrorsWithPositions) {
  Result<BreakerConfig> unknown =
      ParseText("{\n  \"mode\": \"opossum\",\n  \"resetTimeout\": 5\n}");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().message.rfind(
                "b.json:3:3: at /resetTimeout: unknown field \"resetTimeout\"", 0),
            0u);
  Result<BreakerConfig> bad =
      ParseText(R"({"half_open_probes": 2, "half_open_success_threshold": 3})");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(
      bad.error().message.find("half_open_success_threshold must be in [1, half_open_probes]"),
      std::string::npos);
  Result<BreakerConfig> mode = ParseText(R"({"mode": "hystrix"})");
  ASSERT_FALSE(mode.ok());
  EXPECT_NE(mode.error().message.find("/mode"), std::string::npos);
}

// ---------------- properties ----------------

struct Step {
  TimeUs gap_us;  // time since the previous step
  int kind;       // 0: call ending at once; 1: start a long call; 2: finish the oldest long call
  bool fail;
};

BreakerConfig GenConfig() {
  BreakerConfig c;
  c.mode = static_cast<BreakerMode>(*rc::gen::inRange(0, 4));
  c.reset_timeout_us = Ms(*rc::gen::inRange(1, 20'000)) + 500;
  c.error_threshold_percentage = *rc::gen::inRange(0, 101);
  c.rolling_count_buckets = *rc::gen::inRange(1, 11);
  c.rolling_count_timeout_us = c.rolling_count_buckets * Ms(*rc::gen::element(500, 1000, 1500));
  c.volume_threshold = *rc::gen::inRange(0, 6);
  c.failure_rate_threshold = *rc::gen::inRange(1, 101);
  c.sliding_window_size = *rc::gen::inRange(1, 8);
  c.minimum_number_of_calls = *rc::gen::inRange(1, 8);
  c.permitted_number_of_calls_in_half_open_state = *rc::gen::inRange(1, 4);
  c.wait_duration_in_open_state_us = Ms(*rc::gen::inRange(1, 20'000)) + 500;
  c.open_to_half_open =
      *rc::gen::arbitrary<bool>() ? HalfOpenTransition::kTimer : HalfOpenTransition::kLazy;
  c.max_wait_duration_in_half_open_state_us = *rc::gen::element<TimeUs>(0, Sec(3));
  c.consecutive_failures = *rc::gen::inRange(1, 5);
  c.half_open_after_us = Ms(*rc::gen::inRange(1, 20'000)) + 500;
  c.half_open_probes = *rc::gen::inRange(1, 4);
  c.half_open_success_threshold = *rc::gen::inRange(1, c.half_open_probes + 1);
  c.open_duration_multiplier = *rc::gen::element(1.0, 1.5, 2.0);
  c.late_results = *rc::gen::arbitrary<bool>() ? LateResults::kCount : LateResults::kIgnore;
  return c;
}

std::vector<Step> GenSteps() {
  return *rc::gen::container<std::vector<Step>>(rc::gen::build<Step>(
      rc::gen::set(&Step::gap_us,
                   rc::gen::map(rc::gen::inRange(0, 4'000), [](int ms) { return Ms(ms); })),
      rc::gen::set(&Step::kind, rc::gen::inRange(0, 3)),
      rc::gen::set(&Step::fail, rc::gen::arbitrary<bool>())));
}

RC_GTEST_PROP(BreakerProperties, TransitionsAreAlwaysLegalAndChained, ()) {
  const BreakerConfig config = GenConfig();
  const std::vector<Step> steps = GenSteps();
  H h(config);
  std::vector<BreakerPermit> long_calls;
  TimeUs t = 0;
  for (const Step& s : steps) {
    // Step times end in 1 µs so they never tie with a timer (those end in 0 or 500 µs).
    t += s.gap_us;
    const TimeUs at = t + 1;
    const BreakerState before = (h.loop.RunUntil(at), h.breaker.State());
    if (s.kind == 0) {
      const BreakerPermit p = h.CallAt(at, s.fail ? kF : kS);
      if (before == kOpen && config.mode == BreakerMode::kOpossum) RC_ASSERT(!p.allowed());
    } else if (s.kind == 1) {
      const BreakerPermit p = h.StartAt(at);
      if (p.allowed()) long_calls.push_back(p);
    } else if (!long_calls.empty()) {
      h.FinishAt(at, long_calls.front(), s.fail ? kF : kS);
      long_calls.erase(long_calls.begin());
    }
  }
  h.loop.RunUntil(t + Min(2));
  for (const engine::Event& e : h.rec.events) {
    if (e.kind == EventKind::kBreakerTransition) {
      RC_ASSERT(engine::CauseOf(e) == engine::TransitionCause::kAutomatic);
    }
  }
  BreakerState state = kClosed;
  for (const auto& [from, to] : h.rec.Transitions()) {
    RC_ASSERT(from == state);
    RC_ASSERT(IsAutomaticTransition(from, to));
    state = to;
  }
  RC_ASSERT(state == h.breaker.State());
}

// A reference model of opossum 10 (§2.2–2.5), written from the algorithm text and independent of
// the implementation: counts are kept per (bucket index = floor(t / interval)) and the window is
// the last `buckets` indexes; every result settling in half-open decides.
class OpossumModel {
 public:
  explicit OpossumModel(const BreakerConfig& c)
      : c_(c),
        interval_(c.rolling_count_timeout_us / kUsPerMs / c.rolling_count_buckets * kUsPerMs) {}
  void AdvanceTo(TimeUs t) {
    if (state_ == kOpen && t >= open_until_) {
      state_ = kHalfOpen;
      ticket_ = true;
    }
  }
  bool Acquire(TimeUs t) {
    AdvanceTo(t);
    Add(t, 1, 0);
    if (state_ == kClosed) return true;
    if (state_ == kHalfOpen && ticket_) {
      ticket_ = false;
      return true;
    }
    return false;
  }
  void Result(TimeUs t, bool failed) {
    AdvanceTo(t);
    if (!failed) {
      if (state_ == kHalfOpen) state_ = kClosed;
      return;
    }
    Add(t, 0, 1);
    if (state_ == kHalfOpen) {
      Open(t);
      return;
    }
    if (state_ != kClosed) return;
    std::int64_t fires = 0, failures = 0;
    const std::int64_t now_index = t / interval_;
    for (const auto& [index, counts] : buckets_) {
      if (index > now_index - c_.rolling_count_buckets) {
        fires += counts.first;
        failures += counts.second;
      }
    }
    if (fires < c_.volume_threshold) return;
    const double rate =
        fires == 0 ? 1e300 : 100.0 * static_cast<double>(failures) / static_cast<double>(fires);
    if (rate > c_.error_threshold_percentage) Open(t);
  }
  BreakerState state() const { return state_; }

 private:
  void Open(TimeUs t) {
    state_ = kOpen;
    ticket_ = false;
    open_until_ = t + c_.reset_timeout_us;
  }
  void Add(TimeUs t, int fires, int failures) {
    auto& b = buckets_[t / interval_];
    b.first += fires;
    b.second += failures;
  }
  BreakerConfig c_;
  TimeUs interval_;
  BreakerState state_ = kClosed;
  bool ticket_ = false;
  TimeUs open_until_ = 0;
  std::map<std::int64_t, std::pair<std::int64_t, std::int64_t>> buckets_;
};

RC_GTEST_PROP(BreakerProperties, OpossumModeOpensExactlyWhenItsRuleSays, ()) {
  BreakerConfig config;
  config.reset_timeout_us = Ms(*rc::gen::inRange(1, 15'000)) + 500;
  config.error_threshold_percentage = *rc::gen::inRange(0, 101);
  config.rolling_count_buckets = *rc::gen::inRange(1, 11);
  config.rolling_count_timeout_us =
      config.rolling_count_buckets * Ms(*rc::gen::element(500, 1000, 1500));
  config.volume_threshold = *rc::gen::inRange(0, 6);
  const std::vector<Step> steps = GenSteps();
  H h(config);
  OpossumModel model(config);
  std::vector<BreakerPermit> long_calls;
  TimeUs t = 0;
  for (const Step& s : steps) {
    t += s.gap_us;
    const TimeUs at = t + 1;
    h.loop.RunUntil(at);
    model.AdvanceTo(at);
    RC_ASSERT(h.breaker.State() == model.state());
    if (s.kind == 0 || s.kind == 1) {
      const BreakerPermit p = h.breaker.TryAcquire(++h.op, 1);
      RC_ASSERT(p.allowed() == model.Acquire(at));
      if (p.allowed() && s.kind == 0) {
        h.breaker.OnResult(p, s.fail ? kF : kS, 0);
        model.Result(at, s.fail);
      } else if (p.allowed()) {
        long_calls.push_back(p);
      }
    } else if (!long_calls.empty()) {
      h.breaker.OnResult(long_calls.front(), s.fail ? kF : kS, 0);
      model.Result(at, s.fail);
      long_calls.erase(long_calls.begin());
    }
    RC_ASSERT(h.breaker.State() == model.state());
  }
}

}  // namespace
}  // namespace notion_sim::policies
