// FallbackCache: the last good answer per key, served with its age when the target fails.
//
// Seed pattern 1 ("graceful degradation"): the cache is updated on every success and read on a
// failure; the answer says it is a fallback and how stale it is. Tiers by age (bounds inclusive):
//   age <= fresh_for_us → kFresh; <= stale_for_us → kStale; <= max_age_us → kVeryStale;
//   older → not served.
// The cache holds at most `max_entries`; the entry stored longest ago is evicted first. The
// pipeline that serves a fallback emits kFallbackServed with EmitFallbackServed. Not thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "notion_sim/engine/json_reader.h"
#include "notion_sim/engine/status.h"
#include "notion_sim/engine/time.h"
#include "notion_sim/engine/trace.h"
#include "notion_sim/engine/transport.h"

namespace notion_sim::policies {

// Numeric values are what kFallbackServed carries in `a`.
enum class Staleness : std::uint8_t { kFresh, kStale, kVeryStale };
std::string_view StalenessName(Staleness tier);  // "fresh", "stale", "very_stale"

struct FallbackConfig {
  TimeUs fresh_for_us = Min(1);
  TimeUs stale_for_us = Min(15);
  TimeUs max_age_us = 24 * kUsPerHour;
  std::size_t max_entries = 100'000;
};
// {"fresh_for_ms", "stale_for_ms", "max_age_ms", "max_entries"}; requires fresh <= stale <= max.
Result<FallbackConfig> ParseFallbackConfig(engine::ObjectReader& r, FallbackConfig defaults);

// The cache key of an operation: what it reads (operation, tenant, target, parent), not who asks.
std::uint64_t FallbackKeyFor(const engine::LogicalOp& op);

struct Cached {
  engine::Response response;
  Staleness tier = Staleness::kFresh;
  TimeUs age_us = 0;
};

class FallbackCache {
 public:
  explicit FallbackCache(FallbackConfig config = {}) : config_(config) {}
  // Stores `response` (a success) as the last good value for `key`, stamped `now_us`.
  void Put(std::uint64_t key, const engine::Response& response, TimeUs now_us);
  // The last good value and its tier, or nullopt when none or older than max_age_us.
  std::optional<Cached> Lookup(std::uint64_t key, TimeUs now_us) const;
  // The tier an age falls in (nullopt past max_age_us).
  std::optional<Staleness> TierOf(TimeUs age_us) const;
  std::size_t size() const { return entries_.size(); }
  const FallbackConfig& config() const { return config_; }

 private:
  struct Entry {
    engine::Response response;
    TimeUs stored_us = 0;
    std::uint64_t seq = 0;
  };
  FallbackConfig config_;
  // Looked up once per successful read; never iterated (eviction follows put order, below).
  std::unordered_map<std::uint64_t, Entry> entries_;
  // (put sequence, key) in put order; an element whose sequence is no longer its key's (the key
  // was put again) is stale and skipped. Compacted when stale ones outnumber the live ones.
  std::deque<std::pair<std::uint64_t, std::uint64_t>> by_seq_;
  std::uint64_t next_seq_ = 0;
};

// Emits kFallbackServed (key = tenant, a = tier, b = age_us) for `op`. `trace` may be null.
void EmitFallbackServed(engine::Trace* trace, TimeUs now_us, const engine::LogicalOp& op,
                        std::uint32_t attempt, const Cached& cached);

}  // namespace notion_sim::policies
