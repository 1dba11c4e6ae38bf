// Live runs (RunScenarioLive) against the fake's HTTP door on 127.0.0.1, started by the test: the
// scenario's faults installed on the server and seen through libcurl, the invariants judged with
// the server's ledger, the fault decisions replayed in simulation, the sandbox trashed, the
// safety rules and the state file's rules. Each run lasts a few seconds of real time.
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "http_test_util.h"
#include "loopback_serve.h"
#include "notion_sim/engine/json_reader.h"
#include "notion_sim/scenarios/live.h"
#include "notion_sim/scenarios/run.h"
#include "notion_sim/scenarios/scenario.h"
#include "notion_sim/simulator/fake_notion.h"
#include "notion_sim/simulator/fault_plan.h"
#include "notion_sim/simulator/http_server.h"

namespace notion_sim::scenarios {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* kToken = "ntn_live_test_token_4f2a";

class LiveRun : public testing::LoopbackServe {
 protected:
  LiveRun() : LoopbackServe(kToken, 7) {}
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
    o.decisions_path = (dir_ / (name + ".decisions.json")).string();
    return o;
  }
};

// A short day with every kind of fault, aimed at the stack the library recommends, with its
// timeouts and DLQ sized for seconds instead of minutes.
json FaultyDay(const std::string& name) {
  return {{"name", name},
          {"seed", 11},
          {"duration_s", 3},
          {"drain_limit_s", 30},
          {"stack",
           {{"profile", "recommended"},
            {"timeouts", {{"request_ms", 700}, {"connect_ms", 500}}},
            // Loopback is not Notion: a faster budget keeps the test to seconds.
            {"limiter", {{"rate_per_s", 20}, {"burst", 20}}},
            {"retry", {{"initial_delay_ms", 50}, {"max_delay_ms", 400}}},
            {"dlq", {{"retry_delays_ms", json::array({200})}}}}},
          {"faults", json::array({
                         {{"match", {{"operation", "retrieve_page"}}},
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
                         {{"match", {{"operation", "query_data_source"}}},
                          {"trigger", {{"first", 1}}},
                          {"action", "stall_body"}},
                         {{"match", {{"operation", "retrieve_page"}}},
                          {"trigger", {{"first", 1}}},
                          {"action", "reset"}},
                         {{"match", {{"operation", "create_page"}}},
                          {"trigger", {{"first", 2}}},
                          {"action", "lose_after_commit"},
                          {"loss", "timeout"}},
                         {{"match", {{"operation", "create_page"}}},
                          {"trigger", {{"first", 1}}},
                          {"action", "commit_then_503"}},
                     })},
          {"workload",
           {{"streams", json::array({{{"operation", "retrieve_page"}, {"rate_per_s", 4}},
                                     {{"operation", "create_page"}, {"rate_per_s", 2}},
                                     {{"operation", "update_page"}, {"rate_per_s", 1}},
                                     {{"operation", "query_data_source"}, {"rate_per_s", 1}}})}}}};
}

const checks::InvariantResult* Invariant(const RunResult& r, const std::string& name) {
  for (const auto& inv : r.checks.invariants) {
    if (inv.name == name) return &inv;
  }
  return nullptr;
}

TEST_F(LiveRun, ServesTheScenariosFaultsAndTheStackHandlesEachAsInSimulation) {
  const ScenarioSpec spec = Spec(FaultyDay("faulty_day"));
  const LiveOptions options = Options("faulty_day");
  auto result = RunScenarioLive(spec, options);
  ASSERT_TRUE(result.ok()) << result.error().message;
  const RunResult& r = *result;
  EXPECT_EQ(r.mode, "live");
  for (const auto& inv : r.checks.invariants) {
    EXPECT_TRUE(inv.held()) << inv.name << ": " << inv.first_violation;
  }
  EXPECT_EQ(r.summary.ops_unfinished, 0u);
  EXPECT_EQ(r.summary.ops_double_finished, 0u);
  EXPECT_GE(r.summary.ops_started, 20u);
  const checks::MetricsReport& m = r.checks.metrics;
  // Every action was seen through libcurl: 429 (with its Retry-After honoured), 503, a hang and a
  // stalled body (timeouts), a reset, and lost creates.
  EXPECT_GE(m.http_429, 2u);
  EXPECT_GE(m.retry_after_honored, 2u);
  EXPECT_GE(m.http_5xx, 3u);
  EXPECT_GE(m.timeouts_fired, 2u);
  EXPECT_GE(m.transport_errors, 4u);   // hang, stall, reset, two lost creates
  EXPECT_GE(m.reconcile_lookups, 3u);  // each ambiguous create looked before creating again
  EXPECT_GE(r.server_faults_injected, 10u);
  // No create twice, judged on the server's ledger and checked here directly.
  const checks::InvariantResult* dup = Invariant(r, "no_duplicate_creates");
  ASSERT_NE(dup, nullptr);
  EXPECT_TRUE(dup->held());
  EXPECT_GE(dup->checked_count, 5u);
  const auto creates = CreatesByOp();
  EXPECT_GE(creates.size(), 5u);
  for (const auto& [op_id, n] : creates) EXPECT_EQ(n, 1) << "op " << op_id;

  // The decisions serve journaled replay in simulation: the faults hit the same requests.
  auto doc = engine::JsonDocument::Load(options.decisions_path);
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  engine::JsonReader reader(*doc);
  engine::ObjectReader root = reader.Root();
  auto decisions = sim::ParseRecordedDecisions(root);
  ASSERT_TRUE(decisions.ok()) << decisions.error().message;
  EXPECT_GE(decisions->size(), 10u);
  SimOptions replay;
  replay.replay = *decisions;
  auto sim1 = RunScenario(spec, replay);
  auto sim2 = RunScenario(spec, replay);
  ASSERT_TRUE(sim1.ok() && sim2.ok());
  EXPECT_EQ(sim1->summary.digest, sim2->summary.digest);
  EXPECT_GE(sim1->server_faults_injected, 8u);
  EXPECT_LE(sim1->server_faults_injected, decisions->size());
  EXPECT_GE(sim1->checks.metrics.http_429, 2u);
  EXPECT_GE(sim1->checks.metrics.reconcile_lookups, 3u);
  // An empty journal replays no fault at all: the rules are not consulted.
  SimOptions none;
  none.replay = std::vector<sim::RecordedDecision>{};
  auto clean = RunScenario(spec, none);
  ASSERT_TRUE(clean.ok());
  EXPECT_EQ(clean->server_faults_injected, 0u);
}

TEST_F(LiveRun, ASandboxRunPutsEverythingUnderTheParentAndTrashesIt) {
  json j = {{"name", "sandboxed"},
            {"seed", 3},
            {"duration_s", 2},
            {"drain_limit_s", 20},
            {"stack", {{"profile", "recommended"}}},
            {"workload",
             {{"streams", json::array({{{"operation", "create_page"}, {"rate_per_s", 4}},
                                       {{"operation", "update_page"}, {"rate_per_s", 2}},
                                       {{"operation", "retrieve_page"}, {"rate_per_s", 2}}})}}}};
  const ScenarioSpec spec = Spec(j);
  LiveOptions options = Options("sandboxed");
  options.allow_writes = true;
  options.sandbox_parent = root_page_;
  auto result = RunScenarioLive(spec, options);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->verdict, checks::RunVerdict::kPass);
  EXPECT_GE(result->summary.ops_succeeded, 10u);

  const httptest::NotionClient api(server_->BaseUrl(), kToken);
  std::vector<std::string> made;  // everything the run created: one database, its pages
  std::string database;
  server_->WithCore([&](sim::FakeNotion& f) {
    for (const engine::LedgerEntry& e : f.ledger()) {
      if (e.operation == engine::Operation::kCreateDatabase) database = e.object.ToString();
      if (e.operation == engine::Operation::kCreatePage) made.push_back(e.object.ToString());
    }
  });
  ASSERT_FALSE(database.empty());
  EXPECT_GE(made.size(), 8u + 5u);  // the workload's creates and five seed pages
  const httptest::HttpReply db = api.Get("/v1/databases/" + database);
  ASSERT_EQ(db.status, 200) << db.body;
  EXPECT_TRUE(db.Json()["in_trash"].get<bool>());
  const std::string ds = db.Json()["data_sources"][0]["id"].get<std::string>();
  for (const std::string& page : made) {
    if (page == root_page_) continue;
    const httptest::HttpReply p = api.Get("/v1/pages/" + page);
    ASSERT_EQ(p.status, 200) << p.body;
    EXPECT_TRUE(p.Json()["in_trash"].get<bool>()) << page;
    EXPECT_EQ(p.Json()["parent"]["data_source_id"], ds) << page << " is outside the sandbox";
  }
  // The updates touched only sandbox pages: every committed write aimed inside it.
  server_->WithCore([&](sim::FakeNotion& f) {
    for (const engine::LedgerEntry& e : f.ledger()) {
      if (e.operation == engine::Operation::kUpdatePage) {
        EXPECT_NE(std::find(made.begin(), made.end(), e.object.ToString()), made.end());
      }
    }
  });
}

// Without serve's admin API (it needs a token the run does not have) the run treats the host like
// Notion: no faults installed, and duplicate creates judged from the sandbox's own pages.
class LiveRunWithoutAdmin : public LiveRun {
 protected:
  LiveRunWithoutAdmin() { admin_token_ = "admin-secret-not-given"; }
};

TEST_F(LiveRunWithoutAdmin, JudgesDuplicateCreatesFromTheSandboxPages) {
  json j = {
      {"name", "no_admin"},
      {"seed", 4},
      {"duration_s", 2},
      {"drain_limit_s", 20},
      {"stack", {{"profile", "recommended"}, {"limiter", {{"rate_per_s", 20}, {"burst", 20}}}}},
      {"workload",
       {{"streams", json::array({{{"operation", "create_page"}, {"rate_per_s", 5}}})}}}};
  const ScenarioSpec spec = Spec(j);
  LiveOptions options = Options("no_admin");
  options.allow_writes = true;
  options.sandbox_parent = root_page_;
  auto result = RunScenarioLive(spec, options);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->verdict, checks::RunVerdict::kPass);
  EXPECT_EQ(result->server_requests, 0u);  // no admin API: nothing known about the server
  EXPECT_FALSE(fs::exists(options.decisions_path));
  const checks::InvariantResult* dup = Invariant(*result, "no_duplicate_creates");
  ASSERT_NE(dup, nullptr);
  EXPECT_TRUE(dup->held());
  EXPECT_EQ(dup->checked_count, 10u);  // the ten creates, read back from the sandbox by key
  EXPECT_EQ(CreatesByOp().size(), 10u);
}

TEST_F(LiveRun, RefusesUnsafeRunsBeforeSendingAnything) {
  json j = FaultyDay("writer");
  const ScenarioSpec writer = Spec(j);
  LiveOptions real = Options("writer");
  real.base_url = "https://api.notion.com";
  Status st = CheckLiveSafety(writer, real);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(st.error().message.find("--allow-writes --sandbox-parent"), std::string::npos);
  EXPECT_NE(st.error().message.find("create_page"), std::string::npos);

  real.allow_writes = true;
  st = CheckLiveSafety(writer, real);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("--sandbox-parent"), std::string::npos);
  real.sandbox_parent = "not-an-id";
  st = CheckLiveSafety(writer, real);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("not a page id"), std::string::npos);

  // A limiter above Notion's budget is refused for Notion's host, and nothing is sent.
  json reader = {{"name", "fast_reader"},
                 {"duration_s", 1},
                 {"stack",
                  {{"profile", "recommended"},
                   {"limiter", {{"kind", "token_bucket"}, {"rate_per_s", 10}, {"burst", 10}}}}},
                 {"workload", {{"streams", json::array({{{"operation", "retrieve_page"}}})}}}};
  const ScenarioSpec fast = Spec(reader);
  LiveOptions o = Options("fast_reader");
  o.base_url = "https://api.notion.com";
  auto refused = RunScenarioLive(fast, o);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(refused.error().message.find("/stack/limiter"), std::string::npos)
      << refused.error().message;
  EXPECT_NE(refused.error().message.find("budget"), std::string::npos);
  EXPECT_FALSE(fs::exists(o.state_path));

  o.base_url = "ftp://127.0.0.1/";
  EXPECT_FALSE(CheckLiveSafety(fast, o).ok());
}

// Issue 14: a live run read HTTP-dates against a fixed 2026-01-01 calendar instead of the wall
// clock, so a date 2 s ahead meant months: the SDK profile waited its 60 s cap and `recommended`
// gave up (Retry-After over its 60 s limit) while the run reported a pass. Read on the wall clock
// (the live loop's calendar), the date is a wait of at most 3 s (serve rounds the date up to the
// next whole second).
TEST_F(LiveRun, HttpDateRetryAfterIsReadOnTheWallClock) {
  for (const char* profile : {"notionhq-client-v5", "recommended"}) {
    SCOPED_TRACE(profile);
    const std::string name = std::string("dated_") + (profile[0] == 'n' ? "sdk" : "ours");
    json j = {{"name", name},
              {"seed", 3},
              {"duration_s", 1},
              {"drain_limit_s", 20},
              {"stack", {{"profile", profile}}},
              {"faults", json::array({{{"match", {{"operation", "retrieve_page"}}},
                                       {"trigger", {{"first", 1}}},
                                       {"action", "respond"},
                                       {"status", 429},
                                       {"code", "rate_limited"},
                                       {"retry_after_s", 2},
                                       {"retry_after_form", "http_date"}}})},
              {"workload",
               {{"streams", json::array({{{"operation", "retrieve_page"}, {"rate_per_s", 1}}})}}}};
    if (std::string(profile) == "recommended") {
      j["stack"]["retry"] = {{"retry_after_jitter_ms", 0}};
    }
    auto result = RunScenarioLive(Spec(j), Options(name));
    ASSERT_TRUE(result.ok()) << result.error().message;
    const checks::MetricsReport& m = result->checks.metrics;
    EXPECT_EQ(m.http_429, 1u);
    EXPECT_EQ(m.retry_after_honored, 1u);
    EXPECT_EQ(m.retries_gave_up, 0u);
    EXPECT_EQ(result->summary.ops_succeeded, result->summary.ops_started);
    EXPECT_GT(m.retry_delay_max_us, Ms(500));
    EXPECT_LE(m.retry_delay_max_us, Sec(3));
    EXPECT_TRUE(Invariant(*result, "retry_after_respected")->held());
  }
}

// Issue 14: live mode judged a token bucket by its average rate only, so 3/s with a burst of 180
// passed although it can send 180 + 3 x 60 = 360 requests in one minute. The worst 60 s window is
// checked against Notion's 180 and named in the refusal; the recommended stack (3 + 2.95 x 60 =
// 180) still fits.
TEST_F(LiveRun, RefusesALimiterWhoseWorstMinuteIsOverTheBudget) {
  auto reader = [](json limiter) {
    json j = {{"name", "reader"},
              {"duration_s", 1},
              {"stack", {{"profile", "recommended"}}},
              {"workload", {{"streams", json::array({{{"operation", "retrieve_page"}}})}}}};
    if (!limiter.is_null()) j["stack"]["limiter"] = std::move(limiter);
    return j;
  };
  LiveOptions o = Options("reader");
  o.base_url = "https://api.notion.com";
  const Status bursty = CheckLiveSafety(
      Spec(reader({{"kind", "token_bucket"}, {"rate_per_s", 3}, {"burst", 180}})), o);
  ASSERT_FALSE(bursty.ok());
  EXPECT_EQ(bursty.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(bursty.error().message.find("/stack/limiter can send 360 requests in one 60 s window "
                                        "(burst 180 + 3/s x 60 s)"),
            std::string::npos)
      << bursty.error().message;
  const Status fixed = CheckLiveSafety(
      Spec(reader({{"kind", "fixed_window"}, {"limit", 180}, {"adapt", "none"}})), o);
  ASSERT_FALSE(fixed.ok());
  EXPECT_NE(fixed.error().message.find("can send 360 requests"), std::string::npos)
      << fixed.error().message;
  EXPECT_TRUE(CheckLiveSafety(Spec(reader(nullptr)), o).ok());
  EXPECT_TRUE(CheckLiveSafety(
                  Spec(reader({{"kind", "sliding_window"}, {"limit", 180}, {"adapt", "none"}})), o)
                  .ok());
}

TEST_F(LiveRun, AStateFileBelongsToOneRun) {
  json j = {{"name", "reader"},
            {"seed", 5},
            {"duration_s", 1},
            {"drain_limit_s", 10},
            {"stack", {{"profile", "recommended"}}},
            {"workload",
             {{"streams", json::array({{{"operation", "retrieve_page"}, {"rate_per_s", 5}}})}}}};
  const ScenarioSpec spec = Spec(j);
  const LiveOptions options = Options("reader");
  auto first = RunScenarioLive(spec, options);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->summary.ops_started, 5u);

  auto again = RunScenarioLive(spec, options);  // not --resume: the file holds a run
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message.find("--resume"), std::string::npos);

  LiveOptions resume = options;
  resume.resume = true;
  auto finished = RunScenarioLive(spec, resume);  // everything ended: nothing is sent again
  ASSERT_TRUE(finished.ok()) << finished.error().message;
  EXPECT_EQ(finished->summary.ops_started, 0u);
  EXPECT_EQ(finished->ops_resumed, 5u);

  ScenarioSpec other = spec;
  other.seed = 6;
  auto mismatch = RunScenarioLive(other, resume);
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.error().message.find("seed"), std::string::npos);

  LiveOptions fresh = options;
  fresh.state_path = (dir_ / "none.sqlite").string();
  fresh.resume = true;
  auto nothing = RunScenarioLive(spec, fresh);  // killed before its first write: starts anew
  ASSERT_TRUE(nothing.ok()) << nothing.error().message;
  EXPECT_EQ(nothing->summary.ops_started, 5u);
  EXPECT_EQ(nothing->ops_resumed, 0u);
}

}  // namespace
}  // namespace notion_sim::scenarios
