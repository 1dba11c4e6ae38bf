#include "notion_sim/engine/sim_loop.h"

#include <algorithm>
#include <string>

namespace notion_sim::engine {

SimLoop::SimLoop(Options options) : options_(options) {
  heap_.reserve(1024);
  slots_.reserve(1024);
}

EventId SimLoop::ScheduleAt(TimeUs at_us, Task task) {
  if (!status_.ok()) return {};
  if (live_ >= options_.max_queued_events) {
    status_ = Error{ErrorCode::kLimitExceeded,
                    "SimLoop: more than " + std::to_string(options_.max_queued_events) +
                        " events queued at t=" + std::to_string(now_us_) +
                        " us; the scenario creates work faster than it completes"};
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
  ++live_;
  heap_.push_back(Entry{std::max(at_us, now_us_), next_seq_++, slot});
  std::push_heap(heap_.begin(), heap_.end(), Later);
  return EventId{slot, s.generation};
}

bool SimLoop::Cancel(EventId id) {
  if (!id.valid() || id.slot >= slots_.size()) return false;
  Slot& s = slots_[id.slot];
  if (s.generation != id.generation || !s.live) return false;
  s.live = false;
  s.task = nullptr;
  --live_;
  return true;  // the heap entry stays; it is skipped and its slot freed when popped
}

void SimLoop::FreeSlot(std::uint32_t slot) {
  ++slots_[slot].generation;
  free_slots_.push_back(slot);
}

bool SimLoop::PopAndRun() {
  if (heap_.empty()) return false;
  std::pop_heap(heap_.begin(), heap_.end(), Later);
  const Entry e = heap_.back();
  heap_.pop_back();
  Slot& s = slots_[e.slot];
  if (!s.live) {
    FreeSlot(e.slot);
    return true;
  }
  now_us_ = e.at_us;
  Task task = std::move(s.task);
  s.live = false;
  --live_;
  FreeSlot(e.slot);
  ++events_run_;
  task();
  return true;
}

bool SimLoop::Step() {
  while (!heap_.empty()) {
    const std::uint64_t before = events_run_;
    PopAndRun();
    if (events_run_ != before) return true;
  }
  return false;
}

void SimLoop::RunUntil(TimeUs until_us) {
  while (status_.ok() && !heap_.empty() && heap_.front().at_us <= until_us) PopAndRun();
  if (status_.ok() && until_us > now_us_) now_us_ = until_us;
}

void SimLoop::RunUntilIdle(TimeUs limit_us) {
  while (status_.ok() && live_ > 0 && !heap_.empty() && heap_.front().at_us <= limit_us) {
    PopAndRun();
  }
}

}  // namespace notion_sim::engine
