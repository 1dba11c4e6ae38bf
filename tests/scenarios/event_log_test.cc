// --log in simulation: the log only observes (same trace digest with and without it), is bounded,
// writes no token, and `notion-sim log --op` tells one operation's story from it.
#include "notion_sim/scenarios/event_log.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "notion_sim/scenarios/run.h"
#include "notion_sim/scenarios/scenario.h"

namespace notion_sim::scenarios {
namespace {

using nlohmann::json;

constexpr const char* kSecret = "secret_tenant_token_77aa";

// Lost creates through a stack that reconciles: lookups, retries, a DLQ, one tenant with a token.
json Day() {
  return {{"name", "logged_day"},
          {"seed", 5},
          {"duration_s", 120},
          {"tenants", json::array({{{"name", "acme"}, {"token", kSecret}}})},
          {"stack", {{"profile", "recommended"}}},
          {"faults", json::array({{{"match", {{"operation", "create_page"}}},
                                   {"trigger", {{"probability", 0.3}}},
                                   {"action", "lose_after_commit"}},
                                  {{"match", {{"operation", "retrieve_page"}}},
                                   {"trigger", {{"every", 5}}},
                                   {"action", "respond"},
                                   {"status", 429},
                                   {"retry_after_s", 2}}})},
          {"workload",
           {{"streams", json::array({{{"operation", "create_page"}, {"rate_per_s", 0.5}},
                                     {{"operation", "retrieve_page"}, {"rate_per_s", 1}}})}}}};
}

std::string Path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("nsim-" + name)).string();
}

TEST(EventLog, LoggingChangesNoDigestAndTellsAnOperationsStory) {
  auto spec = ParseScenario(Day().dump(), "logged_day");
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  auto plain = RunScenario(*spec);
  ASSERT_TRUE(plain.ok());
  const std::string file = Path("event-log.jsonl");
  auto log = EventLog::Open(file, {kSecret});
  ASSERT_TRUE(log.ok());
  SimOptions o;
  o.log = log->get();
  auto logged = RunScenario(*spec, o);
  ASSERT_TRUE(logged.ok());
  (*log)->Close();
  EXPECT_EQ(logged->summary.digest, plain->summary.digest);
  EXPECT_EQ(logged->summary.events, plain->summary.events);

  std::ifstream in(file);
  std::string line;
  std::uint64_t attempts = 0, lines = 0, lookup_op = 0;
  std::map<std::string, int> kinds;
  while (std::getline(in, line)) {
    EXPECT_EQ(line.find(kSecret), std::string::npos);
    const json l = json::parse(line);
    ++lines;
    ++kinds[l["kind"].get<std::string>()];
    if (l["kind"] == "attempt") {
      ++attempts;
      EXPECT_EQ(l["scenario"], "logged_day");
      // The first operation a lookup of its own found made (not a DLQ replay's lookup).
      if (lookup_op == 0 && l["lookup"] == true && l.value("found", false) &&
          l.contains("attempt")) {
        lookup_op = l["op"];
      }
    }
  }
  EXPECT_EQ(attempts, logged->checks.metrics.requests);
  EXPECT_GE(kinds["retry"], 5);
  EXPECT_GE(kinds["retry_after_honored"], 1);
  EXPECT_GE(kinds["fault"], 5);
  EXPECT_EQ(kinds["log_end"], 1);
  EXPECT_EQ(kinds["op_started"], static_cast<int>(logged->summary.ops_started));
  ASSERT_NE(lookup_op, 0u);
  std::ifstream again(file);
  auto story = OperationStory(again, lookup_op);
  ASSERT_TRUE(story.ok());
  std::string joined;
  for (const std::string& s : *story) joined += s + "\n";
  std::cout << "operation " << lookup_op << ":\n" << joined;
  EXPECT_NE(joined.find("started: create_page"), std::string::npos) << joined;
  EXPECT_NE(joined.find("the fake injected lose_after_commit"), std::string::npos) << joined;
  EXPECT_NE(joined.find("reconcile lookup after attempt 1"), std::string::npos) << joined;
  EXPECT_NE(joined.find("the create had happened"), std::string::npos) << joined;
  EXPECT_NE(joined.find("ended succeeded after 1 attempt(s)"), std::string::npos) << joined;
  std::ifstream none(file);
  EXPECT_FALSE(OperationStory(none, 999999).ok());
  std::filesystem::remove(file);
}

TEST(EventLog, BoundedAndScrubbed) {
  const std::string file = Path("event-log-bound.jsonl");
  {
    auto log = EventLog::Open(file, {kSecret}, 3);
    ASSERT_TRUE(log.ok());
    for (int i = 0; i < 10; ++i)
      (*log)->Write({{"kind", "x"}, {"note", std::string("a ") + kSecret}});
    EXPECT_EQ((*log)->lines(), 3u);
    EXPECT_EQ((*log)->dropped(), 7u);
  }
  std::ifstream in(file);
  std::stringstream s;
  s << in.rdbuf();
  const std::string text = s.str();
  EXPECT_EQ(text.find(kSecret), std::string::npos);
  EXPECT_NE(text.find("{\"dropped\":7,\"kind\":\"log_end\",\"lines\":3}"), std::string::npos);
  // A directory that cannot be made (a file is in the way; root could make any other path).
  auto unwritable = EventLog::Open(file + "/x.jsonl");
  ASSERT_FALSE(unwritable.ok());
  EXPECT_EQ(unwritable.error().message, "cannot write " + file + "/x.jsonl");
  std::filesystem::remove(file);
}

TEST(EventLog, TraceIdsDependOnTheOperationAlone) {
  EXPECT_EQ(TraceIdFor(11), TraceIdFor(11));
  EXPECT_NE(TraceIdFor(11), TraceIdFor(12));
  EXPECT_EQ(TraceIdFor(11).size(), 16u);
}

}  // namespace
}  // namespace notion_sim::scenarios
