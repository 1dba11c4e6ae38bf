// FaultPlan: the fake's faults as data — rules that match requests and, when their trigger fires,
// tell the fake (and the door in front of it) what to do instead of, or after, answering normally.
//
// A rule matches by method, path glob, operation, token or tenant and a time window
// [from_s, until_s) on the fake's clock; it fires by a trigger (always, probability, first N,
// every Nth, bursts, a two-state Gilbert–Elliott model) and then applies an action. Rules are
// tried in order; the first that fires wins, and a rule only counts the requests that reach it.
// Every random draw comes from the rule's own stream, forked from the plan's Rng by the rule id,
// so adding a rule does not change what the others decide.
//
//   {"faults": [
//     {"name": "503 storm", "match": {"method": "POST", "path": "/v1/pages", "from_s": 60,
//      "until_s": 120}, "trigger": {"probability": 0.2}, "action": "respond", "status": 503,
//      "code": "service_unavailable"},
//     {"match": {"operation": "create_page"}, "trigger": {"first": 2},
//      "action": "lose_after_commit", "loss": "timeout"},
//     {"trigger": {"every": 10}, "action": "respond", "status": 429, "retry_after_s": 2,
//      "retry_after_form": "http_date"},
//     {"match": {"path": "/v1/data_sources/*"}, "trigger": {"burst": {"onset_probability": 0.01,
//      "length": 5}}, "action": "delay", "delay": {"dist": "lognormal", "median_ms": 800,
//      "sigma": 0.6, "max_ms": 20000}}
//   ]}
//
// A plan can also replay recorded decisions (Journal::DecisionsJson from a live run): then the
// rules are ignored and request number N (or op/attempt) gets exactly the recorded decision.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "notion_sim/engine/json_reader.h"
#include "notion_sim/engine/protocol.h"
#include "notion_sim/engine/rng.h"
#include "notion_sim/engine/status.h"
#include "notion_sim/engine/time.h"
#include "notion_sim/simulator/network.h"

namespace notion_sim::sim {

// What the door must do with the request and its connection.
enum class FaultAction : std::uint8_t {
  kNone,
  kRespond,          // answer the scripted status + code (nothing applied)
  kLoseAfterCommit,  // apply the request, then the client sees a timeout or a reset
  kCommitThen503,    // apply, then Notion's 503 with additional_data.committed_resource_id
  kDelay,            // answer normally after delay_us
  kHang,             // never answer (the client's timeout decides)
  kStallBody,        // send the headers, then the body never completes
  kReset,            // drop the connection without applying
  kMalformedJson,    // a 2xx whose body is not JSON (nothing applied)
  kHtmlEdge,         // the edge proxy's HTML error: cf-ray, no x-notion-request-id
  kCount,
};
std::string_view FaultActionName(FaultAction action);  // "respond", "lose_after_commit", ...
std::optional<FaultAction> ParseFaultAction(std::string_view name);

enum class TriggerKind : std::uint8_t {
  kAlways,
  kProbability,     // each matching request with probability p
  kFirstN,          // the first n matching requests
  kEveryNth,        // matching requests number n, 2n, 3n, ... (1-based)
  kBurst,           // outside a burst, each match starts one with probability p; a burst is
                    // `length` consecutive matches
  kGilbertElliott,  // two states; good->bad and bad->good per match; fire with p_good / p_bad
};
std::string_view TriggerKindName(TriggerKind kind);

struct Trigger {
  TriggerKind kind = TriggerKind::kAlways;
  std::uint64_t probability_ppb = 0;  // kProbability; kBurst: onset
  std::uint64_t n = 0;                // kFirstN, kEveryNth
  std::uint64_t length = 0;           // kBurst
  std::uint64_t good_to_bad_ppb = 0;  // kGilbertElliott
  std::uint64_t bad_to_good_ppb = 0;
  std::uint64_t fire_good_ppb = 0;
  std::uint64_t fire_bad_ppb = 1'000'000'000;
};

enum class RetryAfterForm : std::uint8_t { kSeconds, kHttpDate, kAbsent };
std::string_view RetryAfterFormName(RetryAfterForm form);  // "seconds", "http_date", "absent"

// How the client notices a lost response (kLoseAfterCommit).
enum class LossMode : std::uint8_t { kTimeout, kReset };

struct FaultMatch {
  std::optional<engine::Method> method;
  std::string path_glob;  // "*" matches any run of characters; "" = any
  std::optional<engine::Operation> operation;
  std::string token;                    // the bearer token (HTTP); "" = any
  std::optional<std::uint16_t> tenant;  // the tenant index; unset = any
  TimeUs from_us = 0;
  TimeUs until_us = kTimeNever;
};

struct FaultRule {
  std::uint64_t id = 0;  // assigned by FaultPlan::Add when 0
  std::string name;
  FaultMatch match;
  Trigger trigger;
  std::uint64_t max_fires = 0;  // 0 = unlimited
  FaultAction action = FaultAction::kRespond;
  // kRespond / kHtmlEdge / kCommitThen503: the answer. code kNone takes the code Notion uses for
  // the status (429 rate_limited, 503 service_unavailable, ...); an empty message takes Notion's.
  int status = 503;
  engine::ApiCode code = engine::ApiCode::kNone;
  std::string message;
  // Retry-After for kRespond (429 and 529 default to seconds; other statuses to absent).
  std::optional<RetryAfterForm> retry_after_form;
  std::int64_t retry_after_s = 1;
  std::string rate_limit_reason;  // 429: additional_data.rate_limit_reason when not empty
  // Latency added before the answer: the whole point of kDelay, allowed with any action.
  std::optional<LatencyDist> delay;
  LossMode loss = LossMode::kTimeout;  // kLoseAfterCommit
};

// What the fake and the door see about one request when deciding.
struct FaultContext {
  TimeUs now_us = 0;
  engine::Method method = engine::Method::kGet;
  std::string_view path;
  std::optional<engine::Operation> operation;  // unset when the route is unknown
  std::string_view token;                      // empty in-process
  std::uint16_t tenant = 0;
  std::uint64_t seq = 0;    // the fake's request number, from 1
  std::uint64_t op_id = 0;  // 0 when the client sent none
  std::uint32_t attempt = 0;
};

// A decision: what happens to one request. action kNone = answer normally.
struct FaultDecision {
  FaultAction action = FaultAction::kNone;
  std::uint64_t rule_id = 0;
  int status = 0;
  engine::ApiCode code = engine::ApiCode::kNone;
  std::string message;  // empty: Notion's message for the code
  RetryAfterForm retry_after_form = RetryAfterForm::kAbsent;
  std::int64_t retry_after_s = 0;
  std::string rate_limit_reason;
  TimeUs delay_us = 0;
  LossMode loss = LossMode::kTimeout;
  bool fired() const { return action != FaultAction::kNone; }
};

// A recorded decision, keyed by the request it hit (for replay).
struct RecordedDecision {
  std::uint64_t seq = 0;
  std::uint64_t op_id = 0;
  std::uint32_t attempt = 0;
  // Requests with the same (op_id, attempt) the server saw before this one: a reconcile lookup
  // carries its create's attempt number, and a DLQ replay starts again at attempt 1.
  std::uint32_t occurrence = 0;
  FaultDecision decision;
  // A client-side recording's send time on the recorded run's clock (-1: none). Replayed, a
  // request sent at most kReplayLagUs before it is answered at sent_us + decision.delay_us, the
  // instant its answer came live, not after delay_us from the replay's send: a live loop runs its
  // timers late under load, so the replay sends a little earlier, and without this the answers of
  // concurrent operations could arrive in another order than live (a fallback cache filled or not,
  // a breaker counting in another order). Sent earlier than that (another stack's retry) or later,
  // it is answered after delay_us.
  TimeUs sent_us = -1;
};
inline constexpr TimeUs kReplayLagUs = 250'000;

// How replayed decisions find their request.
enum class ReplayKey : std::uint8_t {
  kSequence,   // the fake's request number (same order of arrival)
  kOpAttempt,  // (op_id, attempt, occurrence) sent by our stack; robust to reordering
};

class FaultPlan {
 public:
  FaultPlan() : FaultPlan(engine::Rng(0)) {}
  explicit FaultPlan(engine::Rng rng) : rng_(rng) {}

  // Adds a rule at the end; assigns an id when rule.id is 0 (ids are unique in the plan).
  // Fails on an id already in use or on an inconsistent rule (e.g. first N with n = 0).
  Result<std::uint64_t> Add(FaultRule rule);
  bool Remove(std::uint64_t id);
  void Clear();
  // Keeps the rules, forgets their counters and random state (re-derived from `rng`).
  void Reseed(engine::Rng rng);
  const std::vector<FaultRule>& rules() const { return rules_; }
  // Times each rule fired, by id.
  std::uint64_t Fired(std::uint64_t id) const;
  std::uint64_t Matched(std::uint64_t id) const;

  // The decision for one request; draws from the rules' streams. A decision with a delay
  // distribution is sampled here, so the decision is complete and can be journaled.
  FaultDecision Decide(const FaultContext& context);

  // Replay: from now on, ignore the rules and return the recorded decisions.
  void SetReplay(std::vector<RecordedDecision> decisions, ReplayKey key);
  bool replaying() const { return replay_.has_value(); }
  void ClearReplay() { replay_.reset(); }

 private:
  struct RuleState {
    engine::Rng rng{0};
    std::uint64_t matched = 0;
    std::uint64_t fired = 0;
    std::uint64_t burst_left = 0;
    bool bad = false;
  };
  struct Replay {
    ReplayKey key = ReplayKey::kSequence;
    // The decision and the recorded send time (RecordedDecision::sent_us).
    std::map<std::tuple<std::uint64_t, std::uint32_t, std::uint32_t>,
             std::pair<FaultDecision, TimeUs>>
        by_key;
    std::map<std::pair<std::uint64_t, std::uint32_t>, std::uint32_t> seen;  // kOpAttempt
  };
  bool Fires(const FaultRule& rule, RuleState& state);
  static bool Matches(const FaultRule& rule, const FaultContext& context);

  engine::Rng rng_;
  std::vector<FaultRule> rules_;
  std::vector<RuleState> states_;  // parallel to rules_
  std::uint64_t next_id_ = 1;
  std::optional<Replay> replay_;
};

// Glob match: '*' matches any run of characters (including '/'), everything else literally.
bool GlobMatch(std::string_view pattern, std::string_view text);

// Parses one rule object (see the top of this file). Unknown fields are errors.
Result<FaultRule> ParseFaultRule(engine::ObjectReader& reader);
// Parses `root`'s "faults" array (absent = no rules) into a plan (seeded with Rng(0); the fake
// reseeds the plan it is given).
Result<FaultPlan> ParseFaultPlan(engine::ObjectReader& root);
// A rule as JSON, in the form ParseFaultRule reads (plus "id", "matched" and "fired" counts when a
// plan is given).
nlohmann::json FaultRuleToJson(const FaultRule& rule);
nlohmann::json FaultRuleToJson(const FaultRule& rule, const FaultPlan& plan);

nlohmann::json FaultDecisionToJson(const FaultDecision& decision);
// Reads {"decisions": [{"seq", "op_id", "attempt", "action", "status", ...}]} as written by
// Journal::DecisionsJson.
Result<std::vector<RecordedDecision>> ParseRecordedDecisions(engine::ObjectReader& root);

}  // namespace notion_sim::sim
