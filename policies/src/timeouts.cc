#include "notion_sim/policies/timeouts.h"

#include <algorithm>

namespace notion_sim::policies {

std::string_view TimeoutKindName(TimeoutKind kind) {
  switch (kind) {
    case TimeoutKind::kRequest:
      return "request";
    case TimeoutKind::kUpload:
      return "upload";
    case TimeoutKind::kLongPoll:
      return "long_poll";
  }
  return "?";
}

std::optional<TimeoutKind> ParseTimeoutKind(std::string_view name) {
  for (TimeoutKind k : {TimeoutKind::kRequest, TimeoutKind::kUpload, TimeoutKind::kLongPoll}) {
    if (TimeoutKindName(k) == name) return k;
  }
  return std::nullopt;
}

AttemptTimeouts TimeoutsFor(const TimeoutConfig& config, engine::Operation op, TimeUs now_us,
                            TimeUs deadline_at_us) {
  AttemptTimeouts t;
  t.kind = config.kind_of[static_cast<std::size_t>(op)];
  if (config.enabled) {
    t.connect_us = config.connect_us;
    switch (t.kind) {
      case TimeoutKind::kRequest:
        t.timeout_us = config.request_us;
        break;
      case TimeoutKind::kUpload:
        t.timeout_us = config.upload_us;
        break;
      case TimeoutKind::kLongPoll:
        t.timeout_us = config.long_poll_us;
        break;
    }
  }
  t.covers_body = config.covers_body;
  if (deadline_at_us != kTimeNever) {
    t.covers_body = true;
    const TimeUs left_us = std::max<TimeUs>(deadline_at_us - now_us, 1);
    t.timeout_us = t.timeout_us > 0 ? std::min(t.timeout_us, left_us) : left_us;
    if (t.connect_us > 0) t.connect_us = std::min(t.connect_us, left_us);
  }
  return t;
}

void ApplyTimeouts(const AttemptTimeouts& timeouts, engine::Request& request) {
  request.connect_timeout_us = timeouts.connect_us;
  request.timeout_us = timeouts.timeout_us;
  request.timeout_covers_body = timeouts.covers_body;
}

}  // namespace notion_sim::policies
