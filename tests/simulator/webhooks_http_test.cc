// Webhook deliveries over loopback: serve's delivery thread POSTs to a small receiver (cpp-httplib
// on port 0 in this process): the verification request first, then signed events; a planted bad
// signature does not verify; a 500 is retried with attempt_number 2; the admin API subscribes and
// lists. Bounded: every wait polls at most 10 s, servers stopped in TearDown.
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <httplib.h>

#include "http_test_util.h"
#include "notion_sim/engine/rng.h"
#include "notion_sim/simulator/fake_notion.h"
#include "notion_sim/simulator/http_server.h"
#include "notion_sim/simulator/webhooks.h"

namespace notion_sim::sim {
namespace {

using json = nlohmann::json;

constexpr char kToken[] = "secret_webhook_test_0123456789";
constexpr char kHookToken[] = "secret_hook_key";

struct Received {
  std::string body;
  std::string signature;  // X-Notion-Signature, "" when absent
};

// The receiving endpoint: records every request; answers 500 to the first `fail_first` events.
class Receiver {
 public:
  explicit Receiver(int fail_first = 0) : fail_left_(fail_first) {
    server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      got_.push_back({req.body, req.get_header_value("X-Notion-Signature")});
      const bool event = req.has_header("X-Notion-Signature");
      res.status = event && fail_left_ > 0 ? 500 : 200;
      if (event && fail_left_ > 0) --fail_left_;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 2000 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  ~Receiver() {
    server_.stop();
    thread_.join();
  }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  // Waits (at most 10 s) until `n` requests arrived; returns what arrived.
  std::vector<Received> WaitFor(std::size_t n) {
    for (int i = 0; i < 1000; ++i) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (got_.size() >= n) return got_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::lock_guard<std::mutex> lock(mu_);
    return got_;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::vector<Received> got_;
  int fail_left_;
};

class WebhooksHttpTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (server_) server_->Stop();
  }
  void Start(WebhookConfig hooks) {
    FakeConfig config;
    config.workspace = DefaultServeWorkspace(11);
    TokenSpec token;
    token.token = kToken;
    config.workspace.tokens.push_back(token);
    config.webhooks = std::move(hooks);
    fake_ = std::make_unique<FakeNotion>(clock_, engine::Rng(11).Fork("fake"), nullptr,
                                         std::move(config));
    HttpServerOptions options;
    options.threads = 4;
    options.webhook_timeout_us = Sec(2);
    server_ = std::make_unique<HttpServer>(*fake_, options);
    ASSERT_TRUE(server_->Start().ok());
    client_ = std::make_unique<httptest::NotionClient>(server_->BaseUrl(), kToken);
  }
  bool Verified(std::size_t index = 0) {
    for (int i = 0; i < 1000; ++i) {
      const json j = client_->Admin("GET", "/__admin/webhooks").Json();
      if (j["subscriptions"].size() > index && j["subscriptions"][index]["verified"] == true) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  std::string CreatePage() {
    const std::string ds = fake_->data_sources().front().ToString();
    const httptest::HttpReply r = client_->Post(
        "/v1/pages",
        json{{"parent", {{"data_source_id", ds}}},
             {"properties", {{"Name", {{"title", {{{"text", {{"content", "x"}}}}}}}}}}});
    EXPECT_EQ(r.status, 200) << r.body;
    return r.Json().value("id", "");
  }

  SteadyClock clock_;
  std::unique_ptr<FakeNotion> fake_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<httptest::NotionClient> client_;
};

TEST_F(WebhooksHttpTest, VerificationThenSignedEventsThatVerify) {
  Receiver receiver;
  WebhookConfig hooks;
  hooks.subscriptions.push_back({receiver.Url(), kHookToken, {"page.created"}});
  Start(hooks);
  auto got = receiver.WaitFor(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].body, R"({"verification_token":"secret_hook_key"})");
  EXPECT_EQ(got[0].signature, "");
  ASSERT_TRUE(Verified());
  const std::string page = CreatePage();
  got = receiver.WaitFor(2);
  ASSERT_EQ(got.size(), 2u);
  const json event = json::parse(got[1].body);
  EXPECT_EQ(event["type"], "page.created");
  EXPECT_EQ(event["entity"]["id"], page);
  EXPECT_EQ(got[1].signature, WebhookHub::Signature(got[1].body, kHookToken));
  // The receiver records a request before it answers, and serve counts it after the answer.
  json list;
  for (int i = 0; i < 1000; ++i) {
    list = client_->Admin("GET", "/__admin/webhooks").Json();
    if (list["subscriptions"][0]["delivered"] == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(list["subscriptions"][0]["delivered"], 1);
  EXPECT_EQ(list["stats"]["events"], 1);
}

TEST_F(WebhooksHttpTest, PlantedBadSignatureDoesNotVerify) {
  Receiver receiver;
  WebhookConfig hooks;
  hooks.subscriptions.push_back({receiver.Url(), kHookToken, {"page.created"}});
  DeliveryFaultRule bad;
  bad.trigger = DeliveryFaultRule::Trigger::kFirstN;
  bad.n = 1;
  bad.action = DeliveryFault::kBadSignature;
  hooks.faults.push_back(bad);
  Start(hooks);
  ASSERT_TRUE(Verified());
  CreatePage();
  CreatePage();
  auto got = receiver.WaitFor(3);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[1].signature.size(), 7u + 64u);  // well-formed: sha256= and 64 hex digits
  EXPECT_NE(got[1].signature, WebhookHub::Signature(got[1].body, kHookToken));
  EXPECT_EQ(got[2].signature, WebhookHub::Signature(got[2].body, kHookToken));
}

TEST_F(WebhooksHttpTest, AFailedDeliveryIsRetriedWithTheNextAttemptNumber) {
  Receiver receiver(/*fail_first=*/1);
  WebhookConfig hooks;
  hooks.subscriptions.push_back({receiver.Url(), kHookToken, {"page.created"}});
  hooks.initial_backoff_us = Ms(50);
  Start(hooks);
  ASSERT_TRUE(Verified());
  const std::string page = CreatePage();
  auto got = receiver.WaitFor(3);
  ASSERT_EQ(got.size(), 3u);
  const json first = json::parse(got[1].body);
  const json second = json::parse(got[2].body);
  EXPECT_EQ(first["attempt_number"], 1);
  EXPECT_EQ(second["attempt_number"], 2);
  EXPECT_EQ(first["id"], second["id"]);  // the same event
  EXPECT_EQ(got[2].signature, WebhookHub::Signature(got[2].body, kHookToken));
  const json list = client_->Admin("GET", "/__admin/webhooks").Json();
  EXPECT_EQ(list["stats"]["failed_attempts"], 1);
  EXPECT_EQ(list["stats"]["retries"], 1);
}

TEST_F(WebhooksHttpTest, AdminSubscribesAndRefusesBadSubscriptions) {
  Receiver receiver;
  Start(WebhookConfig{});
  httptest::HttpReply r =
      client_->Admin("POST", "/__admin/webhooks",
                     json{{"url", receiver.Url()}, {"event_types", {"page.created"}}}.dump());
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string token = r.Json()["verification_token"];
  EXPECT_EQ(token.rfind("secret_", 0), 0u);
  auto got = receiver.WaitFor(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(json::parse(got[0].body)["verification_token"], token);
  ASSERT_TRUE(Verified());
  CreatePage();
  got = receiver.WaitFor(2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].signature, WebhookHub::Signature(got[1].body, token));

  r = client_->Admin("POST", "/__admin/webhooks", R"({"url": "ftp://x"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["code"], "validation_error");
  EXPECT_NE(r.Json()["message"].get<std::string>().find("/url"), std::string::npos);
  r = client_->Admin("POST", "/__admin/webhooks",
                     R"({"url": "http://x", "event_types": ["nope"]})");
  EXPECT_EQ(r.status, 400);
  r = client_->Admin("POST", "/__admin/webhooks", "{not json");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["code"], "invalid_json");
  r = client_->Admin("DELETE", "/__admin/webhooks");
  EXPECT_EQ(r.status, 405);
}

}  // namespace
}  // namespace notion_sim::sim
