// The dead-letter queue: operations the stack gave up on, kept and retried later instead of lost.
//
// An entry holds the operation (with its payload), the last error, how often it was reprocessed and
// when. The processor reprocesses one entry at a time on a retry schedule spread over hours
// (seed patterns 1 and 3): the k-th reprocess waits retry_delays_us[k] (the last delay repeats).
// A failed reprocess adds one attempt; after `max_attempts` failed reprocesses the entry becomes
// permanent and stays for manual review (5 in seed pattern 1, 10 in pattern 3). So every enqueued
// entry ends drained (reprocessed successfully), permanent, or still pending: nothing is lost.
//
// Storage is an interface with two implementations: MemoryDeadLetterStore for simulation and
// SqliteDeadLetterStore for live runs (sqlite_store.h, in the policies_live target: WAL, one
// transaction per change, survives a crash: after a kill every committed entry is there and
// nothing half-written is).
//
// Events (key = tenant): kDlqEnqueued (depth, attempts the stack made), kDlqRetried (depth,
// reprocess number starting), kDlqPermanent (depth, reprocesses), kDlqDrained (depth after,
// reprocesses). Depth counts every held entry, permanent ones included. Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "notion_sim/engine/json_reader.h"
#include "notion_sim/engine/loop.h"
#include "notion_sim/engine/status.h"
#include "notion_sim/engine/time.h"
#include "notion_sim/engine/trace.h"
#include "notion_sim/engine/transport.h"

namespace notion_sim::policies {

enum class DeadLetterState : std::uint8_t {
  kPending,    // waiting for next_attempt_us
  kRetrying,   // handed to the reprocess callback, outcome not known yet
  kPermanent,  // out of attempts: manual review
};
std::string_view DeadLetterStateName(DeadLetterState state);

struct DeadLetter {
  std::uint64_t id = 0;  // > 0, increasing in enqueue order
  engine::LogicalOp op;
  std::string error;                 // the last error, human-readable
  std::uint32_t stack_attempts = 0;  // attempts the stack made before enqueueing
  std::uint32_t attempts = 0;        // failed reprocesses so far
  TimeUs enqueued_us = 0;
  TimeUs last_attempt_us = 0;  // enqueue time until the first reprocess
  TimeUs next_attempt_us = 0;  // kTimeNever when permanent
  DeadLetterState state = DeadLetterState::kPending;
};
// Field-by-field equality; payloads compare by JSON value.
bool SameDeadLetter(const DeadLetter& a, const DeadLetter& b);

class DeadLetterStore {
 public:
  virtual ~DeadLetterStore() = default;
  // Inserts or replaces the entry with this id, atomically.
  virtual Status Put(const DeadLetter& entry) = 0;
  virtual Status Remove(std::uint64_t id) = 0;
  // Every entry, by id.
  virtual Result<std::vector<DeadLetter>> Load() = 0;
};

class MemoryDeadLetterStore final : public DeadLetterStore {
 public:
  Status Put(const DeadLetter& entry) override;
  Status Remove(std::uint64_t id) override;
  Result<std::vector<DeadLetter>> Load() override;
  std::size_t size() const { return entries_.size(); }

 private:
  std::map<std::uint64_t, DeadLetter> entries_;
};

struct DlqConfig {
  // Delay before the k-th reprocess (k from 0); the last one repeats. Seed: spread over hours.
  std::vector<TimeUs> retry_delays_us = {Min(1), Min(5), Min(30), 2 * kUsPerHour, 6 * kUsPerHour};
  std::uint32_t max_attempts = 5;   // failed reprocesses before permanent (seed 1: 5; seed 3: 10)
  std::size_t max_depth = 100'000;  // a full queue refuses (the caller surfaces the failure)
};
// {"retry_delays_ms": [...], "max_attempts": n, "max_depth": n}.
Result<DlqConfig> ParseDlqConfig(engine::ObjectReader& r, DlqConfig defaults);

class DeadLetterQueue {
 public:
  // Reprocesses one operation; calls `done` exactly once (now or later, on the loop) with the
  // outcome and, on failure, the error to keep.
  using Done = std::function<void(bool ok, std::string error)>;
  using Reprocess = std::function<void(const engine::LogicalOp&, Done)>;

  // Loads what `store` already holds (entries of a crashed run resume as pending; an entry that
  // was being reprocessed is retried) and schedules the processor. `trace` may be null.
  DeadLetterQueue(engine::Loop& loop, engine::Trace* trace, DeadLetterStore& store,
                  DlqConfig config, Reprocess reprocess);
  ~DeadLetterQueue();
  DeadLetterQueue(const DeadLetterQueue&) = delete;
  DeadLetterQueue& operator=(const DeadLetterQueue&) = delete;

  // Parks `op` after the stack gave up; returns the entry id. Fails with kLimitExceeded when the
  // queue holds max_depth entries (nothing is held then: the caller must surface the failure). A
  // store error does not fail the call: the entry is held in memory, written again on its next
  // change, and the error is kept in store_status().
  Result<std::uint64_t> Enqueue(const engine::LogicalOp& op, std::string error,
                                std::uint32_t stack_attempts);
  // Parks `op` for manual review at once (permanent, never reprocessed): a failure no retry can
  // mend (a record the API refuses) that must still not be lost. Same limits as Enqueue; emits
  // kDlqEnqueued then kDlqPermanent.
  Result<std::uint64_t> Park(const engine::LogicalOp& op, std::string error,
                             std::uint32_t stack_attempts);

  // Entries held (pending, retrying and permanent).
  std::size_t Depth() const { return entries_.size(); }
  std::size_t PendingCount() const { return Depth() - permanent_; }
  std::size_t PermanentCount() const { return permanent_; }
  // The held entries by id (for reports and invariants).
  std::vector<DeadLetter> Entries() const;
  bool Holds(std::uint64_t op_id) const;

  // Lifetime counters: enqueued == drained + permanent + pending, always.
  struct Totals {
    std::uint64_t enqueued = 0;
    std::uint64_t drained = 0;
    std::uint64_t permanent = 0;
    std::uint64_t reprocesses = 0;
  };
  const Totals& totals() const { return totals_; }
  // OK, or the last error the store returned.
  const Status& store_status() const { return store_status_; }

  // No further reprocessing (a reprocess in flight still records its outcome). Entries stay.
  void Stop();
  // Reprocesses every pending entry now, one at a time, ignoring the schedule (manual drain).
  void RetryAllNow();

 private:
  void Arm();
  void RunNext();
  void Finish(std::uint64_t id, bool ok, std::string error);
  // Enqueue's and Park's new entry, counted and held (not yet persisted or traced): pending with
  // its first reprocess due, or permanent; an error when the queue is full.
  Result<const DeadLetter*> Add(const engine::LogicalOp& op, std::string error,
                                std::uint32_t stack_attempts, DeadLetterState state);
  void Persist(const DeadLetter& entry);
  void Emit(engine::EventKind kind, const DeadLetter& entry, std::int64_t b);
  TimeUs DelayFor(std::uint32_t attempts) const;

  engine::Loop& loop_;
  engine::Trace* trace_;
  DeadLetterStore& store_;
  DlqConfig config_;
  Reprocess reprocess_;
  std::map<std::uint64_t, DeadLetter> entries_;
  std::set<std::pair<TimeUs, std::uint64_t>> schedule_;  // pending: (next_attempt_us, id)
  std::size_t permanent_ = 0;
  std::uint64_t next_id_ = 1;
  std::uint64_t in_flight_ = 0;  // id being reprocessed, 0 = none
  engine::EventId timer_;
  TimeUs timer_at_us_ = kTimeNever;
  bool stopped_ = false;
  Totals totals_;
  Status store_status_;
  std::shared_ptr<bool> alive_;  // lets a late Done see that the queue is gone
};

}  // namespace notion_sim::policies
