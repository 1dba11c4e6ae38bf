#include "notion_sim/engine/timer_queue.h"

#include <algorithm>
#include <utility>

namespace notion_sim::engine {

TimerQueue::TimerQueue() {
  heap_.reserve(1024);
  slots_.reserve(1024);
  heap_pos_.reserve(1024);
}

bool TimerQueue::Cancel(EventId id) {
  if (!id.valid() || id.slot >= slots_.size()) return false;
  Slot& s = slots_[id.slot];
  if (s.generation != id.generation || !s.live) return false;
  HeapRemove(heap_pos_[id.slot]);
  s.task = nullptr;
  Release(id.slot);
  return true;
}

void TimerQueue::SiftUp(std::size_t i, Entry e) {
  while (i > 0) {
    const std::size_t parent = (i - 1) / 4;
    if (!Earlier(e, heap_[parent])) break;
    Place(i, heap_[parent]);
    i = parent;
  }
  Place(i, e);
}

void TimerQueue::SiftDown(std::size_t i, Entry e) {
  // Through the earliest child of each node.
  const std::size_t n = heap_.size();
  while (true) {
    const std::size_t first = 4 * i + 1;
    if (first >= n) break;
    std::size_t best = first;
    const std::size_t end = std::min(first + 4, n);
    for (std::size_t c = first + 1; c < end; ++c) {
      if (Earlier(heap_[c], heap_[best])) best = c;
    }
    if (!Earlier(heap_[best], e)) break;
    Place(i, heap_[best]);
    i = best;
  }
  Place(i, e);
}

void TimerQueue::HeapPush(Entry e) {
  heap_.push_back(e);
  SiftUp(heap_.size() - 1, e);
}

void TimerQueue::HeapRemove(std::size_t i) {
  const Entry last = heap_.back();
  heap_.pop_back();
  if (i == heap_.size()) return;  // it was the last
  // The last entry fills the hole: it moves up if it is earlier than the hole's parent, else down.
  if (i > 0 && Earlier(last, heap_[(i - 1) / 4])) {
    SiftUp(i, last);
  } else {
    SiftDown(i, last);
  }
}

}  // namespace notion_sim::engine
