// The request journal: a bounded ring, what an entry holds (and never holds), JSON export.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "notion_sim/simulator/fake_notion.h"
#include "notion_sim/simulator/http_call.h"

namespace notion_sim::sim {
namespace {

using engine::ObjectId;
using engine::Operation;
using nlohmann::json;

JournalEntry Entry(std::uint64_t seq) {
  JournalEntry e;
  e.seq = seq;
  e.at_us = static_cast<TimeUs>(seq) * 10;
  e.operation = Operation::kUsersMe;
  e.status = 200;
  return e;
}

TEST(JournalTest, RingKeepsTheNewestUpToItsCapacity) {
  Journal j(5);
  for (std::uint64_t s = 1; s <= 12; ++s) j.Add(Entry(s));
  EXPECT_EQ(j.size(), 5u);
  EXPECT_EQ(j.total(), 12u);
  EXPECT_EQ(j.dropped(), 7u);
  std::vector<std::uint64_t> seqs;
  for (const JournalEntry& e : j.Entries()) seqs.push_back(e.seq);
  EXPECT_EQ(seqs, (std::vector<std::uint64_t>{8, 9, 10, 11, 12}));
  seqs.clear();
  for (const JournalEntry& e : j.Entries(2)) seqs.push_back(e.seq);
  EXPECT_EQ(seqs, (std::vector<std::uint64_t>{11, 12}));
  EXPECT_EQ(j.Find(7), nullptr);
  ASSERT_NE(j.Find(9), nullptr);
  j.AmendLatency(9, 1234);
  EXPECT_EQ(j.Find(9)->latency_us, 1234);
  j.AmendLatency(3, 1);  // long gone: ignored
  j.Clear();
  EXPECT_EQ(j.size(), 0u);
  EXPECT_EQ(j.total(), 0u);
}

TEST(JournalTest, ZeroCapacityKeepsNothingButCounts) {
  Journal j(0);
  for (std::uint64_t s = 1; s <= 3; ++s) j.Add(Entry(s));
  EXPECT_EQ(j.size(), 0u);
  EXPECT_EQ(j.total(), 3u);
  EXPECT_TRUE(j.Entries().empty());
  EXPECT_EQ(j.Find(1), nullptr);
}

TEST(JournalTest, FakeJournalsEveryRequestWithinItsBound) {
  engine::ManualClock clock;
  FakeConfig config;
  config.journal_capacity = 3;
  FakeNotion fake(clock, engine::Rng(1), nullptr, config);
  for (int i = 0; i < 10; ++i) {
    clock.Advance(Ms(1));
    HttpCall::Notion("GET", "/v1/users/me", "secret_token_wxyz")
        .Header("x-notion-sim-op-id", std::to_string(100 + i))
        .SendTo(fake);
  }
  EXPECT_EQ(fake.journal().size(), 3u);
  EXPECT_EQ(fake.journal().total(), 10u);
  const auto entries = fake.journal().Entries();  // a copy: keep it alive
  const JournalEntry& last = entries.back();
  EXPECT_EQ(last.seq, 10u);
  EXPECT_EQ(last.at_us, Ms(10));
  EXPECT_EQ(last.method, engine::Method::kGet);
  EXPECT_EQ(last.operation, Operation::kUsersMe);
  EXPECT_EQ(last.path, "/v1/users/me");
  EXPECT_EQ(last.status, 200);
  EXPECT_EQ(last.op_id, 109u);
  EXPECT_EQ(last.caller, "…wxyz");
}

TEST(JournalTest, JsonExportNamesPathsAndFaults) {
  engine::ManualClock clock;
  FakeConfig config;
  FaultRule r;
  r.action = FaultAction::kRespond;
  r.status = 502;
  r.trigger.kind = TriggerKind::kEveryNth;
  r.trigger.n = 2;
  ASSERT_TRUE(config.faults.Add(r).ok());
  FakeNotion fake(clock, engine::Rng(1), nullptr, config);
  engine::Request get;
  get.operation = Operation::kRetrievePage;
  get.target = ObjectId{1, 2};
  get.op_id = 5;
  get.attempt = 2;
  get.tenant = 4;
  fake.Handle(get);
  fake.Handle(get);
  HttpCall::Notion("GET", "/v1/bogus", "t").SendTo(fake);
  const json j = fake.journal().ToJson();
  EXPECT_EQ(j["capacity"], 10000);
  EXPECT_EQ(j["total"], 3);
  EXPECT_EQ(j["dropped"], 0);
  ASSERT_EQ(j["entries"].size(), 3u);
  const json& first = j["entries"][0];
  EXPECT_EQ(first["path"], "/v1/pages/00000000-0000-0001-0000-000000000002");
  EXPECT_EQ(first["operation"], "retrieve_page");
  EXPECT_EQ(first["caller"], "tenant:4");
  EXPECT_EQ(first["status"], 404);
  EXPECT_EQ(first["code"], "object_not_found");
  EXPECT_EQ(first["op_id"], 5);
  EXPECT_EQ(first["attempt"], 2);
  EXPECT_FALSE(first.contains("fault"));
  EXPECT_EQ(j["entries"][1]["fault"]["action"], "respond");
  EXPECT_EQ(j["entries"][1]["fault"]["status"], 502);
  EXPECT_EQ(j["entries"][2]["path"], "/v1/bogus");
  EXPECT_FALSE(j["entries"][2].contains("operation"));
  const json decisions = fake.journal().DecisionsJson();
  ASSERT_EQ(decisions["decisions"].size(), 1u);
  EXPECT_EQ(decisions["decisions"][0]["seq"], 2);
  EXPECT_EQ(decisions["decisions"][0]["op_id"], 5);
}

}  // namespace
}  // namespace notion_sim::sim
