// Invariant checkers: the safety properties every run must keep, checked from the trace (and the
// write ledger) whatever the scenario, the stack or the target.
//
// Each invariant is its own checker, a TraceSink fed the run's events as they happen; the ledger
// check runs once at the end. `InvariantSuite` holds the enabled checkers plus an `EvidenceLog`
// (the last few events of each recent operation) so that a violation names the invariant, the
// operation, the times and the events that show it:
//
//   InvariantSuite suite(config);             // config from the scenario's "invariants" section
//   trace.AddSink(&suite);
//   RunSummary summary = runner.Run(options);
//   std::vector<InvariantResult> results = suite.Finish(summary, &fake.ledger());
//
// Memory: per open operation (bounded by the work in flight), plus one byte per operation id for
// "ends exactly once" (like the Runner) and one per batch record for checkpoints. Violations kept
// in full are bounded (`max_violations_kept`); all are counted. Not thread-safe.
//
// The definitions, where the trace leaves room for choice:
// - attempts: kAttemptSent while the operation is open (kOpStarted..kOpFinished) count against
//   `max_attempts`; reconcile lookups (kReconcileSent) are requests too but are counted against
//   their own bound `max_reconcile_lookups`. Attempts sent after an operation was dead-lettered are
//   the DLQ's replays and are not counted against the operation.
// - deadline: kOpStarted -> kOpFinished (or the end of the run for an operation never finished);
//   workflow runs are not bounded by it (their calls are: each is a step with its own deadline).
// - breaker transitions: automatic ones (TransitionCause::kAutomatic) may only be closed->open,
//   open->half_open, half_open->closed and half_open->open; manual ones may go anywhere (an
//   operator forcing open, disabling or resetting), and they are the only way into or out of
//   forced_open and disabled. Each transition's `from` must be the key's current state (breakers
//   start closed). A breaker rejects calls only when open, half_open or forced_open.
// - Retry-After: after kRetryAfterGiven(op, not_before_us), the op's next request (kAttemptSent or
//   kReconcileSent, also a DLQ replay) must be sent at or after not_before_us.
// - client rate: per tenant, kAttemptSent + kReconcileSent in any window of `rate_window_us`
//   (half-open, [t, t + window)) never exceed `rate_budget`. A token bucket with burst capacity C
//   and refill r admits up to C + r * window in a window: set the budget to what the limiter is
//   meant to guarantee.
// - bulkhead: per lane, the in_flight a bulkhead reports in kBulkheadAdmitted (after admitting)
//   never exceeds the lane's max_in_flight and the reported queue never exceeds max_queued. The
//   reported counts are used because a run may hold several bulkheads with the same lane keys (one
//   per stack) that the trace cannot tell apart; releases never exceeding admissions is checked on
//   the sum over all of them.
// - ends exactly once: every kOpStarted has exactly one kOpFinished; no finish without a start; no
//   attempt for an operation that never started or that ended other than dead-lettered; and the
//   Runner saw no unfinished or double-finished operations. Workflow steps (IsSubOperation) are
//   not operations and are skipped; their attempts are bounded by their attempt numbers.
// - checkpoints: when kCheckpointAdvanced(job, record R) arrives, every record 1..R of that job
//   (known from kRecordStarted) must have ended succeeded or dead-lettered. A record whose
//   operation is still open then (the job may hear an outcome before the Runner emits
//   kOpFinished) is judged when that operation ends, or at the end of the run if it never does.
//   Jobs with no kRecordStarted are not checked (their records cannot be matched).
// - items end once (workflows): every kItemStarted has exactly one kItemFinished with a known
//   outcome; none finishes without a start; none is still open when the run ends ("no item
//   lost"); and no item outlives its workflow run (the run's kOpFinished comes after all of its
//   items' kItemFinished). A run without workflows has it off (not applicable; scenarios/ says so).
// - duplicate creates: in the ledger, more than one committed create for one op id, or for
//   entries without op id, the same content fingerprint twice.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "notion_sim/engine/json_reader.h"
#include "notion_sim/engine/ledger.h"
#include "notion_sim/engine/runner.h"
#include "notion_sim/engine/status.h"
#include "notion_sim/engine/time.h"
#include "notion_sim/engine/trace.h"

namespace notion_sim::checks {

// The engine's vocabulary, used here unqualified.
using engine::BreakerState;
using engine::Event;
using engine::EventKind;
using engine::IsSubOperation;
using engine::Lane;
using engine::Ledger;
using engine::ObjectReader;
using engine::OpStatus;
using engine::RunSummary;
using engine::TraceSink;
using engine::TransitionCause;

enum class Invariant : std::uint8_t {
  kNoDuplicateCreates,
  kAttemptsBounded,
  kDeadlineBounded,
  kBreakerTransitions,
  kRetryAfterRespected,
  kClientRate,
  kBulkheadBounds,
  kOpsEndOnce,
  kCheckpointSafety,
  kItemsEndOnce,
  kCount,
};
inline constexpr int kInvariantCount = static_cast<int>(Invariant::kCount);

// "no_duplicate_creates", "attempts_bounded", "deadline_bounded", "breaker_transitions",
// "retry_after_respected", "client_rate", "bulkhead_bounds", "ops_end_once", "checkpoint_safety".
std::string_view InvariantName(Invariant invariant);
std::optional<Invariant> ParseInvariant(std::string_view name);

enum class Check : std::uint8_t { kOn, kOff };

// Bounds of one bulkhead lane; 0 means not bounded (not checked).
struct LaneBounds {
  std::int64_t max_in_flight = 0;
  std::int64_t max_queued = 0;
};

struct InvariantConfig {
  std::array<Check, kInvariantCount> checks = [] {
    std::array<Check, kInvariantCount> all{};
    all.fill(Check::kOn);
    return all;
  }();
  // Defaults are safety nets that any sane stack keeps; scenarios tighten them.
  std::uint32_t max_attempts = 10;           // per operation
  std::uint32_t max_reconcile_lookups = 10;  // per operation
  TimeUs op_deadline_us = Min(10);           // kOpStarted -> kOpFinished
  std::int64_t rate_budget = 0;              // requests per tenant per window; 0 = not checked
  TimeUs rate_window_us = Sec(60);
  std::array<LaneBounds, 3> lanes;       // indexed by Lane
  std::size_t max_violations_kept = 20;  // per invariant; all are counted

  bool IsOn(Invariant invariant) const {
    return checks[static_cast<std::size_t>(invariant)] == Check::kOn;
  }
  void Set(Invariant invariant, Check check) {
    checks[static_cast<std::size_t>(invariant)] = check;
  }
};

// Reads the scenario's "invariants" section (the object itself):
//   {"off": ["client_rate"], "max_attempts": 3, "max_reconcile_lookups": 2,
//    "op_deadline_ms": 60000, "client_rate": {"budget": 180, "window_s": 60},
//    "bulkhead": {"critical": {"max_in_flight": 4, "max_queued": 50}, "bulk": {...}}}
// Every field is optional; unknown fields are errors. Errors go through the reader (so they name
// file:line:col and the JSON pointer) and are returned.
Result<InvariantConfig> ParseInvariantConfig(ObjectReader& section);

enum class Verdict : std::uint8_t { kHeld, kViolated, kOff };
std::string_view VerdictName(Verdict verdict);  // "held", "violated", "off"

struct Violation {
  TimeUs at_us = 0;
  std::uint64_t op_id = 0;    // 0 when the violation is not about one operation
  std::string text;           // what was broken, with times and values
  std::vector<Event> events;  // the events that show it (oldest first, bounded)
};

struct InvariantResult {
  std::string name;
  Verdict verdict = Verdict::kHeld;
  std::uint64_t checked_count = 0;    // how many things were checked (ops, transitions, sends)
  std::uint64_t violation_count = 0;  // all violations, kept or not
  std::vector<Violation> violations;  // the first `max_violations_kept`
  std::string first_violation;        // violations[0] rendered with its events; "" when held

  bool held() const { return verdict != Verdict::kViolated; }
};

// "12.345678 s op=17 #2 key=0 attempt_sent operation=create_page timeout_us=30000000".
std::string FormatEvent(const Event& event);
// "12.345678 s"
std::string FormatTime(TimeUs at_us);
// The violation's text followed by its events, one per line, indented.
std::string RenderViolation(const Violation& violation);

// The last few events of each open or recently finished operation, and of events without an
// operation, kept to explain violations. Memory: kPerOp events per open operation plus a fixed
// number of recently finished ones.
class EvidenceLog final : public TraceSink {
 public:
  static constexpr std::size_t kPerOp = 8;
  static constexpr std::size_t kRecentFinished = 1024;
  static constexpr std::size_t kMaxRings = 1 << 20;

  void OnEvent(const Event& event) override;
  // Oldest first; empty when the operation is unknown or long finished.
  std::vector<Event> Recent(std::uint64_t op_id) const;

 private:
  struct Ring {
    std::array<Event, kPerOp> events{};
    std::size_t next = 0;
    std::size_t size = 0;
    void Push(const Event& e);
    std::vector<Event> InOrder() const;
  };
  // Hashed: one lookup per event of the run. Never iterated on an output path; the bound evicts
  // by key order (see OnEvent), so which rings remain does not depend on the hash order.
  std::unordered_map<std::uint64_t, Ring> rings_;
  std::deque<std::uint64_t> finished_;  // ops whose ring is kept a little after they end
};

// The common part of the checkers: counts, bounded violations, evidence.
class InvariantChecker : public TraceSink {
 public:
  InvariantChecker(Invariant invariant, std::size_t max_kept)
      : invariant_(invariant), max_kept_(max_kept) {}
  void OnEvent(const Event& /*event*/) override {}
  // End-of-run checks (operations still open, the Runner's counts). `summary` may be null.
  virtual void Finish(const RunSummary* /*summary*/) {}
  // Adds the operation's recent events to each violation's evidence.
  void set_evidence(const EvidenceLog* log) { evidence_ = log; }
  Invariant invariant() const { return invariant_; }
  InvariantResult GetResult() const;

 protected:
  void Checked(std::uint64_t n = 1) { checked_ += n; }
  // `shown`: the events that prove it, in addition to the operation's recent events.
  void Violate(TimeUs at_us, std::uint64_t op_id, std::string text, std::vector<Event> shown = {});

 private:
  Invariant invariant_;
  std::size_t max_kept_;
  const EvidenceLog* evidence_ = nullptr;
  std::uint64_t checked_ = 0;
  std::uint64_t violation_count_ = 0;
  std::vector<Violation> violations_;
};

class AttemptsChecker final : public InvariantChecker {
 public:
  AttemptsChecker(std::uint32_t max_attempts, std::uint32_t max_reconcile_lookups,
                  std::size_t max_kept = 20);
  void OnEvent(const Event& event) override;

 private:
  struct Counts {
    std::uint32_t attempts = 0;
    std::uint32_t lookups = 0;
  };
  std::uint32_t max_attempts_;
  std::uint32_t max_lookups_;
  std::map<std::uint64_t, Counts> open_;
};

class DeadlineChecker final : public InvariantChecker {
 public:
  explicit DeadlineChecker(TimeUs deadline_us, std::size_t max_kept = 20);
  void OnEvent(const Event& event) override;
  void Finish(const RunSummary* summary) override;

 private:
  TimeUs deadline_us_;
  TimeUs last_us_ = 0;
  std::map<std::uint64_t, TimeUs> open_;  // op -> start
};

class BreakerTransitionChecker final : public InvariantChecker {
 public:
  explicit BreakerTransitionChecker(std::size_t max_kept = 20);
  void OnEvent(const Event& event) override;

 private:
  struct KeyState {
    BreakerState state = BreakerState::kClosed;
    std::deque<Event> recent;  // the last few transitions of this key
  };
  std::map<std::uint16_t, KeyState> keys_;
};

class RetryAfterChecker final : public InvariantChecker {
 public:
  explicit RetryAfterChecker(std::size_t max_kept = 20);
  void OnEvent(const Event& event) override;

 private:
  static constexpr std::size_t kMaxPending = 1'000'000;
  std::map<std::uint64_t, Event> pending_;  // op -> the kRetryAfterGiven not yet followed
};

class ClientRateChecker final : public InvariantChecker {
 public:
  ClientRateChecker(std::int64_t budget, TimeUs window_us, std::size_t max_kept = 20);
  void OnEvent(const Event& event) override;

 private:
  std::int64_t budget_;
  TimeUs window_us_;
  std::map<std::uint16_t, std::deque<TimeUs>> sends_;  // the last `budget` send times per tenant
};

class BulkheadChecker final : public InvariantChecker {
 public:
  explicit BulkheadChecker(std::array<LaneBounds, 3> lanes, std::size_t max_kept = 20);
  void OnEvent(const Event& event) override;

 private:
  std::array<LaneBounds, 3> lanes_;
  std::map<std::uint16_t, std::int64_t> in_flight_;  // lane -> admitted - released
};

class OpsEndOnceChecker final : public InvariantChecker {
 public:
  explicit OpsEndOnceChecker(std::size_t max_kept = 20);
  void OnEvent(const Event& event) override;
  void Finish(const RunSummary* summary) override;

 private:
  static constexpr std::uint64_t kDenseLimit = std::uint64_t{1} << 26;
  // 0 unseen, 1 open, 2 + OpStatus finished.
  std::uint8_t StateOf(std::uint64_t op_id) const;
  void SetState(std::uint64_t op_id, std::uint8_t state);

  std::vector<std::uint8_t> dense_;
  std::map<std::uint64_t, std::uint8_t> sparse_;  // ids past kDenseLimit
  std::map<std::uint64_t, TimeUs> open_;          // op -> start
};

class CheckpointChecker final : public InvariantChecker {
 public:
  explicit CheckpointChecker(std::size_t max_kept = 20);
  void OnEvent(const Event& event) override;
  void Finish(const RunSummary* summary) override;

 private:
  static constexpr std::uint32_t kMaxRecords = 1u << 24;
  enum class Record : std::uint8_t { kUnseen, kRunning, kSucceeded, kDeadLettered, kFailed };
  struct Job {
    std::vector<Record> records;  // by record index
    std::uint32_t checked_up_to = 0;
    // Records a checkpoint passed while their operation was still open: judged when it ends.
    std::map<std::uint32_t, Event> passed_running;
  };
  void Judge(const Event& checkpoint, std::uint32_t record, Record outcome, const char* when);
  std::map<std::uint16_t, Job> jobs_;
  std::map<std::uint64_t, std::pair<std::uint16_t, std::uint32_t>> open_;  // op -> (job, record)
};

class ItemsEndOnceChecker final : public InvariantChecker {
 public:
  explicit ItemsEndOnceChecker(std::size_t max_kept = 20);
  void OnEvent(const Event& event) override;
  void Finish(const RunSummary* summary) override;

 private:
  static constexpr std::uint64_t kMaxItems = std::uint64_t{1} << 26;
  struct Item {
    std::uint8_t state = 0;  // 0 unseen, 1 open, 2 finished
    TimeUs started_us = 0;
    std::uint64_t run = 0;
  };
  Item* Find(std::uint64_t item_id);
  std::vector<Item> items_;                          // by item number (the id's low bits)
  std::map<std::uint64_t, std::uint64_t> open_per_run_;  // run op id -> items still open
};

// Not a sink: the ledger is read once, at the end.
class DuplicateCreateChecker final : public InvariantChecker {
 public:
  explicit DuplicateCreateChecker(std::size_t max_kept = 20);
  void CheckLedger(const Ledger& ledger);
};

// All enabled checkers behind one sink.
class InvariantSuite final : public TraceSink {
 public:
  explicit InvariantSuite(InvariantConfig config);
  void OnEvent(const Event& event) override;
  // One result per invariant, in Invariant order (disabled ones as Verdict::kOff). `ledger` may be
  // null when the target keeps none (then no_duplicate_creates is off).
  std::vector<InvariantResult> Finish(const RunSummary& summary, const Ledger* ledger);

 private:
  InvariantConfig config_;
  EvidenceLog evidence_;
  std::vector<std::unique_ptr<InvariantChecker>> checkers_;  // trace checkers, in Invariant order
  std::unique_ptr<DuplicateCreateChecker> duplicates_;
};

}  // namespace notion_sim::checks
