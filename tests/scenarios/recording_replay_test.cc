// The client's view of a run: the structured log (--log) and the recording that replays any live
// run in simulation without serve's decision journal (as against Notion, which journals nothing).
// Live runs go to the fake's HTTP door on 127.0.0.1, started by the test, for a few seconds each.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "loopback_serve.h"
#include "notion_sim/explore/shrink.h"
#include "notion_sim/scenarios/client_test.h"
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
          {"faults", json::array({{{"match", {{"operation", "retrieve_page"}}},
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

const checks::InvariantResult& Invariant(const RunResult& r, const std::string& name) {
  for (const auto& inv : r.checks.invariants) {
    if (inv.name == name) return inv;
  }
  static const checks::InvariantResult kNone;
  ADD_FAILURE() << "no invariant " << name;
  return kNone;
}

// What the done-when compares, on one line: verdict, what failed, operation counts, creates.
std::string Figures(const RunResult& r) {
  std::string failed;
  for (const std::string& f : Failed(r)) failed += (failed.empty() ? "" : ", ") + f;
  const auto& dup = Invariant(r, "no_duplicate_creates");
  return std::string(checks::RunVerdictName(r.verdict)) + " [" + failed + "] ops " +
         std::to_string(r.summary.ops_started) + " started, " +
         std::to_string(r.summary.ops_succeeded) + " succeeded, " +
         std::to_string(r.summary.ops_failed) + " failed, " +
         std::to_string(r.summary.ops_dead_lettered) + " dead-lettered; creates committed " +
         std::to_string(dup.checked_count) + ", duplicated ops " +
         std::to_string(dup.violation_count) + "; requests " +
         std::to_string(r.checks.metrics.requests);
}

RunResult Replay(const ScenarioSpec& spec, const std::string& recording_path) {
  auto rec = LoadRecording(recording_path);
  EXPECT_TRUE(rec.ok()) << rec.error().message;
  if (!rec.ok()) return RunResult{};
  auto r = RunScenario(spec, ReplayOptions(*rec));
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
  // The workload's targets, counted: the replay picks from as many pages (the fake's serve holds
  // the live run's five seeded pages; the simulated fake 200).
  ASSERT_TRUE(rec->targets.has_value());
  EXPECT_EQ(rec->targets->pages, 5u);
  std::size_t timeouts = 0, lookups_found = 0, with_retry_after = 0, request_ids = 0;
  for (const RecordedAttempt& a : rec->attempts) {
    timeouts += a.outcome == engine::TransportOutcome::kTimeout ? 1 : 0;
    lookups_found += a.lookup && a.found ? 1 : 0;
    with_retry_after += a.retry_after_s == 1 ? 1 : 0;
    request_ids += a.request_id.empty() ? 0 : 1;
  }
  EXPECT_GE(timeouts, 3u);          // the hang and two lost creates
  EXPECT_GE(lookups_found, 3u);     // each ambiguous create was found by its lookup
  EXPECT_EQ(with_retry_after, 2u);  // the two 429s
  EXPECT_GE(request_ids, rec->attempts.size() - 4);  // all but the lost answers carry one

  const RunResult replay = Replay(spec, options.recording_path);
  EXPECT_EQ(replay.verdict, live->verdict);
  EXPECT_EQ(Failed(replay), Failed(*live));
  EXPECT_EQ(replay.summary.ops_started, live->summary.ops_started);
  EXPECT_EQ(replay.summary.ops_succeeded, live->summary.ops_succeeded);
  EXPECT_EQ(replay.checks.metrics.http_429, live->checks.metrics.http_429);
  EXPECT_EQ(replay.checks.metrics.reconcile_lookups, live->checks.metrics.reconcile_lookups);
  // The lost and 503'd creates were applied in the replay too, once each: the target holds as
  // many created pages as live (the recording's "commits" line says how many).
  EXPECT_TRUE(rec->has_commits);
  EXPECT_EQ(Invariant(replay, "no_duplicate_creates").checked_count,
            Invariant(*live, "no_duplicate_creates").checked_count);
  EXPECT_EQ(Invariant(replay, "no_duplicate_creates").violation_count, 0u);
  std::cout << "recorded_day: " << rec->attempts.size()
            << " requests recorded\n  live:   " << Figures(*live)
            << "\n  replay: " << Figures(replay) << "\n";
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
  EXPECT_EQ(replay.summary.ops_succeeded, live->summary.ops_succeeded);
  EXPECT_EQ(replay.checks.metrics.requests, live->checks.metrics.requests);
  std::cout << "recorded_fail:\n  live:   " << Figures(*live) << "\n  replay: " << Figures(replay)
            << "\n";

  // The recording inlined as the scenario's "replay" section (`replay --write-scenario`): a
  // standalone file that replays to the same figures alone, and shrinks like any scenario.
  auto doc = ScenarioWithRecording(spec.source, options.recording_path);
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  auto standalone = ParseScenario(doc->dump(), "recorded_fail.replay.json");
  ASSERT_TRUE(standalone.ok()) << standalone.error().message;
  ASSERT_NE(standalone->replay, nullptr);
  auto alone = RunScenario(*standalone);
  ASSERT_TRUE(alone.ok()) << alone.error().message;
  EXPECT_EQ(Figures(*alone), Figures(replay));
  // Under another stack (what `sweep --set stack.retry.max_attempts=...` asks), the same answers
  // are replayed: more attempts get past the recorded 503s, so fewer operations fail.
  json retried = *doc;
  retried["stack"]["retry"]["max_attempts"] = 4;
  auto retried_spec = ParseScenario(retried.dump(), "recorded_fail.retried.json");
  ASSERT_TRUE(retried_spec.ok()) << retried_spec.error().message;
  auto more = RunScenario(*retried_spec);
  ASSERT_TRUE(more.ok()) << more.error().message;
  EXPECT_LT(more->summary.ops_failed, alone->summary.ops_failed);
  explore::ShrinkOptions shrink;
  shrink.max_runs = 60;
  auto shrunk = explore::Shrink(*doc, "recorded_fail", shrink);
  ASSERT_TRUE(shrunk.ok()) << shrunk.error().message;
  EXPECT_TRUE(shrunk->minimal.contains("replay"));
  auto minimal = ParseScenario(shrunk->minimal.dump(), "recorded_fail.shrunk.json");
  ASSERT_TRUE(minimal.ok()) << minimal.error().message;
  auto still = RunScenario(*minimal);
  ASSERT_TRUE(still.ok()) << still.error().message;
  EXPECT_EQ(still->verdict, checks::RunVerdict::kFail);
  std::cout << "  alone:  " << Figures(*alone) << "\n  4 attempts: " << Figures(*more)
            << "\n  shrunk: " << shrunk->before.Text() << " -> " << shrunk->after.Text() << " in "
            << shrunk->runs << " runs: " << Figures(*still) << "\n";
}

// The done-when with the failure a client cannot see: fixed-delay retries creates whose answers
// were lost after they committed, so serve holds two pages for those operations. The client saw
// only timeouts and 503s; the recording's "commits" line (read from serve's ledger at the end, as
// from the sandbox's pages against Notion) lets the replay commit the same pages, so it fails
// no_duplicate_creates the same way. Without that line the replay could not know.
TEST_F(Recorded, ADuplicatingLiveRunReplaysToTheSameDuplicates) {
  const ScenarioSpec spec =
      Spec({{"name", "recorded_dupes"},
            {"seed", 21},
            {"duration_s", 3},
            {"drain_limit_s", 30},
            {"stack",
             {{"profile", "fixed-delay"},
              {"timeouts", {{"request_ms", 700}}},
              {"retry", {{"initial_delay_ms", 100}, {"max_delay_ms", 100}}}}},
            {"faults", json::array({{{"match", {{"operation", "create_page"}}},
                                     {"trigger", {{"first", 2}}},
                                     {"action", "lose_after_commit"},
                                     {"loss", "timeout"}},
                                    {{"match", {{"operation", "create_page"}}},
                                     {"trigger", {{"first", 1}}},
                                     {"action", "commit_then_503"}}})},
            {"workload",
             {{"streams", json::array({{{"operation", "create_page"}, {"rate_per_s", 3}}})}}},
            {"gates", json::array({{{"metric", "ops.failed"}, {"max", 0}}})}});
  const LiveOptions options = Options("recorded_dupes");
  auto live = RunScenarioLive(spec, options);
  ASSERT_TRUE(live.ok()) << live.error().message;
  ASSERT_EQ(live->verdict, checks::RunVerdict::kFail);
  // Two lost answers and a 503 after a commit, each retried blindly: three operations made two
  // pages each.
  EXPECT_EQ(Invariant(*live, "no_duplicate_creates").violation_count, 3u);
  EXPECT_EQ(Failed(*live), std::vector<std::string>{"invariant no_duplicate_creates"});

  const RunResult replay = Replay(spec, options.recording_path);
  EXPECT_EQ(replay.verdict, live->verdict);
  EXPECT_EQ(Failed(replay), Failed(*live));
  EXPECT_EQ(Invariant(replay, "no_duplicate_creates").violation_count, 3u);
  EXPECT_EQ(Invariant(replay, "no_duplicate_creates").checked_count,
            Invariant(*live, "no_duplicate_creates").checked_count);
  EXPECT_EQ(replay.summary.ops_started, live->summary.ops_started);
  EXPECT_EQ(replay.summary.ops_succeeded, live->summary.ops_succeeded);
  EXPECT_EQ(replay.checks.metrics.requests, live->checks.metrics.requests);
  std::cout << "recorded_dupes:\n  live:   " << Figures(*live) << "\n  replay: " << Figures(replay)
            << "\n";

  // The same recording without its "commits" line: the lost creates replay as not applied.
  std::ifstream in(options.recording_path);
  const std::string stripped = (dir_ / "stripped.recording.jsonl").string();
  std::ofstream out(stripped);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find("\"kind\":\"commits\"") == std::string::npos) out << line << "\n";
  }
  out.close();
  const RunResult blind = Replay(spec, stripped);
  EXPECT_EQ(Invariant(blind, "no_duplicate_creates").violation_count, 0u);
  std::cout << "  replay without the commits line: " << Figures(blind) << "\n";
}

// Which lost creates a replay applies: with the "commits" line, as many as the target held beyond
// the 2xx creates (those a lookup found first, then the earliest); without it, those a lookup
// found.
TEST(Recording, CommitsDecideWhichLostCreatesWereApplied) {
  Recording r;
  auto add = [&r](std::uint64_t op, std::uint32_t attempt, engine::TransportOutcome outcome,
                  int status, bool lookup = false, bool found = false) {
    RecordedAttempt a;
    a.seq = r.attempts.size() + 1;
    a.op_id = op;
    a.attempt = attempt;
    a.operation = engine::Operation::kCreatePage;
    a.outcome = outcome;
    a.status = status;
    a.lookup = lookup;
    a.found = found;
    r.attempts.push_back(a);
  };
  using engine::TransportOutcome;
  add(1, 1, TransportOutcome::kTimeout, 0);  // op 1: lost, then made again
  add(1, 2, TransportOutcome::kResponse, 200);
  add(2, 1, TransportOutcome::kResponse, 503);  // op 2: 503, then made again
  add(2, 2, TransportOutcome::kResponse, 200);
  add(3, 1, TransportOutcome::kConnectionReset, 0);  // op 3: reset, lost again, a lookup
  add(3, 2, TransportOutcome::kTimeout, 0);          // found the page after the second
  add(3, 2, TransportOutcome::kResponse, 200, true, true);
  const auto actions = [](const Recording& rec) {
    std::vector<sim::FaultAction> out;
    for (const auto& d : DecisionsFromRecording(rec)) out.push_back(d.decision.action);
    return out;
  };
  using sim::FaultAction;
  // No commits line: only the lookup's find counts.
  EXPECT_EQ(actions(r),
            (std::vector<FaultAction>{
                FaultAction::kHang, FaultAction::kDelay, FaultAction::kRespond, FaultAction::kDelay,
                FaultAction::kReset, FaultAction::kLoseAfterCommit, FaultAction::kDelay}));
  // Serve held two pages for ops 1 and 2 and two for op 3: the found one, then the earliest.
  r.has_commits = true;
  r.commits = {{1, 2}, {2, 2}, {3, 2}};
  EXPECT_EQ(actions(r),
            (std::vector<FaultAction>{FaultAction::kLoseAfterCommit, FaultAction::kDelay,
                                      FaultAction::kCommitThen503, FaultAction::kDelay,
                                      FaultAction::kLoseAfterCommit, FaultAction::kLoseAfterCommit,
                                      FaultAction::kDelay}));
  // One page each: the 2xx made it for ops 1 and 2; op 3's lookup-found attempt made it.
  r.commits = {{1, 1}, {2, 1}, {3, 1}};
  EXPECT_EQ(actions(r),
            (std::vector<FaultAction>{
                FaultAction::kHang, FaultAction::kDelay, FaultAction::kRespond, FaultAction::kDelay,
                FaultAction::kReset, FaultAction::kLoseAfterCommit, FaultAction::kDelay}));
}

TEST(Recording, BadFilesAreNamed) {
  const auto dir = std::filesystem::temp_directory_path() / "nsim-recording-bad";
  std::filesystem::create_directories(dir);
  const auto write = [&](const std::string& name, const std::string& text) {
    std::string path = (dir / name).string();
    std::ofstream(path) << text;
    return path;
  };
  EXPECT_FALSE(LoadRecording((dir / "missing.jsonl").string()).ok());
  auto no_header = LoadRecording(write("a.jsonl", "{\"seq\": 1}\n"));
  ASSERT_FALSE(no_header.ok());
  EXPECT_NE(no_header.error().message.find("a.jsonl:1"), std::string::npos);
  auto bad_outcome =
      LoadRecording(write("b.jsonl",
                          "{\"format\": \"notion-sim.recording\", \"version\": 1}\n"
                          "{\"seq\": 1, \"latency_ms\": 3, \"outcome\": \"lost\"}\n"));
  ASSERT_FALSE(bad_outcome.ok());
  EXPECT_NE(bad_outcome.error().message.find("b.jsonl:2: outcome"), std::string::npos);
  auto ok = LoadRecording(
      write("c.jsonl",
            "{\"format\": \"notion-sim.recording\", \"version\": 1, \"key\": \"sequence\"}\n"
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

// The same live run watched at the door, as `test` and `proxy` watch a client: the door's recording
// (WriteDoorRecording: keyed by the x-notion-sim-op-id the stack sends, latencies as the door saw
// them, the commits the door saw) replays to the live verdict too.
class DoorRecorded : public Recorded {
 protected:
  DoorRecorded() { observer_ = &door_; }
  ClientObserver door_{checks::ClientJudgeConfig{}};
};

TEST_F(DoorRecorded, AFailingLiveRunRecordedAtTheDoorReplaysToTheSameFailure) {
  const ScenarioSpec spec = Spec(
      FaultyDay("door_fail", {{"retry", {{"max_attempts", 1}}}, {"dlq", {{"enabled", false}}}}));
  const LiveOptions options = Options("door_fail");
  auto live = RunScenarioLive(spec, options);
  ASSERT_TRUE(live.ok()) << live.error().message;
  ASSERT_EQ(live->verdict, checks::RunVerdict::kFail);
  server_->Stop();  // every exchange has ended and been observed
  std::vector<checks::JudgedExchange> grouped;
  (void)door_.Verdict({}, {}, &grouped);
  auto client = LoadRecording(options.recording_path);
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE(client->targets.has_value());
  // The door cannot tell what the workload picked from: the header takes the client's count.
  const json header = {{"source", "proxy"},
                       {"scenario", spec.name},
                       {"seed", spec.seed},
                       {"targets",
                        {{"pages", client->targets->pages},
                         {"blocks", client->targets->blocks},
                         {"users", client->targets->users}}}};
  const std::string path = (dir_ / "door.recording.jsonl").string();
  ASSERT_TRUE(WriteDoorRecording(path, header, grouped).ok());
  EXPECT_EQ(Read(path).find(kToken), std::string::npos);
  auto rec = LoadRecording(path);
  ASSERT_TRUE(rec.ok()) << rec.error().message;
  EXPECT_EQ(rec->key, "op_attempt");
  EXPECT_TRUE(rec->door_clock);
  EXPECT_TRUE(rec->has_commits);
  EXPECT_EQ(rec->attempts.size(), live->checks.metrics.requests);  // the set-up left out
  const RunResult replay = Replay(spec, path);
  EXPECT_EQ(replay.verdict, checks::RunVerdict::kFail);
  EXPECT_EQ(Failed(replay), Failed(*live));
  EXPECT_EQ(replay.summary.ops_failed, live->summary.ops_failed);
  EXPECT_EQ(replay.summary.ops_succeeded, live->summary.ops_succeeded);
  EXPECT_EQ(replay.checks.metrics.requests, live->checks.metrics.requests);
  EXPECT_EQ(Invariant(replay, "no_duplicate_creates").checked_count,
            Invariant(*live, "no_duplicate_creates").checked_count);
  std::cout << "door_fail: " << rec->attempts.size()
            << " requests recorded at the door\n  live:   " << Figures(*live)
            << "\n  replay: " << Figures(replay) << "\n";
}

}  // namespace
}  // namespace notion_sim::scenarios
