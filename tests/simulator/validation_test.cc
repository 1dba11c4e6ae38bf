// Validation and size limits with Notion's codes and exact messages (docs/sources.md),
// and the request checks before them: route, version, JSON, path ids.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

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

FakeConfig Config() {
  FakeConfig c;
  c.workspace.tokens.push_back(TokenSpec{"secret_acme", "acme", 0, 0, kCapAll, {}, {}});
  DatabaseSpec db;
  db.title = "Tasks";
  DataSourceSpec ds;
  ds.id = *ObjectId::Parse(kDs);
  ds.properties = {{"Name", "title"}, {"Tags", "multi_select"}, {"Link", "url"}, {"Mail", "email"}};
  db.data_sources.push_back(ds);
  c.workspace.databases.push_back(db);
  return c;
}

class ValidationTest : public ::testing::Test {
 protected:
  Answer Post(const std::string& path, const std::string& body) {
    return HttpCall::Notion("POST", path, "secret_acme").Body(body).SendTo(fake_);
  }
  Answer Create(const std::string& properties, const std::string& extra = "") {
    return Post("/v1/pages", std::string(R"({"parent":{"data_source_id":")") + kDs +
                                 R"("},"properties":)" + properties + extra + "}");
  }
  static std::string Message(const Answer& a) { return json::parse(a.body)["message"]; }
  static std::string Paragraphs(int n, const std::string& nested = "") {
    std::string out = "[";
    for (int i = 0; i < n; ++i) {
      if (i > 0) out += ",";
      out += R"({"type":"paragraph","paragraph":{"rich_text":[{"text":{"content":"x"}}])" + nested +
             "}}";
    }
    return out + "]";
  }
  ObjectId NewPage() { return Create(R"({"Name":{"title":[]}})").response.object_id; }

  engine::ManualClock clock_;
  FakeNotion fake_{clock_, engine::Rng(3), nullptr, Config()};
};

TEST_F(ValidationTest, ChildrenOverOneHundred) {
  const ObjectId page = NewPage();
  Answer a = HttpCall::Notion("PATCH", "/v1/blocks/" + page.ToString() + "/children", "secret_acme")
                 .Body("{\"children\":" + Paragraphs(101) + "}")
                 .SendTo(fake_);
  EXPECT_EQ(a.response.status, 400);
  EXPECT_EQ(a.response.code, ApiCode::kValidationError);
  EXPECT_EQ(Message(a),
            "body failed validation: body.children.length should be ≤ `100`, instead was `101`.");
  EXPECT_EQ(fake_.block_count(), 0u);
  Answer ok =
      HttpCall::Notion("PATCH", "/v1/blocks/" + page.ToString() + "/children", "secret_acme")
          .Body("{\"children\":" + Paragraphs(100) + "}")
          .SendTo(fake_);
  EXPECT_EQ(ok.response.status, 200);
  EXPECT_EQ(fake_.block_count(), 100u);
}

TEST_F(ValidationTest, RichTextOverTwoThousandCharacters) {
  const std::string long_text(2001, 'a');
  Answer a = Create(R"({"Name":{"title":[{"text":{"content":")" + long_text + "\"}}]}}");
  EXPECT_EQ(Message(a),
            "body failed validation: body.properties.Name.title[0].text.content.length should be ≤ "
            "`2000`, instead was `2001`.");
  // Characters, not bytes: 2000 two-byte characters are fine.
  std::string accented;
  for (int i = 0; i < 2000; ++i) accented += "é";
  EXPECT_EQ(
      Create(R"({"Name":{"title":[{"text":{"content":")" + accented + "\"}}]}}").response.status,
      200);
  const ObjectId page = NewPage();
  std::string children = R"({"children":[{"paragraph":{"rich_text":[]}},{"type":"paragraph",
      "paragraph":{"rich_text":[{"text":{"content":")" +
                         long_text + "\"}}]}}]}";
  Answer b = HttpCall::Notion("PATCH", "/v1/blocks/" + page.ToString() + "/children", "secret_acme")
                 .Body(children)
                 .SendTo(fake_);
  EXPECT_EQ(Message(b),
            "body failed validation: body.children[1].paragraph.rich_text[0].text.content.length "
            "should be ≤ `2000`, instead was `2001`.");
}

TEST_F(ValidationTest, ArrayAndStringLimits) {
  std::string tags = "[";
  for (int i = 0; i < 101; ++i)
    tags += std::string(i ? "," : "") + R"({"name":"t)" + std::to_string(i) + "\"}";
  tags += "]";
  EXPECT_EQ(Message(Create(R"({"Tags":{"multi_select":)" + tags + "}}")),
            "body failed validation: body.properties.Tags.multi_select.length should be ≤ `100`, "
            "instead was `101`.");
  EXPECT_EQ(Message(Create(R"({"Link":{"url":")" + std::string(2001, 'u') + "\"}}")),
            "body failed validation: body.properties.Link.url.length should be ≤ `2000`, instead "
            "was `2001`.");
  EXPECT_EQ(Message(Create(R"({"Mail":{"email":")" + std::string(201, 'm') + "\"}}")),
            "body failed validation: body.properties.Mail.email.length should be ≤ `200`, instead "
            "was `201`.");
  std::string items = "[";
  for (int i = 0; i < 101; ++i) items += std::string(i ? "," : "") + R"({"text":{"content":"x"}})";
  EXPECT_EQ(Message(Create(R"({"Name":{"title":)" + items + "]}}")),
            "body failed validation: body.properties.Name.title.length should be ≤ `100`, instead "
            "was `101`.");
}

TEST_F(ValidationTest, SchemaAndShape) {
  EXPECT_EQ(Message(Create(R"({"Colour":{"rich_text":[]}})")),
            "Colour is not a property that exists.");
  EXPECT_EQ(Message(Post("/v1/pages", R"({"properties":{}})")),
            "body failed validation: body.parent should be defined, instead was `undefined`.");
  EXPECT_EQ(Message(Post("/v1/pages", R"({"parent":{"data_source_id":"nope"}})")),
            "body failed validation: body.parent.data_source_id should be a valid uuid, instead "
            "was `\"nope\"`.");
  EXPECT_EQ(Message(Create(R"("text")")),
            "body failed validation: body.properties should be an object, instead was `\"text\"`.");
  EXPECT_EQ(Message(Post("/v1/pages", "[1,2]")),
            "body failed validation: body should be an object, instead was `[1,2]`.");
}

TEST_F(ValidationTest, NestingAndBlockCount) {
  const ObjectId page = NewPage();
  const std::string path = "/v1/blocks/" + page.ToString() + "/children";
  // The top level and two levels below it are allowed in one request (the SDK's
  // BlockObjectRequest types, and Notion); a fourth level of blocks is not.
  const std::string three =
      Paragraphs(1, ",\"children\":" + Paragraphs(1, ",\"children\":" + Paragraphs(2)));
  EXPECT_EQ(HttpCall::Notion("PATCH", path, "secret_acme")
                .Body("{\"children\":" + three + "}")
                .SendTo(fake_)
                .response.status,
            200);
  const std::string four = Paragraphs(
      1, ",\"children\":" +
             Paragraphs(1, ",\"children\":" + Paragraphs(1, ",\"children\":" + Paragraphs(1))));
  Answer a = HttpCall::Notion("PATCH", path, "secret_acme")
                 .Body("{\"children\":" + four + "}")
                 .SendTo(fake_);
  EXPECT_EQ(a.response.status, 400);
  EXPECT_EQ(Message(a).rfind("body failed validation: body.children[0].paragraph.children[0]."
                             "paragraph.children[0].paragraph.children should be not present",
                             0),
            0u)
      << Message(a);
  // 10 blocks with 99 children each, plus 10 = 1000: fine; one more child: 1001.
  const std::string full = Paragraphs(10, ",\"children\":" + Paragraphs(99));
  EXPECT_EQ(HttpCall::Notion("PATCH", path, "secret_acme")
                .Body("{\"children\":" + full + "}")
                .SendTo(fake_)
                .response.status,
            200);
  // 9 x (1 + 99) + (1 + 100) = 1001 blocks, every array within its 100.
  const std::string nine = Paragraphs(9, ",\"children\":" + Paragraphs(99));
  const std::string last = Paragraphs(1, ",\"children\":" + Paragraphs(100));
  const std::string over = nine.substr(0, nine.size() - 1) + "," + last.substr(1);
  Answer b = HttpCall::Notion("PATCH", path, "secret_acme")
                 .Body("{\"children\":" + over + "}")
                 .SendTo(fake_);
  EXPECT_EQ(b.response.status, 400);
  EXPECT_EQ(Message(b),
            "body failed validation: the request has more than 1000 block elements; the limit is "
            "1000.");
}

TEST_F(ValidationTest, PayloadOverFiveHundredKilobytes) {
  const std::string big(500'001, ' ');
  Answer a = Post("/v1/search", "{}" + big);
  EXPECT_EQ(a.response.code, ApiCode::kValidationError);
  EXPECT_EQ(Message(a),
            "body failed validation: the request body is 500003 bytes, the limit is 500000 bytes "
            "(500 KB).");
}

TEST_F(ValidationTest, RequestChecksBeforeTheBody) {
  Answer json_error = Post("/v1/pages", "{\"parent\":");
  EXPECT_EQ(json_error.response.status, 400);
  EXPECT_EQ(json_error.response.code, ApiCode::kInvalidJson);
  EXPECT_EQ(Message(json_error), "Error parsing JSON body.");

  Answer url = HttpCall::Notion("GET", "/v1/nothing/here", "secret_acme").SendTo(fake_);
  EXPECT_EQ(url.response.code, ApiCode::kInvalidRequestUrl);
  EXPECT_EQ(Message(url), "Invalid request URL.");
  Answer method = HttpCall::Notion("DELETE", "/v1/pages", "secret_acme").SendTo(fake_);
  EXPECT_EQ(method.response.code, ApiCode::kInvalidRequestUrl);

  Answer version = HttpCall::Notion("GET", "/v1/users/me", "secret_acme", "").SendTo(fake_);
  EXPECT_EQ(version.response.status, 400);
  EXPECT_EQ(version.response.code, ApiCode::kMissingVersion);
  EXPECT_FALSE(version.response.code_known_to_sdk);  // not in the SDK's APIErrorCode enum
  EXPECT_EQ(Message(version),
            "Notion-Version header failed validation: Notion-Version header should be defined, "
            "instead was `undefined`.");
  Answer bad_version =
      HttpCall::Notion("GET", "/v1/users/me", "secret_acme", "2021-99-99").SendTo(fake_);
  EXPECT_EQ(bad_version.response.code, ApiCode::kValidationError);

  Answer id = HttpCall::Notion("GET", "/v1/pages/abc", "secret_acme").SendTo(fake_);
  EXPECT_EQ(Message(id),
            "path failed validation: path.page_id should be a valid uuid, instead was `\"abc\"`.");
  // Dashes are optional in ids.
  const ObjectId page = NewPage();
  std::string plain = page.ToString();
  plain.erase(std::remove(plain.begin(), plain.end(), '-'), plain.end());
  EXPECT_EQ(
      HttpCall::Notion("GET", "/v1/pages/" + plain, "secret_acme").SendTo(fake_).response.status,
      200);
}

TEST_F(ValidationTest, ErrorBodyShape) {
  Answer a = HttpCall::Notion("GET", "/v1/pages/" + ObjectId{5, 6}.ToString(), "secret_acme")
                 .SendTo(fake_);
  const json body = json::parse(a.body);
  EXPECT_EQ(body["object"], "error");
  EXPECT_EQ(body["status"], 404);
  EXPECT_EQ(body["code"], "object_not_found");
  EXPECT_EQ(body["message"],
            "Could not find page with ID: 00000000-0000-0005-0000-000000000006. Make sure the "
            "relevant pages and databases are shared with your integration.");
  EXPECT_EQ(body["request_id"], AnswerHeader(a, "x-notion-request-id"));
  EXPECT_FALSE(body.contains("additional_data"));
  EXPECT_EQ(fake_.stats().validation_errors, 0u);
}

TEST_F(ValidationTest, InProcessPayloadIsValidatedOnce) {
  auto bad = std::make_shared<const json>(
      json::parse(R"({"properties":{"Name":{"title":[{"text":{"content":")" +
                  std::string(2001, 'z') + "\"}}]}}}"));
  engine::Request r;
  r.operation = Operation::kCreatePage;
  r.parent = *ObjectId::Parse(kDs);
  r.payload = bad;
  for (int i = 0; i < 3; ++i) {
    Answer a = fake_.Handle(r);
    EXPECT_EQ(a.response.status, 400);
    EXPECT_EQ(a.response.code, ApiCode::kValidationError);
  }
  EXPECT_EQ(fake_.page_count(), 0u);
  EXPECT_EQ(fake_.stats().validation_errors, 3u);
  r.payload = std::make_shared<const json>(json::parse(R"({"properties":{"Nope":{"number":1}}})"));
  EXPECT_EQ(fake_.Handle(r).response.status, 400);  // schema checks are not cached away
  r.page_size = 101;
  r.operation = Operation::kQueryDataSource;
  r.target = r.parent;
  EXPECT_EQ(fake_.Handle(r).response.code, ApiCode::kValidationError);
}

// Whatever bytes arrive, the core answers with a status and, for errors, a JSON error body.
RC_GTEST_PROP(ValidationProperty, AnyBodyGetsAnAnswer, (const std::string& body, bool patch)) {
  engine::ManualClock clock;
  FakeNotion fake(clock, engine::Rng(1), nullptr, Config());
  const std::string path = patch ? "/v1/pages/" + std::string(kDs) : "/v1/pages";
  Answer a =
      HttpCall::Notion(patch ? "PATCH" : "POST", path, "secret_acme").Body(body).SendTo(fake);
  RC_ASSERT(a.response.status >= 200);
  RC_ASSERT(a.response.status < 500);
  const json parsed = json::parse(a.body, nullptr, false);
  RC_ASSERT(!parsed.is_discarded());
  if (a.response.status >= 400) RC_ASSERT(parsed["object"] == "error");
}

}  // namespace
}  // namespace notion_sim::sim
