// notion-sim shrink FAILING.json [--invariant NAME]: the smallest scenario that still fails the
// same way on the same seed, written with a note of what was removed.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "command.h"
#include "notion_sim/explore/shrink.h"
#include "notion_sim/reports/result_json.h"
#include "notion_sim/scenarios/scenario.h"
#include "shrink_command.h"

namespace notion_sim::cli {
namespace {

struct ShrinkArgs {
  std::string file;
  std::string invariant;
  std::string out;
  std::optional<std::uint64_t> seed;
  std::uint64_t max_runs = 500;
  double max_seconds = 300;
  bool quiet = false;
};

int RunShrink(const ShrinkArgs& args) {
  auto spec = scenarios::LoadScenario(args.file);
  if (!spec.ok()) {
    std::cerr << "notion-sim shrink: " << spec.error().message << "\n";
    return kExitBadInput;
  }
  nlohmann::json doc = spec->source;
  if (args.seed) doc["seed"] = *args.seed;
  const std::string out =
      args.out.empty()
          ? (std::filesystem::path(args.file).parent_path() / (spec->name + ".shrunk.json"))
                .string()
          : args.out;
  auto result = ShrinkFile(doc, spec->name, args.invariant, args.max_runs, args.max_seconds,
                           !args.quiet, out);
  if (!result) return kExitBadInput;
  std::cout << "shrunk " << args.file << " (" << result->before.Text() << ")\n  to " << out << " ("
            << result->after.Text() << "), " << result->runs << " run(s)"
            << (result->bounded ? ", stopped at the bound" : "") << "\n  still fails "
            << result->failure.kind << ": " << result->failure.check << ": "
            << result->failure.detail << "\n";
  for (const std::string& note : result->notes) std::cout << "  - " << note << "\n";
  std::cout << "  reproduce: " << result->failure.Reproduce(out) << "\n";
  return kExitOk;
}

}  // namespace

std::optional<explore::ShrinkResult> ShrinkFile(const nlohmann::json& doc, const std::string& name,
                                                const std::string& check, std::uint64_t max_runs,
                                                double max_seconds, bool progress,
                                                const std::string& out, bool gates) {
  explore::ShrinkOptions o;
  o.check = check;
  o.max_runs = max_runs;
  o.gates = gates;
  const auto start = std::chrono::steady_clock::now();
  // The time bound is the caller's (explore/ reads no clock); it only matters when it is hit.
  o.stop = [start, max_seconds] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >
           max_seconds;
  };
  if (progress) {
    o.progress = [&name](const explore::ShrinkProgress& p) {
      if (!p.note.empty()) {
        std::cerr << "shrink " << name << ": run " << p.runs << "/" << p.max_runs << ", kept "
                  << p.note << "\n";
      } else if (p.runs % 25 == 0) {
        std::cerr << "shrink " << name << ": run " << p.runs << "/" << p.max_runs << ", " << p.kept
                  << " step(s) kept\n";
      }
    };
  }
  auto result = explore::Shrink(doc, name, o);
  if (!result.ok()) {
    std::cerr << "notion-sim shrink: " << result.error().message << "\n";
    return std::nullopt;
  }
  if (auto st = reports::WriteJsonFile(out, result->minimal); !st.ok()) {
    std::cerr << "notion-sim shrink: " << st.error().message << "\n";
    return std::nullopt;
  }
  return std::move(result).value();
}

Command AddShrinkCommand(CLI::App& app) {
  auto args = std::make_shared<ShrinkArgs>();
  CLI::App* cmd = app.add_subcommand(
      "shrink",
      "Remove and simplify parts of a failing scenario (fault rules, streams, tenants, shorter "
      "windows and durations, lower rates, simpler triggers) while the same invariant still "
      "fails on the same seed; write the minimal file. Exit 0 written, 2 bad input or no failure");
  cmd->add_option("file", args->file, "The failing scenario file")->required();
  cmd->add_option("--invariant", args->invariant,
                  "The failure to keep (an invariant, a gate's metric, recovery, ...; default: "
                  "the first failure)");
  cmd->add_option("--out", args->out, "Where to write it (default: NAME.shrunk.json beside it)");
  cmd->add_option("--seed", args->seed, "The seed (default: the scenario's)");
  cmd->add_option("--max-runs", args->max_runs, "Bound on runs")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1'000'000}));
  cmd->add_option("--max-seconds", args->max_seconds, "Bound on time")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 86'400.0));
  cmd->add_flag("--quiet", args->quiet, "No progress on stderr");
  return Command{cmd, [args] { return RunShrink(*args); }};
}

}  // namespace notion_sim::cli
