#include "notion_sim/engine/runner.h"

#include <algorithm>

namespace notion_sim::engine {

RunSummary Runner::Run(const RunOptions& options, const std::function<bool()>& stop) {
  options_ = options;
  summary_ = RunSummary{};
  ScheduleNext();
  TimeUs drain_until_us = options_.duration_us + options_.drain_limit_us;
  if (!stop) {
    loop_.RunUntil(options_.duration_us);
  } else {
    // In slices, so that a stop request is seen within kStopPollUs.
    while (loop_.NowUs() < options_.duration_us && loop_.status().ok()) {
      if (stop()) {
        summary_.stopped = true;
        loop_.Cancel(pending_event_);
        drain_until_us = loop_.NowUs() + options_.drain_limit_us;
        break;
      }
      loop_.RunUntil(std::min(loop_.NowUs() + kStopPollUs, options_.duration_us));
    }
  }
  loop_.RunUntilIdle(drain_until_us);
  client_.Finish();
  loop_.RunUntilIdle(drain_until_us);
  summary_.virtual_time_us = loop_.NowUs();
  summary_.ops_unfinished = 0;
  for (std::size_t id = 1; id < finished_.size(); ++id) {
    if (finished_[id] == 1) ++summary_.ops_unfinished;
  }
  summary_.digest = trace_.DigestHex();
  summary_.events = trace_.Count();
  summary_.status = loop_.status();
  return summary_;
}

void Runner::ScheduleNext() {
  std::optional<LogicalOp> op = workload_.Next();
  if (!op || op->arrival_us >= options_.duration_us) return;
  pending_ = std::move(*op);
  pending_event_ = loop_.ScheduleAt(pending_.arrival_us, [this] { Arrive(); });
}

void Runner::Arrive() {
  const LogicalOp op = std::move(pending_);
  const std::uint64_t id = op.op_id;
  if (id >= finished_.size()) finished_.resize(id + 1, 0);
  finished_[id] = 1;  // open
  ++summary_.ops_started;
  trace_.Emit(EventKind::kOpStarted, loop_.NowUs(), id, 0, op.tenant,
              static_cast<std::int64_t>(op.operation),
              static_cast<std::int64_t>(op.lane) + 256 * static_cast<std::int64_t>(op.workflow));
  // Batch records are matched to checkpoints by the invariant checkers.
  if (op.record != 0) {
    trace_.Emit(EventKind::kRecordStarted, loop_.NowUs(), id, 0, op.batch, op.record, 0);
  }
  // Pull the next arrival before executing, so ties keep workload order.
  ScheduleNext();
  client_.Execute(op, [this, id](const OpResult& result) { Finish(id, result); });
}

void Runner::Finish(std::uint64_t op_id, const OpResult& result) {
  if (op_id >= finished_.size() || finished_[op_id] != 1) {
    ++summary_.ops_double_finished;
    return;
  }
  finished_[op_id] = 2;
  summary_.attempts += result.attempts;
  summary_.last_finish_us = loop_.NowUs();
  switch (result.status) {
    case OpStatus::kSucceeded:
      ++summary_.ops_succeeded;
      break;
    case OpStatus::kServedFallback:
      ++summary_.ops_fallback;
      break;
    case OpStatus::kFailed:
      ++summary_.ops_failed;
      break;
    case OpStatus::kDeadLettered:
      ++summary_.ops_dead_lettered;
      break;
  }
  trace_.Emit(EventKind::kOpFinished, loop_.NowUs(), op_id, result.attempts, 0,
              static_cast<std::int64_t>(result.status), result.last.status);
}

}  // namespace notion_sim::engine
