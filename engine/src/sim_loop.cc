#include "notion_sim/engine/sim_loop.h"

#include <algorithm>
#include <string>

namespace notion_sim::engine {

SimLoop::SimLoop(Options options) : options_(options) {
  heap_.reserve(1024);
  slots_.reserve(1024);
}

EventId SimLoop::Schedule(TimeUs at_us, Task task, bool background) {
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
    if (slots_.size() > kSlotMask || next_seq_ >> (64 - kSlotBits) != 0) {
      // Slots outlive their task while a cancelled entry waits in the heap, so this can come
      // before max_queued_events when most timers are cancelled long before they are due.
      status_ =
          Error{ErrorCode::kLimitExceeded,
                "SimLoop: more than " + std::to_string(kSlotMask + 1) +
                    " timers (live or cancelled) pending at t=" + std::to_string(now_us_) + " us"};
      return {};
    }
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  Slot& s = slots_[slot];
  s.task = std::move(task);
  s.live = true;
  s.background = background;
  ++live_;
  if (background) ++background_;
  HeapPush(Entry{std::max(at_us, now_us_), (next_seq_++ << kSlotBits) | slot});
  return EventId{slot, s.generation};
}

void SimLoop::HeapPush(Entry e) {
  std::size_t i = heap_.size();
  heap_.push_back(e);
  while (i > 0) {
    const std::size_t parent = (i - 1) / 4;
    if (!Earlier(e, heap_[parent])) break;
    heap_[i] = heap_[parent];
    i = parent;
  }
  heap_[i] = e;
}

SimLoop::Entry SimLoop::HeapPop() {
  const Entry top = heap_.front();
  const Entry last = heap_.back();
  heap_.pop_back();
  const std::size_t n = heap_.size();
  if (n == 0) return top;
  // Sift the last entry down from the root through the earliest child of each node.
  std::size_t i = 0;
  while (true) {
    const std::size_t first = 4 * i + 1;
    if (first >= n) break;
    std::size_t best = first;
    const std::size_t end = std::min(first + 4, n);
    for (std::size_t c = first + 1; c < end; ++c) {
      if (Earlier(heap_[c], heap_[best])) best = c;
    }
    if (!Earlier(heap_[best], last)) break;
    heap_[i] = heap_[best];
    i = best;
  }
  heap_[i] = last;
  return top;
}

bool SimLoop::Cancel(EventId id) {
  if (!id.valid() || id.slot >= slots_.size()) return false;
  Slot& s = slots_[id.slot];
  if (s.generation != id.generation || !s.live) return false;
  s.task = nullptr;
  Retire(s);
  return true;  // the heap entry stays; it is skipped and its slot freed when popped
}

void SimLoop::Retire(Slot& s) {
  s.live = false;
  --live_;
  if (s.background) --background_;
}

void SimLoop::FreeSlot(std::uint32_t slot) {
  ++slots_[slot].generation;
  free_slots_.push_back(slot);
}

bool SimLoop::PopAndRun() {
  if (heap_.empty()) return false;
  const Entry e = HeapPop();
  const std::uint32_t slot = e.slot();
  Slot& s = slots_[slot];
  if (!s.live) {
    FreeSlot(slot);
    return true;
  }
  now_us_ = e.at_us;
  Task task = std::move(s.task);
  Retire(s);
  FreeSlot(slot);
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
  while (status_.ok() && live_ > background_ && !heap_.empty() && heap_.front().at_us <= limit_us) {
    PopAndRun();
  }
}

}  // namespace notion_sim::engine
