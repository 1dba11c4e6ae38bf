// The admin API under /__admin/ over loopback: faults (add one, add a plan, list, remove, clear),
// the journal and its bound, the ledger, reset, health, strict JSON errors that name the JSON
// path, and the optional admin token. Bounded: 2 s curl timeouts, servers stopped in TearDown.
#include <memory>
#include <string>

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

constexpr char kToken[] = "secret_admin_test_0123456789";
constexpr char kAdminToken[] = "adm1n-s3cret-token";

class AdminApiTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (server_) server_->Stop();
  }

  void Start(std::size_t journal_capacity = 100, std::string admin_token = "") {
    FakeConfig config;
    config.workspace = DefaultServeWorkspace(11);
    TokenSpec token;
    token.token = kToken;
    token.name = "admin-test";
    config.workspace.tokens.push_back(token);
    config.journal_capacity = journal_capacity;
    fake_ = std::make_unique<FakeNotion>(clock_, engine::Rng(11).Fork("fake"), nullptr,
                                         std::move(config));
    auto root = CreateRootPage(*fake_, kToken);
    ASSERT_TRUE(root.ok()) << root.error().message;
    root_page_ = root->ToString();
    HttpServerOptions options;
    options.admin_token = std::move(admin_token);
    options.journal_page_max = 50;
    options.max_hold_us = Sec(3);
    options.threads = 4;
    options.after_reset = [](FakeNotion& f) { (void)CreateRootPage(f, kToken); };
    server_ = std::make_unique<HttpServer>(*fake_, options);
    ASSERT_TRUE(server_->Start().ok());
    client_ = std::make_unique<NotionClient>(server_->BaseUrl(), kToken);
  }

  HttpReply Admin(const std::string& method, const std::string& path, const json& body = nullptr) {
    return client_->Admin(method, path, body.is_null() ? "" : body.dump());
  }

  HttpReply CreatePage() {
    return client_->Post(
        "/v1/pages", json{{"parent", {{"page_id", root_page_}}}, {"properties", json::object()}});
  }

  SteadyClock clock_;
  std::unique_ptr<FakeNotion> fake_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<NotionClient> client_;
  std::string root_page_;
};

const json kRule503 = {{"name", "storm"},
                       {"match", {{"method", "GET"}, {"path", "/v1/users/*"}}},
                       {"trigger", {{"every", 2}}},
                       {"action", "respond"},
                       {"status", 503}};

TEST_F(AdminApiTest, AddListRemoveAndClearFaults) {
  Start();
  HttpReply added = Admin("POST", "/__admin/faults", kRule503);
  ASSERT_EQ(added.status, 201) << added.body;
  const std::uint64_t id = added.Json()["added"][0]["id"];
  EXPECT_EQ(added.Json()["added"][0]["name"], "storm");

  EXPECT_EQ(client_->Get("/v1/users/me").status, 200);  // match 1
  EXPECT_EQ(client_->Get("/v1/users/me").status, 503);  // match 2: every 2nd fires
  const json listed = Admin("GET", "/__admin/faults").Json();
  ASSERT_EQ(listed["faults"].size(), 1u);
  EXPECT_EQ(listed["faults"][0]["id"], id);
  EXPECT_EQ(listed["faults"][0]["fired"], 1);
  EXPECT_EQ(listed["faults"][0]["matched"], 2);
  EXPECT_EQ(Admin("GET", "/__admin/faults/" + std::to_string(id)).Json()["id"], id);

  EXPECT_EQ(Admin("DELETE", "/__admin/faults/" + std::to_string(id)).status, 200);
  EXPECT_EQ(Admin("DELETE", "/__admin/faults/" + std::to_string(id)).status, 404);
  EXPECT_EQ(Admin("GET", "/__admin/faults/999").status, 404);
  EXPECT_EQ(Admin("DELETE", "/__admin/faults/abc").status, 404);
  EXPECT_TRUE(Admin("GET", "/__admin/faults").Json()["faults"].empty());

  // A plan adds all its rules; DELETE clears them.
  json plan = {
      {"faults", json::array({kRule503, {{"action", "reset"}, {"trigger", {{"first", 1}}}}})}};
  HttpReply two = Admin("POST", "/__admin/faults", plan);
  ASSERT_EQ(two.status, 201) << two.body;
  EXPECT_EQ(two.Json()["added"].size(), 2u);
  EXPECT_EQ(Admin("GET", "/__admin/faults").Json()["faults"].size(), 2u);
  HttpReply cleared = Admin("DELETE", "/__admin/faults");
  EXPECT_EQ(cleared.Json()["removed"], 2);
  EXPECT_TRUE(Admin("GET", "/__admin/faults").Json()["faults"].empty());
  EXPECT_EQ(client_->Get("/v1/users/me").status, 200);
}

TEST_F(AdminApiTest, BadJsonNamesTheRequestBodyPositionAndPath) {
  Start();
  HttpReply syntax = client_->Admin("POST", "/__admin/faults", "{\"action\": ");
  EXPECT_EQ(syntax.status, 400);
  EXPECT_EQ(syntax.Json()["code"], "invalid_json");
  EXPECT_THAT(syntax.Json()["message"].get<std::string>(), HasSubstr("request body:1:"));

  HttpReply unknown =
      client_->Admin("POST", "/__admin/faults", "{\n  \"action\": \"reset\",\n  \"bogus\": 1\n}");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(unknown.Json()["code"], "validation_error");
  const std::string message = unknown.Json()["message"];
  EXPECT_THAT(message, HasSubstr("request body:3:3"));
  EXPECT_THAT(message, HasSubstr("/bogus"));

  // A plan is all or nothing: the bad second rule names its path and nothing is added.
  HttpReply plan =
      client_->Admin("POST", "/__admin/faults",
                     R"({"faults": [{"action": "reset"}, {"action": "respond", "status": 99}]})");
  EXPECT_EQ(plan.status, 400);
  EXPECT_THAT(plan.Json()["message"].get<std::string>(), HasSubstr("/faults/1/status"));
  EXPECT_TRUE(Admin("GET", "/__admin/faults").Json()["faults"].empty());

  HttpReply not_object = client_->Admin("POST", "/__admin/faults", "[1, 2]");
  EXPECT_EQ(not_object.status, 400);
}

TEST_F(AdminApiTest, JournalIsBoundedAndFilterable) {
  Start(/*journal_capacity=*/5);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(client_->Get("/v1/users/me").status, 200);
  for (int i = 0; i < 4; ++i) ASSERT_EQ(CreatePage().status, 200);
  // 1 root page + 3 + 4 = 8 requests; the journal keeps the newest 5.
  const json all = Admin("GET", "/__admin/journal").Json();
  EXPECT_EQ(all["capacity"], 5);
  EXPECT_EQ(all["total"], 8);
  EXPECT_EQ(all["dropped"], 3);
  EXPECT_EQ(all["held"], 5);
  EXPECT_EQ(all["entries"].size(), 5u);

  const json two = Admin("GET", "/__admin/journal?limit=2").Json();
  EXPECT_EQ(two["entries"].size(), 2u);
  EXPECT_EQ(two["count"], 5);

  const json posts = Admin("GET", "/__admin/journal?method=POST&path=/v1/pages").Json();
  EXPECT_EQ(posts["count"], 4);
  const json me = Admin("GET", "/__admin/journal?operation=users_me").Json();
  EXPECT_EQ(me["count"], 1);  // two of the three were pushed out

  EXPECT_EQ(Admin("GET", "/__admin/journal?limit=0").status, 400);
  EXPECT_EQ(Admin("GET", "/__admin/journal?method=BREW").status, 400);
  // The page size is bounded by journal_page_max (50 here) whatever the client asks.
  EXPECT_EQ(Admin("GET", "/__admin/journal?limit=100000").Json()["entries"].size(), 5u);

  EXPECT_EQ(Admin("DELETE", "/__admin/journal").status, 200);
  EXPECT_EQ(Admin("GET", "/__admin/journal").Json()["held"], 0);
}

TEST_F(AdminApiTest, JournalDecisionsRecordInjectedFaults) {
  Start();
  ASSERT_EQ(Admin("POST", "/__admin/faults",
                  json{{"trigger", {{"first", 1}}}, {"action", "respond"}, {"status", 500}})
                .status,
            201);
  EXPECT_EQ(client_->Get("/v1/users/me").status, 500);
  const json decisions = Admin("GET", "/__admin/journal/decisions").Json();
  ASSERT_EQ(decisions["decisions"].size(), 1u) << decisions.dump();
  EXPECT_EQ(decisions["decisions"][0]["status"], 500);
}

TEST_F(AdminApiTest, LedgerListsCommittedWrites) {
  Start();
  ASSERT_EQ(CreatePage().status, 200);
  ASSERT_EQ(CreatePage().status, 200);
  ASSERT_EQ(client_->Get("/v1/users/me").status, 200);  // reads are not writes
  const json ledger = Admin("GET", "/__admin/ledger").Json();
  EXPECT_EQ(ledger["count"], 3);  // the root page and two creates
  ASSERT_EQ(ledger["entries"].size(), 3u);
  EXPECT_EQ(ledger["entries"][0]["object"], root_page_);
  EXPECT_EQ(ledger["entries"][1]["operation"], "create_page");
  EXPECT_EQ(Admin("GET", "/__admin/ledger?limit=1").Json()["entries"].size(), 1u);
}

TEST_F(AdminApiTest, ResetRestoresTheInitialWorkspaceAndKeepsTheRootPageId) {
  Start();
  HttpReply page = CreatePage();
  ASSERT_EQ(page.status, 200);
  const std::string id = page.Json()["id"];
  ASSERT_EQ(Admin("POST", "/__admin/faults",
                  json{{"action", "respond"}, {"status", 409}, {"match", {{"path", "/v1/search"}}}})
                .status,
            201);
  ASSERT_EQ(Admin("POST", "/__admin/reset").status, 200);
  EXPECT_EQ(client_->Get("/v1/pages/" + id).status, 404);
  EXPECT_EQ(client_->Get("/v1/pages/" + root_page_).status, 200);
  const json ledger = Admin("GET", "/__admin/ledger").Json();
  EXPECT_EQ(ledger["count"], 1);
  EXPECT_EQ(ledger["entries"][0]["object"], root_page_);
  // Rules are kept across a reset.
  EXPECT_EQ(Admin("GET", "/__admin/faults").Json()["faults"].size(), 1u);
  EXPECT_EQ(Admin("GET", "/__admin/reset").status, 405);
}

TEST_F(AdminApiTest, HealthReportsCoreAndServer) {
  Start();
  const HttpReply r = Admin("GET", "/__admin/health");
  ASSERT_EQ(r.status, 200);
  const json h = r.Json();
  EXPECT_EQ(h["status"], "ok");
  EXPECT_EQ(h["server"]["port"], server_->port());
  EXPECT_EQ(h["server"]["holds_in_flight"], 0);
  EXPECT_TRUE(h.contains("upstream"));
}

TEST_F(AdminApiTest, UnknownAdminRoutesAre404) {
  Start();
  EXPECT_EQ(Admin("GET", "/__admin/nothing").status, 404);
  EXPECT_EQ(Admin("GET", "/__admin").status, 404);
  EXPECT_EQ(Admin("PATCH", "/__admin/faults").status, 405);
}

TEST_F(AdminApiTest, AdminTokenGuardsOnlyTheAdminApi) {
  Start(100, kAdminToken);
  EXPECT_EQ(client_->Admin("GET", "/__admin/health").status, 401);
  EXPECT_EQ(client_->Admin("GET", "/__admin/health", "", "wrong-token").status, 401);
  HttpReply ok = client_->Admin("GET", "/__admin/health", "", kAdminToken);
  EXPECT_EQ(ok.status, 200);
  // The Notion token does not open the admin API, and the admin token is not a Notion token.
  EXPECT_EQ(client_->Admin("GET", "/__admin/faults", "", kToken).status, 401);
  EXPECT_EQ(client_->Admin("POST", "/__admin/reset", "", "").status, 401);
  EXPECT_EQ(client_->Get("/v1/users/me").status, 200);
  NotionClient as_admin(server_->BaseUrl(), kAdminToken);
  EXPECT_EQ(as_admin.Get("/v1/users/me").status, 401);
  EXPECT_EQ(client_->Admin("GET", "/metrics").status, 200);
}

}  // namespace
}  // namespace notion_sim::sim
