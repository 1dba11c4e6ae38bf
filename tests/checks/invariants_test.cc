#include "notion_sim/checks/invariants.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>

#include "notion_sim/engine/transport.h"

namespace notion_sim::checks {

using engine::JsonDocument;
using engine::JsonReader;
using engine::kManualTransition;
using engine::kSubOperationBit;
using engine::LedgerEntry;
using engine::Operation;
using engine::Trace;
namespace {

using K = EventKind;

Event Ev(K kind, TimeUs at, std::uint64_t op, std::int64_t a = 0, std::int64_t b = 0,
         std::uint32_t attempt = 0, std::uint16_t key = 0) {
  return Event{at, op, a, b, attempt, key, kind};
}
Event Started(TimeUs at, std::uint64_t op, std::uint16_t tenant = 0) {
  return Ev(K::kOpStarted, at, op, static_cast<std::int64_t>(Operation::kCreatePage), 1, 0, tenant);
}
Event Finished(TimeUs at, std::uint64_t op, OpStatus status = OpStatus::kSucceeded) {
  return Ev(K::kOpFinished, at, op, static_cast<std::int64_t>(status), 200, 1);
}
Event Sent(TimeUs at, std::uint64_t op, std::uint32_t attempt = 1, std::uint16_t tenant = 0) {
  return Ev(K::kAttemptSent, at, op, 0, 0, attempt, tenant);
}
Event Transition(TimeUs at, BreakerState from, BreakerState to,
                 TransitionCause cause = TransitionCause::kAutomatic, std::uint16_t key = 0) {
  return Ev(K::kBreakerTransition, at, 0, static_cast<std::int64_t>(from),
            static_cast<std::int64_t>(to),
            cause == TransitionCause::kManual ? kManualTransition : 0, key);
}

void Feed(TraceSink& sink, const std::vector<Event>& events) {
  for (const Event& e : events) sink.OnEvent(e);
}

// --- Config -----------------------------------------------------------------------------------

Result<InvariantConfig> ParseText(const std::string& text) {
  Result<JsonDocument> doc = JsonDocument::Parse(text, "s.json");
  if (!doc.ok()) return doc.error();
  JsonReader reader(*doc);
  ObjectReader root = reader.Root();
  ObjectReader section = root.Object("invariants");
  Result<InvariantConfig> config = ParseInvariantConfig(section);
  root.Finish();
  return config;
}

TEST(InvariantConfig, ReadsEveryField) {
  Result<InvariantConfig> c = ParseText(R"({"invariants": {
    "off": ["checkpoint_safety"], "max_attempts": 3, "max_reconcile_lookups": 2,
    "op_deadline_ms": 1500, "client_rate": {"budget": 180, "window_s": 60},
    "bulkhead": {"critical": {"max_in_flight": 4, "max_queued": 50}}}})");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_FALSE(c->IsOn(Invariant::kCheckpointSafety));
  EXPECT_TRUE(c->IsOn(Invariant::kClientRate));
  EXPECT_EQ(c->max_attempts, 3u);
  EXPECT_EQ(c->max_reconcile_lookups, 2u);
  EXPECT_EQ(c->op_deadline_us, Ms(1500));
  EXPECT_EQ(c->rate_budget, 180);
  EXPECT_EQ(c->rate_window_us, Sec(60));
  EXPECT_EQ(c->lanes[0].max_in_flight, 4);
  EXPECT_EQ(c->lanes[0].max_queued, 50);
  EXPECT_EQ(c->lanes[1].max_in_flight, 0);
}

TEST(InvariantConfig, ErrorsNameFileLineAndPointer) {
  Result<InvariantConfig> c = ParseText("{\"invariants\": {\n  \"max_atempts\": 3}}");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().message.rfind("s.json:2:3: at /invariants/max_atempts: unknown field", 0), 0u)
      << c.error().message;
  c = ParseText(R"({"invariants": {"off": ["attempts_bounded", "no_such"]}})");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(
      c.error().message.find("at /invariants/off: element 1: unknown invariant \"no_such\" (known: "
                             "\"no_duplicate_creates\""),
      std::string::npos)
      << c.error().message;
  c = ParseText(R"({"invariants": {"client_rate": {"window_s": 60}}})");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("at /invariants/client_rate: missing required field \"budget\""),
            std::string::npos)
      << c.error().message;
  c = ParseText(R"({"invariants": {"max_attempts": 0}})");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("at /invariants/max_attempts: expected an integer in [1, "),
            std::string::npos);
}

// --- Formatting --------------------------------------------------------------------------------

TEST(FormatEvent, NamesKindFieldsAndEnums) {
  EXPECT_EQ(FormatEvent(Started(Ms(1500), 7, 2)),
            "1.500000 s op=7 #0 key=2 op_started operation=create_page lane=normal");
  EXPECT_EQ(FormatEvent(Transition(Sec(3), BreakerState::kOpen, BreakerState::kHalfOpen)),
            "3.000000 s op=0 #0 key=0 breaker_transition from=open to=half_open");
  EXPECT_EQ(FormatEvent(Ev(K::kAttemptDone, 5, 1, -1, 0, 2)),
            "0.000005 s op=1 #2 key=0 attempt_done status=timeout code=0");
}

// --- Attempts ----------------------------------------------------------------------------------

TEST(AttemptsChecker, FlagsTheFirstAttemptOverTheBoundOnce) {
  AttemptsChecker c(3, 1);
  Feed(c, {Started(0, 1), Sent(1, 1, 1), Sent(2, 1, 2), Sent(3, 1, 3), Sent(4, 1, 4), Sent(5, 1, 5),
           Finished(6, 1)});
  const InvariantResult r = c.GetResult();
  EXPECT_EQ(r.verdict, Verdict::kViolated);
  EXPECT_EQ(r.violation_count, 1u);
  EXPECT_EQ(r.checked_count, 1u);
  EXPECT_EQ(r.violations[0].text, "op 1: attempt 4 sent at 0.000004 s, more than max_attempts 3");
}

TEST(AttemptsChecker, CountsReconcileLookupsSeparatelyAndIgnoresDlqReplays) {
  AttemptsChecker c(2, 1);
  Feed(c, {Started(0, 1), Sent(1, 1, 1), Ev(K::kReconcileSent, 2, 1), Sent(3, 1, 2),
           Finished(4, 1, OpStatus::kDeadLettered), Sent(100, 1, 3), Sent(200, 1, 4)});
  EXPECT_EQ(c.GetResult().verdict, Verdict::kHeld);
  Feed(c, {Started(300, 2), Ev(K::kReconcileSent, 301, 2), Ev(K::kReconcileSent, 302, 2)});
  const InvariantResult r = c.GetResult();
  ASSERT_EQ(r.violation_count, 1u);
  EXPECT_EQ(r.violations[0].text,
            "op 2: reconcile lookup 2 sent at 0.000302 s, more than max_reconcile_lookups 1");
}

TEST(AttemptsChecker, BoundsWorkflowStepsByTheirAttemptNumbers) {
  AttemptsChecker c(2, 1);
  const std::uint64_t step = kSubOperationBit | 5;
  Feed(c, {Sent(1, step, 1), Sent(2, step, 2), Sent(3, step, 3)});
  const InvariantResult r = c.GetResult();
  ASSERT_EQ(r.violation_count, 1u);
  EXPECT_EQ(r.violations[0].text,
            "step 5 (op id 4611686018427387909): attempt 3 sent at 0.000003 s, more than "
            "max_attempts 2");
}

RC_GTEST_PROP(AttemptsChecker, CatchesExactlyTheOpsOverTheBound, ()) {
  const auto max = *rc::gen::inRange<std::uint32_t>(1, 6);
  const auto per_op =
      *rc::gen::container<std::vector<std::uint32_t>>(rc::gen::inRange<std::uint32_t>(0, 12));
  AttemptsChecker c(max, 10);
  TimeUs t = 0;
  std::uint64_t expected = 0;
  for (std::size_t i = 0; i < per_op.size(); ++i) {
    const std::uint64_t op = i + 1;
    c.OnEvent(Started(t++, op));
    for (std::uint32_t a = 1; a <= per_op[i]; ++a) c.OnEvent(Sent(t++, op, a));
    c.OnEvent(Finished(t++, op));
    if (per_op[i] > max) ++expected;
  }
  const InvariantResult r = c.GetResult();
  RC_ASSERT(r.violation_count == expected);
  RC_ASSERT(r.held() == (expected == 0));
  RC_ASSERT(r.checked_count == per_op.size());
}

// --- Deadline ----------------------------------------------------------------------------------

TEST(DeadlineChecker, FlagsSlowAndNeverFinishedOps) {
  DeadlineChecker c(Sec(2));
  Feed(c, {Started(0, 1), Started(Sec(1), 2), Started(Sec(1), 3), Finished(Sec(2), 1),
           Finished(Ms(3001), 2)});
  RunSummary s;
  s.virtual_time_us = Sec(10);
  c.Finish(&s);
  const InvariantResult r = c.GetResult();
  ASSERT_EQ(r.violation_count, 2u);
  EXPECT_EQ(r.checked_count, 3u);
  EXPECT_EQ(r.violations[0].text,
            "op 2: took 2001.000 ms (started 1.000000 s, finished 3.001000 s), over the deadline "
            "of 2000.000 ms");
  EXPECT_EQ(r.violations[1].text,
            "op 3: still open at the end of the run (10.000000 s), started 1.000000 s, over the "
            "deadline of 2000.000 ms");
}

RC_GTEST_PROP(DeadlineChecker, CatchesExactlyTheSlowOps, ()) {
  const TimeUs deadline = *rc::gen::inRange<TimeUs>(1, 1000);
  const auto took = *rc::gen::container<std::vector<TimeUs>>(rc::gen::inRange<TimeUs>(0, 2000));
  DeadlineChecker c(deadline);
  std::uint64_t expected = 0;
  for (std::size_t i = 0; i < took.size(); ++i) {
    const auto start = static_cast<TimeUs>(i) * 10;
    c.OnEvent(Started(start, i + 1));
    c.OnEvent(Finished(start + took[i], i + 1));
    if (took[i] > deadline) ++expected;
  }
  RC_ASSERT(c.GetResult().violation_count == expected);
}

// --- Breaker -----------------------------------------------------------------------------------

TEST(BreakerTransitionChecker, AcceptsTheLegalCycleAndManualOverrides) {
  using S = BreakerState;
  BreakerTransitionChecker c;
  Feed(c, {Transition(1, S::kClosed, S::kOpen), Transition(2, S::kOpen, S::kHalfOpen),
           Transition(3, S::kHalfOpen, S::kOpen), Transition(4, S::kOpen, S::kHalfOpen),
           Transition(5, S::kHalfOpen, S::kClosed),
           Transition(6, S::kClosed, S::kForcedOpen, TransitionCause::kManual),
           Ev(K::kBreakerRejected, 7, 9, static_cast<std::int64_t>(S::kForcedOpen)),
           Transition(8, S::kForcedOpen, S::kDisabled, TransitionCause::kManual),
           Transition(9, S::kDisabled, S::kClosed, TransitionCause::kManual),
           Transition(10, S::kClosed, S::kOpen, TransitionCause::kAutomatic, 3)});
  const InvariantResult r = c.GetResult();
  EXPECT_EQ(r.verdict, Verdict::kHeld) << r.first_violation;
  EXPECT_EQ(r.checked_count, 10u);
}

TEST(BreakerTransitionChecker, FlagsIllegalMovesWithTheKeysHistory) {
  using S = BreakerState;
  BreakerTransitionChecker c;
  Feed(c, {Transition(Sec(1), S::kClosed, S::kOpen), Transition(Sec(2), S::kOpen, S::kClosed)});
  InvariantResult r = c.GetResult();
  ASSERT_EQ(r.violation_count, 1u);
  EXPECT_EQ(r.violations[0].text.rfind(
                "breaker 0: illegal automatic transition open -> closed at 2.000000 s", 0),
            0u);
  ASSERT_EQ(r.violations[0].events.size(), 2u);
  EXPECT_EQ(r.first_violation.substr(r.first_violation.find('\n')),
            "\n    1.000000 s op=0 #0 key=0 breaker_transition from=closed to=open"
            "\n    2.000000 s op=0 #0 key=0 breaker_transition from=open to=closed");
  // Out of forced_open without an operator; a state the key was not in; rejecting while closed.
  BreakerTransitionChecker d;
  Feed(d, {Transition(1, S::kClosed, S::kForcedOpen, TransitionCause::kManual),
           Transition(2, S::kForcedOpen, S::kHalfOpen),
           Transition(3, S::kOpen, S::kHalfOpen, TransitionCause::kAutomatic, 1),
           Ev(K::kBreakerRejected, 4, 5, 0, 0, 0, 2)});
  r = d.GetResult();
  ASSERT_EQ(r.violation_count, 3u);
  EXPECT_NE(r.violations[0].text.find("illegal automatic transition forced_open -> half_open"),
            std::string::npos);
  EXPECT_EQ(r.violations[1].text,
            "breaker 1: transition open -> half_open at 0.000003 s but the breaker was closed");
  EXPECT_NE(r.violations[2].text.find("breaker 2: rejected a call at 0.000004 s while closed"),
            std::string::npos);
}

// A small model of a breaker: legal moves only, automatic or manual.
std::vector<Event> LegalBreakerWalk(const std::vector<int>& choices) {
  using S = BreakerState;
  std::vector<Event> out;
  S state = S::kClosed;
  TimeUs t = 0;
  for (int c : choices) {
    S next = state;
    TransitionCause cause = TransitionCause::kAutomatic;
    switch (state) {
      case S::kClosed:
        next = c % 4 == 0 ? S::kForcedOpen : S::kOpen;
        break;
      case S::kOpen:
        next = S::kHalfOpen;
        break;
      case S::kHalfOpen:
        next = c % 2 == 0 ? S::kClosed : S::kOpen;
        break;
      case S::kForcedOpen:
        next = c % 2 == 0 ? S::kDisabled : S::kClosed;
        break;
      case S::kDisabled:
        next = S::kClosed;
        break;
    }
    if (state == S::kForcedOpen || state == S::kDisabled || next == S::kForcedOpen) {
      cause = TransitionCause::kManual;
    }
    out.push_back(Transition(++t, state, next, cause));
    state = next;
  }
  return out;
}

RC_GTEST_PROP(BreakerTransitionChecker, LegalWalksPassAndOneBadMoveIsCaught, ()) {
  const auto choices = *rc::gen::container<std::vector<int>>(rc::gen::inRange(0, 100));
  const std::vector<Event> walk = LegalBreakerWalk(choices);
  BreakerTransitionChecker ok;
  Feed(ok, walk);
  RC_ASSERT(ok.GetResult().violation_count == 0u);

  // Corrupt one transition: an automatic move the state machine does not have.
  RC_PRE(!walk.empty());
  const auto at = *rc::gen::inRange<std::size_t>(0, walk.size());
  std::vector<Event> bad = walk;
  Event& e = bad[at];
  const auto from = static_cast<BreakerState>(e.a);
  e.attempt = 1;  // an automatic move caused by an attempt
  e.b = static_cast<std::int64_t>(from == BreakerState::kClosed ? BreakerState::kHalfOpen
                                                                : BreakerState::kForcedOpen);
  BreakerTransitionChecker caught;
  Feed(caught, bad);
  RC_ASSERT(caught.GetResult().violation_count >= 1u);
}

// --- Retry-After -------------------------------------------------------------------------------

TEST(RetryAfterChecker, FlagsAnEarlyAttemptWithBothEvents) {
  RetryAfterChecker c;
  Feed(c, {Started(0, 4), Sent(0, 4, 1), Ev(K::kRetryAfterGiven, Sec(1), 4, Sec(3), 0, 1),
           Sent(Ms(2500), 4, 2)});
  const InvariantResult r = c.GetResult();
  ASSERT_EQ(r.violation_count, 1u);
  EXPECT_EQ(r.violations[0].text,
            "op 4: attempt 2 sent at 2.500000 s, 500.000 ms before the Retry-After given at "
            "1.000000 s allowed (not before 3.000000 s)");
  ASSERT_EQ(r.violations[0].events.size(), 2u);
  EXPECT_EQ(r.violations[0].events[0].kind, K::kRetryAfterGiven);
}

TEST(RetryAfterChecker, AppliesToLookupsAndDlqReplays) {
  RetryAfterChecker c;
  Feed(c, {Ev(K::kRetryAfterGiven, 10, 1, 50), Ev(K::kReconcileSent, 49, 1, 0, 0, 1),
           Ev(K::kRetryAfterGiven, 60, 2, 100), Finished(61, 2, OpStatus::kDeadLettered),
           Sent(99, 2, 1), Ev(K::kRetryAfterGiven, 60, 3, 100), Finished(61, 3, OpStatus::kFailed),
           Sent(62, 3, 9)});
  const InvariantResult r = c.GetResult();
  ASSERT_EQ(r.violation_count, 2u);
  EXPECT_EQ(r.violations[0].op_id, 1u);
  EXPECT_EQ(r.violations[1].op_id, 2u);
  EXPECT_EQ(r.checked_count, 2u);
}

RC_GTEST_PROP(RetryAfterChecker, CatchesExactlyTheEarlyAttempts, ()) {
  const auto cases = *rc::gen::container<std::vector<std::pair<TimeUs, TimeUs>>>(
      rc::gen::pair(rc::gen::inRange<TimeUs>(0, Sec(5)), rc::gen::inRange<TimeUs>(0, Sec(10))));
  RetryAfterChecker c;
  std::uint64_t expected = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto [retry_after, gap] = cases[i];
    const std::uint64_t op = i + 1;
    const TimeUs t = static_cast<TimeUs>(i) * Sec(20);
    c.OnEvent(Started(t, op));
    c.OnEvent(Sent(t, op, 1));
    c.OnEvent(Ev(K::kRetryAfterGiven, t + 1, op, t + 1 + retry_after, 0, 1));
    c.OnEvent(Sent(t + 1 + gap, op, 2));
    c.OnEvent(Sent(t + 1 + gap + 1, op, 3));  // after the check: never judged again
    c.OnEvent(Finished(t + Sec(19), op));
    if (gap < retry_after) ++expected;
  }
  RC_ASSERT(c.GetResult().violation_count == expected);
}

// --- Client rate -------------------------------------------------------------------------------

TEST(ClientRateChecker, FlagsTheRequestThatOverfillsAWindowPerTenant) {
  ClientRateChecker c(3, Sec(10));
  Feed(c, {Sent(0, 1, 1, 0), Sent(Sec(1), 2, 1, 0), Sent(Sec(2), 3, 1, 1),
           Ev(K::kReconcileSent, Sec(9), 4, 0, 0, 1, 0), Sent(Ms(9999), 5, 1, 0),
           Sent(Sec(11), 6, 1, 0)});
  const InvariantResult r = c.GetResult();
  ASSERT_EQ(r.violation_count, 1u);
  EXPECT_EQ(r.checked_count, 6u);
  EXPECT_EQ(r.violations[0].text,
            "tenant 0: 4 requests within 9999.000 ms (from 0.000000 s to 9.999000 s), over the "
            "budget of 3 per 10000.000 ms");
}

RC_GTEST_PROP(ClientRateChecker, AgreesWithABruteForceWindowCount, ()) {
  const auto budget = *rc::gen::inRange<std::int64_t>(1, 6);
  const TimeUs window = *rc::gen::inRange<TimeUs>(1, 50);
  auto gaps = *rc::gen::container<std::vector<TimeUs>>(rc::gen::inRange<TimeUs>(0, 20));
  std::vector<TimeUs> times;
  TimeUs t = 0;
  for (TimeUs g : gaps) times.push_back(t += g);
  ClientRateChecker c(budget, window);
  for (std::size_t i = 0; i < times.size(); ++i) c.OnEvent(Sent(times[i], i + 1));
  // Brute force: send i breaks the rule when it and the `budget` sends before it fit in a window.
  std::uint64_t expected = 0;
  for (std::size_t i = static_cast<std::size_t>(budget); i < times.size(); ++i) {
    if (times[i] - times[i - static_cast<std::size_t>(budget)] < window) ++expected;
  }
  RC_ASSERT(c.GetResult().violation_count == expected);
}

// --- Bulkhead ----------------------------------------------------------------------------------

TEST(BulkheadChecker, FlagsOverAdmissionOverQueueingAndStrayReleases) {
  std::array<LaneBounds, 3> lanes{};
  lanes[static_cast<std::size_t>(Lane::kCritical)] = {2, 1};
  BulkheadChecker c(lanes);
  Feed(c, {Ev(K::kBulkheadAdmitted, 1, 1, 1, 0), Ev(K::kBulkheadAdmitted, 2, 2, 2, 0),
           Ev(K::kBulkheadQueued, 3, 3, 2, 1), Ev(K::kBulkheadQueued, 4, 4, 2, 2),
           Ev(K::kBulkheadAdmitted, 5, 3, 3, 1), Ev(K::kBulkheadReleased, 6, 1, 2, 1),
           Ev(K::kBulkheadReleased, 7, 5, 0, 0, 0, 2)});
  const InvariantResult r = c.GetResult();
  ASSERT_EQ(r.violation_count, 3u);
  EXPECT_EQ(r.violations[0].text, "lane critical: 2 queued at 0.000004 s, over max_queued 1");
  EXPECT_EQ(r.violations[1].text, "lane critical: 3 in flight at 0.000005 s, over max_in_flight 2");
  EXPECT_EQ(r.violations[2].text,
            "lane bulk: released at 0.000007 s with nothing admitted (releases exceed admissions)");
}

// A model bulkhead with `limit` slots: admits while a slot is free, else queues; `leak` admits one
// call too many once.
std::vector<Event> BulkheadRun(const std::vector<bool>& arrive_or_release, std::int64_t limit,
                               bool leak) {
  std::vector<Event> out;
  std::int64_t in_flight = 0;
  std::int64_t queued = 0;
  bool leaked = false;
  TimeUs t = 0;
  std::uint64_t op = 0;
  for (bool arrive : arrive_or_release) {
    ++t;
    if (arrive) {
      ++op;
      if (in_flight < limit || (leak && !leaked && in_flight == limit)) {
        leaked = leaked || in_flight == limit;
        out.push_back(Ev(K::kBulkheadAdmitted, t, op, ++in_flight, queued, 0, 1));
      } else {
        out.push_back(Ev(K::kBulkheadQueued, t, op, in_flight, ++queued, 0, 1));
      }
    } else if (in_flight > 0) {
      out.push_back(Ev(K::kBulkheadReleased, t, op, --in_flight, queued, 0, 1));
      if (queued > 0) {
        --queued;
        out.push_back(Ev(K::kBulkheadAdmitted, t, op, ++in_flight, queued, 0, 1));
      }
    }
  }
  return out;
}

RC_GTEST_PROP(BulkheadChecker, ModelBulkheadPassesAndALeakIsCaught, ()) {
  const auto limit = *rc::gen::inRange<std::int64_t>(1, 5);
  const auto steps = *rc::gen::container<std::vector<bool>>(rc::gen::arbitrary<bool>());
  std::array<LaneBounds, 3> lanes{};
  lanes[1] = {limit, 0};
  BulkheadChecker ok(lanes);
  Feed(ok, BulkheadRun(steps, limit, false));
  RC_ASSERT(ok.GetResult().violation_count == 0u);
  // The leak happens only if an arrival ever finds the lane full (then the model queues it).
  const std::vector<Event> clean = BulkheadRun(steps, limit, false);
  const bool fills = std::any_of(clean.begin(), clean.end(),
                                 [](const Event& e) { return e.kind == K::kBulkheadQueued; });
  RC_PRE(fills);
  BulkheadChecker caught(lanes);
  Feed(caught, BulkheadRun(steps, limit, true));
  RC_ASSERT(caught.GetResult().violation_count >= 1u);
}

// --- Ends exactly once -------------------------------------------------------------------------

TEST(OpsEndOnceChecker, FlagsDoubleFinishesStrayRequestsAndOpenOps) {
  OpsEndOnceChecker c;
  Feed(c,
       {Started(1, 1), Finished(2, 1), Finished(3, 1, OpStatus::kFailed), Finished(4, 2),
        Started(5, 3), Finished(6, 3, OpStatus::kFailed), Sent(7, 3, 2), Started(8, 4),
        Finished(9, 4, OpStatus::kDeadLettered), Sent(10, 4, 5), Started(11, 5), Started(12, 1)});
  RunSummary s;
  s.virtual_time_us = 20;
  s.ops_double_finished = 1;
  c.Finish(&s);
  const InvariantResult r = c.GetResult();
  ASSERT_EQ(r.violation_count, 6u);
  EXPECT_EQ(r.violations[0].text, "op 1: finished again at 0.000003 s (it had ended as succeeded)");
  EXPECT_EQ(r.violations[1].text, "op 2: finished at 0.000004 s but never started");
  EXPECT_EQ(r.violations[2].text,
            "op 3: request sent at 0.000007 s after the operation ended as failed (work continued "
            "after the caller was told it ended)");
  EXPECT_EQ(r.violations[3].text, "op 1: started again at 0.000012 s");
  EXPECT_EQ(r.violations[4].text, "op 5: started at 0.000011 s and never finished");
  EXPECT_EQ(r.violations[5].text,
            "the Runner received 1 completion(s) after an operation's first (a stack called done "
            "twice)");
}

TEST(OpsEndOnceChecker, WorkflowStepsAreNotOperations) {
  OpsEndOnceChecker c;
  Feed(c, {Started(0, 1), Sent(1, kSubOperationBit | 1, 1), Sent(2, kSubOperationBit | 2, 1),
           Finished(3, 1)});
  c.Finish(nullptr);
  EXPECT_EQ(c.GetResult().verdict, Verdict::kHeld);
}

RC_GTEST_PROP(OpsEndOnceChecker, CatchesEveryOpThatDoesNotEndExactlyOnce, ()) {
  const auto finishes = *rc::gen::container<std::vector<int>>(rc::gen::inRange(0, 3));
  OpsEndOnceChecker c;
  TimeUs t = 0;
  std::uint64_t expected = 0;
  for (std::size_t i = 0; i < finishes.size(); ++i) c.OnEvent(Started(t++, i + 1));
  for (std::size_t i = 0; i < finishes.size(); ++i) {
    for (int k = 0; k < finishes[i]; ++k) c.OnEvent(Finished(t++, i + 1));
    if (finishes[i] != 1) ++expected;
  }
  c.Finish(nullptr);
  RC_ASSERT(c.GetResult().violation_count == expected);
}

// --- Checkpoints -------------------------------------------------------------------------------

Event RecordStarted(TimeUs at, std::uint64_t op, std::uint16_t job, std::uint32_t record) {
  return Ev(K::kRecordStarted, at, op, record, 0, 0, job);
}
Event Checkpoint(TimeUs at, std::uint16_t job, std::int64_t record) {
  return Ev(K::kCheckpointAdvanced, at, 0, record, 0, 0, job);
}

TEST(CheckpointChecker, FlagsACheckpointPastAFailureNotInTheDlq) {
  CheckpointChecker c;
  Feed(c, {Started(0, 1), RecordStarted(0, 1, 1, 1), Started(0, 2), RecordStarted(0, 2, 1, 2),
           Started(0, 3), RecordStarted(0, 3, 1, 3), Finished(1, 1),
           Finished(2, 2, OpStatus::kDeadLettered), Finished(3, 3, OpStatus::kFailed),
           Checkpoint(4, 1, 2), Checkpoint(5, 1, 4)});
  const InvariantResult r = c.GetResult();
  ASSERT_EQ(r.violation_count, 2u);
  EXPECT_EQ(r.checked_count, 4u);
  EXPECT_EQ(r.violations[0].text,
            "job 1: checkpoint advanced to record 4 at 0.000005 s, past record 3, which failed "
            "and is not in the DLQ");
  EXPECT_EQ(r.violations[1].text,
            "job 1: checkpoint advanced to record 4 at 0.000005 s, past record 4, which never "
            "started");
}

TEST(CheckpointChecker, JudgesARecordWhoseOperationEndsAfterTheCheckpointPassedIt) {
  // The batch job hears the outcome (and advances) before the Runner emits kOpFinished.
  CheckpointChecker c;
  Feed(c, {Started(0, 1), RecordStarted(0, 1, 2, 1), Started(0, 2), RecordStarted(0, 2, 2, 2),
           Started(0, 3), RecordStarted(0, 3, 2, 3), Checkpoint(5, 2, 1), Finished(5, 1),
           Checkpoint(6, 2, 3), Finished(6, 2, OpStatus::kDeadLettered),
           Finished(6, 3, OpStatus::kServedFallback)});
  InvariantResult r = c.GetResult();
  EXPECT_EQ(r.checked_count, 3u);
  ASSERT_EQ(r.violation_count, 1u);
  EXPECT_EQ(r.violations[0].text,
            "job 2: checkpoint advanced to record 3 at 0.000006 s, past record 3, which failed and "
            "is not in the DLQ when its operation ended");
  CheckpointChecker open;
  Feed(open, {Started(0, 1), RecordStarted(0, 1, 2, 1), Checkpoint(5, 2, 1)});
  open.Finish(nullptr);
  r = open.GetResult();
  ASSERT_EQ(r.violation_count, 1u);
  EXPECT_EQ(r.violations[0].text,
            "job 2: checkpoint advanced to record 1 at 0.000005 s, past record 1, which never "
            "finished");
}

// Approach A (advance past the last contiguous success or DLQ entry) never breaks the rule; a
// checkpoint one record further does whenever that record failed.
RC_GTEST_PROP(CheckpointChecker, ApproachAPassesAndOvershootIsCaught, ()) {
  const auto outcomes = *rc::gen::nonEmpty(
      rc::gen::container<std::vector<int>>(rc::gen::inRange(0, 3)));  // 0 ok, 1 dlq, 2 failed
  auto run = [&](bool overshoot) {
    CheckpointChecker c;
    std::int64_t checkpoint = 0;
    bool blocked = false;
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
      const std::uint64_t op = i + 1;
      const auto record = static_cast<std::uint32_t>(i + 1);
      c.OnEvent(Started(static_cast<TimeUs>(i), op));
      c.OnEvent(RecordStarted(static_cast<TimeUs>(i), op, 7, record));
      const OpStatus status = outcomes[i] == 0   ? OpStatus::kSucceeded
                              : outcomes[i] == 1 ? OpStatus::kDeadLettered
                                                 : OpStatus::kFailed;
      c.OnEvent(Finished(static_cast<TimeUs>(i), op, status));
      if (status == OpStatus::kFailed) blocked = true;
      if (!blocked) checkpoint = static_cast<std::int64_t>(record);
      if (overshoot && blocked) checkpoint = static_cast<std::int64_t>(record);
      if (checkpoint > 0) c.OnEvent(Checkpoint(static_cast<TimeUs>(i), 7, checkpoint));
    }
    return c.GetResult();
  };
  RC_ASSERT(run(false).violation_count == 0u);
  const bool any_failed = std::count(outcomes.begin(), outcomes.end(), 2) > 0;
  RC_ASSERT((run(true).violation_count > 0) == any_failed);
}

// --- Duplicate creates -------------------------------------------------------------------------

LedgerEntry Create(TimeUs at, std::uint64_t op, std::uint64_t fingerprint, std::uint64_t lo) {
  LedgerEntry e;
  e.at_us = at;
  e.op_id = op;
  e.fingerprint = fingerprint;
  e.operation = Operation::kCreatePage;
  e.object.lo = lo;
  e.object.hi = 0x1111;
  return e;
}

TEST(DuplicateCreateChecker, GroupsByOpIdOrFingerprint) {
  Ledger ledger = {Create(Sec(1), 5, 1, 1),  Create(Sec(2), 6, 1, 2),  Create(Sec(3), 5, 9, 3),
                   Create(Sec(4), 0, 42, 4), Create(Sec(5), 0, 42, 5), Create(Sec(6), 0, 43, 6)};
  ledger[0].injected_loss = true;
  ledger[4].injected_loss = true;
  ledger[4].answered_status = 503;
  LedgerEntry update = Create(Sec(7), 5, 1, 7);
  update.operation = Operation::kUpdatePage;
  ledger.push_back(update);
  DuplicateCreateChecker c;
  c.CheckLedger(ledger);
  const InvariantResult r = c.GetResult();
  EXPECT_EQ(r.checked_count, 6u);
  ASSERT_EQ(r.violation_count, 2u);
  EXPECT_EQ(r.violations[0].text,
            "fingerprint 42: 2 creates committed: 00000000-0000-1111-0000-000000000004 at "
            "4.000000 s; 00000000-0000-1111-0000-000000000005 at 5.000000 s (committed, then "
            "answered 503 by the fault plan)");
  EXPECT_EQ(
      r.violations[1].text,
      "op 5: 2 creates committed: 00000000-0000-1111-0000-000000000001 at 1.000000 s "
      "(committed, its response lost by the fault plan); 00000000-0000-1111-0000-000000000003 "
      "at 3.000000 s");
  EXPECT_EQ(r.violations[1].at_us, Sec(3));
}

RC_GTEST_PROP(DuplicateCreateChecker, CatchesExactlyTheRepeatedOps, ()) {
  const auto creates_per_op = *rc::gen::container<std::vector<int>>(rc::gen::inRange(0, 4));
  Ledger ledger;
  std::uint64_t expected = 0;
  for (std::size_t i = 0; i < creates_per_op.size(); ++i) {
    for (int k = 0; k < creates_per_op[i]; ++k) {
      ledger.push_back(Create(static_cast<TimeUs>(ledger.size()), i + 1, 0, ledger.size()));
    }
    if (creates_per_op[i] > 1) ++expected;
  }
  DuplicateCreateChecker c;
  c.CheckLedger(ledger);
  RC_ASSERT(c.GetResult().violation_count == expected);
}

// --- Suite -------------------------------------------------------------------------------------

TEST(InvariantSuite, ReportsEveryInvariantWithEvidenceAndHonoursOff) {
  InvariantConfig config;
  config.max_attempts = 1;
  config.Set(Invariant::kDeadlineBounded, Check::kOff);
  InvariantSuite suite(config);
  Trace trace;
  trace.AddSink(&suite);
  for (const Event& e : {Started(0, 1), Sent(10, 1, 1), Ev(K::kAttemptDone, 20, 1, 503, 0, 1),
                         Sent(30, 1, 2), Finished(40, 1, OpStatus::kFailed)}) {
    trace.Emit(e);
  }
  RunSummary summary;
  Ledger ledger = {Create(15, 1, 0, 1)};
  const std::vector<InvariantResult> results = suite.Finish(summary, &ledger);
  ASSERT_EQ(results.size(), static_cast<std::size_t>(kInvariantCount));
  for (int i = 0; i < kInvariantCount; ++i) {
    EXPECT_EQ(results[static_cast<std::size_t>(i)].name, InvariantName(static_cast<Invariant>(i)));
  }
  const InvariantResult& attempts = results[static_cast<std::size_t>(Invariant::kAttemptsBounded)];
  EXPECT_EQ(attempts.verdict, Verdict::kViolated);
  EXPECT_EQ(attempts.first_violation,
            "op 1: attempt 2 sent at 0.000030 s, more than max_attempts 1\n"
            "    0.000000 s op=1 #0 key=0 op_started operation=create_page lane=normal\n"
            "    0.000010 s op=1 #1 key=0 attempt_sent operation=create_page timeout_us=0\n"
            "    0.000020 s op=1 #1 key=0 attempt_done status=503 code=0\n"
            "    0.000030 s op=1 #2 key=0 attempt_sent operation=create_page timeout_us=0");
  EXPECT_EQ(results[static_cast<std::size_t>(Invariant::kDeadlineBounded)].verdict, Verdict::kOff);
  EXPECT_EQ(results[static_cast<std::size_t>(Invariant::kClientRate)].verdict, Verdict::kOff);
  EXPECT_EQ(results[static_cast<std::size_t>(Invariant::kOpsEndOnce)].verdict, Verdict::kHeld);
  EXPECT_EQ(results[static_cast<std::size_t>(Invariant::kOpsEndOnce)].checked_count, 1u);
  EXPECT_EQ(results[static_cast<std::size_t>(Invariant::kNoDuplicateCreates)].verdict,
            Verdict::kHeld);
  EXPECT_EQ(results[static_cast<std::size_t>(Invariant::kNoDuplicateCreates)].checked_count, 1u);
}

TEST(InvariantSuite, KeepsABoundedNumberOfViolationsButCountsAll) {
  InvariantConfig config;
  config.max_violations_kept = 3;
  InvariantSuite suite(config);
  for (std::uint64_t op = 1; op <= 100; ++op) suite.OnEvent(Finished(1, op));
  const auto results = suite.Finish(RunSummary{}, nullptr);
  const InvariantResult& r = results[static_cast<std::size_t>(Invariant::kOpsEndOnce)];
  EXPECT_EQ(r.violation_count, 100u);
  EXPECT_EQ(r.violations.size(), 3u);
  EXPECT_EQ(results[static_cast<std::size_t>(Invariant::kNoDuplicateCreates)].verdict,
            Verdict::kOff);
}

}  // namespace
}  // namespace notion_sim::checks
