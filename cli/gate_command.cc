// notion-sim gate: the CI verdict over result files. Absolute checks come from the results
// themselves (every invariant held, every gate of the scenario passed); with --baseline, every
// metric is also compared with an earlier run and one that got worse beyond its tolerance is a
// regression. Exit 0 when all holds, 1 with the list of what failed, 2 on bad input.
#include <cstdio>
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
  Output out{"gate"};
};

std::string FirstLine(const std::string& s) { return s.substr(0, s.find('\n')); }

struct GateFailure {
  std::string scenario;
  std::string kind;  // "invariant", "gate", "regression"
  std::string text;
  std::string reproduce;
};

int Gate(const GateArgs& args) {
  const Output& out = args.out;
  if (!args.out_dir.empty() && args.baseline.empty()) {
    return out.BadInput("--out writes the baseline comparison: add --baseline DIR");
  }
  ns::reports::Tolerances tolerances;
  for (const std::string& t : args.tolerances) {
    if (ns::Status st = ns::reports::ParseTolerance(t, tolerances); !st.ok()) {
      return out.BadInput(st.error().message);
    }
  }
  for (const std::string& m : args.metrics) {
    if (!ns::checks::FindMetric(m)) {
      return out.BadInput("--metric " + m +
                          ": unknown metric (see notion-sim gate --help for the names)");
    }
  }
  std::vector<ns::scenarios::RunResult> current;
  for (const std::string& path : args.results) {
    auto loaded = ns::reports::LoadResults(path);
    if (!loaded.ok()) return out.BadInput(loaded.error().message);
    current.insert(current.end(), loaded->begin(), loaded->end());
  }
  std::vector<GateFailure> failures;
  for (const ns::scenarios::RunResult& r : current) {
    for (const ns::checks::InvariantResult& i : r.checks.invariants) {
      if (i.held()) continue;
      failures.push_back({r.scenario, "invariant",
                          i.name + " violated (" + std::to_string(i.violation_count) +
                              "): " + FirstLine(i.first_violation),
                          r.reproduce});
    }
    for (const ns::checks::GateResult& g : r.checks.gates) {
      if (g.passed()) continue;
      failures.push_back({r.scenario, "gate", g.text, r.reproduce});
    }
  }
  std::size_t compared = 0;
  nlohmann::json notes = nlohmann::json::array();
  nlohmann::json deltas = nlohmann::json::array();
  if (!args.baseline.empty()) {
    auto base = ns::reports::LoadResults(args.baseline);
    if (!base.ok()) return out.BadInput("--baseline: " + base.error().message);
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
      if (!st.ok()) return out.BadInput("--out: " + st.error().message);
    }
    for (const ns::reports::MetricDelta& d : c.deltas) {
      const std::string change(ns::reports::ChangeName(d.change));
      if (d.change == ns::reports::Change::kRegressed ||
          d.change == ns::reports::Change::kLostData) {
        failures.push_back({d.scenario, "regression", d.text, ""});
      } else if (args.verbose) {
        out.text() << d.scenario << ": " << change << ": " << d.text << "\n";
      }
      deltas.push_back({{"scenario", d.scenario}, {"change", change}, {"text", d.text}});
    }
    for (const std::string& s : c.without_baseline) {
      notes.push_back(s + " has no baseline (new scenario?); not compared");
    }
    for (const std::string& s : c.missing) {
      notes.push_back(s + " is in the baseline but not in the results");
    }
    for (const auto& n : notes) out.text() << "note: " << n.get<std::string>() << "\n";
  }
  nlohmann::json listed = nlohmann::json::array();
  for (const GateFailure& f : failures) {
    listed.push_back(
        {{"scenario", f.scenario}, {"kind", f.kind}, {"text", f.text}, {"reproduce", f.reproduce}});
  }
  const nlohmann::json summary = {{"passed", failures.empty()},
                                  {"scenarios", current.size()},
                                  {"baseline", args.baseline},
                                  {"compared", compared},
                                  {"failures", listed},
                                  {"deltas", deltas},
                                  {"notes", notes}};
  if (failures.empty()) {
    out.text() << "gate: all held (" << current.size() << " scenario(s)";
    if (!args.baseline.empty()) out.text() << ", " << compared << " metric(s) compared";
    out.text() << ")\n";
    return out.Finish(kExitOk, summary);
  }
  for (const GateFailure& f : failures) {
    out.text() << "FAIL " << f.scenario << ": " << f.kind << (f.kind == "regression" ? ": " : " ")
               << f.text;
    if (!f.reproduce.empty()) out.text() << "\n  reproduce: " << f.reproduce;
    out.text() << "\n";
  }
  out.text() << "gate: " << failures.size() << " failure(s)\n";
  return out.Finish(kExitFailed, summary);
}

// The catalogue, one metric a line: name, unit, which way is better, label. Per-operation and
// workflow metrics once each, with <operation>, <workflow> and <step> to fill in.
std::string MetricList() {
  std::string out =
      "Metrics (for the scenario's gates, --tolerance and --metric; name, unit, better, label):\n";
  const auto add = [&out](const ns::checks::MetricInfo& m) {
    const char* better = m.better == ns::checks::Better::kHigher  ? "higher"
                         : m.better == ns::checks::Better::kLower ? "lower"
                                                                  : "-";
    char line[200];
    std::snprintf(line, sizeof line, "  %-46s %-11s %-6s %s\n", m.name.c_str(),
                  std::string(ns::checks::UnitName(m.unit)).c_str(), better, m.label.c_str());
    out += line;
  };
  for (const ns::checks::MetricInfo& m : ns::checks::MetricNames()) {
    if (m.name.rfind("op.", 0) != 0) add(m);
  }
  for (const ns::checks::MetricInfo& m : ns::checks::OperationMetricTemplates()) add(m);
  for (const ns::checks::MetricInfo& m : ns::checks::WorkflowMetricTemplates()) add(m);
  return out +
         "  (<operation>: an operation name, e.g. create_page; <workflow>, <step>: the scenario's "
         "names; makespan_s and time_to_*pct_s are inf while an item is unfinished)";
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
  args->out.AddFlags(gate, /*quiet=*/false);
  gate->footer(MetricList());
  return Command{gate, [args] { return Gate(*args); }};
}

}  // namespace notion_sim::cli
