// Profiles: named stacks, so users can model what they run in production and compare it with
// what we recommend. Each returns a complete StackConfig that scenario overrides then adjust.
//
//   pass_through                  no policies, one attempt (the baseline)
//   notionhq-client-v5            @notionhq/client v5.26.0 exactly (docs/profiles.md): SDK rules
//                                 by body code, 2 retries, 1000 / 60000 ms band, SDK Retry-After
//                                 parsing with its quirks, 60 s timeout, nothing else
//   opossum                       opossum 10's breaker defaults (docs/profiles.md),
//                                 its 10 s timeout, no retries
//   resilience4j                  r4j CircuitBreaker defaults (count window 100, >= 50 %,
//                                 minimum 100 calls, 10 half-open calls, slow calls 100 % / 60 s,
//                                 60 s open) and Retry defaults (3 attempts, 500 ms, any failure),
//                                 decorated Retry(CircuitBreaker(...)) as r4j documents
//   notion-reliability-patterns   the patterns pack (docs/sources.md): opossum 30 s / 50 % / 30 s /
//   volume 10,
//                                 lanes 10 / 5 / 2, timeouts 5 / 30 / 120 / 300 s, fallback cache,
//                                 DLQ of 5 attempts, degraded above 100 DLQ entries
//   fixed-delay                   the AI-API tutorial's wrapper: 3 attempts, fixed 5 s, no jitter
//   recommended                   ours (see profiles.cc for the reasons)
// Thread-safe: pure functions.
#pragma once

#include <string_view>
#include <vector>

#include "notion_sim/engine/status.h"
#include "notion_sim/policies/stack_config.h"

namespace notion_sim::policies {

// The profile names, in the order above.
const std::vector<std::string_view>& ProfileNames();
// The profile's stack; kNotFound (listing the names) for an unknown name.
Result<StackConfig> ProfileConfig(std::string_view name);

}  // namespace notion_sim::policies
