// The webhook model: verification first, one signed signal-only event per change, aggregation,
// retries with backoff and drops, and the delivery faults — exact times, bodies and counts.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "notion_sim/engine/json_reader.h"
#include "notion_sim/simulator/fake_notion.h"
#include "notion_sim/simulator/webhooks.h"

namespace notion_sim::sim {
namespace {

using engine::ObjectId;
using nlohmann::json;

WebhookConfig OneSub(std::vector<std::string> types = {}) {
  WebhookConfig c;
  c.subscriptions.push_back({"http://127.0.0.1:9/hook", "secret_tok", std::move(types)});
  return c;
}

Change PageChange(ChangeKind kind, ObjectId page, TimeUs at_us) {
  Change ch;
  ch.kind = kind;
  ch.object = page;
  ch.event.entity = page;
  ch.event.entity_type = "page";
  ch.event.parent = ObjectId{1, 2};
  ch.event.parent_type = "database";
  ch.event.data_source = ObjectId{1, 3};
  ch.at_us = at_us;
  return ch;
}

// A hub whose subscription 0 has answered its verification request.
struct Verified {
  explicit Verified(WebhookConfig config) : hub(clock, engine::Rng(5), std::move(config), 0) {
    auto due = hub.TakeDue();
    EXPECT_EQ(due.size(), 1u);
    for (const auto& d : due) hub.Report(d, true);
  }
  engine::ManualClock clock;
  WebhookHub hub;
};

TEST(WebhooksTest, SignatureIsHmacSha256HexWithPrefix) {
  // RFC 4231, test case 2.
  EXPECT_EQ(WebhookHub::Signature("what do ya want for nothing?", "Jefe"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(WebhooksTest, VerificationRequestFirstAndEventsOnlyOnceVerified) {
  engine::ManualClock clock;
  WebhookHub hub(clock, engine::Rng(5), OneSub(), 0);
  EXPECT_EQ(hub.NextDueUs(), 0);
  auto due = hub.TakeDue();
  ASSERT_EQ(due.size(), 1u);
  EXPECT_TRUE(due[0].verification);
  EXPECT_EQ(due[0].body, R"({"verification_token":"secret_tok"})");
  EXPECT_EQ(hub.NextDueUs(), kTimeNever);
  // Not yet answered: a change is skipped, as Notion sends nothing to an unverified endpoint.
  hub.OnChange(PageChange(ChangeKind::kPageCreated, ObjectId{3, 3}, 0));
  EXPECT_EQ(hub.stats().skipped_unverified, 1u);
  EXPECT_EQ(hub.NextDueUs(), kTimeNever);
  hub.Report(due[0], true);
  clock.Set(Sec(2));
  hub.OnChange(PageChange(ChangeKind::kPageCreated, ObjectId{3, 3}, Sec(2)));
  EXPECT_EQ(hub.NextDueUs(), Sec(2));  // page.created is not aggregated: due at once
  due = hub.TakeDue();
  ASSERT_EQ(due.size(), 1u);
  const json body = json::parse(due[0].body);
  EXPECT_EQ(body["type"], "page.created");
  EXPECT_EQ(body["attempt_number"], 1);
  EXPECT_EQ(body["timestamp"], "1970-01-01T00:00:02.000Z");
  EXPECT_EQ(body["entity"], json({{"id", ObjectId{3, 3}.ToString()}, {"type", "page"}}));
  EXPECT_EQ(body["data"], json({{"parent",
                                 {{"id", ObjectId{1, 2}.ToString()},
                                  {"type", "database"},
                                  {"data_source_id", ObjectId{1, 3}.ToString()}}}}));
  EXPECT_EQ(body["authors"], json::array());
  EXPECT_EQ(body["api_version"], "2025-09-03");
  for (const char* key : {"id", "workspace_id", "subscription_id", "integration_id"}) {
    EXPECT_EQ(ObjectId::Parse(body[key].get<std::string>()).has_value(), true) << key;
  }
  EXPECT_EQ(due[0].event_id, body["id"]);
  hub.Report(due[0], true);
  EXPECT_EQ(hub.stats().delivered, 1u);
  EXPECT_EQ(hub.stats().verifications, 1u);
}

TEST(WebhooksTest, EventTypesFilterTheSubscription) {
  Verified v(OneSub({"comment.created"}));
  v.hub.OnChange(PageChange(ChangeKind::kPageCreated, ObjectId{3, 3}, 0));
  EXPECT_EQ(v.hub.stats().events, 0u);
  Change c = PageChange(ChangeKind::kCommentCreated, ObjectId{4, 4}, 0);
  c.event.entity_type = "comment";
  v.hub.OnChange(c);
  auto due = v.hub.TakeDue();
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].type, "comment.created");
  EXPECT_EQ(due[0].entity_type, "comment");
}

TEST(WebhooksTest, ContentUpdatesOfOnePageWithinTheWindowAreOneEvent) {
  Verified v(OneSub());
  const ObjectId page{3, 3};
  std::uint64_t block = 100;
  for (TimeUs t : {Sec(1), Sec(10), Sec(30), Sec(30)}) {
    v.clock.Set(t);
    Change c = PageChange(ChangeKind::kPageContentUpdated, page, t);
    c.event.updated_block = ObjectId{block, 1};
    if (t != Sec(30)) ++block;  // the last two changes touch the same block
    v.hub.OnChange(c);
  }
  v.hub.OnChange(PageChange(ChangeKind::kPageContentUpdated, ObjectId{9, 9}, Sec(30)));
  EXPECT_EQ(v.hub.stats().events, 2u);
  EXPECT_EQ(v.hub.stats().aggregated, 3u);
  EXPECT_EQ(v.hub.NextDueUs(), Sec(61));  // the window closes 60 s after the first change
  v.clock.Set(Sec(60));
  EXPECT_TRUE(v.hub.TakeDue().empty());
  v.clock.Set(Sec(61));
  auto due = v.hub.TakeDue();
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].entity, page);
  const json body = json::parse(due[0].body);
  EXPECT_EQ(body["timestamp"], "1970-01-01T00:00:01.000Z");
  EXPECT_EQ(body["data"]["updated_blocks"],
            json::parse(
                "[" + json({{"id", ObjectId{100, 1}.ToString()}, {"type", "block"}}).dump() + "," +
                json({{"id", ObjectId{101, 1}.ToString()}, {"type", "block"}}).dump() + "," +
                json({{"id", ObjectId{102, 1}.ToString()}, {"type", "block"}}).dump() + "]"));
  EXPECT_EQ(v.hub.NextDueUs(), Sec(90));
  // The window closed: the next change opens a new event.
  v.hub.OnChange(PageChange(ChangeKind::kPageContentUpdated, page, Sec(61)));
  EXPECT_EQ(v.hub.stats().events, 3u);
}

TEST(WebhooksTest, FailedDeliveriesBackOffAndDropAfterMaxAttempts) {
  Verified v(OneSub());
  v.hub.OnChange(PageChange(ChangeKind::kPageCreated, ObjectId{3, 3}, 0));
  // Notion's 8 attempts: waits of 680 s x 1, 2, 4, ..., 64 (24 h in all).
  std::vector<TimeUs> times;
  for (int attempt = 1; attempt <= 8; ++attempt) {
    v.clock.Set(v.hub.NextDueUs());
    times.push_back(v.clock.NowUs());
    auto due = v.hub.TakeDue();
    ASSERT_EQ(due.size(), 1u);
    EXPECT_EQ(due[0].attempt, static_cast<std::uint32_t>(attempt));
    EXPECT_EQ(json::parse(due[0].body)["attempt_number"], attempt);
    v.hub.Report(due[0], false);
  }
  EXPECT_EQ(times, (std::vector<TimeUs>{0, Sec(680), Sec(2040), Sec(4760), Sec(10200), Sec(21080),
                                        Sec(42840), Sec(86360)}));
  EXPECT_EQ(v.hub.NextDueUs(), kTimeNever);
  EXPECT_EQ(v.hub.stats().failed_attempts, 8u);
  EXPECT_EQ(v.hub.stats().retries, 7u);
  EXPECT_EQ(v.hub.stats().dropped_after_retries, 1u);
  EXPECT_EQ(v.hub.Json()["subscriptions"][0]["dropped"], 1);
}

WebhookConfig WithFault(DeliveryFault action, std::uint64_t first = 1) {
  WebhookConfig c = OneSub();
  DeliveryFaultRule r;
  r.trigger = DeliveryFaultRule::Trigger::kFirstN;
  r.n = first;
  r.action = action;
  r.delay_us = Sec(5);
  c.faults.push_back(r);
  return c;
}

TEST(WebhooksTest, DuplicateSendsTheSameEventTwice) {
  Verified v(WithFault(DeliveryFault::kDuplicate));
  v.hub.OnChange(PageChange(ChangeKind::kPageCreated, ObjectId{3, 3}, 0));
  auto due = v.hub.TakeDue();
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].body, due[1].body);
  EXPECT_NE(due[0].id, due[1].id);
  EXPECT_TRUE(due[1].duplicate);
  EXPECT_EQ(v.hub.stats().duplicated, 1u);
}

TEST(WebhooksTest, DropAndDelayAndBadSignature) {
  {
    Verified v(WithFault(DeliveryFault::kDrop));
    v.hub.OnChange(PageChange(ChangeKind::kPageCreated, ObjectId{3, 3}, 0));
    v.hub.OnChange(PageChange(ChangeKind::kPageCreated, ObjectId{4, 4}, 0));
    auto due = v.hub.TakeDue();
    ASSERT_EQ(due.size(), 1u);  // the first dropped, the second (past `first: 1`) sent
    EXPECT_EQ(due[0].entity, (ObjectId{4, 4}));
    EXPECT_EQ(v.hub.stats().dropped_by_fault, 1u);
  }
  {
    Verified v(WithFault(DeliveryFault::kDelay));
    v.hub.OnChange(PageChange(ChangeKind::kPageCreated, ObjectId{3, 3}, 0));
    EXPECT_TRUE(v.hub.TakeDue().empty());
    EXPECT_EQ(v.hub.NextDueUs(), Sec(5));
    v.clock.Set(Sec(5));
    EXPECT_EQ(v.hub.TakeDue().size(), 1u);
  }
  {
    Verified v(WithFault(DeliveryFault::kBadSignature));
    v.hub.OnChange(PageChange(ChangeKind::kPageCreated, ObjectId{3, 3}, 0));
    auto due = v.hub.TakeDue();
    ASSERT_EQ(due.size(), 1u);
    EXPECT_TRUE(due[0].bad_signature);
    v.hub.Report(due[0], false);  // the endpoint refused it; the retry is signed properly
    v.clock.Set(v.hub.NextDueUs());
    due = v.hub.TakeDue();
    ASSERT_EQ(due.size(), 1u);
    EXPECT_FALSE(due[0].bad_signature);
    EXPECT_EQ(due[0].attempt, 2u);
  }
}

TEST(WebhooksTest, ReorderHoldsADeliveryUntilTheNextHasGone) {
  Verified v(WithFault(DeliveryFault::kReorder));
  v.hub.OnChange(PageChange(ChangeKind::kPageCreated, ObjectId{3, 3}, 0));
  EXPECT_TRUE(v.hub.TakeDue().empty());
  EXPECT_EQ(v.hub.NextDueUs(), Sec(5));
  v.clock.Set(Sec(1));
  v.hub.OnChange(PageChange(ChangeKind::kPageCreated, ObjectId{4, 4}, Sec(1)));
  auto due = v.hub.TakeDue();
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].entity, (ObjectId{4, 4}));  // the later event first
  EXPECT_EQ(due[1].entity, (ObjectId{3, 3}));
  EXPECT_EQ(v.hub.stats().reordered, 1u);
  // Alone, a held delivery goes out when its longest hold ends.
  Verified w(WithFault(DeliveryFault::kReorder));
  w.hub.OnChange(PageChange(ChangeKind::kPageCreated, ObjectId{3, 3}, 0));
  EXPECT_TRUE(w.hub.TakeDue().empty());
  w.clock.Set(Sec(5));
  EXPECT_EQ(w.hub.TakeDue().size(), 1u);
}

TEST(WebhooksTest, ProbabilityTriggerIsReproducibleFromTheSeed) {
  auto run = [] {
    WebhookConfig c = OneSub();
    DeliveryFaultRule r;
    r.trigger = DeliveryFaultRule::Trigger::kProbability;
    r.probability = 0.5;
    r.action = DeliveryFault::kDrop;
    c.faults.push_back(r);
    Verified v(c);
    for (std::uint64_t i = 0; i < 200; ++i) {
      v.hub.OnChange(PageChange(ChangeKind::kPageCreated, ObjectId{i + 10, 1}, 0));
    }
    return v.hub.TakeDue().size();
  };
  const std::size_t sent = run();
  EXPECT_EQ(sent, run());
  EXPECT_GT(sent, 70u);
  EXPECT_LT(sent, 130u);
}

TEST(WebhooksTest, TheFakeDeliversItsCommittedChanges) {
  FakeConfig config;
  config.workspace.rate_limits.mode = RateLimitMode::kOff;
  DataSourceSpec ds;
  ds.title = "Tasks";
  ds.pages = 3;
  DatabaseSpec db;
  db.title = "Tasks";
  db.data_sources.push_back(ds);
  config.workspace.databases.push_back(db);
  TokenSpec token;
  token.token = "secret_t";
  config.workspace.tokens.push_back(token);
  config.webhooks = OneSub();
  engine::ManualClock clock;
  FakeNotion fake(clock, engine::Rng(11), nullptr, config);
  for (const auto& d : fake.webhooks().TakeDue()) fake.webhooks().Report(d, true);
  engine::Request r;
  r.operation = engine::Operation::kCreatePage;
  r.tenant = 0;
  r.method = engine::Method::kPost;
  ASSERT_FALSE(fake.data_sources().empty());
  r.parent = fake.data_sources().front();
  r.op_id = 1;
  ASSERT_EQ(fake.Handle(r).response.status, 200);
  auto due = fake.webhooks().TakeDue();
  ASSERT_EQ(due.size(), 1u);
  const json body = json::parse(due[0].body);
  EXPECT_EQ(body["type"], "page.created");
  EXPECT_EQ(body["data"]["parent"]["type"], "database");
  EXPECT_EQ(body["data"]["parent"]["data_source_id"], r.parent.ToString());
  EXPECT_EQ(body["data"]["parent"]["id"], fake.databases().front().first.ToString());
  EXPECT_EQ(body["authors"].size(), 1u);  // the bot of the token that made it
  // Reset: the configured subscription again, unverified, its verification due.
  fake.Reset();
  due = fake.webhooks().TakeDue();
  ASSERT_EQ(due.size(), 1u);
  EXPECT_TRUE(due[0].verification);
}

TEST(WebhooksTest, ParseNamesTheBadField) {
  auto parse = [](const std::string& text) -> std::string {
    auto doc = engine::JsonDocument::Parse(text, "w.json");
    if (!doc.ok()) return doc.error().message;
    engine::JsonReader reader(*doc);
    engine::ObjectReader root = reader.Root();
    auto c = ParseWebhookConfig(root);
    return c.ok() ? "" : c.error().message;
  };
  EXPECT_EQ(parse(R"({"subscriptions": [{"url": "http://x/h"}], "retry": {"max_attempts": 3}})"),
            "");
  EXPECT_NE(parse(R"({"subscriptions": [{"url": "ftp://x"}]})").find("/subscriptions/0/url"),
            std::string::npos);
  EXPECT_NE(parse(R"({"subscriptions": [{"url": "http://x", "event_types": ["page.made"]}]})")
                .find("unknown event type \"page.made\""),
            std::string::npos);
  EXPECT_NE(parse(R"({"faults": [{"action": "explode"}]})").find("/faults/0/action"),
            std::string::npos);
  EXPECT_NE(parse(R"({"retry": {"max_attempts": 0}})").find("/retry/max_attempts"),
            std::string::npos);
  EXPECT_NE(parse(R"({"agregation_window_ms": 5})").find("agregation_window_ms"),
            std::string::npos);
}

}  // namespace
}  // namespace notion_sim::sim
