// Runs a scenario in simulation: builds the world (the fake with its workspace, faults and
// network model; the stack of the scenario's profile; the workload; the metric, invariant, health
// and alert sinks) on a SimLoop, runs it, and returns what happened and whether it held.
// Thread-safe: each call builds its own world, so independent runs may go on in parallel.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "notion_sim/checks/gates.h"
#include "notion_sim/checks/invariants.h"
#include "notion_sim/checks/metrics.h"
#include "notion_sim/engine/runner.h"
#include "notion_sim/scenarios/scenario.h"
#include "notion_sim/simulator/fault_plan.h"

namespace notion_sim::scenarios {

struct CheckpointResult {
  std::string job;
  std::string approach;  // "A" or "B"
  std::uint32_t records = 0;
  std::uint32_t checkpoint = 0;  // every record up to here is settled
  std::uint64_t succeeded = 0;
  std::uint64_t failed = 0;
  std::uint64_t dead_lettered = 0;
};

struct AlertCount {
  std::string kind;
  std::uint64_t count = 0;
  TimeUs first_us = 0;
};

struct RunResult {
  std::string mode = "sim";  // "sim" or "live"
  std::string base_url;      // live: where the run went
  std::string scenario;
  std::string purpose;
  std::string path;
  std::string scenario_hash;
  std::string profile;
  std::uint64_t seed = 0;
  std::string reproduce;  // one command that reproduces this run
  // For reports: tenants by index (per-tenant breaker keys name them), and the client_rate
  // invariant's budget (requests per tenant per window; 0 when not checked).
  std::vector<std::string> tenants;
  std::int64_t rate_budget = 0;
  TimeUs rate_window_us = 0;
  engine::RunSummary summary;
  checks::RunChecks checks;  // metrics, invariants, gates
  checks::RunVerdict verdict = checks::RunVerdict::kPass;
  std::vector<CheckpointResult> checkpoints;
  std::vector<AlertCount> alerts;
  std::uint64_t dlq_depth_end = 0;
  std::uint64_t dlq_permanent = 0;
  std::uint64_t server_requests = 0;
  std::uint64_t server_writes = 0;
  std::uint64_t server_faults_injected = 0;
  std::uint64_t server_rate_limited = 0;
  std::uint64_t server_pages = 0;
  double wall_time_ms = 0;        // filled in by the caller that timed the run
  std::string started_at;         // the caller: UTC start, ISO 8601 ("2026-12-06T02:49:07Z")
  std::string host;               // the caller: the machine's host name
  std::uint64_t ops_resumed = 0;  // live --resume: operations that ended in earlier runs
};

struct SimOptions {
  // `notion-sim replay`: the fault decisions a live run's server journaled, applied to the
  // requests with the same (op id, attempt) instead of the scenario's fault rules.
  std::optional<std::vector<sim::RecordedDecision>> replay;
};

Result<RunResult> RunScenario(const ScenarioSpec& spec, const SimOptions& options = {});

}  // namespace notion_sim::scenarios
