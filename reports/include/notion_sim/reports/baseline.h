// Baseline comparison: the metrics of a run against those of an earlier run of the same
// scenarios, for `notion-sim gate --baseline`. A metric that moved the wrong way (MetricInfo::
// better) by more than its tolerance is a regression; a tolerance is a fraction of the baseline
// value (0.05 = 5 %). Scenarios are matched by name (and seed, when a name occurs more than once).
// Thread-safe: pure functions.
#pragma once

#include <map>
#include <optional>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "notion_sim/checks/gates.h"
#include "notion_sim/engine/status.h"
#include "notion_sim/scenarios/run.h"

namespace notion_sim::reports {

struct Tolerances {
  double global = 0.05;
  std::map<std::string, double> per_metric;  // metric name -> fraction
  double For(const std::string& metric) const;
};

// Reads a fraction given as `flag` on the command line: "0.05" or "5%". A bare number above 1 is
// refused (5 would mean 500 %); the message names the flag and both ways to write it.
Result<double> ParseFractionFlag(const std::string& flag, const std::string& text);

// Parses one --tolerance value: "0.1", "10%", "latency_ms.p99=0.2" or "latency_ms.p99=20%".
// Unknown metric names are errors listing how to find the valid ones.
Status ParseTolerance(const std::string& text, Tolerances& tolerances);

enum class Change : std::uint8_t { kWithin, kImproved, kRegressed, kLostData };
std::string_view ChangeName(Change change);  // "within", "improved", "regressed", "lost_data"

struct MetricDelta {
  std::string scenario;
  std::string metric;
  std::optional<double> baseline;
  std::optional<double> current;
  double tolerance = 0;
  Change change = Change::kWithin;
  std::string text;  // "latency_ms.p99 1843.2 -> 2100 (+13.9 %, tolerance 5 %)"
};

struct Comparison {
  std::vector<MetricDelta> deltas;  // every metric compared, in scenario then metric order
  std::vector<std::string> without_baseline;  // scenarios in the results but not the baseline
  std::vector<std::string> missing;           // scenarios in the baseline but not the results
  std::size_t regressions = 0;                // kRegressed + kLostData
};

// `metrics` restricts the comparison (empty: every metric with a direction, per-operation
// metrics for the operations either run measured).
Comparison CompareToBaseline(const std::vector<scenarios::RunResult>& baseline,
                             const std::vector<scenarios::RunResult>& current,
                             const Tolerances& tolerances,
                             const std::vector<std::string>& metrics = {});

// The comparison as files CI reads, written by `gate --baseline --out DIR`: Markdown for a step
// summary (regressions first, then improvements, then every metric compared), JUnit (one suite
// per scenario, "<scenario>.baseline", one case per metric; a regression or lost data is a
// <failure type="regression">) and JSON ({"regressions", "deltas": [{scenario, metric, baseline,
// current, tolerance, change, text}], "without_baseline", "missing"}).
std::string BaselineMarkdown(const Comparison& comparison);
std::string BaselineJunit(const Comparison& comparison);
nlohmann::json BaselineJson(const Comparison& comparison);

}  // namespace notion_sim::reports
