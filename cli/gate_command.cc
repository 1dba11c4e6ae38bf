// notion-sim gate: the CI verdict over result files. Absolute checks come from the results
// themselves (every invariant held, every gate of the scenario passed); with --baseline, every
// metric is also compared with an earlier run and one that got worse beyond its tolerance is a
// regression. Exit 0 when all holds, 1 with the list of what failed, 2 on bad input.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "command.h"
#include "notion_sim/checks/gates.h"
#include "notion_sim/reports/baseline.h"
#include "notion_sim/reports/result_json.h"

namespace notion_sim::cli {
namespace {

namespace ns = notion_sim;

struct GateArgs {
  std::vector<std::string> results;
  std::string baseline;
  std::vector<std::string> tolerances;
  std::vector<std::string> metrics;
  std::string out_dir;
  bool verbose = false;
};

std::string FirstLine(const std::string& s) { return s.substr(0, s.find('\n')); }

int Gate(const GateArgs& args) {
  if (!args.out_dir.empty() && args.baseline.empty()) {
    std::cerr << "notion-sim gate: --out writes the baseline comparison: add --baseline DIR\n";
    return kExitBadInput;
  }
  ns::reports::Tolerances tolerances;
  for (const std::string& t : args.tolerances) {
    if (ns::Status st = ns::reports::ParseTolerance(t, tolerances); !st.ok()) {
      std::cerr << "notion-sim gate: " << st.error().message << "\n";
      return kExitBadInput;
    }
  }
  for (const std::string& m : args.metrics) {
    if (!ns::checks::FindMetric(m)) {
      std::cerr << "notion-sim gate: --metric " << m
                << ": unknown metric (see notion-sim gate --help for the names)\n";
      return kExitBadInput;
    }
  }
  std::vector<ns::scenarios::RunResult> current;
  for (const std::string& path : args.results) {
    auto loaded = ns::reports::LoadResults(path);
    if (!loaded.ok()) {
      std::cerr << "notion-sim gate: " << loaded.error().message << "\n";
      return kExitBadInput;
    }
    current.insert(current.end(), loaded->begin(), loaded->end());
  }
  std::vector<std::string> failures;
  for (const ns::scenarios::RunResult& r : current) {
    for (const ns::checks::InvariantResult& i : r.checks.invariants) {
      if (i.held()) continue;
      failures.push_back(r.scenario + ": invariant " + i.name + " violated (" +
                         std::to_string(i.violation_count) + "): " + FirstLine(i.first_violation) +
                         "\n  reproduce: " + r.reproduce);
    }
    for (const ns::checks::GateResult& g : r.checks.gates) {
      if (g.passed()) continue;
      failures.push_back(r.scenario + ": gate " + g.text + "\n  reproduce: " + r.reproduce);
    }
  }
  std::size_t compared = 0;
  if (!args.baseline.empty()) {
    auto base = ns::reports::LoadResults(args.baseline);
    if (!base.ok()) {
      std::cerr << "notion-sim gate: --baseline: " << base.error().message << "\n";
      return kExitBadInput;
    }
    const ns::reports::Comparison c =
        ns::reports::CompareToBaseline(*base, current, tolerances, args.metrics);
    compared = c.deltas.size();
    if (!args.out_dir.empty()) {
      const std::string dir = args.out_dir + "/";
      ns::Status st =
          ns::reports::WriteTextFile(dir + "regressions.md", ns::reports::BaselineMarkdown(c));
      if (st.ok()) {
        st = ns::reports::WriteTextFile(dir + "regressions.xml", ns::reports::BaselineJunit(c));
      }
      if (st.ok()) {
        st = ns::reports::WriteJsonFile(dir + "regressions.json", ns::reports::BaselineJson(c));
      }
      if (!st.ok()) {
        std::cerr << "notion-sim gate: --out: " << st.error().message << "\n";
        return kExitBadInput;
      }
    }
    for (const ns::reports::MetricDelta& d : c.deltas) {
      if (d.change == ns::reports::Change::kRegressed ||
          d.change == ns::reports::Change::kLostData) {
        failures.push_back(d.scenario + ": regression: " + d.text);
      } else if (args.verbose) {
        std::cout << d.scenario << ": " << ns::reports::ChangeName(d.change) << ": " << d.text
                  << "\n";
      }
    }
    for (const std::string& s : c.without_baseline) {
      std::cout << "note: " << s << " has no baseline (new scenario?); not compared\n";
    }
    for (const std::string& s : c.missing) {
      std::cout << "note: " << s << " is in the baseline but not in the results\n";
    }
  }
  if (failures.empty()) {
    std::cout << "gate: all held (" << current.size() << " scenario(s)";
    if (!args.baseline.empty()) std::cout << ", " << compared << " metric(s) compared";
    std::cout << ")\n";
    return kExitOk;
  }
  for (const std::string& f : failures) std::cout << "FAIL " << f << "\n";
  std::cout << "gate: " << failures.size() << " failure(s)\n";
  return kExitFailed;
}

std::string MetricList() {
  std::string out = "Metrics (for --tolerance and --metric):\n ";
  std::size_t col = 1;
  for (const ns::checks::MetricInfo& m : ns::checks::MetricNames()) {
    if (m.name.rfind("op.", 0) == 0) continue;
    if (col + m.name.size() + 1 > 96) {
      out += "\n ";
      col = 1;
    }
    out += " " + m.name;
    col += m.name.size() + 1;
  }
  return out +
         "\n  op.<operation>.{started, failed, success_ratio, api_calls_per_op, throughput_per_s,"
         " latency_ms.p50, latency_ms.p90, latency_ms.p99, latency_ms.max}";
}

}  // namespace

Command AddGateCommand(CLI::App& app) {
  auto args = std::make_shared<GateArgs>();
  CLI::App* gate = app.add_subcommand(
      "gate",
      "Check result files for CI: invariants held and gates passed; with --baseline, no metric "
      "regressed. Exit 0 all held, 1 something failed (listed), 2 bad input");
  gate->add_option("results", args->results,
                   "Result files or directories (results.json, *.result.json)")
      ->required();
  gate->add_option("--baseline", args->baseline,
                   "Results of an earlier run to compare with (file or directory)");
  gate->add_option("--tolerance", args->tolerances,
                   "Allowed worsening as a fraction of the baseline: 0.05 or 5% for all "
                   "metrics (the default is 5%), METRIC=0.2 for one; repeatable");
  gate->add_option("--metric", args->metrics,
                   "Compare only these metrics with the baseline (repeatable; default: every "
                   "metric with a better direction)");
  gate->add_option("--out", args->out_dir,
                   "With --baseline: write the comparison to DIR/regressions.md, "
                   "regressions.xml (JUnit) and regressions.json");
  gate->add_flag("--verbose", args->verbose, "Also list metrics that held or improved");
  gate->footer(MetricList());
  return Command{gate, [args] { return Gate(*args); }};
}

}  // namespace notion_sim::cli
