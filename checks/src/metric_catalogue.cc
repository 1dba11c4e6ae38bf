#include "notion_sim/checks/metric_catalogue.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <limits>

#include "notion_sim/engine/protocol.h"

namespace notion_sim::checks {
namespace {

using engine::OperationName;
using engine::ParseOperation;

using Value = std::optional<double>;
using Getter = std::function<Value(const MetricsReport&)>;
using OpGetter = std::function<Value(const OperationMetrics&)>;

struct Entry {
  const char* name;
  Better better;
  Unit unit;
  const char* label;
  Getter get;
};

struct OpEntry {
  const char* name;
  Better better;
  Unit unit;
  const char* label;
  OpGetter get;
};

double D(std::uint64_t v) { return static_cast<double>(v); }
double Msf(TimeUs us) { return static_cast<double>(us) / 1e3; }

Value IfOps(const MetricsReport& r, double v) {
  return r.ops.finished() > 0 ? Value(v) : std::nullopt;
}
// n per operation started; not measured when none started.
Value PerOp(const MetricsReport& r, double n) {
  return r.ops.started > 0 ? Value(n / D(r.ops.started)) : std::nullopt;
}
// n per request sent; not measured when none was.
Value PerRequest(const MetricsReport& r, double n) {
  return r.requests > 0 ? Value(n / D(r.requests)) : std::nullopt;
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
  using U = Unit;
  using R = const MetricsReport&;
  static const std::vector<Entry> kEntries = {
      {"ops.started", B::kNeither, U::kCount, "operations started",
       [](R r) { return Value(D(r.ops.started)); }},
      {"ops.succeeded", B::kHigher, U::kCount, "operations succeeded",
       [](R r) { return Value(D(r.ops.succeeded)); }},
      {"ops.served_fallback", B::kLower, U::kCount, "served from fallback",
       [](R r) { return Value(D(r.ops.served_fallback)); }},
      {"ops.failed", B::kLower, U::kCount, "operations failed",
       [](R r) { return Value(D(r.ops.failed)); }},
      {"ops.dead_lettered", B::kLower, U::kCount, "dead-lettered",
       [](R r) { return Value(D(r.ops.dead_lettered)); }},
      {"ops.unfinished", B::kLower, U::kCount, "unfinished",
       [](R r) { return Value(D(r.ops.unfinished)); }},
      {"ops.success_ratio", B::kHigher, U::kRatio, "success ratio",
       [](R r) { return IfOps(r, r.success_ratio); }},
      {"ops.answered", B::kHigher, U::kCount, "answered (succeeded or fallback)",
       [](R r) { return Value(D(r.ops.succeeded + r.ops.served_fallback)); }},
      {"ops.answered_ratio", B::kHigher, U::kRatio, "answered ratio (succeeded or fallback)",
       [](R r) {
         return IfOps(r, D(r.ops.succeeded + r.ops.served_fallback) / D(r.ops.finished()));
       }},
      {"ops.failed_per_op", B::kLower, U::kPerOp, "failed per op",
       [](R r) { return PerOp(r, D(r.ops.failed)); }},
      {"ops.dead_lettered_per_op", B::kLower, U::kPerOp, "dead-lettered per op",
       [](R r) { return PerOp(r, D(r.ops.dead_lettered)); }},
      {"ops.served_fallback_per_op", B::kLower, U::kPerOp, "served from fallback per op",
       [](R r) { return PerOp(r, D(r.ops.served_fallback)); }},
      {"ops.unfinished_per_op", B::kLower, U::kPerOp, "unfinished per op",
       [](R r) { return PerOp(r, D(r.ops.unfinished)); }},
      {"error_budget_burn", B::kLower, U::kRatio, "error budget burn",
       [](R r) { return IfOps(r, r.error_budget_burn); }},
      {"latency_ms.p50", B::kLower, U::kMilliseconds, "latency p50",
       [](R r) { return IfOps(r, Msf(r.latency.p50_us)); }},
      {"latency_ms.p90", B::kLower, U::kMilliseconds, "latency p90",
       [](R r) { return IfOps(r, Msf(r.latency.p90_us)); }},
      {"latency_ms.p99", B::kLower, U::kMilliseconds, "latency p99",
       [](R r) { return IfOps(r, Msf(r.latency.p99_us)); }},
      {"latency_ms.max", B::kLower, U::kMilliseconds, "latency max",
       [](R r) { return IfOps(r, Msf(r.latency.max_us)); }},
      {"latency_ms.mean", B::kLower, U::kMilliseconds, "latency mean",
       [](R r) { return IfOps(r, Msf(r.latency.mean_us)); }},
      {"throughput_per_s", B::kHigher, U::kPerSecond, "throughput",
       [](R r) { return IfOps(r, r.throughput_per_s); }},
      {"requests_per_min", B::kNeither, U::kPerMinute, "requests per minute",
       [](R r) { return IfOps(r, r.requests_per_min); }},
      {"requests", B::kNeither, U::kCount, "requests", [](R r) { return Value(D(r.requests)); }},
      {"attempts_per_op", B::kLower, U::kPerOp, "attempts per op",
       [](R r) { return PerOp(r, D(r.attempts)); }},
      {"api_calls_per_op", B::kLower, U::kPerOp, "API calls per op",
       [](R r) { return IfOps(r, r.api_calls_per_op); }},
      {"retries", B::kLower, U::kCount, "retries", [](R r) { return Value(D(r.retries)); }},
      {"retries_per_op", B::kLower, U::kPerOp, "retries per op",
       [](R r) { return PerOp(r, D(r.retries)); }},
      {"retry_ratio", B::kLower, U::kRatio, "retries per attempt",
       [](R r) { return Value(r.retry_ratio); }},
      {"retry_delay_ms.mean", B::kNeither, U::kMilliseconds, "retry delay mean",
       [](R r) {
         return r.retries_scheduled > 0
                    ? Value(Msf(r.retry_delay_total_us) / D(r.retries_scheduled))
                    : std::nullopt;
       }},
      {"retry_delay_ms.max", B::kNeither, U::kMilliseconds, "retry delay max",
       [](R r) { return Value(Msf(r.retry_delay_max_us)); }},
      {"retry_after_waits_per_op", B::kNeither, U::kPerOp, "Retry-After waits per op",
       [](R r) { return PerOp(r, D(r.retry_after_honored)); }},
      {"gave_up_per_op", B::kLower, U::kPerOp, "gave up per op",
       [](R r) { return PerOp(r, D(r.retries_gave_up)); }},
      {"http_429", B::kLower, U::kCount, "answered 429", [](R r) { return Value(D(r.http_429)); }},
      {"http_429_per_request", B::kLower, U::kPerRequest, "429 per request",
       [](R r) { return PerRequest(r, D(r.http_429)); }},
      {"http_5xx", B::kLower, U::kCount, "answered 5xx", [](R r) { return Value(D(r.http_5xx)); }},
      {"http_5xx_per_request", B::kLower, U::kPerRequest, "5xx per request",
       [](R r) { return PerRequest(r, D(r.http_5xx)); }},
      {"transport_errors", B::kLower, U::kCount, "transport errors",
       [](R r) { return Value(D(r.transport_errors)); }},
      {"transport_errors_per_request", B::kLower, U::kPerRequest, "transport errors per request",
       [](R r) { return PerRequest(r, D(r.transport_errors)); }},
      {"timeouts", B::kLower, U::kCount, "timeouts fired",
       [](R r) { return Value(D(r.timeouts_fired)); }},
      {"budget_exhausted", B::kLower, U::kCount, "retries refused by the retry budget",
       [](R r) { return Value(D(r.budget_exhausted)); }},
      {"limiter_delays", B::kNeither, U::kCount, "limiter delays",
       [](R r) { return Value(D(r.limiter_delays)); }},
      {"limiter_delays_per_op", B::kNeither, U::kPerOp, "limiter delays per op",
       [](R r) { return PerOp(r, D(r.limiter_delays)); }},
      {"limiter_delay_ms.max", B::kLower, U::kMilliseconds, "longest limiter delay",
       [](R r) { return Value(Msf(r.limiter_delay_max_us)); }},
      {"limiter_rejections", B::kLower, U::kCount, "limiter rejections",
       [](R r) { return Value(D(r.limiter_rejections)); }},
      {"breaker_opens", B::kLower, U::kCount, "breaker opens",
       [](R r) { return Value(D(r.breaker_opens)); }},
      {"breaker_half_opens", B::kNeither, U::kCount, "breaker half-opens",
       [](R r) { return Value(D(r.breaker_half_opens)); }},
      {"breaker_rejections", B::kLower, U::kCount, "breaker rejections",
       [](R r) { return Value(D(r.breaker_rejections)); }},
      {"breaker_rejections_per_op", B::kLower, U::kPerOp, "breaker rejections per op",
       [](R r) { return PerOp(r, D(r.breaker_rejections)); }},
      {"bulkhead_rejections", B::kLower, U::kCount, "bulkhead rejections",
       [](R r) { return Value(D(r.bulkhead_rejections)); }},
      {"fallbacks_served", B::kLower, U::kCount, "fallbacks served",
       [](R r) { return Value(D(r.fallbacks_served)); }},
      {"dlq.enqueued", B::kLower, U::kCount, "DLQ enqueued",
       [](R r) { return Value(D(r.dlq_enqueued)); }},
      {"dlq.enqueued_per_op", B::kLower, U::kPerOp, "DLQ enqueued per op",
       [](R r) { return PerOp(r, D(r.dlq_enqueued)); }},
      {"dlq.permanent", B::kLower, U::kCount, "DLQ permanent failures",
       [](R r) { return Value(D(r.dlq_permanent)); }},
      {"dlq.depth_max", B::kLower, U::kCount, "DLQ depth max",
       [](R r) { return Value(static_cast<double>(r.dlq_depth_max)); }},
      {"dlq.depth_end", B::kLower, U::kCount, "DLQ depth at end",
       [](R r) { return Value(static_cast<double>(r.dlq_depth_end)); }},
      {"recovery_s", B::kLower, U::kSeconds, "time to recover",
       [](R r) -> Value {
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
      {"health.notion.healthy_ratio", B::kHigher, U::kRatio, "Notion healthy",
       [](R r) { return HealthOf(r, engine::Dependency::kNotion, kRatio); }},
      {"health.notion.degraded_s", B::kLower, U::kSeconds, "Notion degraded",
       [](R r) { return HealthOf(r, engine::Dependency::kNotion, kDegraded); }},
      {"health.notion.unhealthy_s", B::kLower, U::kSeconds, "Notion unhealthy",
       [](R r) { return HealthOf(r, engine::Dependency::kNotion, kUnhealthy); }},
      {"health.upstream.healthy_ratio", B::kHigher, U::kRatio, "upstream healthy",
       [](R r) { return HealthOf(r, engine::Dependency::kUpstream, kRatio); }},
      {"health.upstream.degraded_s", B::kLower, U::kSeconds, "upstream degraded",
       [](R r) { return HealthOf(r, engine::Dependency::kUpstream, kDegraded); }},
      {"health.upstream.unhealthy_s", B::kLower, U::kSeconds, "upstream unhealthy",
       [](R r) { return HealthOf(r, engine::Dependency::kUpstream, kUnhealthy); }},
  };
  return kEntries;
}

Value IfDone(const OperationMetrics& m, double v) {
  return m.ops.finished() > 0 ? Value(v) : std::nullopt;
}

const std::vector<OpEntry>& PerOperation() {
  using B = Better;
  using U = Unit;
  using M = const OperationMetrics&;
  static const std::vector<OpEntry> kEntries = {
      {"started", B::kNeither, U::kCount, "started", [](M m) { return Value(D(m.ops.started)); }},
      {"failed", B::kLower, U::kCount, "failed", [](M m) { return Value(D(m.ops.failed)); }},
      {"success_ratio", B::kHigher, U::kRatio, "success ratio",
       [](M m) { return IfDone(m, m.success_ratio); }},
      {"api_calls_per_op", B::kLower, U::kPerOp, "API calls per op",
       [](M m) { return IfDone(m, m.api_calls_per_op); }},
      {"throughput_per_s", B::kHigher, U::kPerSecond, "throughput",
       [](M m) { return IfDone(m, m.throughput_per_s); }},
      {"latency_ms.p50", B::kLower, U::kMilliseconds, "latency p50",
       [](M m) { return IfDone(m, Msf(m.latency.p50_us)); }},
      {"latency_ms.p90", B::kLower, U::kMilliseconds, "latency p90",
       [](M m) { return IfDone(m, Msf(m.latency.p90_us)); }},
      {"latency_ms.p99", B::kLower, U::kMilliseconds, "latency p99",
       [](M m) { return IfDone(m, Msf(m.latency.p99_us)); }},
      {"latency_ms.max", B::kLower, U::kMilliseconds, "latency max",
       [](M m) { return IfDone(m, Msf(m.latency.max_us)); }},
  };
  return kEntries;
}

// Workflow and step metrics: "workflow.<workflow>.<metric>" and
// "workflow.<workflow>.step.<step>.<metric>"; which workflows and steps exist is the scenario's.
using FlowGetter = std::function<Value(const WorkflowMetrics&)>;
using StepGetter = std::function<Value(const StepMetrics&)>;

struct FlowEntry {
  const char* name;
  Better better;
  Unit unit;
  const char* label;
  FlowGetter get;
};

struct StepEntry {
  const char* name;
  Better better;
  Unit unit;
  const char* label;
  StepGetter get;
};

Value Outcome(const WorkflowMetrics& m, engine::ItemOutcome o) {
  return D(m.items[static_cast<std::size_t>(o)]);
}

Value IfItems(const WorkflowMetrics& m, double v) {
  return m.items_finished() > 0 ? Value(v) : std::nullopt;
}

// An unfinished item makes the times to "done" infinite: the batch never finished.
Value DoneSeconds(const WorkflowMetrics& m, TimeUs us) {
  if (m.items_started == 0) return std::nullopt;
  return us < 0 ? std::numeric_limits<double>::infinity() : static_cast<double>(us) / 1e6;
}

const std::vector<FlowEntry>& PerFlow() {
  using B = Better;
  using U = Unit;
  using O = engine::ItemOutcome;
  using W = const WorkflowMetrics&;
  static const std::vector<FlowEntry> kEntries = {
      {"items.started", B::kNeither, U::kCount, "items started",
       [](W m) { return Value(D(m.items_started)); }},
      {"items.succeeded", B::kHigher, U::kCount, "items succeeded",
       [](W m) { return Outcome(m, O::kSucceeded); }},
      {"items.degraded", B::kLower, U::kCount, "items degraded",
       [](W m) { return Outcome(m, O::kDegraded); }},
      {"items.failed", B::kLower, U::kCount, "items failed",
       [](W m) { return Outcome(m, O::kFailed); }},
      {"items.dead_lettered", B::kLower, U::kCount, "items dead-lettered",
       [](W m) { return Outcome(m, O::kDeadLettered); }},
      {"items.aborted", B::kLower, U::kCount, "items aborted",
       [](W m) { return Outcome(m, O::kAborted); }},
      {"items.unfinished", B::kLower, U::kCount, "items unfinished",
       [](W m) { return Value(D(m.items_unfinished)); }},
      {"items.success_ratio", B::kHigher, U::kRatio, "item success ratio",
       [](W m) { return IfItems(m, D(m.items[0]) / D(m.items_finished())); }},
      {"items_per_min", B::kHigher, U::kPerMinute, "items per minute",
       [](W m) { return IfItems(m, m.items_per_min); }},
      {"makespan_s", B::kLower, U::kSeconds, "makespan",
       [](W m) { return DoneSeconds(m, m.complete() ? m.makespan_us : TimeUs{-1}); }},
      {"time_to_50pct_s", B::kLower, U::kSeconds, "time to 50 % done",
       [](W m) { return DoneSeconds(m, m.done_p50_us); }},
      {"time_to_90pct_s", B::kLower, U::kSeconds, "time to 90 % done",
       [](W m) { return DoneSeconds(m, m.done_p90_us); }},
      {"time_to_99pct_s", B::kLower, U::kSeconds, "time to 99 % done",
       [](W m) { return DoneSeconds(m, m.done_p99_us); }},
      {"latency_ms.p50", B::kLower, U::kMilliseconds, "item latency p50",
       [](W m) { return IfItems(m, Msf(m.latency.p50_us)); }},
      {"latency_ms.p90", B::kLower, U::kMilliseconds, "item latency p90",
       [](W m) { return IfItems(m, Msf(m.latency.p90_us)); }},
      {"latency_ms.p99", B::kLower, U::kMilliseconds, "item latency p99",
       [](W m) { return IfItems(m, Msf(m.latency.p99_us)); }},
      {"latency_ms.max", B::kLower, U::kMilliseconds, "item latency max",
       [](W m) { return IfItems(m, Msf(m.latency.max_us)); }},
      {"api_calls_per_item", B::kLower, U::kPerItem, "API calls per item",
       [](W m) { return IfItems(m, m.api_calls_per_item); }},
      {"notion_calls_per_item", B::kLower, U::kPerItem, "Notion calls per item",
       [](W m) { return IfItems(m, m.notion_calls_per_item); }},
      {"requests_per_min", B::kNeither, U::kPerMinute, "Notion requests per minute",
       [](W m) { return IfItems(m, m.requests_per_min); }},
  };
  return kEntries;
}

Value IfRan(const StepMetrics& m, double v) { return m.runs > 0 ? Value(v) : std::nullopt; }

const std::vector<StepEntry>& PerStep() {
  using B = Better;
  using U = Unit;
  using S = const StepMetrics&;
  static const std::vector<StepEntry> kEntries = {
      {"runs", B::kNeither, U::kCount, "step runs", [](S m) { return Value(D(m.runs)); }},
      {"failed", B::kLower, U::kCount, "step failures", [](S m) { return Value(D(m.failed)); }},
      {"calls", B::kNeither, U::kCount, "step calls", [](S m) { return Value(D(m.calls)); }},
      {"latency_ms.p50", B::kLower, U::kMilliseconds, "step latency p50",
       [](S m) { return IfRan(m, Msf(m.latency.p50_us)); }},
      {"latency_ms.p90", B::kLower, U::kMilliseconds, "step latency p90",
       [](S m) { return IfRan(m, Msf(m.latency.p90_us)); }},
      {"latency_ms.p99", B::kLower, U::kMilliseconds, "step latency p99",
       [](S m) { return IfRan(m, Msf(m.latency.p99_us)); }},
      {"latency_ms.max", B::kLower, U::kMilliseconds, "step latency max",
       [](S m) { return IfRan(m, Msf(m.latency.max_us)); }},
  };
  return kEntries;
}

bool ValidName(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

// "workflow.<name>.<metric>" or "workflow.<name>.step.<step>.<metric>", split; nullopt when the
// shape or the metric is unknown.
struct FlowName {
  std::string workflow;
  std::string step;  // empty: a workflow metric
  const FlowEntry* flow = nullptr;
  const StepEntry* step_entry = nullptr;
  MetricInfo Info(std::string_view name) const {
    if (flow != nullptr) {
      return MetricInfo{std::string(name), flow->better, flow->unit, workflow + " " + flow->label};
    }
    return MetricInfo{std::string(name), step_entry->better, step_entry->unit,
                      workflow + "/" + step + " " + step_entry->label};
  }
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

MetricInfo InfoOf(const Entry& e) { return MetricInfo{e.name, e.better, e.unit, e.label}; }

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
  for (const OpEntry& e : PerOperation()) {
    if (metric == e.name) return std::make_pair(*op, &e);
  }
  return std::nullopt;
}

}  // namespace

std::string_view UnitName(Unit unit) {
  switch (unit) {
    case Unit::kCount:
      return "count";
    case Unit::kRatio:
      return "ratio";
    case Unit::kMilliseconds:
      return "ms";
    case Unit::kSeconds:
      return "s";
    case Unit::kPerSecond:
      return "per s";
    case Unit::kPerMinute:
      return "per min";
    case Unit::kPerOp:
      return "per op";
    case Unit::kPerRequest:
      return "per request";
    case Unit::kPerItem:
      return "per item";
  }
  return "?";
}

const std::vector<MetricInfo>& MetricNames() {
  static const std::vector<MetricInfo> kNames = [] {
    std::vector<MetricInfo> out;
    for (const Entry& e : Global()) out.push_back(InfoOf(e));
    for (int i = 0; i < kOperationCount; ++i) {
      const std::string op(OperationName(static_cast<Operation>(i)));
      for (const OpEntry& e : PerOperation()) {
        out.push_back(MetricInfo{"op." + op + "." + e.name, e.better, e.unit, op + " " + e.label});
      }
    }
    return out;
  }();
  return kNames;
}

std::optional<MetricInfo> FindMetric(std::string_view name) {
  for (const Entry& e : Global()) {
    if (name == e.name) return InfoOf(e);
  }
  if (auto split = SplitOpMetric(name)) {
    const OpEntry& e = *split->second;
    return MetricInfo{std::string(name), e.better, e.unit,
                      std::string(OperationName(split->first)) + " " + e.label};
  }
  if (auto flow = SplitFlowMetric(name)) return flow->Info(name);
  return std::nullopt;
}

std::vector<MetricInfo> MetricNamesOf(const MetricsReport& report) {
  std::vector<MetricInfo> out = MetricNames();
  for (const WorkflowMetrics& w : report.workflows) {
    const std::string flow = "workflow." + w.name + ".";
    for (const FlowEntry& e : PerFlow()) {
      out.push_back(MetricInfo{flow + e.name, e.better, e.unit, w.name + " " + e.label});
    }
    for (const StepMetrics& s : w.steps) {
      for (const StepEntry& e : PerStep()) {
        out.push_back(MetricInfo{flow + "step." + s.name + "." + e.name, e.better, e.unit,
                                 w.name + "/" + s.name + " " + e.label});
      }
    }
  }
  return out;
}

std::optional<std::pair<std::string, std::string>> WorkflowOfMetric(std::string_view name) {
  auto flow = SplitFlowMetric(name);
  if (!flow) return std::nullopt;
  return std::make_pair(flow->workflow, flow->step);
}

const std::vector<MetricInfo>& OperationMetricTemplates() {
  static const std::vector<MetricInfo> kNames = [] {
    std::vector<MetricInfo> out;
    for (const OpEntry& e : PerOperation()) {
      out.push_back(MetricInfo{std::string("op.<operation>.") + e.name, e.better, e.unit, e.label});
    }
    return out;
  }();
  return kNames;
}

const std::vector<MetricInfo>& WorkflowMetricTemplates() {
  static const std::vector<MetricInfo> kNames = [] {
    std::vector<MetricInfo> out;
    for (const FlowEntry& e : PerFlow()) {
      out.push_back(
          MetricInfo{std::string("workflow.<workflow>.") + e.name, e.better, e.unit, e.label});
    }
    for (const StepEntry& e : PerStep()) {
      out.push_back(MetricInfo{std::string("workflow.<workflow>.step.<step>.") + e.name, e.better,
                               e.unit, e.label});
    }
    return out;
  }();
  return kNames;
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

std::string MetricNameList() {
  std::string list;
  for (const Entry& e : Global()) list += std::string(list.empty() ? "" : ", ") + e.name;
  std::string ops;
  for (const OpEntry& e : PerOperation()) ops += std::string(ops.empty() ? "" : ", ") + e.name;
  std::string flows;
  for (const FlowEntry& e : PerFlow()) flows += std::string(flows.empty() ? "" : ", ") + e.name;
  std::string steps;
  for (const StepEntry& e : PerStep()) steps += std::string(steps.empty() ? "" : ", ") + e.name;
  return list + "; op.<operation>.{" + ops + "}; workflow.<workflow>.{" + flows +
         "}; workflow.<workflow>.step.<step>.{" + steps + "}";
}

const std::vector<std::string>& ComparedMetrics() {
  static const std::vector<std::string> kNames = {"ops.success_ratio",
                                                  "ops.failed_per_op",
                                                  "ops.dead_lettered_per_op",
                                                  "ops.served_fallback_per_op",
                                                  "ops.unfinished_per_op",
                                                  "attempts_per_op",
                                                  "api_calls_per_op",
                                                  "retries_per_op",
                                                  "retry_delay_ms.mean",
                                                  "retry_delay_ms.max",
                                                  "retry_after_waits_per_op",
                                                  "gave_up_per_op",
                                                  "http_429_per_request",
                                                  "http_5xx_per_request",
                                                  "transport_errors_per_request",
                                                  "limiter_delays_per_op",
                                                  "breaker_opens",
                                                  "breaker_half_opens",
                                                  "breaker_rejections_per_op",
                                                  "dlq.enqueued_per_op",
                                                  "dlq.depth_end",
                                                  "latency_ms.p50",
                                                  "latency_ms.p99"};
  return kNames;
}

}  // namespace notion_sim::checks
