// Rng: the only source of randomness in simulated code.
//
// xoshiro256** seeded through splitmix64; an integer-only core, so a seed gives the same stream on
// every platform and standard library (no std::*_distribution). `Fork(label)` derives an
// independent stream from this generator's seed and a label, not from how many numbers were drawn,
// so adding a draw in one subsystem does not shift another's stream:
//
//   Rng root(seed);
//   Rng faults = root.Fork("faults");
//   Rng jitter = root.Fork("retry.jitter");
//
// The floating-point distributions (uniform, exponential, lognormal) are implemented once, here.
// Not thread-safe: give each thread its own fork.
#pragma once

#include <cstdint>
#include <string_view>

namespace notion_sim::engine {

class Rng {
 public:
  explicit Rng(std::uint64_t seed);

  // The seed this stream was made from (for forks: the derived seed).
  std::uint64_t Seed() const { return seed_; }

  // A stream independent of this one, reproducible from (Seed(), label).
  Rng Fork(std::string_view label) const;

  std::uint64_t NextU64();
  // Uniform in [0, bound); bound > 0. Unbiased (Lemire's method).
  std::uint64_t Below(std::uint64_t bound);
  // Uniform in [lo, hi], inclusive; lo <= hi.
  std::int64_t UniformInt(std::int64_t lo, std::int64_t hi);
  // True with probability numerator/denominator (integers: exact on every platform).
  bool Chance(std::uint64_t numerator, std::uint64_t denominator);
  // True with probability p in [0, 1], decided on a 2^53 grid.
  bool Bernoulli(double p);
  // Uniform in [0, 1) with 53 random bits.
  double NextDouble();
  double Uniform(double lo, double hi);
  // Exponential with the given mean (> 0).
  double Exponential(double mean);
  // Lognormal with the given median (> 0) and shape sigma (>= 0) of the underlying normal.
  double Lognormal(double median, double sigma);
  // Standard normal (Box-Muller, one value per call).
  double Normal();

 private:
  std::uint64_t seed_;
  std::uint64_t s_[4];
};

// Mixes a 64-bit value (splitmix64 finalizer). Exposed for digests and derived seeds.
std::uint64_t Mix64(std::uint64_t x);
// FNV-1a of a string, mixed; stable across platforms.
std::uint64_t HashString(std::string_view s);

}  // namespace notion_sim::engine
