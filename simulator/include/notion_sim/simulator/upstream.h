// The second upstream: a small generic JSON completion API the scenarios can call next to Notion
// (an "enrich" workflow: read a page, ask the upstream, write the answer back), with its own
// latency, its own rate limit, its own health and the same fault plan (rules that match
// operation "upstream_complete" or path "/upstream/*"). Served by FakeNotion through both doors.
//
//   POST /upstream/v1/complete   {"prompt": "...", "max_tokens": 64}
//   200 {"id": "cmpl-…", "object": "completion", "model": "sim-1",
//        "choices": [{"index": 0, "text": "…", "finish_reason": "stop"}],
//        "usage": {"prompt_tokens": N, "completion_tokens": M}}
//   errors {"error": {"type": "rate_limit_error" | "overloaded_error" | "api_error" |
//                     "invalid_request_error" | "authentication_error", "message": "…"}}
//
//   "upstream": {"latency": {"dist": "lognormal", "median_ms": 400, "sigma": 0.5},
//                "requests_per_minute": 600, "api_keys": ["k1"], "model": "sim-1",
//                "max_prompt_chars": 20000}
// Thread-safe as a value.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "notion_sim/engine/json_reader.h"
#include "notion_sim/engine/status.h"
#include "notion_sim/simulator/network.h"

namespace notion_sim::sim {

struct UpstreamConfig {
  bool enabled = true;
  LatencyDist latency = LatencyDist::Fixed(Ms(300));  // server time per completion
  std::int64_t requests_per_minute = 0;  // one fixed 60 s window for all callers; 0 = unlimited
  std::vector<std::string> api_keys;     // empty: no authentication
  std::string model = "sim-1";
  std::uint32_t max_prompt_chars = 20'000;
};

// Parses the "upstream" object shown above. Unknown fields are errors.
Result<UpstreamConfig> ParseUpstream(engine::ObjectReader& reader);

}  // namespace notion_sim::sim
