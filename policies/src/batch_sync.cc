#include "notion_sim/policies/batch_sync.h"

#include <algorithm>
#include <string>

namespace notion_sim::policies {

RecordOutcome RecordOutcomeOf(engine::OpStatus status) {
  switch (status) {
    case engine::OpStatus::kSucceeded:
      return RecordOutcome::kSucceeded;
    case engine::OpStatus::kDeadLettered:
      return RecordOutcome::kDeadLettered;
    case engine::OpStatus::kFailed:
    case engine::OpStatus::kServedFallback:
      return RecordOutcome::kFailed;
  }
  return RecordOutcome::kFailed;
}

BatchSync::BatchSync(engine::Trace* trace, std::uint16_t job, CheckpointMode mode,
                     std::size_t max_open_records)
    : trace_(trace), job_(job), mode_(mode), max_open_records_(max_open_records) {}

bool BatchSync::Settles(RecordOutcome outcome) const {
  if (outcome == RecordOutcome::kSucceeded) return true;
  return mode_ == CheckpointMode::kAdvanceWithDlq && outcome == RecordOutcome::kDeadLettered;
}

Status BatchSync::OnRecord(TimeUs now_us, std::uint32_t record, RecordOutcome outcome) {
  if (record == 0) return InvalidInput("batch sync: record numbers start at 1");
  if (record <= checkpoint_) {
    return InvalidInput("batch sync: record " + std::to_string(record) +
                        " reported after the checkpoint passed it (" + std::to_string(checkpoint_) +
                        ")");
  }
  auto it = open_.find(record);
  if (it == open_.end() && open_.size() >= max_open_records_) {
    return Error{ErrorCode::kLimitExceeded, "batch sync: more than " +
                                                std::to_string(max_open_records_) +
                                                " records past the checkpoint"};
  }
  switch (outcome) {
    case RecordOutcome::kSucceeded:
      ++counts_.succeeded;
      break;
    case RecordOutcome::kFailed:
      ++counts_.failed;
      break;
    case RecordOutcome::kDeadLettered:
      ++counts_.dead_lettered;
      break;
  }
  open_[record] = outcome;
  // Advance over the contiguous run of settled records after the checkpoint.
  const std::uint32_t before = checkpoint_;
  while (!open_.empty() && open_.begin()->first == checkpoint_ + 1 &&
         Settles(open_.begin()->second)) {
    if (open_.begin()->second != RecordOutcome::kSucceeded) {
      passed_unsuccessful_.emplace_back(open_.begin()->first, open_.begin()->second);
    }
    checkpoint_ = open_.begin()->first;
    open_.erase(open_.begin());
  }
  if (checkpoint_ != before && trace_ != nullptr) {
    trace_->Emit(engine::EventKind::kCheckpointAdvanced, now_us, 0, 0, job_, checkpoint_, 0);
  }
  return {};
}

Status BatchSync::OnOpFinished(TimeUs now_us, const engine::LogicalOp& op,
                               engine::OpStatus status) {
  if (op.record == 0 || (op.batch != 0 && op.batch != job_)) return {};
  return OnRecord(now_us, op.record, RecordOutcomeOf(status));
}

std::vector<std::uint32_t> BatchSync::FailedPastCheckpointNotInDlq() const {
  std::vector<std::uint32_t> out;
  for (const auto& [record, outcome] : passed_unsuccessful_) {
    if (outcome != RecordOutcome::kDeadLettered) out.push_back(record);
  }
  return out;
}

std::vector<std::uint32_t> BatchSync::FailedPastCheckpointNotInDlq(
    const std::function<bool(std::uint32_t record)>& in_dlq) const {
  std::vector<std::uint32_t> out;
  for (const auto& [record, outcome] : passed_unsuccessful_) {
    if (outcome != RecordOutcome::kDeadLettered || !in_dlq(record)) out.push_back(record);
  }
  return out;
}

}  // namespace notion_sim::policies
