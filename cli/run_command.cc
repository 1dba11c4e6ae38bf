// notion-sim run / validate / replay: scenario files in simulation, or live over HTTP.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "command.h"
#include "notion_sim/engine/json_reader.h"
#include "notion_sim/reports/render.h"
#include "notion_sim/reports/result_json.h"
#include "notion_sim/scenarios/live.h"
#include "notion_sim/scenarios/run.h"
#include "notion_sim/scenarios/scenario.h"
#include "notion_sim/simulator/fault_plan.h"
#include "secrets.h"

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

struct LiveArgs {
  bool on = false;
  std::string base_url;
  std::string token_env = "NOTION_TOKEN";
  std::string admin_token_env;
  bool allow_writes = false;
  std::string sandbox_parent;
  std::string data_source;
  std::string state;
  bool resume = false;
};

struct RunArgs {
  std::vector<std::string> paths;
  std::string out_dir = "out";
  std::optional<std::uint64_t> seed;
  bool quiet = false;
  LiveArgs live;
  std::string journal;  // replay: recorded fault decisions
};

// The bearer tokens of a live run: tenant 1 from $NAME, tenant k > 1 from $NAME_k. The values are
// only handed to the run; nothing prints them.
ns::Result<std::vector<std::string>> TokensFor(const ns::scenarios::ScenarioSpec& spec,
                                               const std::string& env) {
  std::vector<std::string> tokens;
  for (std::size_t i = 0; i < spec.tenants.size(); ++i) {
    const std::string name = i == 0 ? env : env + "_" + std::to_string(i + 1);
    const char* value = std::getenv(name.c_str());
    if (value == nullptr || *value == '\0') {
      return ns::InvalidInput("the environment variable " + ShownEnvName(name) +
                              " is not set: a live run needs the bearer token of tenant " +
                              std::to_string(i + 1) + " (" + spec.tenants[i].name + ")" +
                              (i == 0 ? "; choose the variable with --token-env NAME" : ""));
    }
    tokens.emplace_back(value);
  }
  return tokens;
}

ns::Result<ns::scenarios::RunResult> RunOne(const RunArgs& args,
                                            const ns::scenarios::ScenarioSpec& spec,
                                            const ns::scenarios::SimOptions& sim) {
  if (!args.live.on) return ns::scenarios::RunScenario(spec, sim);
  ns::scenarios::LiveOptions o;
  o.base_url = args.live.base_url;
  auto tokens = TokensFor(spec, args.live.token_env);
  if (!tokens.ok()) return tokens.error();
  o.tokens = std::move(tokens).value();
  if (!args.live.admin_token_env.empty()) {
    const char* admin = std::getenv(args.live.admin_token_env.c_str());
    if (admin == nullptr || *admin == '\0') {
      return ns::InvalidInput("--admin-token-env: the environment variable " +
                              ShownEnvName(args.live.admin_token_env) + " is not set");
    }
    o.admin_token = admin;
  }
  o.allow_writes = args.live.allow_writes;
  o.sandbox_parent = args.live.sandbox_parent;
  o.data_source = args.live.data_source;
  o.state_path =
      args.live.state.empty() ? args.out_dir + "/" + spec.name + ".live.sqlite" : args.live.state;
  o.resume = args.live.resume;
  std::error_code ec;
  const std::filesystem::path parent = std::filesystem::path(o.state_path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  std::filesystem::create_directories(args.out_dir, ec);
  o.decisions_path = args.out_dir + "/" + spec.name + ".decisions.json";
  o.log = args.quiet ? nullptr : &std::cerr;
  return ns::scenarios::RunScenarioLive(spec, o);
}

int Run(const RunArgs& args, const ns::scenarios::SimOptions& sim) {
  auto files = CollectFiles(args.paths);
  if (!files) return kExitBadInput;
  if (args.live.on) {
    if (args.live.base_url.empty()) {
      std::cerr << "notion-sim: --live needs --base-url URL (http://127.0.0.1:PORT for "
                   "notion-sim serve, https://api.notion.com for Notion)\n";
      return kExitBadInput;
    }
    if (!args.live.state.empty() && files->size() > 1) {
      std::cerr << "notion-sim: --state names one state file, so it takes one scenario file\n";
      return kExitBadInput;
    }
  } else if (!args.live.base_url.empty() || args.live.resume || args.live.allow_writes ||
             !args.live.sandbox_parent.empty() || !args.live.state.empty()) {
    std::cerr << "notion-sim: --base-url, --resume, --state, --allow-writes and --sandbox-parent "
                 "belong to live runs: add --live\n";
    return kExitBadInput;
  }
  // Validate everything first: a typo in the 10th file must not cost nine runs.
  std::vector<ns::scenarios::ScenarioSpec> specs;
  for (const std::string& f : *files) {
    auto spec = ns::scenarios::LoadScenario(f);
    if (!spec.ok()) {
      std::cerr << "notion-sim: " << spec.error().message << "\n";
      return kExitBadInput;
    }
    if (args.seed) spec->seed = *args.seed;
    if (args.live.on) {
      ns::scenarios::LiveOptions o;
      o.base_url = args.live.base_url;
      o.allow_writes = args.live.allow_writes;
      o.sandbox_parent = args.live.sandbox_parent;
      o.tokens.assign(spec->tenants.size(), "");
      if (auto st = ns::scenarios::CheckLiveSafety(*spec, o); !st.ok()) {
        std::cerr << "notion-sim: " << st.error().message << "\n";
        return kExitBadInput;
      }
    }
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
                << spec.seed << (args.live.on ? ", live" : "") << ") ...\n";
    }
    const auto started = std::chrono::system_clock::now();
    const auto start = std::chrono::steady_clock::now();
    auto result = RunOne(args, spec, sim);
    const auto stop = std::chrono::steady_clock::now();
    if (!result.ok()) {
      std::cerr << "notion-sim: " << spec.path << ": " << result.error().message << "\n";
      exit_code = std::max(exit_code, ExitCodeOf(result.error()));
      if (!args.live.on) {
        std::cerr << "  reproduce: notion-sim run " << spec.path << " --seed " << spec.seed << "\n";
      }
      continue;
    }
    ns::reports::StampRun(result.value(), started,
                          std::chrono::duration<double, std::milli>(stop - start).count());
    std::cout << ns::reports::SummaryLine(*result) << "\n";
    if (result->verdict == ns::checks::RunVerdict::kFail) {
      exit_code = std::max(exit_code, kExitFailed);
      std::string what;
      for (const auto& inv : result->checks.invariants) {
        if (!inv.held()) what += "  invariant " + inv.name + ": " + inv.first_violation + "\n";
      }
      for (const auto& gate : result->checks.gates) {
        if (gate.verdict != ns::checks::GateVerdict::kPass) what += "  gate " + gate.text + "\n";
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

// Reads the fault decisions a live run journaled (GET /__admin/journal/decisions).
std::optional<std::vector<ns::sim::RecordedDecision>> LoadDecisions(const std::string& path) {
  auto doc = ns::engine::JsonDocument::Load(path);
  if (!doc.ok()) {
    std::cerr << "notion-sim replay: " << doc.error().message << "\n";
    return std::nullopt;
  }
  ns::engine::JsonReader reader(*doc);
  ns::engine::ObjectReader root = reader.Root();
  auto decisions = ns::sim::ParseRecordedDecisions(root);
  if (!decisions.ok() || !reader.ok()) {
    std::cerr << "notion-sim replay: "
              << (decisions.ok() ? reader.error().message : decisions.error().message) << "\n";
    return std::nullopt;
  }
  return std::move(decisions).value();
}

void AddCommonRunOptions(CLI::App* cmd, RunArgs& args) {
  cmd->add_option("--out", args.out_dir, "Directory for results")->capture_default_str();
  cmd->add_option("--seed", args.seed, "Override every scenario's seed");
  cmd->add_flag("--quiet", args.quiet, "No progress on stderr");
}

}  // namespace

Command AddRunCommand(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* run = app.add_subcommand(
      "run", "Run scenario files or directories in simulation, or live over HTTP with --live");
  run->add_option("paths", args->paths, "Scenario files or directories (searched for *.json)")
      ->required();
  AddCommonRunOptions(run, *args);
  LiveArgs& l = args->live;
  run->add_flag("--live", l.on,
                "Run in real time over HTTP against --base-url (notion-sim serve or Notion)");
  run->add_option("--base-url", l.base_url,
                  "Live: http://127.0.0.1:PORT (notion-sim serve) or https://api.notion.com");
  run->add_option("--token-env", l.token_env,
                  "Live: environment variable holding the bearer token (tenant k>1: NAME_k)")
      ->capture_default_str();
  run->add_option("--admin-token-env", l.admin_token_env,
                  "Live: environment variable holding serve's admin token, if it needs one");
  run->add_flag("--allow-writes", l.allow_writes,
                "Live: let the workload write (needs --sandbox-parent off loopback)");
  run->add_option(
      "--sandbox-parent", l.sandbox_parent,
      "Live: page under which the run makes its database and pages (trashed at the end)");
  run->add_option("--data-source", l.data_source,
                  "Live: data source the reads aim at (default: the first the token sees)");
  run->add_option("--state", l.state,
                  "Live: SQLite state file (default OUT/NAME.live.sqlite): DLQ, keys, op ends");
  run->add_flag("--resume", l.resume, "Live: finish the run whose state file is given");
  return Command{run, [args] { return Run(*args, {}); }};
}

Command AddReplayCommand(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* replay = app.add_subcommand(
      "replay",
      "Re-run a live run in simulation with the fault decisions serve journaled, so a failure "
      "seen live can be debugged deterministically");
  replay->add_option("scenario", args->paths, "The scenario file of the live run")->required();
  replay
      ->add_option("--journal", args->journal,
                   "Fault decisions of the live run (OUT/NAME.decisions.json)")
      ->required();
  AddCommonRunOptions(replay, *args);
  return Command{replay, [args] {
                   auto decisions = LoadDecisions(args->journal);
                   if (!decisions) return kExitBadInput;
                   ns::scenarios::SimOptions sim;
                   sim.replay = std::move(*decisions);
                   return Run(*args, sim);
                 }};
}

Command AddValidateCommand(CLI::App& app) {
  auto paths = std::make_shared<std::vector<std::string>>();
  CLI::App* validate = app.add_subcommand("validate", "Check scenario files without running them");
  validate->add_option("paths", *paths, "Scenario files or directories")->required();
  return Command{validate, [paths] { return Validate(*paths); }};
}

}  // namespace notion_sim::cli
