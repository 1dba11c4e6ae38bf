#include "notion_sim/engine/timer_queue.h"

#include <algorithm>
#include <utility>

namespace notion_sim::engine {

TimerQueue::TimerQueue() {
  heap_.reserve(1024);
  slots_.reserve(1024);
}

bool TimerQueue::Cancel(EventId id) {
  if (!id.valid() || id.slot >= slots_.size()) return false;
  Slot& s = slots_[id.slot];
  if (s.generation != id.generation || !s.live) return false;
  s.task = nullptr;
  Retire(s);
  return true;  // the heap entry stays; it is dropped and its slot freed when popped
}

void TimerQueue::HeapPush(Entry e) {
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

TimerQueue::Entry TimerQueue::HeapPop() {
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

}  // namespace notion_sim::engine
