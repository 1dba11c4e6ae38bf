// notion-sim: the command line. Exit codes: 0 all held, 1 an invariant or gate failed,
// 2 bad input or usage.
#include <iostream>
#include <string>
#include <vector>

#include "command.h"
#include "secrets.h"

int main(int argc, char** argv) {
  using namespace notion_sim::cli;  // NOLINT(google-build-using-namespace)
  CLI::App app{
      "notion-sim: deterministic simulation and fault injection for Notion integrations.\n"
      "Exit codes: 0 all held, 1 an invariant or gate failed, 2 bad input or usage."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "notion-sim 0.1.0");
  const std::vector<Command> commands = {
      AddRunCommand(app),        AddValidateCommand(app), AddGateCommand(app),
      AddReportCommand(app),     AddServeCommand(app),    AddExploreCommand(app),
      AddSweepCommand(app),      AddMergeCommand(app),    AddReplayCommand(app),
      AddCompareCommand(app),    AddTestCommand(app),     AddProxyCommand(app),
      AddConformanceCommand(app)};
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // CLI11 reports a mistyped subcommand as "A subcommand is required"; name the word instead.
    bool known = false;
    for (const Command& c : commands) known = known || (argc > 1 && c.app->get_name() == argv[1]);
    // Messages quote arguments; a token given as one must not be printed (secrets.h).
    if (argc > 1 && argv[1][0] != '-' && !known) {
      std::cerr << RedactUsageError("notion-sim: unknown subcommand \"" + std::string(argv[1]) +
                                        "\" (run, validate, gate, report, serve, explore, "
                                        "sweep, merge, replay, compare, test, proxy, conformance)",
                                    argc, argv)
                << "\n(see notion-sim --help)\n";
      return kExitBadInput;
    }
    std::cerr << "notion-sim: " << RedactUsageError(e.what(), argc, argv)
              << "\n(see notion-sim --help)\n";
    return kExitBadInput;
  }
  for (const Command& c : commands) {
    if (c.app->parsed()) return c.run();
  }
  return kExitBadInput;
}
