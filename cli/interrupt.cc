#include "interrupt.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>

namespace notion_sim::cli {
namespace {

std::atomic<bool> requested{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the signal handler needs a lock-free flag");

struct sigaction previous_int;
struct sigaction previous_term;

extern "C" void OnInterrupt(int /*signal*/) {
  requested.store(true);
  static constexpr char kMessage[] =
      "\nnotion-sim: interrupted: finishing what is in flight and writing what finished, marked "
      "partial (interrupt again to quit at once)\n";
  // Nothing to do if stderr is gone; the flag is what matters.
  [[maybe_unused]] const ssize_t written = write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
}

}  // namespace

StopOnInterrupt::StopOnInterrupt() {
  struct sigaction action {};
  action.sa_handler = OnInterrupt;
  sigemptyset(&action.sa_mask);
  // The handler runs once; the next signal takes the default action and ends the process.
  action.sa_flags = SA_RESETHAND | SA_RESTART;
  sigaction(SIGINT, &action, &previous_int);
  sigaction(SIGTERM, &action, &previous_term);
}

StopOnInterrupt::~StopOnInterrupt() {
  sigaction(SIGINT, &previous_int, nullptr);
  sigaction(SIGTERM, &previous_term, nullptr);
}

bool StopOnInterrupt::Requested() { return requested.load(); }

}  // namespace notion_sim::cli
