// Recording: what a client saw of each request it sent — status, code, Retry-After, latency, or a
// timeout / reset — so that a live run against any target (the real API included, where no server
// journal exists) can be replayed in simulation (`notion-sim replay --recording FILE`).
//
// The format (one documented format for every writer: `run --live` writes it; `notion-sim test`
// and `proxy` can write the same): JSON lines, the first a header, then one line per request in
// the order the answers arrived.
//
//   {"format": "notion-sim.recording", "version": 1, "key": "op_attempt" | "sequence",
//    "scenario": NAME, "seed": N, "scenario_hash": HEX, "source": "run --live", "base_url": URL,
//    "targets": {"pages": N, "blocks": N, "users": N}}
//   ("targets": how many of each the run's workload picked from; replay picks from as many)
//   {"seq": 1, "op_id": 7, "attempt": 1, "occurrence": 0, "lookup": false, "tenant": 0,
//    "method": "POST", "path": "/v1/pages", "operation": "create_page", "sent_ms": 812.4,
//    "latency_ms": 120.3, "outcome": "response", "status": 503, "code": "service_unavailable",
//    "edge": false, "retry_after_s": 1, "found": false, "request_id": "..."}
//
// - key "op_attempt": requests are matched in replay by (op_id, attempt, occurrence), like serve's
//   decision journal (occurrence: requests with the same op_id and attempt sent before this one:
//   a reconcile lookup carries its create's attempt number, a DLQ replay starts at attempt 1
//   again). key "sequence": by `seq` alone (the order requests arrived), for writers that see
//   traffic without our operation ids (test, proxy).
// - outcome: "response" (then status, code, edge, retry_after_s), "timeout", "connection_reset",
//   "connection_refused", "dns_failure", "tls_failure", "malformed" (engine::TransportOutcome).
// - retry_after_s: the delay the Retry-After header asked for, in whole seconds rounded up (a date
//   is turned into seconds when it is read); absent without the header.
// - found: for a reconcile lookup answered 2xx, whether the page was there.
// - After the run, when the writer could read what the target holds (serve's ledger, or the pages
//   of the sandbox data source a run against Notion made), one more line:
//     {"kind": "commits", "source": "serve ledger" | "sandbox pages",
//      "creates": [{"op_id": 7, "commits": 2}, ...]}
//   for every create operation of the run whose pages could be told apart (all of them against
//   serve; against Notion those that carried an idempotency key): how many pages it made. The last
//   such line counts (a resumed run appends its own).
// - `test --recording` and `proxy --recording` write the traffic they saw at their door
//   (WriteDoorRecording): "source": "test" | "proxy", "clock": "door" (arrival times on the door's
//   clock, not the client's: replay answers after the latencies, it has no answer instants), key
//   "op_attempt" when requests carried notion-sim's own x-notion-sim-op-id and -attempt (a
//   `run --live` through the door; its set-up requests, without them, are left out), else
//   "sequence"; no "targets" (the door cannot tell what the client picked from); the latency is the
//   door's, from arrival to the exchange's end; a reset or lost answer is "connection_reset", a
//   hang "timeout", a stalled body "malformed"; keyed recordings end with a commits line of what
//   the door saw committed.
// Unknown fields are ignored (a writer may add its own); tokens are never written.
//
// Replay turns each line into the fake's decision for that request (DecisionsFromRecording): the
// recorded latency as a delay (the network model adds nothing), 2xx answered normally, errors with
// their status, code and Retry-After, HTML edge errors, timeouts as hangs, resets as resets,
// unreadable answers as malformed JSON. A client cannot see whether a lost request was applied
// (a timed-out, reset or non-edge 503'd create): with a "commits" line, an operation's commits
// beyond its 2xx creates are given to its lost or 503'd creates, first those a later reconcile
// lookup found, then the earliest (so the replay commits as many pages as the target held; which
// lost attempt made each is a choice); without one, or for an operation it does not list, such a
// create counts as applied when a later lookup of the same operation found its page. A page made
// behind another error (a 500 after the commit) cannot be replayed: commit_then_503 answers 503.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "notion_sim/engine/status.h"
#include "notion_sim/engine/transport.h"
#include "notion_sim/scenarios/event_log.h"
#include "notion_sim/scenarios/run.h"
#include "notion_sim/simulator/fault_plan.h"

namespace notion_sim::scenarios {

struct RecordedAttempt {
  std::uint64_t seq = 0;
  std::uint64_t op_id = 0;
  std::uint32_t attempt = 0;
  std::uint32_t occurrence = 0;
  bool lookup = false;
  std::uint16_t tenant = 0;
  engine::Method method = engine::Method::kGet;
  std::string path;
  engine::Operation operation = engine::Operation::kCount;
  TimeUs sent_us = 0;
  TimeUs latency_us = 0;
  engine::TransportOutcome outcome = engine::TransportOutcome::kResponse;
  int status = 0;
  engine::ApiCode code = engine::ApiCode::kNone;
  bool edge = false;
  std::int64_t retry_after_s = -1;  // -1: no header
  bool found = false;
  std::string request_id;
};

struct Recording {
  std::string key = "op_attempt";  // or "sequence"
  std::string scenario;
  std::uint64_t seed = 0;
  std::string scenario_hash;
  std::vector<RecordedAttempt> attempts;
  // The "commits" line: create op -> pages the target held after the run; empty without one.
  std::map<std::uint64_t, std::uint32_t> commits;
  bool has_commits = false;
  bool truncated = false;   // the writer hit its bound: replay is exact only up to there
  bool door_clock = false;  // "clock": "door": sent_ms is not on the replayed client's clock
  // The header's "targets" (SimOptions::replay_targets); unset when the writer gave none.
  std::optional<SimOptions::TargetCounts> targets;
};

// Writes a recording as it happens: the header at Open, a line per answered request. Wraps the
// transport the stack sends through (AttemptTap). `retry_after_seconds` turns a raw Retry-After
// header into seconds at the moment it arrived (live: against the wall clock).
class RecordingWriter {
 public:
  static Result<std::unique_ptr<RecordingWriter>> Open(const std::string& path,
                                                       const nlohmann::json& header,
                                                       bool append = false);
  void OnAttempt(const engine::Request& request, const engine::Response& response, TimeUs sent_us,
                 TimeUs now_us, std::int64_t retry_after_s);
  // Writes one request's line; sets its seq and occurrence.
  void Write(RecordedAttempt a);
  // The "commits" line (see the top): create op -> pages the target holds for it.
  void WriteCommits(const std::map<std::uint64_t, std::uint32_t>& commits,
                    const std::string& source);
  void Close() { log_->Close(); }

 private:
  std::unique_ptr<EventLog> log_;
  std::uint64_t seq_ = 0;
  std::map<std::pair<std::uint64_t, std::uint32_t>, std::uint32_t> seen_;
};

nlohmann::json RecordedAttemptToJson(const RecordedAttempt& a);
// Writes what a judged door saw (`grouped`, from ClientJudge::Verdict) as a recording (see the
// top); `header` names the source. kInvalidInput when `path` cannot be written.
Status WriteDoorRecording(const std::string& path, nlohmann::json header,
                          const std::vector<checks::JudgedExchange>& grouped);
// Reads a recording file; kInvalidInput names the file, the line and what is wrong.
Result<Recording> LoadRecording(const std::string& path);
// The same from a JSON array of the file's lines (a scenario's inline "replay.recording");
// errors name the element ("[3]: status: ...").
Result<Recording> RecordingFromJson(const nlohmann::json& lines);
// `scenario` (a scenario file's JSON) with the recording at `recording_path` inlined as its
// "replay": {"recording": [...]} section: a standalone scenario that `run`, `shrink`, `sweep` and
// `gate` replay with the recorded outcomes (`notion-sim replay --write-scenario`).
Result<nlohmann::json> ScenarioWithRecording(const nlohmann::json& scenario,
                                             const std::string& recording_path);
// The fake's decision for every recorded request, for SimOptions::replay (see the top).
std::vector<sim::RecordedDecision> DecisionsFromRecording(const Recording& recording);
// The options that replay a recording in simulation: its decisions, matched by its key, the
// client's view (recorded latencies whole), the recorded run's target counts.
SimOptions ReplayOptions(const Recording& recording);

}  // namespace notion_sim::scenarios
