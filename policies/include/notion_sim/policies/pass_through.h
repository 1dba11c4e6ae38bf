// PassThroughClient: the stack with no policies. One attempt per operation, the response decides
// success. The baseline every other stack is compared with. Not thread-safe.
#pragma once

#include "notion_sim/engine/loop.h"
#include "notion_sim/engine/trace.h"
#include "notion_sim/engine/transport.h"

namespace notion_sim::policies {

class PassThroughClient final : public engine::Client {
 public:
  PassThroughClient(engine::Loop& loop, engine::Trace& trace, engine::Transport& transport)
      : loop_(loop), trace_(trace), transport_(transport) {}
  void Execute(const engine::LogicalOp& op, engine::OpCompletion done) override;

 private:
  engine::Loop& loop_;
  engine::Trace& trace_;
  engine::Transport& transport_;
};

// Builds the request for attempt `attempt` of `op`.
engine::Request MakeRequest(const engine::LogicalOp& op, std::uint32_t attempt);

}  // namespace notion_sim::policies
