// EventLog: a run's structured log (`--log FILE`), one JSON object per line, so that "what exactly
// happened to this operation?" has an answer in a file any tool can read (jq, a log pipeline).
//
// Lines, each with "kind" and "t_ms" (the run's clock; serve: its own clock):
//   {"kind": "run", "scenario", "seed", "mode"}                        a run starts
//   {"kind": "op_started", "op", "trace_id", "tenant", "operation", "lane"}
//   {"kind": "attempt", "op", "trace_id", "tenant", "attempt", "lookup", "method", "path",
//    "status" | "outcome", "code", "latency_ms", "retry_after", "request_id", "injected"}
//   {"kind": "retry", "delay_ms", "why"}, {"kind": "retry_after_honored", "retry_after_ms",
//    "backoff_ms"}, {"kind": "gave_up", "why", "attempts"}, {"kind": "budget_exhausted"},
//   {"kind": "breaker", "key", "from", "to"}, {"kind": "breaker_rejected", "key", "state"},
//   {"kind": "bulkhead_queued" | "bulkhead_rejected", "lane", "in_flight", "queued"},
//   {"kind": "limiter_wait", "wait_ms"}, {"kind": "limiter_rejected"}, {"kind": "timeout",
//    "which", "timeout_ms"}, {"kind": "fallback", "tier", "age_ms"}, {"kind": "reconcile",
//    "found"}, {"kind": "dlq", "move": "enqueued" | "retried" | "permanent" | "drained", "depth",
//    "attempts"}, {"kind": "fault", "action", "status"}, {"kind": "server_write"},
//   {"kind": "alert", "alert", "value"}, {"kind": "op_finished", "status", "attempts"},
//   {"kind": "request", ...}                                           serve: one per request
// `notion-sim test` and `proxy` (the client is someone else's program: what its traffic showed at
// the door, with the operations the judge of observed traffic grouped it into, see
// checks::ClientJudge; times on the door's clock):
//   {"kind": "attempt", "op", "trace_id", "attempt", "token" (its name, never the token), "method",
//    "path", "status" | "outcome", "code", "latency_ms", "retry_after", "request_id",
//    "injected", "fault", "gap_ms" (since the operation's previous attempt ended: the client's
//    retry delay)}
//   {"kind": "judge", "check", "op", "trace_id", "text"}   a check flagged the operation
//   {"kind": "log_end", "lines", "dropped"}                            the last line
// Policy lines carry "op" and "trace_id" when they concern an operation. The trace id is derived
// from the operation id alone (TraceIdFor), so it is the same across the operation's retries, its
// reconcile lookups and its DLQ replays, and `serve --log` (which sees the id in the
// x-notion-sim-op-id header) writes the same one: client and server lines join on it.
//
// Bounded: after `max_lines` lines, further lines are counted, not written, and the last line says
// how many were dropped. Tokens are never written: nothing handed to the log carries one, and every
// line is also scrubbed of the `secrets` given at Open (replaced by sim::RedactToken's form).
// Logging only observes: a run with a log has the same trace digest as without, and a run without
// one builds none of this. Not thread-safe (serve serializes its calls).
#pragma once

#include <cstdint>
#include <fstream>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "notion_sim/checks/client_judge.h"
#include "notion_sim/engine/loop.h"
#include "notion_sim/engine/status.h"
#include "notion_sim/engine/trace.h"
#include "notion_sim/engine/transport.h"

namespace notion_sim::scenarios {

class EventLog {
 public:
  static constexpr std::uint64_t kDefaultMaxLines = 1'000'000;
  // Creates (truncates) `path`; with `append` adds to it instead. kInvalidInput when it cannot be
  // opened (the message names the path).
  static Result<std::unique_ptr<EventLog>> Open(const std::string& path,
                                                std::vector<std::string> secrets = {},
                                                std::uint64_t max_lines = kDefaultMaxLines,
                                                bool append = false);
  ~EventLog();  // Close()s
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  // Writes one line (or counts it as dropped past the bound).
  void Write(const nlohmann::json& line);
  // Writes the log_end line and closes the file. Idempotent.
  void Close();
  std::uint64_t lines() const { return lines_; }
  std::uint64_t dropped() const { return dropped_; }
  const std::string& path() const { return path_; }
  // What a command says when it wrote a log: "N line(s) in FILE (M dropped past the bound); one
  // operation's story: notion-sim log FILE --op ID".
  std::string Note() const;
  // Set by the caller for every following line ("scenario": NAME); empty: none.
  void SetScenario(std::string name) { scenario_ = std::move(name); }

 private:
  EventLog(std::string path, std::vector<std::string> secrets, std::uint64_t max_lines);
  std::string path_;
  std::ofstream out_;
  std::vector<std::string> secrets_;
  std::uint64_t max_lines_;
  std::uint64_t lines_ = 0;
  std::uint64_t dropped_ = 0;
  std::string scenario_;
  bool closed_ = false;
};

// 16 hex digits that name an operation across its attempts, lookups and DLQ replays.
std::string TraceIdFor(std::uint64_t op_id);

// A transport that hands every attempt's request and outcome to `observer` on its way back, and
// changes nothing else. `sent_us` is the loop time the attempt was sent.
class AttemptTap final : public engine::Transport {
 public:
  using Observer = std::function<void(const engine::Request& request,
                                      const engine::Response& response, TimeUs sent_us)>;
  AttemptTap(engine::Transport& inner, const engine::Clock& clock, Observer observer)
      : inner_(inner), clock_(clock), observer_(std::move(observer)) {}
  void Send(const engine::Request& request, engine::Completion done) override;

 private:
  engine::Transport& inner_;
  const engine::Clock& clock_;
  Observer observer_;
};

// The run's lines: policy decisions from the trace (a TraceSink) and attempts from an AttemptTap
// (OnAttempt). Writes into `log`, which must outlive it.
class RunLogger final : public engine::TraceSink {
 public:
  explicit RunLogger(EventLog& log) : log_(log) {}
  void OnEvent(const engine::Event& event) override;
  void OnAttempt(const engine::Request& request, const engine::Response& response, TimeUs sent_us,
                 TimeUs now_us);

 private:
  EventLog& log_;
};

// An attempt's line (also used by serve for what it answered).
nlohmann::json AttemptLine(const engine::Request& request, const engine::Response& response,
                           TimeUs sent_us, TimeUs now_us);

// The lines of a judged client's traffic (`test`, `proxy`; see the top): an attempt line per
// exchange in `grouped` (ClientJudge::Verdict's), then a judge line per violation kept in
// `verdict`.
void WriteClientLines(EventLog& log, const std::vector<checks::JudgedExchange>& grouped,
                      const checks::ClientVerdict& verdict);

// One operation's story in words, from a log: every line of operation `op_id` (in `scenario`,
// when the log holds several runs; empty: the first run that has the operation), one sentence
// per line with its time. kNotFound when the log has no line of that operation.
Result<std::vector<std::string>> OperationStory(std::istream& log, std::uint64_t op_id,
                                                const std::string& scenario = "");

}  // namespace notion_sim::scenarios
