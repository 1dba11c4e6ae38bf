// notion-sim log FILE --op ID: one operation's story in words, from a --log file.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "command.h"
#include "notion_sim/scenarios/event_log.h"

namespace notion_sim::cli {
namespace {

struct LogArgs {
  std::string file;
  std::uint64_t op = 0;
  std::string scenario;
};

int Story(const LogArgs& args) {
  std::ifstream in(args.file);
  std::error_code ec;
  if (!in || std::filesystem::is_directory(args.file, ec)) {
    std::cerr << "notion-sim log: cannot read " << args.file << "\n";
    return kExitBadInput;
  }
  auto story = scenarios::OperationStory(in, args.op, args.scenario);
  if (!story.ok()) {
    std::cerr << "notion-sim log: " << args.file << ": " << story.error().message << "\n";
    return kExitBadInput;
  }
  std::cout << "operation " << args.op << " (trace " << scenarios::TraceIdFor(args.op) << "):\n";
  for (const std::string& line : *story) std::cout << "  " << line << "\n";
  return kExitOk;
}

}  // namespace

Command AddLogCommand(CLI::App& app) {
  auto args = std::make_shared<LogArgs>();
  CLI::App* cmd = app.add_subcommand(
      "log", "Tell one operation's story in words from a --log file (run, run --live, serve)");
  cmd->add_option("file", args->file, "The JSON-lines log")->required();
  // Checked as text: CLI11 would wrap "-1" around to a huge unsigned id.
  const CLI::Validator whole_number(
      [](std::string& text) {
        return !text.empty() && text.find_first_not_of("0123456789") == std::string::npos
                   ? std::string()
                   : "expected an operation id (a whole number), got " + text;
      },
      "ID");
  cmd->add_option("--op", args->op, "The operation id (the \"op\" of its lines)")
      ->required()
      ->check(whole_number);
  cmd->add_option("--scenario", args->scenario,
                  "When the log holds several runs: the scenario (default: the first with the op)");
  return Command{cmd, [args] { return Story(*args); }};
}

}  // namespace notion_sim::cli
