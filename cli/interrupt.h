// Ctrl-C for long commands (run, explore, sweep, capacity): the first SIGINT or SIGTERM asks the
// work to stop. No new item starts, the items in flight finish (a live run stops its arrivals and
// drains), and the command writes what finished, marked partial, then exits kExitInterrupted (130).
// A second signal ends the process at once (the default action), for work that will not finish.
//
//   StopOnInterrupt interrupt;                 // handlers installed for this scope
//   RunExplore(..., [] { return StopOnInterrupt::Requested(); });
//   if (StopOnInterrupt::Requested()) ...      // write what finished, marked partial
//
// Thread-safe: Requested() may be polled from any thread; the handler only sets a lock-free flag
// and writes one line to stderr (both async-signal-safe).
#pragma once

namespace notion_sim::cli {

class StopOnInterrupt {
 public:
  StopOnInterrupt();   // installs the handlers of SIGINT and SIGTERM
  ~StopOnInterrupt();  // restores the previous ones
  StopOnInterrupt(const StopOnInterrupt&) = delete;
  StopOnInterrupt& operator=(const StopOnInterrupt&) = delete;

  static bool Requested();
};

}  // namespace notion_sim::cli
