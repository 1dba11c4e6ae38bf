// Responses for the policies' tests: an HTTP answer, or a transport failure with no answer.
#pragma once

#include <string>
#include <utility>

#include "notion_sim/engine/transport.h"

namespace notion_sim::policies {

inline engine::Response Http(int status, engine::ApiCode code = engine::ApiCode::kNone,
                             std::string retry_after = "") {
  engine::Response r;
  r.status = status;
  r.code = code;
  r.retry_after = std::move(retry_after);
  return r;
}

inline engine::Response NoAnswer(engine::TransportOutcome outcome) {
  engine::Response r;
  r.outcome = outcome;
  return r;
}

}  // namespace notion_sim::policies
