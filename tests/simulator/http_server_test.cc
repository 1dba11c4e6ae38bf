// The HTTP door over loopback with libcurl: Notion's shapes for every endpoint family, the
// protocol errors, and every fault action as a client sees it on the socket.
//
// Bounded: curl timeouts of at most 2 s, servers with a 3 s hold bound, stopped in TearDown.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "http_test_util.h"
#include "notion_sim/engine/rng.h"
#include "notion_sim/simulator/fake_notion.h"
#include "notion_sim/simulator/http_server.h"

namespace notion_sim::sim {
namespace {

using httptest::HttpReply;
using httptest::NotionClient;
using json = nlohmann::json;
using ::testing::HasSubstr;

constexpr char kToken[] = "secret_test_token_0123456789";

json Title(const std::string& text) {
  return json{{"title", json::array({{{"type", "text"}, {"text", {{"content", text}}}}})}};
}

class HttpDoorTest : public ::testing::Test {
 protected:
  void SetUp() override { StartServer(Configure()); }
  void TearDown() override {
    if (server_) server_->Stop();
  }

  virtual FakeConfig Configure() {
    FakeConfig config;
    config.workspace = DefaultServeWorkspace(7, /*seeded_pages=*/3);
    TokenSpec token;
    token.token = kToken;
    token.name = "test";
    config.workspace.tokens.push_back(token);
    return config;
  }

  void StartServer(FakeConfig config, HttpServerOptions options = {}) {
    server_.reset();
    fake_ = std::make_unique<FakeNotion>(clock_, engine::Rng(7).Fork("fake"), nullptr,
                                         std::move(config));
    auto root = CreateRootPage(*fake_, kToken);
    ASSERT_TRUE(root.ok()) << root.error().message;
    root_page_ = root->ToString();
    ASSERT_FALSE(fake_->data_sources().empty());
    data_source_ = fake_->data_sources().front().ToString();
    options.max_hold_us = Sec(3);
    options.threads = 8;
    server_ = std::make_unique<HttpServer>(*fake_, options);
    auto port = server_->Start();
    ASSERT_TRUE(port.ok()) << port.error().message;
    ASSERT_GT(*port, 0);
    client_ = std::make_unique<NotionClient>(server_->BaseUrl(), kToken);
  }

  // Adds one fault rule through the admin API; returns its id.
  std::uint64_t AddFault(const json& rule) {
    HttpReply r = client_->Admin("POST", "/__admin/faults", rule.dump());
    EXPECT_EQ(r.status, 201) << r.body;
    const json j = r.Json();
    if (!j.contains("added") || j["added"].empty()) return 0;
    return j["added"][0]["id"].get<std::uint64_t>();
  }

  std::size_t LedgerCount() {
    const json j = client_->Admin("GET", "/__admin/ledger").Json();
    return j.value("count", std::size_t{0});
  }

  HttpReply CreatePage(const std::string& title, long timeout_ms = 2000) {
    return client_->Call("POST", "/v1/pages",
                         json{{"parent", {{"data_source_id", data_source_}}},
                              {"properties", {{"Name", Title(title)}}}},
                         timeout_ms);
  }

  SteadyClock clock_;
  std::unique_ptr<FakeNotion> fake_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<NotionClient> client_;
  std::string root_page_;
  std::string data_source_;
};

// --- Notion's shapes ------------------------------------------------------------------------

TEST_F(HttpDoorTest, PagesCreateRetrieveUpdate) {
  HttpReply created = CreatePage("first");
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_THAT(created.Header("content-type").value_or(""), HasSubstr("application/json"));
  EXPECT_TRUE(created.Header("x-notion-request-id").has_value());
  const json page = created.Json();
  EXPECT_EQ(page["object"], "page");
  const std::string id = page["id"];
  EXPECT_EQ(page["parent"]["data_source_id"], data_source_);

  HttpReply got = client_->Get("/v1/pages/" + id);
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.Json()["id"], id);

  HttpReply patched =
      client_->Patch("/v1/pages/" + id, json{{"properties", {{"Name", Title("renamed")}}}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(patched.Json()["object"], "page");

  // A page under the root page too.
  HttpReply child = client_->Call(
      "POST", "/v1/pages",
      json{{"parent", {{"page_id", root_page_}}}, {"properties", {{"title", Title("child")}}}});
  EXPECT_EQ(child.status, 200) << child.body;
}

TEST_F(HttpDoorTest, BlocksAppendAndList) {
  const json body = {
      {"children",
       json::array({{{"object", "block"},
                     {"type", "paragraph"},
                     {"paragraph",
                      {{"rich_text",
                        json::array({{{"type", "text"}, {"text", {{"content", "hi"}}}}})}}}}})}};
  HttpReply appended = client_->Patch("/v1/blocks/" + root_page_ + "/children", body);
  ASSERT_EQ(appended.status, 200) << appended.body;
  EXPECT_EQ(appended.Json()["object"], "list");

  HttpReply listed = client_->Get("/v1/blocks/" + root_page_ + "/children?page_size=10");
  ASSERT_EQ(listed.status, 200) << listed.body;
  const json list = listed.Json();
  EXPECT_EQ(list["object"], "list");
  EXPECT_EQ(list["type"], "block");
  ASSERT_EQ(list["results"].size(), 1u);
  EXPECT_EQ(list["results"][0]["type"], "paragraph");
  EXPECT_EQ(list["has_more"], false);
  EXPECT_TRUE(list["next_cursor"].is_null());
}

TEST_F(HttpDoorTest, QueryDataSourcePaginatesWithOpaqueCursors) {
  HttpReply first =
      client_->Post("/v1/data_sources/" + data_source_ + "/query", json{{"page_size", 2}});
  ASSERT_EQ(first.status, 200) << first.body;
  const json a = first.Json();
  EXPECT_EQ(a["object"], "list");
  ASSERT_EQ(a["results"].size(), 2u);
  EXPECT_EQ(a["has_more"], true);
  ASSERT_TRUE(a["next_cursor"].is_string());
  HttpReply second = client_->Post("/v1/data_sources/" + data_source_ + "/query",
                                   json{{"page_size", 2}, {"start_cursor", a["next_cursor"]}});
  ASSERT_EQ(second.status, 200) << second.body;
  const json b = second.Json();
  ASSERT_EQ(b["results"].size(), 1u);  // three seeded pages
  EXPECT_EQ(b["has_more"], false);
  EXPECT_NE(b["results"][0]["id"], a["results"][0]["id"]);
}

TEST_F(HttpDoorTest, DatabasesDataSourcesSearchAndUsers) {
  const std::string database = fake_->config().workspace.databases.front().id.ToString();
  HttpReply db = client_->Get("/v1/databases/" + database);
  ASSERT_EQ(db.status, 200) << db.body;
  EXPECT_EQ(db.Json()["object"], "database");

  HttpReply ds = client_->Get("/v1/data_sources/" + data_source_);
  ASSERT_EQ(ds.status, 200) << ds.body;
  EXPECT_EQ(ds.Json()["object"], "data_source");

  HttpReply search = client_->Post("/v1/search", json{{"query", "Seed"}});
  ASSERT_EQ(search.status, 200) << search.body;
  EXPECT_EQ(search.Json()["object"], "list");

  HttpReply users = client_->Get("/v1/users?page_size=100");
  ASSERT_EQ(users.status, 200) << users.body;
  EXPECT_EQ(users.Json()["type"], "user");
  EXPECT_FALSE(users.Json()["results"].empty());

  HttpReply me = client_->Get("/v1/users/me");
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.Json()["object"], "user");
  EXPECT_EQ(me.Json()["type"], "bot");
}

TEST_F(HttpDoorTest, SecondUpstreamIsServedToo) {
  httptest::HttpCall call;
  call.method = "POST";
  call.url = server_->BaseUrl() + "/upstream/v1/complete";
  call.body = R"({"prompt": "summarize this page", "max_tokens": 16})";
  call.headers = {"Content-Type: application/json"};
  HttpReply r = httptest::Fetch(call);
  ASSERT_EQ(r.status, 200) << r.curl_error << " " << r.body;
  const json j = r.Json();
  EXPECT_EQ(j["object"], "completion");
  ASSERT_FALSE(j["choices"].empty());
  EXPECT_THAT(
      client_->Admin("GET", "/metrics").body,
      HasSubstr("notion_sim_http_requests_total{route=\"upstream_complete\",status=\"200\"} 1"));
}

// --- protocol errors ------------------------------------------------------------------------

void ExpectNotionError(const HttpReply& r, int status, const std::string& code) {
  EXPECT_EQ(r.status, status) << r.body;
  const json j = r.Json();
  ASSERT_TRUE(j.is_object()) << r.body;
  EXPECT_EQ(j["object"], "error");
  EXPECT_EQ(j["status"], status);
  EXPECT_EQ(j["code"], code);
  EXPECT_TRUE(j["message"].is_string());
}

TEST_F(HttpDoorTest, MissingNotionVersionIs400MissingVersion) {
  NotionClient unversioned(server_->BaseUrl(), kToken, /*version=*/"");
  ExpectNotionError(unversioned.Get("/v1/users/me"), 400, "missing_version");
}

TEST_F(HttpDoorTest, BadOrMissingTokenIs401) {
  NotionClient wrong(server_->BaseUrl(), "secret_wrong_token_000000000");
  ExpectNotionError(wrong.Get("/v1/users/me"), 401, "unauthorized");
  NotionClient anonymous(server_->BaseUrl(), "");
  ExpectNotionError(anonymous.Get("/v1/users/me"), 401, "unauthorized");
}

TEST_F(HttpDoorTest, InvalidJsonIs400InvalidJson) {
  httptest::HttpCall call;
  call.method = "POST";
  call.url = server_->BaseUrl() + "/v1/pages";
  call.body = "{\"parent\": ";
  call.headers = {std::string("Authorization: Bearer ") + kToken, "Notion-Version: 2025-09-03",
                  "Content-Type: application/json"};
  ExpectNotionError(httptest::Fetch(call), 400, "invalid_json");
}

TEST_F(HttpDoorTest, UnknownRoutesAre400InvalidRequestUrl) {
  ExpectNotionError(client_->Get("/v1/nothing/here"), 400, "invalid_request_url");
  ExpectNotionError(client_->Get("/favicon.ico"), 400, "invalid_request_url");
  ExpectNotionError(client_->Call("PUT", "/elsewhere", json::object()), 400, "invalid_request_url");
}

TEST_F(HttpDoorTest, OversizedBodyIsAJsonErrorNotACrash) {
  HttpServerOptions options;
  options.max_body_bytes = 1024;
  server_->Stop();
  StartServer(Configure(), options);
  HttpReply r = client_->Call("POST", "/v1/search", json{{"query", std::string(4096, 'x')}});
  ExpectNotionError(r, 413, "validation_error");
  EXPECT_EQ(client_->Get("/v1/users/me").status, 200);
}

// Writes raw bytes on a fresh loopback connection and returns the first response (or nothing).
// Reading stops at the end of the first response, when the server closes, or after 1 s of
// silence. The write side stays open: httplib answers nothing to a half-closed connection. With
// `keep_fd`, the connection stays open and its descriptor goes there (the caller closes it).
std::string RawExchange(int port, const std::string& bytes, int* keep_fd = nullptr) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  timeval tv{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string out;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    (void)!write(fd, bytes.data(), bytes.size());
    char buf[4096];
    for (int i = 0; i < 64; ++i) {
      const ssize_t n = read(fd, buf, sizeof buf);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
      const std::size_t head_end = out.find("\r\n\r\n");
      if (head_end == std::string::npos) continue;
      std::size_t length = 0;
      const std::size_t cl = out.find("Content-Length: ");
      if (cl != std::string::npos && cl < head_end) length = std::stoul(out.substr(cl + 16));
      if (out.size() >= head_end + 4 + length) break;
    }
  }
  if (keep_fd != nullptr) {
    *keep_fd = fd;
  } else {
    close(fd);
  }
  return out;
}

TEST_F(HttpDoorTest, MalformedHttpNeverCrashesTheServer) {
  const int port = server_->port();
  EXPECT_THAT(RawExchange(port, "BREW /v1/pages HTTP/1.1\r\nHost: x\r\n\r\n"),
              HasSubstr("HTTP/1.1 400"));
  RawExchange(port, std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11));
  RawExchange(port, "GET /v1/users/me HTTP/1.1\r\nContent-Length: 999999999999999999999\r\n\r\n");
  RawExchange(port, "POST /v1/pages HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
  RawExchange(port, std::string(10000, 'A') + "\r\n\r\n");
  RawExchange(port, "");
  const std::string bad_method = RawExchange(port, "FOO / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_THAT(bad_method, HasSubstr("400"));
  EXPECT_THAT(bad_method, HasSubstr("\"object\":\"error\""));
  EXPECT_EQ(client_->Get("/v1/users/me").status, 200);
}

// --- faults as the client sees them -----------------------------------------------------------

TEST_F(HttpDoorTest, RateLimitedWithRetryAfterSeconds) {
  AddFault({{"match", {{"path", "/v1/users/me"}}},
            {"trigger", {{"first", 1}}},
            {"action", "respond"},
            {"status", 429},
            {"retry_after_s", 2}});
  HttpReply r = client_->Get("/v1/users/me");
  ExpectNotionError(r, 429, "rate_limited");
  EXPECT_EQ(r.Header("retry-after").value_or(""), "2");
  EXPECT_EQ(r.Json()["additional_data"]["retry_after"], "2");
  EXPECT_EQ(client_->Get("/v1/users/me").status, 200);  // first 1 only
}

TEST_F(HttpDoorTest, RateLimitedWithRetryAfterHttpDate) {
  AddFault({{"trigger", {{"first", 1}}},
            {"action", "respond"},
            {"status", 429},
            {"retry_after_s", 3},
            {"retry_after_form", "http_date"}});
  HttpReply r = client_->Get("/v1/users/me");
  ExpectNotionError(r, 429, "rate_limited");
  const std::string date = r.Header("retry-after").value_or("");
  EXPECT_TRUE(std::regex_match(
      date, std::regex(R"([A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT)")))
      << date;
}

std::int64_t WallUnixS() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Over HTTP the client compares the date with its wall clock, not with the fake's virtual epoch
// (2026-01-01 unless the workspace says otherwise).
TEST_F(HttpDoorTest, RetryAfterHttpDateIsOnTheWallClock) {
  AddFault({{"trigger", {{"first", 1}}},
            {"action", "respond"},
            {"status", 429},
            {"retry_after_s", 30},
            {"retry_after_form", "http_date"}});
  const std::int64_t before_s = WallUnixS();
  HttpReply r = client_->Get("/v1/users/me");
  const std::int64_t after_s = WallUnixS();
  ExpectNotionError(r, 429, "rate_limited");
  const std::string date = r.Header("retry-after").value_or("");
  std::tm tm{};
  ASSERT_NE(strptime(date.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm), nullptr) << date;
  const std::int64_t at_s = timegm(&tm);
  // Rounded up to a whole second, never early: in [before + 30, after + 31].
  EXPECT_GE(at_s, before_s + 30) << date;
  EXPECT_LE(at_s, after_s + 31) << date;
  EXPECT_EQ(r.Json()["additional_data"]["retry_after"], "30");
}

TEST_F(HttpDoorTest, InjectedAnswersAreMarked) {
  AddFault({{"match", {{"path", "/v1/users/me"}}},
            {"trigger", {{"first", 1}}},
            {"action", "respond"},
            {"status", 503}});
  HttpReply injected = client_->Get("/v1/users/me");
  EXPECT_EQ(injected.status, 503);
  EXPECT_EQ(injected.Header("x-notion-sim-injected").value_or(""), "1");
  HttpReply plain = client_->Get("/v1/users/me");
  EXPECT_EQ(plain.status, 200);
  EXPECT_FALSE(plain.Header("x-notion-sim-injected").has_value());
  // An emergent error (validation, not the plan) is not marked either.
  HttpReply missing = client_->Get("/v1/pages/00000000-0000-0000-0000-000000000000");
  EXPECT_GE(missing.status, 400);
  EXPECT_FALSE(missing.Header("x-notion-sim-injected").has_value());
}

TEST_F(HttpDoorTest, InjectedHtmlEdgeAnswersAreMarked) {
  AddFault({{"trigger", {{"first", 1}}}, {"action", "html_edge"}, {"status", 502}});
  HttpReply r = client_->Get("/v1/users/me");
  EXPECT_EQ(r.status, 502);
  EXPECT_EQ(r.Header("x-notion-sim-injected").value_or(""), "1");
}

// The local port of a socket, or -1.
int LocalPort(int fd) {
  sockaddr_storage local{};
  socklen_t len = sizeof local;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) != 0) return -1;
  if (local.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&local)->sin_port);
  if (local.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<sockaddr_in6*>(&local)->sin6_port);
  }
  return -1;
}

// Small keep-alive answers must not sit behind Nagle's algorithm: the listening socket and every
// connection it accepted (this process's sockets whose local port is the server's) have
// TCP_NODELAY.
TEST_F(HttpDoorTest, ServerSocketsHaveNoDelay) {
  const int port = server_->port();
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  timeval tv{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const std::string request =
      std::string("GET /v1/users/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ") + kToken +
      "\r\nNotion-Version: 2025-09-03\r\n\r\n";
  ASSERT_EQ(write(fd, request.data(), request.size()), static_cast<ssize_t>(request.size()));
  char buf[4096];
  ASSERT_GT(read(fd, buf, sizeof buf), 0);  // answered: the server has accepted the connection

  int listening = 0;
  int accepted = 0;
  for (int other = 0; other < 4096; ++other) {
    if (other == fd || LocalPort(other) != port) continue;
    int nodelay = 0;
    socklen_t len = sizeof nodelay;
    if (getsockopt(other, IPPROTO_TCP, TCP_NODELAY, &nodelay, &len) != 0) continue;
    int is_listening = 0;
    len = sizeof is_listening;
    getsockopt(other, SOL_SOCKET, SO_ACCEPTCONN, &is_listening, &len);
    ++(is_listening ? listening : accepted);
    EXPECT_NE(nodelay, 0) << "fd " << other << (is_listening ? " (listening)" : " (accepted)");
  }
  close(fd);
  EXPECT_EQ(listening, 1);
  EXPECT_GE(accepted, 1);
}

// httplib serves a connection on one thread for as long as it stays open. With every one of the
// server's threads held by an idle keep-alive connection, one more connection is still answered
// at once, not when an idle one times out (here after 30 s, far beyond the client's 2 s).
TEST_F(HttpDoorTest, MoreKeepAliveConnectionsThanThreadsAreAllAnswered) {
  HttpServerOptions options;
  options.keep_alive_timeout_us = Sec(30);
  StartServer(Configure(), options);  // 8 threads
  const std::string request =
      std::string("GET /v1/users/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ") + kToken +
      "\r\nNotion-Version: 2025-09-03\r\n\r\n";
  std::vector<int> idle;
  for (int i = 0; i < 8; ++i) {
    int fd = -1;
    EXPECT_THAT(RawExchange(server_->port(), request, &fd), HasSubstr("HTTP/1.1 200"));
    idle.push_back(fd);
  }
  HttpReply extra = client_->Get("/v1/users/me");
  EXPECT_EQ(extra.status, 200) << extra.curl_error;
  for (int fd : idle) close(fd);
}

struct StatusCase {
  int status;
  const char* code;
};

class HttpDoorStatusTest : public HttpDoorTest, public ::testing::WithParamInterface<StatusCase> {};

TEST_P(HttpDoorStatusTest, ScriptedStatusAndCode) {
  const StatusCase c = GetParam();
  AddFault({{"match", {{"method", "POST"}, {"path", "/v1/pages"}}},
            {"trigger", {{"first", 1}}},
            {"action", "respond"},
            {"status", c.status},
            {"code", c.code}});
  const std::size_t before = LedgerCount();
  HttpReply r = CreatePage("scripted");
  ExpectNotionError(r, c.status, c.code);
  EXPECT_EQ(LedgerCount(), before);  // a scripted answer applies nothing
  EXPECT_EQ(CreatePage("after").status, 200);
}

INSTANTIATE_TEST_SUITE_P(
    Statuses, HttpDoorStatusTest,
    ::testing::Values(StatusCase{500, "internal_server_error"}, StatusCase{502, "bad_gateway"},
                      StatusCase{503, "service_unavailable"}, StatusCase{504, "gateway_timeout"},
                      StatusCase{529, "service_overload"}, StatusCase{409, "conflict_error"}),
    [](const ::testing::TestParamInfo<StatusCase>& param_info) {
      return std::to_string(param_info.param.status);
    });

TEST_F(HttpDoorTest, CommitThen503AppliesTheWrite) {
  AddFault({{"match", {{"operation", "create_page"}}},
            {"trigger", {{"first", 1}}},
            {"action", "commit_then_503"}});
  const std::size_t before = LedgerCount();
  HttpReply r = CreatePage("saved anyway");
  ExpectNotionError(r, 503, "service_unavailable");
  EXPECT_EQ(LedgerCount(), before + 1);
  EXPECT_TRUE(r.Json()["additional_data"].contains("committed_resource_id")) << r.body;
}

TEST_F(HttpDoorTest, HangIsAClientTimeout) {
  AddFault({{"trigger", {{"first", 1}}}, {"action", "hang"}});
  HttpReply r = client_->Call("GET", "/v1/users/me", nullptr, 300);
  EXPECT_TRUE(r.timed_out()) << r.curl_code << " " << r.curl_error;
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(client_->Get("/v1/users/me").status, 200);
}

TEST_F(HttpDoorTest, StalledBodyTimesOutAfterTheHeaders) {
  AddFault({{"trigger", {{"first", 1}}}, {"action", "stall_body"}});
  HttpReply r = client_->Call("GET", "/v1/users/me", nullptr, 300);
  EXPECT_TRUE(r.timed_out()) << r.curl_code << " " << r.curl_error;
  EXPECT_EQ(r.status, 200);  // the status line and headers arrived
  const std::size_t promised = std::stoul(r.Header("content-length").value_or("0"));
  EXPECT_GT(promised, 0u);
  EXPECT_LT(r.body.size(), promised);
  EXPECT_FALSE(r.Json().is_object());
}

TEST_F(HttpDoorTest, ResetIsAConnectionError) {
  AddFault({{"trigger", {{"first", 1}}}, {"action", "reset"}});
  const std::size_t before = LedgerCount();
  HttpReply r = CreatePage("never applied");
  EXPECT_TRUE(r.reset()) << r.curl_code << " " << r.curl_error;
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(LedgerCount(), before);
}

TEST_F(HttpDoorTest, LostAfterCommitByResetIsInTheLedger) {
  AddFault({{"match", {{"operation", "create_page"}}},
            {"trigger", {{"first", 1}}},
            {"action", "lose_after_commit"},
            {"loss", "reset"}});
  const std::size_t before = LedgerCount();
  HttpReply r = CreatePage("lost");
  EXPECT_TRUE(r.reset()) << r.curl_code << " " << r.curl_error;
  EXPECT_EQ(LedgerCount(), before + 1);
}

TEST_F(HttpDoorTest, LostAfterCommitByTimeoutIsInTheLedger) {
  AddFault({{"match", {{"operation", "create_page"}}},
            {"trigger", {{"first", 1}}},
            {"action", "lose_after_commit"},
            {"loss", "timeout"}});
  const std::size_t before = LedgerCount();
  HttpReply r = CreatePage("lost", /*timeout_ms=*/300);
  EXPECT_TRUE(r.timed_out()) << r.curl_code << " " << r.curl_error;
  EXPECT_EQ(LedgerCount(), before + 1);
}

TEST_F(HttpDoorTest, MalformedJsonIsA200ThatDoesNotParse) {
  AddFault({{"trigger", {{"first", 1}}}, {"action", "malformed_json"}});
  HttpReply r = client_->Get("/v1/users/me");
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.Header("content-type").value_or(""), HasSubstr("application/json"));
  EXPECT_FALSE(r.body.empty());
  EXPECT_TRUE(r.Json().is_discarded()) << r.body;
}

TEST_F(HttpDoorTest, HtmlEdgeErrorCarriesCfRayAndNoRequestId) {
  AddFault({{"trigger", {{"first", 1}}}, {"action", "html_edge"}, {"status", 502}});
  HttpReply r = client_->Get("/v1/users/me");
  EXPECT_EQ(r.status, 502);
  EXPECT_THAT(r.Header("content-type").value_or(""), HasSubstr("text/html"));
  EXPECT_TRUE(r.Header("cf-ray").has_value());
  EXPECT_FALSE(r.Header("x-notion-request-id").has_value());
  EXPECT_THAT(r.body, HasSubstr("<html"));
}

TEST_F(HttpDoorTest, DelayAnswersLate) {
  // The server holds at least 1500 ms: a 150 ms client gives up; a patient one gets the answer.
  AddFault({{"trigger", {{"first", 1}}}, {"action", "delay"}, {"delay_ms", 1500}});
  HttpReply impatient = client_->Call("GET", "/v1/users/me", nullptr, 150);
  EXPECT_TRUE(impatient.timed_out()) << impatient.curl_code;
  AddFault({{"trigger", {{"first", 1}}}, {"action", "delay"}, {"delay_ms", 100}});
  HttpReply patient = client_->Call("GET", "/v1/users/me", nullptr, 2000);
  EXPECT_EQ(patient.status, 200) << patient.curl_error;
}

// Waits (bounded) until no connection is held, as /__admin/health reports.
int HoldsAfterSettling(NotionClient& client) {
  int holds = -1;
  for (int i = 0; i < 100; ++i) {
    holds = client.Admin("GET", "/__admin/health").Json()["server"].value("holds_in_flight", -1);
    if (holds == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return holds;
}

TEST_F(HttpDoorTest, AHangEndsWhenTheClientLeaves) {
  AddFault({{"trigger", {{"first", 2}}}, {"action", "hang"}});
  client_->Call("GET", "/v1/users/me", nullptr, 100);
  client_->Call("GET", "/v1/users/me", nullptr, 100);
  // The 3 s hold bound has not passed: only noticing the client's close frees the threads.
  EXPECT_EQ(HoldsAfterSettling(*client_), 0);
}

TEST_F(HttpDoorTest, StopWakesHeldConnections) {
  AddFault({{"action", "hang"}});
  HttpReply held;
  std::thread t([&] { held = client_->Call("GET", "/v1/users/me", nullptr, 2000); });
  // Bounded wait until the hang holds the connection.
  for (int i = 0; i < 100; ++i) {
    if (fake_ && server_->WithCore([](FakeNotion& f) { return f.journal().total(); }) > 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  server_->Stop();
  t.join();
  // Stop dropped the connection: the client saw an error, not its own 2 s timeout.
  EXPECT_TRUE(held.reset()) << held.curl_code << " " << held.curl_error;
}

// --- metrics --------------------------------------------------------------------------------

TEST_F(HttpDoorTest, MetricsCountRoutesStatusesAndFaults) {
  ASSERT_EQ(CreatePage("one").status, 200);
  ASSERT_EQ(CreatePage("two").status, 200);
  AddFault({{"trigger", {{"first", 1}}}, {"action", "reset"}});
  client_->Get("/v1/users/me");
  client_->Get("/nowhere");
  HttpReply m = client_->Admin("GET", "/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_THAT(m.Header("content-type").value_or(""), HasSubstr("text/plain"));
  EXPECT_THAT(
      m.body,
      HasSubstr("notion_sim_http_requests_total{route=\"create_page\",status=\"200\"} 2\n"));
  EXPECT_THAT(m.body,
              HasSubstr("notion_sim_http_requests_total{route=\"users_me\",status=\"reset\"} 1\n"));
  EXPECT_THAT(m.body,
              HasSubstr("notion_sim_http_requests_total{route=\"unknown\",status=\"400\"} 1\n"));
  EXPECT_THAT(m.body, HasSubstr("notion_sim_fake_faults_injected_total{action=\"reset\"} 1\n"));
  EXPECT_THAT(m.body, HasSubstr("notion_sim_fake_rate_limited_total 0\n"));
  // The root page, two creates and the reset request.
  EXPECT_THAT(m.body, HasSubstr("notion_sim_fake_journal_entries 4\n"));
}

TEST_F(HttpDoorTest, RateLimiterCountsIn429AndMetrics) {
  server_->Stop();
  FakeConfig config = Configure();
  config.workspace.rate_limits.mode = RateLimitMode::kFixedWindow;
  // serve's root page is a set-up call: the client's whole budget of 3 is still there.
  config.workspace.rate_limits.window_requests = 3;
  StartServer(std::move(config));
  EXPECT_EQ(client_->Get("/v1/users/me").status, 200);
  EXPECT_EQ(client_->Get("/v1/users/me").status, 200);
  EXPECT_EQ(client_->Get("/v1/users/me").status, 200);
  HttpReply limited = client_->Get("/v1/users/me");
  ExpectNotionError(limited, 429, "rate_limited");
  const int retry_after = std::stoi(limited.Header("retry-after").value_or("0"));
  EXPECT_GE(retry_after, 1);
  EXPECT_LE(retry_after, 60);
  EXPECT_THAT(client_->Admin("GET", "/metrics").body,
              HasSubstr("notion_sim_fake_rate_limited_total 1\n"));
}

}  // namespace
}  // namespace notion_sim::sim

namespace notion_sim::sim {
namespace {

// A multipart/form-data body, as fetch's FormData sends it.
std::string Multipart(const std::string& boundary, const std::string& file,
                      const std::string& part_number = "") {
  std::string body;
  if (!part_number.empty()) {
    body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"part_number\"\r\n\r\n" +
            part_number + "\r\n";
  }
  body += "--" + boundary +
          "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n"
          "Content-Type: text/plain\r\n\r\n" +
          file + "\r\n--" + boundary + "--\r\n";
  return body;
}

// Regression (issue 14): multipart/form-data to any path made httplib throw bad_function_call
// (a 500 with an EXCEPTION_WHAT header) before the fake saw the request. Now it is read, and a
// path that takes JSON answers Notion's 400; nothing internal reaches the client.
TEST_F(HttpDoorTest, MultipartToAJsonEndpointIsNotionsInvalidJson) {
  httptest::HttpCall call;
  call.method = "POST";
  call.url = server_->BaseUrl() + "/v1/pages";
  call.headers = {"Authorization: Bearer " + std::string(kToken), "Notion-Version: 2025-09-03",
                  "Content-Type: multipart/form-data; boundary=XyZ"};
  call.body = Multipart("XyZ", "hello");
  const HttpReply r = httptest::Fetch(call);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.Json().value("code", ""), "invalid_json");
  EXPECT_FALSE(r.Header("exception_what").has_value());
  // A malformed multipart body (no boundary) is a 400 in Notion's shape too.
  call.headers.back() = "Content-Type: multipart/form-data";
  const HttpReply bad = httptest::Fetch(call);
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_EQ(bad.Json().value("object", ""), "error");
  EXPECT_FALSE(bad.Header("exception_what").has_value());
}

// Multipart bodies are read part by part: a file upload's content arrives whole.
TEST_F(HttpDoorTest, MultipartFileUploadIsReadPartByPart) {
  const HttpReply created = client_->Post("/v1/file_uploads", json{{"filename", "a.txt"}});
  ASSERT_EQ(created.status, 200) << created.body;
  const std::string id = created.Json()["id"];
  httptest::HttpCall call;
  call.method = "POST";
  call.url = server_->BaseUrl() + "/v1/file_uploads/" + id + "/send";
  call.headers = {"Authorization: Bearer " + std::string(kToken), "Notion-Version: 2025-09-03",
                  "Content-Type: multipart/form-data; boundary=b0undary"};
  call.body = Multipart("b0undary", std::string(5000, 'z'));
  const HttpReply sent = httptest::Fetch(call);
  ASSERT_EQ(sent.status, 200) << sent.body;
  EXPECT_EQ(sent.Json()["status"], "uploaded");
  EXPECT_EQ(sent.Json()["content_length"], 5000);
}

}  // namespace
}  // namespace notion_sim::sim
