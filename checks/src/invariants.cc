#include "notion_sim/checks/invariants.h"

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <utility>

#include "notion_sim/engine/protocol.h"
#include "notion_sim/engine/transport.h"

namespace notion_sim::checks {

using engine::kOperationCount;
using engine::kSubOperationBit;
using engine::LedgerEntry;
using engine::Operation;
using engine::OperationName;
using engine::TransportOutcome;
using engine::TransportOutcomeName;
namespace {

constexpr std::array<std::string_view, kInvariantCount> kInvariantNames = {
    "no_duplicate_creates",  "attempts_bounded", "deadline_bounded", "breaker_transitions",
    "retry_after_respected", "client_rate",      "bulkhead_bounds",  "ops_end_once",
    "checkpoint_safety",     "items_end_once",
};

// How a field of an event is shown.
enum class Field : std::uint8_t {
  kInt,
  kOperation,
  kOpStatus,
  kLane,
  kBreakerState,
  kStatus,
  kItemOutcome,
};

struct FieldNames {
  std::string_view a;
  Field a_kind;
  std::string_view b;
  Field b_kind;
};

FieldNames NamesOf(EventKind kind) {
  using F = Field;
  switch (kind) {
    case EventKind::kOpStarted:
      return {"operation", F::kOperation, "lane", F::kLane};
    case EventKind::kOpFinished:
      return {"status", F::kOpStatus, "last_status", F::kInt};
    case EventKind::kAttemptSent:
      return {"operation", F::kOperation, "timeout_us", F::kInt};
    case EventKind::kAttemptDone:
      return {"status", F::kStatus, "code", F::kInt};
    case EventKind::kRetryScheduled:
      return {"delay_us", F::kInt, "reason", F::kInt};
    case EventKind::kRetryGaveUp:
      return {"reason", F::kInt, "attempts", F::kInt};
    case EventKind::kRetryAfterHonored:
      return {"retry_after_us", F::kInt, "backoff_us", F::kInt};
    case EventKind::kBudgetExhausted:
      return {"tokens_milli", F::kInt, "cost_milli", F::kInt};
    case EventKind::kBreakerTransition:
      return {"from", F::kBreakerState, "to", F::kBreakerState};
    case EventKind::kBreakerRejected:
      return {"state", F::kBreakerState, "b", F::kInt};
    case EventKind::kBreakerLateResult:
      return {"call_epoch", F::kInt, "epoch", F::kInt};
    case EventKind::kBulkheadAdmitted:
    case EventKind::kBulkheadQueued:
    case EventKind::kBulkheadRejected:
    case EventKind::kBulkheadReleased:
      return {"in_flight", F::kInt, "queued", F::kInt};
    case EventKind::kLimiterDelayed:
      return {"delay_us", F::kInt, "tokens_milli", F::kInt};
    case EventKind::kLimiterRejected:
      return {"tokens_milli", F::kInt, "b", F::kInt};
    case EventKind::kLimiterRateChanged:
      return {"old_milli", F::kInt, "new_milli", F::kInt};
    case EventKind::kTimeoutFired:
      return {"kind", F::kInt, "timeout_us", F::kInt};
    case EventKind::kFallbackServed:
      return {"tier", F::kInt, "age_us", F::kInt};
    case EventKind::kReconcileLookup:
      return {"found", F::kInt, "b", F::kInt};
    case EventKind::kDlqEnqueued:
    case EventKind::kDlqRetried:
    case EventKind::kDlqPermanent:
    case EventKind::kDlqDrained:
      return {"depth", F::kInt, "attempts", F::kInt};
    case EventKind::kCheckpointAdvanced:
      return {"record", F::kInt, "b", F::kInt};
    case EventKind::kHealthChanged:
      return {"from", F::kInt, "to", F::kInt};
    case EventKind::kAlertRaised:
      return {"alert", F::kInt, "value", F::kInt};
    case EventKind::kFaultInjected:
      return {"action", F::kInt, "status", F::kInt};
    case EventKind::kServerWrite:
      return {"operation", F::kOperation, "object_lo", F::kInt};
    case EventKind::kRequestReceived:
      return {"operation", F::kOperation, "status", F::kInt};
    case EventKind::kPhaseChanged:
      return {"phase", F::kInt, "b", F::kInt};
    case EventKind::kRetryAfterGiven:
      return {"not_before_us", F::kInt, "http_date", F::kInt};
    case EventKind::kReconcileSent:
      return {"operation", F::kOperation, "timeout_us", F::kInt};
    case EventKind::kRecordStarted:
      return {"record", F::kInt, "b", F::kInt};
    case EventKind::kItemStarted:
      return {"run", F::kInt, "b", F::kInt};
    case EventKind::kStepDone:
      return {"status_plus_256_calls", F::kInt, "duration_us", F::kInt};
    case EventKind::kItemFinished:
      return {"outcome", F::kItemOutcome, "duration_us", F::kInt};
    case EventKind::kCount:
      break;
  }
  return {"a", F::kInt, "b", F::kInt};
}

std::string FieldText(Field kind, std::int64_t v) {
  switch (kind) {
    case Field::kOperation:
      if (v >= 0 && v < kOperationCount) {
        return std::string(OperationName(static_cast<Operation>(v)));
      }
      break;
    case Field::kOpStatus:
      if (v >= 0 && v <= static_cast<std::int64_t>(OpStatus::kDeadLettered)) {
        return std::string(OpStatusName(static_cast<OpStatus>(v)));
      }
      break;
    case Field::kLane:
      if (v >= 0 && v <= static_cast<std::int64_t>(Lane::kBulk)) {
        return std::string(LaneName(static_cast<Lane>(v)));
      }
      break;
    case Field::kBreakerState:
      if (v >= 0 && v <= static_cast<std::int64_t>(BreakerState::kDisabled)) {
        return std::string(BreakerStateName(static_cast<BreakerState>(v)));
      }
      break;
    case Field::kStatus:
      if (v < 0 && v >= -static_cast<std::int64_t>(TransportOutcome::kMalformed)) {
        return std::string(TransportOutcomeName(static_cast<TransportOutcome>(-v)));
      }
      break;
    case Field::kItemOutcome:
      if (v >= 0 && v < engine::kItemOutcomeCount) {
        return std::string(engine::ItemOutcomeName(static_cast<engine::ItemOutcome>(v)));
      }
      break;
    case Field::kInt:
      break;
  }
  return std::to_string(v);
}

std::string OpText(std::uint64_t op_id) { return "op " + std::to_string(op_id); }

std::string MsText(TimeUs us) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.3f ms", static_cast<double>(us) / 1e3);
  return buf;
}

bool IsRequest(EventKind kind) {
  return kind == EventKind::kAttemptSent || kind == EventKind::kReconcileSent;
}

}  // namespace

std::string_view InvariantName(Invariant invariant) {
  const auto i = static_cast<std::size_t>(invariant);
  return i < kInvariantNames.size() ? kInvariantNames[i] : "?";
}

std::optional<Invariant> ParseInvariant(std::string_view name) {
  for (int i = 0; i < kInvariantCount; ++i) {
    if (kInvariantNames[static_cast<std::size_t>(i)] == name) return static_cast<Invariant>(i);
  }
  return std::nullopt;
}

std::string_view VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kHeld:
      return "held";
    case Verdict::kViolated:
      return "violated";
    case Verdict::kOff:
      return "off";
  }
  return "?";
}

Result<InvariantConfig> ParseInvariantConfig(ObjectReader& section) {
  InvariantConfig config;
  std::vector<std::string> names;
  for (int i = 0; i < kInvariantCount; ++i) {
    names.emplace_back(InvariantName(static_cast<Invariant>(i)));
  }
  const std::vector<std::string> off = section.Strings("off");
  for (std::size_t i = 0; i < off.size() && section.ok(); ++i) {
    const std::optional<Invariant> inv = ParseInvariant(off[i]);
    if (!inv) {
      std::string list;
      for (const std::string& n : names) list += (list.empty() ? "\"" : ", \"") + n + "\"";
      section.Fail("off", "element " + std::to_string(i) + ": unknown invariant \"" + off[i] +
                              "\" (known: " + list + ")");
      break;
    }
    config.Set(*inv, Check::kOff);
  }
  config.max_attempts =
      static_cast<std::uint32_t>(section.Int("max_attempts", config.max_attempts, 1, 1'000'000));
  config.max_reconcile_lookups = static_cast<std::uint32_t>(
      section.Int("max_reconcile_lookups", config.max_reconcile_lookups, 0, 1'000'000));
  config.op_deadline_us = kUsPerMs * section.Int("op_deadline_ms", config.op_deadline_us / kUsPerMs,
                                                 1, 30LL * 24 * 3600 * 1000);
  if (std::optional<ObjectReader> rate = section.OptionalObject("client_rate")) {
    config.rate_budget = rate->Int("budget", 0, 1, 10'000'000);
    if (section.ok() && !rate->Has("budget")) rate->Fail("", "missing required field \"budget\"");
    config.rate_window_us = Sec(rate->Int("window_s", 60, 1, 86'400));
    rate->Finish();
  }
  if (std::optional<ObjectReader> bulkhead = section.OptionalObject("bulkhead")) {
    for (Lane lane : {Lane::kCritical, Lane::kNormal, Lane::kBulk}) {
      if (std::optional<ObjectReader> l = bulkhead->OptionalObject(std::string(LaneName(lane)))) {
        LaneBounds& b = config.lanes[static_cast<std::size_t>(lane)];
        b.max_in_flight = l->Int("max_in_flight", 0, 0, 1'000'000);
        b.max_queued = l->Int("max_queued", 0, 0, 100'000'000);
        l->Finish();
      }
    }
    bulkhead->Finish();
  }
  config.max_violations_kept = static_cast<std::size_t>(section.Int(
      "max_violations_kept", static_cast<std::int64_t>(config.max_violations_kept), 1, 10'000));
  section.Finish();
  if (!section.ok()) return section.error();
  return config;
}

std::string FormatTime(TimeUs at_us) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.6f s", static_cast<double>(at_us) / 1e6);
  return buf;
}

std::string FormatEvent(const Event& e) {
  const FieldNames n = NamesOf(e.kind);
  std::string out = FormatTime(e.at_us);
  out += " op=" + std::to_string(e.op_id) + " #" + std::to_string(e.attempt) +
         " key=" + std::to_string(e.key) + " " + std::string(EventKindName(e.kind)) + " " +
         std::string(n.a) + "=" + FieldText(n.a_kind, e.a) + " " + std::string(n.b) + "=" +
         FieldText(n.b_kind, e.b);
  return out;
}

std::string RenderViolation(const Violation& v) {
  std::string out = v.text;
  for (const Event& e : v.events) out += "\n    " + FormatEvent(e);
  return out;
}

// --- EvidenceLog -------------------------------------------------------------------------------

void EvidenceLog::Ring::Push(const Event& e) {
  events[next] = e;
  next = (next + 1) % kPerOp;
  if (size < kPerOp) ++size;
}

std::vector<Event> EvidenceLog::Ring::InOrder() const {
  std::vector<Event> out;
  out.reserve(size);
  const std::size_t first = (next + kPerOp - size) % kPerOp;
  for (std::size_t i = 0; i < size; ++i) out.push_back(events[(first + i) % kPerOp]);
  return out;
}

void EvidenceLog::OnEvent(const Event& e) {
  rings_[e.op_id].Push(e);
  if (e.kind == EventKind::kOpFinished && e.op_id != 0) {
    finished_.push_back(e.op_id);
    if (finished_.size() > kRecentFinished) {
      rings_.erase(finished_.front());
      finished_.pop_front();
    }
  }
  // Operations that never finish (or come back as DLQ replays) must not grow this without bound:
  // past it, the rings of the lowest (oldest) eighth of the ids go at once, so the eviction's
  // cost is amortized over many events and does not depend on the hash order.
  if (rings_.size() > kMaxRings) {
    std::vector<std::uint64_t> ids;
    ids.reserve(rings_.size());
    for (const auto& [id, ring] : rings_) ids.push_back(id);
    const std::size_t evict = ids.size() / 8 + 1;
    std::nth_element(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(evict - 1), ids.end());
    for (std::size_t i = 0; i < evict; ++i) rings_.erase(ids[i]);
  }
}

std::vector<Event> EvidenceLog::Recent(std::uint64_t op_id) const {
  auto it = rings_.find(op_id);
  return it == rings_.end() ? std::vector<Event>{} : it->second.InOrder();
}

// --- InvariantChecker --------------------------------------------------------------------------

void InvariantChecker::Violate(TimeUs at_us, std::uint64_t op_id, std::string text,
                               std::vector<Event> shown) {
  ++violation_count_;
  if (violations_.size() >= max_kept_) return;
  Violation v;
  v.at_us = at_us;
  v.op_id = op_id;
  v.text = std::move(text);
  if (evidence_ != nullptr && op_id != 0) {
    for (const Event& e : evidence_->Recent(op_id)) shown.push_back(e);
  }
  // Oldest first, each event once.
  std::stable_sort(shown.begin(), shown.end(),
                   [](const Event& a, const Event& b) { return a.at_us < b.at_us; });
  for (const Event& e : shown) {
    const bool dup = std::any_of(v.events.begin(), v.events.end(), [&](const Event& x) {
      return x.at_us == e.at_us && x.kind == e.kind && x.op_id == e.op_id &&
             x.attempt == e.attempt && x.key == e.key && x.a == e.a && x.b == e.b;
    });
    if (!dup) v.events.push_back(e);
  }
  constexpr std::size_t kMaxShown = 12;
  if (v.events.size() > kMaxShown) {
    v.events.erase(v.events.begin(),
                   v.events.begin() + static_cast<std::ptrdiff_t>(v.events.size() - kMaxShown));
  }
  violations_.push_back(std::move(v));
}

InvariantResult InvariantChecker::GetResult() const {
  InvariantResult r;
  r.name = std::string(InvariantName(invariant_));
  r.verdict = violation_count_ > 0 ? Verdict::kViolated : Verdict::kHeld;
  r.checked_count = checked_;
  r.violation_count = violation_count_;
  r.violations = violations_;
  if (!violations_.empty()) r.first_violation = RenderViolation(violations_.front());
  return r;
}

// --- AttemptsChecker ---------------------------------------------------------------------------

AttemptsChecker::AttemptsChecker(std::uint32_t max_attempts, std::uint32_t max_reconcile_lookups,
                                 std::size_t max_kept)
    : InvariantChecker(Invariant::kAttemptsBounded, max_kept),
      max_attempts_(max_attempts),
      max_lookups_(max_reconcile_lookups) {}

void AttemptsChecker::OnEvent(const Event& e) {
  switch (e.kind) {
    case EventKind::kOpStarted:
      open_[e.op_id] = Counts{};
      break;
    case EventKind::kOpFinished:
      if (open_.erase(e.op_id) > 0) Checked();
      break;
    case EventKind::kAttemptSent: {
      auto it = open_.find(e.op_id);
      if (it == open_.end()) {
        // A workflow step has no start or finish: its attempt numbers are what bound it (each
        // step is one item checked, counted at its first attempt).
        if (IsSubOperation(e.op_id) && e.attempt == 1) Checked();
        if (IsSubOperation(e.op_id) && e.attempt > max_attempts_) {
          Violate(e.at_us, e.op_id,
                  "step " + std::to_string(e.op_id & ~kSubOperationBit) + " (op id " +
                      std::to_string(e.op_id) + "): attempt " + std::to_string(e.attempt) +
                      " sent at " + FormatTime(e.at_us) + ", more than max_attempts " +
                      std::to_string(max_attempts_),
                  {e});
        }
        break;  // otherwise a DLQ replay, or not ours (ops_end_once judges those)
      }
      if (++it->second.attempts == max_attempts_ + 1) {
        Violate(e.at_us, e.op_id,
                OpText(e.op_id) + ": attempt " + std::to_string(it->second.attempts) + " sent at " +
                    FormatTime(e.at_us) + ", more than max_attempts " +
                    std::to_string(max_attempts_),
                {e});
      }
      break;
    }
    case EventKind::kReconcileSent: {
      auto it = open_.find(e.op_id);
      if (it == open_.end()) break;
      if (++it->second.lookups == max_lookups_ + 1) {
        Violate(e.at_us, e.op_id,
                OpText(e.op_id) + ": reconcile lookup " + std::to_string(it->second.lookups) +
                    " sent at " + FormatTime(e.at_us) + ", more than max_reconcile_lookups " +
                    std::to_string(max_lookups_),
                {e});
      }
      break;
    }
    default:
      break;
  }
}

// --- DeadlineChecker ---------------------------------------------------------------------------

DeadlineChecker::DeadlineChecker(TimeUs deadline_us, std::size_t max_kept)
    : InvariantChecker(Invariant::kDeadlineBounded, max_kept), deadline_us_(deadline_us) {}

void DeadlineChecker::OnEvent(const Event& e) {
  last_us_ = std::max(last_us_, e.at_us);
  if (e.kind == EventKind::kOpStarted) {
    // A workflow run carries items through several calls and waits for workers: the stack's
    // deadline bounds each of its calls, not the run (b = lane + 256 x workflow).
    if (e.b < 256) open_[e.op_id] = e.at_us;
  } else if (e.kind == EventKind::kOpFinished) {
    auto it = open_.find(e.op_id);
    if (it == open_.end()) return;
    Checked();
    const TimeUs took_us = e.at_us - it->second;
    if (took_us > deadline_us_) {
      Violate(e.at_us, e.op_id,
              OpText(e.op_id) + ": took " + MsText(took_us) + " (started " +
                  FormatTime(it->second) + ", finished " + FormatTime(e.at_us) +
                  "), over the deadline of " + MsText(deadline_us_),
              {e});
    }
    open_.erase(it);
  }
}

void DeadlineChecker::Finish(const RunSummary* summary) {
  const TimeUs end_us =
      summary != nullptr ? std::max(summary->virtual_time_us, last_us_) : last_us_;
  for (const auto& [op, start_us] : open_) {
    Checked();
    if (end_us - start_us > deadline_us_) {
      Violate(end_us, op,
              OpText(op) + ": still open at the end of the run (" + FormatTime(end_us) +
                  "), started " + FormatTime(start_us) + ", over the deadline of " +
                  MsText(deadline_us_));
    }
  }
}

// --- BreakerTransitionChecker ------------------------------------------------------------------

BreakerTransitionChecker::BreakerTransitionChecker(std::size_t max_kept)
    : InvariantChecker(Invariant::kBreakerTransitions, max_kept) {}

void BreakerTransitionChecker::OnEvent(const Event& e) {
  if (e.kind != EventKind::kBreakerTransition && e.kind != EventKind::kBreakerRejected) return;
  KeyState& k = keys_[e.key];
  const std::string who = "breaker " + std::to_string(e.key);
  auto valid = [](std::int64_t s) {
    return s >= 0 && s <= static_cast<std::int64_t>(BreakerState::kDisabled);
  };
  auto name = [](std::int64_t s) {
    return std::string(BreakerStateName(static_cast<BreakerState>(s)));
  };
  Checked();
  std::vector<Event> shown(k.recent.begin(), k.recent.end());
  shown.push_back(e);
  if (e.kind == EventKind::kBreakerRejected) {
    if (k.state == BreakerState::kClosed || k.state == BreakerState::kDisabled) {
      Violate(e.at_us, e.op_id,
              who + ": rejected a call at " + FormatTime(e.at_us) + " while " +
                  name(static_cast<std::int64_t>(k.state)) +
                  " (only open, half_open and "
                  "forced_open breakers reject)",
              shown);
    }
    return;
  }
  k.recent.push_back(e);
  if (k.recent.size() > 4) k.recent.pop_front();
  if (!valid(e.a) || !valid(e.b)) {
    Violate(e.at_us, e.op_id,
            who + ": transition with unknown state value (" + std::to_string(e.a) + " -> " +
                std::to_string(e.b) + ") at " + FormatTime(e.at_us),
            shown);
    return;
  }
  const auto from = static_cast<BreakerState>(e.a);
  const auto to = static_cast<BreakerState>(e.b);
  const std::string move = name(e.a) + " -> " + name(e.b);
  if (from != k.state) {
    Violate(e.at_us, e.op_id,
            who + ": transition " + move + " at " + FormatTime(e.at_us) + " but the breaker was " +
                name(static_cast<std::int64_t>(k.state)),
            shown);
  } else if (from == to) {
    Violate(e.at_us, e.op_id,
            who + ": transition to the same state " + move + " at " + FormatTime(e.at_us), shown);
  } else if (CauseOf(e) == TransitionCause::kAutomatic) {
    if (!engine::IsAutomaticTransition(from, to)) {
      Violate(e.at_us, e.op_id,
              who + ": illegal automatic transition " + move + " at " + FormatTime(e.at_us) +
                  " (legal: closed->open, open->half_open, half_open->closed|open; forced_open "
                  "and disabled only by manual transitions)",
              shown);
    }
  }
  k.state = to;  // follow what the breaker says, so one slip is reported once
}

// --- RetryAfterChecker -------------------------------------------------------------------------

RetryAfterChecker::RetryAfterChecker(std::size_t max_kept)
    : InvariantChecker(Invariant::kRetryAfterRespected, max_kept) {}

void RetryAfterChecker::OnEvent(const Event& e) {
  if (e.kind == EventKind::kRetryAfterGiven) {
    pending_[e.op_id] = e;
    if (pending_.size() > kMaxPending) pending_.erase(pending_.begin());
    return;
  }
  if (IsRequest(e.kind)) {
    auto it = pending_.find(e.op_id);
    if (it == pending_.end()) return;
    Checked();
    const TimeUs not_before_us = it->second.a;
    if (e.at_us < not_before_us) {
      Violate(e.at_us, e.op_id,
              OpText(e.op_id) + ": " +
                  (e.kind == EventKind::kAttemptSent ? "attempt " : "lookup ") +
                  std::to_string(e.attempt) + " sent at " + FormatTime(e.at_us) + ", " +
                  MsText(not_before_us - e.at_us) + " before the Retry-After given at " +
                  FormatTime(it->second.at_us) + " allowed (not before " +
                  FormatTime(not_before_us) + ")",
              {it->second, e});
    }
    pending_.erase(it);
    return;
  }
  if (e.kind == EventKind::kOpFinished &&
      e.a != static_cast<std::int64_t>(OpStatus::kDeadLettered)) {
    pending_.erase(e.op_id);  // no further request is expected; DLQ replays keep theirs
  }
}

// --- ClientRateChecker -------------------------------------------------------------------------

ClientRateChecker::ClientRateChecker(std::int64_t budget, TimeUs window_us, std::size_t max_kept)
    : InvariantChecker(Invariant::kClientRate, max_kept), budget_(budget), window_us_(window_us) {
  assert(budget_ > 0 && window_us_ > 0);
}

void ClientRateChecker::OnEvent(const Event& e) {
  if (!IsRequest(e.kind)) return;
  Checked();
  std::deque<TimeUs>& q = sends_[e.key];
  if (static_cast<std::int64_t>(q.size()) == budget_ && e.at_us - q.front() < window_us_) {
    Violate(e.at_us, e.op_id,
            "tenant " + std::to_string(e.key) + ": " + std::to_string(budget_ + 1) +
                " requests within " + MsText(e.at_us - q.front()) + " (from " +
                FormatTime(q.front()) + " to " + FormatTime(e.at_us) + "), over the budget of " +
                std::to_string(budget_) + " per " + MsText(window_us_),
            {e});
  }
  q.push_back(e.at_us);
  if (static_cast<std::int64_t>(q.size()) > budget_) q.pop_front();
}

// --- BulkheadChecker ---------------------------------------------------------------------------

BulkheadChecker::BulkheadChecker(std::array<LaneBounds, 3> lanes, std::size_t max_kept)
    : InvariantChecker(Invariant::kBulkheadBounds, max_kept), lanes_(lanes) {}

void BulkheadChecker::OnEvent(const Event& e) {
  if (e.kind != EventKind::kBulkheadAdmitted && e.kind != EventKind::kBulkheadReleased &&
      e.kind != EventKind::kBulkheadQueued) {
    return;
  }
  const LaneBounds bounds = e.key < lanes_.size() ? lanes_[e.key] : LaneBounds{};
  const std::string lane = e.key < lanes_.size() ? std::string(LaneName(static_cast<Lane>(e.key)))
                                                 : std::to_string(e.key);
  std::int64_t& in_flight = in_flight_[e.key];
  Checked();
  if (e.kind == EventKind::kBulkheadAdmitted) {
    ++in_flight;
    if (bounds.max_in_flight > 0 && e.a > bounds.max_in_flight) {
      Violate(e.at_us, e.op_id,
              "lane " + lane + ": " + std::to_string(e.a) + " in flight at " + FormatTime(e.at_us) +
                  ", over max_in_flight " + std::to_string(bounds.max_in_flight),
              {e});
    }
  } else if (e.kind == EventKind::kBulkheadReleased) {
    if (--in_flight < 0) {
      Violate(e.at_us, e.op_id,
              "lane " + lane + ": released at " + FormatTime(e.at_us) +
                  " with nothing admitted (releases exceed admissions)",
              {e});
      in_flight = 0;
    }
  }
  if (bounds.max_queued > 0 && e.b > bounds.max_queued) {
    Violate(e.at_us, e.op_id,
            "lane " + lane + ": " + std::to_string(e.b) + " queued at " + FormatTime(e.at_us) +
                ", over max_queued " + std::to_string(bounds.max_queued),
            {e});
  }
}

// --- OpsEndOnceChecker -------------------------------------------------------------------------

OpsEndOnceChecker::OpsEndOnceChecker(std::size_t max_kept)
    : InvariantChecker(Invariant::kOpsEndOnce, max_kept) {}

std::uint8_t OpsEndOnceChecker::StateOf(std::uint64_t op_id) const {
  if (op_id < kDenseLimit) return op_id < dense_.size() ? dense_[op_id] : 0;
  auto it = sparse_.find(op_id);
  return it == sparse_.end() ? 0 : it->second;
}

void OpsEndOnceChecker::SetState(std::uint64_t op_id, std::uint8_t state) {
  if (op_id < kDenseLimit) {
    if (op_id >= dense_.size()) dense_.resize(op_id + 1, 0);
    dense_[op_id] = state;
  } else {
    sparse_[op_id] = state;
  }
}

void OpsEndOnceChecker::OnEvent(const Event& e) {
  constexpr std::uint8_t kOpen = 1;
  constexpr std::uint8_t kFinished = 2;
  constexpr auto kDlq =
      static_cast<std::uint8_t>(kFinished + static_cast<int>(OpStatus::kDeadLettered));
  auto status_name = [](std::uint8_t state) {
    return std::string(OpStatusName(static_cast<OpStatus>(state - kFinished)));
  };
  if (e.op_id == 0 || IsSubOperation(e.op_id)) return;
  const std::uint8_t state = StateOf(e.op_id);
  switch (e.kind) {
    case EventKind::kOpStarted:
      if (state != 0) {
        Violate(e.at_us, e.op_id, OpText(e.op_id) + ": started again at " + FormatTime(e.at_us),
                {e});
        return;
      }
      SetState(e.op_id, kOpen);
      open_[e.op_id] = e.at_us;
      return;
    case EventKind::kOpFinished: {
      Checked();
      const bool valid_status =
          e.a >= 0 && e.a <= static_cast<std::int64_t>(OpStatus::kDeadLettered);
      if (state == 0) {
        Violate(e.at_us, e.op_id,
                OpText(e.op_id) + ": finished at " + FormatTime(e.at_us) + " but never started",
                {e});
      } else if (state >= kFinished) {
        Violate(e.at_us, e.op_id,
                OpText(e.op_id) + ": finished again at " + FormatTime(e.at_us) +
                    " (it had ended as " + status_name(state) + ")",
                {e});
        return;
      } else if (!valid_status) {
        Violate(e.at_us, e.op_id,
                OpText(e.op_id) + ": finished at " + FormatTime(e.at_us) + " with unknown status " +
                    std::to_string(e.a),
                {e});
      }
      SetState(e.op_id, static_cast<std::uint8_t>(kFinished + (valid_status ? e.a : 0)));
      open_.erase(e.op_id);
      return;
    }
    case EventKind::kAttemptSent:
    case EventKind::kReconcileSent:
      if (state == 0) {
        Violate(e.at_us, e.op_id,
                OpText(e.op_id) + ": request sent at " + FormatTime(e.at_us) +
                    " for an operation that never started",
                {e});
      } else if (state >= kFinished && state != kDlq) {
        Violate(e.at_us, e.op_id,
                OpText(e.op_id) + ": request sent at " + FormatTime(e.at_us) +
                    " after the operation ended as " + status_name(state) +
                    " (work continued after the caller was told it ended)",
                {e});
      }
      return;
    default:
      return;
  }
}

void OpsEndOnceChecker::Finish(const RunSummary* summary) {
  for (const auto& [op, start_us] : open_) {
    Violate(start_us, op,
            OpText(op) + ": started at " + FormatTime(start_us) + " and never finished");
  }
  if (summary == nullptr) return;
  if (summary->ops_double_finished > 0) {
    Violate(summary->virtual_time_us, 0,
            "the Runner received " + std::to_string(summary->ops_double_finished) +
                " completion(s) after an operation's first (a stack called done twice)");
  }
  if (summary->ops_unfinished > 0 && open_.empty()) {
    Violate(summary->virtual_time_us, 0,
            "the Runner counted " + std::to_string(summary->ops_unfinished) +
                " unfinished operation(s) that the trace shows finished");
  }
}

// --- ItemsEndOnceChecker ----------------------------------------------------------------------

ItemsEndOnceChecker::ItemsEndOnceChecker(std::size_t max_kept)
    : InvariantChecker(Invariant::kItemsEndOnce, max_kept) {}

ItemsEndOnceChecker::Item* ItemsEndOnceChecker::Find(std::uint64_t item_id) {
  const std::uint64_t n = item_id & ~(engine::kSubOperationBit | engine::kWorkflowItemBit);
  if (!engine::IsWorkflowItem(item_id) || n >= kMaxItems) return nullptr;
  if (n >= items_.size()) items_.resize(n + 1);
  return &items_[n];
}

void ItemsEndOnceChecker::OnEvent(const Event& e) {
  auto item_text = [&] {
    return "workflow " + std::to_string(e.key) + " item " +
           std::to_string(e.op_id & ~(engine::kSubOperationBit | engine::kWorkflowItemBit));
  };
  switch (e.kind) {
    case EventKind::kItemStarted: {
      Item* item = Find(e.op_id);
      if (item == nullptr) {
        Violate(e.at_us, e.op_id, item_text() + ": started with an id outside the items' range",
                {e});
        return;
      }
      if (item->state != 0) {
        Violate(e.at_us, e.op_id, item_text() + ": started again at " + FormatTime(e.at_us), {e});
        return;
      }
      item->state = 1;
      item->started_us = e.at_us;
      item->run = static_cast<std::uint64_t>(e.a);
      ++open_per_run_[item->run];
      return;
    }
    case EventKind::kItemFinished: {
      Checked();
      Item* item = Find(e.op_id);
      if (item == nullptr || item->state == 0) {
        Violate(e.at_us, e.op_id,
                item_text() + ": finished at " + FormatTime(e.at_us) + " but never started", {e});
        return;
      }
      if (item->state == 2) {
        Violate(e.at_us, e.op_id, item_text() + ": finished again at " + FormatTime(e.at_us), {e});
        return;
      }
      if (e.a < 0 || e.a >= engine::kItemOutcomeCount) {
        Violate(e.at_us, e.op_id,
                item_text() + ": finished with unknown outcome " + std::to_string(e.a), {e});
      }
      item->state = 2;
      auto it = open_per_run_.find(item->run);
      if (it != open_per_run_.end() && --it->second == 0) open_per_run_.erase(it);
      return;
    }
    case EventKind::kOpFinished: {
      auto it = open_per_run_.find(e.op_id);
      if (it == open_per_run_.end()) return;
      Violate(e.at_us, e.op_id,
              OpText(e.op_id) + ": the workflow run ended at " + FormatTime(e.at_us) + " with " +
                  std::to_string(it->second) + " of its item(s) still open",
              {e});
      return;
    }
    default:
      return;
  }
}

void ItemsEndOnceChecker::Finish(const RunSummary* /*summary*/) {
  for (std::size_t n = 0; n < items_.size(); ++n) {
    if (items_[n].state != 1) continue;
    const std::uint64_t id = engine::kSubOperationBit | engine::kWorkflowItemBit | n;
    Violate(items_[n].started_us, id,
            "item " + std::to_string(n) + " of run " + std::to_string(items_[n].run) +
                ": released at " + FormatTime(items_[n].started_us) + " and never finished (lost)");
  }
}

// --- CheckpointChecker -------------------------------------------------------------------------

CheckpointChecker::CheckpointChecker(std::size_t max_kept)
    : InvariantChecker(Invariant::kCheckpointSafety, max_kept) {}

void CheckpointChecker::Judge(const Event& checkpoint, std::uint32_t record, Record outcome,
                              const char* when) {
  if (outcome == Record::kSucceeded || outcome == Record::kDeadLettered) return;
  const char* why = outcome == Record::kFailed    ? "failed and is not in the DLQ"
                    : outcome == Record::kRunning ? "never finished"
                                                  : "never started";
  Violate(checkpoint.at_us, 0,
          "job " + std::to_string(checkpoint.key) + ": checkpoint advanced to record " +
              std::to_string(checkpoint.a) + " at " + FormatTime(checkpoint.at_us) +
              ", past record " + std::to_string(record) + ", which " + why + when,
          {checkpoint});
}

void CheckpointChecker::OnEvent(const Event& e) {
  switch (e.kind) {
    case EventKind::kRecordStarted: {
      if (e.a <= 0 || e.a >= kMaxRecords) return;
      const auto record = static_cast<std::uint32_t>(e.a);
      Job& job = jobs_[e.key];
      if (record >= job.records.size()) job.records.resize(record + 1, Record::kUnseen);
      job.records[record] = Record::kRunning;
      open_[e.op_id] = {e.key, record};
      return;
    }
    case EventKind::kOpFinished: {
      auto it = open_.find(e.op_id);
      if (it == open_.end()) return;
      Record outcome = Record::kFailed;
      if (e.a == static_cast<std::int64_t>(OpStatus::kSucceeded)) outcome = Record::kSucceeded;
      if (e.a == static_cast<std::int64_t>(OpStatus::kDeadLettered)) {
        outcome = Record::kDeadLettered;
      }
      const auto [job_key, record] = it->second;
      open_.erase(it);
      Job& job = jobs_[job_key];
      job.records[record] = outcome;
      // The checkpoint may legitimately be emitted while the record's operation completes (the
      // batch job hears the outcome before the Runner does): judge it now.
      auto passed = job.passed_running.find(record);
      if (passed != job.passed_running.end()) {
        Judge(passed->second, record, outcome, " when its operation ended");
        job.passed_running.erase(passed);
      }
      return;
    }
    case EventKind::kCheckpointAdvanced: {
      auto jit = jobs_.find(e.key);
      if (jit == jobs_.end() || e.a <= 0) return;  // no record of this job was seen
      Job& job = jit->second;
      const auto upto = static_cast<std::uint32_t>(std::min<std::int64_t>(e.a, kMaxRecords - 1));
      for (std::uint32_t r = job.checked_up_to + 1; r <= upto; ++r) {
        Checked();
        const Record rec = r < job.records.size() ? job.records[r] : Record::kUnseen;
        if (rec == Record::kRunning) {
          job.passed_running.emplace(r, e);
        } else {
          Judge(e, r, rec, "");
        }
      }
      job.checked_up_to = std::max(job.checked_up_to, upto);
      return;
    }
    default:
      return;
  }
}

void CheckpointChecker::Finish(const RunSummary* /*summary*/) {
  for (const auto& [key, job] : jobs_) {
    for (const auto& [record, checkpoint] : job.passed_running) {
      Judge(checkpoint, record, Record::kRunning, "");
    }
  }
}

// --- DuplicateCreateChecker --------------------------------------------------------------------

DuplicateCreateChecker::DuplicateCreateChecker(std::size_t max_kept)
    : InvariantChecker(Invariant::kNoDuplicateCreates, max_kept) {}

void DuplicateCreateChecker::CheckLedger(const Ledger& ledger) {
  // (has op id, op id or fingerprint) -> entries; ordered, so reports are deterministic.
  std::map<std::pair<bool, std::uint64_t>, std::vector<const LedgerEntry*>> creates;
  for (const LedgerEntry& entry : ledger) {
    if (!IsCreate(entry.operation)) continue;
    Checked();
    const bool has_op = entry.op_id != 0;
    creates[{has_op, has_op ? entry.op_id : entry.fingerprint}].push_back(&entry);
  }
  for (const auto& [k, entries] : creates) {
    if (entries.size() < 2) continue;
    std::string text = (k.first ? OpText(k.second) : "fingerprint " + std::to_string(k.second)) +
                       ": " + std::to_string(entries.size()) + " creates committed:";
    std::vector<Event> shown;
    for (const LedgerEntry* e : entries) {
      text += " " + e->object.ToString() + " at " + FormatTime(e->at_us);
      if (e->injected_loss && e->answered_status != 0) {
        text += " (committed, then answered " + std::to_string(e->answered_status) +
                " by the fault plan)";
      } else if (e->injected_loss) {
        text += " (committed, its response lost by the fault plan)";
      }
      text += ";";
      shown.push_back(Event{e->at_us, e->op_id, static_cast<std::int64_t>(e->operation),
                            static_cast<std::int64_t>(e->object.lo), 0, e->tenant,
                            EventKind::kServerWrite});
    }
    text.pop_back();
    Violate(entries[1]->at_us, k.first ? k.second : 0, std::move(text), std::move(shown));
  }
}

// --- InvariantSuite ----------------------------------------------------------------------------

InvariantSuite::InvariantSuite(InvariantConfig config) : config_(config) {
  const std::size_t kept = config_.max_violations_kept;
  auto add = [&](std::unique_ptr<InvariantChecker> c) {
    if (!config_.IsOn(c->invariant())) return;
    c->set_evidence(&evidence_);
    checkers_.push_back(std::move(c));
  };
  add(std::make_unique<AttemptsChecker>(config_.max_attempts, config_.max_reconcile_lookups, kept));
  add(std::make_unique<DeadlineChecker>(config_.op_deadline_us, kept));
  add(std::make_unique<BreakerTransitionChecker>(kept));
  add(std::make_unique<RetryAfterChecker>(kept));
  if (config_.rate_budget > 0) {
    add(std::make_unique<ClientRateChecker>(config_.rate_budget, config_.rate_window_us, kept));
  }
  add(std::make_unique<BulkheadChecker>(config_.lanes, kept));
  add(std::make_unique<OpsEndOnceChecker>(kept));
  add(std::make_unique<CheckpointChecker>(kept));
  add(std::make_unique<ItemsEndOnceChecker>(kept));
  if (config_.IsOn(Invariant::kNoDuplicateCreates)) {
    duplicates_ = std::make_unique<DuplicateCreateChecker>(kept);
    duplicates_->set_evidence(&evidence_);
  }
}

void InvariantSuite::OnEvent(const Event& event) {
  evidence_.OnEvent(event);  // first, so a violation's evidence includes the event itself
  for (const auto& c : checkers_) c->OnEvent(event);
}

std::vector<InvariantResult> InvariantSuite::Finish(const RunSummary& summary,
                                                    const Ledger* ledger) {
  std::vector<InvariantResult> results(kInvariantCount);
  for (int i = 0; i < kInvariantCount; ++i) {
    results[static_cast<std::size_t>(i)].name =
        std::string(InvariantName(static_cast<Invariant>(i)));
    results[static_cast<std::size_t>(i)].verdict = Verdict::kOff;
  }
  for (const auto& c : checkers_) {
    c->Finish(&summary);
    results[static_cast<std::size_t>(c->invariant())] = c->GetResult();
  }
  if (duplicates_ && ledger != nullptr) {
    duplicates_->CheckLedger(*ledger);
    results[static_cast<std::size_t>(Invariant::kNoDuplicateCreates)] = duplicates_->GetResult();
  }
  return results;
}

}  // namespace notion_sim::checks
