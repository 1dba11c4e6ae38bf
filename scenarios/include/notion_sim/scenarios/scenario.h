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
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "notion_sim/engine/protocol.h"
#include "notion_sim/engine/status.h"
#include "notion_sim/engine/time.h"
#include "notion_sim/engine/transport.h"
#include "notion_sim/scenarios/arrivals.h"
#include "notion_sim/scenarios/workflow.h"

namespace notion_sim::scenarios {

struct Recording;  // recording.h

struct TenantSpec {
  std::string name;
  std::string token;  // the bearer token the fake knows this tenant by (simulation only)
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
  // Workflows (workflow.h), the old "enrich" entries among them (named "enrich", "enrich_2", ...).
  std::vector<WorkflowSpec> workflows;
  // The stacks of steps that override theirs: the scenario's "stack" with the step's "stack"
  // object merged in (JSON merge patch), validated at load.
  std::vector<nlohmann::json> step_stacks;
  // "Sometimes" goals (SometimesGoalNames): paths a suite claims to exercise. `notion-sim
  // explore` requires each to be reached by at least one of its seeds.
  std::vector<std::string> sometimes;
  nlohmann::json source;  // the whole file as loaded (the other folders' sections included)
  // "replay": {"recording": [...]}: a recording (recording.h) inlined in the file; RunScenario then
  // answers the recorded requests as recorded (like `notion-sim replay --recording`).
  std::shared_ptr<const Recording> replay;
};

// The goals a scenario may list under "sometimes": "breaker_opened", "breaker_half_open",
// "breaker_closed_again", "retried", "retry_after_honored", "retry_after_over_backoff",
// "budget_exhausted", "limiter_delayed", "timeout_fired", "reconciled", "fallback_served",
// "dlq_enqueued", "dlq_drained", "recovered", "faults_injected". explore/ evaluates them.
const std::vector<std::string>& SometimesGoalNames();

// "" when `workflow` (and `step`, if not empty) name a workflow (step) of `spec`; else what is
// wrong, listing the names there are. Gates, sweeps and capacity targets on workflow metrics
// are checked with it.
std::string WorkflowNameProblem(const ScenarioSpec& spec, const std::string& workflow,
                                const std::string& step);

// Loads and validates a scenario file.
Result<ScenarioSpec> LoadScenario(const std::string& path);
// Same, from text (`name` is used in error messages).
Result<ScenarioSpec> ParseScenario(const std::string& text, const std::string& name);
// The scenario files under `path` (a file, or a directory searched recursively for *.json),
// sorted by path.
Result<std::vector<std::string>> FindScenarioFiles(const std::string& path);

}  // namespace notion_sim::scenarios
