// The Runner unchanged on the live pair: LiveLoop + CurlTransport against a scripted server.
// Arrival times are checked as lower bounds only.
#include <deque>
#include <memory>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "../engine/list_workload.h"
#include "notion_sim/engine/curl_transport.h"
#include "notion_sim/engine/runner.h"
#include "test_servers.h"

namespace notion_sim::engine {
namespace {

const ObjectId kPage = *ObjectId::Parse("11111111-2222-4333-8444-555555555555");

// One attempt per operation, as a stack without policies would.
class OneAttemptClient : public Client {
 public:
  OneAttemptClient(Loop& loop, Transport& transport) : loop_(loop), transport_(transport) {}
  void Execute(const LogicalOp& op, OpCompletion done) override {
    started_at.push_back({op.arrival_us, loop_.NowUs()});
    Request r;
    r.op_id = op.op_id;
    r.operation = op.operation;
    r.method = MethodOf(op.operation);
    r.tenant = op.tenant;
    r.target = op.target;
    r.timeout_us = Sec(2);
    transport_.Send(r, [done](Response response) {
      OpResult result;
      result.attempts = 1;
      result.status = response.ok() ? OpStatus::kSucceeded : OpStatus::kFailed;
      result.last = std::move(response);
      done(std::move(result));
    });
  }
  std::vector<std::pair<TimeUs, TimeUs>> started_at;  // (arrival, started)

 private:
  Loop& loop_;
  Transport& transport_;
};

TEST(LiveRunner, RunsAWorkloadInRealTimeOverHttp) {
  testing::ScriptedServer server([](const httplib::Request& req, httplib::Response& res) {
    if (req.path == "/v1/pages/" + kPage.ToString()) {
      res.set_content(nlohmann::json{{"object", "page"}, {"id", kPage.ToString()}}.dump(),
                      "application/json");
    } else {
      res.status = 404;
      res.set_content(R"({"object":"error","status":404,"code":"object_not_found","message":"no"})",
                      "application/json");
    }
  });
  ASSERT_TRUE(server.running());
  LiveLoop loop;
  Trace trace;
  CurlTransportOptions options;
  options.base_url = server.url();
  options.token_provider = [](std::uint16_t) { return std::string("t"); };
  auto transport = CurlTransport::Create(loop, options);
  ASSERT_TRUE(transport.ok()) << transport.error().message;
  std::deque<LogicalOp> ops;
  for (std::uint64_t i = 1; i <= 20; ++i) {
    LogicalOp op;
    op.op_id = i;
    op.operation = Operation::kRetrievePage;
    op.target = i == 7 ? ObjectId{1, 2} : kPage;  // one operation fails with a 404
    op.arrival_us = Ms(10) * static_cast<TimeUs>(i);
    ops.push_back(op);
  }
  ListWorkload workload(std::move(ops));
  OneAttemptClient client(loop, **transport);
  Runner runner(loop, trace, workload, client);
  RunOptions run;
  run.duration_us = Ms(300);
  run.drain_limit_us = Sec(5);
  const RunSummary summary = runner.Run(run);
  EXPECT_TRUE(summary.status.ok());
  EXPECT_EQ(summary.ops_started, 20u);
  EXPECT_EQ(summary.ops_succeeded, 19u);
  EXPECT_EQ(summary.ops_failed, 1u);
  EXPECT_EQ(summary.ops_unfinished, 0u);
  EXPECT_EQ(summary.ops_double_finished, 0u);
  EXPECT_GE(summary.virtual_time_us, Ms(300));  // RunUntil waited for the whole duration
  EXPECT_EQ(server.received().size(), 20u);
  ASSERT_EQ(client.started_at.size(), 20u);
  for (const auto& [arrival_us, started_us] : client.started_at) {
    EXPECT_GE(started_us, arrival_us) << "an operation started before its arrival time";
  }
  EXPECT_EQ(loop.Pending(), 0u);
}

}  // namespace
}  // namespace notion_sim::engine
