// Pagination: page_size, opaque cursors (GET query / POST body / in-process), has_more and
// next_cursor, the list's type key, and the 10,000-row query cap.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <set>

#include <nlohmann/json.hpp>

#include "notion_sim/simulator/fake_notion.h"
#include "notion_sim/simulator/http_call.h"

namespace notion_sim::sim {
namespace {

using engine::ApiCode;
using engine::ObjectId;
using engine::Operation;
using nlohmann::json;

constexpr const char* kDs = "11111111-1111-4111-8111-111111111111";
constexpr const char* kOtherDs = "33333333-3333-4333-8333-333333333333";

FakeConfig Config(std::uint32_t pages, std::uint32_t limit = 10'000) {
  FakeConfig c;
  c.workspace.tokens.push_back(TokenSpec{"secret_acme", "acme", 0, 0, kCapAll, {}, {}});
  DatabaseSpec db;
  DataSourceSpec ds;
  ds.id = *ObjectId::Parse(kDs);
  ds.pages = pages;
  db.data_sources.push_back(ds);
  c.workspace.databases.push_back(db);
  DatabaseSpec other;
  DataSourceSpec ods;
  ods.id = *ObjectId::Parse(kOtherDs);
  ods.pages = 5;
  other.data_sources.push_back(ods);
  c.workspace.databases.push_back(other);
  c.workspace.query_result_limit = limit;
  c.workspace.users = 7;
  return c;
}

json Query(FakeNotion& fake, const json& body, const char* ds = kDs) {
  Answer a =
      HttpCall::Notion("POST", std::string("/v1/data_sources/") + ds + "/query", "secret_acme")
          .Body(body.dump())
          .SendTo(fake);
  return json::parse(a.body);
}

std::string Title(const json& page) { return page["properties"]["Name"]["title"][0]["plain_text"]; }

TEST(PaginationTest, QueryWalksTwoHundredFiftyRowsInPagesOfOneHundred) {
  engine::ManualClock clock;
  FakeNotion fake(clock, engine::Rng(5), nullptr, Config(250));
  std::vector<std::string> titles;
  json body = json::object();
  std::vector<std::size_t> sizes;
  for (int guard = 0; guard < 10; ++guard) {
    const json page = Query(fake, body);
    ASSERT_EQ(page["object"], "list") << page.dump();
    EXPECT_EQ(page["type"], "page_or_data_source");
    EXPECT_TRUE(page["page_or_data_source"].is_object());
    sizes.push_back(page["results"].size());
    for (const json& p : page["results"]) titles.push_back(Title(p));
    if (!page["has_more"].get<bool>()) {
      EXPECT_TRUE(page["next_cursor"].is_null());
      break;
    }
    const std::string cursor = page["next_cursor"];
    EXPECT_TRUE(ObjectId::Parse(cursor).has_value()) << "cursors look like ids: " << cursor;
    body["start_cursor"] = cursor;
  }
  EXPECT_EQ(sizes, (std::vector<std::size_t>{100, 100, 50}));
  ASSERT_EQ(titles.size(), 250u);
  for (std::size_t i = 0; i < titles.size(); ++i) {
    EXPECT_EQ(titles[i], "Seed " + std::to_string(i + 1));
  }
}

TEST(PaginationTest, PageSizeDefaultsAndBounds) {
  engine::ManualClock clock;
  FakeNotion fake(clock, engine::Rng(5), nullptr, Config(250));
  EXPECT_EQ(Query(fake, json::object())["results"].size(), 100u);
  EXPECT_EQ(Query(fake, {{"page_size", 7}})["results"].size(), 7u);
  EXPECT_EQ(Query(fake, {{"page_size", 101}})["message"],
            "body failed validation: body.page_size should be ≤ `100`, instead was `101`.");
  EXPECT_EQ(Query(fake, {{"page_size", 0}})["message"],
            "body failed validation: body.page_size should be ≥ `1`, instead was `0`.");
  EXPECT_EQ(Query(fake, {{"page_size", "ten"}})["message"],
            "body failed validation: body.page_size should be a number, instead was `\"ten\"`.");
  EXPECT_EQ(Query(fake, {{"start_cursor", nullptr}})["results"].size(), 100u);  // null = absent
}

TEST(PaginationTest, GarbageAndForeignCursorsAreValidationErrors) {
  engine::ManualClock clock;
  FakeNotion fake(clock, engine::Rng(5), nullptr, Config(250));
  EXPECT_EQ(Query(fake, {{"start_cursor", "garbage"}})["message"],
            "body failed validation: body.start_cursor should be a valid cursor, instead was "
            "`\"garbage\"`.");
  // A well-formed id that is not a cursor of ours.
  EXPECT_EQ(Query(fake, {{"start_cursor", kDs}})["code"], "validation_error");
  // A real cursor of another list.
  const std::string other = Query(fake, {{"page_size", 2}}, kOtherDs)["next_cursor"];
  EXPECT_EQ(Query(fake, {{"start_cursor", other}})["code"], "validation_error");
  EXPECT_EQ(Query(fake, {{"start_cursor", other}}, kOtherDs)["results"].size(), 3u);
  // Another fake (another seed) does not accept this one's cursors.
  FakeNotion stranger(clock, engine::Rng(6), nullptr, Config(250));
  const std::string mine = Query(fake, {{"page_size", 2}})["next_cursor"];
  EXPECT_EQ(Query(stranger, {{"start_cursor", mine}})["code"], "validation_error");
}

TEST(PaginationTest, QueryResultLimitEndsWithIncompleteStatus) {
  engine::ManualClock clock;
  FakeNotion fake(clock, engine::Rng(5), nullptr, Config(250, 150));
  const json first = Query(fake, json::object());
  EXPECT_EQ(first["results"].size(), 100u);
  EXPECT_TRUE(first["has_more"].get<bool>());
  EXPECT_FALSE(first.contains("request_status"));
  const json second = Query(fake, {{"start_cursor", first["next_cursor"]}});
  EXPECT_EQ(second["results"].size(), 50u);
  EXPECT_FALSE(second["has_more"].get<bool>());
  EXPECT_TRUE(second["next_cursor"].is_null());
  EXPECT_EQ(second["request_status"]["type"], "incomplete");
  EXPECT_EQ(second["request_status"]["incomplete_reason"], "query_result_limit_reached");
  // Exactly at the limit there is nothing more to say.
  FakeNotion exact(clock, engine::Rng(5), nullptr, Config(150, 150));
  const json e2 = Query(exact, {{"start_cursor", Query(exact, json::object())["next_cursor"]}});
  EXPECT_FALSE(e2.contains("request_status"));
}

TEST(PaginationTest, CursorsSurviveNewRowsAndFilters) {
  engine::ManualClock clock;
  FakeNotion fake(clock, engine::Rng(5), nullptr, Config(250));
  const json filter = {{"property", "Name"}, {"title", {{"ends_with", "5"}}}};
  const json first = Query(fake, {{"filter", filter}, {"page_size", 10}});
  ASSERT_EQ(first["results"].size(), 10u);
  EXPECT_EQ(Title(first["results"][9]), "Seed 95");
  // New rows appear at the end; the cursor still continues where the first page stopped.
  engine::Request create;
  create.operation = Operation::kCreatePage;
  create.parent = *ObjectId::Parse(kDs);
  fake.Handle(create);
  const json second =
      Query(fake, {{"filter", filter}, {"page_size", 10}, {"start_cursor", first["next_cursor"]}});
  EXPECT_EQ(Title(second["results"][0]), "Seed 105");
  EXPECT_EQ(second["results"].size(), 10u);
  const json third =
      Query(fake, {{"filter", filter}, {"page_size", 10}, {"start_cursor", second["next_cursor"]}});
  EXPECT_EQ(third["results"].size(), 5u);  // 205 .. 245
  EXPECT_FALSE(third["has_more"].get<bool>());
}

TEST(PaginationTest, InProcessCursorsAreNumbers) {
  engine::ManualClock clock;
  FakeNotion fake(clock, engine::Rng(5), nullptr, Config(250));
  engine::Request q;
  q.operation = Operation::kQueryDataSource;
  q.target = *ObjectId::Parse(kDs);
  q.page_size = 60;
  std::vector<std::uint32_t> counts;
  for (int guard = 0; guard < 10; ++guard) {
    Answer a = fake.Handle(q);
    ASSERT_EQ(a.response.status, 200);
    counts.push_back(a.response.result_count);
    if (!a.response.has_more) {
      EXPECT_EQ(a.response.next_cursor, 0u);
      break;
    }
    EXPECT_NE(a.response.next_cursor, 0u);
    q.start_cursor = a.response.next_cursor;
  }
  EXPECT_EQ(counts, (std::vector<std::uint32_t>{60, 60, 60, 60, 10}));
  // A cursor we never handed out is refused, not followed.
  q.start_cursor = 1ULL << 32;
  EXPECT_EQ(fake.Handle(q).response.code, ApiCode::kValidationError);
  // The text form of an in-process cursor is a valid-looking, opaque id.
  EXPECT_TRUE(ObjectId::Parse(fake.CursorText(61)).has_value());
}

TEST(PaginationTest, BlockChildrenPageThroughTheQueryString) {
  engine::ManualClock clock;
  FakeNotion fake(clock, engine::Rng(5), nullptr, Config(1));
  engine::Request create;
  create.operation = Operation::kCreatePage;
  create.parent = *ObjectId::Parse(kDs);
  const ObjectId page = fake.Handle(create).response.object_id;
  json children = json::array();
  for (int i = 0; i < 100; ++i) {
    children.push_back(
        {{"type", "paragraph"},
         {"paragraph", {{"rich_text", {{{"text", {{"content", std::to_string(i)}}}}}}}}});
  }
  const std::string path = "/v1/blocks/" + page.ToString() + "/children";
  for (int round = 0; round < 3; ++round) {
    json body = {
        {"children",
         round < 2 ? children : json(std::vector<json>(children.begin(), children.begin() + 50))}};
    ASSERT_EQ(HttpCall::Notion("PATCH", path, "secret_acme")
                  .Body(body.dump())
                  .SendTo(fake)
                  .response.status,
              200);
  }
  std::size_t total = 0;
  std::string cursor;
  std::set<std::string> ids;
  for (int guard = 0; guard < 10; ++guard) {
    std::string query = "page_size=100";
    if (!cursor.empty()) query += "&start_cursor=" + cursor;
    Answer a = HttpCall::Notion("GET", path, "secret_acme").Query(query).SendTo(fake);
    const json list = json::parse(a.body);
    ASSERT_EQ(list["type"], "block") << a.body;
    for (const json& b : list["results"]) ids.insert(b["id"]);
    total += list["results"].size();
    if (!list["has_more"].get<bool>()) break;
    cursor = list["next_cursor"];
  }
  EXPECT_EQ(total, 250u);
  EXPECT_EQ(ids.size(), 250u);
  Answer bad = HttpCall::Notion("GET", path, "secret_acme").Query("page_size=500").SendTo(fake);
  EXPECT_EQ(json::parse(bad.body)["message"],
            "query failed validation: query.page_size should be ≤ `100`, instead was `500`.");
  Answer bad_cursor =
      HttpCall::Notion("GET", path, "secret_acme").Query("start_cursor=%00%ff").SendTo(fake);
  EXPECT_EQ(json::parse(bad_cursor.body)["code"], "validation_error");
}

TEST(PaginationTest, UsersAndSearchPaginate) {
  engine::ManualClock clock;
  FakeNotion fake(clock, engine::Rng(5), nullptr, Config(12));
  Answer u1 = HttpCall::Notion("GET", "/v1/users", "secret_acme").Query("page_size=3").SendTo(fake);
  const json l1 = json::parse(u1.body);
  EXPECT_EQ(l1["results"].size(), 3u);
  Answer u2 = HttpCall::Notion("GET", "/v1/users", "secret_acme")
                  .Query("page_size=100&start_cursor=" + l1["next_cursor"].get<std::string>())
                  .SendTo(fake);
  EXPECT_EQ(json::parse(u2.body)["results"].size(), 5u);  // 7 people + 1 bot - 3

  std::size_t seen = 0;
  json body = {{"page_size", 5}, {"filter", {{"property", "object"}, {"value", "page"}}}};
  for (int guard = 0; guard < 10; ++guard) {
    const json page = json::parse(
        HttpCall::Notion("POST", "/v1/search", "secret_acme").Body(body.dump()).SendTo(fake).body);
    seen += page["results"].size();
    if (!page["has_more"].get<bool>()) break;
    body["start_cursor"] = page["next_cursor"];
  }
  EXPECT_EQ(seen, 17u);  // 12 + 5 seeded pages
}

// Any page size walks any number of rows exactly once, in order.
RC_GTEST_PROP(PaginationProperty, EveryRowExactlyOnce, ()) {
  const auto rows = *rc::gen::inRange<std::uint32_t>(0, 320);
  const auto size = *rc::gen::inRange<std::uint16_t>(1, 101);
  engine::ManualClock clock;
  FakeConfig config = Config(rows);
  config.workspace.rate_limits.mode = RateLimitMode::kOff;  // up to 321 requests at time 0
  FakeNotion fake(clock, engine::Rng(rows), nullptr, config);
  engine::Request q;
  q.operation = Operation::kQueryDataSource;
  q.target = *ObjectId::Parse(kDs);
  q.page_size = size;
  std::uint64_t total = 0;
  std::uint32_t pages = 0;
  for (; pages < 400; ++pages) {
    Answer a = fake.Handle(q);
    RC_ASSERT(a.response.status == 200);
    total += a.response.result_count;
    if (!a.response.has_more) break;
    RC_ASSERT(a.response.result_count == size);
    q.start_cursor = a.response.next_cursor;
  }
  RC_ASSERT(total == rows);
  RC_ASSERT(pages + 1 == (rows == 0 ? 1 : (rows + size - 1) / size));
}

}  // namespace
}  // namespace notion_sim::sim
