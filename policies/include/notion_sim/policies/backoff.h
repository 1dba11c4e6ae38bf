// Backoff: how long to wait before retry number n (n = 0 for the first retry).
//
// The variants, with `expo(n) = min(max, initial * multiplier^n)`:
//  - kSdkBand: the official SDK's band (docs/sources.md#the-official-sdk):
//      base = initial * 2^n; delay = min(base * U + base / 2, max), i.e. in [base/2, 1.5 base);
//  - kFullJitter: U * expo(n);  kEqualJitter: expo(n)/2 + U * expo(n)/2;
//  - kDecorrelatedJitter: min(max, uniform(initial, 3 * previous)), previous starting at initial;
//  - kExponential: expo(n), no jitter;  kFixed: initial every time.
// (AWS Architecture blog formulas, docs/sources.md#resilience-libraries.) U is uniform in [0, 1).
//
// `BackoffDelay` is the pure formula of a given U, so tests assert exact numbers; `Backoff` draws
// U from the engine::Rng fork it was given. Integer microseconds throughout; the multiplier is
// applied by repeated multiplication (never pow) so every platform gets the same value.
// Thread-safe: BackoffDelay is pure; a Backoff object is not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "notion_sim/engine/rng.h"
#include "notion_sim/engine/time.h"

namespace notion_sim::policies {

enum class BackoffKind : std::uint8_t {
  kSdkBand,
  kFullJitter,
  kEqualJitter,
  kDecorrelatedJitter,
  kExponential,
  kFixed,
};
std::string_view BackoffKindName(BackoffKind kind);  // "sdk_band", "full_jitter", ...
std::optional<BackoffKind> ParseBackoffKind(std::string_view name);

struct BackoffConfig {
  BackoffKind kind = BackoffKind::kSdkBand;
  TimeUs initial_delay_us = Ms(1'000);  // SDK initialRetryDelayMs
  TimeUs max_delay_us = Ms(60'000);     // SDK maxRetryDelayMs
  double multiplier = 2.0;              // growth per retry (the SDK band always doubles)
};

// The delay before retry `retry_index` (0-based) for a draw `u` in [0, 1); `previous_us` is the
// previous delay (decorrelated jitter only; 0 for the first retry).
TimeUs BackoffDelay(const BackoffConfig& config, std::uint32_t retry_index, TimeUs previous_us,
                    double u);

// `initial * multiplier^n`, capped at `cap_us` (exposed for tests).
TimeUs ExponentialCapped(TimeUs initial_us, double multiplier, std::uint32_t n, TimeUs cap_us);

class Backoff {
 public:
  Backoff(const BackoffConfig& config, engine::Rng rng) : config_(config), rng_(rng) {}
  // Draws U and returns the delay before retry `retry_index`.
  TimeUs Next(std::uint32_t retry_index, TimeUs previous_us) {
    return BackoffDelay(config_, retry_index, previous_us, rng_.NextDouble());
  }
  const BackoffConfig& config() const { return config_; }

 private:
  BackoffConfig config_;
  engine::Rng rng_;
};

}  // namespace notion_sim::policies
