// The client's view of a run: the structured log (--log) and the recording that replays any live
// run in simulation without serve's decision journal (as against Notion, which journals nothing).
// Live runs go to the fake's HTTP door on 127.0.0.1, started by the test, for a few seconds each.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "loopback_serve.h"
#include "notion_sim/scenarios/event_log.h"
#include "notion_sim/scenarios/live.h"
#include "notion_sim/scenarios/recording.h"
#include "notion_sim/scenarios/run.h"
#include "notion_sim/scenarios/scenario.h"

namespace notion_sim::scenarios {
namespace {

using nlohmann::json;

constexpr const char* kToken = "ntn_recording_test_token_9c1d";

class Recorded : public testing::LoopbackServe {
 protected:
  Recorded() : LoopbackServe(kToken, 9) {}
  ScenarioSpec Spec(const json& j) {
    auto spec = LoadScenario(WriteScenario(j));
    EXPECT_TRUE(spec.ok()) << spec.error().message;
    return spec.ok() ? std::move(spec).value() : ScenarioSpec{};
  }
  LiveOptions Options(const std::string& name) {
    LiveOptions o;
    o.base_url = server_->BaseUrl();
    o.tokens = {kToken};
    o.state_path = (dir_ / (name + ".live.sqlite")).string();
    o.recording_path = (dir_ / (name + ".recording.jsonl")).string();
    return o;  // no decisions_path: serve's journal is not read
  }
  std::string Read(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
};

// Three seconds of every kind of fault a client can see: 429 with Retry-After, 503s, a hang, a
// reset, lost creates and a 503 after a commit.
json FaultyDay(const std::string& name, const json& stack_extra) {
  json stack = {{"profile", "recommended"},
                {"timeouts", {{"request_ms", 700}, {"connect_ms", 500}}},
                {"limiter", {{"rate_per_s", 20}, {"burst", 20}}},
                {"retry", {{"initial_delay_ms", 50}, {"max_delay_ms", 400}}},
                {"dlq", {{"retry_delays_ms", json::array({200})}}}};
  stack.merge_patch(stack_extra);
  return {{"name", name},
          {"seed", 13},
          {"duration_s", 3},
          {"drain_limit_s", 30},
          {"stack", stack},
          {"faults",
           json::array({{{"match", {{"operation", "retrieve_page"}}},
                         {"trigger", {{"first", 2}}},
                         {"action", "respond"},
                         {"status", 429},
                         {"code", "rate_limited"},
                         {"retry_after_s", 1}},
                        {{"match", {{"operation", "update_page"}}},
                         {"trigger", {{"first", 2}}},
                         {"action", "respond"},
                         {"status", 503},
                         {"code", "service_unavailable"}},
                        {{"match", {{"operation", "retrieve_page"}}},
                         {"trigger", {{"first", 1}}},
                         {"action", "hang"}},
                        {{"match", {{"operation", "retrieve_page"}}},
                         {"trigger", {{"first", 1}}},
                         {"action", "reset"}},
                        {{"match", {{"operation", "create_page"}}},
                         {"trigger", {{"first", 2}}},
                         {"action", "lose_after_commit"},
                         {"loss", "timeout"}},
                        {{"match", {{"operation", "create_page"}}},
                         {"trigger", {{"first", 1}}},
                         {"action", "commit_then_503"}}})},
          {"workload",
           {{"streams", json::array({{{"operation", "retrieve_page"}, {"rate_per_s", 4}},
                                     {{"operation", "create_page"}, {"rate_per_s", 2}},
                                     {{"operation", "update_page"}, {"rate_per_s", 1}}})}}},
          {"gates", json::array({{{"metric", "ops.failed"}, {"max", 0}},
                                 {{"metric", "ops.unfinished"}, {"max", 0}}})}};
}

// Names of what failed: invariants and gates.
std::vector<std::string> Failed(const RunResult& r) {
  std::vector<std::string> out;
  for (const auto& inv : r.checks.invariants) {
    if (!inv.held()) out.push_back("invariant " + inv.name);
  }
  for (const auto& g : r.checks.gates) {
    if (g.verdict != checks::GateVerdict::kPass) out.push_back("gate " + g.text);
  }
  return out;
}

RunResult Replay(const ScenarioSpec& spec, const std::string& recording_path) {
  auto rec = LoadRecording(recording_path);
  EXPECT_TRUE(rec.ok()) << rec.error().message;
  SimOptions o;
  o.replay = DecisionsFromRecording(*rec);
  o.replay_client_view = true;
  auto r = RunScenario(spec, o);
  EXPECT_TRUE(r.ok()) << r.error().message;
  return r.ok() ? std::move(r).value() : RunResult{};
}

TEST_F(Recorded, AFaultyLiveRunReplayedFromTheClientRecordingGivesTheSameVerdict) {
  const ScenarioSpec spec = Spec(FaultyDay("recorded_day", json::object()));
  LiveOptions options = Options("recorded_day");
  auto log = EventLog::Open((dir_ / "run.log").string(), {kToken});
  ASSERT_TRUE(log.ok());
  options.event_log = log->get();
  auto live = RunScenarioLive(spec, options);
  ASSERT_TRUE(live.ok()) << live.error().message;
  (*log)->Close();
  ASSERT_GE(live->server_faults_injected, 8u);

  auto rec = LoadRecording(options.recording_path);
  ASSERT_TRUE(rec.ok()) << rec.error().message;
  EXPECT_EQ(rec->key, "op_attempt");
  EXPECT_EQ(rec->scenario, "recorded_day");
  EXPECT_EQ(rec->seed, 13u);
  std::size_t timeouts = 0, lookups_found = 0, with_retry_after = 0, request_ids = 0;
  for (const RecordedAttempt& a : rec->attempts) {
    timeouts += a.outcome == engine::TransportOutcome::kTimeout ? 1 : 0;
    lookups_found += a.lookup && a.found ? 1 : 0;
    with_retry_after += a.retry_after_s == 1 ? 1 : 0;
    request_ids += a.request_id.empty() ? 0 : 1;
  }
  EXPECT_GE(timeouts, 3u);         // the hang and two lost creates
  EXPECT_GE(lookups_found, 3u);    // each ambiguous create was found by its lookup
  EXPECT_EQ(with_retry_after, 2u);  // the two 429s
  EXPECT_GE(request_ids, rec->attempts.size() - 4);  // all but the lost answers carry one

  const RunResult replay = Replay(spec, options.recording_path);
  EXPECT_EQ(replay.verdict, live->verdict);
  EXPECT_EQ(Failed(replay), Failed(*live));
  EXPECT_EQ(replay.summary.ops_started, live->summary.ops_started);
  EXPECT_EQ(replay.summary.ops_succeeded, live->summary.ops_succeeded);
  EXPECT_EQ(replay.checks.metrics.http_429, live->checks.metrics.http_429);
  EXPECT_EQ(replay.checks.metrics.reconcile_lookups, live->checks.metrics.reconcile_lookups);
  // The lost and 503'd creates were applied in the replay too (a lookup found each), once.
  EXPECT_EQ(replay.server_writes >= 3, true);
  std::cout << "live: " << checks::RunVerdictName(live->verdict) << ", "
            << live->summary.ops_started << " ops, " << rec->attempts.size()
            << " requests recorded; replay: " << checks::RunVerdictName(replay.verdict) << "\n";
  const RunResult again = Replay(spec, options.recording_path);
  EXPECT_EQ(again.summary.digest, replay.summary.digest);

  // The log: an attempt line per recorded request, trace ids, request ids, and no token.
  const std::string text = Read((dir_ / "run.log").string());
  EXPECT_EQ(text.find(kToken), std::string::npos);
  EXPECT_EQ(Read(options.recording_path).find(kToken), std::string::npos);
  std::size_t attempts = 0;
  std::istringstream lines(text);
  std::string line;
  std::uint64_t a_lost_create = 0;
  while (std::getline(lines, line)) {
    const json l = json::parse(line);
    if (l["kind"] != "attempt") continue;
    ++attempts;
    EXPECT_EQ(l["trace_id"], TraceIdFor(l["op"].get<std::uint64_t>()));
    if (l.value("outcome", "") == "timeout" && l["path"] == "/v1/pages") {
      a_lost_create = l["op"].get<std::uint64_t>();
    }
  }
  EXPECT_EQ(attempts, rec->attempts.size());
  ASSERT_NE(a_lost_create, 0u);
  std::istringstream in(text);
  auto story = OperationStory(in, a_lost_create);
  ASSERT_TRUE(story.ok());
  std::string joined;
  for (const std::string& s : *story) joined += s + "\n";
  EXPECT_NE(joined.find("started: create_page"), std::string::npos) << joined;
  EXPECT_NE(joined.find("POST /v1/pages -> timeout"), std::string::npos) << joined;
  EXPECT_NE(joined.find("the page is there"), std::string::npos) << joined;
  EXPECT_NE(joined.find("ended succeeded"), std::string::npos) << joined;
}

TEST_F(Recorded, AFailingLiveRunReplaysToTheSameFailure) {
  // One attempt and no DLQ: the 503s on updates fail operations, which the gate refuses.
  const ScenarioSpec spec = Spec(FaultyDay(
      "recorded_fail", {{"retry", {{"max_attempts", 1}}}, {"dlq", {{"enabled", false}}}}));
  const LiveOptions options = Options("recorded_fail");
  auto live = RunScenarioLive(spec, options);
  ASSERT_TRUE(live.ok()) << live.error().message;
  ASSERT_EQ(live->verdict, checks::RunVerdict::kFail);
  const RunResult replay = Replay(spec, options.recording_path);
  EXPECT_EQ(replay.verdict, checks::RunVerdict::kFail);
  EXPECT_EQ(Failed(replay), Failed(*live));
  EXPECT_EQ(replay.summary.ops_failed, live->summary.ops_failed);
}

TEST(Recording, BadFilesAreNamed) {
  const auto dir = std::filesystem::temp_directory_path() / "nsim-recording-bad";
  std::filesystem::create_directories(dir);
  const auto write = [&](const std::string& name, const std::string& text) {
    const std::string path = (dir / name).string();
    std::ofstream(path) << text;
    return path;
  };
  EXPECT_FALSE(LoadRecording((dir / "missing.jsonl").string()).ok());
  auto no_header = LoadRecording(write("a.jsonl", "{\"seq\": 1}\n"));
  ASSERT_FALSE(no_header.ok());
  EXPECT_NE(no_header.error().message.find("a.jsonl:1"), std::string::npos);
  auto bad_outcome = LoadRecording(write(
      "b.jsonl", "{\"format\": \"notion-sim.recording\", \"version\": 1}\n"
                 "{\"seq\": 1, \"latency_ms\": 3, \"outcome\": \"lost\"}\n"));
  ASSERT_FALSE(bad_outcome.ok());
  EXPECT_NE(bad_outcome.error().message.find("b.jsonl:2: outcome"), std::string::npos);
  auto ok = LoadRecording(write(
      "c.jsonl", "{\"format\": \"notion-sim.recording\", \"version\": 1, \"key\": \"sequence\"}\n"
                 "{\"seq\": 1, \"latency_ms\": 30, \"outcome\": \"response\", \"status\": 429, "
                 "\"code\": \"rate_limited\", \"retry_after_s\": 2, \"mine\": true}\n"
                 "{\"seq\": 2, \"latency_ms\": 700, \"outcome\": \"timeout\"}\n"));
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->key, "sequence");
  const auto decisions = DecisionsFromRecording(*ok);
  ASSERT_EQ(decisions.size(), 2u);
  EXPECT_EQ(decisions[0].decision.action, sim::FaultAction::kRespond);
  EXPECT_EQ(decisions[0].decision.status, 429);
  EXPECT_EQ(decisions[0].decision.retry_after_s, 2);
  EXPECT_EQ(decisions[0].decision.delay_us, Ms(30));
  EXPECT_EQ(decisions[1].decision.action, sim::FaultAction::kHang);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace notion_sim::scenarios
