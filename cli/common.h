// What notion-sim's subcommands share, so each follows the same conventions without repeating
// them: the exit codes, the flags long commands take (--json, --quiet, --out, --threads,
// --shard), and "say what is wrong on stderr, exit 2".
//
//   Output out("explore");                  // messages start "notion-sim explore: "
//   out.AddFlags(cmd);                      // --json and --quiet
//   ...
//   if (!spec.ok()) return out.BadInput(spec.error().message);
//   out.text() << table;                    // stdout, or stderr under --json
//   return out.Finish(code, summary_json);  // under --json: the one object on stdout
//
// Under --json stdout holds exactly one JSON object and nothing else: the command's result with
// "command" and "exit_code" added, or {"command", "exit_code": 2, "error"} on bad input. Every
// human line (tables, progress, notes) goes to stderr then. Not thread-safe.
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

namespace notion_sim::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;    // an invariant or gate failed
inline constexpr int kExitBadInput = 2;  // bad input or usage
// Stopped by SIGINT/SIGTERM after writing what finished, marked partial (128 + SIGINT, as a shell
// reports a command that Ctrl-C ended).
inline constexpr int kExitInterrupted = 130;

class Output {
 public:
  explicit Output(std::string command) : command_(std::move(command)) {}

  // Adds --json (and --quiet unless `quiet` is false) to `cmd`.
  void AddFlags(CLI::App* cmd, bool quiet = true);
  bool json() const { return json_; }
  bool quiet() const { return quiet_; }
  // Where the human result goes: stdout, or stderr under --json.
  std::ostream& text() const;
  // Notes and progress: stderr, or a sink that drops them under --quiet.
  std::ostream& log() const;
  // "notion-sim explore: " + message on stderr (and the error object on stdout under --json).
  // Returns kExitBadInput.
  int BadInput(std::string_view message) const;
  // Under --json, prints `result` with "command" and "exit_code" added, as the one line of
  // stdout. Returns `exit_code`.
  int Finish(int exit_code, nlohmann::json result) const;
  const std::string& command() const { return command_; }
  // The same flags under another name, for a command's own subcommands ("admin faults list").
  Output For(std::string command) const {
    Output named = *this;
    named.command_ = std::move(command);
    return named;
  }

 private:
  std::string command_;
  bool json_ = false;
  bool quiet_ = false;
};

// The options several commands share, with one wording.
void AddOutOption(CLI::App* cmd, std::string& out_dir);
void AddThreadsOption(CLI::App* cmd, unsigned& threads);
void AddShardOption(CLI::App* cmd, std::string& shard);

// The name used in usage lines and messages, whatever path the binary was started by.
inline constexpr const char* kProgram = "notion-sim";

}  // namespace notion_sim::cli
