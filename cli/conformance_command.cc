// notion-sim conformance: a fidelity report — the requests of a recording (`proxy --record`)
// replayed against the fake, every difference in status, error code and response shape listed.
//
//   notion-sim conformance RECORDING [--scenario FILE | --workspace FILE] [--seed N] [--out FILE]
//   notion-sim conformance RECORDING --target http://127.0.0.1:7700 --token-env NOTION_SIM_TOKEN
//
// In-process by default: a fake built as `notion-sim serve --seed N` builds it (its default
// workspace, or the scenario's or file's, and a root page), so a recording taken through a serve
// replays against the same ids. With --target, a served fake answers instead. Exit 0 no
// difference, 1 differences, 2 bad input.
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "command.h"
#include "notion_sim/engine/rng.h"
#include "notion_sim/reports/result_json.h"
#include "notion_sim/scenarios/client_scenario.h"
#include "notion_sim/scenarios/conformance.h"
#include "notion_sim/simulator/fake_notion.h"
#include "notion_sim/simulator/forward.h"
#include "notion_sim/simulator/http_server.h"
#include "workspace_file.h"

namespace notion_sim::cli {
namespace {

namespace ns = notion_sim;

struct ConformanceArgs {
  std::string recording;
  std::string scenario;
  std::string workspace;
  std::optional<std::uint64_t> seed;
  std::string target;
  std::string token_env;
  std::string out;
};

int Conformance(const ConformanceArgs& args) {
  const std::string me = "notion-sim conformance: ";
  auto recording = ns::scenarios::LoadExchanges(args.recording);
  if (!recording.ok()) {
    std::cerr << me << recording.error().message << "\n";
    return kExitBadInput;
  }
  ns::scenarios::ConformanceOptions options;
  ns::scenarios::Sender send;
  std::unique_ptr<ns::sim::CurlForwarder> forwarder;
  std::unique_ptr<ns::sim::FakeNotion> fake;
  ns::sim::SteadyClock clock;
  std::string against;
  if (!args.target.empty()) {
    auto created = ns::sim::CurlForwarder::Create(args.target, Sec(30));
    if (!created.ok()) {
      std::cerr << me << created.error().message << "\n";
      return kExitBadInput;
    }
    forwarder = std::move(created).value();
    const char* token = std::getenv(args.token_env.c_str());
    if (token == nullptr || *token == '\0') {
      std::cerr << me << "--token-env " << args.token_env
                << ": the environment variable is not set or empty\n";
      return kExitBadInput;
    }
    options.token = token;
    send = [f = forwarder.get()](const ns::sim::ForwardRequest& r) { return f->Forward(r); };
    against = "the fake served at " + forwarder->target();
  } else {
    // The fake as `serve` builds it: its workspace, one token, a root page.
    std::uint64_t seed = 1;
    ns::sim::FakeConfig config;
    if (!args.scenario.empty()) {
      auto spec = ns::scenarios::LoadClientScenario(args.scenario);
      if (!spec.ok()) {
        std::cerr << me << spec.error().message << "\n";
        return kExitBadInput;
      }
      seed = spec->seed;
      config.workspace = spec->fake.workspace;
      against = "the fake with " + args.scenario + "'s workspace";
    } else if (!args.workspace.empty()) {
      auto ws = LoadWorkspace(args.workspace);
      if (!ws.ok()) {
        std::cerr << me << ws.error().message << "\n";
        return kExitBadInput;
      }
      config.workspace = std::move(ws).value();
      against = "the fake with the workspace of " + args.workspace;
    }
    if (args.seed) seed = *args.seed;
    if (args.scenario.empty() && args.workspace.empty()) {
      config.workspace = ns::sim::DefaultServeWorkspace(seed);
      against = "the fake with serve's default workspace";
    }
    if (config.workspace.tokens.empty()) {
      ns::sim::TokenSpec token;
      token.token = "notion_sim_conformance_" + ns::engine::HexDigest(seed);
      token.name = "default";
      config.workspace.tokens.push_back(token);
    }
    options.token = config.workspace.tokens.front().token;
    fake = std::make_unique<ns::sim::FakeNotion>(clock, ns::engine::Rng(seed).Fork("fake"), nullptr,
                                                 std::move(config));
    if (auto root = ns::sim::CreateRootPage(*fake, options.token); !root.ok()) {
      std::cerr << me << "warning: no root page: " << root.error().message << "\n";
    }
    send = ns::scenarios::InProcessSender(*fake);
    against += " (in-process, seed " + std::to_string(seed) + ")";
  }

  const ns::scenarios::ConformanceReport report = ns::scenarios::Conform(*recording, send, options);
  for (const ns::scenarios::Difference& d : report.differences) {
    std::cout << ns::scenarios::DescribeDifference(d) << "\n";
  }
  std::cout << "conformance: " << report.replayed << " request(s) of " << args.recording
            << " replayed against " << against << ": " << report.differing << " with differences ("
            << report.differences.size() << " listed)";
  if (report.skipped > 0) std::cout << ", " << report.skipped << " unanswered ones skipped";
  std::cout << "\n";
  if (!args.out.empty()) {
    if (auto st = ns::reports::WriteJsonFile(args.out, ns::scenarios::ConformanceToJson(report));
        !st.ok()) {
      std::cerr << me << st.error().message << "\n";
      return kExitBadInput;
    }
  }
  return report.differences.empty() ? kExitOk : kExitFailed;
}

}  // namespace

Command AddConformanceCommand(CLI::App& app) {
  auto args = std::make_shared<ConformanceArgs>();
  CLI::App* cmd = app.add_subcommand(
      "conformance",
      "Fidelity report: replay a recording (proxy --record) against the fake and list every "
      "difference in status, error code and response shape; exit 1 on any difference");
  cmd->add_option("recording", args->recording, "a JSON Lines recording from notion-sim proxy")
      ->required();
  CLI::Option* scenario = cmd->add_option("--scenario", args->scenario,
                                          "build the fake from this client scenario's workspace");
  CLI::Option* workspace =
      cmd->add_option("--workspace", args->workspace, "build the fake from this workspace file")
          ->excludes(scenario);
  CLI::Option* seed = cmd->add_option("--seed", args->seed,
                                      "the fake's seed (ids), as serve's --seed (default 1, or "
                                      "the scenario's)");
  CLI::Option* target =
      cmd->add_option("--target", args->target,
                      "replay against a served fake at this base URL instead of in-process")
          ->excludes(scenario)
          ->excludes(workspace)
          ->excludes(seed);
  cmd->add_option("--token-env", args->token_env,
                  "name of an environment variable holding the served fake's token")
      ->needs(target);
  target->needs(cmd->get_option("--token-env"));
  cmd->add_option("--out", args->out, "also write the report as JSON to this file");
  return Command{cmd, [args] { return Conformance(*args); }};
}

}  // namespace notion_sim::cli
