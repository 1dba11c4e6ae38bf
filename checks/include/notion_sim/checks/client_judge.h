// ClientJudge: judges a real integration (any language) from the traffic observed at an HTTP door,
// per token, with no knowledge of the client's code: what `notion-sim test` and the admin API's
// verdict report.
//
// Its input is a stream of exchanges (one request and what became of it), whoever observed them:
// the fake's HTTP door (scenarios/client_observer.h adapts it) or a proxy in front of another
// server. Exchanges may arrive in any order (a stalled body is reported when it ends, after later
// requests): they are kept (bounded) and judged in arrival order when a verdict is asked for, so a
// verdict can be asked for at any time and again later.
//
//   ClientJudge judge(config);                 // from the client scenario's "invariants" section
//   judge.Observe(exchange, body);             // once per request, in any order
//   ClientVerdict v = judge.Verdict(outcomes); // the command's runs and `expect` results
//
// The invariants (names shared with the simulated checks where they mean the same thing; the
// definitions, where the traffic leaves room for choice):
// - identity: two requests of one token are "the same request" when they are a create of the
//   same parent carrying the same idempotency property value (`idempotency_property`), or else
//   have the same method, path, query and body (JSON bodies compared canonically: key order and
//   spacing do not matter).
// - a request *failed* unless a complete 2xx answer went out; it is *ambiguous* (it may have been
//   applied) when it got a 5xx other than 529 or no complete answer (reset, lost, hung, stalled).
// - no_duplicate_creates: a create committed while an earlier create of the same identity from the
//   same token had committed and failed (its answer was lost, stalled or an error).
// - retry_after_respected: after an answer carrying Retry-After (seconds or an HTTP-date; parsed
//   by whoever observed it), no request from that token arrives before the time it names, less
//   `clock_slack` (timer granularity between processes). A request on another connection that
//   arrives within `in_flight` of the answer may have been sent before the client read it and is
//   excused, unless it repeats the request that was told to wait.
// - no_unsafe_retry: an ambiguous create (create_page, create_database, append_blocks) repeated
//   with no lookup (a data source or database query, a search, a block-children listing) from the
//   same token between the failure and the repeat. What the official SDK itself refuses to do.
// - attempts_bounded: one request sent more than `max_attempts` times in a row without a success
//   (the simulated invariant of the same name counts attempts per operation; a chain of the same
//   request is the server's view of one operation). A success ends the chain.
// - backoff: a repeat of a failed request sent less than `min_gap` after the failure ended, when
//   that failure carried no Retry-After (which retry_after_respected judges instead): a hot loop.
//   Only a floor, so jitter whose gaps shrink from one draw to the next (the SDK's) passes.
// - client_rate: per token, requests in any window [t, t + window) never exceed `rate_budget`
//   (the team's pacing promise; one violation per excursion over it), and 429/529 answers the
//   server's own limits gave (not injected ones) never exceed `max_provoked_429` when it is set.
//   Off when neither is set; the provoked count is in the traffic summary either way.
// - finished: every run of the command exited 0 within its time limit, and every `expect`
//   assertion on the server's final state held. Off when there is neither (a live serve without
//   expectations).
//
// Memory: one record per exchange (a few hundred bytes), up to `max_records`; later
// exchanges are counted (ClientTraffic::unjudged) and not judged. Not thread-safe: a door serving
// on many threads serializes its calls (see scenarios::ClientObserver).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "notion_sim/checks/invariants.h"
#include "notion_sim/engine/json_reader.h"
#include "notion_sim/engine/protocol.h"
#include "notion_sim/engine/status.h"
#include "notion_sim/engine/time.h"

namespace notion_sim::checks {

enum class ClientInvariant : std::uint8_t {
  kNoDuplicateCreates,
  kRetryAfterRespected,
  kNoUnsafeRetry,
  kAttemptsBounded,
  kBackoff,
  kClientRate,
  kFinished,
  kCount,
};
inline constexpr int kClientInvariantCount = static_cast<int>(ClientInvariant::kCount);

// "no_duplicate_creates", "retry_after_respected", "no_unsafe_retry", "attempts_bounded",
// "backoff", "client_rate", "finished" (the shared ones are InvariantName's).
std::string_view ClientInvariantName(ClientInvariant invariant);
std::optional<ClientInvariant> ParseClientInvariant(std::string_view name);

struct ClientJudgeConfig {
  std::array<Check, kClientInvariantCount> checks = [] {
    std::array<Check, kClientInvariantCount> all{};
    all.fill(Check::kOn);
    return all;
  }();
  // Notion's own sample clients cap attempts at 6; the SDK makes at most 3 per call.
  std::uint32_t max_attempts = 6;
  TimeUs min_gap_us = Ms(100);  // the SDK's shortest backoff is 500 ms
  TimeUs clock_slack_us = Ms(50);
  TimeUs in_flight_us = Ms(20);
  std::int64_t rate_budget = 0;  // requests per token per window; 0 = not checked
  TimeUs rate_window_us = Sec(60);
  std::optional<std::uint64_t> max_provoked_429;
  std::string idempotency_property = "idempotency_key";
  std::size_t max_violations_kept = 20;  // per invariant; all are counted
  std::size_t max_records = 200'000;

  bool IsOn(ClientInvariant invariant) const {
    return checks[static_cast<std::size_t>(invariant)] == Check::kOn;
  }
};

// Reads a client scenario's "invariants" section (the object itself):
//   {"off": ["client_rate"], "max_attempts": 6, "min_gap_ms": 100, "clock_slack_ms": 50,
//    "in_flight_ms": 20, "client_rate": {"budget": 30, "window_s": 10, "max_429": 0},
//    "idempotency_property": "idempotency_key"}
// Every field is optional; unknown fields are errors (through the reader, with file positions).
Result<ClientJudgeConfig> ParseClientJudgeConfig(engine::ObjectReader& section);

// How an exchange ended for the client.
enum class ExchangeEnd : std::uint8_t {
  kAnswered,  // a complete response went out
  kReset,     // the connection was dropped before an answer (injected, or the client left)
  kLost,      // the request was applied, then the connection dropped (a lost response)
  kHung,      // no answer ever went out; the connection closed at the client's or server's end
  kStalled,   // status and headers, then part of the body, then the connection closed
  kCount,
};
std::string_view ExchangeEndName(ExchangeEnd end);  // "answered", "reset", "lost", ...

// One request and what became of it. Times are microseconds on one clock shared by every
// exchange of a judge (the fake's: since it started).
struct ObservedExchange {
  std::string token;        // who sent it: a name for the token, never the token itself
  std::string connection;   // the TCP connection ("127.0.0.1:53422"); "" when unknown
  TimeUs arrived_us = 0;    // the whole request had arrived
  TimeUs answered_us = 0;   // the status line went out (or the exchange ended without one)
  TimeUs ended_us = 0;      // the exchange was over for the client
  std::string method;       // "GET", "POST", "PATCH", "DELETE"
  std::string path;         // without the query: "/v1/pages"
  std::string query;        // without '?'
  int status = 0;           // the answer's status; 0 when none went out
  std::string code;         // the error body's `code`; "" when none
  std::string retry_after;  // the Retry-After header as sent; "" when none
  // The earliest arrival the Retry-After allows (on this clock); unset without a usable header.
  std::optional<TimeUs> retry_after_until_us;
  bool injected = false;   // a fault rule decided this answer
  std::string fault;       // what the rule did ("respond rule=2"); "" when none
  std::string request_id;  // the answer's x-notion-request-id; "" when none
  // What notion-sim's own stack said of it (x-notion-sim-op-id, -attempt): a recording of the
  // traffic is keyed by them when every request has them. 0 from any other client.
  std::uint64_t sim_op_id = 0;
  std::uint32_t sim_attempt = 0;
  bool committed = false;  // the request changed the server's state
  ExchangeEnd end = ExchangeEnd::kAnswered;
};

// A run of the client's command, for `finished`.
struct CommandOutcome {
  std::string label;  // "run 1", "run 2 copy 3"
  int exit_code = 0;  // the exit status; 128 + N when killed by signal N
  bool timed_out = false;
  TimeUs ended_us = 0;
};

// One `expect` assertion on the server's final state, for `finished`.
struct ExpectOutcome {
  std::string what;  // "data source Tasks holds 6 pages"
  bool held = true;
  std::string found;  // what was there instead, when it did not hold
};

// Per token: what the judge saw.
struct TokenTraffic {
  std::string token;
  std::uint64_t requests = 0;
  std::uint64_t http_2xx = 0;
  std::uint64_t http_4xx = 0;   // other than 429
  std::uint64_t http_429 = 0;   // 429 and 529
  std::uint64_t http_5xx = 0;   // other than 529
  std::uint64_t no_answer = 0;  // reset, lost, hung or stalled
  std::uint64_t injected = 0;
  std::uint64_t provoked_429 = 0;  // 429/529 the server's limits gave (not injected)
  std::uint64_t repeats = 0;       // requests that repeated a failed one
  std::uint64_t creates_committed = 0;
  std::int64_t busiest_window = 0;  // most requests in one rate window
};

// Requests over time, every token together, for charts.
struct TrafficBucket {
  TimeUs start_us = 0;
  std::uint64_t requests = 0;
  std::uint64_t http_429 = 0;  // 429 and 529
  std::uint64_t http_5xx = 0;  // other 5xx
  std::uint64_t no_answer = 0;
};

struct ClientTraffic {
  std::vector<TokenTraffic> tokens;  // in order of first request
  std::uint64_t requests = 0;
  std::uint64_t unjudged = 0;  // past max_records
  TimeUs first_us = 0;
  TimeUs last_us = 0;
  // Buckets of whole seconds from time 0 to the last arrival, at most kTrafficBuckets of them.
  static constexpr std::size_t kTrafficBuckets = 120;
  TimeUs bucket_us = Sec(1);
  std::vector<TrafficBucket> series;
};

// An exchange as the judge grouped it (for a log): the logical operation it is an attempt of (a
// chain of the same request, as attempts_bounded counts them; a success ends the chain) and the
// gap since the operation's previous attempt ended (the client's retry delay).
struct JudgedExchange {
  const ObservedExchange* x = nullptr;  // the judge's copy: valid while the judge is unchanged
  std::uint64_t op = 0;                 // 1 + the observation number of its first attempt
  std::uint32_t attempt = 1;
  std::optional<TimeUs> gap_us;  // unset for a first attempt (or a repeat of one still going)
};

struct ClientVerdict {
  std::vector<InvariantResult> invariants;  // in ClientInvariant order
  ClientTraffic traffic;
  bool held() const;
};

class ClientJudge {
 public:
  explicit ClientJudge(ClientJudgeConfig config);

  // Records one exchange; `body` is the request body as received (read here, not kept).
  void Observe(const ObservedExchange& exchange, std::string_view body);
  // Forgets every exchange.
  void Clear();
  std::size_t size() const { return records_.size(); }

  // Judges everything observed so far. `runs` and `expects` feed `finished`. With `grouped`, also
  // every exchange with its operation, per token in order of arrival; each violation's op_id names
  // the operation it flagged (0: a token's whole traffic, a run of the command).
  ClientVerdict Verdict(const std::vector<CommandOutcome>& runs = {},
                        const std::vector<ExpectOutcome>& expects = {},
                        std::vector<JudgedExchange>* grouped = nullptr) const;

  const ClientJudgeConfig& config() const { return config_; }

 private:
  struct Record {
    ObservedExchange x;
    std::uint32_t token = 0;                     // index into token_names_
    std::uint64_t seq = 0;                       // order of observation, to break ties
    std::uint64_t identity = 0;                  // see "identity" above
    std::optional<engine::Operation> operation;  // unset for a path no operation has
    std::string key;  // the idempotency property's value, when the identity is it
  };
  ClientJudgeConfig config_;
  std::vector<Record> records_;
  std::vector<std::string> token_names_;  // index -> name, in order of first request
  std::uint64_t unjudged_ = 0;
  std::uint64_t next_seq_ = 0;
};

// "12.345678 s acme POST /v1/pages -> 429 rate_limited, Retry-After 2 [injected: respond rule=1]"
std::string FormatExchange(const ObservedExchange& exchange);

}  // namespace notion_sim::checks
