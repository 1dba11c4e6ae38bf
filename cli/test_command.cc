// notion-sim test: a team's real integration, in any language, judged under a client scenario.
//
//   notion-sim test SCENARIO [--out DIR] [--seed N] [--log FILE] [--recording FILE] [--quiet]
//                   -- CMD [ARGS...]
//
// Serves the fake on loopback with the scenario's world and faults, runs CMD against it (see
// scenarios/client_test.h for its environment), judges what the fake saw and writes the same
// outputs as `run`: NAME.result.json, results.json, summary.md, junit.xml and NAME.html, plus
// the runs' stdout and stderr. Exit 0 every invariant held, 1 a violation or CMD failed, 2 bad
// input.
#include <chrono>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "command.h"
#include "notion_sim/reports/render.h"
#include "notion_sim/reports/result_json.h"
#include "notion_sim/scenarios/client_scenario.h"
#include "notion_sim/scenarios/client_test.h"
#include "notion_sim/scenarios/event_log.h"

namespace notion_sim::cli {
namespace {

namespace ns = notion_sim;

struct TestArgs {
  std::string scenario;
  std::vector<std::string> command;
  std::string out_dir = "out";
  std::optional<std::uint64_t> seed;
  std::string log_file;
  std::string recording;
  bool quiet = false;
};

int Test(const TestArgs& args) {
  const std::string me = "notion-sim test: ";
  auto spec = ns::scenarios::LoadClientScenario(args.scenario);
  if (!spec.ok()) {
    std::cerr << me << spec.error().message << "\n";
    return kExitBadInput;
  }
  if (args.seed) spec->seed = *args.seed;
  ns::scenarios::ClientTestOptions options;
  options.command = args.command;
  options.out_dir = args.out_dir;
  options.progress = args.quiet ? nullptr : &std::cerr;
  options.recording_path = args.recording;
  if (auto st = ns::scenarios::CheckClientTest(*spec, options); !st.ok()) {
    std::cerr << me << st.error().message << "\n";
    return kExitBadInput;
  }
  if (!args.quiet) {
    std::cerr << me << spec->name << " (seed " << spec->seed << "): " << spec->runs << " run(s) of "
              << ns::scenarios::ShellQuote(args.command)
              << (spec->concurrency > 1 ? ", " + std::to_string(spec->concurrency) + " at once"
                                        : std::string())
              << ", each within " << spec->duration_us / kUsPerSec << " s\n";
  }
  std::unique_ptr<ns::scenarios::EventLog> log;
  if (!args.log_file.empty()) {
    std::vector<std::string> secrets;
    for (const auto& t : spec->tenants) secrets.push_back(t.token);
    auto opened = ns::scenarios::EventLog::Open(args.log_file, std::move(secrets));
    if (!opened.ok()) {
      std::cerr << me << "--log: " << opened.error().message << "\n";
      return kExitBadInput;
    }
    log = std::move(opened).value();
    options.log = log.get();
  }
  const auto started = std::chrono::system_clock::now();
  auto result = ns::scenarios::RunClientTest(*spec, options);
  if (log) {
    log->Close();
    if (!args.quiet) std::cerr << me << "log: " << log->Note() << "\n";
  }
  if (!result.ok()) {
    std::cerr << me << result.error().message << "\n";
    return result.error().code == ns::ErrorCode::kInvalidInput ? kExitBadInput : kExitFailed;
  }
  ns::reports::StampRun(result.value(), started,
                        static_cast<double>(result->summary.virtual_time_us) / 1e3);
  std::cout << ns::reports::SummaryLine(*result) << "\n";
  nlohmann::json j = ns::reports::ResultToJson(*result);
  const std::string file = args.out_dir + "/" + spec->name + ".result.json";
  if (auto st = ns::reports::WriteJsonFile(file, j); !st.ok()) {
    std::cerr << me << st.error().message << "\n";
    return kExitFailed;
  }
  if (auto st =
          ns::reports::WriteJsonFile(args.out_dir + "/results.json", ns::reports::IndexToJson({j}));
      !st.ok()) {
    std::cerr << me << st.error().message << "\n";
    return kExitFailed;
  }
  auto written = ns::reports::WriteReports({*result}, args.out_dir);
  if (!written.ok()) {
    std::cerr << me << written.error().message << "\n";
    return kExitFailed;
  }
  const bool held = result->verdict == ns::checks::RunVerdict::kPass;
  if (!held) {
    std::cerr << "\n" << spec->name << " failed:\n";
    for (const auto& inv : result->checks.invariants) {
      if (inv.held()) continue;
      std::cerr << "  invariant " << inv.name << ": " << inv.first_violation << "\n";
      if (!args.log_file.empty() && !inv.violations.empty() && inv.violations[0].op_id != 0) {
        std::cerr << "  its story: notion-sim log " << args.log_file << " --op "
                  << inv.violations[0].op_id << "\n";
      }
    }
    std::cerr << "  reproduce: " << result->reproduce << "\n";
  }
  if (!args.quiet) {
    std::cerr << "\nresult, summary.md, junit.xml, " << spec->name
              << ".html and the runs' output in " << args.out_dir << "/\n";
  }
  return held ? kExitOk : kExitFailed;
}

}  // namespace

Command AddTestCommand(CLI::App& app) {
  auto args = std::make_shared<TestArgs>();
  CLI::App* cmd = app.add_subcommand(
      "test",
      "Judge a real integration (any language): serve the fake with a client scenario's faults, "
      "run CMD against it (NOTION_BASE_URL, NOTION_TOKEN, NOTION_DATA_SOURCE_ID, "
      "NOTION_DATABASE_ID, NOTION_PAGE_ID in its environment) and judge its traffic");
  cmd->add_option("scenario", args->scenario, "A client scenario file (scenarios/client/*.json)")
      ->required();
  cmd->add_option("command", args->command, "The command to test, after --: -- node sync.js")
      ->required();
  cmd->add_option("--out", args->out_dir, "Directory for results and the runs' output")
      ->capture_default_str();
  cmd->add_option("--seed", args->seed, "Override the scenario's seed (ids, fault decisions)");
  cmd->add_option("--log", args->log_file,
                  "Write one JSON line per request the command made and per judge decision to "
                  "FILE, grouped into operations (notion-sim log FILE --op ID tells one's story)");
  cmd->add_option("--recording", args->recording,
                  "Write the traffic as a recording notion-sim replay --recording reads");
  cmd->add_flag("--quiet", args->quiet, "No progress on stderr");
  return Command{cmd, [args] { return Test(*args); }};
}

}  // namespace notion_sim::cli
