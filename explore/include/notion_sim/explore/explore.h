// notion-sim explore: one scenario over many seeds, to find the seeds that break it.
//
// Each seed runs the scenario with that seed; with swarm testing each seed also draws the bad day
// and the stack's thresholds within the ranges below (some fault rules switched off, the rest
// sharper or milder), so N seeds try N different worlds. Every run is checked (properties.h):
// safety during the faults, then liveness after them (recovery within the scenario's
// recover_within_s on its own bad day; before the run ends on a swarm-drawn one, for which that
// bound was not set; no operation left open). Failures are deduped by signature and each
// distinct one gets a scenario file that `notion-sim run` reproduces exactly.
// Seeds that failed before (the corpus) run first. A sample of seeds runs twice and the trace
// digests must match. The scenario's "sometimes" goals must each be reached by some seed.
//
// Swarm ranges (each drawn from the seed's own Rng fork "swarm"; only what the scenario's stack
// already has is changed, and nothing the scenario's "invariants" section pins):
//   fault rule kept                 with probability 3/4 (at least one rule is kept)
//   trigger.probability             x [0.25, 2], capped at 1
//   retry_after_s                   [1, 60]
//   delay_ms                        x [0.25, 4]
//   retry.max_attempts              [2, 6]            (stacks that retry)
//   retry.initial_delay_ms          [100, 5000]       (stacks that retry)
//   breaker threshold               opossum error_threshold_percentage / r4j
//                                   failure_rate_threshold [10, 90]; consecutive_failures [1, 10]
//   breaker open duration           [1000, 60000] ms (reset_timeout / wait_duration /
//   half_open_after)
//   limiter.rate_per_s              x [0.5, 1.5]; burst [1, 2 x burst]  (token buckets)
//   workflows: batch items, arrival rate x [0.5, 1.5]; concurrency x [0.5, 2] (at least 1;
//   unbounded stays unbounded). Their steps and policies are the integration's and stay.
//
// The work is a list of items (corpus seeds, then first_seed, first_seed + 1, ...); a shard runs
// the items i with i % N == I, and MergeExplore over all shards gives the record list — and so the
// report — that one machine would. Results never depend on the thread count.
//
// Thread-safe: RunExplore runs seeds on several threads; the values are plain.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "notion_sim/engine/status.h"
#include "notion_sim/explore/common.h"
#include "notion_sim/explore/properties.h"
#include "notion_sim/scenarios/scenario.h"

namespace notion_sim::explore {

struct ExploreOptions {
  std::uint64_t seeds = 100;     // seeds after the corpus
  std::uint64_t first_seed = 0;  // 0 = the scenario's own seed
  bool swarm = false;
  std::uint32_t recheck_every = 10;   // items 0, N, 2N, ... run twice (0 = none)
  std::vector<std::uint64_t> corpus;  // seeds that failed before: run first
};

// One seed's run.
struct SeedRecord {
  std::size_t index = 0;  // position in the work list
  std::uint64_t seed = 0;
  bool from_corpus = false;
  bool rechecked = false;  // ran twice for the determinism check
  std::string digest;
  std::uint64_t ops = 0;  // operations started
  std::vector<Failure> failures;
  std::vector<std::string> goals;  // "sometimes" goals reached
};

// What one explore (or one shard of it, or a merge of shards) did.
struct ExploreRun {
  std::string scenario;  // name
  std::string scenario_hash;
  std::string path;        // the file as given
  nlohmann::json source;   // the scenario, tokens redacted (scenarios/secrets.h); failure files
                           // are derived from it
  ExploreOptions options;  // corpus included
  Shard shard;
  std::vector<SeedRecord> records;  // by index
  // Items this run (its shard) was to run: more than records.size() when it was stopped early.
  std::size_t planned = 0;
  bool partial() const { return records.size() < planned; }
};

// The seeds in work order: the corpus (deduplicated, in its order), then first_seed... skipping
// seeds already in the corpus.
std::vector<std::uint64_t> WorkList(const ExploreOptions& options, std::uint64_t scenario_seed);

// The document one seed runs: the scenario with "seed" set and, with swarm, its draws applied.
// Errors only if the scenario is not a valid document.
Result<nlohmann::json> SeedDocument(const nlohmann::json& source, std::uint64_t seed, bool swarm);

// Runs one item: builds, runs, checks (and with `recheck`, runs again and compares digests).
SeedRecord ExploreSeed(const nlohmann::json& source, const std::string& name, std::size_t index,
                       std::uint64_t seed, bool swarm, bool recheck, bool from_corpus);

// Runs the items of `shard` on `threads` threads (0 = all cores). `progress(done, total)` is
// called as items finish. Once `stop()` returns true no item starts: the run holds the items that
// finished (the first ones in work order) and is partial().
Result<ExploreRun> RunExplore(const scenarios::ScenarioSpec& spec, const ExploreOptions& options,
                              const Shard& shard, unsigned threads,
                              const std::function<void(std::size_t, std::size_t)>& progress = {},
                              const std::function<bool()>& stop = {});

// One distinct failure over all seeds.
struct DistinctFailure {
  Failure failure;  // from the first seed that showed it
  std::uint64_t first_seed = 0;
  std::size_t first_index = 0;
  std::vector<std::uint64_t> seeds;  // every seed that showed it, in work order
  std::string file;                  // failures/<name>-<signature>.json (relative to the output)
};

struct GoalTally {
  std::string goal;
  std::size_t reached = 0;  // seeds that reached it
};

struct ExploreSummary {
  std::size_t runs = 0;
  std::size_t failed_runs = 0;
  std::size_t corpus_runs = 0;
  std::size_t corpus_still_failing = 0;
  std::size_t rechecked = 0;
  std::vector<DistinctFailure> failures;  // in order of first appearance
  std::vector<GoalTally> goals;           // the scenario's "sometimes" goals
  std::vector<std::string> missed_goals;  // reached by no seed
  bool passed() const { return failures.empty() && missed_goals.empty(); }
};

ExploreSummary Summarize(const ExploreRun& run);

nlohmann::json ExploreToJson(const ExploreRun& run);
Result<ExploreRun> ExploreFromJson(const nlohmann::json& json, const std::string& name);

// Combines shards of one explore (same scenario and options, shards 0..N-1 each once, none
// partial) into the run one machine would have made. The error names what differs or is missing.
Result<ExploreRun> MergeExplore(std::vector<ExploreRun> shards);

// Writes explore.json, explore.md and failures/*.json under `out_dir` and returns the text for
// the terminal (one reproducing command per distinct failure). `corpus_file` (optional) gets the
// failing seeds, old and new, for the next run.
Result<std::string> WriteExplore(const ExploreRun& run, const std::string& out_dir,
                                 const std::string& corpus_file = "");

// The corpus of failing seeds for a scenario in `dir` ("" = none): the seeds, empty if no file.
std::string CorpusFile(const std::string& dir, const std::string& scenario, bool swarm);
Result<std::vector<std::uint64_t>> LoadCorpus(const std::string& file);

}  // namespace notion_sim::explore
