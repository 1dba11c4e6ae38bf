#include "notion_sim/checks/gates.h"

#include <cmath>
#include <cstdio>

namespace notion_sim::checks {

std::string FormatNumber(double value) {
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  if (std::isnan(value)) return "nan";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", value);
  return buf;
}

Result<std::vector<Gate>> ParseGates(ObjectReader& root) {
  std::vector<Gate> gates;
  for (ObjectReader& g : root.Objects("gates")) {
    Gate gate;
    gate.metric = g.String("metric");
    if (g.ok() && !FindMetric(gate.metric)) {
      g.Fail("metric", "unknown metric \"" + gate.metric + "\" (valid: " + MetricNameList() + ")");
    }
    if (g.Has("min")) gate.min = g.Number("min", 0);
    if (g.Has("max")) gate.max = g.Number("max", 0);
    if (g.ok() && !gate.min && !gate.max) g.Fail("", "a gate needs \"min\", \"max\" or both");
    if (g.ok() && gate.min && gate.max && *gate.min > *gate.max) {
      g.Fail("min", "min (" + FormatNumber(*gate.min) + ") is above max (" +
                        FormatNumber(*gate.max) + ")");
    }
    g.Finish();
    if (!g.ok()) return g.error();
    gates.push_back(std::move(gate));
  }
  if (!root.ok()) return root.error();
  return gates;
}

std::string_view GateVerdictName(GateVerdict verdict) {
  switch (verdict) {
    case GateVerdict::kPass:
      return "pass";
    case GateVerdict::kFail:
      return "fail";
    case GateVerdict::kNoData:
      return "no_data";
  }
  return "?";
}

std::vector<GateResult> EvaluateGates(const std::vector<Gate>& gates, const MetricsReport& report) {
  std::vector<GateResult> out;
  out.reserve(gates.size());
  for (const Gate& gate : gates) {
    GateResult r;
    r.gate = gate;
    r.measured = MetricValue(report, gate.metric);
    std::string bounds;
    if (gate.min) bounds += "min " + FormatNumber(*gate.min);
    if (gate.max)
      bounds += std::string(bounds.empty() ? "" : ", ") + "max " + FormatNumber(*gate.max);
    if (!r.measured) {
      r.verdict = GateVerdict::kNoData;
      r.text = gate.metric + " was not measured in this run (" + bounds + "): no_data";
    } else {
      const double v = *r.measured;
      const bool ok = (!gate.min || v >= *gate.min) && (!gate.max || v <= *gate.max);
      r.verdict = ok ? GateVerdict::kPass : GateVerdict::kFail;
      r.text = gate.metric + " = " + FormatNumber(v) + " (" + bounds +
               "): " + std::string(GateVerdictName(r.verdict));
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::string_view RunVerdictName(RunVerdict verdict) {
  return verdict == RunVerdict::kPass ? "pass" : "fail";
}

RunVerdict Judge(const RunChecks& checks) {
  for (const InvariantResult& i : checks.invariants) {
    if (!i.held()) return RunVerdict::kFail;
  }
  for (const GateResult& g : checks.gates) {
    if (!g.passed()) return RunVerdict::kFail;
  }
  return RunVerdict::kPass;
}

}  // namespace notion_sim::checks
