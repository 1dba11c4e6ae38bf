// StackConfig: the whole resilience stack as one value — which policies are on, their settings
// and the order they wrap a call — plus its JSON form and the factory that builds it.
//
// A stack is named by a profile (profiles.h) and adjusted by overrides, as a scenario writes it:
//
//   "stack": {"profile": "recommended",
//             "retry": {"max_attempts": 5, "backoff": "full_jitter"},
//             "breaker": {"error_threshold_percentage": 25},
//             "limiter": {"kind": "fixed_window", "limit": 600}}
//
// A stack can also be given in the peers' own words, pasted from code (src/peer_options.h):
//
//   "stack": {"notionhq_client": {"timeoutMs": 30000, "retry": {"maxRetries": 3}},
//             "opossum": {"timeout": 60000, "errorThresholdPercentage": 50},
//             "p_queue": {"concurrency": 4, "intervalCap": 3, "interval": 1000},
//             "resilience4j": {"retry": {"instances": {"notion": {"maxAttempts": 3}}}}}
//
// applied after the profile and before the overrides below; options that cannot be modelled are
// errors naming the option and what is missing.
//
// Overrides use the config structs' field names; durations are written in milliseconds with the
// unit in the key (`initial_delay_ms` for BackoffConfig::initial_delay_us), as the anchors give
// them. The breaker, DLQ, fallback, health and alert sections are read by their own parsers
// (circuit_breaker.h, dead_letter.h, ...). Unknown fields are errors naming file:line:col and the
// JSON pointer. Thread-safe: values and pure functions.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "notion_sim/engine/json_reader.h"
#include "notion_sim/engine/loop.h"
#include "notion_sim/engine/rng.h"
#include "notion_sim/engine/status.h"
#include "notion_sim/engine/trace.h"
#include "notion_sim/engine/transport.h"
#include "notion_sim/policies/bulkhead.h"
#include "notion_sim/policies/circuit_breaker.h"
#include "notion_sim/policies/dead_letter.h"
#include "notion_sim/policies/error_budget.h"
#include "notion_sim/policies/fallback_cache.h"
#include "notion_sim/policies/health.h"
#include "notion_sim/policies/rate_limiter.h"
#include "notion_sim/policies/retry.h"
#include "notion_sim/policies/retry_budget.h"
#include "notion_sim/policies/timeouts.h"

namespace notion_sim::policies {

// The gates a call passes on its way out. Gates listed before kRetry are passed once per logical
// operation (held until it ends); gates after kRetry are passed by every attempt (and every
// reconcile lookup). The timeout is always the innermost layer.
enum class Stage : std::uint8_t { kBulkhead, kLimiter, kBreaker, kRetry };
std::string_view StageName(Stage stage);  // "bulkhead", "limiter", "breaker", "retry"
std::optional<Stage> ParseStage(std::string_view name);

// Reconcile-before-retry for creates (Notion has no idempotency keys, docs/sources.md).
enum class Reconcile : std::uint8_t {
  kOff,                // a create whose response was lost is not retried (or, in SDK mode, is
                       // retried blindly if the SDK rules say so)
  kLookupBeforeRetry,  // look for the page the create may have made before creating again
};

// What the breaker counts as a failure.
enum class BreakerFailures : std::uint8_t {
  kAnyError,       // every error, as opossum (errorFilter false) and r4j (all recorded) do
  kServiceErrors,  // only the service's trouble (5xx, timeouts, resets, edge); 4xx are answers
                   // and 429/529 are ignored (the limiter handles them)
};

// A failed write whose fate is unknown (the response was lost or was a 5xx) and that has no
// idempotency protection.
enum class AmbiguousWrites : std::uint8_t {
  kSurface,     // fail it, surfaced: a replay could apply it twice (ours)
  kDeadLetter,  // park it in the DLQ like any failed write (the patterns pack does)
};

// Where a Retry-After applies.
enum class RetryAfterScope : std::uint8_t {
  kOperation,  // only the operation that received it waits (the SDK)
  kTenant,     // the whole connection pauses (Notion's limit is per connection token)
};

struct StackConfig {
  std::string profile = "pass_through";
  std::vector<Stage> order = {Stage::kBulkhead, Stage::kLimiter, Stage::kBreaker, Stage::kRetry};

  RetryConfig retry = [] {
    RetryConfig r;
    r.max_attempts = 1;
    return r;
  }();
  RetryAfterScope retry_after_scope = RetryAfterScope::kOperation;
  RetryBudgetConfig budget;
  RateLimiterConfig limiter;
  BulkheadConfig bulkhead;
  TimeoutConfig timeouts;

  bool breaker_enabled = false;
  BreakerConfig breaker;
  BreakerScope breaker_scope = BreakerScope::kGlobal;
  BreakerFailures breaker_failures = BreakerFailures::kAnyError;

  Reconcile reconcile = Reconcile::kOff;
  std::uint32_t max_reconcile_lookups = 3;  // per operation
  // PATCH updates of pages and blocks set values: repeating one changes nothing more, so they
  // may be retried after a lost response (the sync principles of docs/sources.md: "upserts and PUTs
  // are safe").
  bool updates_idempotent = false;

  bool fallback_enabled = false;
  FallbackConfig fallback;
  bool dlq_enabled = false;
  DlqConfig dlq;
  AmbiguousWrites ambiguous_writes = AmbiguousWrites::kSurface;

  // Read and validated here; the runner attaches the health and alert sinks to the trace.
  HealthConfig health;
  AlertConfig alerts;

  // TEST ONLY: "planted_bug" names a deliberate defect that the explore property tests must catch
  // ("half_open_admits_all" sets BreakerConfig::planted_half_open_admits_all, "limiter_leaks"
  // sets RateLimiterConfig::planted_leak); "" = none. Never set it in a real scenario.
  std::string planted_bug;
};

// Checks a config built in code; the message names the first bad field.
Status ValidateStackConfig(const StackConfig& config);

// Reads {"profile": NAME, ...overrides}. The profile defaults to "pass_through".
Result<StackConfig> ParseStackConfig(engine::ObjectReader& stack);
// The same from JSON text (`name` appears in error messages).
Result<StackConfig> ParseStackConfigText(const std::string& text, const std::string& name);

// Builds the stack. `rng` is the stack's own fork (jitter); the loop, trace and transport must
// outlive the client. `dlq_store` (may be null: in memory) keeps the DLQ, e.g. in SQLite for a
// live run; it must outlive the client too.
std::unique_ptr<engine::Client> BuildStack(const StackConfig& config, engine::Loop& loop,
                                           engine::Trace& trace, engine::Transport& transport,
                                           engine::Rng rng, DeadLetterStore* dlq_store = nullptr);

}  // namespace notion_sim::policies
