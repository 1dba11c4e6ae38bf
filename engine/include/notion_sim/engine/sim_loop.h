// SimLoop: a discrete-event loop on virtual time.
//
// Time jumps to the next due task; ties are broken by (time, sequence number), so equal times keep
// FIFO order (the TimerQueue it shares with LiveLoop). The number of queued tasks is bounded:
// scheduling past the bound stops the loop with an error naming the bound, the time and the queue
// size (a scenario that generates work faster than it completes must fail loudly, not eat the
// machine). Not thread-safe.
//
//   SimLoop loop;
//   loop.ScheduleAt(Sec(5), [&] { ... });
//   loop.RunUntil(Min(1));
#pragma once

#include <cstdint>

#include "notion_sim/engine/loop.h"
#include "notion_sim/engine/timer_queue.h"

namespace notion_sim::engine {

class SimLoop final : public Loop {
 public:
  struct Options {
    std::size_t max_queued_events = 4'000'000;
  };
  SimLoop() : SimLoop(Options{}) {}
  explicit SimLoop(Options options);

  TimeUs NowUs() const override { return now_us_; }
  std::int64_t EpochUnixUs() const override { return epoch_unix_us_; }
  // The calendar of the run (the scenario's workspace epoch); set before the run starts.
  void set_epoch_unix_us(std::int64_t epoch_unix_us) { epoch_unix_us_ = epoch_unix_us; }
  EventId ScheduleAt(TimeUs at_us, Task task) override {
    return Schedule(at_us, std::move(task), false);
  }
  EventId ScheduleBackgroundAt(TimeUs at_us, Task task) override {
    return Schedule(at_us, std::move(task), true);
  }
  bool Cancel(EventId id) override;
  void RunUntil(TimeUs until_us) override;
  void RunUntilIdle(TimeUs limit_us) override;
  std::size_t Pending() const override { return timers_.Foreground(); }
  const Status& status() const override { return status_; }

  // Runs the next due task, if any. Returns false when nothing is pending.
  bool Step();
  // Tasks run since construction.
  std::uint64_t EventsRun() const { return events_run_; }

 private:
  EventId Schedule(TimeUs at_us, Task&& task, bool background);
  // Pops the next due entry (by `limit_us`) and runs it if live. False when nothing was due.
  bool RunNext(TimeUs limit_us);

  Options options_;
  TimeUs now_us_ = 0;
  std::int64_t epoch_unix_us_ = kDefaultEpochUnixS * kUsPerSec;
  std::uint64_t events_run_ = 0;
  TimerQueue timers_;
  Status status_;
};

}  // namespace notion_sim::engine
