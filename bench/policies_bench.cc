// The resilience stack per call: a logical operation through the whole pipeline of a profile,
// against a trivial in-process transport that answers on the loop at once. Reports calls per
// second (items_per_second). Arg 0: every call succeeds; arg 20: one attempt in five gets a 503.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "notion_sim/engine/rng.h"
#include "notion_sim/engine/sim_loop.h"
#include "notion_sim/policies/profiles.h"
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

BENCHMARK(BM_PassThrough)->Arg(0);
BENCHMARK(BM_NotionSdkV5)->Arg(0)->Arg(20);
BENCHMARK(BM_Opossum)->Arg(0);
BENCHMARK(BM_Recommended)->Arg(0)->Arg(20);
BENCHMARK(BM_RecommendedCreate)->Arg(0)->Arg(20);

}  // namespace
}  // namespace notion_sim::policies

BENCHMARK_MAIN();
