#include "notion_sim/policies/dead_letter.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "notion_sim/engine/json_reader.h"
#include "notion_sim/engine/rng.h"
#include "notion_sim/engine/sim_loop.h"
#include "notion_sim/engine/trace.h"
#include "notion_sim/policies/sqlite_store.h"

namespace notion_sim::policies {
namespace {

using engine::EventKind;

engine::LogicalOp Op(std::uint64_t id, std::uint16_t tenant = 0) {
  engine::LogicalOp op;
  op.op_id = id;
  op.operation = engine::Operation::kCreatePage;
  op.tenant = tenant;
  op.parent = engine::ObjectId{0x1111, 0x4000800000000000ULL + id};
  op.payload = std::make_shared<const nlohmann::json>(
      nlohmann::json{{"properties", {{"title", "row " + std::to_string(id)}}}});
  op.arrival_us = Sec(static_cast<std::int64_t>(id));
  op.record = static_cast<std::uint32_t>(id);
  op.batch = static_cast<std::uint16_t>(id % 3);
  return op;
}

std::vector<TimeUs> TimesOf(const engine::Trace& trace, EventKind kind) {
  std::vector<TimeUs> out;
  for (const engine::Event& e : trace.recorded()) {
    if (e.kind == kind) out.push_back(e.at_us);
  }
  return out;
}

DlqConfig ThreeTries() {
  DlqConfig c;
  c.retry_delays_us = {Min(1), Min(5), Min(30)};
  c.max_attempts = 3;
  return c;
}

struct Fixture {
  Fixture() { trace.Record(100'000); }
  engine::SimLoop loop;
  engine::Trace trace;
  MemoryDeadLetterStore store;
};

TEST(DeadLetterQueueTest, RetriesOnTheScheduleThenGoesPermanentForManualReview) {
  Fixture f;
  int calls = 0;
  DeadLetterQueue dlq(f.loop, &f.trace, f.store, ThreeTries(),
                      [&](const engine::LogicalOp& op, const DeadLetterQueue::Done& done) {
                        EXPECT_EQ(op.op_id, 9u);
                        ++calls;
                        done(false, "503 service_unavailable #" + std::to_string(calls));
                      });
  Result<std::uint64_t> id = dlq.Enqueue(Op(9, 4), "502 bad_gateway", 3);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id.value(), 1u);
  f.loop.RunUntilIdle(kUsPerHour * 10);
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(TimesOf(f.trace, EventKind::kDlqRetried),
            (std::vector<TimeUs>{Min(1), Min(1) + Min(5), Min(1) + Min(5) + Min(30)}));
  EXPECT_EQ(TimesOf(f.trace, EventKind::kDlqPermanent), (std::vector<TimeUs>{Min(36)}));
  EXPECT_EQ(dlq.Depth(), 1u);
  EXPECT_EQ(dlq.PermanentCount(), 1u);
  EXPECT_EQ(dlq.PendingCount(), 0u);
  EXPECT_EQ(f.loop.Pending(), 0u);
  const std::vector<DeadLetter> held = f.store.Load().value();
  ASSERT_EQ(held.size(), 1u);
  EXPECT_EQ(held[0].state, DeadLetterState::kPermanent);
  EXPECT_EQ(held[0].attempts, 3u);
  EXPECT_EQ(held[0].stack_attempts, 3u);
  EXPECT_EQ(held[0].error, "503 service_unavailable #3");
  EXPECT_EQ(held[0].last_attempt_us, Min(36));
  EXPECT_EQ(held[0].next_attempt_us, kTimeNever);
  // Events carry (depth, attempts) and the tenant.
  for (const engine::Event& e : f.trace.recorded()) {
    EXPECT_EQ(e.key, 4);
    EXPECT_EQ(e.a, 1);
  }
  EXPECT_EQ(dlq.totals().enqueued, 1u);
  EXPECT_EQ(dlq.totals().permanent, 1u);
  EXPECT_EQ(dlq.totals().reprocesses, 3u);
}

TEST(DeadLetterQueueTest, ASuccessfulReprocessDrainsTheEntry) {
  Fixture f;
  int calls = 0;
  DeadLetterQueue dlq(f.loop, &f.trace, f.store, ThreeTries(),
                      [&](const engine::LogicalOp&, const DeadLetterQueue::Done& done) {
                        ++calls;
                        done(calls == 2, calls == 2 ? "" : "timeout");
                      });
  ASSERT_TRUE(dlq.Enqueue(Op(1), "timeout", 2).ok());
  f.loop.RunUntilIdle(kUsPerHour * 10);
  EXPECT_EQ(TimesOf(f.trace, EventKind::kDlqDrained), (std::vector<TimeUs>{Min(6)}));
  EXPECT_EQ(dlq.Depth(), 0u);
  EXPECT_EQ(f.store.size(), 0u);
  EXPECT_EQ(dlq.totals().drained, 1u);
  EXPECT_EQ(f.trace.recorded().back().a, 0);  // depth after draining
  EXPECT_EQ(f.trace.recorded().back().b, 1);  // one failed reprocess before
}

TEST(DeadLetterQueueTest, ReprocessesOneEntryAtATime) {
  Fixture f;
  std::vector<TimeUs> starts;
  DeadLetterQueue dlq(f.loop, &f.trace, f.store, ThreeTries(),
                      [&](const engine::LogicalOp&, const DeadLetterQueue::Done& done) {
                        starts.push_back(f.loop.NowUs());
                        f.loop.ScheduleAfter(Min(10), [done] { done(true, ""); });
                      });
  for (std::uint64_t i = 1; i <= 3; ++i) ASSERT_TRUE(dlq.Enqueue(Op(i), "x", 1).ok());
  f.loop.RunUntilIdle(kUsPerHour * 10);
  EXPECT_EQ(starts, (std::vector<TimeUs>{Min(1), Min(11), Min(21)}));
  EXPECT_EQ(dlq.totals().drained, 3u);
}

TEST(DeadLetterQueueTest, AFullQueueRefusesAndHoldsNothingMore) {
  Fixture f;
  DlqConfig c = ThreeTries();
  c.max_depth = 2;
  DeadLetterQueue dlq(f.loop, &f.trace, f.store, c,
                      [](const engine::LogicalOp&, const DeadLetterQueue::Done& done) {
                        done(false, "still down");
                      });
  ASSERT_TRUE(dlq.Enqueue(Op(1), "x", 1).ok());
  ASSERT_TRUE(dlq.Enqueue(Op(2), "x", 1).ok());
  Result<std::uint64_t> third = dlq.Enqueue(Op(3), "x", 1);
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.error().code, ErrorCode::kLimitExceeded);
  EXPECT_EQ(dlq.Depth(), 2u);
  EXPECT_TRUE(dlq.Holds(2));
  EXPECT_FALSE(dlq.Holds(3));
}

TEST(DeadLetterQueueTest, StopHaltsReprocessingButKeepsEntries) {
  Fixture f;
  int calls = 0;
  DeadLetterQueue dlq(f.loop, &f.trace, f.store, ThreeTries(),
                      [&](const engine::LogicalOp&, const DeadLetterQueue::Done& done) {
                        ++calls;
                        done(false, "x");
                      });
  ASSERT_TRUE(dlq.Enqueue(Op(1), "x", 1).ok());
  f.loop.RunUntil(Min(2));
  dlq.Stop();
  f.loop.RunUntilIdle(kUsPerHour * 10);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(dlq.PendingCount(), 1u);
  EXPECT_EQ(f.loop.Pending(), 0u);
}

TEST(DeadLetterQueueTest, RetryAllNowIgnoresTheSchedule) {
  Fixture f;
  std::vector<TimeUs> starts;
  DeadLetterQueue dlq(f.loop, &f.trace, f.store, ThreeTries(),
                      [&](const engine::LogicalOp&, const DeadLetterQueue::Done& done) {
                        starts.push_back(f.loop.NowUs());
                        done(true, "");
                      });
  ASSERT_TRUE(dlq.Enqueue(Op(1), "x", 1).ok());
  ASSERT_TRUE(dlq.Enqueue(Op(2), "x", 1).ok());
  f.loop.RunUntil(Sec(10));
  dlq.RetryAllNow();
  f.loop.RunUntil(Sec(11));
  EXPECT_EQ(starts, (std::vector<TimeUs>{Sec(10), Sec(10)}));
  EXPECT_EQ(dlq.Depth(), 0u);
}

TEST(DeadLetterQueueTest, AnotherRunResumesWhatTheStoreHolds) {
  MemoryDeadLetterStore store;
  {
    engine::SimLoop loop;
    DeadLetterQueue dlq(loop, nullptr, store, ThreeTries(),
                        [](const engine::LogicalOp& op, const DeadLetterQueue::Done& done) {
                          done(false, "down " + std::to_string(op.op_id));
                        });
    ASSERT_TRUE(dlq.Enqueue(Op(1), "x", 1).ok());
    loop.RunUntilIdle(kUsPerHour * 10);  // 1 goes permanent
    ASSERT_TRUE(dlq.Enqueue(Op(2), "x", 1).ok());
  }
  engine::SimLoop loop;
  loop.RunUntil(Sec(5));
  std::vector<std::uint64_t> seen;
  DeadLetterQueue dlq(loop, nullptr, store, ThreeTries(),
                      [&](const engine::LogicalOp& op, const DeadLetterQueue::Done& done) {
                        seen.push_back(op.op_id);
                        done(true, "");
                      });
  EXPECT_EQ(dlq.Depth(), 2u);
  EXPECT_EQ(dlq.PermanentCount(), 1u);
  loop.RunUntil(Sec(5));
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{2}));  // due at once on the new clock
  EXPECT_EQ(dlq.Depth(), 1u);
  Result<std::uint64_t> next = dlq.Enqueue(Op(3), "x", 1);
  EXPECT_EQ(next.value(), 3u);  // ids continue after the stored ones
}

TEST(DeadLetterQueueTest, ADoneArrivingAfterTheQueueIsGoneIsHarmless) {
  Fixture f;
  DeadLetterQueue::Done kept;
  {
    DeadLetterQueue dlq(
        f.loop, &f.trace, f.store, ThreeTries(),
        [&](const engine::LogicalOp&, DeadLetterQueue::Done done) { kept = std::move(done); });
    ASSERT_TRUE(dlq.Enqueue(Op(1), "x", 1).ok());
    f.loop.RunUntil(Min(2));
  }
  ASSERT_TRUE(kept != nullptr);
  kept(true, "");
  const std::vector<DeadLetter> held = f.store.Load().value();
  ASSERT_EQ(held.size(), 1u);
  EXPECT_EQ(held[0].state, DeadLetterState::kRetrying);  // the next run retries it
}

Result<DlqConfig> Parse(const std::string& text) {
  Result<engine::JsonDocument> doc = engine::JsonDocument::Parse(text, "d.json");
  if (!doc.ok()) return doc.error();
  engine::JsonReader reader(*doc);
  engine::ObjectReader root = reader.Root();
  return ParseDlqConfig(root, DlqConfig{});
}

TEST(DeadLetterQueueTest, ParsesTheSchedule) {
  Result<DlqConfig> c = Parse(R"({"retry_delays_ms": [60000, 3600000], "max_attempts": 10})");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->retry_delays_us, (std::vector<TimeUs>{Min(1), kUsPerHour}));
  EXPECT_EQ(c->max_attempts, 10u);
  EXPECT_FALSE(Parse(R"({"retry_delays_ms": []})").ok());
  EXPECT_FALSE(Parse(R"({"max_attempts": 0})").ok());
  EXPECT_FALSE(Parse(R"({"retries": 3})").ok());
}

RC_GTEST_PROP(DeadLetterProperties, NoEntryIsLost, ()) {
  const auto seed = *rc::gen::arbitrary<std::uint64_t>();
  const int entries = *rc::gen::inRange(1, 40);
  const auto max_attempts = static_cast<std::uint32_t>(*rc::gen::inRange(1, 6));
  engine::Rng rng(seed);
  engine::SimLoop loop;
  engine::Trace trace;
  MemoryDeadLetterStore store;
  DlqConfig config;
  config.retry_delays_us = {Sec(30), Min(2), Min(10)};
  config.max_attempts = max_attempts;
  std::set<std::uint64_t> drained;
  DeadLetterQueue dlq(loop, &trace, store, config,
                      [&](const engine::LogicalOp& op, const DeadLetterQueue::Done& done) {
                        const bool ok = rng.Chance(1, 3);
                        if (ok) drained.insert(op.op_id);
                        if (rng.Chance(1, 2)) {
                          done(ok, "e");
                        } else {
                          loop.ScheduleAfter(Sec(rng.UniformInt(0, 120)),
                                             [done, ok] { done(ok, "e"); });
                        }
                      });
  for (int i = 1; i <= entries; ++i) {
    loop.ScheduleAt(Sec(rng.UniformInt(0, 600)), [&dlq, i] {
      RC_ASSERT(dlq.Enqueue(Op(static_cast<std::uint64_t>(i)), "x", 1).ok());
    });
  }
  // Check the bookkeeping at every step of the way, not only at the end.
  for (int step = 0; step < 100'000 && loop.Step(); ++step) {
    const auto& t = dlq.totals();
    RC_ASSERT(t.enqueued == t.drained + t.permanent + dlq.PendingCount());
    RC_ASSERT(store.size() == dlq.Depth());
  }
  RC_ASSERT(loop.Pending() == 0u);
  RC_ASSERT(dlq.totals().enqueued == static_cast<std::uint64_t>(entries));
  // Every entry ended drained or permanent (liveness: nothing stays pending once idle).
  RC_ASSERT(dlq.PendingCount() == 0u);
  std::set<std::uint64_t> held;
  for (const DeadLetter& e : dlq.Entries()) {
    RC_ASSERT(e.state == DeadLetterState::kPermanent);
    RC_ASSERT(e.attempts == max_attempts);
    held.insert(e.op.op_id);
  }
  for (int i = 1; i <= entries; ++i) {
    const auto id = static_cast<std::uint64_t>(i);
    RC_ASSERT(drained.count(id) + held.count(id) == 1u);
  }
  RC_ASSERT(trace.CountOf(EventKind::kDlqDrained) == drained.size());
  RC_ASSERT(trace.CountOf(EventKind::kDlqPermanent) == held.size());
}

// ---------------- SQLite ----------------

std::string FreshDbPath(const std::string& stem) {
  std::string path =
      ::testing::TempDir() + "nsim_" + stem + "_" + std::to_string(::getpid()) + ".db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  return path;
}

DeadLetter Letter(std::uint64_t id, std::uint32_t attempts) {
  DeadLetter e;
  e.id = id;
  e.op = Op(id, static_cast<std::uint16_t>(id % 7));
  // A large payload so that one row spans several database pages: a torn write would show.
  e.op.payload = std::make_shared<const nlohmann::json>(nlohmann::json{
      {"properties", {{"title", std::string(6000, static_cast<char>('a' + id % 26))}}}, {"n", id}});
  e.error = "error of " + std::to_string(id) + " after " + std::to_string(attempts);
  e.stack_attempts = 3;
  e.attempts = attempts;
  e.enqueued_us = Sec(static_cast<std::int64_t>(id));
  e.last_attempt_us = e.enqueued_us + attempts;
  e.next_attempt_us = e.enqueued_us + Min(1);
  e.state = DeadLetterState::kPending;
  return e;
}

TEST(SqliteDeadLetterStoreTest, RoundTripsEveryField) {
  auto store = SqliteDeadLetterStore::Open(FreshDbPath("dlq_roundtrip"));
  ASSERT_TRUE(store.ok()) << store.error().message;
  DeadLetter a = Letter(1, 0);
  DeadLetter b = Letter(2, 4);
  b.state = DeadLetterState::kPermanent;
  b.next_attempt_us = kTimeNever;
  b.op.payload = nullptr;
  b.op.lane = engine::Lane::kBulk;
  b.op.target = engine::ObjectId{0x22, 0x4000800000000022ULL};
  b.op.parent = engine::ObjectId{};
  ASSERT_TRUE(store.value()->Put(a).ok());
  ASSERT_TRUE(store.value()->Put(b).ok());
  std::vector<DeadLetter> loaded = store.value()->Load().value();
  ASSERT_EQ(loaded.size(), 2u);
  EXPECT_TRUE(SameDeadLetter(loaded[0], a));
  EXPECT_TRUE(SameDeadLetter(loaded[1], b));
  ASSERT_TRUE(store.value()->Remove(1).ok());
  loaded = store.value()->Load().value();
  ASSERT_EQ(loaded.size(), 1u);
  EXPECT_EQ(loaded[0].id, 2u);
}

TEST(SqliteDeadLetterStoreTest, AQueueOnSqliteResumesAfterTheProcessGoesAway) {
  const std::string path = FreshDbPath("dlq_resume");
  {
    auto store = SqliteDeadLetterStore::Open(path).value();
    engine::SimLoop loop;
    DeadLetterQueue dlq(loop, nullptr, *store, ThreeTries(),
                        [](const engine::LogicalOp&, const DeadLetterQueue::Done&) {
                          // never answers: the process "dies" mid-reprocess
                        });
    ASSERT_TRUE(dlq.Enqueue(Op(1), "a", 1).ok());
    ASSERT_TRUE(dlq.Enqueue(Op(2), "b", 1).ok());
    loop.RunUntil(Min(2));
  }
  auto store = SqliteDeadLetterStore::Open(path).value();
  engine::SimLoop loop;
  std::vector<std::uint64_t> seen;
  DeadLetterQueue dlq(loop, nullptr, *store, ThreeTries(),
                      [&](const engine::LogicalOp& op, const DeadLetterQueue::Done& done) {
                        seen.push_back(op.op_id);
                        EXPECT_EQ(*op.payload, *Op(op.op_id).payload);
                        done(true, "");
                      });
  loop.RunUntil(0);
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(dlq.Depth(), 0u);
  EXPECT_TRUE(store->Load().value().empty());
}

// The child's work, step by step: step i puts entry i, then on every 4th step rewrites entry i/2
// with one more attempt, and on every 10th step removes entry i − 5; then it acknowledges step i
// through the pipe. (Rewritten ids are even, removed ids are odd: the two never meet.)
struct Change {
  bool remove = false;
  DeadLetter entry;
};
std::vector<Change> StepChanges(std::uint64_t i) {
  std::vector<Change> out;
  out.push_back({false, Letter(i, 0)});
  if (i % 4 == 0) out.push_back({false, Letter(i / 2, 1)});
  if (i % 10 == 0) out.push_back({true, Letter(i - 5, 0)});
  return out;
}
void Apply(std::map<std::uint64_t, DeadLetter>& model, const Change& c) {
  if (c.remove) {
    model.erase(c.entry.id);
  } else {
    model[c.entry.id] = c.entry;
  }
}
bool SameAs(const std::map<std::uint64_t, DeadLetter>& model, const std::vector<DeadLetter>& got) {
  if (model.size() != got.size()) return false;
  std::size_t i = 0;
  for (const auto& [id, e] : model) {
    if (!SameDeadLetter(e, got[i++])) return false;
  }
  return true;
}

TEST(SqliteDeadLetterStoreTest, EveryCommittedEntrySurvivesSigkillMidWriteAndNothingTornIsSeen) {
  engine::Rng rng(0x5eedD1Cu);
  for (int round = 0; round < 3; ++round) {
    const std::string path = FreshDbPath("dlq_kill" + std::to_string(round));
    const auto kill_after = static_cast<std::uint64_t>(rng.UniformInt(3, 80));
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      auto store = SqliteDeadLetterStore::Open(path);
      if (!store.ok()) ::_exit(3);
      for (std::uint64_t i = 1; i <= 100'000; ++i) {  // bounded; the parent kills it long before
        for (const Change& c : StepChanges(i)) {
          const Status s =
              c.remove ? store.value()->Remove(c.entry.id) : store.value()->Put(c.entry);
          if (!s.ok()) ::_exit(4);
        }
        if (::write(fds[1], &i, sizeof i) != static_cast<ssize_t>(sizeof i)) ::_exit(5);
      }
      ::_exit(0);
    }
    ::close(fds[1]);
    std::uint64_t acked = 0;
    std::uint64_t value = 0;
    bool killed = false;
    while (::read(fds[0], &value, sizeof value) == static_cast<ssize_t>(sizeof value)) {
      acked = value;
      if (!killed && acked >= kill_after) {
        ::kill(pid, SIGKILL);  // mid-write: the child is already busy with the next step
        killed = true;
      }
    }
    ::close(fds[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "status " << status;
    ASSERT_GE(acked, kill_after);

    auto store = SqliteDeadLetterStore::Open(path);
    ASSERT_TRUE(store.ok()) << store.error().message;
    Result<std::vector<DeadLetter>> loaded = store.value()->Load();
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    // The database must equal the model after every acknowledged step, plus any prefix of the
    // changes of the one step that was running when the kill came.
    std::map<std::uint64_t, DeadLetter> model;
    for (std::uint64_t i = 1; i <= acked; ++i) {
      for (const Change& c : StepChanges(i)) Apply(model, c);
    }
    bool matched = SameAs(model, loaded.value());
    for (const Change& c : StepChanges(acked + 1)) {
      if (matched) break;
      Apply(model, c);
      matched = SameAs(model, loaded.value());
    }
    EXPECT_TRUE(matched) << "round " << round << ": " << loaded.value().size()
                         << " rows do not match the committed steps (acked " << acked << ")";
    EXPECT_GE(loaded.value().size(), acked - acked / 10);  // every committed entry is there
  }
}

}  // namespace
}  // namespace notion_sim::policies
