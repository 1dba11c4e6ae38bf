// notion-sim compare: any two results side by side (baseline vs current, profile A vs B,
// simulated vs live), as Markdown on stdout and optionally an HTML page.
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
  std::string a;
  std::string b;
  std::string out;
  std::string html;
  std::string tolerance = "25%";
  ns::reports::SimLiveOptions options;
};

// The one result in `path`, or the one named `scenario` when `path` holds several.
ns::Result<ns::scenarios::RunResult> Pick(const std::string& path,
                                          const std::vector<ns::scenarios::RunResult>& loaded,
                                          const std::string& scenario) {
  if (loaded.empty()) return ns::InvalidInput(path + ": holds no result");
  if (loaded.size() == 1) return loaded.front();
  for (const auto& r : loaded) {
    if (!scenario.empty() && r.scenario == scenario) return r;
  }
  return ns::InvalidInput(path + ": holds " + std::to_string(loaded.size()) + " results" +
                          (scenario.empty() ? std::string() : ", none of scenario " + scenario) +
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
  auto loaded_a = ns::reports::LoadResults(args.a);
  auto loaded_b = ns::reports::LoadResults(args.b);
  // Name every unreadable input at once, not one per attempt.
  if (!loaded_a.ok() || !loaded_b.ok()) {
    if (!loaded_a.ok()) std::cerr << "notion-sim compare: " << loaded_a.error().message << "\n";
    if (!loaded_b.ok()) std::cerr << "notion-sim compare: " << loaded_b.error().message << "\n";
    return kExitBadInput;
  }
  // When one side holds a single result, it names the scenario to take from the other.
  const std::string hint_a = loaded_b->size() == 1 ? loaded_b->front().scenario : "";
  const std::string hint_b = loaded_a->size() == 1 ? loaded_a->front().scenario : "";
  auto a = Pick(args.a, *loaded_a, hint_a);
  auto b = Pick(args.b, *loaded_b, hint_b);
  if (!a.ok() || !b.ok()) {
    std::cerr << "notion-sim compare: " << (a.ok() ? b.error() : a.error()).message << "\n";
    return kExitBadInput;
  }
  const ns::reports::SimLiveComparison c = ns::reports::CompareSimLive(*a, *b, args.options);
  const std::string md = ns::reports::ComparisonMarkdown(c, *a, *b);
  std::cout << md;
  for (const auto& [file, text] :
       {std::pair{args.out, md},
        std::pair{args.html,
                  args.html.empty() ? std::string() : ns::reports::ComparisonHtml(c, *a, *b)}}) {
    if (file.empty()) continue;
    if (auto st = ns::reports::WriteTextFile(file, text); !st.ok()) {
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
      "Put two results side by side (baseline and current, profile A and B, simulated and "
      "live): the invariants must hold in both (exit 1 otherwise); metric differences beyond "
      "the tolerance are marked");
  cmd->add_option("result_a", args->a, "Result A, e.g. the baseline (file or directory)")
      ->required();
  cmd->add_option("result_b", args->b, "Result B, e.g. the current run (file or directory)")
      ->required();
  cmd->add_option("--out", args->out, "Also write the Markdown comparison here");
  cmd->add_option("--html", args->html,
                  "Also write an HTML page here: overlaid charts of both runs and the delta table");
  cmd->add_option("--tolerance", args->tolerance,
                  "Relative difference that is marked: a fraction (0.25) or a percentage (25%)")
      ->capture_default_str();
  return Command{cmd, [args] { return Compare(*args); }};
}

}  // namespace notion_sim::cli
