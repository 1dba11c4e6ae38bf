// The seeds' two pattern alerts beyond bursts, DLQ growth and a failing tenant: an error class
// concentrated after a deploy, and polling lag above twice the normal cadence. Exact times.
#include <gtest/gtest.h>

#include <vector>

#include "alert_feed.h"
#include "notion_sim/engine/json_reader.h"
#include "notion_sim/engine/trace.h"
#include "notion_sim/engine/transport.h"
#include "notion_sim/policies/error_budget.h"

namespace notion_sim::policies {
namespace {

using engine::ApiCode;
using engine::EventKind;
using engine::Operation;
using engine::OpStatus;

struct Feed : AlertFeed {
  using AlertFeed::AlertFeed;
  void Failed(TimeUs at, int status, ApiCode code) {
    trace.Emit(EventKind::kAttemptDone, at, ++op_id, 1, 0, status, static_cast<std::int64_t>(code));
  }
  std::uint64_t StartPoll(TimeUs at) {
    trace.Emit(EventKind::kOpStarted, at, ++op_id, 0, 0,
               static_cast<std::int64_t>(Operation::kQueryDataSource), 1);
    return op_id;
  }
  void End(TimeUs at, std::uint64_t id, OpStatus status) {
    trace.Emit(EventKind::kOpFinished, at, id, 1, 0, static_cast<std::int64_t>(status), 1);
  }
  void Poll(TimeUs at, TimeUs took, OpStatus status) { End(at + took, StartPoll(at), status); }
};

AlertConfig DeployAt(TimeUs at) {
  AlertConfig c;
  c.deploys_us = {at};
  return c;
}

TEST(NewErrorClassAlert, FiveOfANewClassWithinFiveMinutesOfADeploy) {
  Feed f(DeployAt(Min(60)));
  // Before the deploy: 429s are the integration's daily bread.
  for (int i = 0; i < 10; ++i) f.Failed(Min(30) + Sec(i), 429, ApiCode::kRateLimited);
  // After it: 429s go on (an old class), and a validation error appears.
  for (int i = 0; i < 10; ++i) f.Failed(Min(60) + Sec(i), 429, ApiCode::kRateLimited);
  for (int i = 0; i < 4; ++i) f.Failed(Min(61) + Sec(i), 400, ApiCode::kValidationError);
  EXPECT_TRUE(f.Of(AlertKind::kNewErrorClass).empty());  // 4: below the count
  f.Failed(Min(64), 400, ApiCode::kValidationError);
  const auto raised = f.Of(AlertKind::kNewErrorClass);
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(raised[0].at_us, Min(64));
  EXPECT_EQ(raised[0].key, static_cast<std::uint16_t>(ApiCode::kValidationError));
  EXPECT_EQ(raised[0].value, 400);
  f.Failed(Min(64) + Sec(1), 400, ApiCode::kValidationError);  // once per deploy and class
  EXPECT_EQ(f.Of(AlertKind::kNewErrorClass).size(), 1u);
  EXPECT_EQ(AlertKindName(AlertKind::kNewErrorClass), "new_error_class");
}

TEST(NewErrorClassAlert, OutsideTheWindowOrSeenInTheBaselineIsNotNew) {
  Feed late(DeployAt(Min(60)));
  // The five come, but the fifth after the window closed (60 + 5 minutes).
  for (int i = 0; i < 4; ++i) late.Failed(Min(62) + Sec(i), 409, ApiCode::kConflictError);
  late.Failed(Min(65), 409, ApiCode::kConflictError);
  EXPECT_TRUE(late.Of(AlertKind::kNewErrorClass).empty());

  Feed seen(DeployAt(Min(60)));
  seen.Failed(Min(1), 409, ApiCode::kConflictError);  // 59 minutes before: within the baseline
  for (int i = 0; i < 6; ++i) seen.Failed(Min(60) + Sec(i), 409, ApiCode::kConflictError);
  EXPECT_TRUE(seen.Of(AlertKind::kNewErrorClass).empty());

  Feed forgotten(DeployAt(Min(70)));
  forgotten.Failed(Min(9), 409, ApiCode::kConflictError);  // 61 minutes before: forgotten
  for (int i = 0; i < 5; ++i) forgotten.Failed(Min(70) + Sec(i), 409, ApiCode::kConflictError);
  EXPECT_EQ(forgotten.Of(AlertKind::kNewErrorClass).size(), 1u);

  Feed no_deploy;  // no deploy configured: never raised
  for (int i = 0; i < 50; ++i) no_deploy.Failed(Sec(i), 400, ApiCode::kValidationError);
  EXPECT_TRUE(no_deploy.Of(AlertKind::kNewErrorClass).empty());
}

TEST(NewErrorClassAlert, TransportOutcomesAreClassesToo) {
  Feed f(DeployAt(Sec(10)));
  const int timeout = -static_cast<int>(engine::TransportOutcome::kTimeout);
  for (int i = 0; i < 5; ++i) f.Failed(Sec(20 + i), timeout, ApiCode::kNone);
  ASSERT_EQ(f.Of(AlertKind::kNewErrorClass).size(), 1u);
  EXPECT_EQ(f.Of(AlertKind::kNewErrorClass)[0].value, timeout);
}

TEST(PollingLagAlert, LagAboveTwiceTheCadenceWhilePollsFail) {
  Feed f;
  // Polls every 60 s, answered in 1 s.
  for (int i = 0; i < 5; ++i) f.Poll(Sec(60 * i), Sec(1), OpStatus::kSucceeded);
  // Last success at 241 s. The polls at 300 and 360 s fail.
  f.Poll(Sec(300), Sec(1), OpStatus::kFailed);
  EXPECT_TRUE(f.Of(AlertKind::kPollingLag).empty());  // lag 60 s: within 2 x 60 s
  f.Poll(Sec(360), Sec(1), OpStatus::kFailed);
  EXPECT_TRUE(f.Of(AlertKind::kPollingLag).empty());  // 120 s: not above 2 x 60 s
  const std::uint64_t next = f.StartPoll(Sec(420));
  // At 420 s: cadence (420 - 0) / 7 = 60 s, lag 420 - 241 = 179 s > 120 s, two polls failed.
  const auto raised = f.Of(AlertKind::kPollingLag);
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(raised[0].at_us, Sec(420));
  EXPECT_EQ(raised[0].value, 179'000);
  f.Poll(Sec(480), Sec(1), OpStatus::kFailed);  // once, until a poll succeeds
  EXPECT_EQ(f.Of(AlertKind::kPollingLag).size(), 1u);
  f.End(Sec(490), next, OpStatus::kSucceeded);
  f.Poll(Sec(540), Sec(1), OpStatus::kSucceeded);
  f.Poll(Sec(600), Sec(1), OpStatus::kFailed);
  f.Poll(Sec(660), Sec(1), OpStatus::kFailed);
  f.StartPoll(Sec(720));  // lag 720 - 541 = 179 s again: raised again
  EXPECT_EQ(f.Of(AlertKind::kPollingLag).size(), 2u);
  EXPECT_EQ(AlertKindName(AlertKind::kPollingLag), "polling_lag");
}

TEST(PollingLagAlert, SparseArrivalsAloneDoNotAlertButAStuckPollDoes) {
  Feed sparse;
  for (TimeUs at : {Sec(0), Sec(10), Sec(20), Sec(30), Sec(200)}) {
    sparse.Poll(at, Sec(1), OpStatus::kSucceeded);  // a 170 s gap, every poll fine
  }
  EXPECT_TRUE(sparse.Of(AlertKind::kPollingLag).empty());

  Feed stuck;
  for (int i = 0; i < 4; ++i) stuck.Poll(Sec(10 * i), Sec(1), OpStatus::kSucceeded);
  stuck.StartPoll(Sec(40));  // never answers
  stuck.StartPoll(Sec(50));
  EXPECT_TRUE(stuck.Of(AlertKind::kPollingLag).empty());  // lag 19 s <= 2 x 10 s
  stuck.StartPoll(Sec(60));
  // Cadence 60 / 6 = 10 s; lag 60 - 31 = 29 s > 20 s, but the poll from 40 s has been open only
  // 20 s, not above 2 x 10 s.
  EXPECT_TRUE(stuck.Of(AlertKind::kPollingLag).empty());
  stuck.StartPoll(Sec(70));
  // Cadence 70 / 7 = 10 s; lag 39 s; the poll from 40 s has been open 30 s > 20 s.
  ASSERT_EQ(stuck.Of(AlertKind::kPollingLag).size(), 1u);
  EXPECT_EQ(stuck.Of(AlertKind::kPollingLag)[0].value, 39'000);

  AlertConfig off;
  off.polling_operation.reset();
  Feed none(off);
  for (int i = 0; i < 4; ++i) none.Poll(Sec(10 * i), Sec(1), OpStatus::kSucceeded);
  for (int i = 4; i < 10; ++i) none.Poll(Sec(10 * i), Sec(1), OpStatus::kFailed);
  EXPECT_TRUE(none.Of(AlertKind::kPollingLag).empty());
}

TEST(PatternAlerts, Parse) {
  Result<engine::JsonDocument> doc = engine::JsonDocument::Parse(
      R"({"deploys_ms": [600000, 60000], "new_class_count": 3, "new_class_window_ms": 120000,
          "new_class_baseline_ms": 0, "polling_operation": "search", "polling_lag_factor": 3})",
      "a.json");
  ASSERT_TRUE(doc.ok());
  engine::JsonReader reader(*doc);
  engine::ObjectReader root = reader.Root();
  Result<AlertConfig> c = ParseAlertConfig(root, AlertConfig{});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->deploys_us, (std::vector<TimeUs>{Min(1), Min(10)}));
  EXPECT_EQ(c->new_class_count, 3u);
  EXPECT_EQ(c->new_class_window_us, Min(2));
  EXPECT_EQ(c->new_class_baseline_us, 0);
  EXPECT_EQ(c->polling_operation, Operation::kSearch);
  EXPECT_EQ(c->polling_lag_factor, 3.0);
  for (const char* bad : {R"({"polling_operation": "poll"})", R"({"deploys_ms": [-1]})"}) {
    Result<engine::JsonDocument> d = engine::JsonDocument::Parse(bad, "a.json");
    ASSERT_TRUE(d.ok());
    engine::JsonReader r(*d);
    engine::ObjectReader o = r.Root();
    EXPECT_FALSE(ParseAlertConfig(o, AlertConfig{}).ok()) << bad;
  }
}

}  // namespace
}  // namespace notion_sim::policies
