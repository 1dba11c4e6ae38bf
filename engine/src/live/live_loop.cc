// LiveLoop: real time and libcurl multi on one thread. It may read the real clock: it is in the
// engine_live target, which no deterministic target links (tests/determinism_guard.sh).
#include "notion_sim/engine/live_loop.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "curl_multi.h"

namespace notion_sim::engine {
namespace {

// Assertions stay on in release builds.
void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "LiveLoop: check failed: %s\n", what);
    std::abort();
  }
}

// Timers run per pass before libcurl gets a turn again.
constexpr int kMaxTimersPerPass = 4096;
// The longest single wait in curl_multi_poll: the loop re-reads the clock at least this often.
constexpr TimeUs kMaxWaitUs = Sec(1);

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Process-wide and never undone: libcurl's global state outlives every loop.
    Check(curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK, "curl_global_init");
  });
}

}  // namespace

LiveLoop::Multi::Multi(LiveLoop& owner) : loop(owner) {
  GlobalInitOnce();
  handle = curl_multi_init();
  Check(handle != nullptr, "curl_multi_init");
  curl_multi_setopt(handle, CURLMOPT_MAXCONNECTS, loop.options_.max_cached_connections);
  if (loop.options_.max_host_connections > 0) {
    curl_multi_setopt(handle, CURLMOPT_MAX_HOST_CONNECTIONS, loop.options_.max_host_connections);
  }
  transfers.reserve(64);
}

LiveLoop::Multi::~Multi() {
  // Transfers still registered belong to a transport that outlived the loop (a misuse); detach
  // them so the multi handle can be freed. Their owners still own the easy handles.
  for (auto& [easy, done] : transfers) curl_multi_remove_handle(handle, easy);
  transfers.clear();
  curl_multi_cleanup(handle);
}

LiveLoop::LiveLoop(Options options)
    : options_(options),
      start_(std::chrono::steady_clock::now()),
      epoch_unix_us_(std::chrono::duration_cast<std::chrono::microseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count()),
      multi_(std::make_unique<Multi>(*this)) {}

LiveLoop::~LiveLoop() = default;

std::size_t LiveLoop::Pending() const { return timers_.Foreground() + multi_->transfers.size(); }

std::size_t LiveLoop::TransfersInFlight() const { return multi_->transfers.size(); }

TimeUs LiveLoop::NowUs() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                               start_)
      .count();
}

void LiveLoop::Stop(Error error) {
  if (status_.ok()) status_ = std::move(error);
}

EventId LiveLoop::Schedule(TimeUs at_us, Task&& task, bool background) {
  if (!status_.ok()) return {};
  if (timers_.Live() >= options_.max_queued_timers) {
    Stop(Error{ErrorCode::kLimitExceeded, "LiveLoop: more than " +
                                              std::to_string(options_.max_queued_timers) +
                                              " timers queued at t=" + std::to_string(NowUs()) +
                                              " us; work is scheduled faster than it completes"});
    return {};
  }
  // A past time means now; never earlier than the clock, so order stays (time, sequence).
  const EventId id = timers_.Push(std::max(at_us, NowUs()), std::move(task), background);
  if (!id.valid()) {
    Stop(Error{ErrorCode::kLimitExceeded,
               "LiveLoop: more than " + std::to_string(TimerQueue::kMaxSlots) + " live timers"});
  }
  return id;
}

bool LiveLoop::Cancel(EventId id) { return timers_.Cancel(id); }

void LiveLoop::RunDueTimers(TimeUs limit_us) {
  TimeUs at_us = 0;
  for (int i = 0; i < kMaxTimersPerPass && status_.ok(); ++i) {
    Task task;
    if (!timers_.PopDue(limit_us, at_us, task)) return;
    ++tasks_run_;
    task();
  }
}

Status LiveLoop::Multi::Start(CURL* easy, Done done) {
  Check(easy != nullptr, "StartTransfer: null easy handle");
  if (!loop.status_.ok()) return loop.status_;
  if (transfers.size() >= loop.options_.max_transfers) {
    loop.Stop(Error{ErrorCode::kLimitExceeded,
                    "LiveLoop: more than " + std::to_string(loop.options_.max_transfers) +
                        " transfers in flight at t=" + std::to_string(loop.NowUs()) +
                        " us; requests are sent faster than they complete"});
    return loop.status_;
  }
  auto [it, inserted] = transfers.emplace(easy, std::move(done));
  Check(inserted, "StartTransfer: easy handle already in flight");
  const CURLMcode rc = curl_multi_add_handle(handle, easy);
  if (rc != CURLM_OK) {
    transfers.erase(it);
    return Error{ErrorCode::kInternal,
                 std::string("LiveLoop: curl_multi_add_handle: ") + curl_multi_strerror(rc)};
  }
  return Status{};
}

bool LiveLoop::Multi::Abort(CURL* easy) {
  auto it = transfers.find(easy);
  if (it == transfers.end()) return false;
  curl_multi_remove_handle(handle, easy);
  transfers.erase(it);
  return true;
}

void LiveLoop::Multi::Perform() {
  int running = 0;
  const CURLMcode rc = curl_multi_perform(handle, &running);
  if (rc != CURLM_OK) {
    loop.Stop(Error{ErrorCode::kInternal,
                    std::string("LiveLoop: curl_multi_perform: ") + curl_multi_strerror(rc)});
    return;
  }
  // Collect first, call back after: a callback may start or abort transfers, which must not
  // happen while libcurl's message queue is being read. Bounded by the transfers in flight.
  std::vector<std::pair<Done, CURLcode>> finished;
  for (std::size_t i = 0, bound = transfers.size(); i < bound; ++i) {
    int left = 0;
    CURLMsg* msg = curl_multi_info_read(handle, &left);
    if (msg == nullptr) break;
    if (msg->msg != CURLMSG_DONE) continue;
    CURL* easy = msg->easy_handle;
    const CURLcode result = msg->data.result;
    auto it = transfers.find(easy);
    Check(it != transfers.end(), "a finished transfer the loop does not know");
    curl_multi_remove_handle(handle, easy);  // invalidates msg
    finished.emplace_back(std::move(it->second), result);
    transfers.erase(it);
  }
  for (auto& [done, result] : finished) {
    ++loop.transfers_completed_;
    done(result);
  }
}

void LiveLoop::Multi::Wait(TimeUs wait_us) {
  wait_us = std::clamp<TimeUs>(wait_us, 0, kMaxWaitUs);
  // Round up: a timer must never run early.
  const int timeout_ms = static_cast<int>((wait_us + kUsPerMs - 1) / kUsPerMs);
  // curl_multi_poll waits even with no transfer registered (unlike curl_multi_wait) and shortens
  // the wait itself when libcurl has an internal timeout due sooner.
  const CURLMcode rc = curl_multi_poll(handle, nullptr, 0, timeout_ms, nullptr);
  if (rc != CURLM_OK) {
    loop.Stop(Error{ErrorCode::kInternal,
                    std::string("LiveLoop: curl_multi_poll: ") + curl_multi_strerror(rc)});
  }
}

void LiveLoop::Run(TimeUs until_us, Mode mode) {
  Check(!running_, "LiveLoop is not reentrant: a task called RunUntil/RunUntilIdle");
  running_ = true;
  // Bounded by `until_us`: every pass either waits for the clock to move or makes progress.
  while (status_.ok()) {
    RunDueTimers(std::min(NowUs(), until_us));
    if (!multi_->transfers.empty()) multi_->Perform();
    if (!status_.ok()) break;
    if (mode == Mode::kIdle && timers_.Foreground() == 0 && multi_->transfers.empty()) break;
    const TimeUs now = NowUs();
    if (now >= until_us) {
      // Time is up: run what was due by the target, then stop.
      RunDueTimers(until_us);
      if (timers_.NextAt() > until_us) break;
      continue;
    }
    const TimeUs wake_us = std::min(until_us, timers_.NextAt());
    if (mode == Mode::kIdle && multi_->transfers.empty() && wake_us >= until_us) {
      break;  // nothing can happen before the limit: do not sit waiting for it
    }
    if (wake_us > now) multi_->Wait(wake_us - now);
  }
  running_ = false;
}

void LiveLoop::RunUntil(TimeUs until_us) { Run(until_us, Mode::kUntil); }

void LiveLoop::RunUntilIdle(TimeUs limit_us) { Run(limit_us, Mode::kIdle); }

}  // namespace notion_sim::engine
