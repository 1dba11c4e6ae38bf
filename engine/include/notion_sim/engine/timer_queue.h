// TimerQueue: the timers of a loop — one home for SimLoop's and LiveLoop's (as FoundationDB's
// TaskQueue serves both Net2 and Sim2). It owns what both loops need and nothing about time
// itself: slots holding the tasks, generation handles for Cancel, the (time, sequence) order, and
// the count of background timers.
//
// Order: entries pop by time, ties by the order they were pushed (FIFO), whatever the loop. The
// queue never reads a clock; the loop passes times in (a time earlier than what it already popped
// is the loop's mistake: loops clamp to their now).
//
// Cancel removes the entry at once (an indexed heap: each slot knows where its entry is), so
// timeouts that are almost always cancelled long before they are due (a request's 30 s timeout,
// answered in 200 ms) do not keep the heap deeper than the live timers. A slot is reused under a
// new generation, so a handle kept after its task ran or was cancelled never names another timer.
//
// Bounds: 2^24 slots (live timers at once) and 2^40 timers over the queue's life;
// Push past them returns an invalid EventId and the loop stops with an error. The loops bound the
// live timers lower (their Options).
//
//   TimerQueue q;
//   EventId id = q.Push(Sec(5), [&] { ... }, /*background=*/false);
//   TimeUs at; Task task;
//   while (q.PopDue(now, at, task)) task();
//
// Not thread-safe: one loop, one thread.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "notion_sim/engine/loop.h"
#include "notion_sim/engine/task.h"
#include "notion_sim/engine/time.h"

namespace notion_sim::engine {

class TimerQueue {
 public:
  TimerQueue();

  // Adds a timer due at `at_us`. Invalid EventId when a bound above is reached (nothing added).
  EventId Push(TimeUs at_us, Task&& task, bool background);
  // Cancels a timer that has not been popped. False if it ran, was cancelled or never was.
  bool Cancel(EventId id);
  // Pops the front entry if it is due at or before `limit_us`: true with its time and task (its
  // slot is free again and its handle dead). False when it is later or the queue is empty.
  bool PopDue(TimeUs limit_us, TimeUs& at_us, Task& task);

  // Time of the earliest live timer; kTimeNever when there is none.
  TimeUs NextAt() const { return heap_.empty() ? kTimeNever : heap_.front().at_us; }
  // True when no timer is queued.
  bool Empty() const { return heap_.empty(); }
  // Timers pushed and neither popped nor cancelled, background ones included.
  std::size_t Live() const { return live_; }
  // Live timers that do not keep a loop busy (Loop::ScheduleBackgroundAt).
  std::size_t Background() const { return background_; }
  // Live timers that do: Loop::Pending().
  std::size_t Foreground() const { return live_ - background_; }

  static constexpr std::size_t kMaxSlots = std::size_t{1} << 24;

 private:
  // 16 bytes, four to a cache line: the sequence number in the high bits of `key`, the slot in
  // the low kSlotBits, so (at_us, key) orders like (at_us, sequence).
  static constexpr int kSlotBits = 24;
  static constexpr std::uint64_t kSlotMask = (std::uint64_t{1} << kSlotBits) - 1;
  struct Entry {
    TimeUs at_us;
    std::uint64_t key;
    std::uint32_t slot() const { return static_cast<std::uint32_t>(key & kSlotMask); }
  };
  struct Slot {
    Task task;
    std::uint32_t generation = 0;
    bool live = false;
    bool background = false;
  };
  static bool Earlier(const Entry& a, const Entry& b) {
    return a.at_us != b.at_us ? a.at_us < b.at_us : a.key < b.key;
  }
  // A 4-ary min-heap on (at_us, key): half the depth of a binary heap, and a node's children
  // share a cache line. Every placement records the entry's index in heap_pos_[slot].
  void Place(std::size_t i, Entry e) {
    heap_[i] = e;
    heap_pos_[e.slot()] = static_cast<std::uint32_t>(i);
  }
  void SiftUp(std::size_t i, Entry e);
  void SiftDown(std::size_t i, Entry e);
  void HeapPush(Entry e);
  // Removes the entry at index i (the front: i = 0).
  void HeapRemove(std::size_t i);
  // A live slot stops being live (it was popped or cancelled) and is free for reuse.
  void Release(std::uint32_t slot);

  std::uint64_t next_seq_ = 0;
  std::size_t live_ = 0;
  std::size_t background_ = 0;
  std::vector<Entry> heap_;
  std::vector<Slot> slots_;
  // Per slot, the index of its entry in heap_ while it is live: apart from slots_, so the writes
  // of a sift touch a 4-byte array rather than the tasks.
  std::vector<std::uint32_t> heap_pos_;
  std::vector<std::uint32_t> free_slots_;
};

// The per-event paths are inline (every timer goes through them); the heap's sifting is in the
// .cc.

inline EventId TimerQueue::Push(TimeUs at_us, Task&& task, bool background) {
  std::uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    // A slot is held only while its timer is live (Cancel frees it at once), so this bound is
    // on live timers, like the loops' own (which are lower).
    if (slots_.size() > kSlotMask) return {};
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
    heap_pos_.push_back(0);
  }
  if (next_seq_ >> (64 - kSlotBits) != 0) {
    free_slots_.push_back(slot);
    return {};
  }
  Slot& s = slots_[slot];
  s.task = std::move(task);
  s.live = true;
  s.background = background;
  ++live_;
  if (background) ++background_;
  HeapPush(Entry{at_us, (next_seq_++ << kSlotBits) | slot});
  return EventId{slot, s.generation};
}

inline bool TimerQueue::PopDue(TimeUs limit_us, TimeUs& at_us, Task& task) {
  if (heap_.empty() || heap_.front().at_us > limit_us) return false;
  const Entry e = heap_.front();
  HeapRemove(0);
  at_us = e.at_us;
  task = std::move(slots_[e.slot()].task);
  Release(e.slot());
  return true;
}

inline void TimerQueue::Release(std::uint32_t slot) {
  Slot& s = slots_[slot];
  s.live = false;
  --live_;
  if (s.background) --background_;
  ++s.generation;
  free_slots_.push_back(slot);
}

}  // namespace notion_sim::engine
