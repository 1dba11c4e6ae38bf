// RunClientTest with small shell commands on loopback: the environment a command gets, its time
// limit, runs and copies, its output summarised with tokens redacted, what the judge saw; and the
// adapter from the door's exchanges to the judge's (Retry-After in seconds and as an HTTP-date).
//
// Bounded: every command is a few curl calls or a sleep, within a 1-3 s limit.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "notion_sim/engine/retry_after.h"
#include "notion_sim/scenarios/client_scenario.h"
#include "notion_sim/scenarios/client_test.h"
#include "notion_sim/scenarios/event_log.h"

namespace notion_sim::scenarios {
namespace {

ClientScenario Load(const std::string& text) {
  auto r = ParseClientScenario(text, "c.json");
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : ClientScenario{};
}

std::string OutDir(const std::string& name) {
  std::string dir = ::testing::TempDir() + "client_run_" + name;
  std::filesystem::remove_all(dir);
  return dir;
}

const checks::InvariantResult& Inv(const RunResult& r, const std::string& name) {
  for (const checks::InvariantResult& i : r.checks.invariants) {
    if (i.name == name) return i;
  }
  static checks::InvariantResult none;
  ADD_FAILURE() << "no invariant " << name;
  return none;
}

TEST(ClientRun, TheCommandGetsItsEnvironmentAndIsJudged) {
  // A real token in the shell must not reach the command.
  ::setenv("NOTION_TOKEN_3", "ntn_real_token_from_the_shell_0123", 1);
  const ClientScenario spec = Load(R"({"name": "env", "duration_s": 10,
      "client": {"env": {"EXTRA": "yes"}},
      "tenants": [{"name": "acme", "token": "secret_acme_token_0123456789"}, {"name": "globex"}],
      "faults": [{"match": {"path": "/v1/users/me"}, "trigger": {"first": 1},
                  "action": "respond", "status": 429, "retry_after_s": 1}]})");
  ClientTestOptions o;
  o.out_dir = OutDir("env");
  o.command = {"/bin/sh", "-c",
               "env | grep -E '^(NOTION_|EXTRA)' | sed 's/=.*//' | LC_ALL=C sort; "
               "echo token=$NOTION_TOKEN; "
               "for i in 1 2; do curl -s -o /dev/null -w '%{http_code}\\n' "
               "-H \"Authorization: Bearer $NOTION_TOKEN\" -H 'Notion-Version: 2025-09-03' "
               "$NOTION_BASE_URL/v1/users/me; done"};
  auto r = RunClientTest(spec, o);
  ::unsetenv("NOTION_TOKEN_3");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_TRUE(r->client.has_value());
  ASSERT_EQ(r->client->runs.size(), 1u);
  const ClientCommandRun& run = r->client->runs[0];
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_FALSE(run.timed_out);
  EXPECT_EQ(run.stdout_tail,
            "EXTRA\nNOTION_BASE_URL\nNOTION_DATABASE_ID\nNOTION_DATA_SOURCE_ID\nNOTION_PAGE_ID\n"
            "NOTION_SIM_COPIES\nNOTION_SIM_COPY\nNOTION_SIM_RUN\nNOTION_TOKEN\nNOTION_TOKEN_2\n"
            "token=…6789\n429\n200\n");
  EXPECT_EQ(run.stdout_path, o.out_dir + "/env.run1.stdout");
  EXPECT_TRUE(std::filesystem::exists(run.stderr_path));
  // The repeat came at once after a 429 with Retry-After: 1.
  EXPECT_EQ(r->verdict, checks::RunVerdict::kFail);
  EXPECT_EQ(Inv(*r, "retry_after_respected").violation_count, 1u);
  EXPECT_TRUE(Inv(*r, "finished").held());
  EXPECT_EQ(r->checks.metrics.requests, 2u);
  EXPECT_EQ(r->checks.metrics.http_429, 1u);
  EXPECT_EQ(r->checks.metrics.faults_injected, 1u);
  ASSERT_EQ(r->client->tokens.size(), 1u);
  EXPECT_EQ(r->client->tokens[0].token, "acme");
  EXPECT_EQ(r->reproduce,
            "notion-sim test c.json --seed 1 -- /bin/sh -c " + ShellQuote({o.command[2]}));
  EXPECT_EQ(r->mode, "client");
}

// `test --log`: a line per request the command made, grouped into the operations the judge saw
// (a repeat of a failed request is the next attempt of the same operation, with the gap since
// the previous one ended: the command's retry delay), a line per judge decision, and no token.
TEST(ClientRun, TheLogTellsAnOperationsStoryFromTheDoor) {
  const std::string token = "secret_log_token_0123456789abcdef";
  const ClientScenario spec = Load(R"({"name": "logged", "duration_s": 10, "client": {},
      "tenants": [{"name": "acme", "token": ")" +
                                   token + R"("}],
      "invariants": {"max_attempts": 2},
      "faults": [{"match": {"path": "/v1/users/me"}, "trigger": {"first": 2},
                  "action": "respond", "status": 503}]})");
  ClientTestOptions o;
  o.out_dir = OutDir("logged");
  const std::string get =
      "curl -s -o /dev/null -H \"Authorization: Bearer $NOTION_TOKEN\" "
      "-H 'Notion-Version: 2025-09-03' $NOTION_BASE_URL/v1/users";
  o.command = {"/bin/sh", "-c",
               get + "/me; sleep 0.2; " + get + "/me; sleep 0.2; " + get + "/me; " + get};
  const std::string path = o.out_dir + "/logged.log.jsonl";
  std::filesystem::create_directories(o.out_dir);
  auto log = EventLog::Open(path, {token});
  ASSERT_TRUE(log.ok());
  o.log = log->get();
  auto r = RunClientTest(spec, o);
  ASSERT_TRUE(r.ok()) << r.error().message;
  (*log)->Close();
  EXPECT_EQ(Inv(*r, "attempts_bounded").violation_count, 1u);

  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str().find(token), std::string::npos);  // the Authorization header's token
  std::vector<nlohmann::json> attempts;
  std::vector<nlohmann::json> judged;
  std::istringstream lines(text.str());
  std::string line;
  while (std::getline(lines, line)) {
    const nlohmann::json l = nlohmann::json::parse(line);
    if (l["kind"] == "attempt") attempts.push_back(l);
    if (l["kind"] == "judge") judged.push_back(l);
  }
  ASSERT_EQ(attempts.size(), 4u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(attempts[i]["op"], 1) << attempts[i];
    EXPECT_EQ(attempts[i]["attempt"], i + 1);
    EXPECT_EQ(attempts[i]["trace_id"], TraceIdFor(1));
    EXPECT_EQ(attempts[i]["token"], "acme");
    EXPECT_EQ(attempts[i]["path"], "/v1/users/me");
    EXPECT_EQ(attempts[i]["status"], i < 2 ? 503 : 200);
    EXPECT_EQ(attempts[i].contains("injected"), i < 2);
    EXPECT_TRUE(attempts[i].contains("request_id"));
    EXPECT_EQ(attempts[i].contains("gap_ms"), i > 0);
    if (i > 0) {
      EXPECT_GE(attempts[i]["gap_ms"].get<double>(), 200.0);  // the sleep 0.2
    }
  }
  EXPECT_EQ(attempts[0]["fault"], "respond rule=1");
  EXPECT_EQ(attempts[0]["code"], "service_unavailable");
  EXPECT_EQ(attempts[3]["op"], 4);
  EXPECT_EQ(attempts[3]["path"], "/v1/users");
  ASSERT_EQ(judged.size(), 1u);
  EXPECT_EQ(judged[0]["check"], "attempts_bounded");
  EXPECT_EQ(judged[0]["op"], 1);

  std::ifstream again(path);
  auto story = OperationStory(again, 1);
  ASSERT_TRUE(story.ok()) << story.error().message;
  ASSERT_EQ(story->size(), 4u);
  EXPECT_NE((*story)[0].find("attempt 1: GET /v1/users/me -> 503 service_unavailable after "),
            std::string::npos)
      << (*story)[0];
  EXPECT_NE((*story)[0].find("[injected: respond rule=1]"), std::string::npos) << (*story)[0];
  EXPECT_NE((*story)[2].find("attempt 3: GET /v1/users/me -> 200 after "), std::string::npos)
      << (*story)[2];
  EXPECT_NE((*story)[2].find(" ms after the previous one ended"), std::string::npos);
  EXPECT_NE((*story)[3].find("the judge flagged it: attempts_bounded: token acme: the same "
                             "request sent 3 times in a row without a success (max_attempts 2)"),
            std::string::npos)
      << (*story)[3];
}

TEST(ClientRun, ACommandPastItsLimitIsKilledAndFailsFinished) {
  const ClientScenario spec = Load(R"({"name": "slow", "duration_s": 1, "client": {}})");
  ClientTestOptions o;
  o.out_dir = OutDir("slow");
  o.command = {"/bin/sh", "-c", "sleep 30 & sleep 30; echo never"};
  auto r = RunClientTest(spec, o);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const ClientCommandRun& run = r->client->runs[0];
  EXPECT_TRUE(run.timed_out);
  EXPECT_EQ(run.exit_code, 128 + 15);  // SIGTERM
  EXPECT_LT(run.ended_us - run.started_us, Sec(5));
  EXPECT_EQ(Inv(*r, "finished").violation_count, 1u);
  EXPECT_EQ(Inv(*r, "finished").violations[0].text,
            "run 1: still running at its time limit (killed)");
}

TEST(ClientRun, RunsFollowOneAnotherAndCopiesGoAtOnce) {
  const ClientScenario spec =
      Load(R"({"name": "copies", "duration_s": 5, "client": {"runs": 2, "concurrency": 3}})");
  ClientTestOptions o;
  o.out_dir = OutDir("copies");
  o.command = {"/bin/sh", "-c",
               "echo run=$NOTION_SIM_RUN copy=$NOTION_SIM_COPY of=$NOTION_SIM_COPIES; "
               "[ $NOTION_SIM_COPY != 2 ] || exit 4"};
  auto r = RunClientTest(spec, o);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->client->runs.size(), 6u);
  EXPECT_EQ(r->client->runs[4].run, 2u);
  EXPECT_EQ(r->client->runs[4].copy, 2u);
  EXPECT_EQ(r->client->runs[4].exit_code, 4);
  EXPECT_EQ(r->client->runs[5].stdout_tail, "run=2 copy=3 of=3\n");
  EXPECT_EQ(r->client->runs[5].stdout_path, o.out_dir + "/copies.run2.copy3.stdout");
  EXPECT_GE(r->client->runs[3].started_us, r->client->runs[2].ended_us);
  EXPECT_EQ(Inv(*r, "finished").violation_count, 2u);
  EXPECT_EQ(Inv(*r, "finished").violations[0].text, "run 1 copy 2: exited with status 4");
}

TEST(ClientRun, ExpectationsReadTheFinalState) {
  const ClientScenario spec = Load(R"({"name": "expect", "duration_s": 5, "client": {},
      "expect": [{"pages": 2, "distinct_titles": true}]})");
  ClientTestOptions o;
  o.out_dir = OutDir("expect");
  o.command = {"/bin/sh", "-c",
               "for t in a a; do curl -s -o /dev/null -H \"Authorization: Bearer $NOTION_TOKEN\" "
               "-H 'Notion-Version: 2025-09-03' -H 'Content-Type: application/json' "
               "-X POST $NOTION_BASE_URL/v1/pages -d '{\"parent\": {\"data_source_id\": \"'"
               "$NOTION_DATA_SOURCE_ID'\"}, \"properties\": {\"Name\": {\"title\": [{\"text\": "
               "{\"content\": \"'$t'\"}}]}}}'; done"};
  auto r = RunClientTest(spec, o);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->client->expects.size(), 1u);
  EXPECT_FALSE(r->client->expects[0].held);
  EXPECT_EQ(r->client->expects[0].found, "2 pages share the title \"a\"");
  EXPECT_EQ(Inv(*r, "finished").violation_count, 1u);
  EXPECT_TRUE(Inv(*r, "no_duplicate_creates").held());  // both answers arrived
}

TEST(ClientRun, BadCommandsAreBadInput) {
  const ClientScenario spec = Load(R"({"name": "bad", "client": {}})");
  ClientTestOptions o;
  o.out_dir = OutDir("bad");
  EXPECT_EQ(CheckClientTest(spec, o).error().code, ErrorCode::kInvalidInput);
  o.command = {"no-such-command-for-notion-sim"};
  const Status st = CheckClientTest(spec, o);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message,
            "the command \"no-such-command-for-notion-sim\" was not found (not an executable file "
            "on PATH)");
  EXPECT_EQ(ShellQuote({"node", "my sync.js", "it's"}), "node 'my sync.js' 'it'\\''s'");
}

TEST(ClientObserverAdapter, RetryAfterInSecondsAndAsAnHttpDate) {
  sim::DoorExchange d;
  d.caller = "acme";
  d.method = "GET";
  d.path = "/v1/users/me";
  d.status = 429;
  d.code = engine::ApiCode::kRateLimited;
  d.answered_us = Sec(10);
  d.retry_after = "2";
  checks::ObservedExchange x = ToObservedExchange(d);
  EXPECT_EQ(x.token, "acme");
  EXPECT_EQ(x.code, "rate_limited");
  EXPECT_EQ(x.retry_after_until_us, Sec(12));
  // A date 2 s past the next whole second, read 0.4 s into the second before: 2.6 s later.
  const std::int64_t epoch_s = 1'800'000'000;
  d.answered_wall_us = (epoch_s - 1) * kUsPerSec + Ms(400);
  d.retry_after = engine::FormatHttpDate(epoch_s + 2);
  x = ToObservedExchange(d);
  EXPECT_EQ(x.retry_after_until_us, Sec(10) + Ms(2600));
  d.retry_after = "soon";
  EXPECT_FALSE(ToObservedExchange(d).retry_after_until_us.has_value());
  d.end = sim::DoorEnd::kLost;
  EXPECT_EQ(ToObservedExchange(d).end, checks::ExchangeEnd::kLost);
}

}  // namespace
}  // namespace notion_sim::scenarios
