#include "notion_sim/policies/batch_sync.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <map>
#include <vector>

#include "notion_sim/engine/trace.h"

namespace notion_sim::policies {
namespace {

constexpr auto kOk = RecordOutcome::kSucceeded;
constexpr auto kFail = RecordOutcome::kFailed;
constexpr auto kDlq = RecordOutcome::kDeadLettered;

TEST(BatchSyncTest, ApproachAStopsJustBeforeTheFirstFailure) {
  engine::Trace trace;
  trace.Record(100);
  BatchSync job(&trace, 5, CheckpointMode::kAdvanceOnSuccess);
  ASSERT_TRUE(job.OnRecord(Sec(1), 1, kOk).ok());
  ASSERT_TRUE(job.OnRecord(Sec(2), 2, kOk).ok());
  ASSERT_TRUE(job.OnRecord(Sec(3), 3, kDlq).ok());  // A does not count the DLQ as settled
  ASSERT_TRUE(job.OnRecord(Sec(4), 4, kOk).ok());
  EXPECT_EQ(job.Checkpoint(), 2u);
  EXPECT_EQ(job.OpenRecords(), 2u);
  // The held-back record is processed again on the next run and succeeds.
  ASSERT_TRUE(job.OnRecord(Sec(9), 3, kOk).ok());
  EXPECT_EQ(job.Checkpoint(), 4u);
  ASSERT_EQ(trace.recorded().size(), 3u);  // one event per advance: to 1, to 2, to 4
  for (const engine::Event& e : trace.recorded()) {
    EXPECT_EQ(e.kind, engine::EventKind::kCheckpointAdvanced);
    EXPECT_EQ(e.key, 5);
  }
  EXPECT_EQ(trace.recorded()[0].a, 1);
  EXPECT_EQ(trace.recorded()[1].a, 2);
  EXPECT_EQ(trace.recorded()[1].at_us, Sec(2));
  EXPECT_EQ(trace.recorded()[2].a, 4);
  EXPECT_EQ(trace.recorded()[2].at_us, Sec(9));
  EXPECT_TRUE(job.FailedPastCheckpointNotInDlq().empty());
}

TEST(BatchSyncTest, ApproachBAdvancesPastDeadLetteredRecordsButNotPastPlainFailures) {
  BatchSync job(nullptr, 1, CheckpointMode::kAdvanceWithDlq);
  ASSERT_TRUE(job.OnRecord(0, 1, kOk).ok());
  ASSERT_TRUE(job.OnRecord(0, 2, kDlq).ok());
  ASSERT_TRUE(job.OnRecord(0, 3, kOk).ok());
  EXPECT_EQ(job.Checkpoint(), 3u);
  ASSERT_TRUE(job.OnRecord(0, 4, kFail).ok());  // surfaced, not in the DLQ: holds the checkpoint
  ASSERT_TRUE(job.OnRecord(0, 5, kOk).ok());
  EXPECT_EQ(job.Checkpoint(), 3u);
  EXPECT_TRUE(job.FailedPastCheckpointNotInDlq().empty());
  // A checker that asks the DLQ finds record 2 there; if the DLQ had lost it, it is reported.
  EXPECT_TRUE(job.FailedPastCheckpointNotInDlq([](std::uint32_t r) { return r == 2; }).empty());
  EXPECT_EQ(job.FailedPastCheckpointNotInDlq([](std::uint32_t) { return false; }),
            (std::vector<std::uint32_t>{2}));
  EXPECT_EQ(job.counts().succeeded, 3u);
  EXPECT_EQ(job.counts().failed, 1u);
  EXPECT_EQ(job.counts().dead_lettered, 1u);
}

TEST(BatchSyncTest, OutOfOrderOutcomesAdvanceWhenTheGapCloses) {
  BatchSync job(nullptr, 1, CheckpointMode::kAdvanceOnSuccess);
  ASSERT_TRUE(job.OnRecord(0, 3, kOk).ok());
  ASSERT_TRUE(job.OnRecord(0, 2, kOk).ok());
  EXPECT_EQ(job.Checkpoint(), 0u);
  ASSERT_TRUE(job.OnRecord(0, 1, kOk).ok());
  EXPECT_EQ(job.Checkpoint(), 3u);
}

TEST(BatchSyncTest, RefusesRecordZeroAReportBehindTheCheckpointAndTooManyOpenRecords) {
  BatchSync job(nullptr, 1, CheckpointMode::kAdvanceOnSuccess, /*max_open_records=*/2);
  EXPECT_EQ(job.OnRecord(0, 0, kOk).error().code, ErrorCode::kInvalidInput);
  ASSERT_TRUE(job.OnRecord(0, 1, kOk).ok());
  EXPECT_EQ(job.OnRecord(0, 1, kFail).error().code, ErrorCode::kInvalidInput);
  ASSERT_TRUE(job.OnRecord(0, 3, kOk).ok());
  ASSERT_TRUE(job.OnRecord(0, 4, kOk).ok());
  EXPECT_EQ(job.OnRecord(0, 5, kOk).error().code, ErrorCode::kLimitExceeded);
}

TEST(BatchSyncTest, OpStatusesMapToRecordOutcomes) {
  EXPECT_EQ(RecordOutcomeOf(engine::OpStatus::kSucceeded), kOk);
  EXPECT_EQ(RecordOutcomeOf(engine::OpStatus::kServedFallback), kFail);
  EXPECT_EQ(RecordOutcomeOf(engine::OpStatus::kFailed), kFail);
  EXPECT_EQ(RecordOutcomeOf(engine::OpStatus::kDeadLettered), kDlq);
  BatchSync job(nullptr, 1, CheckpointMode::kAdvanceWithDlq);
  engine::LogicalOp op;
  op.record = 0;
  ASSERT_TRUE(job.OnOpFinished(0, op, engine::OpStatus::kFailed).ok());  // not a batch op
  op.record = 1;
  op.batch = 2;  // another job's record
  ASSERT_TRUE(job.OnOpFinished(0, op, engine::OpStatus::kDeadLettered).ok());
  EXPECT_EQ(job.Checkpoint(), 0u);
  op.batch = 1;
  ASSERT_TRUE(job.OnOpFinished(0, op, engine::OpStatus::kDeadLettered).ok());
  EXPECT_EQ(job.Checkpoint(), 1u);
}

// Random outcomes in a random order, with retries of held-back records: after every report the
// checkpoint passes no failed record outside the DLQ, and it is as far as the rule allows.
RC_GTEST_PROP(BatchSyncProperties, CheckpointNeverPassesAFailedRecordNotInTheDlq, ()) {
  const bool approach_b = *rc::gen::arbitrary<bool>();
  const auto n = *rc::gen::inRange<std::uint32_t>(1, 60);
  // A random order of 1..n: sort by random keys.
  const auto keys = *rc::gen::container<std::vector<int>>(n, rc::gen::arbitrary<int>());
  std::vector<std::uint32_t> order(n);
  for (std::uint32_t i = 0; i < n; ++i) order[i] = i + 1;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return keys[a - 1] < keys[b - 1]; });
  const auto outcomes = *rc::gen::container<std::vector<int>>(n, rc::gen::inRange(0, 3));
  const auto retries = *rc::gen::container<std::vector<int>>(n, rc::gen::inRange(0, 3));
  BatchSync job(nullptr, 1,
                approach_b ? CheckpointMode::kAdvanceWithDlq : CheckpointMode::kAdvanceOnSuccess);
  std::map<std::uint32_t, RecordOutcome> last;  // the model: the outcome that counts per record
  auto settled = [&](RecordOutcome o) { return o == kOk || (approach_b && o == kDlq); };
  auto check = [&] {
    RC_ASSERT(job.FailedPastCheckpointNotInDlq().empty());
    std::uint32_t expect = 0;
    for (auto it = last.find(1); it != last.end() && it->first == expect + 1 && settled(it->second);
         it = last.find(expect + 1)) {
      expect = it->first;
    }
    RC_ASSERT(job.Checkpoint() == expect);
    for (std::uint32_t r = 1; r <= job.Checkpoint(); ++r) RC_ASSERT(settled(last.at(r)));
  };
  for (std::uint32_t k = 0; k < n; ++k) {
    const std::uint32_t r = order[k];
    const auto o = static_cast<RecordOutcome>(outcomes[k]);
    RC_ASSERT(job.OnRecord(0, r, o).ok());
    last[r] = o;
    check();
  }
  // Retry the records still past the checkpoint, as a next run would.
  for (std::uint32_t k = 0; k < n; ++k) {
    const std::uint32_t r = order[k];
    if (r <= job.Checkpoint() || retries[k] == 0) continue;
    const auto o = static_cast<RecordOutcome>(retries[k] - 1);
    RC_ASSERT(job.OnRecord(0, r, o).ok());
    last[r] = o;
    check();
  }
}

}  // namespace
}  // namespace notion_sim::policies
