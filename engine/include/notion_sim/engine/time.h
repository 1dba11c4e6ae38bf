// Time in notion-sim: one unit everywhere, integer microseconds.
//
// A `TimeUs` is either an instant (microseconds since the start of the run) or a duration; names
// carry the unit last (`timeout_us`, `retry_after_us`). Integers keep simulated runs identical on
// every machine. Thread-safe: plain values.
#pragma once

#include <cstdint>

namespace notion_sim {

using TimeUs = std::int64_t;

inline constexpr TimeUs kUsPerMs = 1'000;
inline constexpr TimeUs kUsPerSec = 1'000'000;
inline constexpr TimeUs kUsPerMin = 60 * kUsPerSec;
inline constexpr TimeUs kUsPerHour = 60 * kUsPerMin;
inline constexpr TimeUs kTimeNever = INT64_MAX;

// The calendar of a simulated run unless its workspace names another (`workspace.epoch`): time 0
// is 2026-01-01T00:00:00Z, in seconds since the Unix epoch.
inline constexpr std::int64_t kDefaultEpochUnixS = 1'767'225'600;

constexpr TimeUs Ms(std::int64_t ms) { return ms * kUsPerMs; }
constexpr TimeUs Sec(std::int64_t s) { return s * kUsPerSec; }
constexpr TimeUs Min(std::int64_t m) { return m * kUsPerMin; }

}  // namespace notion_sim
