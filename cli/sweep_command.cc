// notion-sim sweep: a grid of stack settings over K seeds each, on all cores; mean and spread per
// configuration, the Pareto frontier over the objectives, a recommendation under the constraints,
// and an HTML chart of the frontier. Exit 0 when a configuration is recommended, 1 when none
// qualifies, 2 bad input, 130 interrupted (the runs that finished are written, marked partial).
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "command.h"
#include "interrupt.h"
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
  std::vector<std::string> ranges;
  std::uint64_t samples = 0;
  std::string sampler;
  std::uint64_t sample_seed = 0;
  bool every_seed = false;
  std::vector<std::string> objectives;
  std::vector<std::string> constraints;
  std::uint64_t seeds = 0;  // 0 = the sweep file's, else 5
  std::uint64_t first_seed = 0;
  std::string out_dir = "out/sweep";
  unsigned threads = 0;
  std::string shard = "0/1";
  Output out{"sweep"};
};

// --json: every configuration's figures and the recommendation (each run is in sweep.json).
nlohmann::json SummaryJson(const ns::explore::SweepRun& run, const std::string& out_dir) {
  nlohmann::json j = ns::explore::SweepToJson(run);
  j.erase("runs");
  j.erase("source");
  j.erase("format");
  j["out_dir"] = out_dir;
  j["sweep_json"] = (std::filesystem::path(out_dir) / "sweep.json").string();
  const ns::explore::SweepSummary s = ns::explore::SummarizeSweep(run);
  j["recommended_label"] =
      s.recommended ? nlohmann::json(s.configs[*s.recommended].label) : nlohmann::json(nullptr);
  return j;
}

int Sweep(const SweepArgs& args) {
  const Output& out = args.out;
  auto shard = ns::explore::ParseShard(args.shard);
  if (!shard.ok()) return out.BadInput(shard.error().message);
  auto spec = ns::scenarios::LoadScenario(args.file);
  if (!spec.ok()) return out.BadInput(spec.error().message);
  ns::explore::SweepSpec sweep;
  if (!args.sweep_file.empty()) {
    const ns::Result<nlohmann::json> doc = ns::engine::LoadJson(args.sweep_file);
    if (!doc.ok()) return out.BadInput("--sweep-file " + doc.error().message);
    auto parsed = ns::explore::ParseSweepFile(*doc, args.sweep_file);
    if (!parsed.ok()) return out.BadInput(parsed.error().message);
    sweep = *parsed;
  }
  for (const std::string& g : args.grid) {
    auto axis = ns::explore::ParseGrid(g);
    if (!axis.ok()) return out.BadInput(axis.error().message);
    sweep.grid.push_back(*axis);
  }
  for (const std::string& r : args.ranges) {
    auto range = ns::explore::ParseRange(r);
    if (!range.ok()) return out.BadInput(range.error().message);
    sweep.ranges.push_back(*range);
  }
  if (args.samples > 0) sweep.samples = args.samples;
  if (!args.sampler.empty()) {
    sweep.sampler = args.sampler == "uniform" ? ns::explore::Sampler::kUniform
                                              : ns::explore::Sampler::kLatinHypercube;
  }
  if (args.sample_seed > 0) sweep.sample_seed = args.sample_seed;
  if (args.every_seed) sweep.every_seed = true;
  if (!sweep.ranges.empty() && sweep.samples > 100'000) {
    return out.BadInput("--samples: at most 100000");
  }
  for (const std::string& o : args.objectives) {
    auto objective = ns::explore::ParseObjective(o);
    if (!objective.ok()) return out.BadInput(objective.error().message);
    sweep.objectives.push_back(*objective);
  }
  for (const std::string& c : args.constraints) {
    auto constraint = ns::explore::ParseConstraint(c);
    if (!constraint.ok()) return out.BadInput(constraint.error().message);
    sweep.constraints.push_back(*constraint);
  }
  if (args.seeds > 0) sweep.seeds = args.seeds;
  if (args.first_seed > 0) sweep.first_seed = args.first_seed;
  if (sweep.grid.empty() && sweep.ranges.empty()) {
    return out.BadInput(
        "give at least one --grid PATH=V1,V2,... or --range PATH=LO..HI (or --sweep-file)");
  }
  if (ns::Status st = ns::explore::PrepareSweep(*spec, sweep); !st.ok()) {
    return out.BadInput(st.error().message);
  }
  const std::size_t configs = ns::explore::Configurations(sweep).size();
  out.log() << "sweep " << spec->name << ": " << configs << " configuration(s) x " << sweep.seeds
            << " seed(s), shard " << shard->Text() << "\n";
  const StopOnInterrupt interrupt;
  Progress progress("sweep " + spec->name, Progress::ModeFor(out.quiet()));
  auto run = ns::explore::RunSweep(
      *spec, sweep, *shard, args.threads,
      [&](std::size_t done, std::size_t total) { progress.Update(done, total); },
      [] { return StopOnInterrupt::Requested(); });
  progress.Done();
  if (!run.ok()) return out.BadInput(run.error().message);
  auto text = ns::explore::WriteSweep(*run, args.out_dir);
  if (!text.ok()) return out.BadInput(text.error().message);
  out.text() << *text;
  out.log() << run->runs.size() << " run(s) in " << std::lround(progress.ElapsedSeconds())
            << " s\n";
  int code = kExitOk;
  if (run->partial()) {
    code = kExitInterrupted;
  } else if (shard->whole() && !ns::explore::SummarizeSweep(*run).recommended) {
    code = kExitFailed;  // a shard's verdict belongs to the merged report
  }
  return out.Finish(code, SummaryJson(*run, args.out_dir));
}

}  // namespace

Command AddSweepCommand(CLI::App& app) {
  auto args = std::make_shared<SweepArgs>();
  CLI::App* cmd = app.add_subcommand(
      "sweep",
      "Run a grid of settings over K seeds each; table, Pareto frontier, recommendation and an "
      "HTML chart. Exit 0 a configuration is recommended, 1 none qualifies, 2 bad input, 130 "
      "interrupted (the runs that finished are written, marked partial)");
  cmd->add_option("file", args->file, "Scenario file")->required();
  cmd->add_option("--grid", args->grid,
                  "PATH=V1,V2,... : a dotted path into the scenario and its values (repeatable), "
                  "e.g. stack.retry.max_attempts=2,3,5");
  cmd->add_option("--sweep-file", args->sweep_file,
                  "JSON: {\"grid\": {PATH: [values]}, \"seeds\": K, \"objectives\": [...], "
                  "\"constraints\": [...]} (flags add to it)");
  cmd->add_option("--range", args->ranges,
                  "PATH=LO..HI : a range sampled --samples times (repeatable; integers when LO "
                  "and HI are); random search besides the grid");
  cmd->add_option("--samples", args->samples, "Samples of the ranges (default 20)");
  cmd->add_option("--sampler", args->sampler, "lhs (Latin hypercube, the default) or uniform")
      ->check(CLI::IsMember({"lhs", "uniform"}));
  cmd->add_option("--sample-seed", args->sample_seed, "Seed of the samples' draws (default 1)");
  cmd->add_flag("--every-seed", args->every_seed,
                "Constraints must hold on every seed (the worst), not only on the mean");
  cmd->add_option("--seeds", args->seeds, "Seeds per configuration (default 5)");
  cmd->add_option("--first-seed", args->first_seed, "First seed (default: the scenario's seed)");
  cmd->add_option("--objective", args->objectives,
                  "METRIC[:max|:min] (repeatable; default ops.success_ratio and api_calls_per_op)");
  cmd->add_option("--constraint", args->constraints,
                  "METRIC>=BOUND or METRIC<=BOUND on the mean (repeatable)");
  AddOutOption(cmd, args->out_dir);
  AddThreadsOption(cmd, args->threads);
  AddShardOption(cmd, args->shard);
  args->out.AddFlags(cmd);
  return Command{cmd, [args] { return Sweep(*args); }};
}

}  // namespace notion_sim::cli
