// The fake's core through the in-process door: creates, retrieves and queries per second through
// FakeNotion::Handle (typed, nothing rendered), the same through InProcessTransport on a SimLoop,
// one rendered HTTP create for comparison, and the resident memory a page costs.
// Targets (later, through the full stack): a million simulated calls per second per core, and
// 1,000,000 pages under 1 GiB resident. NSIM_BENCH_PAGES sets the memory run's page count
// (default 100,000; the smoke test uses it too).
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include <nlohmann/json.hpp>

#include "notion_sim/engine/sim_loop.h"
#include "notion_sim/simulator/fake_notion.h"
#include "notion_sim/simulator/http_call.h"

namespace notion_sim::sim {
namespace {

using engine::ObjectId;
using engine::Operation;

const ObjectId kDataSource{0x1111111111114111ULL, 0x8111111111111111ULL};

FakeConfig BenchConfig() {
  FakeConfig c;
  c.workspace.rate_limits.mode = RateLimitMode::kOff;
  DatabaseSpec db;
  DataSourceSpec ds;
  ds.id = kDataSource;
  db.data_sources.push_back(ds);
  c.workspace.databases.push_back(db);
  return c;
}

engine::Payload Template() {
  return std::make_shared<const nlohmann::json>(nlohmann::json::parse(
      R"({"properties":{"Name":{"title":[{"text":{"content":"Benchmark page"}}]},
          "Status":{"select":{"name":"Open"}},"Points":{"number":3}}})"));
}

engine::Request CreateRequest(const engine::Payload& payload) {
  engine::Request r;
  r.operation = Operation::kCreatePage;
  r.method = engine::Method::kPost;
  r.parent = kDataSource;
  r.payload = payload;
  return r;
}

std::int64_t ResidentBytes() {
  long pages = 0, resident = 0;
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
  std::fclose(f);
  return static_cast<std::int64_t>(resident) * sysconf(_SC_PAGESIZE);
}

void BM_HandleCreate(benchmark::State& state) {
  engine::ManualClock clock;
  FakeNotion fake(clock, engine::Rng(1), nullptr, BenchConfig());
  engine::Request r = CreateRequest(Template());
  std::uint64_t op = 0;
  for (auto _ : state) {
    r.op_id = ++op;
    clock.Advance(1);
    benchmark::DoNotOptimize(fake.Handle(r).response.object_id);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_HandleCreateWithKey(benchmark::State& state) {
  engine::ManualClock clock;
  FakeNotion fake(clock, engine::Rng(1), nullptr, BenchConfig());
  engine::Request r = CreateRequest(Template());
  std::array<std::uint8_t, 32> key{};
  std::uint64_t op = 0;
  for (auto _ : state) {
    r.op_id = ++op;
    std::memcpy(key.data(), &op, sizeof op);
    r.idempotency_key = key;
    benchmark::DoNotOptimize(fake.Handle(r).response.object_id);
  }
  state.SetItemsProcessed(state.iterations());
}

// Retrieves, reconcile lookups and queries over a workspace of 50,000 pages.
class Populated : public benchmark::Fixture {
 public:
  void SetUp(const benchmark::State&) override {
    fake_ = std::make_unique<FakeNotion>(clock_, engine::Rng(2), nullptr, BenchConfig());
    engine::Request r = CreateRequest(Template());
    std::array<std::uint8_t, 32> key{};
    for (std::uint64_t i = 1; i <= 50'000; ++i) {
      std::memcpy(key.data(), &i, sizeof i);
      r.idempotency_key = key;
      ids_.push_back(fake_->Handle(r).response.object_id);
    }
  }
  void TearDown(const benchmark::State&) override {
    fake_.reset();
    ids_.clear();
  }

 protected:
  engine::ManualClock clock_;
  std::unique_ptr<FakeNotion> fake_;
  std::vector<ObjectId> ids_;
};

BENCHMARK_DEFINE_F(Populated, Retrieve)(benchmark::State& state) {
  engine::Request r;
  r.operation = Operation::kRetrievePage;
  std::size_t i = 0;
  for (auto _ : state) {
    r.target = ids_[i];
    i = (i + 7919) % ids_.size();
    benchmark::DoNotOptimize(fake_->Handle(r).response.status);
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK_DEFINE_F(Populated, ReconcileLookup)(benchmark::State& state) {
  engine::Request r;
  r.operation = Operation::kQueryDataSource;
  r.target = kDataSource;
  r.reconcile_lookup = true;
  std::array<std::uint8_t, 32> key{};
  std::uint64_t i = 0;
  for (auto _ : state) {
    i = i % 100'000 + 1;  // half hit, half miss
    std::memcpy(key.data(), &i, sizeof i);
    r.idempotency_key = key;
    benchmark::DoNotOptimize(fake_->Handle(r).response.found);
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK_DEFINE_F(Populated, QueryFirstPage)(benchmark::State& state) {
  engine::Request r;
  r.operation = Operation::kQueryDataSource;
  r.target = kDataSource;
  r.page_size = 100;
  for (auto _ : state) benchmark::DoNotOptimize(fake_->Handle(r).response.result_count);
  state.SetItemsProcessed(state.iterations());
}

// Through the transport: 10,000 creates in flight on a SimLoop, fixed 40 ms each way.
void BM_TransportCreate(benchmark::State& state) {
  const engine::Payload payload = Template();
  std::int64_t sends = 0;
  for (auto _ : state) {
    engine::SimLoop loop;
    FakeNotion fake(loop, engine::Rng(3), nullptr, BenchConfig());
    InProcessTransport transport(loop, fake, NetworkModel::Fixed(Ms(40), Ms(40)), engine::Rng(4));
    std::uint64_t completed = 0;
    engine::Request r = CreateRequest(payload);
    r.timeout_us = Sec(10);
    for (int i = 0; i < 10'000; ++i) {
      r.op_id = static_cast<std::uint64_t>(i + 1);
      transport.Send(r, [&completed](engine::Response) { ++completed; });
    }
    loop.RunUntilIdle(kTimeNever);
    if (completed != 10'000) state.SkipWithError("lost completions");
    sends += 10'000;
  }
  state.SetItemsProcessed(sends);
}

void BM_HttpCreateRendered(benchmark::State& state) {
  engine::ManualClock clock;
  FakeNotion fake(clock, engine::Rng(5), nullptr, BenchConfig());
  HttpCall call = HttpCall::Notion("POST", "/v1/pages", "secret_bench");
  call.body = R"({"parent":{"data_source_id":"11111111-1111-4111-8111-111111111111"},
      "properties":{"Name":{"title":[{"text":{"content":"Benchmark page"}}]}}})";
  for (auto _ : state) benchmark::DoNotOptimize(call.SendTo(fake).body.size());
  state.SetItemsProcessed(state.iterations());
}

// What `notion-sim serve` spends in the core per GET /v1/pages/{id}: parse, auth, lookup, render.
void BM_HttpRetrieveRendered(benchmark::State& state) {
  engine::ManualClock clock;
  FakeNotion fake(clock, engine::Rng(5), nullptr, BenchConfig());
  HttpCall create = HttpCall::Notion("POST", "/v1/pages", "secret_bench");
  create.body = R"({"parent":{"data_source_id":"11111111-1111-4111-8111-111111111111"},
      "properties":{"Name":{"title":[{"text":{"content":"Benchmark page"}}]}}})";
  const std::string id = nlohmann::json::parse(create.SendTo(fake).body).at("id");
  HttpCall call = HttpCall::Notion("GET", "/v1/pages/" + id, "secret_bench");
  for (auto _ : state) benchmark::DoNotOptimize(call.SendTo(fake).body.size());
  state.SetItemsProcessed(state.iterations());
}

// Resident bytes per page for a workspace of `pages` pages created in-process (with the ledger
// entry each create leaves, and the bounded journal).
void BM_MemoryPerPage(benchmark::State& state) {
  const auto pages = static_cast<std::uint64_t>(state.range(0));
  for (auto _ : state) {
    const std::int64_t before = ResidentBytes();
    engine::ManualClock clock;
    auto fake = std::make_unique<FakeNotion>(clock, engine::Rng(6), nullptr, BenchConfig());
    engine::Request r = CreateRequest(Template());
    for (std::uint64_t i = 1; i <= pages; ++i) {
      r.op_id = i;
      fake->Handle(r);
    }
    const std::int64_t after = ResidentBytes();
    state.counters["bytes_per_page"] =
        static_cast<double>(after - before) / static_cast<double>(pages);
    state.counters["resident_mib"] = static_cast<double>(after) / (1024.0 * 1024.0);
    state.counters["pages"] = static_cast<double>(fake->page_count());
  }
}

}  // namespace
}  // namespace notion_sim::sim

int main(int argc, char** argv) {
  using namespace notion_sim::sim;
  benchmark::RegisterBenchmark("BM_HandleCreate", BM_HandleCreate);
  benchmark::RegisterBenchmark("BM_HttpRetrieveRendered", BM_HttpRetrieveRendered);
  benchmark::RegisterBenchmark("BM_HandleCreateWithKey", BM_HandleCreateWithKey);
  BENCHMARK_REGISTER_F(Populated, Retrieve);
  BENCHMARK_REGISTER_F(Populated, ReconcileLookup);
  BENCHMARK_REGISTER_F(Populated, QueryFirstPage);
  benchmark::RegisterBenchmark("BM_TransportCreate", BM_TransportCreate)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_HttpCreateRendered", BM_HttpCreateRendered);
  std::int64_t pages = 100'000;
  if (const char* env = std::getenv("NSIM_BENCH_PAGES")) pages = std::atoll(env);
  benchmark::RegisterBenchmark("BM_MemoryPerPage", BM_MemoryPerPage)
      ->Arg(pages)
      ->Iterations(1)
      ->Unit(benchmark::kMillisecond);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
