// CurlTransport over real sockets on 127.0.0.1: a scripted cpp-httplib server (or a raw socket
// server for hangs, stalls and resets) per test, stopped at the end. Every request has a timeout
// of at most 2 s and every test sends few requests; time assertions are lower bounds only.
#include "notion_sim/engine/curl_transport.h"
#include "notion_sim/engine/retry_after.h"
#include "notion_sim/engine/rng.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "test_servers.h"

namespace notion_sim::engine {
namespace {

using nlohmann::json;
using testing::RawServer;
using testing::ScriptedServer;

constexpr TimeUs kRequestTimeoutUs = Sec(2);

const ObjectId kPage = *ObjectId::Parse("11111111-2222-4333-8444-555555555555");
const ObjectId kSource = *ObjectId::Parse("aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee");

void NotionError(httplib::Response& res, int status, const std::string& code) {
  res.status = status;
  res.set_header("x-notion-request-id", "req-1");
  res.set_content(
      json{{"object", "error"}, {"status", status}, {"code", code}, {"message", "scripted"}}.dump(),
      "application/json");
}

// One loop, one transport, one trace; the server is made by each test.
class CurlTransportTest : public ::testing::Test {
 protected:
  void Connect(const std::string& base_url, CurlTransportOptions options = {}) {
    options.base_url = base_url;
    options.token_provider = [](std::uint16_t tenant) {
      return "secret-token-" + std::to_string(tenant);
    };
    options.trace = &trace_;
    auto made = CurlTransport::Create(loop_, std::move(options));
    ASSERT_TRUE(made.ok()) << made.error().message;
    transport_ = std::move(made).value();
  }
  ScriptedServer& Serve(ScriptedServer::Script script) {
    server_ = std::make_unique<ScriptedServer>(std::move(script));
    return *server_;
  }
  RawServer& Raw(RawServer::Behavior behavior) {
    raw_ = std::make_unique<RawServer>(behavior);
    return *raw_;
  }
  static Request Get(ObjectId target = kPage, TimeUs timeout_us = kRequestTimeoutUs) {
    Request r;
    r.op_id = 1;
    r.operation = Operation::kRetrievePage;
    r.method = Method::kGet;
    r.target = target;
    r.timeout_us = timeout_us;
    return r;
  }
  // Sends one request and runs the loop until it completes (bounded by the request timeout).
  Response SendOne(const Request& request) {
    std::optional<Response> got;
    transport_->Send(request, [&](Response r) { got = std::move(r); });
    loop_.RunUntilIdle(loop_.NowUs() + Sec(10));
    EXPECT_TRUE(got.has_value()) << "no completion";
    EXPECT_TRUE(loop_.status().ok());
    return got.value_or(Response{});
  }

  // Declared first, destroyed last: the loop's connection cache closes its keep-alive
  // connections before the servers stop.
  std::unique_ptr<ScriptedServer> server_;
  std::unique_ptr<RawServer> raw_;
  LiveLoop loop_;
  Trace trace_;
  std::unique_ptr<CurlTransport> transport_;
};

TEST_F(CurlTransportTest, ManyConcurrentRequestsOnOneThreadReuseConnections) {
  ScriptedServer& server = Serve([](const httplib::Request& req, httplib::Response& res) {
    const std::string id = req.path.substr(std::string("/v1/pages/").size());
    res.set_content(json{{"object", "page"}, {"id", id}}.dump(), "application/json");
  });
  ASSERT_TRUE(server.running());
  Connect(server.url());
  constexpr int kTotal = 200;
  constexpr int kInFlight = 20;
  Rng rng(42);
  std::vector<ObjectId> targets;
  for (int i = 0; i < kTotal; ++i) targets.push_back(ObjectId::Random(rng));
  int sent = 0;
  int ok = 0;
  int matched = 0;
  std::size_t max_in_flight = 0;
  std::function<void()> send_next = [&] {
    const int i = sent++;
    Request r = Get(targets[static_cast<std::size_t>(i)]);
    r.op_id = static_cast<std::uint64_t>(i) + 1;
    transport_->Send(r, [&, i](const Response& resp) {
      ok += resp.ok() ? 1 : 0;
      matched += resp.object_id == targets[static_cast<std::size_t>(i)] ? 1 : 0;
      if (sent < kTotal) send_next();
    });
    max_in_flight = std::max(max_in_flight, transport_->InFlight());
  };
  for (int i = 0; i < kInFlight; ++i) send_next();
  loop_.RunUntilIdle(loop_.NowUs() + Sec(30));
  EXPECT_TRUE(loop_.status().ok());
  EXPECT_EQ(sent, kTotal);
  EXPECT_EQ(ok, kTotal);
  EXPECT_EQ(matched, kTotal);
  EXPECT_EQ(max_in_flight, static_cast<std::size_t>(kInFlight));
  EXPECT_EQ(loop_.TransfersCompleted(), static_cast<std::uint64_t>(kTotal));
  EXPECT_EQ(server.received().size(), static_cast<std::size_t>(kTotal));
  // At most one connection per request in flight; without reuse there would be 200.
  EXPECT_LE(server.connections(), static_cast<std::size_t>(kInFlight));
  EXPECT_GE(server.connections(), 1u);
  EXPECT_LE(transport_->PooledHandles(), static_cast<std::size_t>(kInFlight));
}

TEST_F(CurlTransportTest, SendsTheSdkHeadersAndOurs) {
  ScriptedServer& server = Serve([](const httplib::Request&, httplib::Response& res) {
    res.set_content(json{{"object", "page"}, {"id", kPage.ToString()}}.dump(), "application/json");
  });
  Connect(server.url());
  Request create;
  create.op_id = 77;
  create.attempt = 3;
  create.tenant = 2;
  create.operation = Operation::kCreatePage;
  create.method = Method::kPost;
  create.parent = kSource;
  create.timeout_us = kRequestTimeoutUs;
  create.payload = std::make_shared<const json>(json{{"properties", json::object()}});
  EXPECT_TRUE(SendOne(create).ok());
  SendOne(Get());
  const std::vector<testing::Received> got = server.received();
  ASSERT_EQ(got.size(), 2u);
  const testing::Received& post = got[0];
  EXPECT_EQ(post.method, "POST");
  EXPECT_EQ(post.path, "/v1/pages");
  EXPECT_EQ(post.Header("Authorization"), "Bearer secret-token-2");
  EXPECT_EQ(post.Header("Notion-Version"), "2025-09-03");
  EXPECT_EQ(post.Header("User-Agent"), "notion-sim/0.1");
  EXPECT_EQ(post.Header("Content-Type"), "application/json");
  EXPECT_EQ(post.Header("x-notion-sim-op-id"), "77");
  EXPECT_EQ(post.Header("x-notion-sim-attempt"), "3");
  EXPECT_FALSE(post.HasHeader("Expect"));
  EXPECT_EQ(json::parse(post.body), (json{{"parent", {{"data_source_id", kSource.ToString()}}},
                                          {"properties", json::object()}}));
  const testing::Received& get = got[1];
  EXPECT_EQ(get.method, "GET");
  EXPECT_EQ(get.path, "/v1/pages/" + kPage.ToString());
  EXPECT_EQ(get.Header("Authorization"), "Bearer secret-token-0");
  EXPECT_FALSE(get.HasHeader("Content-Type"));
  EXPECT_EQ(get.body, "");
}

TEST_F(CurlTransportTest, PostWithoutBodyHasNoContentType) {
  ScriptedServer& server = Serve([](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"object":"list","results":[],"has_more":false})", "application/json");
  });
  Connect(server.url());
  Request search;
  search.operation = Operation::kSearch;
  search.method = Method::kPost;
  search.timeout_us = kRequestTimeoutUs;
  EXPECT_TRUE(SendOne(search).ok());
  const auto got = server.received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].path, "/v1/search");
  EXPECT_FALSE(got[0].HasHeader("Content-Type"));
  EXPECT_EQ(got[0].body, "");
}

TEST_F(CurlTransportTest, PatchAndDeleteUseTheirMethods) {
  ScriptedServer& server = Serve([](const httplib::Request&, httplib::Response& res) {
    res.set_content(json{{"object", "block"}, {"id", kPage.ToString()}}.dump(), "application/json");
  });
  Connect(server.url());
  Request update;
  update.operation = Operation::kUpdateBlock;
  update.method = Method::kPatch;
  update.target = kPage;
  update.timeout_us = kRequestTimeoutUs;
  update.payload = std::make_shared<const json>(json{{"in_trash", false}});
  EXPECT_EQ(SendOne(update).object_id, kPage);
  Request del = update;
  del.operation = Operation::kDeleteBlock;
  del.method = Method::kDelete;
  EXPECT_TRUE(SendOne(del).ok());
  const auto got = server.received();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].method, "PATCH");
  EXPECT_EQ(got[0].body, R"({"in_trash":false})");
  EXPECT_EQ(got[1].method, "DELETE");
  EXPECT_EQ(got[1].path, "/v1/blocks/" + kPage.ToString());
  EXPECT_EQ(got[1].body, "");
}

TEST_F(CurlTransportTest, ListPagingAndReconcileLookup) {
  ScriptedServer& server = Serve([](const httplib::Request& req, httplib::Response& res) {
    if (req.method == "GET") {
      res.set_content(
          R"({"object":"list","results":[{"id":"a"},{"id":"b"}],"has_more":true,"next_cursor":"c2"})",
          "application/json");
    } else {
      res.set_content(
          json{{"object", "list"},
               {"results", json::array({{{"object", "page"}, {"id", kPage.ToString()}}})},
               {"has_more", false}}
              .dump(),
          "application/json");
    }
  });
  Connect(server.url());
  Request list;
  list.operation = Operation::kListBlockChildren;
  list.method = Method::kGet;
  list.target = kPage;
  list.timeout_us = kRequestTimeoutUs;
  list.payload = std::make_shared<const json>(json{{"page_size", 2}, {"start_cursor", "c1"}});
  const Response page = SendOne(list);
  EXPECT_EQ(page.result_count, 2u);
  EXPECT_TRUE(page.has_more);
  EXPECT_EQ(page.next_cursor, 1u);  // the handle of "c2"
  // The next page names the handle; the server gets the string back.
  Request next = list;
  next.payload = nullptr;
  next.start_cursor = page.next_cursor;
  next.page_size = 2;
  EXPECT_EQ(SendOne(next).next_cursor, 2u);
  Request lookup;
  lookup.operation = Operation::kCreatePage;
  lookup.method = Method::kPost;
  lookup.parent = kSource;
  lookup.reconcile_lookup = true;
  lookup.timeout_us = kRequestTimeoutUs;
  std::array<std::uint8_t, 32> key{};
  key.fill(0x0f);
  lookup.idempotency_key = key;
  const Response found = SendOne(lookup);
  EXPECT_TRUE(found.found);
  EXPECT_EQ(found.object_id, kPage);
  const auto got = server.received();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].path, "/v1/blocks/" + kPage.ToString() + "/children");
  EXPECT_EQ(got[0].params.find("page_size")->second, "2");
  EXPECT_EQ(got[0].params.find("start_cursor")->second, "c1");
  EXPECT_EQ(got[1].params.find("start_cursor")->second, "c2");
  EXPECT_EQ(got[1].params.find("page_size")->second, "2");
  EXPECT_EQ(got[2].method, "POST");
  EXPECT_EQ(got[2].path, "/v1/data_sources/" + kSource.ToString() + "/query");
  std::string hex;
  for (int i = 0; i < 32; ++i) hex += "0f";
  EXPECT_EQ(json::parse(got[2].body),
            (json{{"filter", {{"property", "idempotency_key"}, {"rich_text", {{"equals", hex}}}}},
                  {"page_size", 1}}));
}

TEST_F(CurlTransportTest, RateLimitedWithRetryAfterSecondsEmitsTheGivenEvent) {
  ScriptedServer& server = Serve([](const httplib::Request&, httplib::Response& res) {
    NotionError(res, 429, "rate_limited");
    res.set_header("Retry-After", "2");
  });
  Connect(server.url());
  trace_.Record(100);
  Request r = Get();
  r.op_id = 9;
  r.attempt = 2;
  r.tenant = 4;
  const Response resp = SendOne(r);
  EXPECT_EQ(resp.status, 429);
  EXPECT_EQ(resp.code, ApiCode::kRateLimited);
  EXPECT_TRUE(resp.code_known_to_sdk);
  EXPECT_EQ(resp.retry_after, "2");
  EXPECT_GE(resp.received_us, resp.sent_us);
  ASSERT_EQ(trace_.CountOf(EventKind::kRetryAfterGiven), 1u);
  const Event& e = trace_.recorded().at(0);
  EXPECT_EQ(e.kind, EventKind::kRetryAfterGiven);
  EXPECT_EQ(e.at_us, resp.received_us);
  EXPECT_EQ(e.a, resp.received_us + Sec(2));
  EXPECT_EQ(e.b, 0);
  EXPECT_EQ(e.op_id, 9u);
  EXPECT_EQ(e.attempt, 2u);
  EXPECT_EQ(e.key, 4u);
}

TEST_F(CurlTransportTest, RetryAfterAsAnHttpDateMapsOntoTheLoopClock) {
  // 100 s ahead: the mapped delay is at most 100 s by construction and at least 90 s unless
  // answering took ten seconds.
  const std::int64_t wall_s = std::chrono::duration_cast<std::chrono::seconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
  const std::string date = FormatHttpDate(wall_s + 100);
  ScriptedServer& server = Serve([date](const httplib::Request&, httplib::Response& res) {
    NotionError(res, 429, "rate_limited");
    res.set_header("Retry-After", date);
  });
  Connect(server.url());
  trace_.Record(100);
  const Response resp = SendOne(Get());
  EXPECT_EQ(resp.retry_after, date);
  ASSERT_EQ(trace_.CountOf(EventKind::kRetryAfterGiven), 1u);
  const Event& e = trace_.recorded().at(0);
  EXPECT_EQ(e.b, 1);
  EXPECT_LE(e.a - resp.received_us, Sec(100));
  EXPECT_GT(e.a - resp.received_us, Sec(90));
}

TEST_F(CurlTransportTest, UnparsableRetryAfterIsKeptButGivesNoEvent) {
  ScriptedServer& server = Serve([](const httplib::Request&, httplib::Response& res) {
    NotionError(res, 503, "service_unavailable");
    res.set_header("Retry-After", "soon");
  });
  Connect(server.url());
  const Response resp = SendOne(Get());
  EXPECT_EQ(resp.code, ApiCode::kServiceUnavailable);
  EXPECT_EQ(resp.retry_after, "soon");
  EXPECT_EQ(trace_.CountOf(EventKind::kRetryAfterGiven), 0u);
}

TEST_F(CurlTransportTest, ServerErrorWithNotionBodyGivesTheCode) {
  ScriptedServer& server = Serve([](const httplib::Request& req, httplib::Response& res) {
    NotionError(res, req.path.find("/v1/pages/") == 0 ? 500 : 502,
                req.path.find("/v1/pages/") == 0 ? "internal_server_error" : "bad_gateway");
  });
  Connect(server.url());
  const Response r500 = SendOne(Get());
  EXPECT_EQ(r500.status, 500);
  EXPECT_EQ(r500.code, ApiCode::kInternalServerError);
  EXPECT_TRUE(r500.code_known_to_sdk);
  EXPECT_FALSE(r500.edge_error);
  EXPECT_FALSE(r500.injected);
  ASSERT_NE(r500.body, nullptr);
  EXPECT_EQ((*r500.body)["message"], "scripted");
  Request block = Get();
  block.operation = Operation::kRetrieveBlock;
  const Response r502 = SendOne(block);
  EXPECT_EQ(r502.code, ApiCode::kBadGateway);
  EXPECT_FALSE(r502.code_known_to_sdk);
}

TEST_F(CurlTransportTest, HtmlFromTheEdgeWithCfRayIsAnEdgeError) {
  ScriptedServer& server = Serve([](const httplib::Request&, httplib::Response& res) {
    res.status = 502;
    res.set_header("cf-ray", "8f1e2d3c4b5a6978-FRA");
    res.set_header("x-notion-sim-injected", "1");  // the fake's fault plan made it
    res.set_content("<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html");
  });
  Connect(server.url());
  const Response r = SendOne(Get());
  EXPECT_EQ(r.outcome, TransportOutcome::kResponse);
  EXPECT_EQ(r.status, 502);
  EXPECT_TRUE(r.edge_error);
  EXPECT_FALSE(r.code_known_to_sdk);
  EXPECT_EQ(r.code, ApiCode::kNone);
  EXPECT_TRUE(r.injected);
}

TEST_F(CurlTransportTest, TwoHundredWithoutJsonIsMalformed) {
  ScriptedServer& server = Serve([](const httplib::Request&, httplib::Response& res) {
    res.set_content("<html>fine</html>", "text/html");
  });
  Connect(server.url());
  const Response r = SendOne(Get());
  EXPECT_EQ(r.outcome, TransportOutcome::kMalformed);
  EXPECT_EQ(r.status, 200);
}

TEST_F(CurlTransportTest, ABodyOverTheLimitIsMalformed) {
  ScriptedServer& server = Serve([](const httplib::Request&, httplib::Response& res) {
    res.set_content(json{{"id", std::string(4096, 'x')}}.dump(), "application/json");
  });
  CurlTransportOptions options;
  options.max_response_bytes = 1024;
  Connect(server.url(), options);
  EXPECT_EQ(SendOne(Get()).outcome, TransportOutcome::kMalformed);
}

TEST_F(CurlTransportTest, AServerThatNeverAnswersTimesOutAtTheRequestTimeout) {
  RawServer& server = Raw(RawServer::Behavior::kHang);
  ASSERT_TRUE(server.ok());
  Connect(server.url());
  const Response r = SendOne(Get(kPage, Ms(300)));
  EXPECT_EQ(r.outcome, TransportOutcome::kTimeout);
  EXPECT_GE(r.received_us - r.sent_us, Ms(300));
  EXPECT_EQ(server.accepted(), 1);
}

TEST_F(CurlTransportTest, HeadersThenAStalledBodyTimesOut) {
  RawServer& server = Raw(RawServer::Behavior::kStallBody);
  ASSERT_TRUE(server.ok());
  Connect(server.url());
  const Response r = SendOne(Get(kPage, Ms(300)));
  EXPECT_EQ(r.outcome, TransportOutcome::kTimeout);
  EXPECT_GE(r.received_us - r.sent_us, Ms(300));
}

// Issue 14: the SDK's timeout covers only the headers; the body read has none
// (docs/sources.md#the-official-sdk: still waiting after 6 s with timeoutMs 1000). With
// timeout_covers_body false a stalled body is not a timeout: the attempt is still waiting 1.5 s
// past its 1 s timeout (the old transport ended it at 1 s). The server sends the head at once; only
// a head slower than 1 s could end the attempt, as it should.
TEST_F(CurlTransportTest, TheSdkTimeoutEndsWithTheHeadersAStalledBodyIsWaitedFor) {
  RawServer& server = Raw(RawServer::Behavior::kStallBody);
  ASSERT_TRUE(server.ok());
  Connect(server.url());
  Request sdk = Get(kPage, Sec(1));
  sdk.timeout_covers_body = false;
  std::optional<Response> got;
  transport_->Send(sdk, [&](Response r) { got = std::move(r); });
  loop_.RunUntil(loop_.NowUs() + Ms(2500));
  EXPECT_FALSE(got.has_value()) << "ended as " << TransportOutcomeName(got->outcome);
  EXPECT_EQ(transport_->InFlight(), 1u);
  EXPECT_EQ(server.requests(), 1);
  transport_.reset();  // aborts the transfer: its completion never runs
  EXPECT_FALSE(got.has_value());
}

TEST_F(CurlTransportTest, AResetConnectionIsConnectionReset) {
  RawServer& server = Raw(RawServer::Behavior::kReset);
  ASSERT_TRUE(server.ok());
  Connect(server.url());
  EXPECT_EQ(SendOne(Get()).outcome, TransportOutcome::kConnectionReset);
}

TEST_F(CurlTransportTest, AResetOnAReusedConnectionIsReportedNotResent) {
  // libcurl on its own silently re-sends a request whose reused connection died before any
  // response byte, POSTs included: the server would see two creates for one attempt and the
  // stack nothing. The transport must report the reset and leave the retry to the stack.
  RawServer& server = Raw(RawServer::Behavior::kAnswerThenReset);
  ASSERT_TRUE(server.ok());
  Connect(server.url());
  EXPECT_TRUE(SendOne(Get()).ok());
  EXPECT_EQ(SendOne(Get()).outcome, TransportOutcome::kConnectionReset);
  Request create;
  create.operation = Operation::kCreatePage;
  create.method = Method::kPost;
  create.parent = kSource;
  create.timeout_us = kRequestTimeoutUs;
  EXPECT_TRUE(SendOne(create).ok());
  EXPECT_EQ(SendOne(create).outcome, TransportOutcome::kConnectionReset);
  // Four attempts, four requests. (libcurl opens the fresh connection before asking whether to
  // send, so the server also sees connections that close without a request.)
  EXPECT_EQ(server.requests(), 4);
}

TEST_F(CurlTransportTest, AClosedPortIsConnectionRefused) {
  Connect("http://127.0.0.1:" + std::to_string(testing::RefusedPort()));
  EXPECT_EQ(SendOne(Get()).outcome, TransportOutcome::kConnectionRefused);
}

TEST_F(CurlTransportTest, TlsToAPlainHttpServerIsATlsFailure) {
  ScriptedServer& server = Serve([](const httplib::Request&, httplib::Response& res) {
    res.set_content("{}", "application/json");
  });
  Connect("https://127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(SendOne(Get()).outcome, TransportOutcome::kTlsFailure);
}

TEST_F(CurlTransportTest, AnUnknownHostIsADnsFailure) {
  // RFC 6761 reserves .invalid: no name under it resolves. The resolver here may still ask the
  // network; if it does not answer in time we cannot tell a DNS failure, so we skip.
  Connect("http://notion-sim-test.invalid");
  const Response r = SendOne(Get(kPage, Sec(2)));
  if (r.outcome == TransportOutcome::kTimeout) {
    GTEST_SKIP() << "the resolver did not answer for a .invalid name within 2 s (it goes to the "
                    "network here); DNS failure mapping not checked";
  }
  EXPECT_EQ(r.outcome, TransportOutcome::kDnsFailure);
}

TEST_F(CurlTransportTest, DestroyingTheTransportDropsInFlightCompletions) {
  RawServer& server = Raw(RawServer::Behavior::kHang);
  Connect(server.url());
  int completions = 0;
  transport_->Send(Get(), [&](const Response&) { ++completions; });
  transport_->Send(Get(), [&](const Response&) { ++completions; });
  EXPECT_EQ(loop_.TransfersInFlight(), 2u);
  loop_.RunUntil(loop_.NowUs() + Ms(50));  // let them connect
  transport_.reset();
  EXPECT_EQ(loop_.TransfersInFlight(), 0u);
  EXPECT_EQ(loop_.Pending(), 0u);
  loop_.RunUntilIdle(loop_.NowUs() + Sec(1));
  EXPECT_EQ(completions, 0);
}

TEST(CurlTransportBound, TransfersPastTheBoundStopTheLoop) {
  RawServer server(RawServer::Behavior::kHang);
  LiveLoop::Options loop_options;
  loop_options.max_transfers = 2;
  LiveLoop loop(loop_options);
  CurlTransportOptions options;
  options.base_url = server.url();
  options.token_provider = [](std::uint16_t) { return std::string("t"); };
  auto transport = CurlTransport::Create(loop, options);
  ASSERT_TRUE(transport.ok());
  Request r;
  r.operation = Operation::kUsersMe;
  r.timeout_us = Ms(200);
  int completions = 0;
  for (int i = 0; i < 3; ++i) (*transport)->Send(r, [&](const Response&) { ++completions; });
  ASSERT_FALSE(loop.status().ok());
  EXPECT_EQ(loop.status().error().code, ErrorCode::kLimitExceeded);
  EXPECT_NE(loop.status().error().message.find("more than 2 transfers"), std::string::npos)
      << loop.status().error().message;
  EXPECT_EQ((*transport)->InFlight(), 2u);
  loop.RunUntilIdle(loop.NowUs() + Sec(1));  // a stopped loop returns at once
  EXPECT_EQ(completions, 0);
}

}  // namespace
}  // namespace notion_sim::engine
