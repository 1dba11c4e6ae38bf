#include "notion_sim/engine/trace.h"

#include <gtest/gtest.h>

namespace notion_sim::engine {
namespace {

Event E(EventKind kind, TimeUs at, std::uint64_t op, std::int64_t a = 0) {
  return Event{at, op, a, 0, 1, 0, kind};
}

TEST(Trace, SameEventsSameDigest) {
  Trace x, y;
  for (int i = 0; i < 100; ++i) {
    x.Emit(E(EventKind::kAttemptSent, i, static_cast<std::uint64_t>(i)));
    y.Emit(E(EventKind::kAttemptSent, i, static_cast<std::uint64_t>(i)));
  }
  EXPECT_EQ(x.Digest(), y.Digest());
  EXPECT_EQ(x.DigestHex().size(), 16u);
  EXPECT_EQ(x.Count(), 100u);
}

TEST(Trace, AnyFieldChangesTheDigest) {
  const Event base{Ms(5), 7, 1, 2, 1, 3, EventKind::kRetryScheduled};
  Trace ref;
  ref.Emit(base);
  // One field changed at a time (a failure's line names the field).
  auto differs = [&](void (*change)(Event&)) {
    Event e = base;
    change(e);
    Trace t;
    t.Emit(e);
    return t.Digest() != ref.Digest();
  };
  EXPECT_TRUE(differs([](Event& e) { e.at_us += 1; }));
  EXPECT_TRUE(differs([](Event& e) { e.op_id += 1; }));
  EXPECT_TRUE(differs([](Event& e) { e.a += 1; }));
  EXPECT_TRUE(differs([](Event& e) { e.b += 1; }));
  EXPECT_TRUE(differs([](Event& e) { e.attempt += 1; }));
  EXPECT_TRUE(differs([](Event& e) { e.key += 1; }));
  EXPECT_TRUE(differs([](Event& e) { e.kind = EventKind::kRetryGaveUp; }));
}

TEST(Trace, OrderMatters) {
  Trace x, y;
  x.Emit(E(EventKind::kOpStarted, 1, 1));
  x.Emit(E(EventKind::kOpStarted, 1, 2));
  y.Emit(E(EventKind::kOpStarted, 1, 2));
  y.Emit(E(EventKind::kOpStarted, 1, 1));
  EXPECT_NE(x.Digest(), y.Digest());
}

TEST(Trace, SinksSeeEveryEventAndRecordingIsBounded) {
  struct Counter : TraceSink {
    int n = 0;
    void OnEvent(const Event&) override { ++n; }
  } counter;
  Trace t;
  t.AddSink(&counter);
  t.Record(2);
  for (int i = 0; i < 5; ++i) t.Emit(E(EventKind::kOpFinished, i, 1));
  EXPECT_EQ(counter.n, 5);
  EXPECT_EQ(t.recorded().size(), 2u);
  EXPECT_TRUE(t.truncated());
  EXPECT_EQ(t.CountOf(EventKind::kOpFinished), 5u);
  EXPECT_EQ(t.CountOf(EventKind::kOpStarted), 0u);
}

TEST(Trace, EveryKindHasAName) {
  for (int k = 0; k < static_cast<int>(EventKind::kCount); ++k) {
    EXPECT_NE(EventKindName(static_cast<EventKind>(k)), "?") << k;
  }
}

TEST(Trace, HexDigestIsZeroPadded) { EXPECT_EQ(HexDigest(0xABC), "0000000000000abc"); }

}  // namespace
}  // namespace notion_sim::engine
