// The clock and the event loop: the only source of time for the resilience stack.
//
// `Clock` gives `now`; `Loop` adds timers. Two implementations over one TimerQueue
// (timer_queue.h): `SimLoop` (virtual time that jumps from event to event) and `LiveLoop` (steady
// clock + libcurl multi, in the engine_live target). Policies receive a `Clock&` or `Loop&` in
// their constructor and never read the real clock. Not thread-safe: one loop is driven by one
// thread.
#pragma once

#include <cstdint>

#include "notion_sim/engine/status.h"
#include "notion_sim/engine/task.h"
#include "notion_sim/engine/time.h"

namespace notion_sim::engine {

class Clock {
 public:
  virtual ~Clock() = default;
  // Microseconds since the start of the run.
  virtual TimeUs NowUs() const = 0;
  // The run's calendar: the Unix time, in microseconds, of time 0. A run has one, and HTTP-dates
  // (Retry-After) are read and written against it: the workspace's epoch in simulation
  // (kDefaultEpochUnixS unless it says otherwise), the wall clock at the start of a live run.
  virtual std::int64_t EpochUnixUs() const { return kDefaultEpochUnixS * kUsPerSec; }
  // Now on that calendar (microseconds since 1970-01-01T00:00:00Z).
  std::int64_t UnixNowUs() const { return EpochUnixUs() + NowUs(); }
};

// A clock whose time the caller sets (tests, replay). Thread-compatible.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimeUs now_us = 0) : now_us_(now_us) {}
  TimeUs NowUs() const override { return now_us_; }
  std::int64_t EpochUnixUs() const override { return epoch_unix_us_; }
  void Set(TimeUs now_us) { now_us_ = now_us; }
  void Advance(TimeUs delta_us) { now_us_ += delta_us; }
  void set_epoch_unix_us(std::int64_t epoch_unix_us) { epoch_unix_us_ = epoch_unix_us; }

 private:
  TimeUs now_us_;
  std::int64_t epoch_unix_us_ = kDefaultEpochUnixS * kUsPerSec;
};

// Handle of a scheduled task, for Cancel. A default EventId names no event.
struct EventId {
  std::uint32_t slot = UINT32_MAX;
  std::uint32_t generation = 0;
  bool valid() const { return slot != UINT32_MAX; }
};

class Loop : public Clock {
 public:
  // Runs `task` at `at_us` (a time in the past means now). Tasks due at the same time run in the
  // order they were scheduled. A task's captures up to Task::kInlineBytes cost no allocation.
  virtual EventId ScheduleAt(TimeUs at_us, Task task) = 0;
  EventId ScheduleAfter(TimeUs delay_us, Task task) {
    return ScheduleAt(NowUs() + (delay_us > 0 ? delay_us : 0), std::move(task));
  }
  // Like ScheduleAt, for a task that must not keep the loop busy (Node's `timer.unref()`, which
  // opossum uses for its rolling window): Pending() does not count it and RunUntilIdle ends when
  // only such tasks remain. While the loop runs it still runs, in order with the others.
  virtual EventId ScheduleBackgroundAt(TimeUs at_us, Task task) = 0;
  // Cancels a task that has not run. Returns false if it already ran or was cancelled.
  virtual bool Cancel(EventId id) = 0;
  // Runs every task due up to `until_us`, then sets now to `until_us` (virtual time) or waits
  // until then (real time). Stops early on an error (see status()).
  virtual void RunUntil(TimeUs until_us) = 0;
  // Runs until no task is pending or `limit_us` is reached, whichever comes first.
  virtual void RunUntilIdle(TimeUs limit_us) = 0;
  // Tasks scheduled and not yet run, background tasks excepted.
  virtual std::size_t Pending() const = 0;
  // OK, or the error that stopped the loop (e.g. the bound on queued events).
  virtual const Status& status() const = 0;
};

}  // namespace notion_sim::engine
