// LiveLoop timers on the real clock. Time assertions are lower bounds and orderings only: a busy
// machine may run a timer late, never early.
#include "notion_sim/engine/live_loop.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace notion_sim::engine {
namespace {

TEST(LiveLoop, ClockStartsNearZeroAndNeverGoesBack) {
  LiveLoop loop;
  TimeUs last = loop.NowUs();
  EXPECT_GE(last, 0);
  for (int i = 0; i < 1000; ++i) {
    const TimeUs now = loop.NowUs();
    EXPECT_GE(now, last);
    last = now;
  }
}

TEST(LiveLoop, RunsTimersInTimeOrderAndNotEarly) {
  LiveLoop loop;
  const TimeUs base = loop.NowUs();
  std::vector<std::pair<int, TimeUs>> ran;
  loop.ScheduleAt(base + Ms(30), [&] { ran.emplace_back(3, loop.NowUs()); });
  loop.ScheduleAt(base + Ms(10), [&] { ran.emplace_back(1, loop.NowUs()); });
  loop.ScheduleAt(base + Ms(20), [&] { ran.emplace_back(2, loop.NowUs()); });
  EXPECT_EQ(loop.Pending(), 3u);
  loop.RunUntilIdle(kTimeNever);
  ASSERT_EQ(ran.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(ran[i].first, i + 1);
    EXPECT_GE(ran[i].second, base + Ms(10) * (i + 1)) << "timer " << i + 1 << " ran early";
  }
  EXPECT_EQ(loop.Pending(), 0u);
  EXPECT_EQ(loop.TasksRun(), 3u);
  EXPECT_TRUE(loop.status().ok());
}

TEST(LiveLoop, TiesKeepSchedulingOrder) {
  LiveLoop loop;
  const TimeUs at = loop.NowUs() + Ms(5);
  std::string order;
  for (char c : std::string("abcdefghij")) {
    loop.ScheduleAt(at, [&order, c] { order += c; });
  }
  loop.RunUntilIdle(kTimeNever);
  EXPECT_EQ(order, "abcdefghij");
}

TEST(LiveLoop, PastTimesRunInSchedulingOrderAfterEarlierDueTasks) {
  LiveLoop loop;
  std::string order;
  // Both "in the past": they become due now, in the order scheduled.
  loop.ScheduleAt(-Sec(5), [&] { order += 'a'; });
  loop.ScheduleAt(0, [&] {
    order += 'b';
    loop.ScheduleAt(0, [&] { order += 'd'; });  // scheduled later, so after 'c'
  });
  loop.ScheduleAfter(0, [&] { order += 'c'; });
  loop.RunUntilIdle(kTimeNever);
  EXPECT_EQ(order, "abcd");
}

TEST(LiveLoop, CancelPreventsRunAndReportsOnce) {
  LiveLoop loop;
  int ran = 0;
  const EventId a = loop.ScheduleAfter(Ms(2), [&] { ran += 1; });
  loop.ScheduleAfter(Ms(4), [&] { ran += 10; });
  EXPECT_EQ(loop.Pending(), 2u);
  EXPECT_TRUE(loop.Cancel(a));
  EXPECT_FALSE(loop.Cancel(a));
  EXPECT_EQ(loop.Pending(), 1u);
  loop.RunUntilIdle(kTimeNever);
  EXPECT_EQ(ran, 10);
  EXPECT_FALSE(loop.Cancel(EventId{}));
}

TEST(LiveLoop, CancelAfterRunFailsEvenWhenTheSlotIsReused) {
  LiveLoop loop;
  const EventId a = loop.ScheduleAfter(0, [] {});
  loop.RunUntilIdle(kTimeNever);
  int ran = 0;
  const EventId b = loop.ScheduleAfter(Ms(1), [&] { ++ran; });
  EXPECT_EQ(a.slot, b.slot);
  EXPECT_FALSE(loop.Cancel(a));
  loop.RunUntilIdle(kTimeNever);
  EXPECT_EQ(ran, 1);
}

TEST(LiveLoop, RunUntilWaitsAtLeastUntilTheTarget) {
  LiveLoop loop;
  const TimeUs target = loop.NowUs() + Ms(40);
  loop.RunUntil(target);  // nothing scheduled: it must still wait
  EXPECT_GE(loop.NowUs(), target);
}

TEST(LiveLoop, RunUntilRunsWhatIsDueAndLeavesLaterTimers) {
  LiveLoop loop;
  const TimeUs base = loop.NowUs();
  std::vector<int> ran;
  loop.ScheduleAt(base + Ms(10), [&] { ran.push_back(1); });
  loop.ScheduleAt(base + Ms(20), [&] { ran.push_back(2); });
  loop.ScheduleAt(base + Sec(3600), [&] { ran.push_back(3); });
  loop.RunUntil(base + Ms(25));
  EXPECT_GE(loop.NowUs(), base + Ms(25));
  EXPECT_EQ(ran, (std::vector<int>{1, 2}));
  EXPECT_EQ(loop.Pending(), 1u);
}

TEST(LiveLoop, TimersScheduledByTasksRun) {
  LiveLoop loop;
  const TimeUs base = loop.NowUs();
  std::vector<TimeUs> at;
  std::function<void()> tick = [&] {
    at.push_back(loop.NowUs());
    if (at.size() < 5) loop.ScheduleAfter(Ms(2), tick);
  };
  loop.ScheduleAfter(Ms(2), tick);
  loop.RunUntilIdle(kTimeNever);
  ASSERT_EQ(at.size(), 5u);
  for (std::size_t i = 0; i < at.size(); ++i) {
    EXPECT_GE(at[i], base + Ms(2) * static_cast<TimeUs>(i + 1));
  }
}

TEST(LiveLoop, RunUntilIdleDoesNotWaitForBackgroundTimers) {
  LiveLoop loop;
  const TimeUs base = loop.NowUs();
  int background = 0;
  bool work = false;
  loop.ScheduleBackgroundAt(base + Ms(5), [&] { ++background; });
  loop.ScheduleBackgroundAt(base + Sec(30), [&] { ++background; });
  loop.ScheduleAt(base + Ms(20), [&] { work = true; });
  EXPECT_EQ(loop.Pending(), 1u);
  loop.RunUntilIdle(base + Sec(60));
  EXPECT_TRUE(work);
  EXPECT_EQ(background, 1);                 // the one due before the work ran
  EXPECT_LT(loop.NowUs(), base + Sec(30));  // returned without waiting for the other
  EXPECT_EQ(loop.Pending(), 0u);
  EXPECT_EQ(loop.TimersPending(), 1u);  // which is still queued
}

TEST(LiveLoop, BoundOnQueuedTimersStopsTheLoopWithAClearError) {
  LiveLoop::Options options;
  options.max_queued_timers = 3;
  LiveLoop loop(options);
  int ran = 0;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(loop.ScheduleAfter(Ms(1), [&] { ++ran; }).valid());
  const EventId over = loop.ScheduleAfter(Ms(1), [&] { ++ran; });
  EXPECT_FALSE(over.valid());
  ASSERT_FALSE(loop.status().ok());
  EXPECT_EQ(loop.status().error().code, ErrorCode::kLimitExceeded);
  EXPECT_NE(loop.status().error().message.find("more than 3 timers queued"), std::string::npos)
      << loop.status().error().message;
  // A stopped loop runs nothing more and accepts nothing more.
  loop.RunUntilIdle(kTimeNever);
  EXPECT_EQ(ran, 0);
  EXPECT_FALSE(loop.ScheduleAfter(0, [] {}).valid());
}

TEST(LiveLoop, CancelledTimersFreeRoomUnderTheBound) {
  LiveLoop::Options options;
  options.max_queued_timers = 2;
  LiveLoop loop(options);
  const EventId a = loop.ScheduleAfter(Ms(1), [] {});
  loop.ScheduleAfter(Ms(1), [] {});
  EXPECT_TRUE(loop.Cancel(a));
  EXPECT_TRUE(loop.ScheduleAfter(Ms(1), [] {}).valid());
  EXPECT_TRUE(loop.status().ok());
}

TEST(LiveLoopDeathTest, RunningTheLoopFromATaskAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        LiveLoop loop;
        loop.ScheduleAfter(0, [&] { loop.RunUntilIdle(kTimeNever); });
        loop.RunUntilIdle(kTimeNever);
      },
      "not reentrant");
}

}  // namespace
}  // namespace notion_sim::engine
