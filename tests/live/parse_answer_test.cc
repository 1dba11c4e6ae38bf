// How CurlTransport reads an HTTP answer and renders a request, without a network: pure functions
// and Render on a transport that never sends.
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <nlohmann/json.hpp>

#include "notion_sim/engine/curl_transport.h"

namespace notion_sim::engine {
namespace {

using nlohmann::json;

HttpAnswer Answer(int status, std::string body) {
  HttpAnswer a;
  a.status = status;
  a.body = std::move(body);
  return a;
}

const ObjectId kPage = *ObjectId::Parse("11111111-2222-4333-8444-555555555555");
const ObjectId kSource = *ObjectId::Parse("aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee");

TEST(ParseAnswer, OkJsonGivesObjectIdAndKeepsTheBody) {
  const Response r =
      ParseAnswer(Answer(200, R"({"object":"page","id":")" + kPage.ToString() + R"("})"), false);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.object_id, kPage);
  ASSERT_NE(r.body, nullptr);
  EXPECT_EQ((*r.body)["object"], "page");
  // Notion accepts and sometimes returns ids without dashes.
  const Response undashed =
      ParseAnswer(Answer(200, R"({"id":"11111111222243338444555555555555"})"), false);
  EXPECT_EQ(undashed.object_id, kPage);
}

TEST(ParseAnswer, ListGivesCountAndHasMore) {
  const Response r = ParseAnswer(
      Answer(200, R"({"object":"list","results":[{"id":"x"},{"id":"y"},{}],"has_more":true,)"
                  R"("next_cursor":"abc"})"),
      false);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.result_count, 3u);
  EXPECT_TRUE(r.has_more);
  EXPECT_FALSE(r.found);  // not a lookup
  EXPECT_TRUE(r.object_id.empty());
}

TEST(ParseAnswer, ReconcileLookupTakesTheFirstResult) {
  const Response found =
      ParseAnswer(Answer(200, R"({"object":"list","results":[{"object":"page","id":")" +
                                  kPage.ToString() + R"("}],"has_more":false})"),
                  true);
  EXPECT_TRUE(found.found);
  EXPECT_EQ(found.object_id, kPage);
  const Response missing =
      ParseAnswer(Answer(200, R"({"object":"list","results":[],"has_more":false})"), true);
  EXPECT_TRUE(missing.ok());
  EXPECT_FALSE(missing.found);
  EXPECT_TRUE(missing.object_id.empty());
}

TEST(ParseAnswer, TwoHundredWithoutJsonIsMalformed) {
  for (const char* body : {"", "<html>ok</html>", "{\"id\":", "null garbage"}) {
    const Response r = ParseAnswer(Answer(200, body), false);
    EXPECT_EQ(r.outcome, TransportOutcome::kMalformed) << body;
    EXPECT_FALSE(r.ok());
  }
}

TEST(ParseAnswer, NotionErrorBodyGivesTheCode) {
  const Response r =
      ParseAnswer(Answer(500, R"({"object":"error","status":500,"code":"internal_server_error",)"
                              R"("message":"Unexpected error occurred."})"),
                  false);
  EXPECT_EQ(r.outcome, TransportOutcome::kResponse);
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.code, ApiCode::kInternalServerError);
  EXPECT_TRUE(r.code_known_to_sdk);
  EXPECT_FALSE(r.edge_error);
  ASSERT_NE(r.body, nullptr);
}

TEST(ParseAnswer, CodesOutsideTheSdkEnumAreNotKnown) {
  // docs/sources.md#the-official-sdk: these four become UnknownHTTPResponseError in the SDK.
  for (const char* code :
       {"missing_version", "invalid_grant", "bad_gateway", "database_connection_unavailable"}) {
    const Response r =
        ParseAnswer(Answer(502, std::string(R"({"code":")") + code + R"(","message":"m"})"), false);
    EXPECT_EQ(ApiCodeName(r.code), code);
    EXPECT_FALSE(r.code_known_to_sdk) << code;
  }
  const Response other = ParseAnswer(Answer(500, R"({"code":"brand_new","message":"m"})"), false);
  EXPECT_EQ(other.code, ApiCode::kOther);
  EXPECT_FALSE(other.code_known_to_sdk);
}

TEST(ParseAnswer, TheSdkNeedsAStringMessageButNotObjectOrStatus) {
  const Response no_message = ParseAnswer(Answer(429, R"({"code":"rate_limited"})"), false);
  EXPECT_EQ(no_message.code, ApiCode::kRateLimited);
  EXPECT_FALSE(no_message.code_known_to_sdk);
  const Response number_message =
      ParseAnswer(Answer(429, R"({"code":"rate_limited","message":5})"), false);
  EXPECT_FALSE(number_message.code_known_to_sdk);
  const Response bare = ParseAnswer(Answer(429, R"({"code":"rate_limited","message":""})"), false);
  EXPECT_TRUE(bare.code_known_to_sdk);
  // The decision follows the body, not the status (EXP in §4.4: a 500 saying rate_limited).
  const Response mismatch =
      ParseAnswer(Answer(500, R"({"code":"rate_limited","message":"slow down"})"), false);
  EXPECT_EQ(mismatch.code, ApiCode::kRateLimited);
  EXPECT_TRUE(mismatch.code_known_to_sdk);
}

TEST(ParseAnswer, HtmlFromTheEdgeIsAnEdgeError) {
  HttpAnswer a = Answer(502, "<html><body>502 Bad Gateway</body></html>");
  a.cf_ray = "8f1e2d3c4b5a6978-FRA";
  const Response edge = ParseAnswer(a, false);
  EXPECT_TRUE(edge.edge_error);
  EXPECT_FALSE(edge.code_known_to_sdk);
  EXPECT_EQ(edge.code, ApiCode::kNone);
  EXPECT_EQ(edge.body, nullptr);
  // With Notion's request id it came through Notion, not just the edge.
  a.has_request_id = true;
  EXPECT_FALSE(ParseAnswer(a, false).edge_error);
  // Without cf-ray, an HTML error is unknown to the SDK but not an edge error.
  a.has_request_id = false;
  a.cf_ray.clear();
  const Response plain = ParseAnswer(a, false);
  EXPECT_FALSE(plain.edge_error);
  EXPECT_FALSE(plain.code_known_to_sdk);
}

TEST(ParseAnswer, RetryAfterIsKeptRaw) {
  HttpAnswer a = Answer(429, R"({"code":"rate_limited","message":"m"})");
  a.retry_after = "Sun, 06 Nov 1994 08:49:37 GMT";
  EXPECT_EQ(ParseAnswer(a, false).retry_after, "Sun, 06 Nov 1994 08:49:37 GMT");
}

RC_GTEST_PROP(ParseAnswer, ErrorsWithoutAJsonObjectAreNeverKnownToTheSdk, ()) {
  const int status = *rc::gen::inRange(300, 600);
  // Prefix '<' makes the text invalid JSON whatever follows.
  const std::string body = "<" + *rc::gen::arbitrary<std::string>();
  const Response r = ParseAnswer(Answer(status, body), false);
  RC_ASSERT(r.outcome == TransportOutcome::kResponse);
  RC_ASSERT(!r.code_known_to_sdk);
  RC_ASSERT(r.code == ApiCode::kNone);
  RC_ASSERT(r.body == nullptr);
}

RC_GTEST_PROP(ParseAnswer, KnownExactlyForTheSdkEnum, ()) {
  const auto code = static_cast<ApiCode>(*rc::gen::inRange<int>(
      static_cast<int>(ApiCode::kInvalidJson), static_cast<int>(ApiCode::kOther)));
  const std::string name(ApiCodeName(code));
  const json body = {{"object", "error"}, {"code", name}, {"message", "m"}};
  const Response r = ParseAnswer(Answer(DefaultStatusOf(code), body.dump()), false);
  RC_ASSERT(r.code == code);
  const bool outside = code == ApiCode::kMissingVersion || code == ApiCode::kInvalidGrant ||
                       code == ApiCode::kBadGateway ||
                       code == ApiCode::kDatabaseConnectionUnavailable;
  RC_ASSERT(r.code_known_to_sdk == !outside);
  RC_ASSERT(IsSdkApiErrorCode(name) == !outside);
}

TEST(OutcomeOfCurlCode, MapsTheFailureKinds) {
  EXPECT_EQ(OutcomeOfCurlCode(CURLE_OK), TransportOutcome::kResponse);
  EXPECT_EQ(OutcomeOfCurlCode(CURLE_OPERATION_TIMEDOUT), TransportOutcome::kTimeout);
  EXPECT_EQ(OutcomeOfCurlCode(CURLE_COULDNT_CONNECT), TransportOutcome::kConnectionRefused);
  EXPECT_EQ(OutcomeOfCurlCode(CURLE_COULDNT_RESOLVE_HOST), TransportOutcome::kDnsFailure);
  EXPECT_EQ(OutcomeOfCurlCode(CURLE_SSL_CONNECT_ERROR), TransportOutcome::kTlsFailure);
  EXPECT_EQ(OutcomeOfCurlCode(CURLE_PEER_FAILED_VERIFICATION), TransportOutcome::kTlsFailure);
  EXPECT_EQ(OutcomeOfCurlCode(CURLE_RECV_ERROR), TransportOutcome::kConnectionReset);
  EXPECT_EQ(OutcomeOfCurlCode(CURLE_GOT_NOTHING), TransportOutcome::kConnectionReset);
  EXPECT_EQ(OutcomeOfCurlCode(CURLE_PARTIAL_FILE), TransportOutcome::kConnectionReset);
  EXPECT_EQ(OutcomeOfCurlCode(CURLE_WEIRD_SERVER_REPLY), TransportOutcome::kMalformed);
}

// Render needs a transport; nothing is sent.
class RenderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CurlTransportOptions options;
    options.base_url = "http://127.0.0.1:9/prefix/";
    options.token_provider = [](std::uint16_t) { return std::string("secret-token"); };
    auto made = CurlTransport::Create(loop_, options);
    ASSERT_TRUE(made.ok()) << made.error().message;
    transport_ = std::move(made).value();
  }
  static Request Req(Operation op, json payload = nullptr) {
    Request r;
    r.op_id = 7;
    r.operation = op;
    r.method = MethodOf(op);
    r.target = kPage;
    r.parent = kSource;
    if (!payload.is_null()) r.payload = std::make_shared<const json>(std::move(payload));
    return r;
  }
  LiveLoop loop_;
  std::unique_ptr<CurlTransport> transport_;
};

TEST_F(RenderTest, PathsUnderTheBaseUrl) {
  const HttpRequest get = transport_->Render(Req(Operation::kRetrievePage));
  EXPECT_EQ(get.method, Method::kGet);
  EXPECT_EQ(get.url, "http://127.0.0.1:9/prefix/v1/pages/" + kPage.ToString());
  EXPECT_EQ(get.body, "");
  const HttpRequest del = transport_->Render(Req(Operation::kDeleteBlock));
  EXPECT_EQ(del.method, Method::kDelete);
  EXPECT_EQ(del.url, "http://127.0.0.1:9/prefix/v1/blocks/" + kPage.ToString());
  EXPECT_EQ(transport_->Render(Req(Operation::kUsersMe)).url,
            "http://127.0.0.1:9/prefix/v1/users/me");
}

TEST_F(RenderTest, GetListsPutPagingInTheQueryString) {
  const HttpRequest h = transport_->Render(
      Req(Operation::kListBlockChildren, {{"page_size", 50}, {"start_cursor", "a b/c=d"}}));
  EXPECT_EQ(h.url, "http://127.0.0.1:9/prefix/v1/blocks/" + kPage.ToString() +
                       "/children?page_size=50&start_cursor=a%20b%2Fc%3Dd");
  EXPECT_EQ(h.body, "");
  EXPECT_EQ(transport_->Render(Req(Operation::kListUsers, {{"start_cursor", "x"}})).url,
            "http://127.0.0.1:9/prefix/v1/users?start_cursor=x");
}

TEST_F(RenderTest, TypedPagingOverridesThePayload) {
  Request list = Req(Operation::kListUsers, {{"page_size", 50}});
  list.page_size = 7;
  EXPECT_EQ(transport_->Render(list).url, "http://127.0.0.1:9/prefix/v1/users?page_size=7");
  Request query = Req(Operation::kQueryDataSource, {{"filter", json::object()}});
  query.page_size = 3;
  EXPECT_EQ(json::parse(transport_->Render(query).body),
            (json{{"filter", json::object()}, {"page_size", 3}}));
  // Paging fields mean nothing to other operations.
  Request get = Req(Operation::kRetrievePage);
  get.page_size = 3;
  EXPECT_EQ(transport_->Render(get).url, "http://127.0.0.1:9/prefix/v1/pages/" + kPage.ToString());
}

TEST_F(RenderTest, AnUnknownCursorHandleIsSentAsItsNumber) {
  // The server rejects it as a bad cursor rather than the listing restarting from the top.
  Request search = Req(Operation::kSearch);
  search.start_cursor = 5;
  EXPECT_EQ(transport_->Render(search).body, R"({"start_cursor":"5"})");
}

TEST_F(RenderTest, PostWithoutContentSendsNoBody) {
  EXPECT_EQ(transport_->Render(Req(Operation::kSearch)).body, "");
  EXPECT_EQ(transport_->Render(Req(Operation::kSearch, json::object())).body, "");
  // The SDK drops start_cursor: null and then sends nothing.
  EXPECT_EQ(transport_->Render(Req(Operation::kSearch, {{"start_cursor", nullptr}})).body, "");
  EXPECT_EQ(transport_->Render(Req(Operation::kSearch, {{"query", "x"}})).body, R"({"query":"x"})");
}

TEST_F(RenderTest, CreatePageAddsParentAndIdempotencyProperty) {
  Request r =
      Req(Operation::kCreatePage,
          {{"properties", {{"Name", {{"title", json::array({{{"text", {{"content", "a"}}}}})}}}}}});
  std::array<std::uint8_t, 32> key{};
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(i * 7 + 1);
  r.idempotency_key = key;
  const HttpRequest h = transport_->Render(r);
  EXPECT_EQ(h.method, Method::kPost);
  EXPECT_EQ(h.url, "http://127.0.0.1:9/prefix/v1/pages");
  const json expected = {
      {"parent", {{"data_source_id", kSource.ToString()}}},
      {"properties",
       {{"Name", {{"title", json::array({{{"text", {{"content", "a"}}}}})}}},
        {"idempotency_key",
         {{"rich_text",
           json::array(
               {{{"text",
                  {{"content",
                    "01080f161d242b323940474e555c636a71787f868d949ba2a9b0b7bec5ccd3da"}}}}})}}}}}};
  EXPECT_EQ(json::parse(h.body), expected) << h.body;
}

TEST_F(RenderTest, CreatePageKeepsAParentThePayloadChose) {
  const HttpRequest h = transport_->Render(
      Req(Operation::kCreatePage, {{"parent", {{"page_id", kPage.ToString()}}}}));
  EXPECT_EQ(json::parse(h.body), (json{{"parent", {{"page_id", kPage.ToString()}}}}));
}

TEST_F(RenderTest, ReconcileLookupQueriesTheDataSourceByKey) {
  Request r = Req(Operation::kCreatePage);
  r.reconcile_lookup = true;
  std::array<std::uint8_t, 32> key{};
  key.fill(0xab);
  r.idempotency_key = key;
  const HttpRequest h = transport_->Render(r);
  EXPECT_EQ(h.method, Method::kPost);
  EXPECT_EQ(h.url, "http://127.0.0.1:9/prefix/v1/data_sources/" + kSource.ToString() + "/query");
  std::string hex;
  for (int i = 0; i < 32; ++i) hex += "ab";
  EXPECT_EQ(h.body, R"({"filter":{"property":"idempotency_key","rich_text":{"equals":")" + hex +
                        R"("}},"page_size":1})");
}

TEST(CurlTransportCreate, RejectsBadBaseUrlsWithoutEchoingCredentials) {
  LiveLoop loop;
  auto make = [&](std::string url) {
    CurlTransportOptions o;
    o.base_url = std::move(url);
    o.token_provider = [](std::uint16_t) { return std::string("t"); };
    return CurlTransport::Create(loop, o);
  };
  EXPECT_TRUE(make("https://api.notion.com").ok());
  EXPECT_TRUE(make("http://127.0.0.1:8080/").ok());
  for (const char* bad :
       {"", "api.notion.com", "ftp://x.org", "http://x.org/?a=b", "http://x/#f"}) {
    auto r = make(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
    EXPECT_NE(r.error().message.find("base URL"), std::string::npos) << r.error().message;
  }
  auto creds = make("https://user:hunter2@api.notion.com");
  ASSERT_FALSE(creds.ok());
  EXPECT_EQ(creds.error().message.find("hunter2"), std::string::npos) << creds.error().message;
  CurlTransportOptions no_tokens;
  no_tokens.base_url = "http://127.0.0.1:1";
  EXPECT_FALSE(CurlTransport::Create(loop, no_tokens).ok());
}

}  // namespace
}  // namespace notion_sim::engine
