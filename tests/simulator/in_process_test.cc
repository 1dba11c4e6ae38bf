// The in-process door: the network model on the virtual clock, fault actions as transport
// outcomes, timeouts, exactly-once completions, and the Retry-After ground truth on the trace.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <map>

#include "notion_sim/engine/sim_loop.h"
#include "notion_sim/simulator/fake_notion.h"

namespace notion_sim::sim {
namespace {

using engine::ObjectId;
using engine::Operation;
using engine::Response;
using engine::TransportOutcome;

struct Done {
  TimeUs at_us = 0;
  Response response;
};

class Harness {
 public:
  explicit Harness(FakeConfig config = Open(),
                   NetworkModel network = NetworkModel::Fixed(Ms(40), Ms(40)),
                   std::size_t max_in_flight = InProcessTransport::kDefaultMaxInFlight)
      : fake(loop, engine::Rng(11), &trace, std::move(config)),
        transport(loop, fake, network, engine::Rng(12), &trace, max_in_flight) {}

  static FakeConfig Open() {
    FakeConfig c;
    c.workspace.rate_limits.mode = RateLimitMode::kOff;
    // Creates name parents they never made: the lenient creation a workspace can ask for.
    c.workspace.unknown_parent = UnknownParent::kCreate;
    return c;
  }
  // Sends now; the completion is recorded under `id`.
  void Send(int id, const engine::Request& r) {
    transport.Send(r, [this, id](Response response) {
      ++calls[id];
      done[id] = Done{loop.NowUs(), std::move(response)};
    });
  }
  void Rule(FaultAction action, LossMode loss = LossMode::kTimeout) {
    FaultRule r;
    r.action = action;
    r.loss = loss;
    if (action == FaultAction::kHtmlEdge) r.status = 502;
    ASSERT_TRUE(fake.faults().Add(r).ok());
  }
  void Run() { loop.RunUntilIdle(kTimeNever); }

  engine::SimLoop loop;
  engine::Trace trace;
  FakeNotion fake;
  InProcessTransport transport;
  std::map<int, Done> done;
  std::map<int, int> calls;
};

engine::Request Create(std::uint64_t op_id = 1, TimeUs timeout_us = 0) {
  engine::Request r;
  r.operation = Operation::kCreatePage;
  r.method = engine::Method::kPost;
  r.parent = ObjectId{7, 7};
  r.op_id = op_id;
  r.timeout_us = timeout_us;
  return r;
}

TEST(InProcessTest, FixedLatencyBothWays) {
  Harness h;
  h.Send(1, Create());
  h.Run();
  ASSERT_EQ(h.calls[1], 1);
  EXPECT_EQ(h.done[1].at_us, Ms(80));
  EXPECT_EQ(h.done[1].response.status, 200);
  EXPECT_EQ(h.done[1].response.sent_us, 0);
  EXPECT_EQ(h.done[1].response.received_us, Ms(80));
  ASSERT_EQ(h.fake.ledger().size(), 1u);
  EXPECT_EQ(h.fake.ledger()[0].at_us, Ms(40));                  // applied on arrival
  EXPECT_EQ(h.fake.journal().Entries()[0].latency_us, Ms(80));  // the whole exchange
  EXPECT_EQ(h.transport.in_flight(), 0u);
  EXPECT_EQ(h.transport.stats().responses, 1u);
}

TEST(InProcessTest, ProcessingTimePerEndpointAndFaultDelay) {
  NetworkModel net = NetworkModel::Fixed(Ms(40), Ms(40));
  net.processing[static_cast<std::size_t>(Operation::kCreatePage)] = LatencyDist::Fixed(Ms(100));
  Harness h(Harness::Open(), net);
  FaultRule slow;
  slow.action = FaultAction::kDelay;
  slow.delay = LatencyDist::Fixed(Ms(250));
  slow.match.operation = Operation::kUsersMe;
  ASSERT_TRUE(h.fake.faults().Add(slow).ok());
  h.Send(1, Create());
  engine::Request me;
  me.operation = Operation::kUsersMe;
  h.Send(2, me);
  h.Run();
  EXPECT_EQ(h.done[1].at_us, Ms(180));
  EXPECT_EQ(h.done[2].at_us, Ms(330));
  EXPECT_TRUE(h.done[2].response.injected);
}

TEST(InProcessTest, TimeoutCutsALateAnswerButTheWriteStillLands) {
  Harness h(Harness::Open(), NetworkModel::Fixed(Sec(2), Ms(40)));
  h.Send(1, Create(1, Sec(1)));
  h.Run();
  ASSERT_EQ(h.calls[1], 1);
  EXPECT_EQ(h.done[1].at_us, Sec(1));
  EXPECT_EQ(h.done[1].response.outcome, TransportOutcome::kTimeout);
  ASSERT_EQ(h.fake.ledger().size(), 1u);
  EXPECT_EQ(h.fake.ledger()[0].at_us, Sec(2));  // after the client gave up
  EXPECT_EQ(h.transport.stats().timeouts, 1u);
  EXPECT_EQ(h.transport.in_flight(), 0u);
  EXPECT_EQ(h.loop.Pending(), 0u);
}

TEST(InProcessTest, AnswerBeforeTheTimeoutCancelsTheTimer) {
  Harness h;
  h.Send(1, Create(1, Sec(30)));
  h.Run();
  EXPECT_EQ(h.done[1].response.status, 200);
  EXPECT_EQ(h.loop.NowUs(), Ms(80));  // the 30 s timer did not keep the loop busy
}

TEST(InProcessTest, LostAfterCommitIsATimeoutOrAReset) {
  Harness timeout;
  timeout.Rule(FaultAction::kLoseAfterCommit);
  timeout.Send(1, Create(1, Sec(3)));
  timeout.Run();
  EXPECT_EQ(timeout.done[1].at_us, Sec(3));
  EXPECT_EQ(timeout.done[1].response.outcome, TransportOutcome::kTimeout);
  ASSERT_EQ(timeout.fake.ledger().size(), 1u);
  EXPECT_TRUE(timeout.fake.ledger()[0].injected_loss);

  Harness reset;
  reset.Rule(FaultAction::kLoseAfterCommit, LossMode::kReset);
  reset.Send(1, Create(1, Sec(3)));
  reset.Run();
  EXPECT_EQ(reset.done[1].at_us, Ms(80));
  EXPECT_EQ(reset.done[1].response.outcome, TransportOutcome::kConnectionReset);
  EXPECT_TRUE(reset.done[1].response.injected);
  EXPECT_EQ(reset.fake.ledger().size(), 1u);
}

TEST(InProcessTest, HangWithoutATimeoutStaysOpenAndIsCounted) {
  Harness h;
  h.Rule(FaultAction::kHang);
  h.Send(1, Create(1, Sec(5)));
  h.Send(2, Create(2, 0));
  h.Run();
  EXPECT_EQ(h.calls[1], 1);
  EXPECT_EQ(h.done[1].at_us, Sec(5));
  EXPECT_EQ(h.done[1].response.outcome, TransportOutcome::kTimeout);
  EXPECT_EQ(h.calls.count(2), 0u);  // never completes
  EXPECT_EQ(h.transport.hung(), 1u);
  EXPECT_EQ(h.transport.in_flight(), 1u);
  EXPECT_EQ(h.fake.ledger().size(), 0u);  // a hang answers before applying
}

TEST(InProcessTest, StallResetMalformedEdge) {
  Harness stall;
  stall.Rule(FaultAction::kStallBody);
  stall.Send(1, Create(1, Sec(2)));
  stall.Run();
  EXPECT_EQ(stall.done[1].response.outcome, TransportOutcome::kTimeout);
  EXPECT_EQ(stall.fake.ledger().size(), 1u);  // the headers were on their way: applied

  Harness reset;
  reset.Rule(FaultAction::kReset);
  reset.Send(1, Create());
  reset.Run();
  EXPECT_EQ(reset.done[1].at_us, Ms(80));
  EXPECT_EQ(reset.done[1].response.outcome, TransportOutcome::kConnectionReset);
  EXPECT_EQ(reset.fake.ledger().size(), 0u);

  Harness malformed;
  malformed.Rule(FaultAction::kMalformedJson);
  malformed.Send(1, Create());
  malformed.Run();
  EXPECT_EQ(malformed.done[1].response.outcome, TransportOutcome::kMalformed);
  EXPECT_EQ(malformed.done[1].response.status, 200);
  EXPECT_EQ(malformed.transport.stats().malformed, 1u);

  Harness edge;
  edge.Rule(FaultAction::kHtmlEdge);
  edge.Send(1, Create());
  edge.Run();
  const Response& r = edge.done[1].response;
  EXPECT_EQ(r.outcome, TransportOutcome::kResponse);
  EXPECT_EQ(r.status, 502);
  EXPECT_TRUE(r.edge_error);
  EXPECT_FALSE(r.code_known_to_sdk);
  EXPECT_EQ(r.code, engine::ApiCode::kNone);
}

TEST(InProcessTest, NetworkLossBeforeOrAfterTheFake) {
  NetworkModel lossy = NetworkModel::Fixed(Ms(40), Ms(40));
  lossy.request_loss_ppb = ProbabilityToPpb(1.0);
  Harness before(Harness::Open(), lossy);
  before.Send(1, Create());
  before.Run();
  EXPECT_EQ(before.done[1].at_us, Ms(40));
  EXPECT_EQ(before.done[1].response.outcome, TransportOutcome::kConnectionReset);
  EXPECT_FALSE(before.done[1].response.injected);  // the network, not the fault plan
  EXPECT_EQ(before.fake.ledger().size(), 0u);
  EXPECT_EQ(before.transport.stats().requests_lost, 1u);

  lossy.request_loss_ppb = 0;
  lossy.response_loss_ppb = ProbabilityToPpb(1.0);
  Harness after(Harness::Open(), lossy);
  after.Send(1, Create());
  after.Run();
  EXPECT_EQ(after.done[1].at_us, Ms(80));
  EXPECT_EQ(after.done[1].response.outcome, TransportOutcome::kConnectionReset);
  EXPECT_EQ(after.fake.ledger().size(), 1u);
  EXPECT_EQ(after.transport.stats().responses_lost, 1u);
}

TEST(InProcessTest, LatencyDistributionsAreSeeded) {
  engine::Rng a(42), b(42);
  const LatencyDist uniform = LatencyDist::Uniform(Ms(10), Ms(20));
  const LatencyDist lognormal = LatencyDist::Lognormal(Ms(40), 0.5, Ms(100));
  std::vector<TimeUs> first;
  for (int i = 0; i < 1000; ++i) {
    const TimeUs u = uniform.Sample(a);
    EXPECT_EQ(u, uniform.Sample(b));
    EXPECT_GE(u, Ms(10));
    EXPECT_LE(u, Ms(20));
    const TimeUs l = lognormal.Sample(a);
    EXPECT_EQ(l, lognormal.Sample(b));
    EXPECT_GE(l, 0);
    EXPECT_LE(l, Ms(100));
    if (i < 3) {
      first.push_back(u);
      first.push_back(l);
    }
  }
  EXPECT_EQ(first, (std::vector<TimeUs>{10838, 32499, 19247, 48454, 17193, 42881}));
  EXPECT_EQ(LatencyDist::Fixed(Ms(7)).Sample(a), Ms(7));
}

TEST(InProcessTest, RetryAfterIsTracedAsTheClientGetsIt) {
  Harness h;
  FaultRule r;
  r.action = FaultAction::kRespond;
  r.status = 429;
  r.retry_after_s = 3;
  r.max_fires = 1;
  ASSERT_TRUE(h.fake.faults().Add(r).ok());
  FaultRule date = r;
  date.id = 0;
  date.retry_after_form = RetryAfterForm::kHttpDate;
  ASSERT_TRUE(h.fake.faults().Add(date).ok());
  h.trace.Record(100);
  engine::Request me;
  me.operation = Operation::kUsersMe;
  me.op_id = 5;
  h.Send(1, me);
  h.Run();
  h.loop.RunUntil(Ms(1500));
  me.op_id = 6;
  h.Send(2, me);
  h.Run();
  EXPECT_EQ(h.done[1].response.retry_after, "3");
  EXPECT_EQ(h.done[2].response.retry_after, "Thu, 01 Jan 2026 00:00:05 GMT");  // ceil(1.54) + 3
  std::vector<std::pair<std::int64_t, std::int64_t>> given;
  for (const engine::Event& e : h.trace.recorded()) {
    if (e.kind == engine::EventKind::kRetryAfterGiven) given.emplace_back(e.a, e.b);
  }
  EXPECT_EQ(given, (std::vector<std::pair<std::int64_t, std::int64_t>>{{Ms(80) + Sec(3), 0},
                                                                       {Sec(5), 1}}));
}

TEST(InProcessTest, PastMaxInFlightIsRefused) {
  Harness h(Harness::Open(), NetworkModel::Fixed(Ms(40), Ms(40)), 2);
  for (int i = 1; i <= 3; ++i) h.Send(i, Create(static_cast<std::uint64_t>(i)));
  EXPECT_EQ(h.calls.size(), 0u);  // completions run later, on the loop
  h.Run();
  EXPECT_EQ(h.done[3].response.outcome, TransportOutcome::kConnectionRefused);
  EXPECT_EQ(h.done[3].at_us, 0);
  EXPECT_EQ(h.done[1].response.status, 200);
  EXPECT_EQ(h.transport.stats().refused, 1u);
}

TEST(InProcessTest, SlotsAreReusedAcrossManyAttempts) {
  Harness h;
  for (int round = 0; round < 50; ++round) {
    for (int i = 0; i < 20; ++i)
      h.Send(round * 20 + i,
             Create(static_cast<std::uint64_t>(round) * 20 + static_cast<std::uint64_t>(i) + 1,
                    Ms(60)));
    h.Run();
  }
  EXPECT_EQ(h.calls.size(), 1000u);
  for (const auto& [id, n] : h.calls) EXPECT_EQ(n, 1) << id;
  EXPECT_EQ(h.transport.stats().timeouts, 1000u);  // 60 ms < 80 ms round trip
  EXPECT_EQ(h.fake.ledger().size(), 1000u);
}

// Whatever the plan and the timeouts, every attempt completes exactly once or is counted hung.
RC_GTEST_PROP(InProcessProperty, EveryCompletionRunsExactlyOnce, ()) {
  const auto seed = *rc::gen::inRange<std::uint64_t>(1, 1'000'000);
  const auto n = *rc::gen::inRange(1, 120);
  FakeConfig config = Harness::Open();
  const FaultAction actions[] = {FaultAction::kRespond,       FaultAction::kLoseAfterCommit,
                                 FaultAction::kCommitThen503, FaultAction::kDelay,
                                 FaultAction::kHang,          FaultAction::kStallBody,
                                 FaultAction::kReset,         FaultAction::kMalformedJson,
                                 FaultAction::kHtmlEdge};
  for (FaultAction a : actions) {
    FaultRule r;
    r.action = a;
    r.loss = *rc::gen::arbitrary<bool>() ? LossMode::kReset : LossMode::kTimeout;
    r.trigger.kind = TriggerKind::kProbability;
    r.trigger.probability_ppb = ProbabilityToPpb(0.08);
    r.delay = LatencyDist::Uniform(0, Sec(3));
    RC_ASSERT(config.faults.Add(r).ok());
  }
  NetworkModel net;
  net.request_latency = LatencyDist::Lognormal(Ms(30), 0.8, Sec(2));
  net.response_latency = LatencyDist::Uniform(Ms(1), Ms(90));
  net.request_loss_ppb = ProbabilityToPpb(0.02);
  net.response_loss_ppb = ProbabilityToPpb(0.02);
  Harness h(config, net);
  h.fake.faults().Reseed(engine::Rng(seed));
  engine::Rng pick(seed);
  for (int i = 0; i < n; ++i) {
    const TimeUs timeout =
        pick.Chance(1, 4) ? 0 : static_cast<TimeUs>(pick.UniformInt(Ms(10), Sec(4)));
    h.loop.ScheduleAt(static_cast<TimeUs>(pick.Below(Sec(5))), [&h, i, timeout] {
      h.Send(i, Create(static_cast<std::uint64_t>(i) + 1, timeout));
    });
  }
  h.Run();
  std::size_t completed = 0;
  for (const auto& [id, calls] : h.calls) {
    RC_ASSERT(calls == 1);
    ++completed;
  }
  RC_ASSERT(completed + h.transport.hung() == static_cast<std::size_t>(n));
  RC_ASSERT(h.transport.in_flight() == h.transport.hung());
  RC_ASSERT(h.loop.Pending() == 0u);
}

}  // namespace
}  // namespace notion_sim::sim
