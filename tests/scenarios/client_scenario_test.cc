// Client scenarios (`notion-sim test`): what they read, the errors they give, and that every file
// of the library in scenarios/client/ loads.
#include "notion_sim/scenarios/client_scenario.h"

#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

namespace notion_sim::scenarios {
namespace {

std::string ErrorOf(const std::string& text) {
  auto r = ParseClientScenario(text, "c.json");
  return r.ok() ? "" : r.error().message;
}

TEST(ClientScenario, ReadsEverySection) {
  auto r = ParseClientScenario(R"({
    "name": "storm", "purpose": "p", "seed": 7, "duration_s": 30,
    "client": {"runs": 2, "concurrency": 3, "env": {"SYNC_RECORDS": "9", "B": "x"}},
    "tenants": [{"name": "acme"}, {"name": "globex", "token": "secret_globex_1234567"}],
    "workspace": {"rate_limits": {"mode": "fixed_window", "window_requests": 20, "window_s": 4}},
    "faults": [{"trigger": {"every": 3}, "action": "respond", "status": 429, "retry_after_s": 1}],
    "invariants": {"max_attempts": 4, "client_rate": {"budget": 15, "window_s": 3}},
    "expect": [{"data_source": "Tasks", "pages": 5, "distinct_titles": true,
                "distinct": "idempotency_key"}]})",
                               "c.json");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->name, "storm");
  EXPECT_EQ(r->seed, 7u);
  EXPECT_EQ(r->duration_us, Sec(30));
  EXPECT_EQ(r->runs, 2u);
  EXPECT_EQ(r->concurrency, 3u);
  ASSERT_EQ(r->env.size(), 2u);
  // In the order of their names (the environment's order does not matter).
  EXPECT_EQ(r->env[0], (std::pair<std::string, std::string>{"B", "x"}));
  EXPECT_EQ(r->env[1], (std::pair<std::string, std::string>{"SYNC_RECORDS", "9"}));
  // Tenants are the fake's tokens, in order; the default workspace's database is there.
  ASSERT_EQ(r->fake.workspace.tokens.size(), 2u);
  EXPECT_EQ(r->fake.workspace.tokens[0].token, "secret_sim_acme");
  EXPECT_EQ(r->fake.workspace.tokens[1].token, "secret_globex_1234567");
  EXPECT_EQ(r->fake.workspace.tokens[1].tenant, 1);
  ASSERT_EQ(r->fake.workspace.databases.size(), 1u);
  EXPECT_EQ(r->fake.workspace.databases[0].data_sources[0].title, "Tasks");
  EXPECT_EQ(r->fake.workspace.databases[0].data_sources[0].pages, 0u);
  EXPECT_EQ(r->fake.workspace.rate_limits.window_requests, 20);
  EXPECT_EQ(r->fake.faults.rules().size(), 1u);
  EXPECT_EQ(r->judge.max_attempts, 4u);
  EXPECT_EQ(r->judge.rate_budget, 15);
  EXPECT_EQ(r->judge.rate_window_us, Sec(3));
  ASSERT_EQ(r->expect.size(), 1u);
  EXPECT_EQ(r->expect[0].pages, 5u);
  EXPECT_EQ(DescribeExpect(r->expect[0]),
            "data source Tasks holds exactly 5 pages, with distinct titles, with distinct "
            "idempotency_key values");
}

TEST(ClientScenario, DefaultsAreOneRunOfOneCopyForAMinute) {
  auto r = ParseClientScenario(R"({"name": "x", "client": {}})", "c.json");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->runs, 1u);
  EXPECT_EQ(r->concurrency, 1u);
  EXPECT_EQ(r->duration_us, Sec(60));
  ASSERT_EQ(r->tenants.size(), 1u);
  EXPECT_EQ(r->tenants[0].name, "default");
  EXPECT_EQ(r->judge.max_attempts, 6u);
  EXPECT_TRUE(r->expect.empty());
}

TEST(ClientScenario, ErrorsNameTheFileAndThePath) {
  EXPECT_EQ(ErrorOf(R"({"name": "x", "workload": {"streams": []}})"),
            "c.json:1:1: at /: not a client scenario: it has no \"client\" section (a simulated "
            "scenario runs with notion-sim run c.json)");
  EXPECT_EQ(ErrorOf(R"({"name": "x", "client": {}, "workload": {}})"),
            "c.json:1:29: at /workload: a client scenario has no \"workload\": the command under "
            "test is the workload");
  EXPECT_EQ(ErrorOf(R"({"name": "x", "client": {"runs": 0}})"),
            "c.json:1:34: at /client/runs: expected an integer in [1, 1000], found 0");
  EXPECT_NE(ErrorOf(R"({"name": "x", "client": {"env": {"NOTION_TOKEN": "a"}}})")
                .find("at /client/env/NOTION_TOKEN: NOTION_* variables are set by notion-sim test"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"name": "x", "client": {"env": {"A": 1}}})")
                .find("at /client/env/A: expected a string value"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"name": "x", "client": {"env": {"1A": "x"}}})")
                .find("at /client/env/1A: expected an environment variable name"),
            std::string::npos);
  EXPECT_NE(
      ErrorOf(R"({"name": "x", "client": {}, "expect": [{"data_source": "Nope", "pages": 1}]})")
          .find("at /expect/0/data_source: no data source \"Nope\" in the workspace (it has "
                "\"Tasks\")"),
      std::string::npos);
  EXPECT_NE(ErrorOf(R"({"name": "x", "client": {}, "expect": [{"distinct": "Colour"}]})")
                .find("at /expect/0/distinct: data source \"Tasks\" has no property \"Colour\""),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"name": "x", "client": {}, "expect": [{"data_source": "Tasks"}]})")
                .find("at /expect/0: expected at least one of \"pages\", \"distinct_titles\" or "
                      "\"distinct\""),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"name": "x", "client": {}, "workspace": {"tokens": [{"token": "t"}]}})")
                .find("at /workspace: a client scenario's tokens come from \"tenants\""),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"name": "x", "client": {}, "invariants": {"off": ["bounded"]}})")
                .find("at /invariants/off: unknown invariant \"bounded\""),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"name": "x", "client": {}, "faults": [{"action": "nope"}]})")
                .find("at /faults/0/action"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"name": "x", "client": {"run": 2}})").find("at /client/run: unknown field"),
            std::string::npos);
}

TEST(ClientScenario, TheSimulatedLoaderPointsToNotionSimTest) {
  auto r = ParseScenario(R"({"name": "x", "client": {}})", "c.json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("this is a client scenario: run it with notion-sim test c.json "
                                   "-- CMD [ARGS...]"),
            std::string::npos)
      << r.error().message;
}

TEST(ClientScenario, EveryLibraryFileLoads) {
  const char* src = std::getenv("NSIM_SOURCE_DIR");
  ASSERT_NE(src, nullptr);
  auto files = FindScenarioFiles(std::string(src) + "/scenarios/client");
  ASSERT_TRUE(files.ok()) << files.error().message;
  EXPECT_GE(files->size(), 9u);
  for (const std::string& f : *files) {
    auto r = LoadClientScenario(f);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  }
}

}  // namespace
}  // namespace notion_sim::scenarios
