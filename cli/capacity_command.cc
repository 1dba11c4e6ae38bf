// notion-sim capacity: the smallest value of one setting that meets targets on every one of K
// seeds, by binary search where the targets are monotone in it (or every value with --all), said
// in words. Exit 0 an answer was found, 1 none, 2 bad input, 130 interrupted (what finished is
// written, marked partial).
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "command.h"
#include "interrupt.h"
#include "notion_sim/explore/capacity.h"
#include "notion_sim/scenarios/scenario.h"
#include "progress.h"

namespace notion_sim::cli {
namespace {

namespace ns = notion_sim;

struct CapacityArgs {
  std::string file;
  std::string vary;
  std::vector<std::string> targets;
  std::uint64_t seeds = 5;
  std::uint64_t first_seed = 0;
  bool all = false;
  std::string out_dir = "out/capacity";
  unsigned threads = 0;
  Output out{"capacity"};
};

int Capacity(const CapacityArgs& args) {
  const Output& out = args.out;
  auto spec = ns::scenarios::LoadScenario(args.file);
  if (!spec.ok()) return out.BadInput(spec.error().message);
  ns::explore::CapacitySpec cap;
  auto vary = ns::explore::ParseVary(args.vary);
  if (!vary.ok()) return out.BadInput(vary.error().message);
  cap.path = vary->first;
  cap.values = vary->second;
  for (const std::string& t : args.targets) {
    auto target = ns::explore::ParseConstraint(t);
    // ParseConstraint names the sweep's flag, "--constraint"; here it is --target.
    if (!target.ok()) return out.BadInput("--target" + target.error().message.substr(12));
    cap.targets.push_back(*target);
  }
  if (args.seeds == 0) return out.BadInput("--seeds: must be at least 1");
  cap.seeds = args.seeds;
  cap.first_seed = args.first_seed;
  cap.search = !args.all;
  const StopOnInterrupt interrupt;
  Progress progress("capacity " + spec->name, Progress::ModeFor(out.quiet()));
  auto result = ns::explore::RunCapacity(
      *spec, cap, args.threads,
      [&](std::size_t done, std::size_t total) { progress.Update(done, total); },
      [] { return StopOnInterrupt::Requested(); });
  progress.Done();
  if (!result.ok()) return out.BadInput(result.error().message);
  auto text = ns::explore::WriteCapacity(*result, args.out_dir);
  if (!text.ok()) return out.BadInput(text.error().message);
  out.text() << *text;
  nlohmann::json summary = ns::explore::CapacityToJson(*result);
  summary["out_dir"] = args.out_dir;
  summary["capacity_json"] = (std::filesystem::path(args.out_dir) / "capacity.json").string();
  const int code = result->partial ? kExitInterrupted : result->answer ? kExitOk : kExitFailed;
  return out.Finish(code, std::move(summary));
}

}  // namespace

Command AddCapacityCommand(CLI::App& app) {
  auto args = std::make_shared<CapacityArgs>();
  CLI::App* cmd = app.add_subcommand(
      "capacity",
      "The smallest value of a setting (rate, workers, tokens...) that meets targets on every "
      "seed, by binary search, said in words. Exit 0 found, 1 none meets them, 2 bad input, 130 "
      "interrupted (what finished is written, marked partial)");
  cmd->add_option("file", args->file, "Scenario file")->required();
  cmd->add_option("--vary", args->vary,
                  "PATH=LO..HI (integers), PATH=LO..HI:STEP or PATH=V1,V2,... : the setting and "
                  "its candidates, smallest first (e.g. workload.workflows.0.concurrency=1..16)")
      ->required();
  cmd->add_option("--target", args->targets,
                  "METRIC<=BOUND or METRIC>=BOUND, met on every seed (repeatable), e.g. "
                  "'workflow.NAME.makespan_s<=7200'")
      ->required();
  cmd->add_option("--seeds", args->seeds, "Seeds per candidate")->capture_default_str();
  cmd->add_option("--first-seed", args->first_seed, "First seed (default: the scenario's seed)");
  cmd->add_flag("--all", args->all,
                "Run every candidate (a brute-force sweep) instead of the binary search, and say "
                "whether the targets were monotone");
  AddOutOption(cmd, args->out_dir);
  AddThreadsOption(cmd, args->threads);
  args->out.AddFlags(cmd);
  return Command{cmd, [args] { return Capacity(*args); }};
}

}  // namespace notion_sim::cli
