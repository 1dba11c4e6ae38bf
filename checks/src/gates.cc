#include "notion_sim/checks/gates.h"

#include <cmath>
#include <cstdio>
#include <algorithm>
#include <cctype>
#include <functional>
#include <limits>

namespace notion_sim::checks {

using engine::ParseOperation;
namespace {

using Value = std::optional<double>;
using Getter = std::function<Value(const MetricsReport&)>;
using OpGetter = std::function<Value(const OperationMetrics&)>;

struct Entry {
  const char* name;
  Better better;
  Getter get;
};

struct OpEntry {
  const char* name;
  Better better;
  OpGetter get;
};

double D(std::uint64_t v) { return static_cast<double>(v); }
double Msf(TimeUs us) { return static_cast<double>(us) / 1e3; }

Value IfOps(const MetricsReport& r, double v) {
  return r.ops.finished() > 0 ? Value(v) : std::nullopt;
}

const std::vector<Entry>& Global() {
  using B = Better;
  static const std::vector<Entry> kEntries = {
      {"ops.started", B::kNeither, [](const MetricsReport& r) { return Value(D(r.ops.started)); }},
      {"ops.succeeded", B::kHigher,
       [](const MetricsReport& r) { return Value(D(r.ops.succeeded)); }},
      {"ops.served_fallback", B::kLower,
       [](const MetricsReport& r) { return Value(D(r.ops.served_fallback)); }},
      {"ops.failed", B::kLower, [](const MetricsReport& r) { return Value(D(r.ops.failed)); }},
      {"ops.dead_lettered", B::kLower,
       [](const MetricsReport& r) { return Value(D(r.ops.dead_lettered)); }},
      {"ops.unfinished", B::kLower,
       [](const MetricsReport& r) { return Value(D(r.ops.unfinished)); }},
      {"ops.success_ratio", B::kHigher,
       [](const MetricsReport& r) { return IfOps(r, r.success_ratio); }},
      {"ops.answered_ratio", B::kHigher,
       [](const MetricsReport& r) {
         return IfOps(r, D(r.ops.succeeded + r.ops.served_fallback) / D(r.ops.finished()));
       }},
      {"error_budget_burn", B::kLower,
       [](const MetricsReport& r) { return IfOps(r, r.error_budget_burn); }},
      {"latency_ms.p50", B::kLower,
       [](const MetricsReport& r) { return IfOps(r, Msf(r.latency.p50_us)); }},
      {"latency_ms.p90", B::kLower,
       [](const MetricsReport& r) { return IfOps(r, Msf(r.latency.p90_us)); }},
      {"latency_ms.p99", B::kLower,
       [](const MetricsReport& r) { return IfOps(r, Msf(r.latency.p99_us)); }},
      {"latency_ms.max", B::kLower,
       [](const MetricsReport& r) { return IfOps(r, Msf(r.latency.max_us)); }},
      {"latency_ms.mean", B::kLower,
       [](const MetricsReport& r) { return IfOps(r, Msf(r.latency.mean_us)); }},
      {"throughput_per_s", B::kHigher,
       [](const MetricsReport& r) { return IfOps(r, r.throughput_per_s); }},
      {"requests_per_min", B::kNeither,
       [](const MetricsReport& r) { return IfOps(r, r.requests_per_min); }},
      {"requests", B::kNeither, [](const MetricsReport& r) { return Value(D(r.requests)); }},
      {"api_calls_per_op", B::kLower,
       [](const MetricsReport& r) { return IfOps(r, r.api_calls_per_op); }},
      {"retries", B::kLower, [](const MetricsReport& r) { return Value(D(r.retries)); }},
      {"retry_ratio", B::kLower, [](const MetricsReport& r) { return Value(r.retry_ratio); }},
      {"http_429", B::kLower, [](const MetricsReport& r) { return Value(D(r.http_429)); }},
      {"http_5xx", B::kLower, [](const MetricsReport& r) { return Value(D(r.http_5xx)); }},
      {"transport_errors", B::kLower,
       [](const MetricsReport& r) { return Value(D(r.transport_errors)); }},
      {"timeouts", B::kLower, [](const MetricsReport& r) { return Value(D(r.timeouts_fired)); }},
      {"budget_exhausted", B::kLower,
       [](const MetricsReport& r) { return Value(D(r.budget_exhausted)); }},
      {"limiter_delays", B::kNeither,
       [](const MetricsReport& r) { return Value(D(r.limiter_delays)); }},
      {"limiter_delay_ms.max", B::kLower,
       [](const MetricsReport& r) { return Value(Msf(r.limiter_delay_max_us)); }},
      {"limiter_rejections", B::kLower,
       [](const MetricsReport& r) { return Value(D(r.limiter_rejections)); }},
      {"breaker_opens", B::kLower,
       [](const MetricsReport& r) { return Value(D(r.breaker_opens)); }},
      {"breaker_rejections", B::kLower,
       [](const MetricsReport& r) { return Value(D(r.breaker_rejections)); }},
      {"bulkhead_rejections", B::kLower,
       [](const MetricsReport& r) { return Value(D(r.bulkhead_rejections)); }},
      {"fallbacks_served", B::kLower,
       [](const MetricsReport& r) { return Value(D(r.fallbacks_served)); }},
      {"dlq.enqueued", B::kLower, [](const MetricsReport& r) { return Value(D(r.dlq_enqueued)); }},
      {"dlq.permanent", B::kLower,
       [](const MetricsReport& r) { return Value(D(r.dlq_permanent)); }},
      {"dlq.depth_max", B::kLower,
       [](const MetricsReport& r) { return Value(static_cast<double>(r.dlq_depth_max)); }},
      {"dlq.depth_end", B::kLower,
       [](const MetricsReport& r) { return Value(static_cast<double>(r.dlq_depth_end)); }},
      {"recovery_s", B::kLower,
       [](const MetricsReport& r) -> Value {
         switch (r.recovery) {
           case Recovery::kNoFaults:
             return 0.0;
           case Recovery::kRecovered:
             return static_cast<double>(r.recovery_us) / 1e6;
           case Recovery::kNotRecovered:
             return std::numeric_limits<double>::infinity();
         }
         return std::nullopt;
       }},
  };
  return kEntries;
}

Value IfDone(const OperationMetrics& m, double v) {
  return m.ops.finished() > 0 ? Value(v) : std::nullopt;
}

const std::vector<OpEntry>& PerOp() {
  using B = Better;
  static const std::vector<OpEntry> kEntries = {
      {"started", B::kNeither, [](const OperationMetrics& m) { return Value(D(m.ops.started)); }},
      {"failed", B::kLower, [](const OperationMetrics& m) { return Value(D(m.ops.failed)); }},
      {"success_ratio", B::kHigher,
       [](const OperationMetrics& m) { return IfDone(m, m.success_ratio); }},
      {"api_calls_per_op", B::kLower,
       [](const OperationMetrics& m) { return IfDone(m, m.api_calls_per_op); }},
      {"throughput_per_s", B::kHigher,
       [](const OperationMetrics& m) { return IfDone(m, m.throughput_per_s); }},
      {"latency_ms.p50", B::kLower,
       [](const OperationMetrics& m) { return IfDone(m, Msf(m.latency.p50_us)); }},
      {"latency_ms.p90", B::kLower,
       [](const OperationMetrics& m) { return IfDone(m, Msf(m.latency.p90_us)); }},
      {"latency_ms.p99", B::kLower,
       [](const OperationMetrics& m) { return IfDone(m, Msf(m.latency.p99_us)); }},
      {"latency_ms.max", B::kLower,
       [](const OperationMetrics& m) { return IfDone(m, Msf(m.latency.max_us)); }},
  };
  return kEntries;
}

using FlowGetter = std::function<Value(const WorkflowMetrics&)>;
using StepGetter = std::function<Value(const StepMetrics&)>;

struct FlowEntry {
  const char* name;
  Better better;
  FlowGetter get;
};

struct StepEntry {
  const char* name;
  Better better;
  StepGetter get;
};

constexpr double kInf = std::numeric_limits<double>::infinity();

Value Outcome(const WorkflowMetrics& m, engine::ItemOutcome o) {
  return D(m.items[static_cast<std::size_t>(o)]);
}

Value IfItems(const WorkflowMetrics& m, double v) {
  return m.items_finished() > 0 ? Value(v) : std::nullopt;
}

// An unfinished item makes the times to "done" infinite: the batch never finished.
Value DoneSeconds(const WorkflowMetrics& m, TimeUs us) {
  if (m.items_started == 0) return std::nullopt;
  return us < 0 ? kInf : static_cast<double>(us) / 1e6;
}

const std::vector<FlowEntry>& PerFlow() {
  using B = Better;
  using O = engine::ItemOutcome;
  static const std::vector<FlowEntry> kEntries = {
      {"items.started", B::kNeither,
       [](const WorkflowMetrics& m) { return Value(D(m.items_started)); }},
      {"items.succeeded", B::kHigher,
       [](const WorkflowMetrics& m) { return Outcome(m, O::kSucceeded); }},
      {"items.degraded", B::kLower,
       [](const WorkflowMetrics& m) { return Outcome(m, O::kDegraded); }},
      {"items.failed", B::kLower, [](const WorkflowMetrics& m) { return Outcome(m, O::kFailed); }},
      {"items.dead_lettered", B::kLower,
       [](const WorkflowMetrics& m) { return Outcome(m, O::kDeadLettered); }},
      {"items.aborted", B::kLower,
       [](const WorkflowMetrics& m) { return Outcome(m, O::kAborted); }},
      {"items.unfinished", B::kLower,
       [](const WorkflowMetrics& m) { return Value(D(m.items_unfinished)); }},
      {"items.success_ratio", B::kHigher,
       [](const WorkflowMetrics& m) {
         return IfItems(m, D(m.items[0]) / D(m.items_finished()));
       }},
      {"items_per_min", B::kHigher,
       [](const WorkflowMetrics& m) { return IfItems(m, m.items_per_min); }},
      {"makespan_s", B::kLower,
       [](const WorkflowMetrics& m) {
         return DoneSeconds(m, m.complete() ? m.makespan_us : TimeUs{-1});
       }},
      {"time_to_50pct_s", B::kLower,
       [](const WorkflowMetrics& m) { return DoneSeconds(m, m.done_p50_us); }},
      {"time_to_90pct_s", B::kLower,
       [](const WorkflowMetrics& m) { return DoneSeconds(m, m.done_p90_us); }},
      {"time_to_99pct_s", B::kLower,
       [](const WorkflowMetrics& m) { return DoneSeconds(m, m.done_p99_us); }},
      {"latency_ms.p50", B::kLower,
       [](const WorkflowMetrics& m) { return IfItems(m, Msf(m.latency.p50_us)); }},
      {"latency_ms.p90", B::kLower,
       [](const WorkflowMetrics& m) { return IfItems(m, Msf(m.latency.p90_us)); }},
      {"latency_ms.p99", B::kLower,
       [](const WorkflowMetrics& m) { return IfItems(m, Msf(m.latency.p99_us)); }},
      {"latency_ms.max", B::kLower,
       [](const WorkflowMetrics& m) { return IfItems(m, Msf(m.latency.max_us)); }},
      {"api_calls_per_item", B::kLower,
       [](const WorkflowMetrics& m) { return IfItems(m, m.api_calls_per_item); }},
      {"notion_calls_per_item", B::kLower,
       [](const WorkflowMetrics& m) { return IfItems(m, m.notion_calls_per_item); }},
      {"requests_per_min", B::kNeither,
       [](const WorkflowMetrics& m) { return IfItems(m, m.requests_per_min); }},
  };
  return kEntries;
}

Value IfRan(const StepMetrics& m, double v) { return m.runs > 0 ? Value(v) : std::nullopt; }

const std::vector<StepEntry>& PerStep() {
  using B = Better;
  static const std::vector<StepEntry> kEntries = {
      {"runs", B::kNeither, [](const StepMetrics& m) { return Value(D(m.runs)); }},
      {"failed", B::kLower, [](const StepMetrics& m) { return Value(D(m.failed)); }},
      {"calls", B::kNeither, [](const StepMetrics& m) { return Value(D(m.calls)); }},
      {"latency_ms.p50", B::kLower,
       [](const StepMetrics& m) { return IfRan(m, Msf(m.latency.p50_us)); }},
      {"latency_ms.p90", B::kLower,
       [](const StepMetrics& m) { return IfRan(m, Msf(m.latency.p90_us)); }},
      {"latency_ms.p99", B::kLower,
       [](const StepMetrics& m) { return IfRan(m, Msf(m.latency.p99_us)); }},
      {"latency_ms.max", B::kLower,
       [](const StepMetrics& m) { return IfRan(m, Msf(m.latency.max_us)); }},
  };
  return kEntries;
}

bool ValidName(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

// "workflow.<name>.<metric>" or "workflow.<name>.step.<step>.<metric>", split; nullopt when the
// shape or the metric is unknown (the names are the scenario's).
struct FlowName {
  std::string workflow;
  std::string step;  // empty: a workflow metric
  const FlowEntry* flow = nullptr;
  const StepEntry* step_entry = nullptr;
  Better better() const { return flow != nullptr ? flow->better : step_entry->better; }
};

std::optional<FlowName> SplitFlowMetric(std::string_view name) {
  constexpr std::string_view kPrefix = "workflow.";
  if (name.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  name.remove_prefix(kPrefix.size());
  const std::size_t dot = name.find('.');
  if (dot == std::string_view::npos || !ValidName(name.substr(0, dot))) return std::nullopt;
  FlowName out;
  out.workflow = std::string(name.substr(0, dot));
  std::string_view metric = name.substr(dot + 1);
  constexpr std::string_view kStep = "step.";
  if (metric.substr(0, kStep.size()) == kStep) {
    metric.remove_prefix(kStep.size());
    const std::size_t d = metric.find('.');
    if (d == std::string_view::npos || !ValidName(metric.substr(0, d))) return std::nullopt;
    out.step = std::string(metric.substr(0, d));
    metric.remove_prefix(d + 1);
    for (const StepEntry& e : PerStep()) {
      if (metric == e.name) out.step_entry = &e;
    }
    if (out.step_entry == nullptr) return std::nullopt;
    return out;
  }
  for (const FlowEntry& e : PerFlow()) {
    if (metric == e.name) out.flow = &e;
  }
  if (out.flow == nullptr) return std::nullopt;
  return out;
}

// "op.<operation>.<metric>" split into its parts, or nullopt.
std::optional<std::pair<Operation, const OpEntry*>> SplitOpMetric(std::string_view name) {
  constexpr std::string_view kPrefix = "op.";
  if (name.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  name.remove_prefix(kPrefix.size());
  const std::size_t dot = name.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  const std::optional<Operation> op = ParseOperation(name.substr(0, dot));
  if (!op) return std::nullopt;
  const std::string_view metric = name.substr(dot + 1);
  for (const OpEntry& e : PerOp()) {
    if (metric == e.name) return std::make_pair(*op, &e);
  }
  return std::nullopt;
}

}  // namespace

const std::vector<MetricInfo>& MetricNames() {
  static const std::vector<MetricInfo> kNames = [] {
    std::vector<MetricInfo> out;
    for (const Entry& e : Global()) out.push_back(MetricInfo{e.name, e.better});
    for (int i = 0; i < kOperationCount; ++i) {
      const std::string op(OperationName(static_cast<Operation>(i)));
      for (const OpEntry& e : PerOp())
        out.push_back(MetricInfo{"op." + op + "." + e.name, e.better});
    }
    return out;
  }();
  return kNames;
}

std::optional<MetricInfo> FindMetric(std::string_view name) {
  for (const Entry& e : Global()) {
    if (name == e.name) return MetricInfo{e.name, e.better};
  }
  if (auto split = SplitOpMetric(name)) return MetricInfo{std::string(name), split->second->better};
  if (auto flow = SplitFlowMetric(name)) return MetricInfo{std::string(name), flow->better()};
  return std::nullopt;
}

std::vector<std::string> WorkflowMetricSuffixes() {
  std::vector<std::string> out;
  for (const FlowEntry& e : PerFlow()) out.emplace_back(e.name);
  return out;
}

std::vector<std::string> StepMetricSuffixes() {
  std::vector<std::string> out;
  for (const StepEntry& e : PerStep()) out.emplace_back(e.name);
  return out;
}

std::optional<std::pair<std::string, std::string>> WorkflowOfMetric(std::string_view name) {
  auto flow = SplitFlowMetric(name);
  if (!flow) return std::nullopt;
  return std::make_pair(flow->workflow, flow->step);
}

std::optional<double> MetricValue(const MetricsReport& report, std::string_view name) {
  for (const Entry& e : Global()) {
    if (name == e.name) return e.get(report);
  }
  if (auto split = SplitOpMetric(name)) {
    for (const OperationMetrics& m : report.operations) {
      if (m.operation == split->first) return split->second->get(m);
    }
  }
  if (auto flow = SplitFlowMetric(name)) {
    for (const WorkflowMetrics& w : report.workflows) {
      if (w.name != flow->workflow) continue;
      if (flow->flow != nullptr) return flow->flow->get(w);
      for (const StepMetrics& s : w.steps) {
        if (s.name == flow->step) return flow->step_entry->get(s);
      }
    }
  }
  return std::nullopt;
}

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
      std::string list;
      for (const Entry& e : Global()) list += std::string(list.empty() ? "" : ", ") + e.name;
      std::string ops;
      for (const OpEntry& e : PerOp()) ops += std::string(ops.empty() ? "" : ", ") + e.name;
      std::string flows;
      for (const FlowEntry& e : PerFlow()) flows += std::string(flows.empty() ? "" : ", ") + e.name;
      std::string steps;
      for (const StepEntry& e : PerStep()) steps += std::string(steps.empty() ? "" : ", ") + e.name;
      g.Fail("metric", "unknown metric \"" + gate.metric + "\" (valid: " + list +
                           "; op.<operation>.{" + ops + "}; workflow.<workflow>.{" + flows +
                           "}; workflow.<workflow>.step.<step>.{" + steps + "})");
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
