#include "notion_sim/engine/sim_loop.h"

#include <algorithm>
#include <string>
#include <utility>

namespace notion_sim::engine {

SimLoop::SimLoop(Options options) : options_(options) {}

EventId SimLoop::Schedule(TimeUs at_us, Task&& task, bool background) {
  if (!status_.ok()) return {};
  if (timers_.Live() >= options_.max_queued_events) {
    status_ = Error{ErrorCode::kLimitExceeded,
                    "SimLoop: more than " + std::to_string(options_.max_queued_events) +
                        " events queued at t=" + std::to_string(now_us_) +
                        " us; the scenario creates work faster than it completes"};
    return {};
  }
  const EventId id = timers_.Push(std::max(at_us, now_us_), std::move(task), background);
  if (!id.valid()) {
    status_ =
        Error{ErrorCode::kLimitExceeded,
              "SimLoop: more than " + std::to_string(TimerQueue::kMaxSlots) +
                  " timers (live or cancelled) pending at t=" + std::to_string(now_us_) + " us"};
  }
  return id;
}

bool SimLoop::Cancel(EventId id) { return timers_.Cancel(id); }

bool SimLoop::RunNext(TimeUs limit_us) {
  TimeUs at_us = 0;
  Task task;
  if (!timers_.PopDue(limit_us, at_us, task)) return false;
  now_us_ = at_us;
  ++events_run_;
  task();
  return true;
}

bool SimLoop::Step() { return RunNext(kTimeNever); }

void SimLoop::RunUntil(TimeUs until_us) {
  while (status_.ok() && RunNext(until_us)) {
  }
  if (status_.ok() && until_us > now_us_) now_us_ = until_us;
}

void SimLoop::RunUntilIdle(TimeUs limit_us) {
  while (status_.ok() && timers_.Foreground() > 0 && RunNext(limit_us)) {
  }
}

}  // namespace notion_sim::engine
