// The metric catalogue: every named metric of a run, once — its name, unit, which way is better,
// a label for people, and how it is read from a MetricsReport. Gates (gates.h), baselines
// (`gate --baseline`), sim-vs-live comparisons (`compare`) and sweeps (objectives, constraints)
// all read this one list, so a metric means the same everywhere.
//
//   std::optional<MetricInfo> m = FindMetric("latency_ms.p99");   // unit kMilliseconds, kLower
//   std::optional<double> v = MetricValue(report, "latency_ms.p99");
//
// Names: units last ("latency_ms.p99", "recovery_s"); "<thing>_per_op" per operation started and
// "<thing>_per_request" per request, so runs of different lengths compare;
// "op.<operation>.<metric>" for each operation name of protocol.h ("op.create_page.failed");
// "workflow.<workflow>.<metric>" and "workflow.<workflow>.step.<step>.<metric>" for a scenario's
// workflows and steps (makespan_s and the time_to_* are +inf while an item is unfinished). Which
// workflows exist is the scenario's business: FindMetric accepts any well-formed workflow name,
// the scenario loader checks its own.
// Thread-safe: constants and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "notion_sim/checks/metrics.h"

namespace notion_sim::checks {

// Which way a metric improves; baselines flag movement the other way.
enum class Better : std::uint8_t { kHigher, kLower, kNeither };

enum class Unit : std::uint8_t {
  kCount,
  kRatio,  // a fraction in [0, 1] (or a burn rate, 1 = exactly the budget)
  kMilliseconds,
  kSeconds,
  kPerSecond,
  kPerMinute,
  kPerOp,       // per operation started
  kPerRequest,  // per request sent
  kPerItem,     // per workflow item finished
};
// "count", "ratio", "ms", "s", "per s", "per min", "per op", "per request", "per item"
std::string_view UnitName(Unit unit);

struct MetricInfo {
  std::string name;
  Better better = Better::kNeither;
  Unit unit = Unit::kCount;
  std::string label;  // "latency p99", "attempts per op"
};

// Every valid metric name, in a stable order (per-operation names for every operation).
const std::vector<MetricInfo>& MetricNames();
// nullopt for an unknown name.
std::optional<MetricInfo> FindMetric(std::string_view name);
// The metric's value in `report`; nullopt when the run did not measure it (no operation of that
// type ran, no latency sample, no operation started for a per-op ratio...). The name must be
// valid.
std::optional<double> MetricValue(const MetricsReport& report, std::string_view name);
// The per-operation metrics once, named "op.<operation>.<metric>" (for help and docs, where
// MetricNames()' copy per operation would be noise).
const std::vector<MetricInfo>& OperationMetricTemplates();
// The workflow and step metrics with "<workflow>" and "<step>" in their names, in catalogue order
// (for help and docs; MetricNames() cannot list them: the names are the scenario's).
const std::vector<MetricInfo>& WorkflowMetricTemplates();
// MetricNames() and, for each workflow of `report` and each of its steps, the workflow and step
// metrics under their names ("workflow.enrich.makespan_s"): every metric the run could have.
std::vector<MetricInfo> MetricNamesOf(const MetricsReport& report);
// For a workflow metric: the (workflow, step) it names (step empty for a workflow metric).
std::optional<std::pair<std::string, std::string>> WorkflowOfMetric(std::string_view name);
// "ops.started, ...; op.<operation>.{started, ...}; workflow.<workflow>.{...};
// workflow.<workflow>.step.<step>.{...}", for errors.
std::string MetricNameList();

// The metrics `notion-sim compare` lays side by side for a simulated and a live run: outcomes,
// attempts, retries and their delays, Retry-After waits, limiter, breaker and DLQ activity, per
// operation or per request where a count would depend on the run's length; then latency.
const std::vector<std::string>& ComparedMetrics();

}  // namespace notion_sim::checks
