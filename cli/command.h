// One subcommand of notion-sim: each lives in its own file (run_command.cc, serve_command.cc,
// ...) and registers itself with the app through an Add*Command function listed here. The
// conventions they share (exit codes, --json, --quiet, --out, messages) are in common.h.
#pragma once

#include <functional>
#include <string>

#include <CLI/CLI.hpp>

#include "common.h"

namespace notion_sim::cli {

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
Command AddCapacityCommand(CLI::App& app);
Command AddMergeCommand(CLI::App& app);
Command AddReplayCommand(CLI::App& app);
Command AddCompareCommand(CLI::App& app);
Command AddProxyCommand(CLI::App& app);
Command AddConformanceCommand(CLI::App& app);
Command AddLogCommand(CLI::App& app);
Command AddShrinkCommand(CLI::App& app);
Command AddAdminCommand(CLI::App& app);

}  // namespace notion_sim::cli
