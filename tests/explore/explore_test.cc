// explore and sweep as a library: shards, paths, the work list, swarm draws, dedupe, sometimes
// goals, merge of shards = one machine, and results that do not depend on the thread count.
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "notion_sim/explore/common.h"
#include "notion_sim/explore/explore.h"
#include "notion_sim/explore/sweep.h"
#include "notion_sim/scenarios/scenario.h"

namespace notion_sim::explore {
namespace {

// A small scenario: one minute of creates and reads with lost create responses (the connection
// resets after the commit); fixed-delay retries creates blindly, so seeds commit duplicates.
nlohmann::json SmallScenario(const std::string& profile = "fixed-delay") {
  return nlohmann::json::parse(R"({
    "name": "small", "seed": 11,
    "phases": {"safety_s": 60, "liveness_s": 30},
    "stack": {"profile": ")" + profile +
                               R"("},
    "faults": [
      {"match": {"operation": "create_page"}, "trigger": {"probability": 0.05},
       "action": "lose_after_commit", "loss": "reset"},
      {"match": {"from_s": 10, "until_s": 40}, "trigger": {"probability": 0.3},
       "action": "respond", "status": 429, "code": "rate_limited", "retry_after_s": 3}
    ],
    "workload": {"streams": [
      {"operation": "create_page", "rate_per_s": 1, "arrival": "poisson"},
      {"operation": "retrieve_page", "rate_per_s": 1, "arrival": "poisson"}]},
    "sometimes": ["faults_injected", "retried"]
  })");
}

scenarios::ScenarioSpec Spec(const nlohmann::json& doc) {
  auto spec = scenarios::ParseScenario(doc.dump(), "small.json");
  EXPECT_TRUE(spec.ok()) << spec.error().message;
  return *spec;
}

TEST(Shard, ParsesAndPartitions) {
  auto s = ParseShard("1/3");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->index, 1u);
  EXPECT_EQ(s->count, 3u);
  EXPECT_TRUE(s->Owns(4));
  EXPECT_FALSE(s->Owns(3));
  EXPECT_EQ(s->Text(), "1/3");
  for (const char* bad : {"3/3", "1", "a/2", "0/0", "-1/2", "1/2x", "/2"}) {
    EXPECT_FALSE(ParseShard(bad).ok()) << bad;
  }
  EXPECT_NE(ParseShard("3/3").error().message.find("--shard 3/3"), std::string::npos);
}

TEST(SetPath, CreatesObjectsAndIndexesArrays) {
  nlohmann::json doc = SmallScenario();
  ASSERT_TRUE(SetPath(doc, "stack.retry.max_attempts", 5).ok());
  EXPECT_EQ(doc["stack"]["retry"]["max_attempts"], 5);
  ASSERT_TRUE(SetPath(doc, "faults.1.retry_after_s", 9).ok());
  EXPECT_EQ(doc["faults"][1]["retry_after_s"], 9);
  EXPECT_FALSE(SetPath(doc, "faults.7.retry_after_s", 9).ok());
  EXPECT_FALSE(SetPath(doc, "seed.x", 1).ok());
  EXPECT_EQ(ParseValue("0.5"), 0.5);
  EXPECT_EQ(ParseValue("full_jitter"), "full_jitter");
  EXPECT_EQ(ParseValue("true"), true);
}

TEST(Numbers, InfinityAndNaNRoundTrip) {
  EXPECT_TRUE(std::isinf(NumberFromJson(NumberToJson(INFINITY))));
  EXPECT_TRUE(std::isnan(NumberFromJson(NumberToJson(NAN))));
  EXPECT_EQ(NumberFromJson(NumberToJson(0.1 + 0.2)), 0.1 + 0.2);
}

TEST(Explore, WorkListPutsTheCorpusFirstWithoutRepeats) {
  ExploreOptions o;
  o.seeds = 4;
  o.first_seed = 10;
  o.corpus = {12, 99, 12};
  EXPECT_EQ(WorkList(o, 1), (std::vector<std::uint64_t>{12, 99, 10, 11, 13}));
  o.first_seed = 0;
  o.corpus = {};
  EXPECT_EQ(WorkList(o, 7), (std::vector<std::uint64_t>{7, 8, 9, 10}));
}

TEST(Explore, SwarmDrawsAreDeterministicAndWithinRanges) {
  const nlohmann::json source = SmallScenario("recommended");
  bool some_dropped = false;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    auto a = SeedDocument(source, seed, true);
    auto b = SeedDocument(source, seed, true);
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(*a, *b);
    EXPECT_EQ((*a)["seed"], seed);
    const auto& faults = (*a)["faults"];
    ASSERT_GE(faults.size(), 1u);
    some_dropped = some_dropped || faults.size() < 2;
    for (const auto& f : faults) {
      const double p = f["trigger"]["probability"].get<double>();
      EXPECT_GT(p, 0);
      EXPECT_LE(p, 1);
      if (f.contains("retry_after_s")) {
        EXPECT_GE(f["retry_after_s"].get<int>(), 1);
        EXPECT_LE(f["retry_after_s"].get<int>(), 60);
      }
    }
    const auto& retry = (*a)["stack"]["retry"];
    EXPECT_GE(retry["max_attempts"].get<int>(), 2);
    EXPECT_LE(retry["max_attempts"].get<int>(), 6);
    // Every drawn document is a valid scenario.
    EXPECT_TRUE(scenarios::ParseScenario(a->dump(), "swarm").ok()) << a->dump();
  }
  EXPECT_TRUE(some_dropped);
  // Without swarm only the seed changes.
  auto plain = SeedDocument(source, 5, false);
  nlohmann::json expected = source;
  expected["seed"] = 5;
  EXPECT_EQ(*plain, expected);
}

TEST(Explore, FindsDedupesAndReproducesTheBlindRetryBug) {
  const scenarios::ScenarioSpec spec = Spec(SmallScenario());
  ExploreOptions o;
  o.seeds = 8;
  o.recheck_every = 4;
  auto run = RunExplore(spec, o, Shard{}, 2);
  ASSERT_TRUE(run.ok());
  ASSERT_EQ(run->records.size(), 8u);
  const ExploreSummary s = Summarize(*run);
  EXPECT_EQ(s.runs, 8u);
  EXPECT_EQ(s.rechecked, 2u);  // items 0 and 4
  EXPECT_GT(s.failed_runs, 0u);
  ASSERT_FALSE(s.failures.empty());
  bool duplicates = false;
  std::size_t seeds_listed = 0;
  for (const DistinctFailure& d : s.failures) {
    duplicates = duplicates || d.failure.check == "no_duplicate_creates";
    EXPECT_EQ(d.failure.profile, "fixed-delay");
    EXPECT_EQ(d.failure.signature.size(), 8u);
    seeds_listed += d.seeds.size();
  }
  EXPECT_TRUE(duplicates);
  // Dedupe: fewer distinct failures than failures.
  EXPECT_LT(s.failures.size(), seeds_listed + 1);
  for (const DistinctFailure& d : s.failures) {
    EXPECT_NE(d.failure.kind, "determinism") << d.failure.detail;
  }
  // Sometimes goals were reached.
  EXPECT_TRUE(s.missed_goals.empty());
  ASSERT_EQ(s.goals.size(), 2u);
  EXPECT_GT(s.goals[0].reached, 0u);
}

TEST(Explore, AGoalNoSeedReachesFailsTheExplore) {
  nlohmann::json doc = SmallScenario("recommended");
  doc["faults"] = nlohmann::json::array();
  doc["sometimes"] = {"breaker_half_open"};
  ExploreOptions o;
  o.seeds = 2;
  auto run = RunExplore(Spec(doc), o, Shard{}, 1);
  ASSERT_TRUE(run.ok());
  const ExploreSummary s = Summarize(*run);
  EXPECT_EQ(s.missed_goals, std::vector<std::string>{"breaker_half_open"});
  EXPECT_FALSE(s.passed());
}

TEST(Explore, UnknownSometimesGoalIsBadInput) {
  nlohmann::json doc = SmallScenario();
  doc["sometimes"] = {"breaker_half_opened"};
  auto spec = scenarios::ParseScenario(doc.dump(), "s.json");
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.error().message.find("unknown goal \"breaker_half_opened\""), std::string::npos);
}

TEST(Explore, ShardsMergeIntoTheUnshardedRunWhateverTheThreads) {
  const scenarios::ScenarioSpec spec = Spec(SmallScenario());
  ExploreOptions o;
  o.seeds = 6;
  o.swarm = true;
  o.corpus = {500};
  auto whole = RunExplore(spec, o, Shard{}, 1);
  ASSERT_TRUE(whole.ok());
  auto two_threads = RunExplore(spec, o, Shard{}, 2);
  ASSERT_TRUE(two_threads.ok());
  EXPECT_EQ(ExploreToJson(*whole).dump(), ExploreToJson(*two_threads).dump());
  std::vector<ExploreRun> shards;
  for (std::uint32_t i = 0; i < 3; ++i) {
    auto part = RunExplore(spec, o, Shard{i, 3}, 2);
    ASSERT_TRUE(part.ok());
    // Through JSON, as merge reads them.
    auto back = ExploreFromJson(ExploreToJson(*part), "shard");
    ASSERT_TRUE(back.ok()) << back.error().message;
    shards.push_back(*back);
  }
  auto missing = MergeExplore({shards[0], shards[2]});
  EXPECT_FALSE(missing.ok());
  auto merged = MergeExplore(shards);
  ASSERT_TRUE(merged.ok()) << merged.error().message;
  EXPECT_EQ(ExploreToJson(*merged).dump(), ExploreToJson(*whole).dump());
  EXPECT_TRUE(merged->records.front().from_corpus);
  EXPECT_EQ(merged->records.front().seed, 500u);
}

// ---- sweep ------------------------------------------------------------------------------------

TEST(Sweep, ParsesGridObjectivesAndConstraints) {
  auto a = ParseGrid("stack.retry.max_attempts=2,3, 5");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->path, "stack.retry.max_attempts");
  EXPECT_EQ(a->values, (std::vector<nlohmann::json>{2, 3, 5}));
  EXPECT_FALSE(ParseGrid("stack.retry.max_attempts").ok());
  auto o = ParseObjective("latency_ms.p99");
  ASSERT_TRUE(o.ok());
  EXPECT_FALSE(o->maximize);
  EXPECT_TRUE(ParseObjective("ops.success_ratio")->maximize);
  EXPECT_FALSE(ParseObjective("requests:min")->maximize);
  EXPECT_FALSE(ParseObjective("no.such_metric").ok());
  auto c = ParseConstraint("ops.success_ratio>=0.95");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->at_least);
  EXPECT_EQ(c->bound, 0.95);
  EXPECT_FALSE(ParseConstraint("ops.success_ratio>0.95").ok());
  auto file = ParseSweepFile(nlohmann::json::parse(R"({"grid": {"stack.retry.max_attempts": [2, 4]},
      "seeds": 3, "objectives": ["ops.success_ratio", "requests:min"]})"),
                             "sweep.json");
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(file->seeds, 3u);
  auto bad = ParseSweepFile(nlohmann::json::parse(R"({"grids": {}})"), "sweep.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("sweep.json: /grids: unknown field"), std::string::npos);
}

TEST(Sweep, ConfigurationsVaryTheLastAxisFastest) {
  SweepSpec s;
  s.grid = {Axis{"stack.retry.max_attempts", {2, 3}}, Axis{"stack.retry.backoff", {"a", "b"}}};
  const auto configs = Configurations(s);
  ASSERT_EQ(configs.size(), 4u);
  EXPECT_EQ(ConfigLabel(configs[1]), "retry.max_attempts=2, retry.backoff=b");
}

TEST(Sweep, SettingsWithoutEffectAreReported) {
  // fixed-delay ignores Retry-After, so the cap on it changes nothing.
  const scenarios::ScenarioSpec spec = Spec(SmallScenario("fixed-delay"));
  SweepSpec s;
  s.grid = {Axis{"stack.retry.max_retry_after_ms", {60000, 120000}}};
  s.seeds = 2;
  ASSERT_TRUE(PrepareSweep(spec, s).ok());
  auto run = RunSweep(spec, s, Shard{}, 1);
  ASSERT_TRUE(run.ok());
  const SweepSummary sum = SummarizeSweep(*run);
  ASSERT_EQ(sum.identical.size(), 1u);
  EXPECT_EQ(sum.identical[0], (std::vector<std::size_t>{0, 1}));
}

TEST(Sweep, BadGridValueIsBadInputNamingTheConfiguration) {
  const scenarios::ScenarioSpec spec = Spec(SmallScenario("recommended"));
  SweepSpec s;
  s.grid = {Axis{"stack.retry.max_attempts", {3, 1000}}};
  const Status st = PrepareSweep(spec, s);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("retry.max_attempts=1000"), std::string::npos)
      << st.error().message;
}

TEST(Sweep, FrontierRecommendationAndShardsMatchOneMachine) {
  const scenarios::ScenarioSpec spec = Spec(SmallScenario("recommended"));
  SweepSpec s;
  s.grid = {Axis{"stack.retry.max_attempts", {1, 3, 5}}};
  s.seeds = 2;
  s.objectives = {*ParseObjective("ops.success_ratio"), *ParseObjective("requests:min")};
  s.constraints = {*ParseConstraint("ops.success_ratio>=0.5")};
  ASSERT_TRUE(PrepareSweep(spec, s).ok());
  auto whole = RunSweep(spec, s, Shard{}, 1);
  ASSERT_TRUE(whole.ok());
  ASSERT_EQ(whole->runs.size(), 6u);
  const SweepSummary sum = SummarizeSweep(*whole);
  ASSERT_EQ(sum.configs.size(), 3u);
  // More attempts: more requests; at least as many successes.
  EXPECT_LT(sum.configs[0].metrics[1].mean, sum.configs[2].metrics[1].mean);
  EXPECT_LE(sum.configs[0].metrics[0].mean, sum.configs[2].metrics[0].mean);
  ASSERT_TRUE(sum.recommended.has_value());
  EXPECT_TRUE(sum.configs[*sum.recommended].feasible);
  std::size_t on_frontier = 0;
  for (const ConfigSummary& c : sum.configs) on_frontier += c.on_frontier ? 1 : 0;
  EXPECT_GE(on_frontier, 1u);
  auto two = RunSweep(spec, s, Shard{}, 2);
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(SweepToJson(*whole).dump(), SweepToJson(*two).dump());
  std::vector<SweepRun> shards;
  for (std::uint32_t i = 0; i < 4; ++i) {
    auto part = RunSweep(spec, s, Shard{i, 4}, 1);
    ASSERT_TRUE(part.ok());
    auto back = SweepFromJson(SweepToJson(*part), "part");
    ASSERT_TRUE(back.ok()) << back.error().message;
    shards.push_back(*back);
  }
  auto merged = MergeSweep(shards);
  ASSERT_TRUE(merged.ok()) << merged.error().message;
  EXPECT_EQ(SweepToJson(*merged).dump(), SweepToJson(*whole).dump());
}

}  // namespace
}  // namespace notion_sim::explore
