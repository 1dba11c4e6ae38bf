#include "notion_sim/simulator/fake_notion.h"

#include <memory>
#include <utility>

namespace notion_sim::sim {

using engine::ApiCode;
using engine::Operation;
using engine::Request;
using engine::Response;

FakeNotion::FakeNotion(const engine::Clock& clock, engine::Rng rng, engine::Trace* trace)
    : clock_(clock), rng_(rng), trace_(trace) {}

Response FakeNotion::Handle(const Request& request) {
  Response response;
  response.status = 200;
  const TimeUs now = clock_.NowUs();
  switch (request.operation) {
    case Operation::kCreatePage: {
      Page page{engine::ObjectId::Random(rng_), request.parent, now, request.op_id};
      response.object_id = page.id;
      pages_.emplace(page.id, page);
      ledger_.push_back(engine::LedgerEntry{now, request.op_id, 0, request.operation, page.id,
                                            request.tenant, false});
      if (trace_ != nullptr) {
        trace_->Emit(engine::EventKind::kServerWrite, now, request.op_id, request.attempt,
                     request.tenant, static_cast<std::int64_t>(request.operation),
                     static_cast<std::int64_t>(page.id.lo));
      }
      break;
    }
    case Operation::kRetrievePage: {
      if (pages_.find(request.target) == pages_.end()) {
        response.status = 404;
        response.code = ApiCode::kObjectNotFound;
      } else {
        response.object_id = request.target;
      }
      break;
    }
    default:
      response.status = 400;
      response.code = ApiCode::kInvalidRequest;
      break;
  }
  return response;
}

void InProcessTransport::Send(const Request& request, engine::Completion done) {
  const TimeUs sent = loop_.NowUs();
  loop_.ScheduleAfter(network_.request_latency_us,
                      [this, request, sent, done = std::move(done)]() mutable {
                        Response response = fake_.Handle(request);
                        response.sent_us = sent;
                        loop_.ScheduleAfter(network_.response_latency_us,
                                            [this, response = std::move(response),
                                             done = std::move(done)]() mutable {
                                              response.received_us = loop_.NowUs();
                                              done(std::move(response));
                                            });
                      });
}

}  // namespace notion_sim::sim
