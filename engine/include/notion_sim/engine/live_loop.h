// LiveLoop: the event loop of live runs — the real (steady) clock plus libcurl's multi interface,
// driven by ONE thread.
//
// Timers behave as in SimLoop, whose TimerQueue it shares: ordered by (time, sequence), so tasks
// due at the same time run in the order they were scheduled, and Cancel removes a timer at once.
// The difference is that time is real: RunUntil waits (in curl_multi_poll) until the target time,
// running due timers and HTTP completions as they come. Many transfers progress concurrently on
// the one thread; there is no thread per request.
//
// The loop owns libcurl's multi handle. CurlTransport (curl_transport.h) hands it configured easy
// handles (through LiveLoop::Multi, declared in engine/src/live/curl_multi.h so that
// <curl/curl.h> stays out of public headers) and gets the result back on the loop's thread. Both
// bounds (queued timers, transfers in flight) stop the loop with an error instead of eating the
// machine, like SimLoop's bound.
//
//   LiveLoop loop;
//   loop.ScheduleAfter(Ms(50), [&] { ... });
//   loop.RunUntil(loop.NowUs() + Sec(1));   // returns no earlier than one second later
//
// Not thread-safe: construct, drive and destroy it on one thread. Not reentrant: a task must not
// call RunUntil / RunUntilIdle. Destroy users of the loop (CurlTransport) before the loop.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "notion_sim/engine/loop.h"
#include "notion_sim/engine/timer_queue.h"

namespace notion_sim::engine {

class LiveLoop final : public Loop {
 public:
  struct Options {
    // Timers scheduled and not yet run; one more stops the loop with kLimitExceeded.
    std::size_t max_queued_timers = 1'000'000;
    // Transfers started and not yet completed; one more stops the loop with kLimitExceeded.
    std::size_t max_transfers = 4'096;
    // Connections libcurl keeps open for reuse (CURLMOPT_MAXCONNECTS).
    long max_cached_connections = 256;
    // Connections per host at once (CURLMOPT_MAX_HOST_CONNECTIONS); 0 = no limit, transfers over
    // the limit queue inside libcurl.
    long max_host_connections = 0;
  };
  LiveLoop() : LiveLoop(Options{}) {}
  explicit LiveLoop(Options options);
  ~LiveLoop() override;
  LiveLoop(const LiveLoop&) = delete;
  LiveLoop& operator=(const LiveLoop&) = delete;

  // Microseconds of the steady clock since this loop was constructed: a run's time 0 is the
  // loop's construction, so make the loop right before the run (arrivals already in the past run
  // at once, in order).
  TimeUs NowUs() const override;
  // The wall clock (system_clock) when the loop was constructed: a live run's calendar, the one
  // servers date their Retry-After headers on. Steady time counts from it, so a jump of the wall
  // clock during the run does not move the run's own time.
  std::int64_t EpochUnixUs() const override { return epoch_unix_us_; }
  EventId ScheduleAt(TimeUs at_us, Task task) override {
    return Schedule(at_us, std::move(task), false);
  }
  EventId ScheduleBackgroundAt(TimeUs at_us, Task task) override {
    return Schedule(at_us, std::move(task), true);
  }
  bool Cancel(EventId id) override;
  // Waits in real time until `until_us`, running timers due up to then and transfer completions as
  // they arrive. Returns when NowUs() >= until_us (or at once on an error).
  void RunUntil(TimeUs until_us) override;
  // Runs until no timer (background ones excepted) and no transfer is pending, or until `limit_us`.
  // Returns without waiting when the only timers left are due after `limit_us`.
  void RunUntilIdle(TimeUs limit_us) override;
  // Timers not yet run (background ones excepted) plus transfers not yet completed: zero means
  // idle.
  std::size_t Pending() const override;
  const Status& status() const override { return status_; }

  std::size_t TransfersInFlight() const;
  std::size_t TimersPending() const { return timers_.Live(); }
  // Tasks run and transfers completed since construction.
  std::uint64_t TasksRun() const { return tasks_run_; }
  std::uint64_t TransfersCompleted() const { return transfers_completed_; }

 private:
  // libcurl's half: the multi handle and the transfers in flight (engine/src/live/curl_multi.h).
  // CurlTransport starts and aborts its transfers through it.
  struct Multi;
  friend class CurlTransport;

  enum class Mode : std::uint8_t { kUntil, kIdle };
  EventId Schedule(TimeUs at_us, Task&& task, bool background);
  void Run(TimeUs until_us, Mode mode);
  // Runs timers due at or before `limit_us`, at most a bounded number per call (so a task that
  // keeps rescheduling itself "now" cannot starve the transfers).
  void RunDueTimers(TimeUs limit_us);
  void Stop(Error error);

  Options options_;
  std::chrono::steady_clock::time_point start_;
  std::int64_t epoch_unix_us_ = 0;
  std::uint64_t tasks_run_ = 0;
  std::uint64_t transfers_completed_ = 0;
  TimerQueue timers_;
  std::unique_ptr<Multi> multi_;
  bool running_ = false;
  Status status_;
};

}  // namespace notion_sim::engine
