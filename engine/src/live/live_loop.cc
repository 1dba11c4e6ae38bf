// LiveLoop: real time and libcurl multi on one thread. The only engine file besides
// curl_transport.cc allowed to read the real clock (see tests/determinism_guard.sh).
#include "notion_sim/engine/live_loop.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

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

LiveLoop::LiveLoop(Options options)
    : options_(options),
      start_(std::chrono::steady_clock::now()),
      epoch_unix_us_(std::chrono::duration_cast<std::chrono::microseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count()) {
  GlobalInitOnce();
  multi_ = curl_multi_init();
  Check(multi_ != nullptr, "curl_multi_init");
  curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, options_.max_cached_connections);
  if (options_.max_host_connections > 0) {
    curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, options_.max_host_connections);
  }
  heap_.reserve(256);
  slots_.reserve(256);
  transfers_.reserve(64);
}

LiveLoop::~LiveLoop() {
  // Transfers still registered belong to a transport that outlived the loop (a misuse); detach
  // them so the multi handle can be freed. Their owners still own the easy handles.
  for (auto& [easy, done] : transfers_) curl_multi_remove_handle(multi_, easy);
  transfers_.clear();
  curl_multi_cleanup(multi_);
}

TimeUs LiveLoop::NowUs() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                               start_)
      .count();
}

void LiveLoop::Stop(Error error) {
  if (status_.ok()) status_ = std::move(error);
}

EventId LiveLoop::Schedule(TimeUs at_us, Task task, bool background) {
  if (!status_.ok()) return {};
  if (live_timers_ >= options_.max_queued_timers) {
    Stop(Error{ErrorCode::kLimitExceeded, "LiveLoop: more than " +
                                              std::to_string(options_.max_queued_timers) +
                                              " timers queued at t=" + std::to_string(NowUs()) +
                                              " us; work is scheduled faster than it completes"});
    return {};
  }
  std::uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  Slot& s = slots_[slot];
  s.task = std::move(task);
  s.live = true;
  s.background = background;
  ++live_timers_;
  if (background) ++background_timers_;
  // A past time means now; never earlier than the clock, so order stays (time, sequence).
  heap_.push_back(Entry{std::max(at_us, NowUs()), next_seq_++, slot});
  std::push_heap(heap_.begin(), heap_.end(), Later);
  return EventId{slot, s.generation};
}

bool LiveLoop::Cancel(EventId id) {
  if (!id.valid() || id.slot >= slots_.size()) return false;
  Slot& s = slots_[id.slot];
  if (s.generation != id.generation || !s.live) return false;
  s.task = nullptr;
  Retire(s);
  return true;  // the heap entry stays; it is skipped and its slot freed when popped
}

void LiveLoop::Retire(Slot& s) {
  s.live = false;
  --live_timers_;
  if (s.background) --background_timers_;
}

void LiveLoop::FreeSlot(std::uint32_t slot) {
  ++slots_[slot].generation;
  free_slots_.push_back(slot);
}

void LiveLoop::RunDueTimers(TimeUs limit_us) {
  for (int i = 0; i < kMaxTimersPerPass && status_.ok(); ++i) {
    if (heap_.empty() || heap_.front().at_us > limit_us) return;
    std::pop_heap(heap_.begin(), heap_.end(), Later);
    const Entry e = heap_.back();
    heap_.pop_back();
    Slot& s = slots_[e.slot];
    if (!s.live) {
      FreeSlot(e.slot);
      continue;
    }
    Task task = std::move(s.task);
    Retire(s);
    FreeSlot(e.slot);
    ++tasks_run_;
    task();
  }
}

Status LiveLoop::StartTransfer(CURL* easy, TransferDone done) {
  Check(easy != nullptr, "StartTransfer: null easy handle");
  if (!status_.ok()) return status_;
  if (transfers_.size() >= options_.max_transfers) {
    Stop(Error{ErrorCode::kLimitExceeded,
               "LiveLoop: more than " + std::to_string(options_.max_transfers) +
                   " transfers in flight at t=" + std::to_string(NowUs()) +
                   " us; requests are sent faster than they complete"});
    return status_;
  }
  auto [it, inserted] = transfers_.emplace(easy, std::move(done));
  Check(inserted, "StartTransfer: easy handle already in flight");
  const CURLMcode rc = curl_multi_add_handle(multi_, easy);
  if (rc != CURLM_OK) {
    transfers_.erase(it);
    return Error{ErrorCode::kInternal,
                 std::string("LiveLoop: curl_multi_add_handle: ") + curl_multi_strerror(rc)};
  }
  return Status{};
}

bool LiveLoop::AbortTransfer(CURL* easy) {
  auto it = transfers_.find(easy);
  if (it == transfers_.end()) return false;
  curl_multi_remove_handle(multi_, easy);
  transfers_.erase(it);
  return true;
}

void LiveLoop::PerformTransfers() {
  int running = 0;
  const CURLMcode rc = curl_multi_perform(multi_, &running);
  if (rc != CURLM_OK) {
    Stop(Error{ErrorCode::kInternal,
               std::string("LiveLoop: curl_multi_perform: ") + curl_multi_strerror(rc)});
    return;
  }
  // Collect first, call back after: a callback may start or abort transfers, which must not
  // happen while libcurl's message queue is being read. Bounded by the transfers in flight.
  std::vector<std::pair<TransferDone, CURLcode>> finished;
  for (std::size_t i = 0, bound = transfers_.size(); i < bound; ++i) {
    int left = 0;
    CURLMsg* msg = curl_multi_info_read(multi_, &left);
    if (msg == nullptr) break;
    if (msg->msg != CURLMSG_DONE) continue;
    CURL* easy = msg->easy_handle;
    const CURLcode result = msg->data.result;
    auto it = transfers_.find(easy);
    Check(it != transfers_.end(), "a finished transfer the loop does not know");
    curl_multi_remove_handle(multi_, easy);  // invalidates msg
    finished.emplace_back(std::move(it->second), result);
    transfers_.erase(it);
  }
  for (auto& [done, result] : finished) {
    ++transfers_completed_;
    done(result);
  }
}

void LiveLoop::Wait(TimeUs wait_us) {
  wait_us = std::clamp<TimeUs>(wait_us, 0, kMaxWaitUs);
  // Round up: a timer must never run early.
  const int timeout_ms = static_cast<int>((wait_us + kUsPerMs - 1) / kUsPerMs);
  // curl_multi_poll waits even with no transfer registered (unlike curl_multi_wait) and shortens
  // the wait itself when libcurl has an internal timeout due sooner.
  const CURLMcode rc = curl_multi_poll(multi_, nullptr, 0, timeout_ms, nullptr);
  if (rc != CURLM_OK) {
    Stop(Error{ErrorCode::kInternal,
               std::string("LiveLoop: curl_multi_poll: ") + curl_multi_strerror(rc)});
  }
}

void LiveLoop::Run(TimeUs until_us, Mode mode) {
  Check(!running_, "LiveLoop is not reentrant: a task called RunUntil/RunUntilIdle");
  running_ = true;
  // Bounded by `until_us`: every pass either waits for the clock to move or makes progress.
  while (status_.ok()) {
    RunDueTimers(std::min(NowUs(), until_us));
    if (!transfers_.empty()) PerformTransfers();
    if (!status_.ok()) break;
    if (mode == Mode::kIdle && live_timers_ == background_timers_ && transfers_.empty()) break;
    const TimeUs now = NowUs();
    if (now >= until_us) {
      // Time is up: run what was due by the target, then stop.
      RunDueTimers(until_us);
      if (heap_.empty() || heap_.front().at_us > until_us) break;
      continue;
    }
    TimeUs wake_us = until_us;
    if (!heap_.empty()) wake_us = std::min(wake_us, heap_.front().at_us);
    if (mode == Mode::kIdle && transfers_.empty() && wake_us >= until_us) {
      break;  // nothing can happen before the limit: do not sit waiting for it
    }
    if (wake_us > now) Wait(wake_us - now);
  }
  running_ = false;
}

void LiveLoop::RunUntil(TimeUs until_us) { Run(until_us, Mode::kUntil); }

void LiveLoop::RunUntilIdle(TimeUs limit_us) { Run(limit_us, Mode::kIdle); }

}  // namespace notion_sim::engine
