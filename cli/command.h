// One subcommand of notion-sim: each lives in its own file (run_command.cc, serve_command.cc,
// ...) and registers itself with the app through an Add*Command function listed here.
#pragma once

#include <functional>
#include <string>

#include <CLI/CLI.hpp>

namespace notion_sim::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;    // an invariant or gate failed
inline constexpr int kExitBadInput = 2;  // bad input or usage

struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;  // called when the subcommand was given
};

Command AddRunCommand(CLI::App& app);
Command AddValidateCommand(CLI::App& app);
Command AddGateCommand(CLI::App& app);
Command AddReportCommand(CLI::App& app);
Command AddServeCommand(CLI::App& app);
Command AddTestCommand(CLI::App& app);
Command AddExploreCommand(CLI::App& app);
Command AddSweepCommand(CLI::App& app);
Command AddMergeCommand(CLI::App& app);
Command AddReplayCommand(CLI::App& app);
Command AddCompareCommand(CLI::App& app);
Command AddProxyCommand(CLI::App& app);
Command AddConformanceCommand(CLI::App& app);

}  // namespace notion_sim::cli
