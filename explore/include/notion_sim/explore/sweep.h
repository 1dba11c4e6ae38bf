// notion-sim sweep: tune thresholds before production. A grid of settings (each a dotted path into
// the scenario and its values) makes configurations; each runs over K seeds (the same seeds for
// every configuration, so they face the same bad days); the metrics the user names are aggregated
// (mean, standard deviation, min, max), the Pareto frontier over the objectives is found among the
// configurations that kept every invariant, and one is recommended under the constraints.
//
//   notion-sim sweep scenarios/library/storm_429.json --seeds 5
//     --grid 'stack.retry.max_attempts=2,3,5'
//     --grid 'stack.breaker.error_threshold_percentage=25,50'
//     --objective ops.success_ratio --objective api_calls_per_op
//     --constraint 'ops.success_ratio>=0.95'          (one command line)
//
// or the same as a sweep file ({"grid": {"stack.retry.max_attempts": [2, 3, 5]}, "seeds": 5,
// "objectives": ["ops.success_ratio", "api_calls_per_op:min"], "constraints": [...]}).
//
// Run i (configuration i / K, seed i % K) belongs to shard I of N when i % N == I; MergeSweep
// over all shards gives the runs — and so the report — of one machine. Results never depend on the
// thread count: each run is independent and the aggregation goes in run order.
//
// Random search: besides (or instead of) the grid, ranges ("--range PATH=LO..HI") sampled N times
// ("--samples N") by a Latin hypercube (each range cut into N strata, each stratum used once, the
// strata of different ranges paired at random) or uniformly; integers when LO and HI are written
// as integers, else rounded to 4 significant digits. The draws come from an Rng seeded by
// "sample_seed" (default 1), so the configurations are the same on every machine and shard;
// configurations = every grid point x every sample.
//
// Constraints are judged on the mean of the seeds, or with "every seed" on each seed (the worst
// one: what a capacity target means).
//
// The recommendation: among configurations with no invariant violation, no error and every
// constraint met (by the mean, or on every seed), the best by the first objective, ties broken by
// the next ones, then by grid order. Thread-safe: RunSweep runs on several threads; the rest are
// pure functions.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "notion_sim/engine/status.h"
#include "notion_sim/explore/common.h"
#include "notion_sim/scenarios/scenario.h"

namespace notion_sim::explore {

struct Axis {
  std::string path;                    // "stack.retry.max_attempts"
  std::vector<nlohmann::json> values;  // in the order given
};

struct Objective {
  std::string metric;  // a metric name of checks/gates.h
  bool maximize = true;
  std::string Text() const { return metric + (maximize ? ":max" : ":min"); }
};

struct Constraint {
  std::string metric;
  bool at_least = true;  // >= bound, else <= bound
  double bound = 0;
  std::string Text() const;
};

struct Range {
  std::string path;
  double lo = 0;
  double hi = 0;
  bool integer = false;  // LO and HI were written as integers: integer values
};

enum class Sampler : std::uint8_t { kLatinHypercube, kUniform };
std::string_view SamplerName(Sampler sampler);  // "lhs", "uniform"

struct SweepSpec {
  std::vector<Axis> grid;
  std::vector<Range> ranges;
  std::uint64_t samples = 0;  // with ranges: how many draws (default 20)
  Sampler sampler = Sampler::kLatinHypercube;
  std::uint64_t sample_seed = 1;
  bool every_seed = false;  // constraints must hold on every seed, not only on the mean
  std::uint64_t seeds = 5;
  std::uint64_t first_seed = 0;  // 0 = the scenario's seed
  std::vector<Objective> objectives;
  std::vector<Constraint> constraints;
};

// 'path=v1,v2,...' (values as in ParseValue).
Result<Axis> ParseGrid(std::string_view text);
// 'path=LO..HI' (LO < HI, finite).
Result<Range> ParseRange(std::string_view text);
// "metric" (the direction the metric improves in), "metric:max" or "metric:min".
Result<Objective> ParseObjective(std::string_view text);
// "metric>=bound" or "metric<=bound".
Result<Constraint> ParseConstraint(std::string_view text);
// A sweep file's document; errors name the file and the JSON path.
Result<SweepSpec> ParseSweepFile(const nlohmann::json& doc, const std::string& name);
// Fills defaults (objectives ops.success_ratio:max and api_calls_per_op:min) and checks the grid
// against the scenario: every configuration must be a valid scenario. Errors name the setting.
Status PrepareSweep(const scenarios::ScenarioSpec& spec, SweepSpec& sweep);

// The configurations in grid order (the last axis varies fastest), each grid point followed by
// its samples of the ranges: [{path, value}, ...].
std::vector<std::vector<std::pair<std::string, nlohmann::json>>> Configurations(
    const SweepSpec& sweep);
// "retry.max_attempts=3, breaker.error_threshold_percentage=25" (the "stack." prefix dropped).
std::string ConfigLabel(const std::vector<std::pair<std::string, nlohmann::json>>& config);
// The metrics recorded per run: the objectives', then the constraints' (each once).
std::vector<std::string> SweepMetrics(const SweepSpec& sweep);

struct SweepRecord {
  std::size_t index = 0;  // config * seeds + k
  std::size_t config = 0;
  std::uint64_t seed = 0;
  bool held = true;  // every invariant held
  std::string digest;
  std::string error;           // the run could not be built
  std::vector<double> values;  // SweepMetrics order; NaN = not measured
};

struct SweepRun {
  std::string scenario;
  std::string scenario_hash;
  std::string path;
  nlohmann::json source;  // the scenario, tokens redacted (scenarios/secrets.h)
  SweepSpec spec;
  Shard shard;
  std::vector<SweepRecord> runs;  // by index
  // Runs this sweep (its shard) was to make: more than runs.size() when it was stopped early.
  std::size_t planned = 0;
  bool partial() const { return runs.size() < planned; }
};

// Runs the shard's part of the grid on `threads` threads (0 = all cores); `progress(done, total)`
// as runs finish. Once `stop()` returns true no run starts: the sweep holds the runs that
// finished (the first ones: whole configurations in grid order, then part of one) and is
// partial().
Result<SweepRun> RunSweep(const scenarios::ScenarioSpec& scenario, const SweepSpec& sweep,
                          const Shard& shard, unsigned threads,
                          const std::function<void(std::size_t, std::size_t)>& progress = {},
                          const std::function<bool()>& stop = {});

struct MetricStats {
  std::size_t n = 0;  // runs that measured it
  double mean = 0;
  double sd = 0;  // sample standard deviation (0 for one run; NaN when a value is infinite)
  double min = 0;
  double max = 0;
};

struct ConfigSummary {
  std::size_t config = 0;
  std::string label;
  std::size_t runs = 0;
  std::size_t violated = 0;  // runs with an invariant violation
  std::size_t errors = 0;
  std::vector<MetricStats> metrics;  // SweepMetrics order
  std::vector<std::string> unmet;    // constraints its means do not meet
  bool complete = true;              // ran every seed of its shard (false only in a partial sweep)
  bool safe = false;                 // complete, no violation, no error
  bool feasible = false;             // safe and every constraint met
  bool on_frontier = false;          // not dominated on the objectives by another safe config
};

struct SweepSummary {
  std::vector<std::string> metrics;
  std::vector<ConfigSummary> configs;
  std::optional<std::size_t> recommended;
  std::string why;  // one sentence
  // Configurations whose runs had the same trace digest on every seed: the settings that differ
  // between them had no effect on this scenario (e.g. a threshold of a breaker that never opens).
  std::vector<std::vector<std::size_t>> identical;
};

SweepSummary SummarizeSweep(const SweepRun& run);

nlohmann::json SweepToJson(const SweepRun& run);
Result<SweepRun> SweepFromJson(const nlohmann::json& json, const std::string& name);
// Combines the shards of one sweep (none partial) into the sweep one machine would have made.
Result<SweepRun> MergeSweep(std::vector<SweepRun> shards);

// Writes sweep.json, sweep.md (the table, frontier and recommendation), sweep.csv and sweep.html
// (the table and the frontier charts) under `out_dir`; returns the terminal text. sweep.csv has a
// row per configuration: its index, one column per grid axis (named by its path) holding the
// value, the label, the counts and flags, then mean, sd, min and max of each metric, numbers in
// full precision (they read back to the same double), empty when not measured.
Result<std::string> WriteSweep(const SweepRun& run, const std::string& out_dir);

}  // namespace notion_sim::explore
