// notion-sim compare: invariants side by side, metric differences marked.
#include "notion_sim/reports/compare.h"

#include <algorithm>

#include <gtest/gtest.h>

#include "fixture.h"

namespace notion_sim::reports {
namespace {

const SimLiveMetric& Find(const SimLiveComparison& c, const std::string& name) {
  auto it = std::find_if(c.metrics.begin(), c.metrics.end(),
                         [&](const SimLiveMetric& m) { return m.name == name; });
  EXPECT_NE(it, c.metrics.end()) << name;
  return *it;
}

TEST(CompareSimLive, SameRunHasNoDifferenceAndHeldInvariants) {
  const scenarios::RunResult r = testing::SampleResult();
  const SimLiveComparison c = CompareSimLive(r, r);
  EXPECT_TRUE(c.invariants_held());
  EXPECT_EQ(c.differences(), 0u);
  EXPECT_FALSE(c.invariants.empty());
  for (const SimLiveInvariant& i : c.invariants) {
    EXPECT_TRUE(i.in_sim && i.in_live) << i.name;
  }
  EXPECT_GT(Find(c, "attempts per op").sim, 1.0);  // the fixture retries
  EXPECT_GT(Find(c, "retry delay mean (s)").sim, 0.0);
  EXPECT_EQ(Find(c, "breaker opens").sim, 2.0);  // the fixture opens, probes, reopens, closes
}

TEST(CompareSimLive, MarksALatencyRegressionAndNothingElseItDidNotChange) {
  const scenarios::RunResult sim = testing::SampleResult();
  testing::SampleOptions slow;
  slow.extra_latency_us = Sec(3);
  const scenarios::RunResult live = testing::SampleResult(slow);
  const SimLiveComparison c = CompareSimLive(sim, live);
  EXPECT_TRUE(Find(c, "latency p50 (s)").differs);
  EXPECT_FALSE(Find(c, "attempts per op").differs);
  EXPECT_FALSE(Find(c, "breaker opens").differs);
  const std::string md = ComparisonMarkdown(c, sim, live);
  EXPECT_NE(md.find("| latency p50 (s) |"), std::string::npos);
  EXPECT_NE(md.find("≠"), std::string::npos);
  EXPECT_NE(md.find("held in both"), std::string::npos);
}

TEST(CompareSimLive, AnInvariantViolatedInOneWorldFailsTheComparison) {
  const scenarios::RunResult sim = testing::SampleResult();
  testing::SampleOptions broken;
  broken.break_attempts = true;
  const scenarios::RunResult live = testing::SampleResult(broken);
  const SimLiveComparison c = CompareSimLive(sim, live);
  EXPECT_FALSE(c.invariants_held());
  auto it = std::find_if(c.invariants.begin(), c.invariants.end(),
                         [](const SimLiveInvariant& i) { return !i.live_held; });
  ASSERT_NE(it, c.invariants.end());
  EXPECT_TRUE(it->sim_held);
  EXPECT_NE(ComparisonMarkdown(c, sim, live).find("**violated**"), std::string::npos);
}

TEST(CompareSimLive, ToleranceIsRelativeAndAbsolute) {
  scenarios::RunResult a = testing::SampleResult();
  scenarios::RunResult b = a;
  b.checks.metrics.breaker_opens = a.checks.metrics.breaker_opens + 1;
  SimLiveOptions loose;
  loose.abs_tolerance = 2;
  EXPECT_TRUE(Find(CompareSimLive(a, b), "breaker opens").differs);
  EXPECT_FALSE(Find(CompareSimLive(a, b, loose), "breaker opens").differs);
}

}  // namespace
}  // namespace notion_sim::reports
