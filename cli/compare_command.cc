// notion-sim compare: a scenario's simulated result against its live result.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "command.h"
#include "notion_sim/reports/baseline.h"
#include "notion_sim/reports/compare.h"
#include "notion_sim/reports/result_json.h"

namespace notion_sim::cli {
namespace {

namespace ns = notion_sim;

struct CompareArgs {
  std::string sim;
  std::string live;
  std::string out;
  std::string tolerance = "25%";
  ns::reports::SimLiveOptions options;
};

// The one result in `path`, or the one named `scenario` when `path` holds several.
ns::Result<ns::scenarios::RunResult> Pick(const std::string& path, const std::string& scenario) {
  auto loaded = ns::reports::LoadResults(path);
  if (!loaded.ok()) return loaded.error();
  if (loaded->empty()) return ns::InvalidInput(path + ": holds no result");
  if (loaded->size() == 1 && scenario.empty()) return loaded->front();
  for (const auto& r : *loaded) {
    if (r.scenario == scenario || (scenario.empty() && r.mode == "live")) return r;
  }
  return ns::InvalidInput(
      path + ": holds " + std::to_string(loaded->size()) + " results and " +
      (scenario.empty() ? std::string("none is live") : "none of scenario " + scenario) +
      "; name one *.result.json file");
}

int Compare(CompareArgs args) {
  const ns::Result<double> tolerance =
      ns::reports::ParseFractionFlag("--tolerance", args.tolerance);
  if (!tolerance.ok()) {
    std::cerr << "notion-sim compare: " << tolerance.error().message << "\n";
    return kExitBadInput;
  }
  args.options.rel_tolerance = *tolerance;
  auto live = Pick(args.live, "");
  if (!live.ok()) {
    std::cerr << "notion-sim compare: " << live.error().message << "\n";
    // Name every unreadable input at once, not one per attempt.
    if (auto sim = ns::reports::LoadResults(args.sim); !sim.ok()) {
      std::cerr << "notion-sim compare: " << sim.error().message << "\n";
    }
    return kExitBadInput;
  }
  auto sim = Pick(args.sim, live->scenario);
  if (!sim.ok()) {
    std::cerr << "notion-sim compare: " << sim.error().message << "\n";
    return kExitBadInput;
  }
  if (sim->scenario != live->scenario) {
    std::cerr << "notion-sim compare: " << args.sim << " is scenario " << sim->scenario << ", "
              << args.live << " is " << live->scenario << "\n";
    return kExitBadInput;
  }
  if (sim->mode == "live" || live->mode != "live") {
    std::cerr << "notion-sim compare: expected a simulated result then a live one (got "
              << sim->mode << " and " << live->mode << ")\n";
    return kExitBadInput;
  }
  const ns::reports::SimLiveComparison c = ns::reports::CompareSimLive(*sim, *live, args.options);
  const std::string md = ns::reports::ComparisonMarkdown(c, *sim, *live);
  std::cout << md;
  if (!args.out.empty()) {
    if (auto st = ns::reports::WriteTextFile(args.out, md); !st.ok()) {
      std::cerr << "notion-sim compare: " << st.error().message << "\n";
      return kExitBadInput;
    }
  }
  return c.invariants_held() ? kExitOk : kExitFailed;
}

}  // namespace

Command AddCompareCommand(CLI::App& app) {
  auto args = std::make_shared<CompareArgs>();
  CLI::App* cmd = app.add_subcommand(
      "compare",
      "Put a scenario's simulated and live results side by side: the invariants must hold in "
      "both (exit 1 otherwise); metric differences beyond the tolerance are marked");
  cmd->add_option("sim_result", args->sim, "Result of the simulated run (file or directory)")
      ->required();
  cmd->add_option("live_result", args->live, "Result of the live run (file or directory)")
      ->required();
  cmd->add_option("--out", args->out, "Also write the Markdown comparison here");
  cmd->add_option("--tolerance", args->tolerance,
                  "Relative difference that is marked: a fraction (0.25) or a percentage (25%)")
      ->capture_default_str();
  return Command{cmd, [args] { return Compare(*args); }};
}

}  // namespace notion_sim::cli
