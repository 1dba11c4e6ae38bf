// The resilience stack per call: a logical operation through the whole pipeline of a profile,
// against a trivial in-process transport that answers on the loop at once. Reports calls per
// second (items_per_second). Arg 0: every call succeeds; arg 20: one attempt in five gets a 503.
// Then each policy's hot path alone (classify, retry decision, Retry-After parsing, breaker,
// bulkhead, limiter, idempotency key, fallback cache) with the `recommended` settings.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "notion_sim/engine/retry_after.h"
#include "notion_sim/engine/rng.h"
#include "notion_sim/engine/sim_loop.h"
#include "notion_sim/policies/bulkhead.h"
#include "notion_sim/policies/circuit_breaker.h"
#include "notion_sim/policies/classify.h"
#include "notion_sim/policies/fallback_cache.h"
#include "notion_sim/policies/idempotency.h"
#include "notion_sim/policies/profiles.h"
#include "notion_sim/policies/rate_limiter.h"
#include "notion_sim/policies/retry.h"
#include "notion_sim/policies/retry_budget.h"
#include "notion_sim/policies/stack_config.h"

namespace notion_sim::policies {
namespace {

class TrivialTransport final : public engine::Transport {
 public:
  TrivialTransport(engine::Loop& loop, std::uint64_t fail_percent)
      : loop_(loop), fail_percent_(fail_percent), rng_(7) {}
  void Send(const engine::Request& request, engine::Completion done) override {
    engine::Response r;
    r.status = 200;
    if (request.reconcile_lookup) {
      r.found = false;
    } else if (rng_.Below(100) < fail_percent_) {
      r.status = 503;
      r.code = engine::ApiCode::kServiceUnavailable;
    }
    loop_.ScheduleAfter(0, [done = std::move(done), r]() mutable { done(std::move(r)); });
  }

 private:
  engine::Loop& loop_;
  std::uint64_t fail_percent_;
  engine::Rng rng_;
};

void RunProfile(benchmark::State& state, const std::string& profile, engine::Operation operation) {
  Result<StackConfig> config = ProfileConfig(profile);
  if (!config.ok()) {
    state.SkipWithError(config.error().message.c_str());
    return;
  }
  engine::SimLoop loop;
  engine::Trace trace;
  TrivialTransport transport(loop, static_cast<std::uint64_t>(state.range(0)));
  std::unique_ptr<engine::Client> client =
      BuildStack(config.value(), loop, trace, transport, engine::Rng(1));
  std::uint64_t id = 0;
  std::int64_t finished = 0;
  for (auto _ : state) {
    engine::LogicalOp op;
    op.op_id = ++id;
    op.operation = operation;
    op.target = engine::ObjectId{1, id};
    op.parent = engine::ObjectId{2, 2};
    op.arrival_us = loop.NowUs();
    client->Execute(op, [&finished](engine::OpResult) { ++finished; });
    loop.RunUntilIdle(kTimeNever);
  }
  if (finished != static_cast<std::int64_t>(id)) state.SkipWithError("an operation did not end");
  state.SetItemsProcessed(finished);
  state.counters["events_per_call"] =
      benchmark::Counter(static_cast<double>(trace.Count()) / static_cast<double>(id + (id == 0)));
}

void BM_PassThrough(benchmark::State& state) {
  RunProfile(state, "pass_through", engine::Operation::kRetrievePage);
}
void BM_NotionSdkV5(benchmark::State& state) {
  RunProfile(state, "notionhq-client-v5", engine::Operation::kRetrievePage);
}
void BM_Opossum(benchmark::State& state) {
  RunProfile(state, "opossum", engine::Operation::kRetrievePage);
}
void BM_Recommended(benchmark::State& state) {
  RunProfile(state, "recommended", engine::Operation::kRetrievePage);
}
// Creates hash an idempotency key (SHA-256 of the canonical JSON) and may reconcile.
void BM_RecommendedCreate(benchmark::State& state) {
  RunProfile(state, "recommended", engine::Operation::kCreatePage);
}

// --- each policy's hot path alone, with the `recommended` profile's settings -----------------

StackConfig Recommended() { return ProfileConfig("recommended").value(); }

engine::Response Unavailable() {
  engine::Response r;
  r.status = 503;
  r.code = engine::ApiCode::kServiceUnavailable;
  return r;
}

void BM_Classify(benchmark::State& state) {
  const engine::Response r = Unavailable();
  for (auto _ : state) benchmark::DoNotOptimize(Classify(r));
  state.SetItemsProcessed(state.iterations());
}

// One retry decision after a 503 on a GET (backoff with jitter, budget).
void BM_RetryDecide(benchmark::State& state) {
  const StackConfig c = Recommended();
  RetryBudget budget(c.budget);
  RetryPolicy retry(c.retry, engine::Rng(1), &budget);
  const engine::Response r = Unavailable();
  TimeUs now = 0;
  for (auto _ : state) {
    RetryState s;
    s.attempts = 1;
    s.started_us = now;
    benchmark::DoNotOptimize(
        retry.Decide(r, engine::Method::kGet, WriteProtection::kProtected, s, now).decision);
    retry.OnSuccess(s);
    now += Ms(10);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_RetryAfterSeconds(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(engine::ParseRetryAfter("20", RetryAfterMode::kStrict,
                                                     kDefaultEpochUnixS * kUsPerSec + Sec(5))
                                 .delay_us);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_RetryAfterHttpDate(benchmark::State& state) {
  const std::string date = engine::FormatHttpDate(kDefaultEpochUnixS + 25);
  for (auto _ : state) {
    benchmark::DoNotOptimize(engine::ParseRetryAfter(date, RetryAfterMode::kStrict,
                                                     kDefaultEpochUnixS * kUsPerSec + Sec(5))
                                 .delay_us);
  }
  state.SetItemsProcessed(state.iterations());
}

// Permit, then a success, on a closed breaker.
void BM_BreakerPermitAndResult(benchmark::State& state) {
  const StackConfig c = Recommended();
  engine::SimLoop loop;
  CircuitBreaker breaker(loop, nullptr, 0, c.breaker);
  std::uint64_t id = 0;
  for (auto _ : state) {
    const BreakerPermit permit = breaker.TryAcquire(++id, 1);
    breaker.OnResult(permit, CallOutcome::kSuccess, Ms(100));
    loop.RunUntil(loop.NowUs() + Ms(1));
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_BulkheadAcquireRelease(benchmark::State& state) {
  const StackConfig c = Recommended();
  Bulkhead bulkhead(c.bulkhead);
  std::uint64_t ticket = 0;
  for (auto _ : state) {
    ++ticket;
    benchmark::DoNotOptimize(bulkhead.Acquire(engine::Lane::kNormal, ticket, 0));
    benchmark::DoNotOptimize(bulkhead.Release(engine::Lane::kNormal, ticket, 0));
  }
  state.SetItemsProcessed(state.iterations());
}

// The adaptive token bucket, asked once per simulated second (always admits).
void BM_LimiterAcquire(benchmark::State& state) {
  const StackConfig c = Recommended();
  RateLimiter limiter(c.limiter);
  TimeUs now = 0;
  for (auto _ : state) {
    now += Sec(1);
    benchmark::DoNotOptimize(limiter.Acquire(now).decision);
    limiter.OnResponse(ErrorClass::kSuccess, now);
  }
  state.SetItemsProcessed(state.iterations());
}

// SHA-256 of a create's canonical JSON (every protected create computes one).
void BM_IdempotencyKey(benchmark::State& state) {
  engine::LogicalOp op;
  op.operation = engine::Operation::kCreatePage;
  op.parent = engine::ObjectId{2, 2};
  op.payload = std::make_shared<const nlohmann::json>(nlohmann::json::parse(
      R"({"properties":{"Name":{"title":[{"text":{"content":"Benchmark page"}}]}}})"));
  for (auto _ : state) {
    ++op.op_id;
    benchmark::DoNotOptimize(IdempotencyKeyFor(op));
  }
  state.SetItemsProcessed(state.iterations());
}

// A success stored, then looked up, over 1,000 keys.
void BM_FallbackPutLookup(benchmark::State& state) {
  const StackConfig c = Recommended();
  FallbackCache cache(c.fallback);
  engine::Response r;
  r.status = 200;
  std::uint64_t i = 0;
  for (auto _ : state) {
    const std::uint64_t key = engine::Mix64(++i % 1000);
    cache.Put(key, r, static_cast<TimeUs>(i));
    benchmark::DoNotOptimize(cache.Lookup(key, static_cast<TimeUs>(i)));
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_Classify);
BENCHMARK(BM_RetryDecide);
BENCHMARK(BM_RetryAfterSeconds);
BENCHMARK(BM_RetryAfterHttpDate);
BENCHMARK(BM_BreakerPermitAndResult);
BENCHMARK(BM_BulkheadAcquireRelease);
BENCHMARK(BM_LimiterAcquire);
BENCHMARK(BM_IdempotencyKey);
BENCHMARK(BM_FallbackPutLookup);

BENCHMARK(BM_PassThrough)->Arg(0);
BENCHMARK(BM_NotionSdkV5)->Arg(0)->Arg(20);
BENCHMARK(BM_Opossum)->Arg(0);
BENCHMARK(BM_Recommended)->Arg(0)->Arg(20);
BENCHMARK(BM_RecommendedCreate)->Arg(0)->Arg(20);

}  // namespace
}  // namespace notion_sim::policies

BENCHMARK_MAIN();
