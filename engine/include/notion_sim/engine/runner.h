// Runner: drives a workload through a stack (Client) on a loop and returns what happened.
//
// Arrivals are pulled from the Workload one at a time and scheduled at their arrival time; each is
// handed to the Client, whose completion is counted exactly once. After the workload ends the loop
// drains (bounded by `drain_limit_us`); operations still open then are reported as unfinished.
// Works the same on SimLoop and LiveLoop. Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "notion_sim/engine/loop.h"
#include "notion_sim/engine/trace.h"
#include "notion_sim/engine/transport.h"

namespace notion_sim::engine {

struct RunOptions {
  TimeUs duration_us = Min(1);      // no arrival at or after this time
  TimeUs drain_limit_us = Min(60);  // extra time allowed for in-flight work after duration
};

struct RunSummary {
  std::uint64_t ops_started = 0;
  std::uint64_t ops_succeeded = 0;
  std::uint64_t ops_fallback = 0;
  std::uint64_t ops_failed = 0;
  std::uint64_t ops_dead_lettered = 0;
  std::uint64_t ops_unfinished = 0;       // still open when the drain limit passed
  std::uint64_t ops_double_finished = 0;  // completions after the first (a stack bug)
  std::uint64_t attempts = 0;             // attempts reported by finished operations
  TimeUs virtual_time_us = 0;             // loop time when the run ended
  TimeUs last_finish_us = 0;              // when the last operation ended
  std::string digest;                     // trace digest, hex
  std::uint64_t events = 0;               // trace events
  Status status;                          // the loop's error, if it stopped on one
  bool stopped = false;                   // Run's `stop` ended the arrivals early
};

class Runner {
 public:
  Runner(Loop& loop, Trace& trace, Workload& workload, Client& client)
      : loop_(loop), trace_(trace), workload_(workload), client_(client) {}
  // `stop` (optional; live runs stopped by Ctrl-C) is asked every kStopPollUs of loop time while
  // arrivals are due. Once it returns true no operation arrives any more, and those in flight get
  // drain_limit_us from that moment to finish; RunSummary::stopped tells.
  RunSummary Run(const RunOptions& options, const std::function<bool()>& stop = {});
  static constexpr TimeUs kStopPollUs = Ms(200);
  // The counts so far, for progress reports while Run runs (from a task on the loop's thread).
  const RunSummary& SoFar() const { return summary_; }

 private:
  void ScheduleNext();
  void Arrive();
  void Finish(std::uint64_t op_id, const OpResult& result);

  Loop& loop_;
  Trace& trace_;
  Workload& workload_;
  Client& client_;
  RunOptions options_;
  RunSummary summary_;
  LogicalOp pending_;  // the one arrival scheduled and not yet started
  EventId pending_event_;
  // op_id -> 0 open, 1 finished; op ids are dense from 1 in our workloads, sparse ids still work.
  std::vector<std::uint8_t> finished_;
};

}  // namespace notion_sim::engine
