#include "notion_sim/policies/fallback_cache.h"

#include <array>

#include "notion_sim/engine/rng.h"

namespace notion_sim::policies {

std::string_view StalenessName(Staleness tier) {
  static constexpr std::array<std::string_view, 3> kNames = {"fresh", "stale", "very_stale"};
  const auto i = static_cast<std::size_t>(tier);
  return i < kNames.size() ? kNames[i] : "?";
}

Result<FallbackConfig> ParseFallbackConfig(engine::ObjectReader& r, FallbackConfig d) {
  constexpr std::int64_t kYearMs = 365LL * 24 * 3600 * 1000;
  FallbackConfig c = d;
  c.fresh_for_us = Ms(r.Int("fresh_for_ms", d.fresh_for_us / kUsPerMs, 0, kYearMs));
  c.stale_for_us = Ms(r.Int("stale_for_ms", d.stale_for_us / kUsPerMs, 0, kYearMs));
  c.max_age_us = Ms(r.Int("max_age_ms", d.max_age_us / kUsPerMs, 0, kYearMs));
  c.max_entries = static_cast<std::size_t>(
      r.Int("max_entries", static_cast<std::int64_t>(d.max_entries), 1, 100'000'000));
  r.Finish();
  if (r.ok() && c.fresh_for_us > c.stale_for_us) {
    r.Fail("fresh_for_ms", "expected fresh_for_ms <= stale_for_ms");
  }
  if (r.ok() && c.stale_for_us > c.max_age_us) {
    r.Fail("stale_for_ms", "expected stale_for_ms <= max_age_ms");
  }
  if (!r.ok()) return r.error();
  return c;
}

std::uint64_t FallbackKeyFor(const engine::LogicalOp& op) {
  std::uint64_t h = engine::Mix64(static_cast<std::uint64_t>(op.operation) + 1);
  h = engine::Mix64(h ^ op.tenant);
  h = engine::Mix64(h ^ op.target.hi);
  h = engine::Mix64(h ^ op.target.lo);
  h = engine::Mix64(h ^ op.parent.hi);
  return engine::Mix64(h ^ op.parent.lo);
}

void FallbackCache::Put(std::uint64_t key, const engine::Response& response, TimeUs now_us) {
  const std::uint64_t seq = next_seq_++;
  auto it = entries_.find(key);
  if (it != entries_.end()) {
    it->second = Entry{response, now_us, seq};  // its older by_seq_ element is now stale
  } else {
    if (entries_.size() >= config_.max_entries) {
      // Evict the value stored longest ago: the first live element in put order.
      while (!by_seq_.empty()) {
        const auto [old_seq, old_key] = by_seq_.front();
        by_seq_.pop_front();
        const auto old = entries_.find(old_key);
        if (old != entries_.end() && old->second.seq == old_seq) {
          entries_.erase(old);
          break;
        }
      }
    }
    entries_.emplace(key, Entry{response, now_us, seq});
  }
  by_seq_.emplace_back(seq, key);
  if (by_seq_.size() > 2 * entries_.size() + 1024) {
    std::deque<std::pair<std::uint64_t, std::uint64_t>> live;
    for (const auto& [s, k] : by_seq_) {
      const auto e = entries_.find(k);
      if (e != entries_.end() && e->second.seq == s) live.emplace_back(s, k);
    }
    by_seq_.swap(live);
  }
}

std::optional<Staleness> FallbackCache::TierOf(TimeUs age_us) const {
  if (age_us <= config_.fresh_for_us) return Staleness::kFresh;
  if (age_us <= config_.stale_for_us) return Staleness::kStale;
  if (age_us <= config_.max_age_us) return Staleness::kVeryStale;
  return std::nullopt;
}

std::optional<Cached> FallbackCache::Lookup(std::uint64_t key, TimeUs now_us) const {
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  const TimeUs age = now_us > it->second.stored_us ? now_us - it->second.stored_us : 0;
  const std::optional<Staleness> tier = TierOf(age);
  if (!tier) return std::nullopt;
  return Cached{it->second.response, *tier, age};
}

void EmitFallbackServed(engine::Trace* trace, TimeUs now_us, const engine::LogicalOp& op,
                        std::uint32_t attempt, const Cached& cached) {
  if (trace == nullptr) return;
  trace->Emit(engine::EventKind::kFallbackServed, now_us, op.op_id, attempt, op.tenant,
              static_cast<std::int64_t>(cached.tier), cached.age_us);
}

}  // namespace notion_sim::policies
