// notion-sim run / validate / replay: scenario files in simulation, or live over HTTP.
//
// run writes <name>.result.json per scenario, results.json, summary.md, junit.xml and the HTML
// reports under --out. Ctrl-C stops it between scenarios (a live run stops its arrivals and
// drains): what finished is written, results.json says "partial": true with the scenarios cut
// short and not run, and the exit code is 130. With --json, stdout holds one object: every
// scenario's verdict, digest, result file and failures.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "command.h"
#include "interrupt.h"
#include "notion_sim/engine/json_reader.h"
#include "notion_sim/reports/render.h"
#include "notion_sim/reports/result_json.h"
#include "notion_sim/scenarios/client_scenario.h"
#include "notion_sim/scenarios/event_log.h"
#include "notion_sim/scenarios/live.h"
#include "notion_sim/scenarios/recording.h"
#include "notion_sim/scenarios/run.h"
#include "notion_sim/scenarios/scenario.h"
#include "notion_sim/simulator/fault_plan.h"
#include "progress.h"
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
ns::Result<std::vector<std::string>> CollectFiles(const std::vector<std::string>& paths) {
  std::vector<std::string> files;
  for (const std::string& p : paths) {
    auto found = ns::scenarios::FindScenarioFiles(p);
    if (!found.ok()) return found.error();
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
  explicit RunArgs(std::string command) : out(std::move(command)) {}
  std::vector<std::string> paths;
  std::string out_dir = "out";
  std::optional<std::uint64_t> seed;
  Output out;
  LiveArgs live;
  std::string journal;         // replay: recorded fault decisions
  std::string recording;       // replay: a client-side recording
  std::string write_scenario;  // replay --write-scenario: the scenario with the recording inlined
  std::string log_file;        // --log FILE
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
  o.event_log = sim.log;
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
  o.recording_path = args.out_dir + "/" + spec.name + ".recording.jsonl";
  o.log = args.out.quiet() ? nullptr : &std::cerr;
  Progress progress("live " + spec.name, Progress::ModeFor(args.out.quiet()));
  o.progress = [&progress](const ns::scenarios::LiveProgress& p) {
    const double duration_s = static_cast<double>(p.duration_us) / 1e6;
    const double elapsed_s = std::min(static_cast<double>(p.elapsed_us) / 1e6, duration_s);
    progress.Show(duration_s > 0 ? elapsed_s / duration_s : 1.0,
                  std::to_string(static_cast<long long>(elapsed_s)) + "/" +
                      std::to_string(static_cast<long long>(duration_s)) + " s, " +
                      std::to_string(p.ops_started) + " ops started, " +
                      std::to_string(p.ops_ended) + " ended, " + std::to_string(p.ops_failed) +
                      " failed");
  };
  o.stop = [] { return StopOnInterrupt::Requested(); };
  return ns::scenarios::RunScenarioLive(spec, o);
}

// One failure's lines for the terminal, and its object for --json.
std::string FailureText(const ns::scenarios::RunResult& r) {
  std::string what;
  for (const auto& inv : r.checks.invariants) {
    if (!inv.held()) what += "  invariant " + inv.name + ": " + inv.first_violation + "\n";
  }
  for (const auto& gate : r.checks.gates) {
    if (gate.verdict != ns::checks::GateVerdict::kPass) what += "  gate " + gate.text + "\n";
  }
  return r.scenario + " failed:\n" + what + "  reproduce: " + r.reproduce;
}

nlohmann::json ScenarioJson(const ns::scenarios::RunResult& r, const std::string& file) {
  nlohmann::json failures = nlohmann::json::array();
  for (const auto& inv : r.checks.invariants) {
    if (!inv.held()) {
      failures.push_back(
          {{"kind", "invariant"}, {"name", inv.name}, {"detail", inv.first_violation}});
    }
  }
  for (const auto& gate : r.checks.gates) {
    if (gate.verdict != ns::checks::GateVerdict::kPass) {
      failures.push_back({{"kind", "gate"}, {"name", gate.gate.metric}, {"detail", gate.text}});
    }
  }
  return {{"scenario", r.scenario},
          {"path", r.path},
          {"mode", r.mode},
          {"seed", r.seed},
          {"digest", r.summary.digest},
          {"verdict", std::string(ns::checks::RunVerdictName(r.verdict))},
          {"partial", r.summary.stopped},
          {"result_file", file},
          {"reproduce", r.reproduce},
          {"failures", failures}};
}

int Run(const RunArgs& args, ns::scenarios::SimOptions sim) {
  const Output& out = args.out;
  auto files = CollectFiles(args.paths);
  if (!files.ok()) return out.BadInput(files.error().message);
  if (args.live.on) {
    if (args.live.base_url.empty()) {
      return out.BadInput(
          "--live needs --base-url URL (http://127.0.0.1:PORT for notion-sim serve, "
          "https://api.notion.com for Notion)");
    }
    if (!args.live.state.empty() && files->size() > 1) {
      return out.BadInput("--state names one state file, so it takes one scenario file");
    }
  } else if (!args.live.base_url.empty() || args.live.resume || args.live.allow_writes ||
             !args.live.sandbox_parent.empty() || !args.live.state.empty()) {
    return out.BadInput(
        "--base-url, --resume, --state, --allow-writes and --sandbox-parent belong to live runs: "
        "add --live");
  }
  // Validate everything first: a typo in the 10th file must not cost nine runs.
  std::vector<ns::scenarios::ScenarioSpec> specs;
  for (const std::string& f : *files) {
    auto spec = ns::scenarios::LoadScenario(f);
    if (!spec.ok()) return out.BadInput(spec.error().message);
    if (args.seed) spec->seed = *args.seed;
    if (args.live.on) {
      ns::scenarios::LiveOptions o;
      o.base_url = args.live.base_url;
      o.allow_writes = args.live.allow_writes;
      o.sandbox_parent = args.live.sandbox_parent;
      o.tokens.assign(spec->tenants.size(), "");
      if (auto st = ns::scenarios::CheckLiveSafety(*spec, o); !st.ok()) {
        return out.BadInput(st.error().message);
      }
    }
    specs.push_back(std::move(spec).value());
  }
  std::unique_ptr<ns::scenarios::EventLog> event_log;
  if (!args.log_file.empty()) {
    std::vector<std::string> secrets;
    for (const auto& spec : specs) {
      for (const auto& t : spec.tenants) secrets.push_back(t.token);
      if (args.live.on) {
        auto tokens = TokensFor(spec, args.live.token_env);
        if (tokens.ok()) secrets.insert(secrets.end(), tokens->begin(), tokens->end());
      }
    }
    auto opened = ns::scenarios::EventLog::Open(args.log_file, std::move(secrets));
    if (!opened.ok()) return out.BadInput("--log: " + opened.error().message);
    event_log = std::move(opened).value();
    sim.log = event_log.get();
  }
  const StopOnInterrupt interrupt;
  int exit_code = kExitOk;
  std::vector<nlohmann::json> index;
  std::vector<ns::scenarios::RunResult> results;
  std::vector<std::string> failures;
  nlohmann::json scenarios = nlohmann::json::array();
  nlohmann::json errors = nlohmann::json::array();
  std::vector<std::string> not_run;
  std::vector<std::string> cut_short;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const auto& spec = specs[i];
    if (StopOnInterrupt::Requested()) {
      not_run.push_back(spec.name);
      continue;
    }
    out.log() << "[" << (i + 1) << "/" << specs.size() << "] " << spec.name << " (seed "
              << spec.seed << (args.live.on ? ", live" : "") << ") ...\n";
    const auto started = std::chrono::system_clock::now();
    const auto start = std::chrono::steady_clock::now();
    auto result = RunOne(args, spec, sim);
    const auto stop = std::chrono::steady_clock::now();
    if (!result.ok()) {
      std::cerr << kProgram << " " << out.command() << ": " << spec.path << ": "
                << result.error().message << "\n";
      exit_code = std::max(exit_code, ExitCodeOf(result.error()));
      std::string reproduce;
      if (!args.live.on) {
        reproduce = "notion-sim run " + spec.path + " --seed " + std::to_string(spec.seed);
        std::cerr << "  reproduce: " << reproduce << "\n";
      }
      errors.push_back(
          {{"path", spec.path}, {"error", result.error().message}, {"reproduce", reproduce}});
      continue;
    }
    ns::reports::StampRun(result.value(), started,
                          std::chrono::duration<double, std::milli>(stop - start).count());
    if (result->summary.stopped) {
      cut_short.push_back(spec.name);
      std::cerr << "  " << spec.name << " was cut short; the operations it did not start run with: "
                << "notion-sim run --live --base-url " << args.live.base_url << " --out "
                << args.out_dir << " --resume " << spec.path << "\n";
    }
    out.text() << ns::reports::SummaryLine(*result)
               << (result->summary.stopped ? " (interrupted: partial)" : "") << "\n";
    if (result->verdict == ns::checks::RunVerdict::kFail) {
      exit_code = std::max(exit_code, kExitFailed);
      failures.push_back(FailureText(*result));
    }
    nlohmann::json j = ns::reports::ResultToJson(*result);
    const std::string file = args.out_dir + "/" + spec.name + ".result.json";
    if (auto st = ns::reports::WriteJsonFile(file, j); !st.ok()) {
      return out.BadInput(st.error().message);
    }
    scenarios.push_back(ScenarioJson(*result, file));
    index.push_back(std::move(j));
    results.push_back(std::move(result).value());
  }
  const bool partial = !not_run.empty() || !cut_short.empty();
  nlohmann::json results_json = ns::reports::IndexToJson(index);
  if (partial) {
    results_json["partial"] = true;
    results_json["cut_short"] = cut_short;
    results_json["not_run"] = not_run;
  }
  if (auto st = ns::reports::WriteJsonFile(args.out_dir + "/results.json", results_json);
      !st.ok()) {
    return out.BadInput(st.error().message);
  }
  auto written = ns::reports::WriteReports(results, args.out_dir);
  if (!written.ok()) return out.BadInput(written.error().message);
  if (event_log) {
    event_log->Close();
    if (!out.quiet()) {
      std::cerr << "log: " << event_log->Note() << "\n";
    }
  }
  for (const std::string& f : failures) std::cerr << "\n" << f << "\n";
  out.log() << "\n"
            << results.size() << " scenario(s), " << failures.size()
            << " failed; results, summary.md, junit.xml and HTML reports in " << args.out_dir
            << "/\n";
  if (partial) {
    std::cerr << "PARTIAL: interrupted; " << cut_short.size() << " scenario(s) cut short, "
              << not_run.size() << " not run (results.json lists them)\n";
    exit_code = kExitInterrupted;
  }
  return out.Finish(exit_code, {{"out_dir", args.out_dir},
                                {"partial", partial},
                                {"scenarios", scenarios},
                                {"errors", errors},
                                {"cut_short", cut_short},
                                {"not_run", not_run}});
}

int Validate(const std::vector<std::string>& paths, const Output& out) {
  auto files = CollectFiles(paths);
  if (!files.ok()) return out.BadInput(files.error().message);
  int code = kExitOk;
  nlohmann::json list = nlohmann::json::array();
  for (const std::string& f : *files) {
    // Client scenarios (`notion-sim test`) validate with their own loader.
    auto doc = ns::engine::JsonDocument::Load(f);
    if (doc.ok() && ns::scenarios::IsClientScenario(doc->root())) {
      auto client = ns::scenarios::LoadClientScenario(f);
      if (!client.ok()) {
        std::cerr << "notion-sim: " << client.error().message << "\n";
        code = kExitBadInput;
      } else {
        out.text() << f << ": ok (" << client->name << ", a client scenario for notion-sim test)\n";
      }
      continue;
    }
    auto spec = ns::scenarios::LoadScenario(f);
    if (!spec.ok()) {
      std::cerr << kProgram << " validate: " << spec.error().message << "\n";
      list.push_back({{"path", f}, {"ok", false}, {"error", spec.error().message}});
      code = kExitBadInput;
    } else {
      out.text() << f << ": ok (" << spec->name << ")\n";
      list.push_back({{"path", f}, {"ok", true}, {"name", spec->name}});
    }
  }
  return out.Finish(code, {{"files", list}});
}

// Reads the fault decisions a live run journaled (GET /__admin/journal/decisions).
ns::Result<std::vector<ns::sim::RecordedDecision>> LoadDecisions(const std::string& path) {
  auto doc = ns::engine::JsonDocument::Load(path);
  if (!doc.ok()) return doc.error();
  ns::engine::JsonReader reader(*doc);
  ns::engine::ObjectReader root = reader.Root();
  auto decisions = ns::sim::ParseRecordedDecisions(root);
  if (!decisions.ok()) return decisions.error();
  if (!reader.ok()) return reader.error();
  return decisions;
}

void AddCommonRunOptions(CLI::App* cmd, RunArgs& args) {
  AddOutOption(cmd, args.out_dir);
  cmd->add_option("--seed", args.seed, "Override every scenario's seed");
  args.out.AddFlags(cmd);
  cmd->add_option("--log", args.log_file,
                  "Write one JSON line per attempt and policy decision to FILE (notion-sim log "
                  "FILE --op ID tells one operation's story)");
}

}  // namespace

Command AddRunCommand(CLI::App& app) {
  auto args = std::make_shared<RunArgs>("run");
  CLI::App* run = app.add_subcommand(
      "run",
      "Run scenario files or directories in simulation, or live over HTTP with --live. Exit 0 "
      "all held, 1 an invariant or gate failed, 2 bad input, 130 interrupted (what finished is "
      "written, marked partial)");
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
  run->add_flag("--resume", l.resume,
                "Live: finish the run whose state file is given (after a kill or a Ctrl-C)");
  return Command{run, [args] { return Run(*args, {}); }};
}

// `replay SCENARIO --recording R --write-scenario OUT`: the scenario file with R inlined.
int WriteReplayScenario(const RunArgs& args) {
  auto spec = ns::scenarios::LoadScenario(args.paths.front());
  if (!spec.ok()) return args.out.BadInput(spec.error().message);
  auto doc = ns::scenarios::ScenarioWithRecording(spec->source, args.recording);
  if (!doc.ok()) return args.out.BadInput(doc.error().message);
  if (auto st = ns::reports::WriteJsonFile(args.write_scenario, *doc); !st.ok()) {
    return args.out.BadInput(st.error().message);
  }
  args.out.text() << "wrote " << args.write_scenario << ": " << args.paths.front() << " replaying "
                  << args.recording << " (run, shrink, sweep and gate it like any scenario)\n";
  return args.out.Finish(0, {{"wrote", args.write_scenario}});
}

Command AddReplayCommand(CLI::App& app) {
  auto args = std::make_shared<RunArgs>("replay");
  CLI::App* replay = app.add_subcommand(
      "replay",
      "Re-run a live run in simulation, with the fault decisions serve journaled (--journal) or "
      "with what the client saw of each request (--recording: any target, Notion included), so "
      "a failure seen live can be debugged deterministically");
  replay->add_option("scenario", args->paths, "The scenario file of the live run")->required();
  auto* journal = replay->add_option("--journal", args->journal,
                                     "Fault decisions of the live run (OUT/NAME.decisions.json)");
  auto* recording =
      replay->add_option("--recording", args->recording,
                         "The client-side recording of the live run (OUT/NAME.recording.jsonl)");
  journal->excludes(recording);
  replay
      ->add_option("--write-scenario", args->write_scenario,
                   "Instead of running: write the scenario with the recording inlined (\"replay\": "
                   "{\"recording\": [...]}), a standalone file that run, shrink, sweep and gate "
                   "replay as recorded")
      ->needs(recording);
  AddCommonRunOptions(replay, *args);
  return Command{replay, [args] {
                   ns::scenarios::SimOptions sim;
                   if (!args->write_scenario.empty()) return WriteReplayScenario(*args);
                   if (!args->recording.empty()) {
                     auto rec = ns::scenarios::LoadRecording(args->recording);
                     if (!rec.ok()) {
                       std::cerr << "notion-sim replay: " << rec.error().message << "\n";
                       return kExitBadInput;
                     }
                     if (rec->truncated) {
                       std::cerr << "notion-sim replay: warning: " << args->recording
                                 << " was cut at its bound; requests past it are answered "
                                    "normally\n";
                     }
                     sim = ns::scenarios::ReplayOptions(*rec);
                     return Run(*args, std::move(sim));
                   }
                   if (args->journal.empty()) {
                     std::cerr << "notion-sim replay: give --journal FILE (serve's fault "
                                  "decisions) or --recording FILE (what the client saw)\n";
                     return kExitBadInput;
                   }
                   auto decisions = LoadDecisions(args->journal);
                   if (!decisions.ok()) return args->out.BadInput(decisions.error().message);
                   sim.replay = std::move(decisions).value();
                   return Run(*args, std::move(sim));
                 }};
}

Command AddValidateCommand(CLI::App& app) {
  struct ValidateArgs {
    std::vector<std::string> paths;
    Output out{"validate"};
  };
  auto args = std::make_shared<ValidateArgs>();
  CLI::App* validate = app.add_subcommand(
      "validate", "Check scenario files without running them. Exit 0 all valid, 2 otherwise");
  validate->add_option("paths", args->paths, "Scenario files or directories")->required();
  args->out.AddFlags(validate, /*quiet=*/false);
  return Command{validate, [args] { return Validate(args->paths, args->out); }};
}

}  // namespace notion_sim::cli
