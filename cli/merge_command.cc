// notion-sim merge: combine the shards of one explore or one sweep (run with --shard I/N on
// several machines) into the report one machine would have written. Exit codes as explore and
// sweep; 2 when the shards do not fit together (missing, doubled, different runs).
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "command.h"
#include "notion_sim/engine/json_reader.h"
#include "notion_sim/explore/explore.h"
#include "notion_sim/explore/sweep.h"

namespace notion_sim::cli {
namespace {

namespace ns = notion_sim;

struct MergeArgs {
  std::vector<std::string> inputs;
  std::string out_dir = "out/merged";
  std::string corpus_dir;
};

// A shard's directory holds explore.json or sweep.json; a file is taken as it is.
std::string ResultFile(const std::string& path) {
  if (!std::filesystem::is_directory(path)) return path;
  for (const char* name : {"explore.json", "sweep.json"}) {
    const auto p = std::filesystem::path(path) / name;
    if (std::filesystem::exists(p)) return p.string();
  }
  return (std::filesystem::path(path) / "explore.json").string();
}

// The merge functions' messages start with "merge: ", which BadInput's prefix already says.
std::string Unprefixed(const std::string& message) {
  return message.rfind("merge: ", 0) == 0 ? message.substr(7) : message;
}

int Merge(const MergeArgs& args) {
  const Output out("merge");
  std::vector<ns::explore::ExploreRun> explores;
  std::vector<ns::explore::SweepRun> sweeps;
  for (const std::string& input : args.inputs) {
    const std::string file = ResultFile(input);
    const ns::Result<nlohmann::json> loaded = ns::engine::LoadJson(file);
    if (!loaded.ok()) {
      return out.BadInput(
          loaded.error().message +
          (loaded.error().code == ns::ErrorCode::kNotFound
               ? " (expected a shard's explore.json or sweep.json, or its directory)"
               : ""));
    }
    const nlohmann::json& doc = *loaded;
    if (doc.value("format", "").rfind("notion-sim.sweep/", 0) == 0) {
      auto run = ns::explore::SweepFromJson(doc, file);
      if (!run.ok()) return out.BadInput(run.error().message);
      sweeps.push_back(std::move(run).value());
    } else {
      auto run = ns::explore::ExploreFromJson(doc, file);
      if (!run.ok()) return out.BadInput(run.error().message);
      explores.push_back(std::move(run).value());
    }
  }
  if (!explores.empty() && !sweeps.empty()) {
    return out.BadInput("give the shards of one explore or of one sweep, not both");
  }
  if (!sweeps.empty()) {
    auto merged = ns::explore::MergeSweep(std::move(sweeps));
    if (!merged.ok()) return out.BadInput(Unprefixed(merged.error().message));
    auto text = ns::explore::WriteSweep(*merged, args.out_dir);
    if (!text.ok()) return out.BadInput(text.error().message);
    out.text() << *text;
    return ns::explore::SummarizeSweep(*merged).recommended ? kExitOk : kExitFailed;
  }
  auto merged = ns::explore::MergeExplore(std::move(explores));
  if (!merged.ok()) return out.BadInput(Unprefixed(merged.error().message));
  const std::string corpus_file =
      ns::explore::CorpusFile(args.corpus_dir.empty() ? args.out_dir + "/corpus" : args.corpus_dir,
                              merged->scenario, merged->options.swarm);
  auto text = ns::explore::WriteExplore(*merged, args.out_dir, corpus_file);
  if (!text.ok()) return out.BadInput(text.error().message);
  out.text() << *text;
  return ns::explore::Summarize(*merged).passed() ? kExitOk : kExitFailed;
}

}  // namespace

Command AddMergeCommand(CLI::App& app) {
  auto args = std::make_shared<MergeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "merge",
      "Combine the shards (--shard I/N) of one explore or sweep into the report one machine "
      "would give. Exit codes as explore/sweep; 2 when shards are missing or do not match");
  cmd->add_option("shards", args->inputs,
                  "Each shard's output directory (or its explore.json / sweep.json)")
      ->required();
  cmd->add_option("--out", args->out_dir, "Output directory")->capture_default_str();
  cmd->add_option("--corpus", args->corpus_dir,
                  "Corpus directory for explore (default: OUT/corpus)");
  return Command{cmd, [args] { return Merge(*args); }};
}

}  // namespace notion_sim::cli
