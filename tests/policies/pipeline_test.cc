// The pipeline against a scripted transport: exact times from a SimLoop, exact delays from
// Retry-After headers or from the same Rng fork the pipeline uses.
#include "notion_sim/policies/pipeline.h"

#include <gtest/gtest.h>

#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <deque>
#include <map>
#include <set>
#include <vector>

#include "notion_sim/engine/sim_loop.h"
#include "notion_sim/policies/idempotency.h"
#include "notion_sim/policies/profiles.h"
#include "responses.h"

namespace notion_sim::policies {
namespace {

using engine::ApiCode;
using engine::EventKind;
using engine::LogicalOp;
using engine::Operation;
using engine::OpResult;
using engine::OpStatus;
using engine::Request;
using engine::Response;
using engine::TransportOutcome;

Response Lookup(bool found) {
  Response r = Http(200);
  r.found = found;
  if (found) r.object_id = engine::ObjectId{7, 7};
  return r;
}

// Answers each request with the next scripted response after `latency_us` (a timeout takes the
// request's timeout, as a real transport would); unscripted requests get a 200.
class ScriptedTransport final : public engine::Transport {
 public:
  struct Sent {
    TimeUs at_us;
    Request request;
  };
  explicit ScriptedTransport(engine::Loop& loop, TimeUs latency_us = Ms(100))
      : loop_(loop), latency_us_(latency_us) {}
  void Script(Response r) { script_.push_back(std::move(r)); }
  void Send(const Request& request, engine::Completion done) override {
    sent_.push_back({loop_.NowUs(), request});
    Response r = Http(200);
    if (!script_.empty()) {
      r = script_.front();
      script_.pop_front();
    }
    const TimeUs latency = r.outcome == TransportOutcome::kTimeout && request.timeout_us > 0
                               ? request.timeout_us
                               : latency_us_;
    loop_.ScheduleAfter(latency, [done = std::move(done), r]() mutable { done(std::move(r)); });
  }
  const std::vector<Sent>& sent() const { return sent_; }
  std::size_t Count(bool lookups) const {
    std::size_t n = 0;
    for (const Sent& s : sent_) n += s.request.reconcile_lookup == lookups ? 1 : 0;
    return n;
  }

 private:
  engine::Loop& loop_;
  TimeUs latency_us_;
  std::deque<Response> script_;
  std::vector<Sent> sent_;
};

StackConfig Profile(std::string_view name) {
  Result<StackConfig> c = ProfileConfig(name);
  EXPECT_TRUE(c.ok());
  return c.value();
}

LogicalOp Op(std::uint64_t id, Operation operation, std::uint16_t tenant = 0) {
  LogicalOp op;
  op.op_id = id;
  op.operation = operation;
  op.tenant = tenant;
  op.target = engine::ObjectId{1, id};
  if (engine::IsCreate(operation)) op.parent = engine::ObjectId{9, 9};
  return op;
}

struct Harness {
  explicit Harness(const StackConfig& config, std::uint64_t seed = 1)
      : transport(loop), pipeline(config, loop, trace, transport, engine::Rng(seed)) {
    trace.Record(10'000);
  }
  // Runs one op to its end; returns its result.
  OpResult Run(const LogicalOp& op) {
    std::optional<OpResult> got;
    int calls = 0;
    pipeline.Execute(op, [&](OpResult r) {
      ++calls;
      got = std::move(r);
    });
    loop.RunUntilIdle(Min(60));
    EXPECT_EQ(calls, 1);
    return got.value_or(OpResult{});
  }
  std::vector<engine::Event> Events(EventKind kind) const {
    std::vector<engine::Event> out;
    for (const engine::Event& e : trace.recorded()) {
      if (e.kind == kind) out.push_back(e);
    }
    return out;
  }
  engine::SimLoop loop;
  engine::Trace trace;
  ScriptedTransport transport;
  Pipeline pipeline;
};

// ---- notionhq-client-v5 ----

TEST(PipelineSdk, RateLimitedPostIsRetriedAfterItsRetryAfter) {
  Harness h(Profile("notionhq-client-v5"));
  h.transport.Script(Http(429, ApiCode::kRateLimited, "2"));
  const OpResult r = h.Run(Op(1, Operation::kCreatePage));
  EXPECT_EQ(r.status, OpStatus::kSucceeded);
  EXPECT_EQ(r.attempts, 2u);
  ASSERT_EQ(h.transport.sent().size(), 2u);
  EXPECT_EQ(h.transport.sent()[0].at_us, 0);
  EXPECT_EQ(h.transport.sent()[1].at_us, Ms(100) + Sec(2));
  EXPECT_EQ(h.transport.sent()[1].request.attempt, 2u);
  const auto honored = h.Events(EventKind::kRetryAfterHonored);
  ASSERT_EQ(honored.size(), 1u);
  EXPECT_EQ(honored[0].a, Sec(2));
}

TEST(PipelineSdk, BackoffIsTheSdkBandDrawnFromTheStackFork) {
  const std::uint64_t seed = 99;
  Harness h(Profile("notionhq-client-v5"), seed);
  h.transport.Script(Http(503, ApiCode::kServiceUnavailable));
  h.transport.Script(Http(500, ApiCode::kInternalServerError));
  const OpResult r = h.Run(Op(1, Operation::kRetrievePage));
  EXPECT_EQ(r.status, OpStatus::kSucceeded);
  EXPECT_EQ(r.attempts, 3u);
  // The same draws the pipeline makes: Rng(seed) -> "retry" -> "backoff".
  engine::Rng draws = engine::Rng(seed).Fork("retry").Fork("backoff");
  const BackoffConfig band{BackoffKind::kSdkBand, Ms(1000), Ms(60000), 2.0};
  const TimeUs d1 = BackoffDelay(band, 0, 0, draws.NextDouble());
  const TimeUs d2 = BackoffDelay(band, 1, 0, draws.NextDouble());
  EXPECT_GE(d1, Ms(500));
  EXPECT_LT(d1, Ms(1500));
  EXPECT_GE(d2, Ms(1000));
  EXPECT_LT(d2, Ms(3000));
  ASSERT_EQ(h.transport.sent().size(), 3u);
  EXPECT_EQ(h.transport.sent()[1].at_us, Ms(100) + d1);
  EXPECT_EQ(h.transport.sent()[2].at_us, Ms(200) + d1 + d2);
  const auto scheduled = h.Events(EventKind::kRetryScheduled);
  ASSERT_EQ(scheduled.size(), 2u);
  EXPECT_EQ(scheduled[0].a, d1);
  EXPECT_EQ(scheduled[0].b, static_cast<std::int64_t>(ErrorClass::kTransient));
}

TEST(PipelineSdk, ServerErrorOnPostIsNotRetried) {
  Harness h(Profile("notionhq-client-v5"));
  h.transport.Script(Http(500, ApiCode::kInternalServerError));
  const OpResult r = h.Run(Op(1, Operation::kCreatePage));
  EXPECT_EQ(r.status, OpStatus::kFailed);
  EXPECT_EQ(r.attempts, 1u);
  EXPECT_EQ(r.last.status, 500);
  const auto gave_up = h.Events(EventKind::kRetryGaveUp);
  ASSERT_EQ(gave_up.size(), 1u);
  EXPECT_EQ(gave_up[0].a, static_cast<std::int64_t>(RetryDecision::kUnsafeWrite));
}

TEST(PipelineSdk, ServerErrorOnGetIsRetriedUpToTwice) {
  Harness h(Profile("notionhq-client-v5"));
  for (int i = 0; i < 5; ++i) h.transport.Script(Http(500, ApiCode::kInternalServerError));
  const OpResult r = h.Run(Op(1, Operation::kRetrievePage));
  EXPECT_EQ(r.status, OpStatus::kFailed);
  EXPECT_EQ(r.attempts, 3u);
  const auto gave_up = h.Events(EventKind::kRetryGaveUp);
  ASSERT_EQ(gave_up.size(), 1u);
  EXPECT_EQ(gave_up[0].a, static_cast<std::int64_t>(RetryDecision::kAttemptsExhausted));
  EXPECT_EQ(gave_up[0].b, 3);
}

TEST(PipelineSdk, CodesOutsideTheSdkEnumAreNeverRetried) {
  for (const Response& answer :
       {Http(502, ApiCode::kBadGateway), Http(503, ApiCode::kDatabaseConnectionUnavailable),
        Http(504, ApiCode::kGatewayTimeout), Http(400, ApiCode::kMissingVersion),
        NoAnswer(TransportOutcome::kConnectionReset)}) {
    Harness h(Profile("notionhq-client-v5"));
    h.transport.Script(answer);
    const OpResult r = h.Run(Op(1, Operation::kRetrievePage));
    EXPECT_EQ(r.status, OpStatus::kFailed);
    EXPECT_EQ(r.attempts, 1u) << answer.status;
  }
  Harness html(Profile("notionhq-client-v5"));
  Response edge = Http(502);
  edge.edge_error = true;
  edge.code_known_to_sdk = false;
  html.transport.Script(edge);
  EXPECT_EQ(html.Run(Op(1, Operation::kRetrievePage)).attempts, 1u);
}

TEST(PipelineSdk, RetryAfterQuirks) {
  struct Case {
    const char* header;
    TimeUs delay_us;
  };
  for (const Case& c : {Case{"0.9", 0}, Case{"-5", 0}, Case{"300", Sec(60)}, Case{"1.5", Sec(1)},
                        Case{"10abc", Sec(10)}}) {
    Harness h(Profile("notionhq-client-v5"));
    h.transport.Script(Http(429, ApiCode::kRateLimited, c.header));
    const OpResult r = h.Run(Op(1, Operation::kCreatePage));
    EXPECT_EQ(r.status, OpStatus::kSucceeded) << c.header;
    ASSERT_EQ(h.transport.sent().size(), 2u) << c.header;
    EXPECT_EQ(h.transport.sent()[1].at_us - Ms(100), c.delay_us) << c.header;
  }
}

TEST(PipelineSdk, TimeoutIsSixtySecondsAndNotRetried) {
  Harness h(Profile("notionhq-client-v5"));
  h.transport.Script(NoAnswer(TransportOutcome::kTimeout));
  const OpResult r = h.Run(Op(1, Operation::kRetrievePage));
  EXPECT_EQ(r.status, OpStatus::kFailed);
  EXPECT_EQ(r.attempts, 1u);
  EXPECT_EQ(h.transport.sent()[0].request.timeout_us, Sec(60));
  EXPECT_EQ(h.transport.sent()[0].request.connect_timeout_us, 0);
  const auto fired = h.Events(EventKind::kTimeoutFired);
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].at_us, Sec(60));
  EXPECT_EQ(fired[0].b, Sec(60));
  const auto sent = h.Events(EventKind::kAttemptSent);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].a, static_cast<std::int64_t>(Operation::kRetrievePage));
  EXPECT_EQ(sent[0].b, Sec(60));
}

// ---- Reconcile-before-retry ----

StackConfig ReconcilingStack() {
  StackConfig c = Profile("recommended");
  c.retry.backoff = BackoffConfig{BackoffKind::kFixed, Sec(1), Sec(1), 1.0};
  c.retry.retry_after_jitter_us = 0;
  return c;
}

TEST(PipelineReconcile, LostCreateFoundByTheLookupIsCreatedOnce) {
  Harness h(ReconcilingStack());
  h.transport.Script(
      NoAnswer(TransportOutcome::kTimeout));  // the create committed, its answer lost
  h.transport.Script(Lookup(true));
  const LogicalOp op = Op(1, Operation::kCreatePage);
  const OpResult r = h.Run(op);
  EXPECT_EQ(r.status, OpStatus::kSucceeded);
  EXPECT_EQ(r.attempts, 1u);
  EXPECT_TRUE(r.last.found);
  EXPECT_EQ(h.transport.Count(false), 1u);  // exactly one create
  EXPECT_EQ(h.transport.Count(true), 1u);
  const Request& lookup = h.transport.sent()[1].request;
  EXPECT_EQ(lookup.operation, Operation::kQueryDataSource);
  EXPECT_EQ(lookup.target, op.parent);
  ASSERT_TRUE(lookup.idempotency_key.has_value());
  EXPECT_EQ(*lookup.idempotency_key, IdempotencyKeyFor(op));
  EXPECT_EQ(h.transport.sent()[0].request.idempotency_key, lookup.idempotency_key);
  // The create timed out at 30 s; the lookup went after the 1 s retry delay.
  EXPECT_EQ(h.transport.sent()[1].at_us, Sec(31));
  const auto found = h.Events(EventKind::kReconcileLookup);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].a, 1);
  // The retry paid for the lookup (14 tokens, a timeout) and is refunded: the create succeeded.
  EXPECT_EQ(h.pipeline.budget().tokens_milli(), 500'000);
  EXPECT_EQ(h.Events(EventKind::kReconcileSent).size(), 1u);
}

TEST(PipelineReconcile, NotFoundCreatesAgain) {
  Harness h(ReconcilingStack());
  h.transport.Script(Http(503, ApiCode::kServiceUnavailable));
  h.transport.Script(Lookup(false));
  const OpResult r = h.Run(Op(1, Operation::kCreatePage));
  EXPECT_EQ(r.status, OpStatus::kSucceeded);
  EXPECT_EQ(r.attempts, 2u);
  ASSERT_EQ(h.transport.sent().size(), 3u);
  EXPECT_FALSE(h.transport.sent()[0].request.reconcile_lookup);
  EXPECT_TRUE(h.transport.sent()[1].request.reconcile_lookup);
  EXPECT_FALSE(h.transport.sent()[2].request.reconcile_lookup);
  EXPECT_EQ(h.transport.sent()[1].at_us, Ms(1100));
  EXPECT_EQ(h.transport.sent()[2].at_us, Ms(1200));  // straight after the answer
}

TEST(PipelineReconcile, RateLimitedCreateNeedsNoLookup) {
  Harness h(ReconcilingStack());
  h.transport.Script(Http(429, ApiCode::kRateLimited, "3"));
  const OpResult r = h.Run(Op(1, Operation::kCreatePage));
  EXPECT_EQ(r.status, OpStatus::kSucceeded);
  EXPECT_EQ(h.transport.Count(true), 0u);  // a 429 was not applied
  EXPECT_EQ(h.transport.sent()[1].at_us, Ms(100) + Sec(3));
}

TEST(PipelineReconcile, WithoutReconcileALostPostIsNotRetried) {
  StackConfig c = ReconcilingStack();
  c.reconcile = Reconcile::kOff;
  c.dlq_enabled = false;
  Harness h(c);
  h.transport.Script(NoAnswer(TransportOutcome::kConnectionReset));
  const OpResult r = h.Run(Op(1, Operation::kCreatePage));
  EXPECT_EQ(r.status, OpStatus::kFailed);
  EXPECT_EQ(r.attempts, 1u);
  EXPECT_FALSE(h.transport.sent()[0].request.idempotency_key.has_value());
}

// ---- Edge: fallback and DLQ ----

TEST(PipelineEdge, FailedReadIsServedFromTheFallbackCache) {
  StackConfig c = ReconcilingStack();
  c.retry.max_attempts = 2;
  Harness h(c);
  const LogicalOp read = Op(1, Operation::kRetrievePage);
  Response good = Http(200);
  good.object_id = engine::ObjectId{5, 5};
  h.transport.Script(good);
  EXPECT_EQ(h.Run(read).status, OpStatus::kSucceeded);
  h.transport.Script(Http(503, ApiCode::kServiceUnavailable));
  h.transport.Script(Http(503, ApiCode::kServiceUnavailable));
  LogicalOp again = read;
  again.op_id = 2;
  const OpResult r = h.Run(again);
  EXPECT_EQ(r.status, OpStatus::kServedFallback);
  EXPECT_EQ(r.last.object_id, (engine::ObjectId{5, 5}));
  EXPECT_EQ(r.attempts, 2u);
  EXPECT_EQ(h.Events(EventKind::kFallbackServed).size(), 1u);
  // A 404 is an answer, not an outage: no fallback.
  h.transport.Script(Http(404, ApiCode::kObjectNotFound));
  again.op_id = 3;
  EXPECT_EQ(h.Run(again).status, OpStatus::kFailed);
}

TEST(PipelineEdge, FailedWriteIsDeadLetteredAndReplayedOnFinish) {
  StackConfig c = ReconcilingStack();
  c.retry.max_attempts = 2;
  Harness h(c);
  h.transport.Script(Http(429, ApiCode::kRateLimited, "1"));
  h.transport.Script(Http(429, ApiCode::kRateLimited, "1"));
  std::optional<OpResult> r;
  h.pipeline.Execute(Op(1, Operation::kUpdatePage), [&](OpResult got) { r = got; });
  h.loop.RunUntil(Sec(10));  // before the DLQ's first scheduled reprocess (1 min)
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, OpStatus::kDeadLettered);
  EXPECT_EQ(r->attempts, 2u);
  ASSERT_NE(h.pipeline.dlq(), nullptr);
  EXPECT_EQ(h.pipeline.dlq()->Depth(), 1u);
  const std::size_t before = h.transport.sent().size();
  h.pipeline.Finish();
  h.loop.RunUntilIdle(Min(120));
  EXPECT_EQ(h.transport.sent().size(), before + 1);
  EXPECT_EQ(h.pipeline.dlq()->Depth(), 0u);
  EXPECT_EQ(h.trace.CountOf(EventKind::kDlqDrained), 1u);
  EXPECT_EQ(h.pipeline.InFlight(), 0u);
  EXPECT_EQ(h.loop.Pending(), 0u);  // the DLQ stopped its timers
}

TEST(PipelineEdge, AmbiguousUnprotectedWriteIsSurfacedNotParked) {
  // A PATCH update that is not declared idempotent: its lost response may have been applied.
  StackConfig plain = ReconcilingStack();
  plain.updates_idempotent = false;
  Harness p(plain);
  p.transport.Script(NoAnswer(TransportOutcome::kTimeout));
  const OpResult u = p.Run(Op(2, Operation::kUpdatePage));
  EXPECT_EQ(u.status, OpStatus::kFailed);
  EXPECT_EQ(u.attempts, 1u);
  EXPECT_EQ(p.pipeline.dlq()->Depth(), 0u);
  plain.ambiguous_writes = AmbiguousWrites::kDeadLetter;
  Harness q(plain);
  q.transport.Script(NoAnswer(TransportOutcome::kTimeout));
  EXPECT_EQ(q.Run(Op(3, Operation::kUpdatePage)).status, OpStatus::kDeadLettered);
}

// ---- Gates ----

TEST(PipelineGates, OpenBreakerRejectsWithoutSending) {
  StackConfig c = Profile("opossum");  // volume 0: the first failure opens it
  Harness h(c);
  h.transport.Script(Http(503, ApiCode::kServiceUnavailable));
  std::map<std::uint64_t, OpResult> results;
  h.pipeline.Execute(Op(1, Operation::kRetrievePage), [&](OpResult r) { results[1] = r; });
  h.loop.ScheduleAt(Sec(1), [&] {
    h.pipeline.Execute(Op(2, Operation::kRetrievePage), [&](OpResult r) { results[2] = r; });
  });
  h.loop.RunUntil(Sec(2));  // opossum half-opens by timer after resetTimeout (30 s)
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[1].status, OpStatus::kFailed);
  EXPECT_EQ(results[2].status, OpStatus::kFailed);
  EXPECT_EQ(results[2].attempts, 0u);
  EXPECT_EQ(h.transport.sent().size(), 1u);
  EXPECT_EQ(h.trace.CountOf(EventKind::kBreakerRejected), 1u);
  EXPECT_EQ(h.pipeline.breakers()->For(0).State(), BreakerState::kOpen);
}

TEST(PipelineGates, LimiterSpacesAttemptsOfOneTenant) {
  StackConfig c = ReconcilingStack();
  c.limiter = RateLimiterConfig{};
  c.limiter.kind = LimiterKind::kTokenBucket;
  c.limiter.rate_per_s = 2;
  c.limiter.burst = 1;
  c.limiter.scope = LimiterScope::kPerTenant;
  Harness h(c);
  int done = 0;
  for (std::uint64_t id = 1; id <= 3; ++id) {
    h.pipeline.Execute(Op(id, Operation::kRetrievePage), [&](OpResult) { ++done; });
  }
  h.pipeline.Execute(Op(4, Operation::kRetrievePage, /*tenant=*/1), [&](OpResult) { ++done; });
  h.loop.RunUntilIdle(Min(1));
  EXPECT_EQ(done, 4);
  ASSERT_EQ(h.transport.sent().size(), 4u);
  EXPECT_EQ(h.transport.sent()[0].at_us, 0);
  EXPECT_EQ(h.transport.sent()[1].at_us, 0);  // tenant 1 has its own budget
  EXPECT_EQ(h.transport.sent()[1].request.tenant, 1);
  EXPECT_EQ(h.transport.sent()[2].at_us, Ms(500));
  EXPECT_EQ(h.transport.sent()[3].at_us, Ms(1000));
}

TEST(PipelineGates, StrictRetryAfterPausesTheTenant) {
  StackConfig c = ReconcilingStack();
  c.limiter = RateLimiterConfig{};  // the AIMD limiter would slow op 1's retry after the 429
  Harness h(c);
  h.transport.Script(Http(429, ApiCode::kRateLimited, "5"));
  int done = 0;
  h.pipeline.Execute(Op(1, Operation::kRetrievePage), [&](OpResult) { ++done; });
  h.loop.RunUntil(Ms(200));
  EXPECT_EQ(h.pipeline.PausedUntil(0), Ms(5100));
  h.pipeline.Execute(Op(2, Operation::kRetrievePage), [&](OpResult) { ++done; });
  h.loop.RunUntilIdle(Min(1));
  EXPECT_EQ(done, 2);
  ASSERT_EQ(h.transport.sent().size(), 3u);
  EXPECT_EQ(h.transport.sent()[1].at_us, Ms(5100));  // op 2 waited for the pause
  EXPECT_EQ(h.transport.sent()[2].at_us, Ms(5100));  // op 1's retry
}

TEST(PipelineGates, BulkheadLaneBoundsConcurrency) {
  StackConfig c = ReconcilingStack();
  c.bulkhead.lanes[2] = LaneLimits{2, 1};
  c.limiter.kind = LimiterKind::kNone;
  c.limiter.adapt = LimiterAdapt::kNone;
  Harness h(c);
  std::map<std::uint64_t, OpStatus> status;
  for (std::uint64_t id = 1; id <= 4; ++id) {
    LogicalOp op = Op(id, Operation::kRetrievePage);
    op.lane = engine::Lane::kBulk;
    h.pipeline.Execute(op, [&, id](OpResult r) { status[id] = r.status; });
  }
  h.loop.RunUntilIdle(Min(1));
  ASSERT_EQ(status.size(), 4u);
  EXPECT_EQ(status[4], OpStatus::kFailed);  // the queue holds one
  ASSERT_EQ(h.transport.sent().size(), 3u);
  EXPECT_EQ(h.transport.sent()[2].at_us, Ms(100));  // op 3 waited for a slot
  EXPECT_EQ(h.transport.sent()[2].request.op_id, 3u);
}

TEST(PipelineGates, ARejectedOperationEndsLaterNotInsideExecute) {
  StackConfig c = Profile("opossum");
  c.breaker.volume_threshold = 0;
  Harness h(c);
  h.pipeline.breakers()->For(0).ForceOpen();
  bool ended = false;
  h.pipeline.Execute(Op(1, Operation::kRetrievePage), [&](OpResult r) {
    ended = true;
    EXPECT_EQ(r.status, OpStatus::kFailed);
  });
  EXPECT_FALSE(ended);  // the Client contract: `done` runs later, on the loop
  h.loop.RunUntil(Sec(1));
  EXPECT_TRUE(ended);
}

TEST(PipelineEdge, ADrainOfManyEntriesRejectedAtAGateDoesNotRecurse) {
  StackConfig c = ReconcilingStack();
  c.retry.max_attempts = 1;
  c.breaker_enabled = false;
  c.bulkhead.enabled = false;
  c.limiter = RateLimiterConfig{};
  c.limiter.kind = LimiterKind::kTokenBucket;
  c.limiter.rate_per_s = 0.001;  // one request, then every other is refused at once
  c.limiter.burst = 1;
  c.limiter.max_wait_us = 0;
  Harness h(c);
  h.transport.Script(Http(429, ApiCode::kRateLimited));
  const int n = 20'000;
  int parked = 0;
  for (int i = 1; i <= n; ++i) {
    h.pipeline.Execute(Op(static_cast<std::uint64_t>(i), Operation::kUpdatePage),
                       [&](OpResult r) { parked += r.status == OpStatus::kDeadLettered; });
  }
  h.loop.RunUntil(Sec(5));
  EXPECT_EQ(parked, n);
  EXPECT_EQ(h.transport.sent().size(), 1u);
  h.pipeline.Finish();
  h.loop.RunUntilIdle(Min(30));
  EXPECT_EQ(h.pipeline.dlq()->Depth(), static_cast<std::size_t>(n));
  EXPECT_EQ(h.pipeline.dlq()->totals().reprocesses, static_cast<std::uint64_t>(n));
  EXPECT_EQ(h.pipeline.InFlight(), 0u);
  EXPECT_EQ(h.loop.Pending(), 0u);
}

TEST(PipelineEdge, ReplaysWaitForTheBreakerToClose) {
  StackConfig c = ReconcilingStack();
  c.retry.max_attempts = 1;
  c.breaker.open_duration_multiplier = 1.0;
  Harness h(c);
  h.transport.Script(Http(429, ApiCode::kRateLimited));
  std::optional<OpResult> r;
  h.pipeline.Execute(Op(1, Operation::kUpdatePage), [&](OpResult got) { r = got; });
  h.loop.RunUntil(Sec(1));
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->status, OpStatus::kDeadLettered);
  CircuitBreaker& breaker = h.pipeline.breakers()->For(0);
  h.loop.ScheduleAt(Sec(50), [&] { breaker.ForceOpen(); });
  h.loop.ScheduleAt(Sec(200), [&] { breaker.Reset(); });
  h.loop.RunUntil(Sec(300));
  // The DLQ's first reprocess was due at 1 min 0.1 s; it waited for the reset at 200 s.
  EXPECT_EQ(h.pipeline.dlq()->Depth(), 0u);
  EXPECT_EQ(h.pipeline.dlq()->totals().reprocesses, 1u);
  ASSERT_EQ(h.transport.sent().size(), 2u);
  EXPECT_GE(h.transport.sent()[1].at_us, Sec(200));
  EXPECT_LT(h.transport.sent()[1].at_us, Sec(202));
}

// ---- Properties ----

// A server model: creates commit on arrival (or not), answers may be lost after the commit,
// lookups answer from what committed; random 429s carry Retry-After.
class ModelServer final : public engine::Transport {
 public:
  ModelServer(engine::Loop& loop, engine::Trace& trace, std::uint64_t seed)
      : loop_(loop), trace_(trace), rng_(seed) {}
  void Send(const Request& req, engine::Completion done) override {
    const TimeUs now = loop_.NowUs();
    auto& not_before = not_before_[req.op_id];
    if (now < not_before) early_ = true;
    ++requests_[req.op_id];
    Response r;
    const std::uint64_t pick = rng_.Below(10);
    if (req.reconcile_lookup) {
      r = Http(200);
      r.found = committed_.count(req.op_id) > 0;
    } else if (pick < 4) {
      r = Http(200);
      if (engine::IsCreate(req.operation)) ++creates_[req.op_id], committed_.insert(req.op_id);
    } else if (pick == 4) {
      const auto s = static_cast<std::int64_t>(rng_.Below(4));
      r = Http(429, ApiCode::kRateLimited, std::to_string(s));
      not_before = now + Ms(50) + Sec(s);
    } else if (pick == 5) {
      r = Http(503, ApiCode::kServiceUnavailable);
      if (engine::IsCreate(req.operation) && rng_.Below(2) == 0) {
        ++creates_[req.op_id], committed_.insert(req.op_id);
      }
    } else if (pick == 6) {
      r = NoAnswer(TransportOutcome::kTimeout);
      if (engine::IsCreate(req.operation)) ++creates_[req.op_id], committed_.insert(req.op_id);
    } else if (pick == 7) {
      r = NoAnswer(TransportOutcome::kConnectionReset);
    } else if (pick == 8) {
      r = Http(400, ApiCode::kValidationError);
    } else {
      r = Http(502, ApiCode::kBadGateway);
    }
    const TimeUs latency = r.outcome == TransportOutcome::kTimeout && req.timeout_us > 0
                               ? std::min(req.timeout_us, Sec(2))
                               : Ms(50);
    (void)trace_;
    loop_.ScheduleAfter(latency, [done = std::move(done), r]() mutable { done(std::move(r)); });
  }
  std::map<std::uint64_t, int> creates_;
  std::map<std::uint64_t, int> requests_;
  bool early_ = false;

 private:
  engine::Loop& loop_;
  engine::Trace& trace_;
  engine::Rng rng_;
  std::set<std::uint64_t> committed_;
  std::map<std::uint64_t, TimeUs> not_before_;
};

RC_GTEST_PROP(PipelineProp, EveryOpEndsOnceWithinBoundsAndNoDuplicateCreates, ()) {
  const std::string profile =
      *rc::gen::element<std::string>("recommended", "notionhq-client-v5", "opossum", "resilience4j",
                                     "notion-reliability-patterns", "fixed-delay", "pass_through");
  Result<StackConfig> config = ProfileConfig(profile);
  RC_ASSERT(config.ok());
  StackConfig c = config.value();
  c.timeouts.enabled = true;  // the model never hangs, but keep timeouts realistic
  const auto seed = *rc::gen::arbitrary<std::uint32_t>();
  const int n = *rc::gen::inRange(1, 40);
  engine::SimLoop loop;
  engine::Trace trace;
  ModelServer server(loop, trace, seed);
  Pipeline pipeline(c, loop, trace, server, engine::Rng(seed));
  std::map<std::uint64_t, int> finished;
  std::map<std::uint64_t, std::uint32_t> attempts;
  engine::Rng arrivals(seed + 1);
  for (int i = 1; i <= n; ++i) {
    const auto id = static_cast<std::uint64_t>(i);
    const auto operation = *rc::gen::element(Operation::kCreatePage, Operation::kRetrievePage,
                                             Operation::kUpdatePage, Operation::kQueryDataSource);
    LogicalOp op = Op(id, operation, static_cast<std::uint16_t>(arrivals.Below(2)));
    loop.ScheduleAt(static_cast<TimeUs>(arrivals.Below(Sec(20))), [&, op] {
      pipeline.Execute(op, [&, id = op.op_id](OpResult r) {
        ++finished[id];
        attempts[id] = r.attempts;
      });
    });
  }
  loop.RunUntilIdle(kUsPerHour);
  pipeline.Finish();
  loop.RunUntilIdle(3 * kUsPerHour);
  RC_ASSERT(finished.size() == static_cast<std::size_t>(n));
  for (const auto& [id, count] : finished) {
    RC_ASSERT(count == 1);
    RC_ASSERT(attempts[id] <= c.retry.max_attempts);
  }
  if (c.reconcile == Reconcile::kLookupBeforeRetry) {
    for (const auto& [id, count] : server.creates_) RC_ASSERT(count <= 1);
  }
  if (c.retry.retry_after == RetryAfterMode::kStrict) RC_ASSERT(!server.early_);
}

}  // namespace
}  // namespace notion_sim::policies
