// notion-sim capacity: the smallest value of one setting (a rate, a number of workers or
// tokens...) that meets targets on every one of K seeds, and what the scenario then does, said in
// words:
//
//   notion-sim capacity scenarios/capacity/enrich_backfill.json --vary
//   workload.workflows.0.tokens=1..6
//     --target 'workflow.enrich.makespan_s<=1800' --seeds 5      (one command line)
//
//   "with workload.workflows.0.tokens = 2 (2 tokens at 2.95 req/s each, 8 workers), 2,000 items of
//   enrich
//    finish in 24 min 10 s ± 31 s (item p99 3.2 s); 1 misses: makespan 47 min 2 s on seed 3"
//
// Targets are "METRIC>=BOUND" or "METRIC<=BOUND" (checks/gates.h names), judged on every seed,
// and every invariant must hold on every seed. The candidates are the values given in ascending
// order ("1..6" integers, "0.5..3:0.1" a step, or a list "1,2,4,8"). With search on (the
// default) the metric is taken to be monotone in the setting (more of it never hurts): the
// largest candidate is run first, then a binary search finds the first that meets the targets,
// so ~log2(N) candidates run instead of N; the answer's candidate met the targets and the one
// before it did not (both ran). With search off every candidate runs (a brute-force sweep) and a
// candidate that meets the targets after one that does not is reported as not monotone.
// Each candidate runs through RunSweep (the same seeds for each: common random numbers).
// Thread-safe: RunCapacity runs seeds on several threads; the rest are pure.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "notion_sim/engine/status.h"
#include "notion_sim/explore/sweep.h"
#include "notion_sim/scenarios/scenario.h"

namespace notion_sim::explore {

struct CapacitySpec {
  std::string path;                    // the setting varied ("workload.workflows.0.tokens")
  std::vector<nlohmann::json> values;  // candidates, smallest first
  std::vector<Constraint> targets;     // met on every seed
  std::uint64_t seeds = 5;
  std::uint64_t first_seed = 0;  // 0 = the scenario's seed
  bool search = true;            // binary search (monotone) or every candidate
};

// "PATH=LO..HI" (integers, step 1), "PATH=LO..HI:STEP" or "PATH=V1,V2,..."; at most 10,000
// candidates.
Result<std::pair<std::string, std::vector<nlohmann::json>>> ParseVary(std::string_view text);

// What one candidate did over the seeds.
struct CandidateResult {
  std::size_t index = 0;  // into CapacitySpec::values
  nlohmann::json value;
  bool met = false;                  // every target on every seed, every invariant held
  std::vector<std::string> unmet;    // "workflow.x.makespan_s<=1800 (4012 on seed 3)", ...
  std::vector<std::string> metrics;  // the names below
  std::vector<MetricStats> stats;    // per metric over the seeds
  std::size_t violated = 0;          // runs with an invariant broken
  std::size_t errors = 0;
  std::string context;  // "2 tokens at 2.95 req/s each, 8 workers"
};

struct CapacityResult {
  std::string scenario;
  std::string path;  // the scenario file
  CapacitySpec spec;
  std::vector<CandidateResult> evaluated;  // in the order they ran
  std::optional<std::size_t> answer;       // index into spec.values
  bool monotone = true;                    // search off: no candidate met after one that missed
  std::string sentence;                    // the answer in words
  std::size_t runs = 0;
  // Stopped early (Ctrl-C): the candidate running then is left out (its seeds did not all run),
  // and no candidate ran after it. A search has no answer then; --all keeps the smallest value
  // that met the targets when every smaller one ran.
  bool partial = false;
};

// Checks the spec against the scenario (every candidate a valid scenario, targets name its
// workflows) and runs it. `progress(done, total)` as candidates' seeds finish (total is an upper
// bound while searching). Once `stop()` returns true no run starts: the result is partial.
Result<CapacityResult> RunCapacity(
    const scenarios::ScenarioSpec& scenario, const CapacitySpec& spec, unsigned threads,
    const std::function<void(std::size_t, std::size_t)>& progress = {},
    const std::function<bool()>& stop = {});

// What capacity.json holds: the spec, every candidate that ran with its figures, the answer (the
// value or null), whether the targets were monotone, the sentence, the number of runs and whether
// it was interrupted ("partial").
nlohmann::json CapacityToJson(const CapacityResult& result);

// Writes capacity.json and capacity.md under `out_dir`; returns the terminal text.
Result<std::string> WriteCapacity(const CapacityResult& result, const std::string& out_dir);

}  // namespace notion_sim::explore
