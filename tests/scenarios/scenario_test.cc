#include "notion_sim/scenarios/scenario.h"

#include <gtest/gtest.h>

namespace notion_sim::scenarios {
namespace {

std::string ErrorOf(const std::string& text) {
  auto r = ParseScenario(text, "s.json");
  return r.ok() ? "" : r.error().message;
}

TEST(Scenario, LoadsAMinimalScenario) {
  auto r = ParseScenario(R"({"name": "x", "seed": 9, "duration_s": 60,
      "workload": {"streams": [{"operation": "create_page", "rate_per_s": 2}]}})",
                         "s.json");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->name, "x");
  EXPECT_EQ(r->seed, 9u);
  EXPECT_EQ(r->duration_us, Sec(60));
  ASSERT_EQ(r->streams.size(), 1u);
  EXPECT_EQ(r->streams[0].rate_per_s, 2.0);
  ASSERT_EQ(r->tenants.size(), 1u);
  EXPECT_EQ(r->tenants[0].name, "default");
  EXPECT_EQ(r->hash.size(), 16u);
}

TEST(Scenario, ErrorsNameFileLineColumnAndPath) {
  EXPECT_EQ(ErrorOf("{\n \"name\": \"x\",\n \"sed\": 1,\n \"workload\": {\"streams\": "
                    "[{\"operation\": \"create_page\"}]}}"),
            "s.json:3:2: at /sed: unknown field \"sed\" (a typo would silently run a different "
            "scenario, so unknown fields are errors); did you mean \"seed\"?");
  EXPECT_EQ(
      ErrorOf(
          R"({"name": "x", "workload": {"streams": [{"operation": "create_page", "rate_per_s": -1}]}})"),
      "s.json:1:83: at /workload/streams/0/rate_per_s: expected a number in [1e-06, 1e+06], "
      "found -1");
  EXPECT_EQ(ErrorOf(R"({"workload": {"streams": [{"operation": "create_page"}]}})"),
            "s.json:1:1: at /: missing required field \"name\" (a string)");
  EXPECT_NE(ErrorOf("{\"name\": ").find("s.json:1:10: not valid JSON"), std::string::npos)
      << ErrorOf("{\"name\": ");
  EXPECT_EQ(ErrorOf(R"({"name": "x", "workload": {"streams": []}})"),
            "s.json:1:27: at /workload: expected at least one of \"streams\", \"batches\", "
            "\"workflows\" or \"enrich\"");
  EXPECT_EQ(ErrorOf("[1]"),
            "s.json:1:1: at /: expected a JSON object at the top level, found an array");
}

TEST(Scenario, TenantsPhasesBatchesAndEnrich) {
  auto r = ParseScenario(R"({
    "name": "full", "seed": 3,
    "tenants": [{"name": "acme"}, {"name": "globex", "token": "t_g"}],
    "phases": {"safety_s": 600, "liveness_s": 300, "recover_within_s": 120},
    "workload": {
      "streams": [{"operation": "append_blocks", "children": 101, "tenant": "globex",
                   "arrival": "bursts", "burst_every_ms": 1000, "burst_size": 4, "rate_per_s": 0},
                  {"operation": "retrieve_page", "arrival": "daily", "rate_per_s": 1,
                   "peak_per_s": 5, "period_s": 600, "lane": "critical"}],
      "batches": [{"name": "sync", "records": 50, "pace_ms": 100, "checkpoint": "B"}],
      "enrich": [{"rate_per_s": 0.5, "degrade": "placeholder"}]
    }})",
                         "s.json");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->duration_us, Sec(900));
  EXPECT_EQ(r->phases.safety_us, Sec(600));
  EXPECT_EQ(r->phases.recover_within_us, Sec(120));
  ASSERT_EQ(r->tenants.size(), 2u);
  EXPECT_EQ(r->tenants[0].token, "secret_sim_acme");
  EXPECT_EQ(r->tenants[1].token, "t_g");
  EXPECT_EQ(r->streams[0].tenant, 1);
  EXPECT_EQ(r->streams[0].children, 101u);
  EXPECT_EQ(r->streams[0].arrival, Arrival::kBursts);
  EXPECT_EQ(r->streams[1].lane, engine::Lane::kCritical);
  EXPECT_EQ(r->streams[1].peak_per_s, 5.0);
  ASSERT_EQ(r->batches.size(), 1u);
  EXPECT_EQ(r->batches[0].approach, CheckpointApproach::kB);
  EXPECT_EQ(r->batches[0].lane, engine::Lane::kBulk);
  // The enrich entry is a workflow: read, ask, write, and the placeholder branch.
  ASSERT_EQ(r->workflows.size(), 1u);
  EXPECT_EQ(r->workflows[0].name, "enrich");
  ASSERT_EQ(r->workflows[0].steps.size(), 4u);
  EXPECT_EQ(r->workflows[0].steps[1].on_failure, OnFailure::kGoto);
  EXPECT_EQ(r->workflows[0].steps[1].goto_step, 3);
  EXPECT_EQ(r->workflows[0].steps[2].next, 4);
}

TEST(Scenario, CrossFieldErrorsAreNamed) {
  EXPECT_NE(
      ErrorOf(
          R"({"name": "x", "workload": {"streams": [{"operation": "create_page", "tenant": "nobody"}]}})")
          .find("at /workload/streams/0/tenant: unknown tenant \"nobody\""),
      std::string::npos);
  EXPECT_NE(
      ErrorOf(R"({"name": "x", "duration_s": 100, "phases": {"safety_s": 60, "liveness_s": 60},
                        "workload": {"streams": [{"operation": "create_page"}]}})")
          .find("differs from phases.safety_s + phases.liveness_s (120)"),
      std::string::npos);
  EXPECT_NE(ErrorOf(R"({"name": "a b", "workload": {"streams": [{"operation": "create_page"}]}})")
                .find("at /name: expected a name of letters"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"name": "x", "tenants": [{"name": "a"}, {"name": "a"}],
                        "workload": {"streams": [{"operation": "create_page"}]}})")
                .find("duplicate tenant"),
            std::string::npos);
}

TEST(Scenario, MissingFileIsNotFound) {
  auto r = LoadScenario("/nonexistent/x.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  EXPECT_NE(r.error().message.find("/nonexistent/x.json"), std::string::npos);
}

}  // namespace
}  // namespace notion_sim::scenarios
