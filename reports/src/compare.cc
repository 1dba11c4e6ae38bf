#include "notion_sim/reports/compare.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>

#include "notion_sim/checks/metric_catalogue.h"

namespace notion_sim::reports {
namespace {

using scenarios::RunResult;

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

std::string HeldText(bool in, bool held) {
  if (!in) return "not checked";
  return held ? "held" : "**violated**";
}

}  // namespace

bool SimLiveComparison::invariants_held() const {
  return std::all_of(invariants.begin(), invariants.end(),
                     [](const SimLiveInvariant& i) { return i.sim_held && i.live_held; });
}

std::size_t SimLiveComparison::differences() const {
  return static_cast<std::size_t>(std::count_if(metrics.begin(), metrics.end(),
                                                [](const SimLiveMetric& m) { return m.differs; }));
}

SimLiveComparison CompareSimLive(const RunResult& sim, const RunResult& live,
                                 const SimLiveOptions& options) {
  SimLiveComparison c;
  c.scenario = sim.scenario;
  std::map<std::string, SimLiveInvariant> by_name;
  for (const auto& inv : sim.checks.invariants) {
    SimLiveInvariant& ci = by_name[inv.name];
    ci.name = inv.name;
    ci.in_sim = true;
    ci.sim_held = inv.held();
  }
  for (const auto& inv : live.checks.invariants) {
    SimLiveInvariant& ci = by_name[inv.name];
    ci.name = inv.name;
    ci.in_live = true;
    ci.live_held = inv.held();
  }
  for (auto& [name, ci] : by_name) c.invariants.push_back(ci);
  for (const std::string& name : checks::ComparedMetrics()) {
    const std::optional<checks::MetricInfo> info = checks::FindMetric(name);
    SimLiveMetric m;
    m.name = info->label;
    if (info->unit == checks::Unit::kMilliseconds || info->unit == checks::Unit::kSeconds) {
      m.name += " (" + std::string(checks::UnitName(info->unit)) + ")";
    }
    // Not measured (no retry delays, no operation) compares as 0.
    m.sim = checks::MetricValue(sim.checks.metrics, name).value_or(0);
    m.live = checks::MetricValue(live.checks.metrics, name).value_or(0);
    const double scale = std::max(std::fabs(m.sim), std::fabs(m.live));
    m.differs =
        std::fabs(m.sim - m.live) > std::max(options.abs_tolerance, options.rel_tolerance * scale);
    c.metrics.push_back(m);
  }
  return c;
}

std::string ComparisonMarkdown(const SimLiveComparison& c, const RunResult& sim,
                               const RunResult& live) {
  std::string out = "# " + c.scenario + ": simulation vs live\n\n";
  out += "- simulation: seed " + std::to_string(sim.seed) + ", " +
         std::to_string(sim.summary.ops_started) + " operations, digest " + sim.summary.digest +
         "\n";
  out += "- live: " + (live.base_url.empty() ? std::string("(no base URL)") : live.base_url) +
         ", " + std::to_string(live.summary.ops_started) + " operations" +
         (live.ops_resumed > 0 ? " (+" + std::to_string(live.ops_resumed) + " in earlier runs)"
                               : std::string()) +
         "\n\n";
  out += "## Invariants: " + std::string(c.invariants_held() ? "held in both" : "**violated**") +
         "\n\n";
  out += "| invariant | simulation | live |\n|---|---|---|\n";
  for (const SimLiveInvariant& i : c.invariants) {
    out += "| " + i.name + " | " + HeldText(i.in_sim, i.sim_held) + " | " +
           HeldText(i.in_live, i.live_held) + " |\n";
  }
  out += "\n## Metrics: " + std::to_string(c.differences()) + " marked ≠\n\n";
  out += "| metric | simulation | live | |\n|---|---:|---:|---|\n";
  for (const SimLiveMetric& m : c.metrics) {
    out += "| " + m.name + " | " + Num(m.sim) + " | " + Num(m.live) + " | " +
           (m.differs ? "≠" : "") + " |\n";
  }
  return out;
}

}  // namespace notion_sim::reports
