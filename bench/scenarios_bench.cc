// Macro benchmarks: whole scenarios end to end through scenarios::RunScenario (workload, the
// scenario's stack, the in-process fake, metrics, invariants), on one thread.
//
// Each run reports, as counters:
//   calls_per_s  API calls the fake received per wall-clock second (the issue 8 throughput figure)
//   ops_per_s    logical operations per wall-clock second
//   speedup      simulated time / wall time
//   calls, ops   per run
//   peak_rss_mib the process's peak resident set during the benchmark (VmHWM, reset before it)
//
// Benchmarks (issue 8 targets in brackets):
//   PerCall/recommended_on_fake  one logical call (create or retrieve) through the `recommended`
//                        stack and the in-process fake, nothing else [>= 1,000,000 calls/s]
//   Library/<name>       every scenario of scenarios/library, as shipped
//   Mix/day_3rps         24 h at 3 req/s (1 create + 2 retrieves per second, Poisson), no faults,
//                        `recommended` [about 260,000 calls in under 0.5 s; >= 1,000,000 calls/s]
//   Storm429/day         the same day under a 429 storm (30 % of calls answered 429 with
//                        Retry-After 1-20 s, 10 % of those as HTTP-dates) [>= 500,000 calls/s]
//   Memory/reads_{1,24}h retrieves only at 3 req/s for 1 h and 24 h: peak RSS must not grow
//                        with the run's length [memory flat over run length]
//   Sweep/1000x5         1,000 stack configurations x 5 seeds of a one-hour scenario
//                        (steady_budget with 503 bursts) on 2 threads [under 60 s on 2 cores]
//
// NSIM_BENCH_SMOKE=1 (set by the CTest smoke run) shrinks the day to an hour and the sweep to
// 4 configurations x 1 seed, so the smoke test stays short.
#include <benchmark/benchmark.h>

#include <malloc.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "notion_sim/engine/sim_loop.h"
#include "notion_sim/policies/profiles.h"
#include "notion_sim/policies/stack_config.h"
#include "notion_sim/scenarios/run.h"
#include "notion_sim/scenarios/scenario.h"
#include "notion_sim/simulator/fake_notion.h"
#include "notion_sim/simulator/in_process.h"

#ifndef NSIM_SCENARIO_DIR
#define NSIM_SCENARIO_DIR "scenarios"
#endif

namespace notion_sim::scenarios {
namespace {

using json = nlohmann::json;

bool Smoke() {
  const char* v = std::getenv("NSIM_BENCH_SMOKE");
  return v != nullptr && std::strcmp(v, "0") != 0;
}

// Resets the peak resident set (Linux >= 4.0: writing 5 to clear_refs resets VmHWM), after
// handing the heap that earlier benchmarks freed back to the system.
void ResetPeakRss() {
  malloc_trim(0);
  std::FILE* f = std::fopen("/proc/self/clear_refs", "w");
  if (f == nullptr) return;
  std::fputs("5", f);
  std::fclose(f);
}

double PeakRssMib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtod(line.c_str() + 6, nullptr) / 1024.0;
  }
  return 0;
}

struct Totals {
  double calls = 0;
  double ops = 0;
  double simulated_s = 0;
  double wall_s = 0;
  std::int64_t runs = 0;
};

void Report(benchmark::State& state, const Totals& t) {
  const double wall = t.wall_s > 0 ? t.wall_s : 1e-9;
  const double runs = t.runs > 0 ? static_cast<double>(t.runs) : 1;
  state.counters["calls_per_s"] = t.calls / wall;
  state.counters["ops_per_s"] = t.ops / wall;
  state.counters["speedup"] = t.simulated_s / wall;
  state.counters["calls"] = t.calls / runs;
  state.counters["ops"] = t.ops / runs;
  state.counters["wall_ms_per_run"] = 1e3 * t.wall_s / runs;
  state.counters["peak_rss_mib"] = PeakRssMib();
}

// Runs `spec` once per iteration; wall time is measured around RunScenario only.
void RunSpec(benchmark::State& state, const ScenarioSpec& spec) {
  ResetPeakRss();
  Totals t;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    Result<RunResult> r = RunScenario(spec);
    const auto end = std::chrono::steady_clock::now();
    if (!r.ok()) {
      state.SkipWithError(r.error().message.c_str());
      return;
    }
    t.wall_s += std::chrono::duration<double>(end - start).count();
    t.calls += static_cast<double>(r->server_requests);
    t.ops += static_cast<double>(r->summary.ops_started);
    t.simulated_s += static_cast<double>(r->summary.virtual_time_us) / 1e6;
    ++t.runs;
  }
  Report(state, t);
}

ScenarioSpec MustParse(const json& j) {
  Result<ScenarioSpec> spec = ParseScenario(j.dump(), j.value("name", std::string("bench")));
  if (!spec.ok()) {
    std::fprintf(stderr, "scenarios_bench: %s\n", spec.error().message.c_str());
    std::exit(2);
  }
  return std::move(spec).value();
}

// A day (an hour when smoke-testing) of creates and reads at Notion's budget of 3 req/s.
json DayMix(const std::string& name) {
  return json{
      {"name", name},
      {"seed", 8},
      {"duration_s", Smoke() ? 3600 : 86400},
      {"drain_limit_s", 600},
      {"stack", {{"profile", "recommended"}}},
      {"network",
       {{"request_latency_ms", 40},
        {"response_latency", {{"dist", "lognormal"}, {"median_ms", 120}, {"sigma", 0.4}}}}},
      {"workload",
       {{"streams",
         json::array(
             {{{"operation", "create_page"}, {"rate_per_s", 1}, {"arrival", "poisson"}},
              {{"operation", "retrieve_page"}, {"rate_per_s", 2}, {"arrival", "poisson"}}})}}},
      {"gates", json::array()}};
}

json DayStorm() {
  json j = DayMix("storm_429_day");
  j["faults"] = json::array({{{"name", "workspace budget spent"},
                              {"trigger", {{"probability", 0.2}}},
                              {"action", "respond"},
                              {"status", 429},
                              {"code", "rate_limited"},
                              {"retry_after_s", 20}},
                             {{"name", "429 as HTTP-date"},
                              {"trigger", {{"probability", 0.1}}},
                              {"action", "respond"},
                              {"status", 429},
                              {"code", "rate_limited"},
                              {"retry_after_s", 1},
                              {"retry_after_form", "http_date"}}});
  return j;
}

// The sweep's one-hour scenario: steady_budget's traffic with 503 bursts, so the configurations
// differ in what they do.
json SweepBase() {
  json j = DayMix("sweep_hour");
  j["duration_s"] = 3600;
  j["faults"] = json::array({{{"name", "503 bursts"},
                              {"trigger", {{"probability", 0.05}}},
                              {"action", "respond"},
                              {"status", 503}}});
  return j;
}

// Configuration `i` of the sweep: attempts x initial delay x maximum delay.
json SweepConfig(const json& base, int i, std::uint64_t seed) {
  json j = base;
  j["seed"] = seed;
  j["stack"]["retry"] = {{"max_attempts", 2 + i % 5},
                         {"initial_delay_ms", 100 * (1 + (i / 5) % 10)},
                         {"max_delay_ms", 5000 + 1000 * ((i / 50) % 20)}};
  return j;
}

void BM_Sweep(benchmark::State& state) {
  const int configs = Smoke() ? 4 : static_cast<int>(state.range(0));
  const int seeds = Smoke() ? 1 : static_cast<int>(state.range(1));
  const int threads = static_cast<int>(state.range(2));
  const json base = SweepBase();
  std::vector<ScenarioSpec> specs;
  specs.reserve(static_cast<std::size_t>(configs * seeds));
  for (int i = 0; i < configs; ++i) {
    for (int s = 0; s < seeds; ++s) {
      specs.push_back(MustParse(SweepConfig(base, i, static_cast<std::uint64_t>(100 + s))));
    }
  }
  ResetPeakRss();
  Totals t;
  for (auto _ : state) {
    std::atomic<std::size_t> next{0};
    std::atomic<std::uint64_t> calls{0};
    std::atomic<std::uint64_t> ops{0};
    std::atomic<std::uint64_t> failed{0};
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> pool;
    for (int w = 0; w < threads; ++w) {
      pool.emplace_back([&] {
        for (std::size_t k = next++; k < specs.size(); k = next++) {
          Result<RunResult> r = RunScenario(specs[k]);
          if (!r.ok()) {
            ++failed;
            continue;
          }
          calls += r->server_requests;
          ops += r->summary.ops_started;
        }
      });
    }
    for (std::thread& th : pool) th.join();
    const auto end = std::chrono::steady_clock::now();
    if (failed > 0) {
      state.SkipWithError("a sweep run failed");
      return;
    }
    t.wall_s += std::chrono::duration<double>(end - start).count();
    t.calls += static_cast<double>(calls.load());
    t.ops += static_cast<double>(ops.load());
    t.simulated_s += 3600.0 * static_cast<double>(specs.size());
    ++t.runs;
  }
  Report(state, t);
  state.counters["runs"] = static_cast<double>(specs.size());
  state.counters["wall_s"] = t.wall_s / static_cast<double>(t.runs > 0 ? t.runs : 1);
}

// The whole pipeline per call, without a scenario around it: the `recommended` stack over the
// in-process transport (40 ms each way) to the fake (rate limits off), one logical operation at a
// time, alternately a create and a retrieve of the page it made. No workload, metrics or
// invariant sinks: what the stack and the fake cost per call.
void BM_StackAndFakePerCall(benchmark::State& state) {
  engine::SimLoop loop;
  engine::Trace trace;
  sim::FakeConfig config;
  config.workspace.rate_limits.mode = sim::RateLimitMode::kOff;
  sim::DatabaseSpec db;
  sim::DataSourceSpec ds;
  ds.id = engine::ObjectId{0x1111111111114111ULL, 0x8111111111111111ULL};
  db.data_sources.push_back(ds);
  config.workspace.databases.push_back(db);
  sim::TokenSpec token;
  token.token = "secret_bench";
  config.workspace.tokens.push_back(token);
  sim::FakeNotion fake(loop, engine::Rng(3), &trace, config);
  sim::InProcessTransport transport(loop, fake, sim::NetworkModel{}, engine::Rng(4), &trace);
  std::unique_ptr<engine::Client> client = policies::BuildStack(
      policies::ProfileConfig("recommended").value(), loop, trace, transport, engine::Rng(5));
  const engine::Payload payload = std::make_shared<const json>(
      json::parse(R"({"properties":{"Name":{"title":[{"text":{"content":"Benchmark page"}}]}}})"));
  std::uint64_t id = 0;
  std::int64_t ok = 0;
  engine::ObjectId last_page;
  for (auto _ : state) {
    engine::LogicalOp op;
    op.op_id = ++id;
    op.arrival_us = loop.NowUs();
    if (id % 2 == 1 || last_page.empty()) {
      op.operation = engine::Operation::kCreatePage;
      op.parent = ds.id;
      op.payload = payload;
    } else {
      op.operation = engine::Operation::kRetrievePage;
      op.target = last_page;
    }
    client->Execute(op, [&](engine::OpResult r) {
      if (r.status == engine::OpStatus::kSucceeded) ++ok;
      if (op.operation == engine::Operation::kCreatePage) last_page = r.last.object_id;
    });
    loop.RunUntilIdle(kTimeNever);
  }
  if (ok != static_cast<std::int64_t>(id)) state.SkipWithError("an operation failed");
  state.SetItemsProcessed(static_cast<std::int64_t>(id));
  state.counters["events_per_call"] =
      static_cast<double>(trace.Count()) / static_cast<double>(id + (id == 0));
}

void RegisterAll() {
  benchmark::RegisterBenchmark("PerCall/recommended_on_fake", BM_StackAndFakePerCall);
  Result<std::vector<std::string>> files =
      FindScenarioFiles(std::string(NSIM_SCENARIO_DIR) + "/library");
  if (!files.ok()) {
    std::fprintf(stderr, "scenarios_bench: %s\n", files.error().message.c_str());
    std::exit(2);
  }
  for (const std::string& path : files.value()) {
    Result<ScenarioSpec> spec = LoadScenario(path);
    if (!spec.ok()) {
      std::fprintf(stderr, "scenarios_bench: %s\n", spec.error().message.c_str());
      std::exit(2);
    }
    benchmark::RegisterBenchmark(("Library/" + spec->name).c_str(),
                                 [s = spec.value()](benchmark::State& st) { RunSpec(st, s); })
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  }
  benchmark::RegisterBenchmark(
      "Mix/day_3rps", [s = MustParse(DayMix("day_3rps"))](benchmark::State& st) { RunSpec(st, s); })
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark(
      "Storm429/day", [s = MustParse(DayStorm())](benchmark::State& st) { RunSpec(st, s); })
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  // Memory over run length: reads only (the workspace does not grow), 1 h vs 24 h; the peak
  // resident set must not grow with the run (trace digest streamed, journal and rings bounded).
  for (int hours : {1, 24}) {
    json reads = DayMix("reads_" + std::to_string(hours) + "h");
    reads["duration_s"] = Smoke() ? 600 : 3600 * hours;
    reads["workload"]["streams"] =
        json::array({{{"operation", "retrieve_page"}, {"rate_per_s", 3}, {"arrival", "poisson"}}});
    benchmark::RegisterBenchmark(("Memory/reads_" + std::to_string(hours) + "h").c_str(),
                                 [s = MustParse(reads)](benchmark::State& st) { RunSpec(st, s); })
        ->Iterations(1)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  }
  benchmark::RegisterBenchmark("Sweep/1000x5", BM_Sweep)
      ->Args({1000, 5, 2})
      ->Iterations(1)
      ->Unit(benchmark::kSecond)
      ->UseRealTime();
}

}  // namespace
}  // namespace notion_sim::scenarios

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  notion_sim::scenarios::RegisterAll();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
