// Exact answers per resource, in-process through the HTTP decoder (no socket): pages (schema
// properties, move, property items, markdown), blocks (position, nesting limits, child pages),
// databases and data sources (create, schema updates), queries (filter types, compounds,
// timestamps), comments, file uploads (multipart parts), views and their queries, oauth, the
// agents group; and the pipeline's promises: unknown parents 404, one change per commit, set-up
// calls spend no budget.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "notion_sim/simulator/fake_notion.h"
#include "notion_sim/simulator/http_call.h"

namespace notion_sim::sim {
namespace {

using engine::ObjectId;
using engine::Operation;
using nlohmann::json;

constexpr const char* kToken = "secret_resources_token";
constexpr const char* kDs = "11111111-1111-4111-8111-111111111111";

class Resources : public ::testing::Test {
 protected:
  Resources() {
    FakeConfig c;
    c.workspace.tokens.push_back(TokenSpec{kToken, "acme", 0, 0, kCapAll, {}, {}});
    DatabaseSpec db;
    db.title = "Tasks";
    DataSourceSpec ds;
    ds.id = *ObjectId::Parse(kDs);
    ds.title = "Tasks";
    ds.properties = {{"Name", "title"},        {"Done", "checkbox"}, {"Points", "number"},
                     {"Tags", "multi_select"}, {"Stage", "status"},  {"Due", "date"},
                     {"Ticket", "unique_id"},  {"Who", "people"},    {"Made", "created_time"}};
    db.data_sources.push_back(ds);
    c.workspace.databases.push_back(db);
    fake = std::make_unique<FakeNotion>(clock, engine::Rng(3), nullptr, c);
    fake->SetChangeSink([this](const Change& ch) { changes.push_back(ch); });
  }

  json Send(const std::string& method, const std::string& path, const json& body = nullptr,
            int want = 200, const std::string& query = "") {
    clock.Advance(Ms(1000));
    HttpCall call = HttpCall::Notion(method, path, kToken);
    if (!body.is_null()) call.Body(body.dump());
    if (!query.empty()) call.Query(query);
    const Answer a = call.SendTo(*fake);
    EXPECT_EQ(a.response.status, want) << method << " " << path << ": " << a.body;
    return json::parse(a.body);
  }

  std::string NewPage(const std::string& title, const json& extra = json::object()) {
    json props = {{"Name", {{"title", {{{"text", {{"content", title}}}}}}}}};
    for (auto it = extra.begin(); it != extra.end(); ++it) props[it.key()] = *it;
    return Send("POST", "/v1/pages", {{"parent", {{"data_source_id", kDs}}}, {"properties", props}})
        .at("id");
  }

  engine::ManualClock clock;
  std::unique_ptr<FakeNotion> fake;
  std::vector<Change> changes;
};

TEST_F(Resources, APageCarriesEveryPropertyOfItsSchemaWithNotionsShapes) {
  const json page = Send("POST", "/v1/pages",
                         {{"parent", {{"data_source_id", kDs}}},
                          {"properties",
                           {{"Name", {{"title", {{{"text", {{"content", "one"}}}}}}}},
                            {"Tags", {{"multi_select", {{{"name", "a"}}}}}},
                            {"Due", {{"date", {{"start", "2026-03-01"}}}}}}}});
  const json& p = page.at("properties");
  EXPECT_EQ(p.size(), 9u);
  EXPECT_EQ(p["Done"], (json{{"id", p["Done"]["id"]}, {"type", "checkbox"}, {"checkbox", false}}));
  EXPECT_EQ(p["Points"]["number"], nullptr);
  EXPECT_EQ(p["Stage"]["status"], nullptr);
  EXPECT_EQ(p["Due"]["date"],
            (json{{"start", "2026-03-01"}, {"end", nullptr}, {"time_zone", nullptr}}));
  EXPECT_EQ(p["Tags"]["multi_select"][0]["name"], "a");
  EXPECT_EQ(p["Tags"]["multi_select"][0]["color"], "default");
  EXPECT_EQ(p["Ticket"]["unique_id"], (json{{"prefix", nullptr}, {"number", 1}}));
  EXPECT_EQ(p["Who"]["people"], json::array());
  EXPECT_EQ(p["Made"]["created_time"], page["created_time"]);
  const json& t = p["Name"]["title"][0];
  EXPECT_EQ(t["plain_text"], "one");
  EXPECT_EQ(t["href"], nullptr);
  EXPECT_EQ(t["annotations"].size(), 6u);
  // The option the page named is now in the schema.
  const json ds = Send("GET", std::string("/v1/data_sources/") + kDs);
  EXPECT_EQ(ds["properties"]["Tags"]["multi_select"]["options"][0]["name"], "a");
  // filter_properties keeps only the named ones.
  const json only = Send("GET", "/v1/pages/" + page["id"].get<std::string>(), nullptr, 200,
                         "filter_properties=" + p["Done"]["id"].get<std::string>());
  EXPECT_EQ(only["properties"].size(), 1u);
}

TEST_F(Resources, UnknownParentsAre404ByDefault) {
  const json e =
      Send("POST", "/v1/pages",
           {{"parent", {{"data_source_id", "00000000-0000-4000-8000-000000000001"}}}}, 404);
  EXPECT_EQ(e["code"], "object_not_found");
  EXPECT_EQ(fake->ledger().size(), 0u);
  engine::Request r;
  r.operation = Operation::kCreatePage;
  r.parent = ObjectId{5, 6};
  EXPECT_EQ(fake->Handle(r).response.status, 404);
}

TEST_F(Resources, ChildPagesAndDatabasesAreBlocksOfTheirParent) {
  const json root = Send("POST", "/v1/pages",
                         {{"parent", {{"workspace", true}}},
                          {"properties", {{"title", {{{"text", {{"content", "Root"}}}}}}}}});
  const std::string id = root["id"];
  EXPECT_EQ(Send("GET", "/v1/blocks/" + id)["has_children"], false);
  // The short form of a title (a bare array) is accepted.
  const json child = Send("POST", "/v1/pages",
                          {{"parent", {{"page_id", id}}},
                           {"properties", {{"title", {{{"text", {{"content", "Kid"}}}}}}}}});
  EXPECT_EQ(child["properties"]["title"]["title"][0]["plain_text"], "Kid");
  const json db = Send("POST", "/v1/databases",
                       {{"parent", {{"type", "page_id"}, {"page_id", id}}},
                        {"title", {{{"text", {{"content", "Inner"}}}}}}});
  const json kids = Send("GET", "/v1/blocks/" + id + "/children");
  ASSERT_EQ(kids["results"].size(), 2u);
  EXPECT_EQ(kids["results"][0]["type"], "child_page");
  EXPECT_EQ(kids["results"][0]["child_page"]["title"], "Kid");
  EXPECT_EQ(kids["results"][1]["type"], "child_database");
  EXPECT_EQ(kids["results"][1]["id"], db["id"]);
  EXPECT_EQ(Send("GET", "/v1/blocks/" + id)["has_children"], true);
  // Moved under the first page of the data source, it leaves the root's children.
  const std::string other = NewPage("other");
  Send("POST", "/v1/pages/" + child["id"].get<std::string>() + "/move",
       {{"parent", {{"page_id", other}}}});
  EXPECT_EQ(Send("GET", "/v1/blocks/" + id + "/children")["results"].size(), 1u);
  EXPECT_EQ(Send("GET", "/v1/blocks/" + other + "/children")["results"].size(), 1u);
}

TEST_F(Resources, NestingIsNotionsTwoLevelsBelowTheTopBlockAndColumnsDoNotCount) {
  const std::string page = NewPage("nest");
  const json p = {{"paragraph", {{"rich_text", json::array()}}}};
  const json two = {
      {"toggle",
       {{"rich_text", json::array()},
        {"children", {{{"toggle", {{"rich_text", json::array()}, {"children", {p}}}}}}}}}};
  EXPECT_EQ(
      Send("PATCH", "/v1/blocks/" + page + "/children", {{"children", {two}}})["results"].size(),
      1u);
  const json three = {{"toggle", {{"rich_text", json::array()}, {"children", {two}}}}};
  const json e = Send("PATCH", "/v1/blocks/" + page + "/children", {{"children", {three}}}, 400);
  EXPECT_NE(e["message"].get<std::string>().find("children[0].toggle.children[0].toggle.children[0]"
                                                 ".toggle.children should be not present"),
            std::string::npos)
      << e;
  // A column list's columns are not a level: a column holds blocks with one level of children,
  // as the SDK's ColumnWithChildrenRequest says; two levels inside a column are too deep.
  const json one = {{"toggle", {{"rich_text", json::array()}, {"children", {p}}}}};
  const json columns = {{"column_list", {{"children", {{{"column", {{"children", {one}}}}}}}}}};
  Send("PATCH", "/v1/blocks/" + page + "/children", {{"children", {columns}}});
  const json too_deep = {{"column_list", {{"children", {{{"column", {{"children", {two}}}}}}}}}};
  Send("PATCH", "/v1/blocks/" + page + "/children", {{"children", {too_deep}}}, 400);
}

TEST_F(Resources, AppendAtAPosition) {
  const std::string page = NewPage("order");
  auto para = [](const std::string& s) {
    return json{{"paragraph", {{"rich_text", {{{"text", {{"content", s}}}}}}}}};
  };
  const json a =
      Send("PATCH", "/v1/blocks/" + page + "/children", {{"children", {para("a"), para("c")}}});
  Send("PATCH", "/v1/blocks/" + page + "/children",
       {{"children", {para("b")}}, {"after", a["results"][0]["id"]}});
  Send("PATCH", "/v1/blocks/" + page + "/children",
       {{"children", {para("0")}}, {"position", {{"type", "start"}}}});
  const json list = Send("GET", "/v1/blocks/" + page + "/children");
  std::string order;
  for (const json& b : list["results"])
    order += b["paragraph"]["rich_text"][0]["plain_text"].get<std::string>();
  EXPECT_EQ(order, "0abc");
}

TEST_F(Resources, QueriesFilterByEveryKindOfValue) {
  for (int i = 1; i <= 5; ++i) {
    NewPage("p" + std::to_string(i),
            {{"Points", {{"number", i}}},
             {"Done", {{"checkbox", i % 2 == 0}}},
             {"Tags", {{"multi_select", {{{"name", i <= 2 ? "low" : "high"}}}}}},
             {"Due", {{"date", {{"start", "2026-01-0" + std::to_string(i)}}}}}});
  }
  auto count = [&](const json& filter) {
    return Send("POST", std::string("/v1/data_sources/") + kDs + "/query",
                {{"filter", filter}})["results"]
        .size();
  };
  EXPECT_EQ(count({{"property", "Points"}, {"number", {{"greater_than_or_equal_to", 4}}}}), 2u);
  EXPECT_EQ(count({{"property", "Done"}, {"checkbox", {{"equals", true}}}}), 2u);
  EXPECT_EQ(count({{"property", "Tags"}, {"multi_select", {{"contains", "low"}}}}), 2u);
  EXPECT_EQ(count({{"property", "Due"}, {"date", {{"before", "2026-01-03"}}}}), 2u);
  EXPECT_EQ(count({{"property", "Due"}, {"date", {{"is_empty", true}}}}), 0u);
  EXPECT_EQ(count({{"property", "Ticket"}, {"unique_id", {{"less_than", 3}}}}), 2u);
  EXPECT_EQ(count({{"property", "Name"}, {"title", {{"starts_with", "p"}}}}), 5u);
  EXPECT_EQ(
      count({{"timestamp", "created_time"}, {"created_time", {{"on_or_after", "2026-01-01"}}}}),
      5u);
  EXPECT_EQ(count({{"or",
                    {{{"property", "Points"}, {"number", {{"equals", 1}}}},
                     {{"and",
                       {{{"property", "Done"}, {"checkbox", {{"equals", true}}}},
                        {{"property", "Points"}, {"number", {{"greater_than", 3}}}}}}}}}}),
            2u);
  const json e = Send("POST", std::string("/v1/data_sources/") + kDs + "/query",
                      {{"filter", {{"and", {{{"or", {{{"and", json::array()}}}}}}}}}}, 400);
  EXPECT_EQ(e["code"], "validation_error");
  const json sorted = Send("POST", std::string("/v1/data_sources/") + kDs + "/query",
                           {{"sorts", {{{"property", "Points"}, {"direction", "descending"}}}}});
  EXPECT_EQ(sorted["results"][0]["properties"]["Points"]["number"], 5);
}

TEST_F(Resources, CommentsOnAPageWithReplies) {
  const std::string page = NewPage("talk");
  const json c =
      Send("POST", "/v1/comments",
           {{"parent", {{"page_id", page}}}, {"rich_text", {{{"text", {{"content", "hi"}}}}}}});
  EXPECT_EQ(c["object"], "comment");
  EXPECT_EQ(c["rich_text"][0]["plain_text"], "hi");
  EXPECT_EQ(c["display_name"]["type"], "integration");
  Send("POST", "/v1/comments", {{"discussion_id", c["discussion_id"]}, {"markdown", "re"}});
  const json list = Send("GET", "/v1/comments", nullptr, 200, "block_id=" + page);
  EXPECT_EQ(list["results"].size(), 2u);
  EXPECT_EQ(list["type"], "comment");
  Send("DELETE", "/v1/comments/" + c["id"].get<std::string>());
  EXPECT_EQ(Send("GET", "/v1/comments", nullptr, 200, "block_id=" + page)["results"].size(), 1u);
  Send("GET", "/v1/comments/" + c["id"].get<std::string>(), nullptr, 404);
}

TEST_F(Resources, FileUploadsInPartsThenAttached) {
  const json up = Send("POST", "/v1/file_uploads",
                       {{"mode", "multi_part"}, {"number_of_parts", 2}, {"filename", "a.bin"}});
  EXPECT_EQ(up["status"], "pending");
  EXPECT_EQ(up["number_of_parts"], (json{{"total", 2}, {"sent", 0}}));
  const std::string id = up["id"];
  auto send = [&](const std::string& part, int want) {
    clock.Advance(Ms(10));
    std::vector<FormPart> form = {
        {"file", "a.bin", "application/octet-stream", std::string(100, 'x')},
        {"part_number", "", "", part}};
    HttpCall call = HttpCall::Notion("POST", "/v1/file_uploads/" + id + "/send", kToken);
    HttpRequestView view;
    view.method = call.method;
    view.path = call.path;
    view.header = [&call](std::string_view n) { return call.Find(n); };
    view.form = &form;
    const Answer a = fake->HandleHttp(view);
    EXPECT_EQ(a.response.status, want) << a.body;
    return json::parse(a.body);
  };
  send("1", 200);
  Send("POST", "/v1/file_uploads/" + id + "/complete", nullptr, 400);  // a part is missing
  EXPECT_EQ(send("2", 200)["number_of_parts"]["sent"], 2);
  send("3", 400);
  const json done = Send("POST", "/v1/file_uploads/" + id + "/complete");
  EXPECT_EQ(done["status"], "uploaded");
  EXPECT_EQ(done["content_length"], 200);
  const json page = Send("POST", "/v1/pages",
                         {{"parent", {{"workspace", true}}},
                          {"icon", {{"file_upload", {{"id", id}}}}},
                          {"properties", {{"title", {{"title", json::array()}}}}}});
  EXPECT_EQ(page["icon"]["type"], "file");
  // A JSON body to the send endpoint is not a form.
  Send("POST", "/v1/file_uploads/" + id + "/send", {{"file", "x"}}, 400);
}

TEST_F(Resources, ViewsAndTheirQueries) {
  for (int i = 0; i < 7; ++i) NewPage("v" + std::to_string(i), {{"Done", {{"checkbox", i < 5}}}});
  const json v = Send("POST", "/v1/views",
                      {{"data_source_id", kDs},
                       {"name", "Open"},
                       {"type", "table"},
                       {"filter", {{"property", "Done"}, {"checkbox", {{"equals", true}}}}}});
  const std::string vid = v["id"];
  const json q = Send("POST", "/v1/views/" + vid + "/queries", {{"page_size", 2}});
  EXPECT_EQ(q["total_count"], 5);
  EXPECT_EQ(q["results"].size(), 2u);
  EXPECT_EQ(q["results"][0].size(), 2u);  // partial pages: object and id
  const json next =
      Send("GET", "/v1/views/" + vid + "/queries/" + q["id"].get<std::string>(), nullptr, 200,
           "page_size=2&start_cursor=" + q["next_cursor"].get<std::string>());
  EXPECT_EQ(next["results"].size(), 2u);
  EXPECT_EQ(
      Send("DELETE", "/v1/views/" + vid + "/queries/" + q["id"].get<std::string>())["deleted"],
      true);
  EXPECT_EQ(Send("GET", "/v1/views", nullptr, 200, std::string("data_source_id=") + kDs)["results"]
                .size(),
            1u);
  Send("DELETE", "/v1/views/" + vid);
  Send("GET", "/v1/views/" + vid, nullptr, 404);
}

TEST_F(Resources, OauthTokensWorkUntilRevoked) {
  auto oauth = [&](const std::string& path, const json& body, int want) {
    clock.Advance(Ms(10));
    HttpCall call;
    call.method = "POST";
    call.path = path;
    call.Header("Notion-Version", "2025-09-03");
    call.Header("Authorization",
                "Basic bm90aW9uLXNpbTpub3Rpb24tc2ltLXNlY3JldA==");  // notion-sim:notion-sim-secret
    call.Body(body.dump());
    const Answer a = call.SendTo(*fake);
    EXPECT_EQ(a.response.status, want) << a.body;
    return json::parse(a.body);
  };
  const json tok =
      oauth("/v1/oauth/token", {{"grant_type", "authorization_code"}, {"code", "c1"}}, 200);
  EXPECT_EQ(tok["token_type"], "bearer");
  const std::string access = tok["access_token"];
  EXPECT_EQ(HttpCall::Notion("GET", "/v1/users/me", access).SendTo(*fake).response.status, 200);
  EXPECT_EQ(oauth("/v1/oauth/introspect", {{"token", access}}, 200)["active"], true);
  oauth("/v1/oauth/revoke", {{"token", access}}, 200);
  EXPECT_EQ(HttpCall::Notion("GET", "/v1/users/me", access).SendTo(*fake).response.status, 401);
  EXPECT_EQ(
      oauth("/v1/oauth/token", {{"grant_type", "authorization_code"}, {"code", "c1"}}, 400)["code"],
      "invalid_grant");
}

TEST_F(Resources, PropertyItemsAndMarkdown) {
  const std::string page = NewPage("md page");
  const json title = Send("GET", "/v1/pages/" + page + "/properties/title");
  EXPECT_EQ(title["object"], "list");
  EXPECT_EQ(title["property_item"]["type"], "title");
  EXPECT_EQ(title["results"][0]["title"]["plain_text"], "md page");
  Send("PATCH", "/v1/pages/" + page + "/markdown",
       {{"type", "replace_content"}, {"replace_content", {{"new_str", "# Head\n- item\n\ntext"}}}});
  const json md = Send("GET", "/v1/pages/" + page + "/markdown");
  EXPECT_EQ(md["markdown"], "# Head\n- item\ntext\n");
  const json blocks = Send("GET", "/v1/blocks/" + page + "/children");
  EXPECT_EQ(blocks["results"][0]["type"], "heading_1");
  EXPECT_EQ(blocks["results"][1]["type"], "bulleted_list_item");
}

TEST_F(Resources, TheAgentsGroupIsNotAvailable) {
  const json e = Send("POST", "/v1/agents/query", json::object(), 403);
  EXPECT_EQ(e["code"], "restricted_resource");
  Send("GET", "/v1/sessions/abc", nullptr, 403);
}

TEST_F(Resources, EveryCommitIsOneChangeAtTheOneCommitPoint) {
  const std::string page = NewPage("c");
  Send("PATCH", "/v1/pages/" + page, {{"properties", {{"Done", {{"checkbox", true}}}}}});
  Send("PATCH", "/v1/blocks/" + page + "/children",
       {{"children", {{{"divider", json::object()}}}}});
  Send("PATCH", "/v1/pages/" + page, {{"in_trash", true}});
  ASSERT_EQ(changes.size(), fake->ledger().size());
  ASSERT_EQ(changes.size(), 4u);
  EXPECT_EQ(changes[0].kind, ChangeKind::kPageCreated);
  EXPECT_EQ(changes[1].kind, ChangeKind::kPagePropertiesUpdated);
  EXPECT_EQ(changes[2].kind, ChangeKind::kPageContentUpdated);
  EXPECT_EQ(changes[3].kind, ChangeKind::kPageDeleted);
  EXPECT_EQ(ChangeKindName(changes[3].kind), "page.deleted");
}

}  // namespace
}  // namespace notion_sim::sim
