#include "notion_sim/policies/backoff.h"

#include <algorithm>

namespace notion_sim::policies {
namespace {

// Delays beyond a day are clamped before they are multiplied, so no product overflows.
constexpr TimeUs kDelayCeilingUs = 24 * kUsPerHour;

TimeUs Scale(TimeUs span_us, double u) {
  if (span_us <= 0) return 0;
  // floor(span * u) lies in [0, span) for u in [0, 1); the clamp guards rounding at u -> 1.
  const auto v = static_cast<TimeUs>(static_cast<double>(span_us) * u);
  return std::clamp<TimeUs>(v, 0, span_us - 1);
}

}  // namespace

std::string_view BackoffKindName(BackoffKind kind) {
  switch (kind) {
    case BackoffKind::kSdkBand:
      return "sdk_band";
    case BackoffKind::kFullJitter:
      return "full_jitter";
    case BackoffKind::kEqualJitter:
      return "equal_jitter";
    case BackoffKind::kDecorrelatedJitter:
      return "decorrelated_jitter";
    case BackoffKind::kExponential:
      return "exponential";
    case BackoffKind::kFixed:
      return "fixed";
  }
  return "?";
}

std::optional<BackoffKind> ParseBackoffKind(std::string_view name) {
  for (BackoffKind k :
       {BackoffKind::kSdkBand, BackoffKind::kFullJitter, BackoffKind::kEqualJitter,
        BackoffKind::kDecorrelatedJitter, BackoffKind::kExponential, BackoffKind::kFixed}) {
    if (BackoffKindName(k) == name) return k;
  }
  return std::nullopt;
}

TimeUs ExponentialCapped(TimeUs initial_us, double multiplier, std::uint32_t n, TimeUs cap_us) {
  const TimeUs cap = std::min(cap_us, kDelayCeilingUs);
  double v = static_cast<double>(std::min(initial_us, kDelayCeilingUs));
  // Bounded: stops as soon as the cap is reached (at most n steps, n is an attempt count).
  for (std::uint32_t i = 0; i < n && v < static_cast<double>(cap); ++i) v *= multiplier;
  const auto out = v >= static_cast<double>(cap) ? cap : static_cast<TimeUs>(v);
  return std::max<TimeUs>(out, 0);
}

TimeUs BackoffDelay(const BackoffConfig& config, std::uint32_t retry_index, TimeUs previous_us,
                    double u) {
  const TimeUs initial = std::clamp<TimeUs>(config.initial_delay_us, 0, kDelayCeilingUs);
  const TimeUs cap = std::clamp<TimeUs>(config.max_delay_us, 0, kDelayCeilingUs);
  switch (config.kind) {
    case BackoffKind::kSdkBand: {
      // base = initial * 2^attempt is not capped before the band is applied: the SDK caps the
      // final value only.
      const TimeUs base = ExponentialCapped(initial, 2.0, retry_index, kDelayCeilingUs);
      const TimeUs band = static_cast<TimeUs>(static_cast<double>(base) * u) + base / 2;
      return std::min(band, cap);
    }
    case BackoffKind::kFullJitter:
      return Scale(ExponentialCapped(initial, config.multiplier, retry_index, cap), u);
    case BackoffKind::kEqualJitter: {
      const TimeUs temp = ExponentialCapped(initial, config.multiplier, retry_index, cap);
      return temp / 2 + Scale(temp - temp / 2, u);
    }
    case BackoffKind::kDecorrelatedJitter: {
      const TimeUs prev = previous_us > 0 ? std::min(previous_us, kDelayCeilingUs) : initial;
      const TimeUs hi = std::max(prev * 3, initial);
      return std::min(cap, initial + Scale(hi - initial, u));
    }
    case BackoffKind::kExponential:
      return ExponentialCapped(initial, config.multiplier, retry_index, cap);
    case BackoffKind::kFixed:
      return std::min(initial, cap > 0 ? cap : initial);
  }
  return initial;
}

}  // namespace notion_sim::policies
