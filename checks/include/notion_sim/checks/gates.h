// Gates: absolute thresholds on a run's metrics, from the scenario's "gates" list.
//
//   "gates": [{"metric": "ops.success_ratio", "min": 0.99},
//             {"metric": "latency_ms.p99", "max": 2000},
//             {"metric": "op.create_page.api_calls_per_op", "max": 1.5}]
//
// The metrics are the catalogue's (metric_catalogue.h: MetricNames() lists them, with units,
// directions and labels; `notion-sim gate --help` prints them).
// Thread-safe: pure functions and values.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "notion_sim/checks/invariants.h"
#include "notion_sim/checks/metric_catalogue.h"
#include "notion_sim/checks/metrics.h"
#include "notion_sim/engine/json_reader.h"
#include "notion_sim/engine/status.h"

namespace notion_sim::checks {

// The engine's vocabulary, used here unqualified.
using engine::ObjectReader;

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
