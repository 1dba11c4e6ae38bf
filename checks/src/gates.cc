#include "notion_sim/checks/gates.h"

#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>

namespace notion_sim::checks {

using engine::Dependency;
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

// A service's health figure; no data when the run did not talk to it.
enum HealthFigure { kRatio, kDegraded, kUnhealthy };
Value HealthOf(const MetricsReport& r, engine::Dependency service, HealthFigure figure) {
  for (const ServiceHealth& h : r.health) {
    if (h.service != service) continue;
    switch (figure) {
      case kRatio:
        return h.healthy_ratio();
      case kDegraded:
        return static_cast<double>(h.degraded_us) / 1e6;
      case kUnhealthy:
        return static_cast<double>(h.unhealthy_us) / 1e6;
    }
  }
  return std::nullopt;
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
      {"ops.answered", B::kHigher,
       [](const MetricsReport& r) { return Value(D(r.ops.succeeded + r.ops.served_fallback)); }},
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
      {"health.notion.healthy_ratio", B::kHigher,
       [](const MetricsReport& r) { return HealthOf(r, Dependency::kNotion, kRatio); }},
      {"health.notion.degraded_s", B::kLower,
       [](const MetricsReport& r) { return HealthOf(r, Dependency::kNotion, kDegraded); }},
      {"health.notion.unhealthy_s", B::kLower,
       [](const MetricsReport& r) { return HealthOf(r, Dependency::kNotion, kUnhealthy); }},
      {"health.upstream.healthy_ratio", B::kHigher,
       [](const MetricsReport& r) { return HealthOf(r, Dependency::kUpstream, kRatio); }},
      {"health.upstream.degraded_s", B::kLower,
       [](const MetricsReport& r) { return HealthOf(r, Dependency::kUpstream, kDegraded); }},
      {"health.upstream.unhealthy_s", B::kLower,
       [](const MetricsReport& r) { return HealthOf(r, Dependency::kUpstream, kUnhealthy); }},
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
  return std::nullopt;
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
      g.Fail("metric", "unknown metric \"" + gate.metric + "\" (valid: " + list +
                           "; and op.<operation>.{" + ops + "})");
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
