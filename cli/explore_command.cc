// notion-sim explore: one scenario over many seeds (optionally swarm testing), failures deduped by
// signature with one reproducing command each, a corpus of failing seeds replayed first next time,
// a determinism self-check and the scenario's "sometimes" goals. Exit 0 all held, 1 a failure
// or a goal never reached, 2 bad input, 130 interrupted (the seeds that finished are written,
// marked partial).
#include <cmath>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "command.h"
#include "interrupt.h"
#include "notion_sim/engine/json_reader.h"
#include "notion_sim/explore/explore.h"
#include "notion_sim/scenarios/scenario.h"
#include "progress.h"
#include "shrink_command.h"

namespace notion_sim::cli {
namespace {

namespace ns = notion_sim;

struct ExploreArgs {
  std::string file;
  std::uint64_t seeds = 100;
  std::uint64_t first_seed = 0;
  bool swarm = false;
  std::string out_dir = "out/explore";
  std::string corpus_dir;  // default: <out>/corpus
  bool no_corpus = false;
  std::uint32_t recheck_every = 10;
  unsigned threads = 0;
  std::string shard = "0/1";
  bool quiet = false;
  bool shrink = false;
  std::uint64_t shrink_runs = 200;
  Output out{"explore"};
};

// --json: the summary a script needs (the whole record list is in explore.json).
nlohmann::json SummaryJson(const ns::explore::ExploreRun& run, const std::string& out_dir) {
  const ns::explore::ExploreSummary s = ns::explore::Summarize(run);
  nlohmann::json failures = nlohmann::json::array();
  for (const ns::explore::DistinctFailure& d : s.failures) {
    const std::string path = (std::filesystem::path(out_dir) / d.file).string();
    failures.push_back({{"signature", d.failure.signature},
                        {"kind", d.failure.kind},
                        {"check", d.failure.check},
                        {"profile", d.failure.profile},
                        {"detail", d.failure.detail},
                        {"seeds", d.seeds.size()},
                        {"first_seed", d.first_seed},
                        {"file", path},
                        {"reproduce", d.failure.Reproduce(path)}});
  }
  nlohmann::json goals = nlohmann::json::object();
  for (const ns::explore::GoalTally& g : s.goals) goals[g.goal] = g.reached;
  return {{"scenario", run.scenario},
          {"out_dir", out_dir},
          {"explore_json", (std::filesystem::path(out_dir) / "explore.json").string()},
          {"shard", run.shard.Text()},
          {"partial", run.partial()},
          {"planned", run.planned},
          {"runs", s.runs},
          {"failed_runs", s.failed_runs},
          {"rechecked", s.rechecked},
          {"passed", s.passed()},
          {"failures", failures},
          {"goals", goals},
          {"missed_goals", s.missed_goals}};
}

int Explore(const ExploreArgs& args) {
  const Output& out = args.out;
  auto shard = ns::explore::ParseShard(args.shard);
  if (!shard.ok()) return out.BadInput(shard.error().message);
  auto spec = ns::scenarios::LoadScenario(args.file);
  if (!spec.ok()) return out.BadInput(spec.error().message);
  if (args.seeds == 0) return out.BadInput("--seeds: must be at least 1");
  ns::explore::ExploreOptions options;
  options.seeds = args.seeds;
  options.first_seed = args.first_seed;
  options.swarm = args.swarm;
  options.recheck_every = args.recheck_every;
  const std::string corpus_file =
      args.no_corpus ? ""
                     : ns::explore::CorpusFile(
                           args.corpus_dir.empty() ? args.out_dir + "/corpus" : args.corpus_dir,
                           spec->name, args.swarm);
  auto corpus = ns::explore::LoadCorpus(corpus_file);
  if (!corpus.ok()) return out.BadInput(corpus.error().message);
  options.corpus = *corpus;
  out.log() << "explore " << spec->name << ": seeds "
            << (args.first_seed ? args.first_seed : spec->seed) << ".. (" << args.seeds << ")"
            << (args.swarm ? ", swarm" : "") << ", " << options.corpus.size()
            << " corpus seed(s) first, shard " << shard->Text() << "\n";
  const StopOnInterrupt interrupt;
  Progress progress("explore " + spec->name, Progress::ModeFor(out.quiet()));
  auto run = ns::explore::RunExplore(
      *spec, options, *shard, args.threads,
      [&](std::size_t done, std::size_t total) { progress.Update(done, total); },
      [] { return StopOnInterrupt::Requested(); });
  progress.Done();
  if (!run.ok()) return out.BadInput(run.error().message);
  auto text = ns::explore::WriteExplore(*run, args.out_dir, corpus_file);
  if (!text.ok()) return out.BadInput(text.error().message);
  out.text() << *text;
  const ns::explore::ExploreSummary summary = ns::explore::Summarize(*run);
  if (args.shrink) {
    // Each distinct failure's file, shrunk keeping its check (explore's own checks, seen only by
    // explore, are left as they are).
    for (const ns::explore::DistinctFailure& d : summary.failures) {
      if (!d.failure.SeenByRun() || d.file.empty()) continue;
      const std::string from = args.out_dir + "/" + d.file;
      auto doc = ns::engine::JsonDocument::Load(from);
      if (!doc.ok()) {
        std::cerr << "notion-sim explore: " << doc.error().message << "\n";
        continue;
      }
      std::string to = from;
      to.replace(to.size() - 5, 5, ".shrunk.json");
      auto shrunk =
          ShrinkFile(doc->root(), run->source.value("name", std::string("scenario")),
                     d.failure.check, args.shrink_runs, 120, !out.quiet(), to, !args.swarm);
      if (!shrunk) continue;
      out.text() << "  [" << d.failure.signature << "] shrunk to " << to << " ("
                 << shrunk->after.Text() << ", " << shrunk->notes.size() << " step(s), "
                 << shrunk->runs << " run(s))\n    reproduce: " << shrunk->failure.Reproduce(to)
                 << "\n";
    }
  }
  out.log() << "explore.json and explore.md in " << args.out_dir << "/ ("
            << std::lround(progress.ElapsedSeconds()) << " s)\n";
  const int code = run->partial() ? kExitInterrupted : summary.passed() ? kExitOk : kExitFailed;
  return out.Finish(code, SummaryJson(*run, args.out_dir));
}

}  // namespace

Command AddExploreCommand(CLI::App& app) {
  auto args = std::make_shared<ExploreArgs>();
  CLI::App* cmd = app.add_subcommand(
      "explore",
      "Run a scenario over many seeds (with --swarm, each seed also draws the faults and the "
      "stack's thresholds); dedupe failures, write a reproducing scenario per distinct failure. "
      "Exit 0 all held, 1 a failure or a sometimes-goal never reached, 2 bad input, 130 "
      "interrupted (the seeds that finished are written, marked partial)");
  cmd->add_option("file", args->file, "Scenario file")->required();
  cmd->add_option("--seeds", args->seeds, "How many seeds (after the corpus)")
      ->capture_default_str();
  cmd->add_option("--first-seed", args->first_seed, "First seed (default: the scenario's seed)");
  cmd->add_flag("--swarm", args->swarm,
                "Swarm testing: each seed draws fault parameters and stack thresholds within the "
                "ranges of explore/include/notion_sim/explore/explore.h; gates are not applied");
  AddOutOption(cmd, args->out_dir);
  cmd->add_option("--corpus", args->corpus_dir, "Corpus directory (default: OUT/corpus)");
  cmd->add_flag("--no-corpus", args->no_corpus, "Neither replay nor record failing seeds");
  cmd->add_option("--recheck-every", args->recheck_every,
                  "Run every Nth seed twice and compare trace digests (0 = never)")
      ->capture_default_str();
  AddThreadsOption(cmd, args->threads);
  AddShardOption(cmd, args->shard);
  args->out.AddFlags(cmd);
  CLI::Option* shrink =
      cmd->add_flag("--shrink", args->shrink,
                    "Shrink each distinct failure's file (failures/NAME-SIG.shrunk.json), as "
                    "notion-sim shrink does");
  cmd->add_option("--shrink-runs", args->shrink_runs, "Bound on runs per shrink")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1'000'000}))
      ->needs(shrink);
  return Command{cmd, [args] { return Explore(*args); }};
}

}  // namespace notion_sim::cli
