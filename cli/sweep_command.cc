// notion-sim sweep: a grid of stack settings over K seeds each, on all cores; mean and spread per
// configuration, the Pareto frontier over the objectives, a recommendation under the constraints,
// and an HTML chart of the frontier. Exit 0 when a configuration is recommended, 1 when none
// qualifies, 2 bad input.
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "command.h"
#include "notion_sim/engine/json_reader.h"
#include "notion_sim/explore/sweep.h"
#include "notion_sim/scenarios/scenario.h"
#include "progress.h"

namespace notion_sim::cli {
namespace {

namespace ns = notion_sim;

struct SweepArgs {
  std::string file;
  std::string sweep_file;
  std::vector<std::string> grid;
  std::vector<std::string> objectives;
  std::vector<std::string> constraints;
  std::uint64_t seeds = 0;  // 0 = the sweep file's, else 5
  std::uint64_t first_seed = 0;
  std::string out_dir = "out/sweep";
  unsigned threads = 0;
  std::string shard = "0/1";
  bool quiet = false;
};

int Sweep(const SweepArgs& args) {
  auto shard = ns::explore::ParseShard(args.shard);
  if (!shard.ok()) {
    std::cerr << "notion-sim sweep: " << shard.error().message << "\n";
    return kExitBadInput;
  }
  auto spec = ns::scenarios::LoadScenario(args.file);
  if (!spec.ok()) {
    std::cerr << "notion-sim sweep: " << spec.error().message << "\n";
    return kExitBadInput;
  }
  ns::explore::SweepSpec sweep;
  if (!args.sweep_file.empty()) {
    const ns::Result<nlohmann::json> doc = ns::engine::LoadJson(args.sweep_file);
    if (!doc.ok()) {
      std::cerr << "notion-sim sweep: --sweep-file " << doc.error().message << "\n";
      return kExitBadInput;
    }
    auto parsed = ns::explore::ParseSweepFile(*doc, args.sweep_file);
    if (!parsed.ok()) {
      std::cerr << "notion-sim sweep: " << parsed.error().message << "\n";
      return kExitBadInput;
    }
    sweep = *parsed;
  }
  for (const std::string& g : args.grid) {
    auto axis = ns::explore::ParseGrid(g);
    if (!axis.ok()) {
      std::cerr << "notion-sim sweep: " << axis.error().message << "\n";
      return kExitBadInput;
    }
    sweep.grid.push_back(*axis);
  }
  for (const std::string& o : args.objectives) {
    auto objective = ns::explore::ParseObjective(o);
    if (!objective.ok()) {
      std::cerr << "notion-sim sweep: " << objective.error().message << "\n";
      return kExitBadInput;
    }
    sweep.objectives.push_back(*objective);
  }
  for (const std::string& c : args.constraints) {
    auto constraint = ns::explore::ParseConstraint(c);
    if (!constraint.ok()) {
      std::cerr << "notion-sim sweep: " << constraint.error().message << "\n";
      return kExitBadInput;
    }
    sweep.constraints.push_back(*constraint);
  }
  if (args.seeds > 0) sweep.seeds = args.seeds;
  if (args.first_seed > 0) sweep.first_seed = args.first_seed;
  if (sweep.grid.empty()) {
    std::cerr << "notion-sim sweep: give at least one --grid PATH=V1,V2,... (or --sweep-file)\n";
    return kExitBadInput;
  }
  if (ns::Status st = ns::explore::PrepareSweep(*spec, sweep); !st.ok()) {
    std::cerr << "notion-sim sweep: " << st.error().message << "\n";
    return kExitBadInput;
  }
  const std::size_t configs = ns::explore::Configurations(sweep).size();
  if (!args.quiet) {
    std::cerr << "sweep " << spec->name << ": " << configs << " configuration(s) x " << sweep.seeds
              << " seed(s), shard " << shard->Text() << "\n";
  }
  Progress progress("sweep " + spec->name, !args.quiet);
  auto run = ns::explore::RunSweep(
      *spec, sweep, *shard, args.threads,
      [&](std::size_t done, std::size_t total) { progress.Update(done, total); });
  if (!run.ok()) {
    std::cerr << "notion-sim sweep: " << run.error().message << "\n";
    return kExitBadInput;
  }
  auto text = ns::explore::WriteSweep(*run, args.out_dir);
  if (!text.ok()) {
    std::cerr << "notion-sim sweep: " << text.error().message << "\n";
    return kExitBadInput;
  }
  std::cout << *text;
  if (!args.quiet) {
    std::cerr << run->runs.size() << " run(s) in "
              << static_cast<int>(progress.ElapsedSeconds() + 0.5) << " s\n";
  }
  if (!shard->whole()) return kExitOk;  // the verdict belongs to the merged report
  return ns::explore::SummarizeSweep(*run).recommended ? kExitOk : kExitFailed;
}

}  // namespace

Command AddSweepCommand(CLI::App& app) {
  auto args = std::make_shared<SweepArgs>();
  CLI::App* cmd = app.add_subcommand(
      "sweep",
      "Run a grid of settings over K seeds each; table, Pareto frontier, recommendation and an "
      "HTML chart. Exit 0 a configuration is recommended, 1 none qualifies, 2 bad input");
  cmd->add_option("file", args->file, "Scenario file")->required();
  cmd->add_option("--grid", args->grid,
                  "PATH=V1,V2,... : a dotted path into the scenario and its values (repeatable), "
                  "e.g. stack.retry.max_attempts=2,3,5");
  cmd->add_option("--sweep-file", args->sweep_file,
                  "JSON: {\"grid\": {PATH: [values]}, \"seeds\": K, \"objectives\": [...], "
                  "\"constraints\": [...]} (flags add to it)");
  cmd->add_option("--seeds", args->seeds, "Seeds per configuration (default 5)");
  cmd->add_option("--first-seed", args->first_seed, "First seed (default: the scenario's seed)");
  cmd->add_option("--objective", args->objectives,
                  "METRIC[:max|:min] (repeatable; default ops.success_ratio and api_calls_per_op)");
  cmd->add_option("--constraint", args->constraints,
                  "METRIC>=BOUND or METRIC<=BOUND on the mean (repeatable)");
  cmd->add_option("--out", args->out_dir, "Output directory")->capture_default_str();
  cmd->add_option("--threads", args->threads, "Threads (0 = all cores); results do not change")
      ->capture_default_str();
  cmd->add_option("--shard", args->shard,
                  "Run slice I of N (I/N); combine the slices with notion-sim merge")
      ->capture_default_str();
  cmd->add_flag("--quiet", args->quiet, "No progress on stderr");
  return Command{cmd, [args] { return Sweep(*args); }};
}

}  // namespace notion_sim::cli
