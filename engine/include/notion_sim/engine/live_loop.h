// LiveLoop: the event loop of live runs — the real (steady) clock plus libcurl's multi interface,
// driven by ONE thread.
//
// Timers behave as in SimLoop: a heap ordered by (time, sequence), so tasks due at the same time
// run in the order they were scheduled, and Cancel leaves a tombstone that is skipped. The
// difference is that time is real: RunUntil waits (in curl_multi_poll) until the target time,
// running due timers and HTTP completions as they come. Many transfers progress concurrently on
// the one thread; there is no thread per request.
//
// The loop owns the CURLM handle. CurlTransport (curl_transport.h) hands it configured easy
// handles through StartTransfer and gets the result back on the loop's thread. Both bounds (queued
// timers, transfers in flight) stop the loop with an error instead of eating the machine, like
// SimLoop's bound.
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
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include <curl/curl.h>

#include "notion_sim/engine/loop.h"

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
  // Runs on the loop's thread when a transfer ends: the CURLcode of the transfer (CURLE_OK when
  // an HTTP response arrived, whatever its status).
  using TransferDone = std::function<void(CURLcode)>;

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
  std::size_t Pending() const override {
    return live_timers_ - background_timers_ + transfers_.size();
  }
  const Status& status() const override { return status_; }

  // Starts `easy` (fully configured by the caller) on the loop's multi handle; `done` runs once,
  // on the loop's thread, when it completes. The caller keeps owning `easy` and must not touch it
  // until then (or until AbortTransfer). Fails (and stops the loop) past Options::max_transfers.
  Status StartTransfer(CURL* easy, TransferDone done);
  // Removes a transfer that has not completed; its `done` never runs. Returns false if `easy` is
  // not in flight.
  bool AbortTransfer(CURL* easy);
  std::size_t TransfersInFlight() const { return transfers_.size(); }
  std::size_t TimersPending() const { return live_timers_; }
  // Tasks run and transfers completed since construction.
  std::uint64_t TasksRun() const { return tasks_run_; }
  std::uint64_t TransfersCompleted() const { return transfers_completed_; }

 private:
  struct Entry {
    TimeUs at_us;
    std::uint64_t seq;
    std::uint32_t slot;
  };
  struct Slot {
    Task task;
    std::uint32_t generation = 0;
    bool live = false;
    bool background = false;
  };
  enum class Mode : std::uint8_t { kUntil, kIdle };
  static bool Later(const Entry& a, const Entry& b) {
    return a.at_us != b.at_us ? a.at_us > b.at_us : a.seq > b.seq;
  }
  EventId Schedule(TimeUs at_us, Task task, bool background);
  // A live slot stops being live (it ran or was cancelled).
  void Retire(Slot& s);
  void Run(TimeUs until_us, Mode mode);
  // Runs timers due at or before `limit_us`, at most a bounded number per call (so a task that
  // keeps rescheduling itself "now" cannot starve the transfers).
  void RunDueTimers(TimeUs limit_us);
  // Lets libcurl make progress and runs the callbacks of finished transfers.
  void PerformTransfers();
  // Blocks in curl_multi_poll for at most `wait_us` (rounded up to whole milliseconds).
  void Wait(TimeUs wait_us);
  void FreeSlot(std::uint32_t slot);
  void Stop(Error error);

  Options options_;
  std::chrono::steady_clock::time_point start_;
  std::int64_t epoch_unix_us_ = 0;
  CURLM* multi_ = nullptr;
  std::uint64_t next_seq_ = 0;
  std::uint64_t tasks_run_ = 0;
  std::uint64_t transfers_completed_ = 0;
  std::size_t live_timers_ = 0;        // background ones included
  std::size_t background_timers_ = 0;  // live background timers
  std::vector<Entry> heap_;
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_slots_;
  // Keyed by the easy handle; looked up, never iterated on an output path.
  std::unordered_map<CURL*, TransferDone> transfers_;
  bool running_ = false;
  Status status_;
};

}  // namespace notion_sim::engine
