// notion-sim: the command line. Exit codes: 0 all held, 1 an invariant or gate failed,
// 2 bad input or usage, 130 interrupted (what finished is written, marked partial).
#include <iostream>
#include <string>
#include <vector>

#include "build_info.h"
#include "command.h"
#include "secrets.h"

namespace notion_sim::cli {
namespace {

// "notion-sim 0.1.0 (commit 45c7d7b1a2b3)": the project's version and the commit built.
std::string VersionText() {
  return std::string(kProgram) + " " + NSIM_VERSION + " (commit " + NSIM_COMMIT + ")";
}

// `notion-sim help [COMMAND]`: what --help prints, as a command too (as git and go have it).
Command AddHelpCommand(CLI::App& app, std::vector<Command>& commands) {
  auto topic = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("help", "Show help for notion-sim or for one command");
  cmd->add_option("command", *topic, "The command to explain");
  return Command{cmd, [&app, &commands, topic] {
                   // The formatter directly: App::help() would explain `help` itself, the
                   // subcommand that was parsed.
                   const auto formatter = app.get_formatter();
                   if (topic->empty()) {
                     std::cout << formatter->make_help(&app, kProgram, CLI::AppFormatMode::Normal);
                     return kExitOk;
                   }
                   for (const Command& c : commands) {
                     if (c.app->get_name() == *topic) {
                       std::cout << formatter->make_help(
                           c.app, std::string(kProgram) + " " + *topic, CLI::AppFormatMode::Normal);
                       return kExitOk;
                     }
                   }
                   std::cerr << kProgram << " help: unknown command \"" << *topic
                             << "\" (see notion-sim help)\n";
                   return kExitBadInput;
                 }};
}

}  // namespace
}  // namespace notion_sim::cli

int main(int argc, char** argv) {
  using namespace notion_sim::cli;  // NOLINT(google-build-using-namespace)
  // Named explicitly, so usage lines say "notion-sim", not the path the binary was started by.
  CLI::App app{
      "notion-sim: deterministic simulation and fault injection for Notion integrations.\n"
      "Exit codes: 0 all held, 1 an invariant or gate failed, 2 bad input or usage, 130 "
      "interrupted (what finished is written, marked partial).\n"
      "Documentation: docs/ in the source tree; `notion-sim help COMMAND` for one command.",
      kProgram};
  app.require_subcommand(1);
  app.set_version_flag("--version", VersionText());
  std::vector<Command> commands = {
      AddRunCommand(app),    AddValidateCommand(app), AddGateCommand(app),
      AddReportCommand(app), AddServeCommand(app),    AddExploreCommand(app),
      AddSweepCommand(app),  AddCapacityCommand(app), AddMergeCommand(app),
      AddReplayCommand(app), AddCompareCommand(app),  AddAdminCommand(app),
      AddTestCommand(app),   AddProxyCommand(app),    AddConformanceCommand(app),
      AddLogCommand(app),    AddShrinkCommand(app)};
  commands.push_back(AddHelpCommand(app, commands));
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
    std::string names;
    for (const Command& c : commands) {
      known = known || (argc > 1 && c.app->get_name() == argv[1]);
      names += (names.empty() ? "" : ", ") + c.app->get_name();
    }
    // Messages quote arguments; a token given as one must not be printed (secrets.h).
    if (argc > 1 && argv[1][0] != '-' && !known) {
      std::cerr << RedactUsageError(std::string(kProgram) + ": unknown subcommand \"" +
                                        std::string(argv[1]) + "\" (" + names + ")",
                                    argc, argv)
                << "\n(see notion-sim help)\n";
      return kExitBadInput;
    }
    // Name the command the arguments reached ("notion-sim admin faults add: ...") and an unknown
    // flag first: CLI11 reports a missing argument before the flag it could not place.
    std::string where = kProgram;
    for (const CLI::App* c = &app; !c->get_subcommands().empty();) {
      c = c->get_subcommands().front();
      where += " " + c->get_name();
    }
    std::string message = e.what();
    const std::vector<std::string> extras = app.remaining(/*recurse=*/true);
    for (const std::string& extra : extras) {
      if (extra.size() > 1 && extra[0] == '-' && extra != "--") {
        message = "unknown option " + extra;
        // All of them, as CLI11 lists them (a token among them is redacted below).
        if (extras.size() > 1) {
          std::string all;
          for (const std::string& x : extras) all += (all.empty() ? "" : " ") + x;
          message += " (not expected: " + all + ")";
        }
        break;
      }
    }
    std::cerr << RedactUsageError(where + ": " + message, argc, argv) << "\n(see " << where
              << " --help)\n";
    return kExitBadInput;
  }
  for (const Command& c : commands) {
    if (c.app->parsed()) return c.run();
  }
  return kExitBadInput;
}
