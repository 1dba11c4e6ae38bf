#include "notion_sim/engine/timer_queue.h"

#include <algorithm>
#include <array>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "notion_sim/engine/rng.h"

namespace notion_sim::engine {
namespace {

// Pops everything due by `limit_us`, running each task; returns the times popped.
std::vector<TimeUs> Drain(TimerQueue& q, TimeUs limit_us) {
  std::vector<TimeUs> times;
  TimeUs at = 0;
  Task task;
  while (q.PopDue(limit_us, at, task)) {
    times.push_back(at);
    task();
  }
  return times;
}

TEST(TimerQueue, PopsByTimeThenPushOrder) {
  TimerQueue q;
  std::string order;
  q.Push(
      Ms(7), [&] { order += 'c'; }, false);
  q.Push(
      Ms(5), [&] { order += 'a'; }, false);
  q.Push(
      Ms(5), [&] { order += 'b'; }, false);
  q.Push(
      Ms(9), [&] { order += 'd'; }, false);
  EXPECT_EQ(q.NextAt(), Ms(5));
  EXPECT_EQ(Drain(q, Ms(8)), (std::vector<TimeUs>{Ms(5), Ms(5), Ms(7)}));
  EXPECT_EQ(order, "abc");
  EXPECT_EQ(q.Live(), 1u);
  EXPECT_EQ(q.NextAt(), Ms(9));
  EXPECT_EQ(Drain(q, kTimeNever), (std::vector<TimeUs>{Ms(9)}));
  EXPECT_TRUE(q.Empty());
  EXPECT_EQ(q.NextAt(), kTimeNever);
}

TEST(TimerQueue, CancelLeavesATombstoneAndKillsTheHandle) {
  TimerQueue q;
  int ran = 0;
  const EventId a = q.Push(
      Ms(1), [&] { ran += 1; }, false);
  const EventId b = q.Push(
      Ms(2), [&] { ran += 10; }, true);
  EXPECT_EQ(q.Live(), 2u);
  EXPECT_EQ(q.Background(), 1u);
  EXPECT_EQ(q.Foreground(), 1u);
  EXPECT_TRUE(q.Cancel(a));
  EXPECT_FALSE(q.Cancel(a));  // twice
  EXPECT_EQ(q.Live(), 1u);
  EXPECT_FALSE(q.Empty());  // the tombstone is still queued
  EXPECT_EQ(q.NextAt(), Ms(1));
  EXPECT_EQ(Drain(q, kTimeNever), (std::vector<TimeUs>{Ms(2)}));
  EXPECT_EQ(ran, 10);
  EXPECT_EQ(q.Background(), 0u);
  EXPECT_FALSE(q.Cancel(b));  // it ran
  // The slots are reused, under new generations: the old handles name nothing.
  const EventId c = q.Push(
      Ms(3), [&] { ran += 100; }, false);
  EXPECT_TRUE(c.slot == a.slot || c.slot == b.slot);
  EXPECT_FALSE(q.Cancel(a));
  EXPECT_FALSE(q.Cancel(b));
  EXPECT_FALSE(q.Cancel(EventId{}));
  EXPECT_FALSE(q.Cancel(EventId{12345, 0}));
  EXPECT_TRUE(q.Cancel(c));
}

// Against a brute-force model: random pushes (many equal times, some earlier than entries already
// dropped), cancels and pops with random limits must pop exactly the model's (time, push order)
// sequence, with the same counts.
TEST(TimerQueue, MatchesABruteForceModel) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    Rng rng(seed);
    TimerQueue q;
    struct Timer {
      TimeUs at;
      std::uint64_t seq;
      bool background;
      EventId id;
      bool live;
    };
    std::vector<Timer> model;
    std::vector<std::uint64_t> ran;
    TimeUs now = 0;
    std::uint64_t seq = 0;
    for (int step = 0; step < 3000; ++step) {
      const std::uint64_t r = rng.Below(10);
      if (r < 5) {
        // Many ties, and some times before cancelled entries already dropped (a loop's now can
        // trail them: RunUntilIdle stops at its limit after dropping tombstones).
        const TimeUs at = std::max<TimeUs>(0, now - 2 + static_cast<TimeUs>(rng.Below(10)));
        const bool background = rng.Below(4) == 0;
        const std::uint64_t s = seq++;
        const EventId id = q.Push(
            at, [&ran, s] { ran.push_back(s); }, background);
        ASSERT_TRUE(id.valid());
        model.push_back({at, s, background, id, true});
      } else if (r < 7 && !model.empty()) {
        Timer& t = model[rng.Below(model.size())];
        EXPECT_EQ(q.Cancel(t.id), t.live);
        t.live = false;
      } else {
        const TimeUs limit = now + static_cast<TimeUs>(rng.Below(4));
        std::vector<std::tuple<TimeUs, std::uint64_t>> due;
        for (Timer& t : model) {
          if (t.live && t.at <= limit) due.emplace_back(t.at, t.seq);
        }
        std::sort(due.begin(), due.end());
        ran.clear();
        std::vector<TimeUs> times = Drain(q, limit);
        ASSERT_EQ(ran.size(), due.size());
        for (std::size_t i = 0; i < due.size(); ++i) {
          EXPECT_EQ(times[i], std::get<0>(due[i]));
          EXPECT_EQ(ran[i], std::get<1>(due[i]));
        }
        for (Timer& t : model) {
          if (t.at <= limit) t.live = false;
        }
        now = limit;
      }
      std::size_t live = 0;
      std::size_t background = 0;
      for (const Timer& t : model) {
        live += t.live;
        background += t.live && t.background;
      }
      ASSERT_EQ(q.Live(), live);
      ASSERT_EQ(q.Background(), background);
    }
  }
}

TEST(Task, SmallCapturesAreInlineAndLargeOnesWork) {
  int hits = 0;
  std::uint32_t slot = 7;
  std::uint32_t gen = 9;
  int* p = &hits;
  Task small = [p, slot, gen] { *p += static_cast<int>(slot + gen); };
  Task moved = std::move(small);
  EXPECT_FALSE(static_cast<bool>(small));  // NOLINT(bugprone-use-after-move): moved-from is empty
  moved();
  EXPECT_EQ(hits, 16);
  // Larger than kInlineBytes: goes to the heap and still runs and moves.
  std::array<std::uint64_t, 8> big{1, 2, 3, 4, 5, 6, 7, 8};
  Task large = [p, big] { *p += static_cast<int>(big[7]); };
  Task large2 = std::move(large);
  large2();
  EXPECT_EQ(hits, 24);
  large2 = nullptr;
  EXPECT_FALSE(static_cast<bool>(large2));
}

TEST(Task, OwnsMoveOnlyCapturesAndDestroysThemOnce) {
  auto owned = std::make_shared<int>(5);
  std::weak_ptr<int> watch = owned;
  {
    // A unique_ptr capture (not trivially copyable, inline) and a shared_ptr (inline).
    Task a = [u = std::make_unique<int>(3), s = std::move(owned)] { *s += *u; };
    Task b = std::move(a);
    b();
    EXPECT_EQ(*watch.lock(), 8);
    Task c;
    c = std::move(b);
    EXPECT_FALSE(watch.expired());
  }
  EXPECT_TRUE(watch.expired());
}

}  // namespace
}  // namespace notion_sim::engine
