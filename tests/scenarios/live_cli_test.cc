// `notion-sim run --live` as a user runs it, against the fake's HTTP door started by the test on
// 127.0.0.1: killed with SIGKILL at random points and resumed (no duplicate create, no operation
// lost), the token absent from everything the run writes or prints, `compare` of the simulated
// and the live result, and the flag errors (exit 2, naming the flag).
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <nlohmann/json.hpp>

#include "http_test_util.h"
#include "loopback_serve.h"
#include "notion_sim/engine/rng.h"
#include "notion_sim/simulator/fake_notion.h"
#include "notion_sim/simulator/http_server.h"

namespace notion_sim {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* kCli = NSIM_CLI_PATH;
constexpr const char* kToken = "ntn_SECRET_8c1d7e55aa09bb3f";

class LiveCli : public testing::LoopbackServe {
 protected:
  LiveCli() : LoopbackServe(kToken, 9) {}
  std::vector<std::string> LiveArgs(const std::string& scenario, const std::string& out) {
    return {kCli, "run", "--live", "--base-url", server_->BaseUrl(), "--out", out, scenario};
  }
};

// Creates whose responses get lost or become 503s after they committed: the duplicate-create trap,
// at a steady pace so that the number of operations is known (4/s for 3 s plus reads).
json CreateTrap(const std::string& name) {
  return {{"name", name},
          {"seed", 21},
          {"duration_s", 3},
          {"drain_limit_s", 30},
          {"stack",
           {{"profile", "recommended"},
            {"timeouts", {{"request_ms", 600}}},
            {"limiter", {{"rate_per_s", 20}, {"burst", 20}}},  // loopback is not Notion
            {"retry", {{"initial_delay_ms", 50}, {"max_delay_ms", 300}}},
            {"dlq", {{"retry_delays_ms", json::array({200})}}}}},
          {"faults", json::array({{{"match", {{"operation", "create_page"}}},
                                   {"trigger", {{"probability", 0.25}}},
                                   {"action", "lose_after_commit"},
                                   {"loss", "timeout"}},
                                  {{"match", {{"operation", "create_page"}}},
                                   {"trigger", {{"probability", 0.1}}},
                                   {"action", "commit_then_503"}}})},
          {"workload",
           {{"streams", json::array({{{"operation", "create_page"}, {"rate_per_s", 4}},
                                     {{"operation", "retrieve_page"}, {"rate_per_s", 2}}})}}}};
}

// Everything the (exited) child wrote to stdout.
std::string Stdout(httptest::ChildProcess& child) {
  while (child.ReadLine(200)) {
  }
  return child.stdout_text();
}

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Operations the run's state file says have ended; -1 while it cannot be read (not made yet).
// Read-only while the run writes it; read-write once its writer is dead, since the first reader
// after a crash recovers the WAL.
int EndedInState(const fs::path& state, int flags = SQLITE_OPEN_READONLY) {
  sqlite3* db = nullptr;
  int n = -1;
  if (sqlite3_open_v2(state.c_str(), &db, flags, nullptr) == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM live_ops;", -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
      n = sqlite3_column_int(st, 0);
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return n;
}

// Ten kills at random points of the run's progress: round k waits until the state file records
// `at_least` ended operations (0 to 17, spread over the run by a seeded Rng), then a random
// 0-250 ms more so the kill lands between an attempt's start and its end, then SIGKILL; then
// --resume until it finishes. Progress, not time, places the kills, so a slow machine still
// kills mid-run. Each round prints where its kill fell.
TEST_F(LiveCli, KilledAtRandomPointsAndResumedLosesNothingAndCreatesNothingTwice) {
  const std::string scenario = WriteScenario(CreateTrap("create_trap"));
  constexpr int kOps = 12 + 6;  // creates 4/s and reads 2/s over 3 s
  constexpr int kRounds = 10;
  engine::Rng rng(20261122);
  int mid_run = 0;
  for (int round = 0; round < kRounds; ++round) {
    const fs::path out = dir_ / ("out" + std::to_string(round));
    // One target in each tenth of the operations: 0-1, 1-3, ..., 16-17.
    const int at_least =
        round * (kOps - 1) / kRounds + static_cast<int>(rng.Below((kOps - 1) / kRounds + 1));
    const long extra_ms = static_cast<long>(rng.Below(251));
    auto child = httptest::ChildProcess::Start(LiveArgs(scenario, out.string()),
                                               {std::string("NOTION_TOKEN=") + kToken});
    ASSERT_TRUE(child.has_value());
    const fs::path state = out / "create_trap.live.sqlite";
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (EndedInState(state) < at_least) {
      const std::optional<int> gone = child->Wait(5);
      ASSERT_FALSE(gone.has_value()) << "round " << round << ": the run exited (" << *gone
                                     << ") before it recorded " << at_least << " ended operations\n"
                                     << child->Stderr();
      ASSERT_LT(std::chrono::steady_clock::now(), deadline)
          << "round " << round << ": the run never recorded " << at_least << " ended operations";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(extra_ms));
    child->SignalAndWait(SIGKILL, 5000);
    const int ended_before = std::max(0, EndedInState(state, SQLITE_OPEN_READWRITE));
    EXPECT_GE(ended_before, at_least);
    mid_run += ended_before > 0 && ended_before < kOps ? 1 : 0;

    std::vector<std::string> resume = LiveArgs(scenario, out.string());
    resume.push_back("--resume");
    auto again = httptest::ChildProcess::Start(resume, {std::string("NOTION_TOKEN=") + kToken});
    ASSERT_TRUE(again.has_value());
    const std::optional<int> code = again->Wait(60000);
    ASSERT_TRUE(code.has_value()) << "the resumed run did not end";
    EXPECT_EQ(*code, 0) << "round " << round << "\n" << again->Stderr();

    const json r = json::parse(ReadAll(out / "create_trap.result.json"));
    // Every operation is accounted for: ended before the kill (and not sent again) or in the
    // resumed run.
    const auto resumed = r["ops"]["resumed"].get<int>();
    EXPECT_EQ(resumed, ended_before) << "round " << round;
    EXPECT_EQ(r["ops"]["started"].get<int>() + resumed, kOps) << "round " << round;
    EXPECT_EQ(r["ops"]["unfinished"], 0);
    EXPECT_EQ(r["verdict"], "pass") << again->Stderr();
    // No create committed twice, over both processes (the run's invariant saw the same ledger).
    const auto creates = CreatesByOp();
    std::size_t twice = 0;
    for (const auto& [op_id, n] : creates) {
      EXPECT_EQ(n, 1) << "op " << op_id << ", round " << round;
      twice += n > 1 ? 1 : 0;
    }
    // Every create operation that succeeded made its page.
    EXPECT_EQ(creates.size(), 12u) << "round " << round;
    std::printf(
        "kill %d after %d of %d ops had ended (+%ld ms): the resumed run skipped %d, ran "
        "%d; %zu creates, %zu duplicated\n",
        round + 1, ended_before, kOps, extra_ms, resumed, r["ops"]["started"].get<int>(),
        creates.size(), twice);
    server_->WithCore([](sim::FakeNotion& f) {
      f.Reset();
      return 0;
    });
  }
  EXPECT_GE(mid_run, kRounds - 2);  // the kills fell mid-run, not before it or after it
}

TEST_F(LiveCli, TheTokenAppearsInNothingTheRunWritesOrPrints) {
  const std::string scenario = WriteScenario(CreateTrap("secretive"));
  const std::string live_out = (dir_ / "live").string();
  auto child = httptest::ChildProcess::Start(LiveArgs(scenario, live_out),
                                             {std::string("NOTION_TOKEN=") + kToken});
  ASSERT_TRUE(child.has_value());
  const std::optional<int> code = child->Wait(60000);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << child->Stderr();
  const std::string printed = Stdout(*child) + child->Stderr();
  EXPECT_NE(printed.find("secretive"), std::string::npos);  // it did print its summary
  EXPECT_EQ(printed.find(kToken), std::string::npos);
  std::size_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(live_out)) {
    if (!entry.is_regular_file()) continue;
    ++files;
    EXPECT_EQ(ReadAll(entry.path()).find(kToken), std::string::npos) << entry.path();
  }
  EXPECT_GE(files, 5u);  // result, index, summary, JUnit, HTML, state, decisions
  const httptest::NotionClient api(server_->BaseUrl(), kToken);
  EXPECT_EQ(api.Admin("GET", "/__admin/journal").body.find(kToken), std::string::npos);
  const std::string log = ServerLog();
  EXPECT_FALSE(log.empty());
  EXPECT_EQ(log.find(kToken), std::string::npos);

  // A wrong token: the run fails on the 401, and says so without echoing the token.
  const std::string wrong = "ntn_WRONG_5b0f1e2d3c4b5a69";
  auto denied = httptest::ChildProcess::Start(LiveArgs(scenario, (dir_ / "denied").string()),
                                              {"NOTION_TOKEN=" + wrong});
  ASSERT_TRUE(denied.has_value());
  const std::optional<int> denied_code = denied->Wait(30000);
  ASSERT_TRUE(denied_code.has_value());
  EXPECT_NE(*denied_code, 0);
  const std::string denied_text = Stdout(*denied) + denied->Stderr();
  EXPECT_NE(denied_text.find("401"), std::string::npos) << denied_text;
  EXPECT_EQ(denied_text.find(wrong), std::string::npos);

  // compare: the same invariants held in simulation and live.
  const std::string sim_out = (dir_ / "sim").string();
  auto sim = httptest::ChildProcess::Start({kCli, "run", "--quiet", "--out", sim_out, scenario});
  ASSERT_TRUE(sim.has_value());
  ASSERT_EQ(sim->Wait(60000), std::optional<int>(0)) << sim->Stderr();
  auto cmp = httptest::ChildProcess::Start(
      {kCli, "compare", sim_out + "/secretive.result.json", live_out + "/secretive.result.json"});
  ASSERT_TRUE(cmp.has_value());
  EXPECT_EQ(cmp->Wait(30000), std::optional<int>(0)) << cmp->Stderr();
  const std::string table = Stdout(*cmp);
  EXPECT_NE(table.find("held in both"), std::string::npos) << table;
  EXPECT_NE(table.find("| attempts per op |"), std::string::npos) << table;
  // Any two results compare, in either order: A is the first.
  auto swapped = httptest::ChildProcess::Start(
      {kCli, "compare", live_out + "/secretive.result.json", sim_out + "/secretive.result.json"});
  ASSERT_TRUE(swapped.has_value());
  EXPECT_EQ(swapped->Wait(30000), std::optional<int>(0));
  const std::string swapped_table = Stdout(*swapped);
  EXPECT_NE(swapped_table.find("# secretive: live vs sim"), std::string::npos) << swapped_table;
}

struct FlagCase {
  std::vector<std::string> args;  // after "run"
  std::vector<std::string> env;
  std::string message;  // part of what stderr must say
};

TEST_F(LiveCli, BadLiveFlagsExitTwoAndNameWhatIsWrong) {
  const std::string scenario = WriteScenario(CreateTrap("flags"));
  const std::string url = server_->BaseUrl();
  const std::string token = std::string("NOTION_TOKEN=") + kToken;
  const std::vector<FlagCase> cases = {
      {{"--live", scenario}, {token}, "--base-url"},
      {{"--live", "--base-url", url, scenario}, {"NOTION_TOKEN="}, "NOTION_TOKEN"},
      {{"--live", "--base-url", url, "--token-env", "MY_TOKEN", scenario}, {token}, "MY_TOKEN"},
      {{"--resume", scenario}, {token}, "add --live"},
      {{"--live", "--base-url", "https://api.notion.com", scenario},
       {token},
       "--allow-writes --sandbox-parent"},
      {{"--live", "--base-url", url, "--allow-writes", scenario}, {token}, "--sandbox-parent"},
      {{"--live", "--base-url", "notion.so", scenario}, {token}, "--base-url"},
  };
  for (const FlagCase& c : cases) {
    std::vector<std::string> argv = {kCli, "run", "--out", (dir_ / "o").string()};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    auto child = httptest::ChildProcess::Start(argv, c.env);
    ASSERT_TRUE(child.has_value());
    const std::optional<int> code = child->Wait(30000);
    std::string shown;
    for (const std::string& a : c.args) shown += a + " ";
    EXPECT_EQ(code, std::optional<int>(2)) << shown << "\n" << child->Stderr();
    EXPECT_NE(child->Stderr().find(c.message), std::string::npos) << shown << "\n"
                                                                  << child->Stderr();
  }
}

}  // namespace
}  // namespace notion_sim
