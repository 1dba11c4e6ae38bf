// SimLoop: a discrete-event loop on virtual time.
//
// Time jumps to the next due task; ties are broken by (time, sequence number), so equal times keep
// FIFO order. The number of queued tasks is bounded: scheduling past the bound stops the loop with
// an error naming the bound, the time and the queue size (a scenario that generates work faster
// than it completes must fail loudly, not eat the machine). Not thread-safe.
//
//   SimLoop loop;
//   loop.ScheduleAt(Sec(5), [&] { ... });
//   loop.RunUntil(Min(1));
#pragma once

#include <cstdint>
#include <vector>

#include "notion_sim/engine/loop.h"

namespace notion_sim::engine {

class SimLoop final : public Loop {
 public:
  struct Options {
    std::size_t max_queued_events = 4'000'000;
  };
  SimLoop() : SimLoop(Options{}) {}
  explicit SimLoop(Options options);

  TimeUs NowUs() const override { return now_us_; }
  std::int64_t EpochUnixUs() const override { return epoch_unix_us_; }
  // The calendar of the run (the scenario's workspace epoch); set before the run starts.
  void set_epoch_unix_us(std::int64_t epoch_unix_us) { epoch_unix_us_ = epoch_unix_us; }
  EventId ScheduleAt(TimeUs at_us, Task task) override {
    return Schedule(at_us, std::move(task), false);
  }
  EventId ScheduleBackgroundAt(TimeUs at_us, Task task) override {
    return Schedule(at_us, std::move(task), true);
  }
  bool Cancel(EventId id) override;
  void RunUntil(TimeUs until_us) override;
  void RunUntilIdle(TimeUs limit_us) override;
  std::size_t Pending() const override { return live_ - background_; }
  const Status& status() const override { return status_; }

  // Runs the next due task, if any. Returns false when nothing is pending.
  bool Step();
  // Tasks run since construction.
  std::uint64_t EventsRun() const { return events_run_; }

 private:
  // 16 bytes, four to a cache line: the sequence number in the high bits of `key`, the slot in
  // the low kSlotBits, so (at_us, key) orders like (at_us, seq).
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
  EventId Schedule(TimeUs at_us, Task task, bool background);
  // A live slot stops being live (it ran or was cancelled).
  void Retire(Slot& s);
  void HeapPush(Entry e);
  Entry HeapPop();
  // Pops the top entry; runs it if live. Returns false if the queue is empty.
  bool PopAndRun();
  void FreeSlot(std::uint32_t slot);

  Options options_;
  TimeUs now_us_ = 0;
  std::int64_t epoch_unix_us_ = kDefaultEpochUnixS * kUsPerSec;
  std::uint64_t next_seq_ = 0;
  std::uint64_t events_run_ = 0;
  std::size_t live_ = 0;        // live slots, background ones included
  std::size_t background_ = 0;  // live background slots
  std::vector<Entry> heap_;
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_slots_;
  Status status_;
};

}  // namespace notion_sim::engine
