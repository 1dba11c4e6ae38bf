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
      "workload": {"streams": [{"operation": "create_page", "rate_per_s": 2}]}})", "s.json");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->name, "x");
  EXPECT_EQ(r->seed, 9u);
  EXPECT_EQ(r->duration_us, Sec(60));
  ASSERT_EQ(r->workload.size(), 1u);
  EXPECT_EQ(r->workload[0].rate_per_s, 2.0);
  EXPECT_EQ(r->hash.size(), 16u);
}

TEST(Scenario, ErrorsNameFileLineColumnAndPath) {
  EXPECT_EQ(ErrorOf("{\n \"name\": \"x\",\n \"sed\": 1,\n \"workload\": {\"streams\": "
                    "[{\"operation\": \"create_page\"}]}}"),
            "s.json:3:2: at /sed: unknown field \"sed\" (a typo would silently run a different "
            "scenario, so unknown fields are errors)");
  EXPECT_EQ(ErrorOf(R"({"name": "x", "workload": {"streams": [{"operation": "create_page", "rate_per_s": -1}]}})"),
            "s.json:1:83: at /workload/streams/0/rate_per_s: expected a number in [1e-06, 1e+06], "
            "found -1");
  EXPECT_EQ(ErrorOf(R"({"workload": {"streams": [{"operation": "create_page"}]}})"),
            "s.json:1:1: at /: missing required field \"name\" (a string)");
  EXPECT_NE(ErrorOf("{\"name\": ").find("s.json:1:10: not valid JSON"), std::string::npos)
      << ErrorOf("{\"name\": ");
  EXPECT_EQ(ErrorOf(R"({"name": "x", "workload": {"streams": []}})"),
            "s.json:1:39: at /workload/streams: expected at least one stream");
  EXPECT_EQ(ErrorOf("[1]"), "s.json:1:1: at /: expected a JSON object at the top level, found an array");
}

TEST(Scenario, MissingFileIsNotFound) {
  auto r = LoadScenario("/nonexistent/x.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  EXPECT_NE(r.error().message.find("/nonexistent/x.json"), std::string::npos);
}

}  // namespace
}  // namespace notion_sim::scenarios
