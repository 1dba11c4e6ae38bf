// notion-sim compare: invariants side by side, metric differences marked.
#include "notion_sim/reports/compare.h"

#include <algorithm>
#include <cstdio>

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
  EXPECT_GT(Find(c, "retry delay mean (ms)").sim, 0.0);
  EXPECT_EQ(Find(c, "breaker opens").sim, 2.0);  // the fixture opens, probes, reopens, closes
}

TEST(CompareSimLive, MarksALatencyRegressionAndNothingElseItDidNotChange) {
  const scenarios::RunResult sim = testing::SampleResult();
  testing::SampleOptions slow;
  slow.extra_latency_us = Sec(3);
  const scenarios::RunResult live = testing::SampleResult(slow);
  const SimLiveComparison c = CompareSimLive(sim, live);
  EXPECT_TRUE(Find(c, "latency p50 (ms)").differs);
  EXPECT_FALSE(Find(c, "attempts per op").differs);
  EXPECT_FALSE(Find(c, "breaker opens").differs);
  const std::string md = ComparisonMarkdown(c, sim, live);
  EXPECT_NE(md.find("| latency p50 (ms) |"), std::string::npos);
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

std::size_t Count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

// Any two runs compare: two simulated runs of different profiles get the A/B page tuners read.
TEST(CompareRuns, TwoSimulatedRunsGetOverlaidChartsAndADeltaTable) {
  scenarios::RunResult a = testing::SampleResult();
  testing::SampleOptions slow;
  slow.extra_latency_us = Sec(3);
  scenarios::RunResult b = testing::SampleResult(slow);
  b.profile = "opossum";
  const SimLiveComparison c = CompareSimLive(a, b);
  const std::string md = ComparisonMarkdown(c, a, b);
  EXPECT_EQ(md.rfind("# storm_creates: A vs B\n\n- A: storm_creates (sim, recommended, seed 7), "
                     "600 operations",
                     0),
            0u)
      << md;
  EXPECT_NE(md.find("- B: storm_creates (sim, opossum, seed 7)"), std::string::npos);
  const std::string html = ComparisonHtml(c, a, b);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("<h1>storm_creates: A vs B</h1>"), std::string::npos);
  // Four overlaid charts (succeeded, finished, requests, latency) and the DLQ's, each with a
  // solid line for A and a dashed one for B.
  EXPECT_EQ(Count(html, "<figure data-chart="), 5u);
  EXPECT_EQ(Count(html, "stroke=\"#1c7ed6\" stroke-width=\"1.8\"><title>A: "), 5u);
  EXPECT_EQ(
      Count(html, "stroke=\"#e8590c\" stroke-width=\"1.8\" stroke-dasharray=\"6 4\"><title>B: "),
      5u);
  // The delta table: A, B, B - A, the relative change, and the mark.
  const SimLiveMetric& p50 = Find(c, "latency p50 (ms)");
  char row[256];
  std::snprintf(row, sizeof row, "<tr data-metric=\"latency p50 (ms)\"><td>latency p50 (ms)</td>");
  const std::size_t at = html.find(row);
  ASSERT_NE(at, std::string::npos);
  EXPECT_NE(html.find("class=\"worse\">≠", at), std::string::npos);
  EXPECT_GT(p50.live, p50.sim + 2.9);
  EXPECT_NE(html.find("<tr data-metric=\"breaker opens\"><td>breaker opens</td><td "
                      "class=\"n\">2</td><td class=\"n\">2</td><td class=\"n\">0</td><td "
                      "class=\"n\">+0.0 %</td><td></td></tr>"),
            std::string::npos);
}

TEST(CompareRuns, IdenticalRunsSaySo) {
  const scenarios::RunResult a = testing::SampleResult();
  const SimLiveComparison c = CompareSimLive(a, a);
  EXPECT_NE(ComparisonMarkdown(c, a, a).find("The two runs are identical (same trace digest)."),
            std::string::npos);
  EXPECT_NE(ComparisonHtml(c, a, a).find("The two runs are identical"), std::string::npos);
}

}  // namespace
}  // namespace notion_sim::reports
