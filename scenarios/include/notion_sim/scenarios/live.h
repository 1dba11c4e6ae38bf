// RunScenarioLive: a scenario's workload in real time, over HTTP, through exactly the stack code
// the simulation uses (the same BuildStack, ScenarioClient, workload and sinks; only the loop and
// the transport differ: LiveLoop + CurlTransport instead of SimLoop + the in-process fake).
//
// Against `notion-sim serve` (a loopback host that answers its admin API) the scenario's fault
// rules are installed on the server, shifted to start with the run; the server's ledger is read
// at the end for the no-duplicate-creates invariant and its fault decisions are written out for
// `notion-sim replay` (exact while serve's journal, --journal-size, held the whole run). An empty
// data source there gets five seed pages for reads and updates to aim at. Against any other host
// only real faults happen, and the safety rules hold:
// - a scenario that writes needs `allow_writes` and a sandbox parent page. The run then creates a
//   database under that page (Name: title, Status and idempotency_key: text — what the workload
//   writes), makes every page in it, aims every read and write at it, and moves its pages and the
//   database to the trash at the end;
// - the stack's rate limiter is on and not above Notion's budget (3 requests/s, 180 per 60 s per
//   connection): a scenario without a limiter gets that one; one above it is refused.
// The tokens only go into Authorization headers: no message, file or report holds them.
//
// Durable state: the DLQ, the creates' idempotency keys and every operation's end are kept in a
// SQLite file (LiveOptions::state_path). A run killed at any point and started again with
// `resume` regenerates the same operations (the targets are kept), skips those that ended,
// reconciles creates that may have been applied before creating, and reprocesses the DLQ.
// Not thread-safe (one run per thread; it blocks for the scenario's duration).
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "notion_sim/scenarios/event_log.h"
#include "notion_sim/scenarios/run.h"
#include "notion_sim/scenarios/scenario.h"

namespace notion_sim::scenarios {

// How far a live run is, reported about once a second (LiveOptions::progress).
struct LiveProgress {
  TimeUs elapsed_us = 0;   // since the run's workload started
  TimeUs duration_us = 0;  // the scenario's arrivals end here (in-flight work drains after)
  std::uint64_t ops_started = 0;
  std::uint64_t ops_ended = 0;   // succeeded, served a fallback, failed or dead-lettered
  std::uint64_t ops_failed = 0;  // failed or dead-lettered
};

struct LiveOptions {
  std::string base_url;             // http(s)://host[:port]
  std::vector<std::string> tokens;  // bearer token per tenant, in the scenario's order
  std::string admin_token;          // serve's admin token when it needs one
  bool allow_writes = false;
  std::string sandbox_parent;  // page id: required with allow_writes against a non-loopback host
  std::string data_source;     // reads aim here (default: the first data source the token sees)
  std::string state_path;      // the SQLite state file (required)
  bool resume = false;
  std::string decisions_path;   // serve only: where to write the journaled fault decisions
  std::ostream* log = nullptr;  // progress lines; null: quiet
  // `--log FILE`: the run's structured lines (event_log.h); null: none.
  EventLog* event_log = nullptr;
  // Where the client-side recording goes (recording.h; appended to on resume); empty: none.
  std::string recording_path;
  // Optional; called on the run's thread about once a second while the workload runs.
  std::function<void(const LiveProgress&)> progress;
  // Optional (Ctrl-C): polled several times a second; once it returns true no operation starts,
  // those in flight finish (bounded by the scenario's drain), and the run ends as usual — server
  // ledger read, sandbox trashed, state kept — with RunResult::summary.stopped set. `resume`
  // runs the operations that never started.
  std::function<bool()> stop;
};

// Checks the safety rules without running anything (kInvalidInput names the flag or field).
Status CheckLiveSafety(const ScenarioSpec& spec, const LiveOptions& options);

Result<RunResult> RunScenarioLive(const ScenarioSpec& spec, const LiveOptions& options);

}  // namespace notion_sim::scenarios
