#include "common.h"

#include <iostream>

namespace notion_sim::cli {

void Output::AddFlags(CLI::App* cmd, bool quiet) {
  cmd->add_flag("--json", json_,
                "Print one JSON object on stdout (the result, or the error); human text goes to "
                "stderr");
  if (quiet) cmd->add_flag("--quiet", quiet_, "No progress or notes on stderr");
}

std::ostream& Output::text() const { return json_ ? std::cerr : std::cout; }

std::ostream& Output::log() const {
  // A stream without a buffer drops what it is given.
  static std::ostream discard(nullptr);
  return quiet_ ? discard : std::cerr;
}

int Output::BadInput(std::string_view message) const {
  std::cerr << kProgram << " " << command_ << ": " << message << "\n";
  if (json_) {
    nlohmann::json error = {{"error", std::string(message)}};
    return Finish(kExitBadInput, std::move(error));
  }
  return kExitBadInput;
}

int Output::Finish(int exit_code, nlohmann::json result) const {
  if (json_) {
    if (!result.is_object()) result = nlohmann::json{{"result", std::move(result)}};
    result["command"] = command_;
    result["exit_code"] = exit_code;
    // Invalid UTF-8 (a file name, a message) is replaced rather than throwing.
    std::cout << result.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << std::endl;
  }
  return exit_code;
}

void AddOutOption(CLI::App* cmd, std::string& out_dir) {
  cmd->add_option("--out", out_dir, "Output directory (created if missing)")->capture_default_str();
}

void AddThreadsOption(CLI::App* cmd, unsigned& threads) {
  cmd->add_option("--threads", threads, "Threads (0 = all cores); results do not change")
      ->capture_default_str();
}

void AddShardOption(CLI::App* cmd, std::string& shard) {
  cmd->add_option("--shard", shard,
                  "Run slice I of N (I/N); combine the slices with notion-sim merge")
      ->capture_default_str();
}

}  // namespace notion_sim::cli
