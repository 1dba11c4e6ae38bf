// notion-sim run / validate: scenario files in simulation.
#include <chrono>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "command.h"
#include "notion_sim/reports/render.h"
#include "notion_sim/reports/result_json.h"
#include "notion_sim/scenarios/run.h"
#include "notion_sim/scenarios/scenario.h"

namespace notion_sim::cli {
namespace {

namespace ns = notion_sim;

int ExitCodeOf(const ns::Error& error) {
  return error.code == ns::ErrorCode::kInvalidInput || error.code == ns::ErrorCode::kNotFound
             ? kExitBadInput
             : kExitFailed;
}

// Collects the scenario files named by `paths` (files or directories).
std::optional<std::vector<std::string>> CollectFiles(const std::vector<std::string>& paths) {
  std::vector<std::string> files;
  for (const std::string& p : paths) {
    auto found = ns::scenarios::FindScenarioFiles(p);
    if (!found.ok()) {
      std::cerr << "notion-sim: " << found.error().message << "\n";
      return std::nullopt;
    }
    files.insert(files.end(), found->begin(), found->end());
  }
  return files;
}

struct RunArgs {
  std::vector<std::string> paths;
  std::string out_dir = "out";
  std::optional<std::uint64_t> seed;
  bool quiet = false;
};

int Run(const RunArgs& args) {
  auto files = CollectFiles(args.paths);
  if (!files) return kExitBadInput;
  // Validate everything first: a typo in the 10th file must not cost nine runs.
  std::vector<ns::scenarios::ScenarioSpec> specs;
  for (const std::string& f : *files) {
    auto spec = ns::scenarios::LoadScenario(f);
    if (!spec.ok()) {
      std::cerr << "notion-sim: " << spec.error().message << "\n";
      return kExitBadInput;
    }
    if (args.seed) spec->seed = *args.seed;
    specs.push_back(std::move(spec).value());
  }
  int exit_code = kExitOk;
  std::vector<nlohmann::json> index;
  std::vector<ns::scenarios::RunResult> results;
  std::vector<std::string> failures;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const auto& spec = specs[i];
    if (!args.quiet) {
      std::cerr << "[" << (i + 1) << "/" << specs.size() << "] " << spec.name << " (seed "
                << spec.seed << ") ...\n";
    }
    const auto start = std::chrono::steady_clock::now();
    auto result = ns::scenarios::RunScenario(spec);
    const auto stop = std::chrono::steady_clock::now();
    if (!result.ok()) {
      std::cerr << "notion-sim: " << spec.path << ": " << result.error().message << "\n"
                << "  reproduce: notion-sim run " << spec.path << " --seed " << spec.seed << "\n";
      exit_code = std::max(exit_code, ExitCodeOf(result.error()));
      continue;
    }
    result->wall_time_ms = std::chrono::duration<double, std::milli>(stop - start).count();
    std::cout << ns::reports::SummaryLine(*result) << "\n";
    if (result->verdict == ns::engine::RunVerdict::kFail) {
      exit_code = std::max(exit_code, kExitFailed);
      std::string what;
      for (const auto& inv : result->checks.invariants) {
        if (!inv.held()) what += "  invariant " + inv.name + ": " + inv.first_violation + "\n";
      }
      for (const auto& gate : result->checks.gates) {
        if (gate.verdict != ns::engine::GateVerdict::kPass) what += "  gate " + gate.text + "\n";
      }
      failures.push_back(spec.name + " failed:\n" + what + "  reproduce: " + result->reproduce);
    }
    nlohmann::json j = ns::reports::ResultToJson(*result);
    const std::string file = args.out_dir + "/" + spec.name + ".result.json";
    if (auto st = ns::reports::WriteJsonFile(file, j); !st.ok()) {
      std::cerr << "notion-sim: " << st.error().message << "\n";
      return kExitBadInput;
    }
    index.push_back(std::move(j));
    results.push_back(std::move(result).value());
  }
  if (auto st = ns::reports::WriteJsonFile(args.out_dir + "/results.json",
                                           ns::reports::IndexToJson(index));
      !st.ok()) {
    std::cerr << "notion-sim: " << st.error().message << "\n";
    return kExitBadInput;
  }
  auto written = ns::reports::WriteReports(results, args.out_dir);
  if (!written.ok()) {
    std::cerr << "notion-sim: " << written.error().message << "\n";
    return kExitBadInput;
  }
  for (const std::string& f : failures) std::cerr << "\n" << f << "\n";
  if (!args.quiet) {
    std::cerr << "\n"
              << results.size() << " scenario(s), " << failures.size()
              << " failed; results, summary.md, junit.xml and HTML reports in " << args.out_dir
              << "/\n";
  }
  return exit_code;
}

int Validate(const std::vector<std::string>& paths) {
  auto files = CollectFiles(paths);
  if (!files) return kExitBadInput;
  int code = kExitOk;
  for (const std::string& f : *files) {
    auto spec = ns::scenarios::LoadScenario(f);
    if (!spec.ok()) {
      std::cerr << "notion-sim: " << spec.error().message << "\n";
      code = kExitBadInput;
    } else {
      std::cout << f << ": ok (" << spec->name << ")\n";
    }
  }
  return code;
}

}  // namespace

Command AddRunCommand(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* run = app.add_subcommand("run", "Run scenario files or directories in simulation");
  run->add_option("paths", args->paths, "Scenario files or directories (searched for *.json)")
      ->required();
  run->add_option("--out", args->out_dir, "Directory for results")->capture_default_str();
  run->add_option("--seed", args->seed, "Override every scenario's seed");
  run->add_flag("--quiet", args->quiet, "No progress on stderr");
  return Command{run, [args] { return Run(*args); }};
}

Command AddValidateCommand(CLI::App& app) {
  auto paths = std::make_shared<std::vector<std::string>>();
  CLI::App* validate = app.add_subcommand("validate", "Check scenario files without running them");
  validate->add_option("paths", *paths, "Scenario files or directories")->required();
  return Command{validate, [paths] { return Validate(*paths); }};
}

}  // namespace notion_sim::cli
