#include "notion_sim/explore/explore.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "notion_sim/engine/json_reader.h"
#include "notion_sim/engine/rng.h"
#include "notion_sim/policies/stack_config.h"
#include "notion_sim/reports/result_json.h"
#include "notion_sim/scenarios/run.h"
#include "notion_sim/scenarios/secrets.h"

namespace notion_sim::explore {
namespace {

constexpr const char* kFormat = "notion-sim.explore/1";

bool Pinned(const nlohmann::json& source, const char* invariant_field) {
  return source.contains("invariants") && source["invariants"].is_object() &&
         source["invariants"].contains(invariant_field);
}

double Round3(double v) { return std::round(v * 1000.0) / 1000.0; }

// The swarm draws (see the table in explore.h).
void ApplySwarm(nlohmann::json& doc, engine::Rng rng) {
  if (doc.contains("faults") && doc["faults"].is_array() && !doc["faults"].empty()) {
    nlohmann::json& faults = doc["faults"];
    engine::Rng keep = rng.Fork("swarm.keep");
    std::vector<bool> kept;
    for (std::size_t i = 0; i < faults.size(); ++i) kept.push_back(keep.Chance(3, 4));
    if (std::none_of(kept.begin(), kept.end(), [](bool k) { return k; })) {
      kept[keep.Below(faults.size())] = true;
    }
    nlohmann::json out = nlohmann::json::array();
    for (std::size_t i = 0; i < faults.size(); ++i) {
      nlohmann::json rule = faults[i];
      engine::Rng r = rng.Fork("swarm.fault." + std::to_string(i));
      const double scale = r.Uniform(0.25, 2.0);
      const std::int64_t retry_after_s = r.UniformInt(1, 60);
      const double delay_scale = r.Uniform(0.25, 4.0);
      if (!kept[i]) continue;
      if (rule.contains("trigger") && rule["trigger"].contains("probability") &&
          rule["trigger"]["probability"].is_number()) {
        const double p = rule["trigger"]["probability"].get<double>();
        rule["trigger"]["probability"] = std::clamp(Round3(p * scale), 0.001, 1.0);
      }
      if (rule.contains("retry_after_s")) rule["retry_after_s"] = retry_after_s;
      if (rule.contains("delay_ms") && rule["delay_ms"].is_number()) {
        rule["delay_ms"] = std::max(1.0, std::round(rule["delay_ms"].get<double>() * delay_scale));
      }
      out.push_back(std::move(rule));
    }
    faults = std::move(out);
  }
  // Workflows: the load and the workers (the steps and their policies are the integration's).
  if (doc.contains("workload") && doc["workload"].is_object() &&
      doc["workload"].contains("workflows") && doc["workload"]["workflows"].is_array()) {
    nlohmann::json& flows = doc["workload"]["workflows"];
    for (std::size_t i = 0; i < flows.size(); ++i) {
      nlohmann::json& wf = flows[i];
      if (!wf.is_object()) continue;
      engine::Rng r = rng.Fork("swarm.workflow." + std::to_string(i));
      const double load = r.Uniform(0.5, 1.5);
      const double workers = r.Uniform(0.5, 2.0);
      if (wf.contains("concurrency") && wf["concurrency"].is_number_integer() &&
          wf["concurrency"].get<std::int64_t>() > 0) {
        wf["concurrency"] = std::max<std::int64_t>(
            1, std::llround(static_cast<double>(wf["concurrency"].get<std::int64_t>()) * workers));
      }
      if (!wf.contains("trigger") || !wf["trigger"].is_object()) continue;
      nlohmann::json& t = wf["trigger"];
      if (t.contains("batch") && t["batch"].is_object() && t["batch"].contains("items") &&
          t["batch"]["items"].is_number_integer()) {
        t["batch"]["items"] = std::max<std::int64_t>(
            1, std::llround(static_cast<double>(t["batch"]["items"].get<std::int64_t>()) * load));
      }
      if (t.contains("arrivals") && t["arrivals"].is_object() &&
          t["arrivals"].contains("rate_per_s") && t["arrivals"]["rate_per_s"].is_number()) {
        t["arrivals"]["rate_per_s"] =
            std::max(1e-6, Round3(t["arrivals"]["rate_per_s"].get<double>() * load));
      }
    }
  }
  if (!doc.contains("stack")) return;
  auto stack = policies::ParseStackConfigText(doc["stack"].dump(), "stack");
  if (!stack.ok()) return;  // the scenario's own error surfaces when it is parsed
  engine::Rng r = rng.Fork("swarm.stack");
  const std::int64_t attempts = r.UniformInt(2, 6);
  const std::int64_t initial_ms = r.UniformInt(100, 5000);
  const std::int64_t threshold = r.UniformInt(10, 90);
  const std::int64_t consecutive = r.UniformInt(1, 10);
  const std::int64_t open_ms = r.UniformInt(1000, 60000);
  const double rate_scale = r.Uniform(0.5, 1.5);
  const double burst_draw = r.NextDouble();
  nlohmann::json& s = doc["stack"];
  if (stack->retry.max_attempts > 1) {
    if (!Pinned(doc, "max_attempts")) s["retry"]["max_attempts"] = attempts;
    s["retry"]["initial_delay_ms"] = initial_ms;
  }
  if (stack->breaker_enabled) {
    switch (stack->breaker.mode) {
      case policies::BreakerMode::kOpossum:
        s["breaker"]["error_threshold_percentage"] = threshold;
        s["breaker"]["reset_timeout_ms"] = open_ms;
        break;
      case policies::BreakerMode::kCountWindow:
      case policies::BreakerMode::kTimeWindow:
        s["breaker"]["failure_rate_threshold"] = threshold;
        s["breaker"]["wait_duration_in_open_state_ms"] = open_ms;
        break;
      case policies::BreakerMode::kConsecutive:
        s["breaker"]["consecutive_failures"] = consecutive;
        s["breaker"]["half_open_after_ms"] = open_ms;
        break;
    }
  }
  const policies::RateLimiterConfig& l = stack->limiter;
  if (l.kind == policies::LimiterKind::kTokenBucket && l.rate_per_s > 0 &&
      !Pinned(doc, "client_rate")) {
    s["limiter"]["rate_per_s"] = Round3(l.rate_per_s * rate_scale);
    const double max_burst = std::max(1.0, 2 * l.burst);
    s["limiter"]["burst"] = std::floor(1 + burst_draw * (max_burst - 1));
  }
}

nlohmann::json RecordToJson(const SeedRecord& r) {
  nlohmann::json j = {{"index", r.index},         {"seed", r.seed},     {"corpus", r.from_corpus},
                      {"rechecked", r.rechecked}, {"digest", r.digest}, {"ops", r.ops},
                      {"goals", r.goals}};
  j["failures"] = nlohmann::json::array();
  for (const Failure& f : r.failures) j["failures"].push_back(FailureToJson(f));
  return j;
}

SeedRecord RecordFromJson(const nlohmann::json& j) {
  SeedRecord r;
  r.index = j.at("index").get<std::size_t>();
  r.seed = j.at("seed").get<std::uint64_t>();
  r.from_corpus = j.value("corpus", false);
  r.rechecked = j.value("rechecked", false);
  r.digest = j.value("digest", "");
  r.ops = j.value("ops", std::uint64_t{0});
  r.goals = j.value("goals", std::vector<std::string>{});
  for (const nlohmann::json& f : j.value("failures", nlohmann::json::array())) {
    r.failures.push_back(FailureFromJson(f));
  }
  return r;
}

nlohmann::json OptionsToJson(const ExploreOptions& o) {
  return {{"seeds", o.seeds},
          {"first_seed", o.first_seed},
          {"swarm", o.swarm},
          {"recheck_every", o.recheck_every},
          {"corpus", o.corpus}};
}

std::string FailureFileName(const std::string& scenario, const std::string& signature) {
  return "failures/" + scenario + "-" + signature + ".json";
}

}  // namespace

std::vector<std::uint64_t> WorkList(const ExploreOptions& o, std::uint64_t scenario_seed) {
  std::vector<std::uint64_t> seeds;
  std::set<std::uint64_t> seen;
  for (std::uint64_t s : o.corpus) {
    if (seen.insert(s).second) seeds.push_back(s);
  }
  const std::uint64_t first = o.first_seed != 0 ? o.first_seed : scenario_seed;
  for (std::uint64_t i = 0; i < o.seeds; ++i) {
    if (seen.insert(first + i).second) seeds.push_back(first + i);
  }
  return seeds;
}

Result<nlohmann::json> SeedDocument(const nlohmann::json& source, std::uint64_t seed, bool swarm) {
  if (!source.is_object()) return InvalidInput("the scenario is not a JSON object");
  nlohmann::json doc = source;
  doc["seed"] = seed;
  if (swarm) ApplySwarm(doc, engine::Rng(seed).Fork("swarm"));
  return doc;
}

SeedRecord ExploreSeed(const nlohmann::json& source, const std::string& name, std::size_t index,
                       std::uint64_t seed, bool swarm, bool recheck, bool from_corpus) {
  SeedRecord rec;
  rec.index = index;
  rec.seed = seed;
  rec.from_corpus = from_corpus;
  const std::string profile =
      source.contains("stack") ? source["stack"].value("profile", "pass_through") : "pass_through";
  auto doc = SeedDocument(source, seed, swarm);
  if (!doc.ok()) {
    rec.failures.push_back(MakeFailure("error", "scenario", profile, doc.error().message));
    return rec;
  }
  auto spec = scenarios::ParseScenario(doc->dump(), name);
  if (!spec.ok()) {
    rec.failures.push_back(
        MakeFailure("error", swarm ? "swarm_document" : "scenario", profile, spec.error().message));
    return rec;
  }
  auto result = scenarios::RunScenario(*spec);
  if (!result.ok()) {
    rec.failures.push_back(MakeFailure("error", "run", profile, result.error().message));
    return rec;
  }
  rec.digest = result->summary.digest;
  rec.ops = result->checks.metrics.ops.started;
  rec.failures = CheckRun(*spec, *result, CheckOptions{.gates = !swarm, .recovery_bound = !swarm});
  rec.goals = GoalsReached(result->checks.metrics);
  if (recheck) {
    rec.rechecked = true;
    auto again = scenarios::RunScenario(*spec);
    const std::string second = again.ok() ? again->summary.digest : again.error().message;
    if (second != rec.digest) {
      rec.failures.push_back(MakeFailure(
          "determinism", "digest", result->profile,
          "seed " + std::to_string(seed) + " gave digest " + rec.digest + " and then " + second));
    }
  }
  return rec;
}

Result<ExploreRun> RunExplore(const scenarios::ScenarioSpec& spec, const ExploreOptions& options,
                              const Shard& shard, unsigned threads,
                              const std::function<void(std::size_t, std::size_t)>& progress,
                              const std::function<bool()>& stop) {
  ExploreRun run;
  run.scenario = spec.name;
  run.scenario_hash = spec.hash;
  run.path = spec.path;
  // What gets written (explore.json, failure files): the scenario without its tokens. The seeds
  // run the original; the copy runs the same (scenarios/secrets.h).
  run.source = scenarios::RedactScenarioSecrets(spec.source);
  run.options = options;
  run.shard = shard;
  const std::vector<std::uint64_t> seeds = WorkList(options, spec.seed);
  std::set<std::uint64_t> corpus(options.corpus.begin(), options.corpus.end());
  std::vector<std::size_t> mine;
  for (std::size_t i = 0; i < seeds.size(); ++i) {
    if (shard.Owns(i)) mine.push_back(i);
  }
  run.records.resize(mine.size());
  run.planned = mine.size();
  const std::size_t ran = ParallelFor(
      mine.size(), threads,
      [&](std::size_t k) {
        const std::size_t i = mine[k];
        const bool recheck = options.recheck_every > 0 && i % options.recheck_every == 0;
        run.records[k] = ExploreSeed(spec.source, spec.name, i, seeds[i], options.swarm, recheck,
                                     corpus.count(seeds[i]) > 0);
      },
      progress, stop);
  run.records.resize(ran);
  return run;
}

ExploreSummary Summarize(const ExploreRun& run) {
  ExploreSummary s;
  std::map<std::string, std::size_t> by_signature;
  std::map<std::string, std::size_t> goal_count;
  for (const SeedRecord& r : run.records) {
    ++s.runs;
    if (r.rechecked) ++s.rechecked;
    if (r.from_corpus) ++s.corpus_runs;
    if (!r.failures.empty()) {
      ++s.failed_runs;
      if (r.from_corpus) ++s.corpus_still_failing;
    }
    for (const std::string& g : r.goals) ++goal_count[g];
    for (const Failure& f : r.failures) {
      auto [it, fresh] = by_signature.emplace(f.signature, s.failures.size());
      if (fresh) {
        DistinctFailure d;
        d.failure = f;
        d.first_seed = r.seed;
        d.first_index = r.index;
        d.file = FailureFileName(run.scenario, f.signature);
        s.failures.push_back(std::move(d));
      }
      std::vector<std::uint64_t>& seeds = s.failures[it->second].seeds;
      if (seeds.empty() || seeds.back() != r.seed) seeds.push_back(r.seed);
    }
  }
  std::vector<std::string> wanted;
  if (run.source.contains("sometimes") && run.source["sometimes"].is_array()) {
    for (const auto& g : run.source["sometimes"]) wanted.push_back(g.get<std::string>());
  }
  for (const std::string& g : wanted) {
    const std::size_t n = goal_count.count(g) ? goal_count[g] : 0;
    s.goals.push_back(GoalTally{g, n});
    if (n == 0) s.missed_goals.push_back(g);
  }
  return s;
}

nlohmann::json ExploreToJson(const ExploreRun& run) {
  const ExploreSummary s = Summarize(run);
  nlohmann::json j;
  j["format"] = kFormat;
  j["scenario"] = run.scenario;
  j["scenario_hash"] = run.scenario_hash;
  j["path"] = run.path;
  j["options"] = OptionsToJson(run.options);
  j["shard"] = run.shard.Text();
  j["planned"] = run.planned;
  j["partial"] = run.partial();
  nlohmann::json summary = {{"runs", s.runs},
                            {"failed_runs", s.failed_runs},
                            {"corpus_runs", s.corpus_runs},
                            {"corpus_still_failing", s.corpus_still_failing},
                            {"rechecked", s.rechecked},
                            {"passed", s.passed()},
                            {"missed_goals", s.missed_goals}};
  summary["failures"] = nlohmann::json::array();
  for (const DistinctFailure& d : s.failures) {
    nlohmann::json f = FailureToJson(d.failure);
    f["first_seed"] = d.first_seed;
    f["seeds"] = d.seeds;
    f["file"] = d.file;
    summary["failures"].push_back(f);
  }
  summary["goals"] = nlohmann::json::object();
  for (const GoalTally& g : s.goals) summary["goals"][g.goal] = g.reached;
  j["summary"] = summary;
  j["records"] = nlohmann::json::array();
  for (const SeedRecord& r : run.records) j["records"].push_back(RecordToJson(r));
  j["source"] = run.source;
  return j;
}

Result<ExploreRun> ExploreFromJson(const nlohmann::json& j, const std::string& name) {
  if (!j.is_object() || j.value("format", "") != kFormat) {
    return InvalidInput(name + ": not an explore result (expected \"format\": \"" +
                        std::string(kFormat) + "\")");
  }
  try {
    ExploreRun run;
    run.scenario = j.at("scenario").get<std::string>();
    run.scenario_hash = j.at("scenario_hash").get<std::string>();
    run.path = j.value("path", "");
    run.source = j.at("source");
    const nlohmann::json& o = j.at("options");
    run.options.seeds = o.at("seeds").get<std::uint64_t>();
    run.options.first_seed = o.at("first_seed").get<std::uint64_t>();
    run.options.swarm = o.at("swarm").get<bool>();
    run.options.recheck_every = o.at("recheck_every").get<std::uint32_t>();
    run.options.corpus = o.at("corpus").get<std::vector<std::uint64_t>>();
    auto shard = ParseShard(j.at("shard").get<std::string>());
    if (!shard.ok()) return InvalidInput(name + ": /shard: " + shard.error().message);
    run.shard = *shard;
    for (const nlohmann::json& r : j.at("records")) run.records.push_back(RecordFromJson(r));
    run.planned = j.value("planned", run.records.size());
    return run;
  } catch (const nlohmann::json::exception& e) {
    return InvalidInput(name + ": malformed explore result: " + e.what());
  }
}

Result<ExploreRun> MergeExplore(std::vector<ExploreRun> shards) {
  if (shards.empty()) return InvalidInput("merge: no explore results given");
  std::sort(shards.begin(), shards.end(),
            [](const ExploreRun& a, const ExploreRun& b) { return a.shard.index < b.shard.index; });
  const ExploreRun& first = shards.front();
  const std::uint32_t n = first.shard.count;
  if (shards.size() != n) {
    return InvalidInput("merge: " + std::to_string(shards.size()) + " explore shard(s) given, " +
                        "but they are slices of " + std::to_string(n));
  }
  ExploreRun merged = first;
  merged.records.clear();
  merged.shard = Shard{};
  merged.planned = 0;
  for (std::uint32_t i = 0; i < n; ++i) {
    const ExploreRun& s = shards[i];
    if (s.shard.index != i || s.shard.count != n) {
      return InvalidInput("merge: shard " + std::to_string(i) + "/" + std::to_string(n) +
                          " is missing (or given twice)");
    }
    if (s.partial()) {
      return InvalidInput("merge: shard " + s.shard.Text() + " is partial (interrupted after " +
                          std::to_string(s.records.size()) + " of " + std::to_string(s.planned) +
                          " seeds): run it again");
    }
    merged.planned += s.planned;
    if (s.scenario_hash != first.scenario_hash || s.scenario != first.scenario ||
        OptionsToJson(s.options) != OptionsToJson(first.options)) {
      return InvalidInput("merge: shard " + s.shard.Text() +
                          " ran another scenario or other options than shard 0/" +
                          std::to_string(n));
    }
    merged.records.insert(merged.records.end(), s.records.begin(), s.records.end());
  }
  std::sort(merged.records.begin(), merged.records.end(),
            [](const SeedRecord& a, const SeedRecord& b) { return a.index < b.index; });
  return merged;
}

std::string CorpusFile(const std::string& dir, const std::string& scenario, bool swarm) {
  if (dir.empty()) return "";
  return (std::filesystem::path(dir) / (scenario + (swarm ? ".swarm" : "") + ".seeds.json"))
      .string();
}

Result<std::vector<std::uint64_t>> LoadCorpus(const std::string& file) {
  if (file.empty() || !std::filesystem::exists(file)) return std::vector<std::uint64_t>{};
  const Result<nlohmann::json> loaded = engine::LoadJson(file);
  if (!loaded.ok()) return loaded.error();
  const nlohmann::json& j = *loaded;
  if (!j.is_object() || !j.contains("seeds") || !j["seeds"].is_array()) {
    return InvalidInput(file + ": not a corpus file (expected {\"seeds\": [...]})");
  }
  std::vector<std::uint64_t> seeds;
  for (const auto& s : j["seeds"]) {
    if (!s.is_number_unsigned()) return InvalidInput(file + ": /seeds: expected unsigned seeds");
    seeds.push_back(s.get<std::uint64_t>());
  }
  return seeds;
}

Result<std::string> WriteExplore(const ExploreRun& run, const std::string& out_dir,
                                 const std::string& corpus_file) {
  const ExploreSummary s = Summarize(run);
  const std::filesystem::path out(out_dir);
  std::error_code ec;
  std::filesystem::create_directories(out / "failures", ec);
  if (Status st = reports::WriteJsonFile((out / "explore.json").string(), ExploreToJson(run));
      !st.ok()) {
    return st.error();
  }
  for (const DistinctFailure& d : s.failures) {
    auto doc = SeedDocument(run.source, d.first_seed, run.options.swarm);
    if (!doc.ok()) return doc.error();
    if (Status st = reports::WriteJsonFile((out / d.file).string(), *doc); !st.ok()) {
      return st.error();
    }
  }
  std::ostringstream text;
  std::ostringstream md;
  const std::string mode = run.options.swarm ? "swarm" : "fixed plan";
  text << "explore " << run.scenario << ": " << s.runs << " seed(s) (" << mode << ", "
       << s.corpus_runs << " from the corpus";
  if (!run.shard.whole()) text << ", shard " << run.shard.Text();
  text << "), " << s.failed_runs << " failed, " << s.failures.size() << " distinct failure(s); "
       << s.rechecked << " rechecked for determinism\n";
  const std::string partial = "PARTIAL: interrupted after " + std::to_string(run.records.size()) +
                              " of " + std::to_string(run.planned) + " seed(s)";
  if (run.partial()) text << partial << "\n";
  md << "# explore " << run.scenario << "\n\n";
  if (run.partial()) md << "**" << partial << ".**\n\n";
  md << s.runs << " seed(s), " << mode << "; " << s.failed_runs << " failed; " << s.failures.size()
     << " distinct failure(s); " << s.rechecked
     << " seed(s) run twice for determinism; corpus: " << s.corpus_runs << " replayed, "
     << s.corpus_still_failing << " still failing.\n\n";
  if (!s.failures.empty()) {
    md << "| signature | failure | seeds | first seed | reproduce |\n|---|---|---|---|---|\n";
  }
  for (const DistinctFailure& d : s.failures) {
    const std::string path = (out / d.file).string();
    text << "  [" << d.failure.signature << "] " << d.failure.Title() << ": " << d.seeds.size()
         << " seed(s), first " << d.first_seed << "\n"
         << "    " << d.failure.detail << "\n";
    if (!d.failure.pattern.empty()) text << "    events: " << d.failure.pattern << "\n";
    text << "    reproduce: " << d.failure.Reproduce(path) << "\n";
    md << "| `" << d.failure.signature << "` | " << d.failure.Title() << " | " << d.seeds.size()
       << " | " << d.first_seed << " | `" << d.failure.Reproduce(d.file)
       << "` (from this folder) |\n";
  }
  if (!s.goals.empty()) {
    text << "  sometimes:";
    md << "\n## Sometimes goals\n\n| goal | seeds that reached it |\n|---|---|\n";
    for (const GoalTally& g : s.goals) {
      text << " " << g.goal << " " << g.reached << "/" << s.runs
           << (g.reached == 0 ? " (NEVER REACHED)" : "") << ";";
      md << "| " << g.goal << " | " << g.reached << " / " << s.runs << " |\n";
    }
    text << "\n";
  }
  text << "explore " << run.scenario << ": " << (s.passed() ? "PASS" : "FAIL")
       << (run.partial() ? " (partial)" : "") << "\n";
  if (auto st = reports::WriteTextFile((out / "explore.md").string(), md.str()); !st.ok()) {
    return st.error();
  }
  if (!corpus_file.empty()) {
    std::set<std::uint64_t> seeds(run.options.corpus.begin(), run.options.corpus.end());
    for (const SeedRecord& r : run.records) {
      if (!r.failures.empty()) seeds.insert(r.seed);
    }
    std::filesystem::create_directories(std::filesystem::path(corpus_file).parent_path(), ec);
    const nlohmann::json corpus = {
        {"scenario", run.scenario},
        {"swarm", run.options.swarm},
        {"seeds", std::vector<std::uint64_t>(seeds.begin(), seeds.end())}};
    if (auto st = reports::WriteJsonFile(corpus_file, corpus); !st.ok()) return st.error();
  }
  return text.str();
}

}  // namespace notion_sim::explore
