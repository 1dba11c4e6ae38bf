#include "notion_sim/engine/runner.h"

#include <deque>

#include <gtest/gtest.h>

#include "list_workload.h"
#include "notion_sim/engine/sim_loop.h"

namespace notion_sim::engine {
namespace {

// Finishes each op after `latency`; op 3 fails; op 4 never finishes; op 5 finishes twice.
class ScriptedClient : public Client {
 public:
  explicit ScriptedClient(Loop& loop) : loop_(loop) {}
  void Execute(const LogicalOp& op, OpCompletion done) override {
    started.push_back(loop_.NowUs());
    if (op.op_id == 4) return;
    loop_.ScheduleAfter(Ms(100), [op, done] {
      OpResult r;
      r.attempts = 1;
      r.status = op.op_id == 3 ? OpStatus::kFailed : OpStatus::kSucceeded;
      done(r);
      if (op.op_id == 5) done(r);
    });
  }
  std::vector<TimeUs> started;

 private:
  Loop& loop_;
};

LogicalOp Op(std::uint64_t id, TimeUs at) {
  LogicalOp op;
  op.op_id = id;
  op.arrival_us = at;
  return op;
}

TEST(Runner, CountsEveryEndingOnceAndReportsTheRest) {
  SimLoop loop;
  Trace trace;
  ListWorkload workload(
      {Op(1, Sec(1)), Op(2, Sec(2)), Op(3, Sec(3)), Op(4, Sec(4)), Op(5, Sec(5)), Op(6, Sec(100))});
  ScriptedClient client(loop);
  Runner runner(loop, trace, workload, client);
  const RunSummary s = runner.Run(RunOptions{.duration_us = Sec(60), .drain_limit_us = Sec(10)});
  EXPECT_EQ(client.started, (std::vector<TimeUs>{Sec(1), Sec(2), Sec(3), Sec(4), Sec(5)}));
  EXPECT_EQ(s.ops_started, 5u);  // op 6 arrives after the duration
  EXPECT_EQ(s.ops_succeeded, 3u);
  EXPECT_EQ(s.ops_failed, 1u);
  EXPECT_EQ(s.ops_unfinished, 1u);
  EXPECT_EQ(s.ops_double_finished, 1u);
  EXPECT_EQ(s.last_finish_us, Sec(5) + Ms(100));
  EXPECT_EQ(s.virtual_time_us, Sec(60));
  EXPECT_EQ(trace.CountOf(EventKind::kOpStarted), 5u);
  EXPECT_EQ(trace.CountOf(EventKind::kOpFinished), 4u);
  EXPECT_EQ(s.digest, trace.DigestHex());
}

}  // namespace
}  // namespace notion_sim::engine
