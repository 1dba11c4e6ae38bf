#include "notion_sim/engine/rng.h"

#include <cmath>
#include <set>
#include <vector>

#include <gtest/gtest.h>

namespace notion_sim::engine {
namespace {

TEST(Rng, SameSeedSameStream) {
  Rng a(42), b(42);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(a.NextU64(), b.NextU64());
}

TEST(Rng, KnownFirstValuesPinTheAlgorithm) {
  // xoshiro256** seeded by splitmix64(0): a change of algorithm would change every digest.
  Rng rng(0);
  EXPECT_EQ(rng.NextU64(), 0x99EC5F36CB75F2B4ULL);
  EXPECT_EQ(rng.NextU64(), 0xBF6E1F784956452AULL);
}

TEST(Rng, DifferentSeedsDiffer) {
  Rng a(1), b(2);
  int same = 0;
  for (int i = 0; i < 100; ++i) same += a.NextU64() == b.NextU64();
  EXPECT_EQ(same, 0);
}

TEST(Rng, ForkIsReproducibleAndIndependentOfDraws) {
  Rng a(7), b(7);
  for (int i = 0; i < 10; ++i) b.NextU64();  // draws on the parent do not move the fork
  Rng fa = a.Fork("faults"), fb = b.Fork("faults");
  for (int i = 0; i < 100; ++i) ASSERT_EQ(fa.NextU64(), fb.NextU64());
}

TEST(Rng, ForksWithDifferentLabelsAreIndependent) {
  Rng root(7);
  Rng x = root.Fork("faults"), y = root.Fork("jitter");
  EXPECT_NE(x.Seed(), y.Seed());
  EXPECT_NE(x.Seed(), root.Seed());
  // Correlation of the two streams' uniforms is near zero.
  double sxy = 0, sx = 0, sy = 0, sxx = 0, syy = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    const double u = x.NextDouble(), v = y.NextDouble();
    sxy += u * v;
    sx += u;
    sy += v;
    sxx += u * u;
    syy += v * v;
  }
  const double cov = sxy / n - (sx / n) * (sy / n);
  const double corr =
      cov / std::sqrt((sxx / n - (sx / n) * (sx / n)) * (syy / n - (sy / n) * (sy / n)));
  EXPECT_LT(std::fabs(corr), 0.03);
}

TEST(Rng, BelowStaysInRangeAndCoversIt) {
  Rng rng(3);
  std::vector<int> counts(6, 0);
  for (int i = 0; i < 60000; ++i) {
    const std::uint64_t v = rng.Below(6);
    ASSERT_LT(v, 6u);
    ++counts[v];
  }
  for (int c : counts) EXPECT_NEAR(c, 10000, 500);  // ~5 sigma
}

TEST(Rng, UniformIntIsInclusive) {
  Rng rng(4);
  std::set<std::int64_t> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::int64_t v = rng.UniformInt(-2, 2);
    ASSERT_GE(v, -2);
    ASSERT_LE(v, 2);
    seen.insert(v);
  }
  EXPECT_EQ(seen.size(), 5u);
  EXPECT_EQ(rng.UniformInt(5, 5), 5);
}

TEST(Rng, ChanceMatchesItsRatio) {
  Rng rng(5);
  int hits = 0;
  for (int i = 0; i < 100000; ++i) hits += rng.Chance(1, 4);
  EXPECT_NEAR(hits, 25000, 700);
  EXPECT_TRUE(rng.Chance(3, 3));
  EXPECT_FALSE(rng.Chance(0, 3));
}

TEST(Rng, DistributionsHaveTheirMoments) {
  Rng rng(6);
  const int n = 100000;
  double sum_u = 0, sum_e = 0;
  std::vector<double> logn;
  logn.reserve(n);
  for (int i = 0; i < n; ++i) {
    const double u = rng.NextDouble();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum_u += u;
    const double e = rng.Exponential(250.0);
    ASSERT_GE(e, 0.0);
    sum_e += e;
    logn.push_back(rng.Lognormal(100.0, 0.5));
  }
  EXPECT_NEAR(sum_u / n, 0.5, 0.005);
  EXPECT_NEAR(sum_e / n, 250.0, 5.0);
  std::nth_element(logn.begin(), logn.begin() + n / 2, logn.end());
  EXPECT_NEAR(logn[n / 2], 100.0, 2.0);  // the median is the parameter
  const double uni = rng.Uniform(10.0, 20.0);
  EXPECT_GE(uni, 10.0);
  EXPECT_LT(uni, 20.0);
}

TEST(Rng, HashStringIsStable) {
  EXPECT_EQ(HashString("faults"), HashString("faults"));
  EXPECT_NE(HashString("faults"), HashString("fault"));
}

}  // namespace
}  // namespace notion_sim::engine
