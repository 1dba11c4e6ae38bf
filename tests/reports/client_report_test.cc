// A `notion-sim test` result through every writer: JSON (round trip), the terminal line, the
// Markdown summary (with the failed run's stderr), JUnit and the HTML page; and the admin API's
// verdict JSON.
#include <string>

#include <gtest/gtest.h>

#include "notion_sim/reports/html.h"
#include "notion_sim/reports/junit.h"
#include "notion_sim/reports/markdown.h"
#include "notion_sim/reports/result_json.h"
#include "notion_sim/reports/text.h"

namespace notion_sim::reports {
namespace {

scenarios::RunResult ClientResult() {
  checks::ClientJudgeConfig config;
  config.rate_budget = 3;
  config.rate_window_us = Sec(1);
  checks::ClientJudge judge(config);
  checks::ObservedExchange x;
  x.token = "acme";
  x.connection = "c1";
  x.method = "GET";
  x.path = "/v1/users/me";
  for (int i = 0; i < 5; ++i) {
    x.arrived_us = Ms(10 * i);
    x.answered_us = x.ended_us = x.arrived_us + Ms(1);
    x.status = i == 0 ? 429 : 200;
    x.retry_after = i == 0 ? "1" : "";
    x.retry_after_until_us = i == 0 ? std::optional<TimeUs>(Ms(1001)) : std::nullopt;
    x.injected = i == 0;
    x.fault = i == 0 ? "respond rule=1" : "";
    judge.Observe(x, "");
  }
  const std::vector<checks::CommandOutcome> runs = {{"run 1", 3, false, Sec(2)}};
  const std::vector<checks::ExpectOutcome> expects = {
      {"data source Tasks holds 5 pages", false, "it holds 4 pages"}};
  const checks::ClientVerdict v = judge.Verdict(runs, expects);

  scenarios::RunResult r;
  r.mode = "client";
  r.scenario = "storm";
  r.path = "scenarios/client/storm.json";
  r.profile = "client";
  r.seed = 3;
  r.reproduce = "notion-sim test scenarios/client/storm.json --seed 3 -- node sync.cjs";
  r.summary.virtual_time_us = Sec(2);
  r.checks.invariants = v.invariants;
  r.checks.metrics.requests = 5;
  r.checks.metrics.http_429 = 1;
  r.checks.metrics.span_us = Ms(40);
  r.verdict = checks::RunVerdict::kFail;
  scenarios::ClientReport c;
  c.command = "node sync.cjs";
  scenarios::ClientCommandRun run;
  run.exit_code = 3;
  run.ended_us = Sec(2);
  run.stdout_path = "out/storm.run1.stdout";
  run.stderr_path = "out/storm.run1.stderr";
  run.stderr_tail = "sync failed: create task-3: 503\n";
  c.runs.push_back(run);
  c.tokens = v.traffic.tokens;
  c.expects = expects;
  r.client = c;
  return r;
}

TEST(ClientReport, RoundTripsThroughJson) {
  const scenarios::RunResult r = ClientResult();
  const nlohmann::json j = ResultToJson(r);
  EXPECT_EQ(j.at("mode"), "client");
  EXPECT_EQ(j.at("client").at("command"), "node sync.cjs");
  EXPECT_EQ(j.at("client").at("runs").at(0).at("exit_code"), 3);
  EXPECT_EQ(j.at("client").at("tokens").at(0).at("provoked_429"), 0);
  EXPECT_EQ(j.at("client").at("tokens").at(0).at("busiest_window"), 5);
  Result<scenarios::RunResult> back = ResultFromJson(j, "x.json");
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(ResultToJson(*back), j);
  ASSERT_TRUE(back->client.has_value());
  EXPECT_EQ(back->client->runs[0].stderr_tail, "sync failed: create task-3: 503\n");
  // A simulated result has none, and says so.
  scenarios::RunResult sim = r;
  sim.client.reset();
  const nlohmann::json s = ResultToJson(sim);
  EXPECT_TRUE(s.at("client").is_null());
  Result<scenarios::RunResult> sim_back = ResultFromJson(s, "s.json");
  ASSERT_TRUE(sim_back.ok()) << sim_back.error().message;
  EXPECT_FALSE(sim_back->client.has_value());
  // Version 4 had no "client": migrated as none.
  nlohmann::json v4 = s;
  v4["schema_version"] = 4;
  v4.erase("client");
  Result<scenarios::RunResult> v4_back = ResultFromJson(v4, "v4.json");
  ASSERT_TRUE(v4_back.ok()) << v4_back.error().message;
  EXPECT_FALSE(v4_back->client.has_value());
}

TEST(ClientReport, EveryWriterShowsTheCommandAndWhatBroke) {
  const scenarios::RunResult r = ClientResult();
  EXPECT_EQ(CapacityLine(r),
            "1 run(s) of node sync.cjs (1 failed or killed); 5 requests in 40 ms at 0 req/min: 1 "
            "answered 429/529, 0 5xx, 0 without an answer, 0 repeats; 0 faults injected");
  EXPECT_EQ(SummaryLine(r).rfind("storm: fail, 1 run(s) of node sync.cjs", 0), 0u)
      << SummaryLine(r);
  const std::string md = MarkdownSummary({r});
  EXPECT_NE(
      md.find("| storm | ❌ **FAIL** | — | — | — | — | — | **3 violated**, 4 held | none | 3 | "
              "(real time) |"),
      std::string::npos)
      << md;
  EXPECT_NE(md.find("invariant **retry_after_respected** violated"), std::string::npos);
  EXPECT_NE(md.find("invariant **client_rate** violated"), std::string::npos);
  EXPECT_NE(md.find("- run 1 copy 1 of `node sync.cjs` exited 3"), std::string::npos) << md;
  EXPECT_NE(md.find("sync failed: create task-3: 503"), std::string::npos);
  EXPECT_NE(md.find("Reproduce: `notion-sim test scenarios/client/storm.json --seed 3 -- node "
                    "sync.cjs`"),
            std::string::npos);
  const std::string html = HtmlReport(r);
  EXPECT_NE(html.find("Runs of <code>node sync.cjs</code>"), std::string::npos);
  EXPECT_NE(html.find("Traffic per token"), std::string::npos);
  EXPECT_NE(html.find("it holds 4 pages"), std::string::npos);
  EXPECT_EQ(html.find("Breakers"), std::string::npos);  // nothing of the simulated stack
  const std::string junit = JunitXml({r});
  EXPECT_NE(junit.find("name=\"retry_after_respected\""), std::string::npos);
  EXPECT_NE(junit.find("name=\"finished\""), std::string::npos);
}

TEST(ClientReport, TheAdminVerdictJson) {
  checks::ClientJudge judge(checks::ClientJudgeConfig{});
  const nlohmann::json empty = ClientVerdictToJson(judge.Verdict(), {});
  EXPECT_EQ(empty.at("verdict"), "held");
  EXPECT_EQ(empty.at("requests"), 0);
  EXPECT_EQ(empty.at("invariants").size(), 7u);
  EXPECT_EQ(empty.at("invariants").at(6).at("verdict"), "off");  // finished: nothing to judge
  const std::vector<checks::ExpectOutcome> expects = {
      {"data source Tasks holds 1 pages", false, "it holds 0 pages"}};
  const nlohmann::json j = ClientVerdictToJson(judge.Verdict({}, expects), expects);
  EXPECT_EQ(j.at("verdict"), "violated");
  EXPECT_EQ(j.at("expects").at(0).at("found"), "it holds 0 pages");
  EXPECT_EQ(j.at("invariants").at(6).at("first_violation"),
            "expected data source Tasks holds 1 pages: it holds 0 pages");
}

}  // namespace
}  // namespace notion_sim::reports
