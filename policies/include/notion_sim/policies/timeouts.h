// Timeouts: the connect / request / upload / long-poll hierarchy (the patterns pack's 5 / 30 /
// 120 / 300 s, docs/sources.md) mapped per operation onto engine::Request::connect_timeout_us and
// timeout_us, and clipped to what is left of the deadline over all attempts. A timeout is enforced
// by the transport (it answers TransportOutcome::kTimeout); this unit only decides the numbers.
// Thread-safe: pure functions over a config value.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "notion_sim/engine/protocol.h"
#include "notion_sim/engine/transport.h"

namespace notion_sim::policies {

enum class TimeoutKind : std::uint8_t { kRequest, kUpload, kLongPoll };
std::string_view TimeoutKindName(TimeoutKind kind);  // "request", "upload", "long_poll"
std::optional<TimeoutKind> ParseTimeoutKind(std::string_view name);

struct TimeoutConfig {
  bool enabled = false;
  TimeUs connect_us = Sec(5);  // 0 = none (the SDK has no connect timeout)
  TimeUs request_us = Sec(30);
  TimeUs upload_us = Sec(120);
  TimeUs long_poll_us = Sec(300);
  // Whether the attempt's timeout runs until the whole body has arrived (ours: a stalled body
  // cannot hold an attempt forever) or only until the headers have, as the official SDK's does
  // (docs/sources.md#the-official-sdk). Under a deadline the body is always covered: the deadline
  // is a bound.
  bool covers_body = true;
  // Which timeout each operation gets. Appending blocks carries the big payloads (up to 1000
  // blocks / 500 KB); the second upstream (an AI completion) is the slow, long-poll-like call.
  std::array<TimeoutKind, engine::kOperationCount> kind_of = DefaultKinds();

  static constexpr std::array<TimeoutKind, engine::kOperationCount> DefaultKinds() {
    std::array<TimeoutKind, engine::kOperationCount> kinds{};
    kinds.fill(TimeoutKind::kRequest);
    kinds[static_cast<std::size_t>(engine::Operation::kAppendBlocks)] = TimeoutKind::kUpload;
    kinds[static_cast<std::size_t>(engine::Operation::kUpstreamComplete)] = TimeoutKind::kLongPoll;
    return kinds;
  }
};

struct AttemptTimeouts {
  TimeUs connect_us = 0;  // 0 = none
  TimeUs timeout_us = 0;  // 0 = none
  TimeoutKind kind = TimeoutKind::kRequest;
  bool covers_body = true;  // engine::Request::timeout_covers_body
};

// The timeouts of an attempt of `op` sent at `now_us`, given the overall deadline instant
// `deadline_at_us` (kTimeNever = none). The attempt never outlives the deadline.
AttemptTimeouts TimeoutsFor(const TimeoutConfig& config, engine::Operation op, TimeUs now_us,
                            TimeUs deadline_at_us);
// Writes them into the request.
void ApplyTimeouts(const AttemptTimeouts& timeouts, engine::Request& request);

}  // namespace notion_sim::policies
