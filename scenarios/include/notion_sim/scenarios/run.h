// Runs a scenario in simulation: builds the world (the fake with its workspace, faults and
// network model; the stack of the scenario's profile; the workload; the metric, invariant, health
// and alert sinks) on a SimLoop, runs it, and returns what happened and whether it held.
// Thread-safe: each call builds its own world, so independent runs may go on in parallel.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "notion_sim/checks/client_judge.h"
#include "notion_sim/checks/gates.h"
#include "notion_sim/checks/invariants.h"
#include "notion_sim/checks/metrics.h"
#include "notion_sim/engine/ledger.h"
#include "notion_sim/engine/runner.h"
#include "notion_sim/scenarios/event_log.h"
#include "notion_sim/scenarios/scenario.h"
#include "notion_sim/simulator/fault_plan.h"

namespace notion_sim::sim {
class FakeNotion;
}  // namespace notion_sim::sim

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

// One run of the command under test (`notion-sim test`).
struct ClientCommandRun {
  std::uint32_t run = 1;   // 1-based, runs follow one another
  std::uint32_t copy = 1;  // 1-based, copies of one run go at once
  int exit_code = 0;       // 128 + N when killed by signal N
  bool timed_out = false;  // killed at the scenario's duration_s
  TimeUs started_us = 0;   // on the fake's clock
  TimeUs ended_us = 0;
  std::string stdout_path;  // the whole output, in the --out directory
  std::string stderr_path;
  std::string stdout_tail;  // its last lines (tokens redacted)
  std::string stderr_tail;
};

// What `notion-sim test` adds to a result: the command, its runs, the traffic per token and the
// `expect` assertions.
struct ClientReport {
  std::string command;  // as given, shell-quoted
  std::vector<ClientCommandRun> runs;
  std::vector<checks::TokenTraffic> tokens;
  std::vector<checks::ExpectOutcome> expects;
  std::uint64_t unjudged = 0;  // requests past the judge's bound
};

// Webhooks in a simulated run (zero without subscriptions): what the fake sent and what the
// integration behind the endpoint made of it (webhook_consumer.h).
struct WebhookResult {
  std::uint64_t events = 0;      // events made for the subscriptions
  std::uint64_t aggregated = 0;  // changes folded into an event already open
  std::uint64_t deliveries = 0;  // event requests the endpoint received (retries, duplicates)
  std::uint64_t duplicates = 0;
  std::uint64_t accepted = 0;            // answered 2xx
  std::uint64_t rejected_signature = 0;  // answered 401: X-Notion-Signature did not match
  std::uint64_t retries = 0;             // deliveries after a failed attempt
  std::uint64_t dropped = 0;             // after the last retry, or by a fault
  std::uint64_t fetches = 0;             // API operations the events caused (one per event)
  std::uint64_t fetches_succeeded = 0;
  std::uint64_t fetch_attempts = 0;   // their requests, retries included: the storm's cost
  std::uint64_t fetches_skipped = 0;  // duplicates the consumer recognised (dedupe)
};

struct RunResult {
  std::string mode = "sim";  // "sim", "live" or "client" (notion-sim test)
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
  WebhookResult webhooks;
  double wall_time_ms = 0;             // filled in by the caller that timed the run
  std::string started_at;              // the caller: UTC start, ISO 8601 ("2026-12-06T02:49:07Z")
  std::string host;                    // the caller: the machine's host name
  std::uint64_t ops_resumed = 0;       // live --resume: operations that ended in earlier runs
  std::optional<ClientReport> client;  // notion-sim test only
};

// A webhook event delivered to the run's workflows at `at_us`, about the workspace's page number
// `page` (modulo the pages there are).
struct WebhookEvent {
  TimeUs at_us = 0;
  std::string type;  // "page.created", ...
  std::size_t page = 0;
};

struct SimOptions {
  // `notion-sim replay`: the fault decisions a live run's server journaled, applied to the
  // requests with the same (op id, attempt) instead of the scenario's fault rules.
  std::optional<std::vector<sim::RecordedDecision>> replay;
  sim::ReplayKey replay_key = sim::ReplayKey::kOpAttempt;
  // The decisions carry each request's whole latency as seen by a client (a recording): the
  // network model and the fake's own rate limits add nothing, so the replay sees what the client
  // saw.
  bool replay_client_view = false;
  // How many pages, blocks and users the recorded run's workload picked its targets from (a
  // recording's "targets"): the replay's workload picks from as many of its own, so its random
  // picks land on the same indices and two operations that aimed at one page live aim at one page
  // in the replay (a fallback cache, an update's conflict). Unset: every one the fake holds.
  struct TargetCounts {
    std::size_t pages = 0;
    std::size_t blocks = 0;
    std::size_t users = 0;
  };
  std::optional<TargetCounts> replay_targets;
  // `--log FILE`: the run's lines go here (null: no logging, and nothing of it is built).
  EventLog* log = nullptr;
  // Tests and tools: a sink that sees every event of the run's trace, and a look at the fake's
  // write ledger once the run is over (each may be null).
  engine::TraceSink* observer = nullptr;
  std::function<void(const engine::Ledger&)> ledger;
  // Webhook events for workflows with a webhook trigger, given directly (tests), besides what the
  // fake delivers to the scenario's subscriptions; both go to the same door
  // (ScenarioClient::OnWebhook). Without either, RunScenario refuses such a workflow.
  std::vector<WebhookEvent> webhook_events;
};

Result<RunResult> RunScenario(const ScenarioSpec& spec, const SimOptions& options = {});

// The in-process fake's counters at the end of a run into `result` (server_requests, _writes,
// _faults_injected, _rate_limited, _pages): for `run` and `test`.
void CountServer(const sim::FakeNotion& fake, RunResult& result);

}  // namespace notion_sim::scenarios
