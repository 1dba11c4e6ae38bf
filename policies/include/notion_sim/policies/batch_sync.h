// Batch sync: per-record isolation and checkpoint advancement for a sync job (seed pattern 3).
//
// A job processes records 1..n, each as its own logical operation (LogicalOp::record), so one bad
// record does not fail the batch. Outcomes may arrive in any order. The checkpoint is the highest
// record c such that every record 1..c is settled:
//   kAdvanceOnSuccess (approach A): settled = succeeded. A failure holds the checkpoint just before
//     it (the next run processes it, and what follows, again).
//   kAdvanceWithDlq (approach B): settled = succeeded or dead-lettered. The checkpoint advances
//     fully; failures must be in the DLQ: the scenario client marks B's records park_failures, so
//     the stack dead-letters every failure (retryable ones to be reprocessed, permanent ones
//     parked for manual review). A record that failed and was not dead-lettered (a stack without
//     a DLQ) holds the checkpoint as in A.
// The invariant "a checkpoint never passes a failed record that is not in the DLQ" is checked by
// FailedPastCheckpointNotInDlq(), which must always be empty.
//
// Events: kCheckpointAdvanced (key = job, a = new checkpoint record). Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <vector>

#include "notion_sim/engine/status.h"
#include "notion_sim/engine/time.h"
#include "notion_sim/engine/trace.h"
#include "notion_sim/engine/transport.h"

namespace notion_sim::policies {

enum class CheckpointMode : std::uint8_t {
  kAdvanceOnSuccess,  // approach A
  kAdvanceWithDlq,    // approach B
};

enum class RecordOutcome : std::uint8_t { kSucceeded, kFailed, kDeadLettered };
// kSucceeded → kSucceeded; kDeadLettered → kDeadLettered; kFailed and kServedFallback → kFailed
// (a fallback is not a synced record).
RecordOutcome RecordOutcomeOf(engine::OpStatus status);

class BatchSync {
 public:
  // `trace` may be null. `job` is the batch's LogicalOp::batch value (the key of kRecordStarted and
  // kCheckpointAdvanced, so the invariant checker can match them). `max_open_records` bounds the
  // records held past the checkpoint.
  BatchSync(engine::Trace* trace, std::uint16_t job, CheckpointMode mode,
            std::size_t max_open_records = 1'000'000);

  // Records the outcome of `record` (>= 1). A record reported twice keeps the later outcome only
  // while it is still past the checkpoint (a retry of a held-back record in approach A); a second
  // report for a record already passed is refused with kInvalidInput.
  Status OnRecord(TimeUs now_us, std::uint32_t record, RecordOutcome outcome);
  // Convenience: op.record with RecordOutcomeOf(status); ops with record 0 or of another batch are
  // ignored.
  Status OnOpFinished(TimeUs now_us, const engine::LogicalOp& op, engine::OpStatus status);

  // Every record <= Checkpoint() is settled; 0 = none yet.
  std::uint32_t Checkpoint() const { return checkpoint_; }
  CheckpointMode mode() const { return mode_; }

  // Records at or below the checkpoint that failed and are not in the DLQ. By construction empty;
  // the overload also asks `in_dlq(record)` for records the job saw dead-lettered, so a checker
  // can confirm against the DLQ itself.
  std::vector<std::uint32_t> FailedPastCheckpointNotInDlq() const;
  std::vector<std::uint32_t> FailedPastCheckpointNotInDlq(
      const std::function<bool(std::uint32_t record)>& in_dlq) const;

  struct Counts {
    std::uint64_t succeeded = 0;
    std::uint64_t failed = 0;
    std::uint64_t dead_lettered = 0;
  };
  const Counts& counts() const { return counts_; }
  // Records reported past the checkpoint and not yet passed.
  std::size_t OpenRecords() const { return open_.size(); }

 private:
  bool Settles(RecordOutcome outcome) const;

  engine::Trace* trace_;
  std::uint16_t job_;
  CheckpointMode mode_;
  std::size_t max_open_records_;
  std::uint32_t checkpoint_ = 0;
  std::map<std::uint32_t, RecordOutcome> open_;  // records > checkpoint_
  // Records <= checkpoint_ that did not succeed, with their outcome (for the invariant).
  std::vector<std::pair<std::uint32_t, RecordOutcome>> passed_unsuccessful_;
  Counts counts_;
};

}  // namespace notion_sim::policies
