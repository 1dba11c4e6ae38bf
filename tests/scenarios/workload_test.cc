#include "notion_sim/scenarios/workload.h"

#include <gtest/gtest.h>

namespace notion_sim::scenarios {
namespace {

ScenarioSpec Spec(const std::string& text) {
  auto r = ParseScenario(text, "w.json");
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? std::move(r).value() : ScenarioSpec{};
}

std::vector<engine::LogicalOp> Drain(const ScenarioSpec& spec, std::uint64_t seed = 1) {
  WorkloadTargets targets;
  engine::Rng rng(seed);
  targets.data_source = engine::ObjectId::Random(rng);
  for (int i = 0; i < 5; ++i) targets.pages.push_back(engine::ObjectId::Random(rng));
  ScenarioWorkload w(spec, targets, engine::Rng(seed));
  std::vector<engine::LogicalOp> ops;
  while (auto op = w.Next()) {
    ops.push_back(*op);
    if (ops.size() > 1'000'000) break;
  }
  return ops;
}

TEST(Workload, ConstantArrivalsAreExactAndIdsDense) {
  auto spec = Spec(R"({"name": "c", "duration_s": 10,
      "workload": {"streams": [{"operation": "create_page", "rate_per_s": 3}]}})");
  auto ops = Drain(spec);
  ASSERT_EQ(ops.size(), 30u);  // t = 0, 1/3 s, ... < 10 s
  EXPECT_EQ(ops[0].arrival_us, 0);
  EXPECT_EQ(ops[1].arrival_us, 333'333);
  EXPECT_EQ(ops[2].arrival_us, 666'667);
  EXPECT_EQ(ops[3].arrival_us, Sec(1));
  for (std::size_t i = 0; i < ops.size(); ++i) EXPECT_EQ(ops[i].op_id, i + 1);
  EXPECT_EQ(ops[0].parent, ops[1].parent);
  ASSERT_TRUE(ops[0].payload && ops[1].payload);
  EXPECT_NE(*ops[0].payload, *ops[1].payload);  // creates carry unique content
}

TEST(Workload, PoissonIsSeededAndNearItsRate) {
  auto spec = Spec(R"({"name": "p", "duration_s": 1000,
      "workload": {"streams": [{"operation": "retrieve_page", "rate_per_s": 5, "arrival": "poisson"}]}})");
  auto a = Drain(spec, 7), b = Drain(spec, 7), c = Drain(spec, 8);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) ASSERT_EQ(a[i].arrival_us, b[i].arrival_us);
  EXPECT_NEAR(static_cast<double>(a.size()), 5000.0, 5 * std::sqrt(5000.0));
  EXPECT_NE(a.size() == c.size() && a.back().arrival_us == c.back().arrival_us, true);
  for (std::size_t i = 1; i < a.size(); ++i) ASSERT_LE(a[i - 1].arrival_us, a[i].arrival_us);
}

TEST(Workload, BurstsComeInGroups) {
  auto spec = Spec(R"({"name": "b", "duration_s": 3,
      "workload": {"streams": [{"operation": "search", "arrival": "bursts", "rate_per_s": 0,
                                "burst_every_ms": 1000, "burst_size": 4}]}})");
  auto ops = Drain(spec);
  ASSERT_EQ(ops.size(), 12u);
  for (std::size_t i = 0; i < ops.size(); ++i) {
    EXPECT_EQ(ops[i].arrival_us, Sec(static_cast<std::int64_t>(i / 4))) << i;
  }
}

TEST(Workload, DailyCurvePeaksInTheMiddleOfThePeriod) {
  auto spec = Spec(R"({"name": "d", "duration_s": 3600,
      "workload": {"streams": [{"operation": "retrieve_page", "arrival": "daily", "rate_per_s": 0.5,
                                "peak_per_s": 10, "period_s": 3600}]}})");
  auto ops = Drain(spec);
  int trough = 0, peak = 0;  // first/last 10 % of the period vs the middle 20 %
  for (const auto& op : ops) {
    const double f = static_cast<double>(op.arrival_us) / 3.6e9;
    if (f < 0.1 || f >= 0.9) ++trough;
    if (f >= 0.4 && f < 0.6) ++peak;
  }
  EXPECT_GT(peak, 5 * trough) << "peak " << peak << " trough " << trough;
}

TEST(Workload, WindowsAndMaxOpsBoundAStream) {
  auto spec = Spec(R"({"name": "m", "duration_s": 100,
      "workload": {"streams": [{"operation": "create_page", "rate_per_s": 1, "from_s": 10, "until_s": 20},
                               {"operation": "retrieve_page", "rate_per_s": 10, "max_ops": 7}]}})");
  auto ops = Drain(spec);
  int creates = 0, reads = 0;
  for (const auto& op : ops) {
    if (op.operation == engine::Operation::kCreatePage) {
      ++creates;
      EXPECT_GE(op.arrival_us, Sec(10));
      EXPECT_LT(op.arrival_us, Sec(20));
    } else {
      ++reads;
    }
  }
  EXPECT_EQ(creates, 10);
  EXPECT_EQ(reads, 7);
}

TEST(Workload, BatchesNumberRecordsAndEnrichIsAWorkflow) {
  auto spec = Spec(R"({"name": "s", "duration_s": 60,
      "workload": {"batches": [{"name": "sync", "records": 5, "start_s": 2, "pace_ms": 100}],
                   "enrich": [{"rate_per_s": 1, "until_s": 3}]}})");
  auto ops = Drain(spec);
  int batch = 0, enrich = 0;
  for (const auto& op : ops) {
    if (op.batch == 1) {
      ++batch;
      EXPECT_EQ(op.arrival_us, Sec(2) + Ms(100) * (op.record - 1));
      EXPECT_EQ(op.lane, engine::Lane::kBulk);
      EXPECT_EQ(op.operation, engine::Operation::kUpdatePage);
    }
    if (op.workflow == 1) {
      ++enrich;
      EXPECT_EQ(op.operation, engine::Operation::kRetrievePage);  // its first step's
    }
  }
  EXPECT_EQ(batch, 5);
  EXPECT_EQ(enrich, 3);
}

}  // namespace
}  // namespace notion_sim::scenarios
