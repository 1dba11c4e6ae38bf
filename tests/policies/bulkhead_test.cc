#include "notion_sim/policies/bulkhead.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <deque>
#include <map>
#include <vector>

namespace notion_sim::policies {
namespace {

using engine::EventKind;
using engine::Lane;

BulkheadConfig Seed() {
  BulkheadConfig c;
  c.enabled = true;
  c.lanes = {LaneLimits{10, 2}, LaneLimits{5, 2}, LaneLimits{2, 2}};
  return c;
}

TEST(Bulkhead, SeedLanesAdmitQueueAndReject) {
  engine::Trace trace;
  trace.Record(100);
  Bulkhead b(Seed(), &trace);
  EXPECT_EQ(b.Acquire(Lane::kBulk, 1, 0), BulkheadDecision::kAdmitted);
  EXPECT_EQ(b.Acquire(Lane::kBulk, 2, 0), BulkheadDecision::kAdmitted);
  EXPECT_EQ(b.Acquire(Lane::kBulk, 3, 0), BulkheadDecision::kQueued);
  EXPECT_EQ(b.Acquire(Lane::kBulk, 4, 0), BulkheadDecision::kQueued);
  EXPECT_EQ(b.Acquire(Lane::kBulk, 5, 0), BulkheadDecision::kRejected);
  // Other lanes are untouched by a full bulk lane.
  for (std::uint64_t t = 10; t < 20; ++t) {
    EXPECT_EQ(b.Acquire(Lane::kCritical, t, 0), BulkheadDecision::kAdmitted);
  }
  EXPECT_EQ(b.Acquire(Lane::kCritical, 20, 0), BulkheadDecision::kQueued);
  EXPECT_EQ(b.in_flight(Lane::kBulk), 2u);
  EXPECT_EQ(b.queued(Lane::kBulk), 2u);
  // FIFO: 3 then 4.
  EXPECT_EQ(b.Release(Lane::kBulk, 1, Sec(1)), std::optional<std::uint64_t>(3));
  EXPECT_EQ(b.Release(Lane::kBulk, 2, Sec(2)), std::optional<std::uint64_t>(4));
  EXPECT_EQ(b.Release(Lane::kBulk, 3, Sec(3)), std::nullopt);
  EXPECT_EQ(b.in_flight(Lane::kBulk), 1u);
  EXPECT_EQ(trace.CountOf(EventKind::kBulkheadRejected), 1u);
  EXPECT_EQ(trace.CountOf(EventKind::kBulkheadQueued), 3u);
  EXPECT_EQ(trace.CountOf(EventKind::kBulkheadAdmitted), 14u);
  EXPECT_EQ(trace.CountOf(EventKind::kBulkheadReleased), 3u);
  const engine::Event& rejected = trace.recorded()[4];
  EXPECT_EQ(rejected.kind, EventKind::kBulkheadRejected);
  EXPECT_EQ(rejected.key, static_cast<std::uint16_t>(Lane::kBulk));
  EXPECT_EQ(rejected.op_id, 5u);
  EXPECT_EQ(rejected.a, 2);
  EXPECT_EQ(rejected.b, 2);
}

TEST(Bulkhead, WithdrawnWaitersAreSkipped) {
  Bulkhead b(Seed());
  b.Acquire(Lane::kBulk, 1, 0);
  b.Acquire(Lane::kBulk, 2, 0);
  b.Acquire(Lane::kBulk, 3, 0);
  b.Acquire(Lane::kBulk, 4, 0);
  EXPECT_TRUE(b.Withdraw(Lane::kBulk, 3));
  EXPECT_FALSE(b.Withdraw(Lane::kBulk, 3));
  EXPECT_EQ(b.Release(Lane::kBulk, 1, 0), std::optional<std::uint64_t>(4));
}

TEST(Bulkhead, ANewcomerNeverOvertakesAWaiter) {
  BulkheadConfig c = Seed();
  c.lanes[1] = LaneLimits{1, 5};
  Bulkhead b(c);
  EXPECT_EQ(b.Acquire(Lane::kNormal, 1, 0), BulkheadDecision::kAdmitted);
  EXPECT_EQ(b.Acquire(Lane::kNormal, 2, 0), BulkheadDecision::kQueued);
  EXPECT_EQ(b.Release(Lane::kNormal, 1, 0), std::optional<std::uint64_t>(2));
  EXPECT_EQ(b.Acquire(Lane::kNormal, 3, 0), BulkheadDecision::kQueued);
}

// Lanes never exceed their concurrency, and keep FIFO within a lane.
RC_GTEST_PROP(BulkheadProp, BoundsAndFifo, ()) {
  BulkheadConfig c;
  c.enabled = true;
  for (auto& lane : c.lanes) {
    lane.max_concurrent = *rc::gen::inRange<std::uint32_t>(1, 6);
    lane.max_queued = *rc::gen::inRange<std::uint32_t>(0, 6);
  }
  Bulkhead b(c);
  const auto steps = *rc::gen::container<std::vector<std::pair<int, bool>>>(
      rc::gen::pair(rc::gen::inRange(0, 3), rc::gen::arbitrary<bool>()));
  std::map<int, std::vector<std::uint64_t>> running;
  std::map<int, std::deque<std::uint64_t>> waiting;  // the model's queue
  std::map<int, std::vector<std::uint64_t>> admitted_from_queue;
  std::map<int, std::vector<std::uint64_t>> queued_order;
  std::uint64_t next = 1;
  for (const auto& [lane_index, acquire] : steps) {
    const auto lane = static_cast<Lane>(lane_index);
    if (acquire || running[lane_index].empty()) {
      const std::uint64_t t = next++;
      const BulkheadDecision d = b.Acquire(lane, t, 0);
      if (d == BulkheadDecision::kAdmitted) running[lane_index].push_back(t);
      if (d == BulkheadDecision::kQueued) {
        waiting[lane_index].push_back(t);
        queued_order[lane_index].push_back(t);
      }
    } else {
      const std::uint64_t done = running[lane_index].front();
      running[lane_index].erase(running[lane_index].begin());
      if (auto admitted = b.Release(lane, done, 0)) {
        RC_ASSERT(!waiting[lane_index].empty());
        RC_ASSERT(*admitted == waiting[lane_index].front());
        waiting[lane_index].pop_front();
        running[lane_index].push_back(*admitted);
        admitted_from_queue[lane_index].push_back(*admitted);
      }
    }
    RC_ASSERT(b.in_flight(lane) <= c.lanes[static_cast<std::size_t>(lane_index)].max_concurrent);
    RC_ASSERT(b.queued(lane) <= c.lanes[static_cast<std::size_t>(lane_index)].max_queued);
    RC_ASSERT(b.in_flight(lane) == running[lane_index].size());
  }
  for (auto& [lane_index, order] : admitted_from_queue) {
    const auto& q = queued_order[lane_index];
    RC_ASSERT(std::equal(order.begin(), order.end(), q.begin()));
  }
}

}  // namespace
}  // namespace notion_sim::policies
