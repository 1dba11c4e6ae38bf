#include "notion_sim/checks/gates.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

namespace notion_sim::checks {

using engine::JsonDocument;
using engine::JsonReader;
namespace {

Result<std::vector<Gate>> ParseText(const std::string& text) {
  Result<JsonDocument> doc = JsonDocument::Parse(text, "g.json");
  if (!doc.ok()) return doc.error();
  JsonReader reader(*doc);
  ObjectReader root = reader.Root();
  return ParseGates(root);
}

MetricsReport SampleReport() {
  MetricsReport r;
  r.ops.started = 100;
  r.ops.succeeded = 97;
  r.ops.failed = 3;
  r.success_ratio = 0.97;
  r.latency.p99_us = Ms(1843) + 200;
  r.api_calls_per_op = 1.25;
  r.recovery = Recovery::kRecovered;
  r.recovery_us = Sec(42);
  OperationMetrics create;
  create.operation = Operation::kCreatePage;
  create.ops.started = 100;
  create.ops.succeeded = 97;
  create.ops.failed = 3;
  create.api_calls_per_op = 1.5;
  r.operations.push_back(create);
  return r;
}

TEST(Gates, ParsesMinMaxAndPerOperationMetrics) {
  Result<std::vector<Gate>> g = ParseText(R"({"gates": [
    {"metric": "ops.success_ratio", "min": 0.99},
    {"metric": "latency_ms.p99", "max": 2000},
    {"metric": "op.create_page.api_calls_per_op", "min": 1, "max": 1.5}]})");
  ASSERT_TRUE(g.ok()) << g.error().message;
  ASSERT_EQ(g->size(), 3u);
  EXPECT_EQ((*g)[0].metric, "ops.success_ratio");
  EXPECT_EQ((*g)[0].min, 0.99);
  EXPECT_FALSE((*g)[0].max.has_value());
  EXPECT_EQ((*g)[1].max, 2000.0);
  EXPECT_EQ((*g)[2].min, 1.0);
  EXPECT_TRUE(ParseText("{}").ok());
}

TEST(Gates, UnknownMetricNamesThePointerAndListsValidNames) {
  Result<std::vector<Gate>> g = ParseText(
      "{\"gates\": [\n  {\"metric\": \"ops.success_ratio\", \"min\": 0.9},\n"
      "  {\"metric\": \"latency.p99\", \"max\": 1}]}");
  ASSERT_FALSE(g.ok());
  const std::string& m = g.error().message;
  EXPECT_EQ(m.rfind("g.json:3:14: at /gates/1/metric: unknown metric \"latency.p99\" (valid: "
                    "ops.started, ops.succeeded",
                    0),
            0u)
      << m;
  EXPECT_NE(m.find("latency_ms.p99"), std::string::npos);
  EXPECT_NE(m.find("; op.<operation>.{started, failed, success_ratio"), std::string::npos);
  EXPECT_NE(m.find("; workflow.<workflow>.{items.started, "), std::string::npos) << m;
  EXPECT_NE(m.find("; workflow.<workflow>.step.<step>.{runs, failed, calls, "), std::string::npos)
      << m;
}

TEST(Gates, RejectsGatesWithoutBoundsInvertedBoundsAndUnknownFields) {
  Result<std::vector<Gate>> g = ParseText(R"({"gates": [{"metric": "http_429"}]})");
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.error().message.find("at /gates/0: a gate needs \"min\", \"max\" or both"),
            std::string::npos);
  g = ParseText(R"({"gates": [{"metric": "http_429", "min": 5, "max": 1}]})");
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.error().message.find("at /gates/0/min: min (5) is above max (1)"), std::string::npos);
  g = ParseText(R"({"gates": [{"metric": "http_429", "max": 1, "maxx": 2}]})");
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.error().message.find("at /gates/0/maxx: unknown field"), std::string::npos);
  g = ParseText(R"({"gates": [{"metric": "op.create_pages.failed", "max": 1}]})");
  ASSERT_FALSE(g.ok());
  g = ParseText(R"({"gates": {"metric": "http_429"}})");
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.error().message.find("at /gates: expected an array"), std::string::npos);
}

TEST(Gates, EveryListedMetricIsFoundAndReadable) {
  const MetricsReport r = SampleReport();
  std::set<std::string> seen;
  for (const MetricInfo& info : MetricNames()) {
    EXPECT_TRUE(seen.insert(info.name).second) << "duplicate " << info.name;
    ASSERT_TRUE(FindMetric(info.name).has_value()) << info.name;
    (void)MetricValue(r, info.name);
  }
  EXPECT_GT(seen.size(), 30u + static_cast<std::size_t>(kOperationCount) * 9 - 1);
  EXPECT_FALSE(FindMetric("op.create_page").has_value());
  EXPECT_FALSE(FindMetric("nope").has_value());
  EXPECT_EQ(FindMetric("latency_ms.p99")->better, Better::kLower);
  EXPECT_EQ(FindMetric("ops.success_ratio")->better, Better::kHigher);
}

TEST(Gates, MetricValuesUseTheDocumentedUnits) {
  const MetricsReport r = SampleReport();
  EXPECT_EQ(MetricValue(r, "latency_ms.p99"), 1843.2);
  EXPECT_EQ(MetricValue(r, "ops.success_ratio"), 0.97);
  MetricsReport degraded = r;
  degraded.ops.succeeded = 60;
  degraded.ops.served_fallback = 37;
  EXPECT_EQ(MetricValue(degraded, "ops.answered_ratio"), 0.97);
  EXPECT_EQ(MetricValue(r, "recovery_s"), 42.0);
  EXPECT_EQ(MetricValue(r, "op.create_page.api_calls_per_op"), 1.5);
  EXPECT_FALSE(MetricValue(r, "op.search.latency_ms.p99").has_value());  // no search ran
  MetricsReport stuck = r;
  stuck.recovery = Recovery::kNotRecovered;
  EXPECT_TRUE(std::isinf(*MetricValue(stuck, "recovery_s")));
  EXPECT_FALSE(MetricValue(MetricsReport{}, "latency_ms.p99").has_value());  // no op finished
}

TEST(Gates, EvaluationGivesVerdictMeasuredValueAndText) {
  const std::vector<Gate> gates = {{"ops.success_ratio", 0.99, std::nullopt},
                                   {"latency_ms.p99", std::nullopt, 2000.0},
                                   {"op.search.failed", std::nullopt, 0.0},
                                   {"api_calls_per_op", 1.0, 1.25}};
  const std::vector<GateResult> r = EvaluateGates(gates, SampleReport());
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].verdict, GateVerdict::kFail);
  EXPECT_EQ(r[0].measured, 0.97);
  EXPECT_EQ(r[0].text, "ops.success_ratio = 0.97 (min 0.99): fail");
  EXPECT_EQ(r[1].verdict, GateVerdict::kPass);
  EXPECT_EQ(r[1].text, "latency_ms.p99 = 1843.2 (max 2000): pass");
  EXPECT_EQ(r[2].verdict, GateVerdict::kNoData);
  EXPECT_EQ(r[2].text, "op.search.failed was not measured in this run (max 0): no_data");
  EXPECT_EQ(r[3].verdict, GateVerdict::kPass);  // bounds are inclusive
  EXPECT_EQ(r[3].text, "api_calls_per_op = 1.25 (min 1, max 1.25): pass");
}

TEST(Gates, NotRecoveredFailsARecoveryGate) {
  MetricsReport r = SampleReport();
  r.recovery = Recovery::kNotRecovered;
  const std::vector<GateResult> g = EvaluateGates({{"recovery_s", std::nullopt, 60.0}}, r);
  EXPECT_EQ(g[0].verdict, GateVerdict::kFail);
  EXPECT_EQ(g[0].text, "recovery_s = inf (max 60): fail");
}

TEST(Gates, JudgeFailsOnAViolatedInvariantOrAFailedGate) {
  RunChecks checks;
  checks.invariants.push_back(InvariantResult{"ops_end_once", Verdict::kHeld, 10, 0, {}, ""});
  checks.invariants.push_back(InvariantResult{"client_rate", Verdict::kOff, 0, 0, {}, ""});
  EXPECT_EQ(Judge(checks), RunVerdict::kPass);
  checks.gates = EvaluateGates({{"ops.success_ratio", 0.5, std::nullopt}}, SampleReport());
  EXPECT_EQ(Judge(checks), RunVerdict::kPass);
  checks.gates = EvaluateGates({{"ops.success_ratio", 0.99, std::nullopt}}, SampleReport());
  EXPECT_EQ(Judge(checks), RunVerdict::kFail);
  checks.gates.clear();
  checks.invariants[0].verdict = Verdict::kViolated;
  EXPECT_EQ(Judge(checks), RunVerdict::kFail);
  EXPECT_EQ(RunVerdictName(RunVerdict::kFail), "fail");
}

}  // namespace
}  // namespace notion_sim::checks
