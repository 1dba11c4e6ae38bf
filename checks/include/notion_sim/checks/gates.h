// Gates: absolute thresholds on a run's metrics, from the scenario's "gates" list, and the named
// metrics they (and baseline comparisons) are written against.
//
//   "gates": [{"metric": "ops.success_ratio", "min": 0.99},
//             {"metric": "latency_ms.p99", "max": 2000},
//             {"metric": "op.create_page.api_calls_per_op", "max": 1.5}]
//
// Metric names (MetricNames() lists them all; units are last in the name):
//   ops.started ops.succeeded ops.served_fallback ops.answered (succeeded + served_fallback)
//   ops.failed ops.dead_lettered ops.unfinished
//   ops.success_ratio (succeeded / finished) ops.answered_ratio (answered / finished)
//   error_budget_burn
//   latency_ms.p50 latency_ms.p90 latency_ms.p99 latency_ms.max latency_ms.mean
//   throughput_per_s requests_per_min requests api_calls_per_op retries retry_ratio
//   http_429 http_5xx transport_errors timeouts budget_exhausted
//   limiter_delays limiter_delay_ms.max limiter_rejections
//   breaker_opens breaker_rejections bulkhead_rejections fallbacks_served
//   dlq.enqueued dlq.permanent dlq.depth_max dlq.depth_end
//   recovery_s          (time to recover after the faults end: after the last fault rule stopped
//                        acting; +inf when not recovered, 0 without faults)
//   health.<service>.{healthy_ratio, degraded_s, unhealthy_s}   service: notion, upstream
//   op.<operation>.{started, failed, success_ratio, api_calls_per_op, throughput_per_s,
//                   latency_ms.p50, latency_ms.p90, latency_ms.p99, latency_ms.max}
//     for each operation name of protocol.h ("create_page", ...).
// Thread-safe: pure functions and values.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "notion_sim/checks/invariants.h"
#include "notion_sim/checks/metrics.h"
#include "notion_sim/engine/json_reader.h"
#include "notion_sim/engine/status.h"

namespace notion_sim::checks {

// The engine's vocabulary, used here unqualified.
using engine::ObjectReader;

// Which way a metric improves; baselines flag movement the other way.
enum class Better : std::uint8_t { kHigher, kLower, kNeither };

struct MetricInfo {
  std::string name;
  Better better = Better::kNeither;
};

// Every valid metric name, in a stable order (per-operation names for every operation).
const std::vector<MetricInfo>& MetricNames();
// nullopt for an unknown name.
std::optional<MetricInfo> FindMetric(std::string_view name);
// The metric's value in `report`; nullopt when the run did not measure it (no operation of that
// type ran, no latency sample...). The name must be valid.
std::optional<double> MetricValue(const MetricsReport& report, std::string_view name);

struct Gate {
  std::string metric;
  std::optional<double> min;  // the value must be >= min
  std::optional<double> max;  // the value must be <= max
};

// Reads `root`'s "gates" array (root is the object holding it, e.g. the scenario's root), absent
// = no gates. Unknown metric names are errors naming the JSON pointer and listing the valid names.
Result<std::vector<Gate>> ParseGates(ObjectReader& root);

enum class GateVerdict : std::uint8_t {
  kPass,
  kFail,
  kNoData,  // the run did not measure the metric; counts as not passed
};
std::string_view GateVerdictName(GateVerdict verdict);  // "pass", "fail", "no_data"

struct GateResult {
  Gate gate;
  GateVerdict verdict = GateVerdict::kPass;
  std::optional<double> measured;
  std::string text;  // "latency_ms.p99 = 1843.2 (max 2000): pass"

  bool passed() const { return verdict == GateVerdict::kPass; }
};

std::vector<GateResult> EvaluateGates(const std::vector<Gate>& gates, const MetricsReport& report);

// What a run ends with: the metrics, every invariant's result and every gate's.
struct RunChecks {
  MetricsReport metrics;
  std::vector<InvariantResult> invariants;
  std::vector<GateResult> gates;
};

enum class RunVerdict : std::uint8_t { kPass, kFail };
std::string_view RunVerdictName(RunVerdict verdict);  // "pass", "fail"
// kFail when an invariant was violated or a gate did not pass.
RunVerdict Judge(const RunChecks& checks);

// "%g"-style number for messages: at most 6 significant digits, "inf" for infinity.
std::string FormatNumber(double value);

}  // namespace notion_sim::checks
