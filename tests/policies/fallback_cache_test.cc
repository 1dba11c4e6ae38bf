#include "notion_sim/policies/fallback_cache.h"

#include <gtest/gtest.h>

#include <string>

#include "notion_sim/engine/json_reader.h"
#include "notion_sim/engine/trace.h"

namespace notion_sim::policies {
namespace {

engine::Response Ok(std::uint32_t results) {
  engine::Response r;
  r.status = 200;
  r.result_count = results;
  return r;
}

FallbackConfig Tiers() {
  FallbackConfig c;
  c.fresh_for_us = Sec(60);
  c.stale_for_us = Min(15);
  c.max_age_us = kUsPerHour;
  c.max_entries = 3;
  return c;
}

TEST(FallbackCacheTest, TiersByAgeWithInclusiveBounds) {
  FallbackCache cache(Tiers());
  cache.Put(1, Ok(4), Sec(100));
  EXPECT_FALSE(cache.Lookup(2, Sec(100)).has_value());
  auto at = [&](TimeUs now) { return cache.Lookup(1, now); };
  ASSERT_TRUE(at(Sec(100)).has_value());
  EXPECT_EQ(at(Sec(100))->tier, Staleness::kFresh);
  EXPECT_EQ(at(Sec(100))->age_us, 0);
  EXPECT_EQ(at(Sec(160))->tier, Staleness::kFresh);
  EXPECT_EQ(at(Sec(160) + 1)->tier, Staleness::kStale);
  EXPECT_EQ(at(Sec(100) + Min(15))->tier, Staleness::kStale);
  EXPECT_EQ(at(Sec(100) + Min(15) + 1)->tier, Staleness::kVeryStale);
  EXPECT_EQ(at(Sec(100) + kUsPerHour)->tier, Staleness::kVeryStale);
  EXPECT_EQ(at(Sec(100) + kUsPerHour)->age_us, kUsPerHour);
  EXPECT_EQ(at(Sec(100) + kUsPerHour)->response.result_count, 4u);
  EXPECT_FALSE(at(Sec(100) + kUsPerHour + 1).has_value());
}

TEST(FallbackCacheTest, EverySuccessRefreshesTheValueAndItsAge) {
  FallbackCache cache(Tiers());
  cache.Put(1, Ok(1), 0);
  cache.Put(1, Ok(2), Min(10));
  const auto c = cache.Lookup(1, Min(10) + Sec(30));
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->response.result_count, 2u);
  EXPECT_EQ(c->tier, Staleness::kFresh);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(FallbackCacheTest, EvictsTheValueStoredLongestAgo) {
  FallbackCache cache(Tiers());  // max 3 entries
  cache.Put(1, Ok(1), 1);
  cache.Put(2, Ok(2), 2);
  cache.Put(3, Ok(3), 3);
  cache.Put(1, Ok(11), 4);  // 1 is now the newest
  cache.Put(4, Ok(4), 5);   // evicts 2
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_FALSE(cache.Lookup(2, 6).has_value());
  EXPECT_EQ(cache.Lookup(1, 6)->response.result_count, 11u);
  EXPECT_TRUE(cache.Lookup(3, 6).has_value());
  EXPECT_TRUE(cache.Lookup(4, 6).has_value());
}

TEST(FallbackCacheTest, KeyDependsOnWhatIsReadNotOnWhoAsks) {
  engine::LogicalOp a;
  a.operation = engine::Operation::kRetrievePage;
  a.target = engine::ObjectId{5, 6};
  a.op_id = 1;
  engine::LogicalOp b = a;
  b.op_id = 2;
  b.arrival_us = Sec(9);
  EXPECT_EQ(FallbackKeyFor(a), FallbackKeyFor(b));
  b.target.lo = 7;
  EXPECT_NE(FallbackKeyFor(a), FallbackKeyFor(b));
  engine::LogicalOp c = a;
  c.tenant = 1;
  EXPECT_NE(FallbackKeyFor(a), FallbackKeyFor(c));
}

TEST(FallbackCacheTest, EmitFallbackServedCarriesTierAndAge) {
  engine::Trace trace;
  trace.Record(10);
  engine::LogicalOp op;
  op.op_id = 42;
  op.tenant = 3;
  EmitFallbackServed(&trace, Sec(5), op, 2, Cached{Ok(1), Staleness::kStale, Sec(90)});
  EmitFallbackServed(nullptr, Sec(5), op, 2, Cached{});  // no trace: no crash
  ASSERT_EQ(trace.recorded().size(), 1u);
  const engine::Event& e = trace.recorded()[0];
  EXPECT_EQ(e.kind, engine::EventKind::kFallbackServed);
  EXPECT_EQ(e.at_us, Sec(5));
  EXPECT_EQ(e.op_id, 42u);
  EXPECT_EQ(e.attempt, 2u);
  EXPECT_EQ(e.key, 3);
  EXPECT_EQ(e.a, static_cast<std::int64_t>(Staleness::kStale));
  EXPECT_EQ(e.b, Sec(90));
}

Result<FallbackConfig> Parse(const std::string& text) {
  Result<engine::JsonDocument> doc = engine::JsonDocument::Parse(text, "f.json");
  if (!doc.ok()) return doc.error();
  engine::JsonReader reader(*doc);
  engine::ObjectReader root = reader.Root();
  return ParseFallbackConfig(root, FallbackConfig{});
}

TEST(FallbackCacheTest, ParsesTiersAndRejectsOutOfOrderThresholds) {
  Result<FallbackConfig> c = Parse(R"({"fresh_for_ms": 1000, "stale_for_ms": 5000})");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->fresh_for_us, Sec(1));
  EXPECT_EQ(c->stale_for_us, Sec(5));
  EXPECT_EQ(c->max_age_us, 24 * kUsPerHour);
  Result<FallbackConfig> bad = Parse(R"({"fresh_for_ms": 9000, "stale_for_ms": 5000})");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("/fresh_for_ms: expected fresh_for_ms <= stale_for_ms"),
            std::string::npos)
      << bad.error().message;
}

}  // namespace
}  // namespace notion_sim::policies
