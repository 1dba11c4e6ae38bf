#include "notion_sim/checks/metric_catalogue.h"

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

std::string MetricNameList() {
  std::string list;
  for (const Entry& e : Global()) list += std::string(list.empty() ? "" : ", ") + e.name;
  std::string ops;
  for (const OpEntry& e : PerOperation()) ops += std::string(ops.empty() ? "" : ", ") + e.name;
  return list + "; and op.<operation>.{" + ops + "}";
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
