// SimLoop: schedule + run throughput. Target (issue 8): at least 10 million events per second.
#include <benchmark/benchmark.h>

#include <vector>

#include "notion_sim/engine/rng.h"
#include "notion_sim/engine/sim_loop.h"

namespace notion_sim::engine {
namespace {

// A steady population of `range(0)` pending timers; each event schedules its successor at a
// random later time, as retries, timeouts and arrivals do in a run.
void BM_SimLoopScheduleRun(benchmark::State& state) {
  const auto population = static_cast<int>(state.range(0));
  std::int64_t events = 0;
  for (auto _ : state) {
    SimLoop loop;
    Rng rng(1);
    std::uint64_t remaining = 1'000'000;
    struct Ctx {
      SimLoop* loop;
      Rng* rng;
      std::uint64_t* remaining;
    } ctx{&loop, &rng, &remaining};
    struct Tick {
      static void Run(Ctx* c) {
        if (*c->remaining == 0) return;
        --*c->remaining;
        c->loop->ScheduleAfter(static_cast<TimeUs>(c->rng->Below(1'000'000)), [c] { Run(c); });
      }
    };
    for (int i = 0; i < population; ++i) {
      loop.ScheduleAt(static_cast<TimeUs>(rng.Below(1'000'000)), [c = &ctx] { Tick::Run(c); });
    }
    loop.RunUntilIdle(kTimeNever);
    events += static_cast<std::int64_t>(loop.EventsRun());
  }
  state.SetItemsProcessed(events);  // items_per_second = events per second
}
BENCHMARK(BM_SimLoopScheduleRun)->Arg(16)->Arg(1024)->Arg(65536)->Unit(benchmark::kMillisecond);

// As above, with what a run does around each request: every event also arms a 30 s timeout and
// cancels its chain's previous one (the request was answered long before it was due), so each
// event is a schedule, a cancel and a run, and the timeouts never run.
void BM_SimLoopTimeoutCancel(benchmark::State& state) {
  const auto population = static_cast<std::uint32_t>(state.range(0));
  std::int64_t events = 0;
  for (auto _ : state) {
    SimLoop loop;
    Rng rng(1);
    std::uint64_t remaining = 1'000'000;
    std::vector<EventId> timeouts(population);
    struct Ctx {
      SimLoop* loop;
      Rng* rng;
      std::uint64_t* remaining;
      EventId* timeouts;
    } ctx{&loop, &rng, &remaining, timeouts.data()};
    struct Tick {
      static void Run(Ctx* c, std::uint32_t chain) {
        c->loop->Cancel(c->timeouts[chain]);
        if (*c->remaining == 0) return;
        --*c->remaining;
        c->timeouts[chain] = c->loop->ScheduleAfter(Sec(30), [] {});
        c->loop->ScheduleAfter(static_cast<TimeUs>(c->rng->Below(1'000'000)),
                               [c, chain] { Run(c, chain); });
      }
    };
    for (std::uint32_t i = 0; i < population; ++i) {
      loop.ScheduleAt(static_cast<TimeUs>(rng.Below(1'000'000)),
                      [c = &ctx, i] { Tick::Run(c, i); });
    }
    loop.RunUntilIdle(kTimeNever);
    events += static_cast<std::int64_t>(loop.EventsRun());
  }
  state.SetItemsProcessed(events);  // items_per_second = events per second
}
BENCHMARK(BM_SimLoopTimeoutCancel)->Arg(16)->Arg(1024)->Arg(65536)->Unit(benchmark::kMillisecond);

void BM_RngNext(benchmark::State& state) {
  Rng rng(1);
  for (auto _ : state) benchmark::DoNotOptimize(rng.NextU64());
}
BENCHMARK(BM_RngNext);

}  // namespace
}  // namespace notion_sim::engine

BENCHMARK_MAIN();
