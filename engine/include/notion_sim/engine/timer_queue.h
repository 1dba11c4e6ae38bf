// TimerQueue: the timers of a loop — one home for SimLoop's and LiveLoop's (as FoundationDB's
// TaskQueue serves both Net2 and Sim2). It owns what both loops need and nothing about time
// itself: slots holding the tasks, generation handles for Cancel, the (time, sequence) order, and
// the count of background timers.
//
// Order: entries pop by time, ties by the order they were pushed (FIFO), whatever the loop. The
// queue never reads a clock; the loop passes times in (a time earlier than what it already popped
// is the loop's mistake: loops clamp to their now).
//
// Cancel leaves a tombstone: the entry stays ordered and is dropped when it reaches the front, and
// its slot is reused only then, so a handle kept after its task ran or was cancelled never names
// another timer (the slot's generation has moved on).
//
// Bounds: 2^24 slots (live or cancelled timers at once) and 2^40 timers over the queue's life;
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
  // Pops entries due at or before `limit_us` until one is live: true with its time and task (its
  // slot is free again and its handle dead). False when the front entry is later than `limit_us`
  // or the queue is empty; cancelled entries met on the way are dropped.
  bool PopDue(TimeUs limit_us, TimeUs& at_us, Task& task);

  // Time of the front entry (it may be cancelled); kTimeNever when the queue is empty.
  TimeUs NextAt() const { return heap_.empty() ? kTimeNever : heap_.front().at_us; }
  // True when no entry, live or cancelled, is queued.
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
  // share a cache line.
  void HeapPush(Entry e);
  Entry HeapPop();
  // A live slot stops being live (it was popped or cancelled).
  void Retire(Slot& s);
  void FreeSlot(std::uint32_t slot);

  std::uint64_t next_seq_ = 0;
  std::size_t live_ = 0;
  std::size_t background_ = 0;
  std::vector<Entry> heap_;
  std::vector<Slot> slots_;
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
    // Slots outlive their task while a cancelled entry waits in the heap, so this bound can come
    // before a loop's own when most timers are cancelled long before they are due.
    if (slots_.size() > kSlotMask) return {};
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
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
  while (!heap_.empty() && heap_.front().at_us <= limit_us) {
    const Entry e = HeapPop();
    const std::uint32_t slot = e.slot();
    Slot& s = slots_[slot];
    if (!s.live) {
      FreeSlot(slot);
      continue;
    }
    at_us = e.at_us;
    task = std::move(s.task);
    Retire(s);
    FreeSlot(slot);
    return true;
  }
  return false;
}

inline void TimerQueue::Retire(Slot& s) {
  s.live = false;
  --live_;
  if (s.background) --background_;
}

inline void TimerQueue::FreeSlot(std::uint32_t slot) {
  ++slots_[slot].generation;
  free_slots_.push_back(slot);
}

}  // namespace notion_sim::engine
