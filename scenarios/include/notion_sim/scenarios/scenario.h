// ScenarioSpec: a scenario file, loaded and validated.
//
// A scenario says what traffic to send (workload), through which stack (profile + overrides),
// against what world (the fake's workspace, network model and fault plan), for how long (a safety
// phase with faults, then a liveness phase without), and what must hold (invariants, gates).
// Loading is strict: unknown fields are errors, and every error names the file, line and column,
// the JSON path and what was expected. Thread-safe as a value.
//
// The sections owned by other folders (stack, faults, network, workspace, upstream, invariants,
// gates) are validated at load time by those folders' parsers; the spec keeps the whole file as
// JSON (`source`), so it can be re-run, mutated (sweeps, swarm testing) and written back out.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "notion_sim/engine/protocol.h"
#include "notion_sim/engine/status.h"
#include "notion_sim/engine/time.h"
#include "notion_sim/engine/transport.h"

namespace notion_sim::scenarios {

enum class Arrival : std::uint8_t {
  kConstant,  // evenly spaced at rate_per_s
  kPoisson,   // exponential gaps with mean 1/rate_per_s
  kBursts,    // burst_size arrivals at once every burst_every_us (plus rate_per_s in between)
  kDaily,     // Poisson whose rate follows a daily curve from trough to peak and back
};
std::string_view ArrivalName(Arrival arrival);

struct TenantSpec {
  std::string name;
  std::string token;  // the bearer token the fake knows this tenant by (simulation only)
};

// One stream of operations of one kind.
struct OpStream {
  engine::Operation operation = engine::Operation::kCreatePage;
  Arrival arrival = Arrival::kConstant;
  double rate_per_s = 1.0;
  TimeUs from_us = 0;            // no arrival before
  TimeUs until_us = kTimeNever;  // no arrival at or after (the run's duration caps it too)
  std::uint64_t max_ops = UINT64_MAX;
  TimeUs burst_every_us = Min(1);      // kBursts
  std::uint32_t burst_size = 10;       // kBursts
  double peak_per_s = 0;               // kDaily (rate_per_s is the trough)
  TimeUs period_us = kUsPerHour * 24;  // kDaily
  std::uint16_t tenant = 0;
  engine::Lane lane = engine::Lane::kNormal;
  std::uint32_t children = 3;     // append_blocks: children per request (> 100 is invalid)
  std::uint32_t page_size = 100;  // list/query/search
};

enum class CheckpointApproach : std::uint8_t {
  kA,  // advance only past the last contiguous success
  kB,  // advance fully; failures go to the DLQ
};

// A batch sync job: `records` operations released at `start_us`, `pace_us` apart, on the bulk
// lane by default; the checkpoint advances by `approach`.
struct BatchSpec {
  std::string name;
  engine::Operation operation = engine::Operation::kUpdatePage;
  std::uint32_t records = 100;
  TimeUs start_us = 0;
  TimeUs pace_us = 0;
  CheckpointApproach approach = CheckpointApproach::kA;
  std::uint16_t tenant = 0;
  engine::Lane lane = engine::Lane::kBulk;
};

enum class EnrichDegrade : std::uint8_t {
  kDeadLetter,   // the enrichment waits in the DLQ until the upstream is back
  kPlaceholder,  // write "temporarily unavailable" and move on (served as a fallback)
};

// The enrich pipeline: retrieve a page, ask the second upstream, write the
// answer back; arrivals as in an OpStream.
struct EnrichSpec {
  OpStream arrivals;  // operation is ignored
  EnrichDegrade degrade = EnrichDegrade::kDeadLetter;
};

struct Phases {
  TimeUs safety_us = 0;          // faults are active only in [0, safety_us) (0 = whole run)
  TimeUs liveness_us = 0;        // then no faults for this long
  TimeUs recover_within_us = 0;  // the stack must recover this soon after faults end (0 = no check)
};

struct ScenarioSpec {
  std::string name;
  std::string purpose;
  std::string path;  // where it was loaded from
  std::string hash;  // 16 hex digits over the canonical JSON of the whole file
  std::uint64_t seed = 1;
  TimeUs duration_us = Min(10);  // safety + liveness when phases are given
  TimeUs drain_limit_us = Min(10);
  Phases phases;
  std::vector<TenantSpec> tenants;  // at least one ("default")
  std::vector<OpStream> streams;
  std::vector<BatchSpec> batches;
  std::vector<EnrichSpec> enrich;
  // "Sometimes" goals (SometimesGoalNames): paths a suite claims to exercise. `notion-sim
  // explore` requires each to be reached by at least one of its seeds.
  std::vector<std::string> sometimes;
  nlohmann::json source;  // the whole file as loaded (the other folders' sections included)
};

// The goals a scenario may list under "sometimes": "breaker_opened", "breaker_half_open",
// "breaker_closed_again", "retried", "retry_after_honored", "retry_after_over_backoff",
// "budget_exhausted", "limiter_delayed", "timeout_fired", "reconciled", "fallback_served",
// "dlq_enqueued", "dlq_drained", "recovered", "faults_injected". explore/ evaluates them.
const std::vector<std::string>& SometimesGoalNames();

// Loads and validates a scenario file.
Result<ScenarioSpec> LoadScenario(const std::string& path);
// Same, from text (`name` is used in error messages).
Result<ScenarioSpec> ParseScenario(const std::string& text, const std::string& name);
// The scenario files under `path` (a file, or a directory searched recursively for *.json),
// sorted by path.
Result<std::vector<std::string>> FindScenarioFiles(const std::string& path);

}  // namespace notion_sim::scenarios
