// Per-call cost of the live path: LiveLoop + CurlTransport against raw libcurl easy calls, both
// talking to the same in-process cpp-httplib server on 127.0.0.1 over a kept-alive connection.
// The difference between BM_RawCurlEasy and BM_LiveTransportSequential is our overhead per call
// (rendering, headers, parsing, the loop); BM_LiveTransportConcurrent shows what 20 requests in
// flight on one thread buy.
#include <benchmark/benchmark.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <curl/curl.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "notion_sim/engine/curl_transport.h"

namespace notion_sim::engine {
namespace {

const ObjectId kPage = *ObjectId::Parse("11111111-2222-4333-8444-555555555555");
const std::string kPageJson =
    R"({"object":"page","id":"11111111-2222-4333-8444-555555555555","properties":{}})";

// One server for the whole binary.
class BenchServer {
 public:
  BenchServer() {
    server_.new_task_queue = [] { return new httplib::ThreadPool(32); };
    server_.set_keep_alive_max_count(10'000'000);
    server_.set_keep_alive_timeout(5);
    server_.set_tcp_nodelay(true);
    server_.Get(".*", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(kPageJson, "application/json");
    });
    // httplib listens with a backlog of 5: more simultaneous connects overflow it and the
    // kernel drops the SYNs, which the client retries only after a second. Catch the
    // listening socket and listen again with room for every connection we open.
    server_.set_socket_options([this](int fd) {
      int one = 1;
      ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      listen_fd_ = fd;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (listen_fd_ >= 0) ::listen(listen_fd_, 256);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 400 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  ~BenchServer() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  httplib::Server server_;
  int port_ = -1;
  int listen_fd_ = -1;
  std::thread thread_;
};

BenchServer* g_server = nullptr;

std::size_t Append(char* data, std::size_t size, std::size_t count, void* body) {
  static_cast<std::string*>(body)->append(data, size * count);
  return size * count;
}

void BM_RawCurlEasy(benchmark::State& state) {
  CURL* easy = curl_easy_init();
  const std::string url = g_server->url() + "/v1/pages/" + kPage.ToString();
  std::string body;
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Authorization: Bearer bench-token");
  headers = curl_slist_append(headers, "Notion-Version: 2025-09-03");
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Append);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &body);
  std::int64_t failures = 0;
  for (auto _ : state) {
    long status = 0;
    body.clear();
    if (curl_easy_perform(easy) != CURLE_OK) ++failures;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200) ++failures;
  }
  state.counters["failures"] = static_cast<double>(failures);
  curl_slist_free_all(headers);
  curl_easy_cleanup(easy);
}
BENCHMARK(BM_RawCurlEasy)->UseRealTime();

struct LiveSetup {
  LiveSetup() {
    CurlTransportOptions options;
    options.base_url = g_server->url();
    options.token_provider = [](std::uint16_t) { return std::string("bench-token"); };
    transport = std::move(CurlTransport::Create(loop, options)).value();
    request.operation = Operation::kRetrievePage;
    request.method = Method::kGet;
    request.target = kPage;
    request.timeout_us = Sec(5);
  }
  LiveLoop loop;
  std::unique_ptr<CurlTransport> transport;
  Request request;
};

void BM_LiveTransportSequential(benchmark::State& state) {
  LiveSetup live;
  std::int64_t failures = 0;
  for (auto _ : state) {
    bool ok = false;
    live.transport->Send(live.request, [&](Response r) { ok = r.ok() && r.object_id == kPage; });
    live.loop.RunUntilIdle(live.loop.NowUs() + Sec(10));
    if (!ok) ++failures;
  }
  state.counters["failures"] = static_cast<double>(failures);
}
BENCHMARK(BM_LiveTransportSequential)->UseRealTime();

// Calls per iteration: 200, with 20 in flight.
void BM_LiveTransportConcurrent(benchmark::State& state) {
  constexpr int kCalls = 200;
  constexpr int kInFlight = 20;
  LiveSetup live;
  std::int64_t failures = 0;
  for (auto _ : state) {
    int sent = 0;
    std::function<void()> send_next = [&] {
      ++sent;
      live.transport->Send(live.request, [&](Response r) {
        if (!r.ok()) ++failures;
        if (sent < kCalls) send_next();
      });
    };
    for (int i = 0; i < kInFlight; ++i) send_next();
    live.loop.RunUntilIdle(live.loop.NowUs() + Sec(30));
  }
  state.SetItemsProcessed(state.iterations() * kCalls);
  state.counters["failures"] = static_cast<double>(failures);
  state.counters["us_per_call"] =
      benchmark::Counter(static_cast<double>(state.iterations() * kCalls),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_LiveTransportConcurrent)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace notion_sim::engine

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  {
    notion_sim::engine::BenchServer server;
    notion_sim::engine::g_server = &server;
    benchmark::RunSpecifiedBenchmarks();
    notion_sim::engine::g_server = nullptr;
  }
  benchmark::Shutdown();
  return 0;
}
