// notion-sim explore: one scenario over many seeds (optionally swarm testing), failures deduped by
// signature with one reproducing command each, a corpus of failing seeds replayed first next time,
// a determinism self-check and the scenario's "sometimes" goals. Exit 0 all held, 1 a failure
// or a goal never reached, 2 bad input.
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "command.h"
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
};

int Explore(const ExploreArgs& args) {
  auto shard = ns::explore::ParseShard(args.shard);
  if (!shard.ok()) {
    std::cerr << "notion-sim explore: " << shard.error().message << "\n";
    return kExitBadInput;
  }
  auto spec = ns::scenarios::LoadScenario(args.file);
  if (!spec.ok()) {
    std::cerr << "notion-sim explore: " << spec.error().message << "\n";
    return kExitBadInput;
  }
  if (args.seeds == 0) {
    std::cerr << "notion-sim explore: --seeds: must be at least 1\n";
    return kExitBadInput;
  }
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
  if (!corpus.ok()) {
    std::cerr << "notion-sim explore: " << corpus.error().message << "\n";
    return kExitBadInput;
  }
  options.corpus = *corpus;
  if (!args.quiet) {
    std::cerr << "explore " << spec->name << ": seeds "
              << (args.first_seed ? args.first_seed : spec->seed) << ".. (" << args.seeds << ")"
              << (args.swarm ? ", swarm" : "") << ", " << options.corpus.size()
              << " corpus seed(s) first, shard " << shard->Text() << "\n";
  }
  Progress progress("explore " + spec->name, !args.quiet);
  auto run = ns::explore::RunExplore(
      *spec, options, *shard, args.threads,
      [&](std::size_t done, std::size_t total) { progress.Update(done, total); });
  if (!run.ok()) {
    std::cerr << "notion-sim explore: " << run.error().message << "\n";
    return kExitBadInput;
  }
  auto text = ns::explore::WriteExplore(*run, args.out_dir, corpus_file);
  if (!text.ok()) {
    std::cerr << "notion-sim explore: " << text.error().message << "\n";
    return kExitBadInput;
  }
  std::cout << *text;
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
                     d.failure.check, args.shrink_runs, 120, !args.quiet, to, !args.swarm);
      if (!shrunk) continue;
      std::cout << "  [" << d.failure.signature << "] shrunk to " << to << " ("
                << shrunk->after.Text() << ", " << shrunk->notes.size() << " step(s), "
                << shrunk->runs << " run(s))\n    reproduce: " << shrunk->failure.Reproduce(to)
                << "\n";
    }
  }
  if (!args.quiet) {
    std::cerr << "explore.json and explore.md in " << args.out_dir << "/ ("
              << static_cast<int>(progress.ElapsedSeconds() + 0.5) << " s)\n";
  }
  return summary.passed() ? kExitOk : kExitFailed;
}

}  // namespace

Command AddExploreCommand(CLI::App& app) {
  auto args = std::make_shared<ExploreArgs>();
  CLI::App* cmd = app.add_subcommand(
      "explore",
      "Run a scenario over many seeds (with --swarm, each seed also draws the faults and the "
      "stack's thresholds); dedupe failures, write a reproducing scenario per distinct failure. "
      "Exit 0 all held, 1 a failure or a sometimes-goal never reached, 2 bad input");
  cmd->add_option("file", args->file, "Scenario file")->required();
  cmd->add_option("--seeds", args->seeds, "How many seeds (after the corpus)")
      ->capture_default_str();
  cmd->add_option("--first-seed", args->first_seed, "First seed (default: the scenario's seed)");
  cmd->add_flag("--swarm", args->swarm,
                "Swarm testing: each seed draws fault parameters and stack thresholds within the "
                "ranges of explore/include/notion_sim/explore/explore.h; gates are not applied");
  cmd->add_option("--out", args->out_dir, "Output directory")->capture_default_str();
  cmd->add_option("--corpus", args->corpus_dir, "Corpus directory (default: OUT/corpus)");
  cmd->add_flag("--no-corpus", args->no_corpus, "Neither replay nor record failing seeds");
  cmd->add_option("--recheck-every", args->recheck_every,
                  "Run every Nth seed twice and compare trace digests (0 = never)")
      ->capture_default_str();
  cmd->add_option("--threads", args->threads, "Threads (0 = all cores); results do not change")
      ->capture_default_str();
  cmd->add_option("--shard", args->shard,
                  "Run slice I of N (I/N); combine the slices with notion-sim merge")
      ->capture_default_str();
  cmd->add_flag("--quiet", args->quiet, "No progress on stderr");
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
