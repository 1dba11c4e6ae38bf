#include "notion_sim/policies/pass_through.h"

#include <utility>

namespace notion_sim::policies {

engine::Request MakeRequest(const engine::LogicalOp& op, std::uint32_t attempt) {
  engine::Request r;
  r.op_id = op.op_id;
  r.attempt = attempt;
  r.operation = op.operation;
  r.method = engine::MethodOf(op.operation);
  r.tenant = op.tenant;
  r.target = op.target;
  r.parent = op.parent;
  r.payload = op.payload;
  r.start_cursor = op.start_cursor;
  r.page_size = op.page_size;
  return r;
}

void PassThroughClient::Execute(const engine::LogicalOp& op, engine::OpCompletion done) {
  const engine::Request request = MakeRequest(op, 1);
  trace_.Emit(engine::EventKind::kAttemptSent, loop_.NowUs(), op.op_id, 1, op.tenant,
              static_cast<std::int64_t>(op.operation), 0);
  transport_.Send(request, [this, id = op.op_id, tenant = op.tenant,
                            done = std::move(done)](engine::Response response) {
    const std::int64_t status = response.outcome == engine::TransportOutcome::kResponse
                                    ? response.status
                                    : -static_cast<std::int64_t>(response.outcome);
    trace_.Emit(engine::EventKind::kAttemptDone, loop_.NowUs(), id, 1, tenant, status,
                static_cast<std::int64_t>(response.code));
    engine::OpResult result;
    result.status = response.ok() ? engine::OpStatus::kSucceeded : engine::OpStatus::kFailed;
    result.attempts = 1;
    result.last = std::move(response);
    done(std::move(result));
  });
}

}  // namespace notion_sim::policies
