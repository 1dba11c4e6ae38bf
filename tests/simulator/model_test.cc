// The fake's workspace model, in-process and over HandleHttp: pages, blocks, search, users,
// versions, the ledger, reconcile lookups, reset and determinism.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "notion_sim/engine/json_reader.h"
#include "notion_sim/simulator/fake_notion.h"
#include "notion_sim/simulator/http_call.h"

namespace notion_sim::sim {
namespace {

using engine::ApiCode;
using engine::ObjectId;
using engine::Operation;
using nlohmann::json;

constexpr const char* kDs = "11111111-1111-4111-8111-111111111111";
constexpr const char* kDb = "22222222-2222-4222-8222-222222222222";

FakeConfig Config() {
  FakeConfig c;
  c.workspace.tokens.push_back(TokenSpec{"secret_acme", "acme", 0, 0, kCapAll, {}, {}});
  DatabaseSpec db;
  db.id = *ObjectId::Parse(kDb);
  db.title = "Tasks";
  DataSourceSpec ds;
  ds.id = *ObjectId::Parse(kDs);
  ds.title = "Tasks";
  ds.properties = {{"Name", "title"}, {"Done", "checkbox"}, {"Points", "number"}};
  db.data_sources.push_back(ds);
  c.workspace.databases.push_back(db);
  return c;
}

engine::Request Req(Operation op, ObjectId target = {}, ObjectId parent = {}) {
  engine::Request r;
  r.operation = op;
  r.method = engine::MethodOf(op);
  r.target = target;
  r.parent = parent;
  return r;
}

json Body(const Answer& a) { return json::parse(a.body); }

std::string CreateBody(const std::string& title, const std::string& extra = "") {
  return std::string(R"({"parent":{"data_source_id":")") + kDs +
         R"("},"properties":{"Name":{"title":[{"text":{"content":")" + title + "\"}}]}" + extra +
         "}}";
}

TEST(ModelTest, InProcessCreateThenRetrieve) {
  engine::ManualClock clock;
  FakeNotion fake(clock, engine::Rng(7), nullptr, Config());
  engine::Request create = Req(Operation::kCreatePage, {}, *ObjectId::Parse(kDs));
  create.op_id = 42;
  Answer a = fake.Handle(create);
  ASSERT_EQ(a.response.status, 200);
  EXPECT_FALSE(a.response.object_id.empty());
  EXPECT_TRUE(a.body.empty());  // the in-process door renders nothing
  EXPECT_TRUE(a.headers.empty());
  Answer r = fake.Handle(Req(Operation::kRetrievePage, a.response.object_id));
  EXPECT_EQ(r.response.status, 200);
  EXPECT_EQ(r.response.object_id, a.response.object_id);
  Answer missing = fake.Handle(Req(Operation::kRetrievePage, ObjectId{1, 2}));
  EXPECT_EQ(missing.response.status, 404);
  EXPECT_EQ(missing.response.code, ApiCode::kObjectNotFound);
  ASSERT_EQ(fake.ledger().size(), 1u);
  EXPECT_EQ(fake.ledger()[0].op_id, 42u);
  EXPECT_EQ(fake.ledger()[0].object, a.response.object_id);
  EXPECT_EQ(fake.ledger()[0].operation, Operation::kCreatePage);
}

TEST(ModelTest, SameSeedSameIdsDifferentSeedDifferentIds) {
  engine::ManualClock clock;
  FakeNotion a(clock, engine::Rng(7), nullptr, Config());
  FakeNotion b(clock, engine::Rng(7), nullptr, Config());
  FakeNotion c(clock, engine::Rng(8), nullptr, Config());
  for (int i = 0; i < 20; ++i) {
    const engine::Request r = Req(Operation::kCreatePage, {}, *ObjectId::Parse(kDs));
    const ObjectId ia = a.Handle(r).response.object_id;
    EXPECT_EQ(ia, b.Handle(r).response.object_id);
    EXPECT_NE(ia, c.Handle(r).response.object_id);
  }
  // Over HTTP too, including request ids.
  Answer ha = HttpCall::Notion("POST", "/v1/pages", "secret_acme").Body(CreateBody("x")).SendTo(a);
  Answer hb = HttpCall::Notion("POST", "/v1/pages", "secret_acme").Body(CreateBody("x")).SendTo(b);
  EXPECT_EQ(ha.body, hb.body);
  EXPECT_EQ(AnswerHeader(ha, "x-notion-request-id"), AnswerHeader(hb, "x-notion-request-id"));
}

TEST(ModelTest, HttpCreateRendersNotionsPageShape) {
  engine::ManualClock clock(Ms(1500));
  FakeNotion fake(clock, engine::Rng(7), nullptr, Config());
  Answer a = HttpCall::Notion("POST", "/v1/pages", "secret_acme")
                 .Body(CreateBody("Hello", R"(,"Done":{"checkbox":true})"))
                 .SendTo(fake);
  ASSERT_EQ(a.response.status, 200) << a.body;
  const json page = Body(a);
  EXPECT_EQ(page["object"], "page");
  EXPECT_EQ(page["id"], a.response.object_id.ToString());
  EXPECT_EQ(page["created_time"], "2026-01-01T00:00:01.500Z");
  EXPECT_EQ(page["parent"]["type"], "data_source_id");
  EXPECT_EQ(page["parent"]["data_source_id"], kDs);
  EXPECT_EQ(page["parent"]["database_id"], kDb);
  EXPECT_EQ(page["in_trash"], false);
  EXPECT_EQ(page["archived"], false);
  EXPECT_EQ(page["properties"]["Name"]["type"], "title");
  EXPECT_EQ(page["properties"]["Name"]["id"], "title");
  EXPECT_EQ(page["properties"]["Name"]["title"][0]["plain_text"], "Hello");
  EXPECT_EQ(page["properties"]["Done"]["checkbox"], true);
  EXPECT_EQ(page["created_by"]["object"], "user");
  const std::string request_id = AnswerHeader(a, "x-notion-request-id");
  EXPECT_TRUE(ObjectId::Parse(request_id).has_value()) << request_id;
  EXPECT_EQ(AnswerHeader(a, "content-type"), "application/json; charset=utf-8");
}

TEST(ModelTest, EpochIsConfigurable) {
  engine::ManualClock clock(Sec(61));
  FakeConfig config = Config();
  config.workspace.epoch_unix_s = *ParseIsoSeconds("2024-02-29T23:59:30Z");
  FakeNotion fake(clock, engine::Rng(7), nullptr, config);
  Answer a =
      HttpCall::Notion("POST", "/v1/pages", "secret_acme").Body(CreateBody("x")).SendTo(fake);
  EXPECT_EQ(Body(a)["created_time"], "2024-03-01T00:00:31.000Z");
}

TEST(ModelTest, BlocksAppendListRetrieveUpdateDelete) {
  engine::ManualClock clock;
  FakeNotion fake(clock, engine::Rng(7), nullptr, Config());
  const ObjectId page = HttpCall::Notion("POST", "/v1/pages", "secret_acme")
                            .Body(CreateBody("p"))
                            .SendTo(fake)
                            .response.object_id;
  const std::string children = R"({"children":[
    {"type":"paragraph","paragraph":{"rich_text":[{"text":{"content":"one"}}]}},
    {"paragraph":{"rich_text":[{"text":{"content":"two"}}]}},
    {"type":"bulleted_list_item","bulleted_list_item":{"rich_text":[{"text":{"content":"three"}}],
      "children":[{"type":"paragraph","paragraph":{"rich_text":[{"text":{"content":"nested"}}]}}]}}]})";
  const std::string path = "/v1/blocks/" + page.ToString() + "/children";
  Answer appended = HttpCall::Notion("PATCH", path, "secret_acme").Body(children).SendTo(fake);
  ASSERT_EQ(appended.response.status, 200) << appended.body;
  const json list = Body(appended);
  EXPECT_EQ(list["object"], "list");
  EXPECT_EQ(list["type"], "block");
  ASSERT_EQ(list["results"].size(), 3u);
  EXPECT_EQ(list["results"][1]["paragraph"]["rich_text"][0]["plain_text"], "two");
  EXPECT_EQ(list["results"][2]["has_children"], true);
  EXPECT_FALSE(list["results"][2]["bulleted_list_item"].contains("children"));
  EXPECT_EQ(fake.block_count(), 4u);

  const std::string second = list["results"][1]["id"];
  Answer got = HttpCall::Notion("GET", "/v1/blocks/" + second, "secret_acme").SendTo(fake);
  EXPECT_EQ(Body(got)["type"], "paragraph");
  EXPECT_EQ(Body(got)["parent"]["page_id"], page.ToString());

  Answer updated = HttpCall::Notion("PATCH", "/v1/blocks/" + second, "secret_acme")
                       .Body(R"({"paragraph":{"rich_text":[{"text":{"content":"TWO"}}]}})")
                       .SendTo(fake);
  ASSERT_EQ(updated.response.status, 200) << updated.body;
  EXPECT_EQ(Body(updated)["paragraph"]["rich_text"][0]["plain_text"], "TWO");
  Answer wrong_type = HttpCall::Notion("PATCH", "/v1/blocks/" + second, "secret_acme")
                          .Body(R"({"heading_1":{"rich_text":[]}})")
                          .SendTo(fake);
  EXPECT_EQ(wrong_type.response.status, 400);

  Answer deleted = HttpCall::Notion("DELETE", "/v1/blocks/" + second, "secret_acme").SendTo(fake);
  EXPECT_EQ(Body(deleted)["in_trash"], true);
  Answer listed = HttpCall::Notion("GET", path, "secret_acme").SendTo(fake);
  EXPECT_EQ(Body(listed)["results"].size(), 2u);
  Answer edit_trashed = HttpCall::Notion("PATCH", "/v1/blocks/" + second, "secret_acme")
                            .Body(R"({"paragraph":{"rich_text":[]}})")
                            .SendTo(fake);
  EXPECT_EQ(Body(edit_trashed)["message"],
            "Can't edit block that is archived. You must unarchive the block before editing.");
  // A page through the blocks endpoint is a child_page block.
  Answer as_block =
      HttpCall::Notion("GET", "/v1/blocks/" + page.ToString(), "secret_acme").SendTo(fake);
  EXPECT_EQ(Body(as_block)["type"], "child_page");
  EXPECT_EQ(Body(as_block)["child_page"]["title"], "p");
}

TEST(ModelTest, InProcessAppendWithoutPayloadAddsOneParagraph) {
  engine::ManualClock clock;
  FakeNotion fake(clock, engine::Rng(7), nullptr, Config());
  const ObjectId page =
      fake.Handle(Req(Operation::kCreatePage, {}, *ObjectId::Parse(kDs))).response.object_id;
  Answer a = fake.Handle(Req(Operation::kAppendBlocks, page));
  EXPECT_EQ(a.response.status, 200);
  EXPECT_EQ(a.response.result_count, 1u);
  Answer list = fake.Handle(Req(Operation::kListBlockChildren, page));
  EXPECT_EQ(list.response.result_count, 1u);
  EXPECT_FALSE(list.response.has_more);
  // Rendered later over HTTP, the default block is a paragraph.
  Answer http =
      HttpCall::Notion("GET", "/v1/blocks/" + page.ToString() + "/children", "secret_acme")
          .SendTo(fake);
  EXPECT_EQ(Body(http)["results"][0]["type"], "paragraph");
}

TEST(ModelTest, UpdatePageMergesPropertiesAndTrashes) {
  engine::ManualClock clock;
  FakeNotion fake(clock, engine::Rng(7), nullptr, Config());
  const ObjectId page = HttpCall::Notion("POST", "/v1/pages", "secret_acme")
                            .Body(CreateBody("a", R"(,"Points":{"number":1})"))
                            .SendTo(fake)
                            .response.object_id;
  const std::string path = "/v1/pages/" + page.ToString();
  clock.Advance(Sec(2));
  Answer u = HttpCall::Notion("PATCH", path, "secret_acme")
                 .Body(R"({"properties":{"Points":{"number":5}}})")
                 .SendTo(fake);
  ASSERT_EQ(u.response.status, 200) << u.body;
  EXPECT_EQ(Body(u)["properties"]["Points"]["number"], 5);
  EXPECT_EQ(Body(u)["properties"]["Name"]["title"][0]["plain_text"], "a");
  EXPECT_EQ(Body(u)["last_edited_time"], "2026-01-01T00:00:02.000Z");
  Answer t =
      HttpCall::Notion("PATCH", path, "secret_acme").Body(R"({"in_trash":true})").SendTo(fake);
  EXPECT_EQ(Body(t)["in_trash"], true);
  EXPECT_EQ(Body(t)["archived"], true);
  Answer again = HttpCall::Notion("PATCH", path, "secret_acme")
                     .Body(R"({"properties":{"Points":{"number":6}}})")
                     .SendTo(fake);
  EXPECT_EQ(again.response.status, 400);
  EXPECT_EQ(Body(again)["message"],
            "Can't edit page that is archived. You must unarchive the page before editing.");
  Answer restore = HttpCall::Notion("PATCH", path, "secret_acme")
                       .Body(R"({"in_trash":false,"properties":{"Points":{"number":7}}})")
                       .SendTo(fake);
  EXPECT_EQ(restore.response.status, 200);
  EXPECT_EQ(Body(restore)["properties"]["Points"]["number"], 7);
  EXPECT_EQ(fake.ledger().size(), 4u);  // create + three updates
}

TEST(ModelTest, ConflictWindowGives409) {
  engine::ManualClock clock;
  FakeConfig config = Config();
  config.workspace.conflict_window_us = Ms(500);
  FakeNotion fake(clock, engine::Rng(7), nullptr, config);
  const ObjectId page =
      fake.Handle(Req(Operation::kCreatePage, {}, *ObjectId::Parse(kDs))).response.object_id;
  engine::Request u1 = Req(Operation::kUpdatePage, page);
  u1.op_id = 1;
  engine::Request u2 = Req(Operation::kUpdatePage, page);
  u2.op_id = 2;
  EXPECT_EQ(fake.Handle(u1).response.status, 200);
  clock.Advance(Ms(100));
  EXPECT_EQ(fake.Handle(u2).response.status, 409);
  EXPECT_EQ(fake.Handle(u2).response.code, ApiCode::kConflictError);
  clock.Advance(Ms(400));
  EXPECT_EQ(fake.Handle(u2).response.status, 200);
}

TEST(ModelTest, UnknownParentIsNotFoundUnlessTheWorkspaceAsksForLenience) {
  engine::ManualClock clock;
  FakeConfig lenient_config;
  lenient_config.workspace.unknown_parent = UnknownParent::kCreate;
  FakeNotion lenient(clock, engine::Rng(7), nullptr, lenient_config);
  const ObjectId parent{0x1234, 0x5678};
  EXPECT_EQ(lenient.Handle(Req(Operation::kCreatePage, {}, parent)).response.status, 200);
  ASSERT_EQ(lenient.data_sources().size(), 1u);
  EXPECT_EQ(lenient.data_sources()[0], parent);
  FakeConfig strict_config;  // the default: Notion's 404
  FakeNotion strict(clock, engine::Rng(7), nullptr, strict_config);
  Answer a = strict.Handle(Req(Operation::kCreatePage, {}, parent));
  EXPECT_EQ(a.response.status, 404);
  EXPECT_EQ(strict.ledger().size(), 0u);
}

TEST(ModelTest, SearchFindsTitlesAndWaitsForIndexing) {
  engine::ManualClock clock;
  FakeConfig config = Config();
  config.workspace.search_indexing_delay_us = Sec(5);
  FakeNotion fake(clock, engine::Rng(7), nullptr, config);
  HttpCall::Notion("POST", "/v1/pages", "secret_acme")
      .Body(CreateBody("Quarterly plan"))
      .SendTo(fake);
  HttpCall::Notion("POST", "/v1/pages", "secret_acme").Body(CreateBody("Groceries")).SendTo(fake);
  auto search = [&](const std::string& body) {
    return Body(HttpCall::Notion("POST", "/v1/search", "secret_acme").Body(body).SendTo(fake));
  };
  // Just created: not indexed yet, but the data source (created at time 0... also within the
  // delay) is not either.
  EXPECT_EQ(search(R"({"query":"plan"})")["results"].size(), 0u);
  clock.Advance(Sec(5));
  json found = search(R"({"query":"PLAN"})");
  ASSERT_EQ(found["results"].size(), 1u);
  EXPECT_EQ(found["results"][0]["properties"]["Name"]["title"][0]["plain_text"], "Quarterly plan");
  EXPECT_EQ(found["type"], "page_or_data_source");
  json sources = search(R"({"filter":{"property":"object","value":"data_source"}})");
  ASSERT_EQ(sources["results"].size(), 1u);
  EXPECT_EQ(sources["results"][0]["object"], "data_source");
  EXPECT_EQ(search(R"({"filter":{"property":"object","value":"page"}})")["results"].size(), 2u);
  Answer bad = HttpCall::Notion("POST", "/v1/search", "secret_acme")
                   .Body(R"({"filter":{"property":"object","value":"database"}})")
                   .SendTo(fake);
  EXPECT_EQ(bad.response.status, 400);
}

TEST(ModelTest, UsersMeListAndRetrieve) {
  engine::ManualClock clock;
  FakeNotion fake(clock, engine::Rng(7), nullptr, Config());
  json me = Body(HttpCall::Notion("GET", "/v1/users/me", "secret_acme").SendTo(fake));
  EXPECT_EQ(me["type"], "bot");
  EXPECT_EQ(me["name"], "acme");
  json users = Body(HttpCall::Notion("GET", "/v1/users", "secret_acme").SendTo(fake));
  EXPECT_EQ(users["type"], "user");
  ASSERT_EQ(users["results"].size(), 4u);  // 3 people + 1 bot
  EXPECT_EQ(users["results"][0]["type"], "person");
  EXPECT_EQ(users["results"][3]["id"], me["id"]);
  json one =
      Body(HttpCall::Notion("GET", "/v1/users/" + users["results"][1]["id"].get<std::string>(),
                            "secret_acme")
               .SendTo(fake));
  EXPECT_EQ(one["name"], "User 2");
  EXPECT_EQ(fake.Handle(Req(Operation::kUsersMe)).response.object_id.ToString(), me["id"]);
}

TEST(ModelTest, VersionsChooseEndpointsAndFields) {
  engine::ManualClock clock;
  FakeNotion fake(clock, engine::Rng(7), nullptr, Config());
  const std::string ds_query = std::string("/v1/data_sources/") + kDs + "/query";
  const std::string db_query = std::string("/v1/databases/") + kDb + "/query";
  HttpCall::Notion("POST", "/v1/pages", "secret_acme").Body(CreateBody("x")).SendTo(fake);
  Answer v5 = HttpCall::Notion("POST", ds_query, "secret_acme").SendTo(fake);
  EXPECT_EQ(Body(v5)["type"], "page_or_data_source");
  EXPECT_EQ(Body(v5)["results"][0]["parent"]["type"], "data_source_id");
  Answer v5_db = HttpCall::Notion("POST", db_query, "secret_acme").SendTo(fake);
  EXPECT_EQ(v5_db.response.code, ApiCode::kInvalidRequestUrl);

  Answer v4 = HttpCall::Notion("POST", db_query, "secret_acme", "2022-06-28").SendTo(fake);
  ASSERT_EQ(v4.response.status, 200) << v4.body;
  EXPECT_EQ(Body(v4)["type"], "page_or_database");
  EXPECT_EQ(Body(v4)["results"][0]["parent"]["type"], "database_id");
  EXPECT_EQ(Body(v4)["results"][0]["parent"]["database_id"], kDb);
  Answer v4_ds = HttpCall::Notion("POST", ds_query, "secret_acme", "2022-06-28").SendTo(fake);
  EXPECT_EQ(v4_ds.response.code, ApiCode::kInvalidRequestUrl);
  Answer db4 =
      HttpCall::Notion("GET", std::string("/v1/databases/") + kDb, "secret_acme", "2022-06-28")
          .SendTo(fake);
  EXPECT_EQ(Body(db4)["properties"]["Done"]["type"], "checkbox");
  Answer db5 =
      HttpCall::Notion("GET", std::string("/v1/databases/") + kDb, "secret_acme").SendTo(fake);
  EXPECT_EQ(Body(db5)["data_sources"][0]["id"], kDs);

  Answer v6 = HttpCall::Notion("POST", ds_query, "secret_acme", "2026-03-11").SendTo(fake);
  EXPECT_TRUE(Body(v6)["results"][0].contains("in_trash"));
  EXPECT_FALSE(Body(v6)["results"][0].contains("archived"));
  const std::string page_path = "/v1/pages/" + Body(v6)["results"][0]["id"].get<std::string>();
  Answer archived6 = HttpCall::Notion("PATCH", page_path, "secret_acme", "2026-03-11")
                         .Body(R"({"archived":true})")
                         .SendTo(fake);
  EXPECT_EQ(archived6.response.status, 400);
  Answer archived5 =
      HttpCall::Notion("PATCH", page_path, "secret_acme").Body(R"({"archived":true})").SendTo(fake);
  EXPECT_EQ(Body(archived5)["in_trash"], true);
}

TEST(ModelTest, MultiSourceDatabaseFailsOnTheOldVersion) {
  engine::ManualClock clock;
  FakeConfig config = Config();
  config.workspace.databases[0].data_sources.push_back(DataSourceSpec{{}, "Second", {}, 0});
  FakeNotion fake(clock, engine::Rng(7), nullptr, config);
  Answer a = HttpCall::Notion("POST", std::string("/v1/databases/") + kDb + "/query", "secret_acme",
                              "2022-06-28")
                 .SendTo(fake);
  ASSERT_EQ(a.response.status, 400);
  const json body = Body(a);
  EXPECT_EQ(body["code"], "validation_error");
  EXPECT_EQ(body["additional_data"]["error_type"], "multiple_data_sources_for_database");
  EXPECT_EQ(body["additional_data"]["child_data_source_ids"].size(), 2u);
  EXPECT_EQ(body["additional_data"]["minimum_api_version"], "2025-09-03");
}

TEST(ModelTest, ReconcileLookupFindsTheKeyedCreate) {
  engine::ManualClock clock;
  FakeNotion fake(clock, engine::Rng(7), nullptr, Config());
  const ObjectId ds = *ObjectId::Parse(kDs);
  engine::Request create = Req(Operation::kCreatePage, {}, ds);
  std::array<std::uint8_t, 32> key{};
  key[0] = 0xAB;
  key[31] = 0x01;
  create.idempotency_key = key;
  const ObjectId created = fake.Handle(create).response.object_id;
  engine::Request lookup = Req(Operation::kQueryDataSource, ds);
  lookup.reconcile_lookup = true;
  lookup.idempotency_key = key;
  Answer found = fake.Handle(lookup);
  EXPECT_EQ(found.response.status, 200);
  EXPECT_TRUE(found.response.found);
  EXPECT_EQ(found.response.object_id, created);
  key[5] = 9;
  lookup.idempotency_key = key;
  Answer other = fake.Handle(lookup);
  EXPECT_EQ(other.response.status, 200);
  EXPECT_FALSE(other.response.found);
  EXPECT_EQ(other.response.result_count, 0u);

  // Over HTTP: the key is a rich_text property, and the lookup is a query filter.
  const std::string hex(64, 'c');
  Answer http_create =
      HttpCall::Notion("POST", "/v1/pages", "secret_acme")
          .Body(CreateBody(
              "k", R"(,"idempotency_key":{"rich_text":[{"text":{"content":")" + hex + "\"}}]}"))
          .SendTo(fake);
  ASSERT_EQ(http_create.response.status, 200) << http_create.body;
  Answer q =
      HttpCall::Notion("POST", std::string("/v1/data_sources/") + kDs + "/query", "secret_acme")
          .Body(R"({"filter":{"property":"idempotency_key","rich_text":{"equals":")" + hex +
                "\"}}}")
          .SendTo(fake);
  ASSERT_EQ(q.response.status, 200) << q.body;
  ASSERT_EQ(Body(q)["results"].size(), 1u);
  EXPECT_EQ(Body(q)["results"][0]["id"], http_create.response.object_id.ToString());
}

TEST(ModelTest, QueryFiltersAndSorts) {
  engine::ManualClock clock;
  FakeNotion fake(clock, engine::Rng(7), nullptr, Config());
  for (int i = 0; i < 6; ++i) {
    Answer created =
        HttpCall::Notion("POST", "/v1/pages", "secret_acme")
            .Body(CreateBody("p" + std::to_string(i),
                             ",\"Points\":{\"number\":" + std::to_string((i * 7) % 5) +
                                 "},\"Done\":{\"checkbox\":" + (i % 2 == 0 ? "true" : "false") +
                                 "}"))
            .SendTo(fake);
    ASSERT_EQ(created.response.status, 200) << created.body;
  }
  auto query = [&](const std::string& body) {
    Answer a =
        HttpCall::Notion("POST", std::string("/v1/data_sources/") + kDs + "/query", "secret_acme")
            .Body(body)
            .SendTo(fake);
    EXPECT_EQ(a.response.status, 200) << a.body;
    std::vector<std::string> titles;
    const json list = Body(a);
    for (const json& p : list["results"]) {
      titles.push_back(p["properties"]["Name"]["title"][0]["plain_text"]);
    }
    return titles;
  };
  EXPECT_EQ(query(R"({"filter":{"property":"Done","checkbox":{"equals":true}}})"),
            (std::vector<std::string>{"p0", "p2", "p4"}));
  // Points: p0=0 p1=2 p2=4 p3=1 p4=3 p5=0
  EXPECT_EQ(query(R"({"filter":{"property":"Points","number":{"greater_than":1}}})"),
            (std::vector<std::string>{"p1", "p2", "p4"}));
  EXPECT_EQ(query(R"({"filter":{"and":[{"property":"Points","number":{"less_than":3}},
                                       {"property":"Name","title":{"contains":"P"}}]},
                     "sorts":[{"property":"Points","direction":"descending"}]})"),
            (std::vector<std::string>{"p1", "p3", "p0", "p5"}));
  EXPECT_EQ(
      query(R"({"sorts":[{"timestamp":"created_time","direction":"descending"}],"page_size":2})"),
      (std::vector<std::string>{"p0", "p1"}));  // equal times keep creation order
  Answer bad =
      HttpCall::Notion("POST", std::string("/v1/data_sources/") + kDs + "/query", "secret_acme")
          .Body(R"({"filter":{"property":"Done","checkbox":{"contains":"x"}}})")
          .SendTo(fake);
  EXPECT_EQ(bad.response.status, 400);
  EXPECT_EQ(Body(bad)["code"], "validation_error");
}

TEST(ModelTest, SeededPagesAndReset) {
  engine::ManualClock clock;
  FakeConfig config = Config();
  config.workspace.databases[0].data_sources[0].pages = 30;
  FakeNotion fake(clock, engine::Rng(7), nullptr, config);
  EXPECT_EQ(fake.page_count(), 30u);
  const ObjectId first =
      fake.Handle(Req(Operation::kCreatePage, {}, *ObjectId::Parse(kDs))).response.object_id;
  EXPECT_EQ(fake.page_count(), 31u);
  fake.Reset();
  EXPECT_EQ(fake.page_count(), 30u);
  EXPECT_EQ(fake.ledger().size(), 0u);
  EXPECT_EQ(fake.journal().size(), 0u);
  EXPECT_EQ(fake.Handle(Req(Operation::kCreatePage, {}, *ObjectId::Parse(kDs))).response.object_id,
            first);
}

TEST(ModelTest, HttpLedgerFingerprintsClientsWithoutOpIds) {
  engine::ManualClock clock;
  FakeNotion fake(clock, engine::Rng(7), nullptr, Config());
  HttpCall::Notion("POST", "/v1/pages", "secret_acme").Body(CreateBody("same")).SendTo(fake);
  HttpCall::Notion("POST", "/v1/pages", "secret_acme").Body(CreateBody("same")).SendTo(fake);
  HttpCall::Notion("POST", "/v1/pages", "secret_acme").Body(CreateBody("other")).SendTo(fake);
  HttpCall::Notion("POST", "/v1/pages", "secret_acme")
      .Header("x-notion-sim-op-id", "77")
      .Header("x-notion-sim-attempt", "2")
      .Body(CreateBody("tagged"))
      .SendTo(fake);
  const engine::Ledger& ledger = fake.ledger();
  ASSERT_EQ(ledger.size(), 4u);
  EXPECT_EQ(ledger[0].op_id, 0u);
  EXPECT_NE(ledger[0].fingerprint, 0u);
  EXPECT_EQ(ledger[0].fingerprint, ledger[1].fingerprint);  // a duplicate create shows
  EXPECT_NE(ledger[0].fingerprint, ledger[2].fingerprint);
  EXPECT_EQ(ledger[3].op_id, 77u);
  EXPECT_EQ(fake.journal().Entries().back().attempt, 2u);
}

TEST(ModelTest, ParseFakeConfigReadsTheSections) {
  auto doc = engine::JsonDocument::Parse(R"({
    "workspace": {"epoch": "2025-06-01T12:00:00Z", "users": 1,
                  "tokens": [{"token": "t1", "name": "one"}],
                  "databases": [{"title": "Tasks", "data_sources": [{"pages": 3,
                                  "properties": {"Name": "title"}}]}],
                  "rate_limits": {"window_requests": 600}},
    "faults": [{"trigger": {"first": 1}, "action": "respond", "status": 500}],
    "upstream": {"latency_ms": 20},
    "other": 1})",
                                         "s.json");
  ASSERT_TRUE(doc.ok());
  engine::JsonReader reader(*doc);
  engine::ObjectReader root = reader.Root();
  Result<FakeConfig> config = ParseFakeConfig(root);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->workspace.tokens[0].name, "one");
  EXPECT_EQ(config->workspace.rate_limits.window_requests, 600);
  EXPECT_EQ(config->faults.rules().size(), 1u);
  EXPECT_EQ(config->upstream.latency.fixed_us, Ms(20));
  engine::ManualClock clock;
  FakeNotion fake(clock, engine::Rng(1), nullptr, *config);
  EXPECT_EQ(fake.page_count(), 3u);

  auto bad = engine::JsonDocument::Parse(
      "{\n  \"workspace\": {\"tokens\": [{\"token\": \"t\", \"colour\": 1}]}\n}", "bad.json");
  engine::JsonReader bad_reader(*bad);
  engine::ObjectReader bad_root = bad_reader.Root();
  Result<FakeConfig> failed = ParseFakeConfig(bad_root);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().message.rfind(
                "bad.json:2:43: at /workspace/tokens/0/colour: unknown field", 0),
            0u)
      << failed.error().message;
}

}  // namespace
}  // namespace notion_sim::sim
