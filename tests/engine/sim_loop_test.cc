#include "notion_sim/engine/sim_loop.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace notion_sim::engine {
namespace {

TEST(SimLoop, RunsInTimeOrderAndJumpsTime) {
  SimLoop loop;
  std::vector<std::pair<int, TimeUs>> ran;
  loop.ScheduleAt(Sec(30), [&] { ran.emplace_back(3, loop.NowUs()); });
  loop.ScheduleAt(Sec(10), [&] { ran.emplace_back(1, loop.NowUs()); });
  loop.ScheduleAt(Sec(20), [&] { ran.emplace_back(2, loop.NowUs()); });
  loop.RunUntilIdle(kTimeNever);
  ASSERT_EQ(ran.size(), 3u);
  EXPECT_EQ(ran[0], std::make_pair(1, Sec(10)));
  EXPECT_EQ(ran[1], std::make_pair(2, Sec(20)));
  EXPECT_EQ(ran[2], std::make_pair(3, Sec(30)));
  EXPECT_EQ(loop.NowUs(), Sec(30));
  EXPECT_EQ(loop.EventsRun(), 3u);
}

TEST(SimLoop, TiesKeepSchedulingOrder) {
  SimLoop loop;
  std::string order;
  for (char c : std::string("abcdefghij")) {
    loop.ScheduleAt(Ms(5), [&order, c] { order += c; });
  }
  loop.RunUntilIdle(kTimeNever);
  EXPECT_EQ(order, "abcdefghij");
}

TEST(SimLoop, TasksScheduledFromTasksAtTheSameTimeRunAfterEarlierOnes) {
  SimLoop loop;
  std::string order;
  loop.ScheduleAt(Ms(1), [&] {
    order += 'a';
    loop.ScheduleAt(Ms(1), [&] { order += 'c'; });
  });
  loop.ScheduleAt(Ms(1), [&] { order += 'b'; });
  loop.RunUntilIdle(kTimeNever);
  EXPECT_EQ(order, "abc");
}

TEST(SimLoop, PastTimesRunNowNotBackwards) {
  SimLoop loop;
  loop.RunUntil(Sec(5));
  TimeUs seen = -1;
  loop.ScheduleAt(Sec(1), [&] { seen = loop.NowUs(); });
  loop.RunUntilIdle(kTimeNever);
  EXPECT_EQ(seen, Sec(5));
}

TEST(SimLoop, CancelPreventsRunAndReportsOnce) {
  SimLoop loop;
  int ran = 0;
  EventId a = loop.ScheduleAt(Ms(10), [&] { ran += 1; });
  loop.ScheduleAt(Ms(20), [&] { ran += 10; });
  EXPECT_EQ(loop.Pending(), 2u);
  EXPECT_TRUE(loop.Cancel(a));
  EXPECT_FALSE(loop.Cancel(a));
  EXPECT_EQ(loop.Pending(), 1u);
  loop.RunUntilIdle(kTimeNever);
  EXPECT_EQ(ran, 10);
  EXPECT_FALSE(loop.Cancel(EventId{}));
}

TEST(SimLoop, CancelAfterRunFailsEvenWhenTheSlotIsReused) {
  SimLoop loop;
  EventId a = loop.ScheduleAt(Ms(1), [] {});
  loop.RunUntilIdle(kTimeNever);
  int ran = 0;
  EventId b = loop.ScheduleAt(Ms(2), [&] { ++ran; });
  EXPECT_EQ(a.slot, b.slot);     // the slot is reused...
  EXPECT_FALSE(loop.Cancel(a));  // ...but the old handle no longer names it
  loop.RunUntilIdle(kTimeNever);
  EXPECT_EQ(ran, 1);
}

TEST(SimLoop, RunUntilStopsAtTheLimitAndAdvancesTime) {
  SimLoop loop;
  int ran = 0;
  loop.ScheduleAt(Sec(1), [&] { ++ran; });
  loop.ScheduleAt(Sec(2), [&] { ++ran; });
  loop.ScheduleAt(Sec(3), [&] { ++ran; });
  loop.RunUntil(Sec(2));
  EXPECT_EQ(ran, 2);
  EXPECT_EQ(loop.NowUs(), Sec(2));
  loop.RunUntil(Sec(10));
  EXPECT_EQ(ran, 3);
  EXPECT_EQ(loop.NowUs(), Sec(10));
}

TEST(SimLoop, RunUntilIdleRespectsItsLimit) {
  SimLoop loop;
  int ran = 0;
  // A task that reschedules itself forever: the limit must stop it.
  std::function<void()> tick = [&] {
    ++ran;
    loop.ScheduleAfter(Sec(1), tick);
  };
  loop.ScheduleAt(0, tick);
  loop.RunUntilIdle(Sec(9));
  EXPECT_EQ(ran, 10);
  EXPECT_EQ(loop.Pending(), 1u);
}

TEST(SimLoop, BackgroundTasksRunInOrderButDoNotKeepTheLoopBusy) {
  SimLoop loop;
  std::vector<int> ran;
  // A background tick that re-arms itself (opossum's unref'd rolling-window interval).
  std::function<void()> tick = [&] {
    ran.push_back(0);
    loop.ScheduleBackgroundAt(loop.NowUs() + Sec(1), tick);
  };
  loop.ScheduleBackgroundAt(Sec(1), tick);
  loop.ScheduleAt(Ms(2500), [&] { ran.push_back(1); });
  EXPECT_EQ(loop.Pending(), 1u);  // the background tick is not counted
  loop.RunUntilIdle(kTimeNever);
  EXPECT_EQ(ran, (std::vector<int>{0, 0, 1}));  // ticks at 1 s and 2 s, then the work
  EXPECT_EQ(loop.NowUs(), Ms(2500));            // and no waiting for the tick at 3 s
  EXPECT_EQ(loop.Pending(), 0u);
  // Cancelling a background task keeps the counts right.
  const EventId bg = loop.ScheduleBackgroundAt(Sec(5), [&] { ran.push_back(2); });
  EXPECT_TRUE(loop.Cancel(bg));
  loop.ScheduleAt(Sec(6), [&] { ran.push_back(3); });
  loop.RunUntilIdle(kTimeNever);
  EXPECT_EQ(ran, (std::vector<int>{0, 0, 1, 0, 0, 0, 3}));  // the tick still ran while busy
  EXPECT_EQ(loop.Pending(), 0u);
  // RunUntil still runs background tasks.
  loop.RunUntil(Sec(8));
  EXPECT_EQ(ran.size(), 10u);  // ticks at 6, 7 and 8 s
}

TEST(SimLoop, BoundOnQueuedEventsStopsWithAClearError) {
  SimLoop loop(SimLoop::Options{.max_queued_events = 3});
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(loop.ScheduleAt(Ms(i), [] {}).valid());
  EXPECT_TRUE(loop.status().ok());
  EXPECT_FALSE(loop.ScheduleAt(Ms(9), [] {}).valid());
  ASSERT_FALSE(loop.status().ok());
  EXPECT_EQ(loop.status().error().code, ErrorCode::kLimitExceeded);
  EXPECT_NE(loop.status().error().message.find("more than 3 events queued"), std::string::npos);
  loop.RunUntilIdle(kTimeNever);
  EXPECT_EQ(loop.EventsRun(), 0u);  // a loop in error runs nothing more
}

TEST(SimLoop, StepRunsOneTask) {
  SimLoop loop;
  int ran = 0;
  loop.ScheduleAt(Ms(1), [&] { ++ran; });
  EventId dead = loop.ScheduleAt(Ms(2), [&] { ran += 100; });
  loop.ScheduleAt(Ms(3), [&] { ++ran; });
  loop.Cancel(dead);
  EXPECT_TRUE(loop.Step());
  EXPECT_EQ(ran, 1);
  EXPECT_TRUE(loop.Step());
  EXPECT_EQ(ran, 2);
  EXPECT_EQ(loop.NowUs(), Ms(3));
  EXPECT_FALSE(loop.Step());
}

}  // namespace
}  // namespace notion_sim::engine
