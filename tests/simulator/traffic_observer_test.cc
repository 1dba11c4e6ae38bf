// The HTTP door's observer seam (traffic_observer.h) and its admin extension, over loopback: every
// API request reported once, after it ended, with what the client saw at the socket.
//
// Bounded: curl timeouts of at most 2 s, a 3 s hold bound, the server stopped before asserting.
#include <algorithm>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

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

constexpr char kToken[] = "secret_observer_token_0123456789";

class Recorder final : public TrafficObserver {
 public:
  void OnExchange(const DoorExchange& x) override {
    std::lock_guard<std::mutex> lock(mu_);
    seen_.push_back(x);
  }
  std::vector<DoorExchange> seen() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<DoorExchange> out = seen_;
    std::sort(out.begin(), out.end(), [](const DoorExchange& a, const DoorExchange& b) {
      return a.arrived_us < b.arrived_us;
    });
    return out;
  }

 private:
  std::mutex mu_;
  std::vector<DoorExchange> seen_;
};

json CreateBody(const std::string& data_source, const std::string& title) {
  return json{
      {"parent", {{"data_source_id", data_source}}},
      {"properties",
       {{"Name", {{"title", json::array({{{"type", "text"}, {"text", {{"content", title}}}}})}}}}}};
}

class ObserverTest : public ::testing::Test {
 protected:
  void Start(HttpServerOptions options = {}) {
    FakeConfig config;
    config.workspace = DefaultServeWorkspace(7);
    TokenSpec token;
    token.token = kToken;
    token.name = "acme";
    config.workspace.tokens.push_back(token);
    fake_ = std::make_unique<FakeNotion>(clock_, engine::Rng(7).Fork("fake"), nullptr,
                                         std::move(config));
    ASSERT_TRUE(CreateRootPage(*fake_, kToken).ok());
    data_source_ = fake_->data_sources().front().ToString();
    options.observer = &recorder_;
    options.max_hold_us = Sec(3);
    options.threads = 8;
    server_ = std::make_unique<HttpServer>(*fake_, options);
    ASSERT_TRUE(server_->Start().ok());
    client_ = std::make_unique<NotionClient>(server_->BaseUrl(), kToken);
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }
  void AddFault(const json& rule) {
    HttpReply r = client_->Admin("POST", "/__admin/faults", rule.dump());
    ASSERT_EQ(r.status, 201) << r.body;
  }

  SteadyClock clock_;
  std::unique_ptr<FakeNotion> fake_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<NotionClient> client_;
  std::string data_source_;
  Recorder recorder_;
};

TEST_F(ObserverTest, EveryApiRequestOnceWithWhatTheClientSaw) {
  Start();
  AddFault({{"match", {{"method", "GET"}, {"path", "/v1/users/me"}}},
            {"trigger", {{"first", 1}}},
            {"action", "respond"},
            {"status", 429},
            {"retry_after_s", 2}});
  AddFault({{"match", {{"path", "/v1/users"}}},
            {"trigger", {{"first", 1}}},
            {"action", "respond"},
            {"status", 429},
            {"retry_after_s", 3},
            {"retry_after_form", "http_date"}});
  AddFault({{"match", {{"path", "/v1/search"}}}, {"trigger", {{"first", 1}}}, {"action", "reset"}});
  AddFault({{"match", {{"operation", "create_page"}}},
            {"trigger", {{"first", 1}}},
            {"action", "lose_after_commit"},
            {"loss", "reset"}});
  AddFault({{"match", {{"path", "/v1/data_sources/*"}}},
            {"trigger", {{"first", 1}}},
            {"action", "stall_body"}});

  EXPECT_EQ(client_->Get("/v1/users/me").status, 429);
  EXPECT_EQ(client_->Get("/v1/users").status, 429);
  EXPECT_TRUE(client_->Post("/v1/search", json{{"query", "x"}}).reset());
  EXPECT_TRUE(client_->Post("/v1/pages", CreateBody(data_source_, "lost")).reset());
  EXPECT_EQ(client_->Post("/v1/pages", CreateBody(data_source_, "kept")).status, 200);
  const HttpReply stalled = client_->Call("GET", "/v1/data_sources/" + data_source_, nullptr, 400);
  EXPECT_TRUE(stalled.timed_out());
  client_->Admin("GET", "/__admin/journal");  // not API traffic
  server_->Stop();                            // every exchange has ended and been reported

  const std::vector<DoorExchange> seen = recorder_.seen();
  ASSERT_EQ(seen.size(), 6u);
  for (const DoorExchange& x : seen) {
    EXPECT_EQ(x.caller, "acme");
    EXPECT_LE(x.arrived_us, x.answered_us);
    EXPECT_LE(x.answered_us, x.ended_us);
    EXPECT_EQ(x.remote.rfind("127.0.0.1:", 0), 0u) << x.remote;
    EXPECT_EQ(x.body.find(kToken), std::string::npos);
  }
  EXPECT_EQ(seen[0].path, "/v1/users/me");
  EXPECT_EQ(seen[0].status, 429);
  EXPECT_EQ(seen[0].code, engine::ApiCode::kRateLimited);
  EXPECT_EQ(seen[0].retry_after, "2");
  EXPECT_TRUE(seen[0].injected);
  EXPECT_EQ(seen[0].fault, "respond rule=1");
  EXPECT_EQ(seen[0].end, DoorEnd::kAnswered);
  EXPECT_GT(seen[0].answered_wall_us, 1'700'000'000LL * 1'000'000);

  // The date the client was sent, on the wall clock: 3 s past the answer (rounded up).
  EXPECT_EQ(seen[1].retry_after.size(), 29u) << seen[1].retry_after;
  EXPECT_NE(seen[1].retry_after.find(" GMT"), std::string::npos);

  EXPECT_EQ(seen[2].operation, engine::Operation::kSearch);
  EXPECT_EQ(seen[2].end, DoorEnd::kReset);
  EXPECT_EQ(seen[2].status, 0);
  EXPECT_FALSE(seen[2].committed);
  EXPECT_EQ(seen[2].body, R"({"query":"x"})");

  EXPECT_EQ(seen[3].end, DoorEnd::kLost);
  EXPECT_TRUE(seen[3].committed);
  EXPECT_EQ(seen[3].status, 0);
  EXPECT_EQ(seen[4].end, DoorEnd::kAnswered);
  EXPECT_TRUE(seen[4].committed);
  EXPECT_EQ(seen[4].status, 200);
  EXPECT_FALSE(seen[4].injected);

  EXPECT_EQ(seen[5].end, DoorEnd::kStalled);
  EXPECT_EQ(seen[5].status, 200);
  // The body stalled until the client gave up (its 400 ms timeout).
  EXPECT_GE(seen[5].ended_us - seen[5].answered_us, Ms(200));
}

TEST_F(ObserverTest, AdminExtensionAnswersItsFamiliesBehindTheAdminToken) {
  HttpServerOptions options;
  options.admin_token = "admin_secret_0123456789";
  options.admin_extension.families = {"verdict"};
  options.admin_extension.handle = [](const AdminCall& call) {
    AdminReply reply;
    if (call.method != "GET") {
      reply.status = 405;
      reply.error_code = "invalid_request";
      reply.error_message = "GET /__admin/verdict only";
      return reply;
    }
    reply.json = json{{"segments", call.segments}}.dump();
    return reply;
  };
  Start(options);
  EXPECT_EQ(client_->Admin("GET", "/__admin/verdict").status, 401);
  const HttpReply ok = client_->Admin("GET", "/__admin/verdict/x", "", options.admin_token);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.Json(), (json{{"segments", {"verdict", "x"}}}));
  const HttpReply bad = client_->Admin("POST", "/__admin/verdict", "{}", options.admin_token);
  EXPECT_EQ(bad.status, 405);
  EXPECT_EQ(bad.Json()["code"], "invalid_request");
  EXPECT_EQ(bad.Json()["object"], "error");
  const HttpReply unknown = client_->Admin("GET", "/__admin/nope", "", options.admin_token);
  EXPECT_EQ(unknown.status, 404);
  EXPECT_NE(unknown.body.find("webhooks, verdict"), std::string::npos) << unknown.body;
  server_->Stop();
  EXPECT_TRUE(recorder_.seen().empty());
}

}  // namespace
}  // namespace notion_sim::sim
