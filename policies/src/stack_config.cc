#include "notion_sim/policies/stack_config.h"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "notion_sim/policies/pass_through.h"
#include "notion_sim/policies/pipeline.h"
#include "notion_sim/policies/profiles.h"
#include "peer_options.h"

namespace notion_sim::policies {
namespace {

using engine::ObjectReader;

constexpr std::int64_t kMaxMs = 30LL * 24 * 3600 * 1000;  // 30 days

Status Bad(const std::string& field, const std::string& what) {
  return InvalidInput("stack config: " + field + ": " + what);
}

// Reads `key` in milliseconds into a microsecond field, leaving it alone when absent (so defaults
// that are not whole milliseconds survive).
void ReadMs(ObjectReader& r, const std::string& key, TimeUs& field, std::int64_t min_ms = 0) {
  if (!r.Has(key)) return;
  field = Ms(r.Int(key, field / kUsPerMs, min_ms, kMaxMs));
}

template <typename E, typename NameFn>
E ReadEnum(ObjectReader& r, const std::string& key, E current, std::initializer_list<E> values,
           NameFn name) {
  std::vector<std::string> choices;
  for (E v : values) choices.emplace_back(name(v));
  const std::string chosen = r.Enum(key, choices, std::string(name(current)));
  for (E v : values) {
    if (name(v) == chosen) return v;
  }
  return current;
}

std::string_view ScopeName(RetryAfterScope s) {
  return s == RetryAfterScope::kTenant ? "tenant" : "operation";
}
std::string_view LimiterScopeName(LimiterScope s) {
  return s == LimiterScope::kPerTenant ? "per_tenant" : "global";
}
std::string_view BreakerScopeName(BreakerScope s) {
  return s == BreakerScope::kPerTenant ? "per_tenant" : "global";
}
std::string_view FailuresName(BreakerFailures f) {
  return f == BreakerFailures::kServiceErrors ? "service_errors" : "any_error";
}
std::string_view ReconcileName(Reconcile r) {
  return r == Reconcile::kLookupBeforeRetry ? "lookup_before_retry" : "off";
}
std::string_view AmbiguousName(AmbiguousWrites a) {
  return a == AmbiguousWrites::kDeadLetter ? "dead_letter" : "surface";
}

void ReadRetry(ObjectReader& r, StackConfig& c) {
  RetryConfig& rc = c.retry;
  rc.max_attempts = static_cast<std::uint32_t>(r.Int("max_attempts", rc.max_attempts, 1, 100));
  rc.rules = ReadEnum(r, "rules", rc.rules,
                      {RetryRules::kSdk, RetryRules::kClassified, RetryRules::kAnyFailure},
                      RetryRulesName);
  rc.backoff.kind =
      ReadEnum(r, "backoff", rc.backoff.kind,
               {BackoffKind::kSdkBand, BackoffKind::kFullJitter, BackoffKind::kEqualJitter,
                BackoffKind::kDecorrelatedJitter, BackoffKind::kExponential, BackoffKind::kFixed},
               BackoffKindName);
  ReadMs(r, "initial_delay_ms", rc.backoff.initial_delay_us);
  ReadMs(r, "max_delay_ms", rc.backoff.max_delay_us);
  rc.backoff.multiplier = r.Number("multiplier", rc.backoff.multiplier, 1.0, 100.0);
  rc.retry_after = ReadEnum(
      r, "retry_after", rc.retry_after,
      {RetryAfterMode::kIgnore, RetryAfterMode::kSdk, RetryAfterMode::kStrict}, RetryAfterModeName);
  ReadMs(r, "max_retry_after_ms", rc.max_retry_after_us);
  ReadMs(r, "retry_after_jitter_ms", rc.retry_after_jitter_us);
  c.retry_after_scope =
      ReadEnum(r, "retry_after_scope", c.retry_after_scope,
               {RetryAfterScope::kOperation, RetryAfterScope::kTenant}, ScopeName);
  ReadMs(r, "deadline_ms", rc.deadline_us);
  rc.retry_conflicts = r.Bool("retry_conflicts", rc.retry_conflicts);
  rc.retry_not_found = r.Bool("retry_not_found", rc.retry_not_found);
  r.Finish();
}

void ReadBudget(ObjectReader& r, RetryBudgetConfig& b) {
  const BudgetKind kind = ReadEnum(r, "kind", b.kind,
                                   {BudgetKind::kNone, BudgetKind::kGrpc, BudgetKind::kAwsStandard,
                                    BudgetKind::kAwsStandard2026, BudgetKind::kEnvoy},
                                   BudgetKindName);
  if (kind != b.kind) b = DefaultBudgetConfig(kind);  // another kind brings its own costs
  b.max_tokens = r.Number("max_tokens", b.max_tokens, 0.001, 1000);
  b.token_ratio = r.Number("token_ratio", b.token_ratio, 0.001, 1000);
  b.quota = r.Int("quota", b.quota, 1, 1'000'000);
  b.retry_cost = r.Int("retry_cost", b.retry_cost, 0, 1'000'000);
  b.timeout_retry_cost = r.Int("timeout_retry_cost", b.timeout_retry_cost, 0, 1'000'000);
  b.throttling_retry_cost = r.Int("throttling_retry_cost", b.throttling_retry_cost, 0, 1'000'000);
  b.no_retry_increment = r.Int("no_retry_increment", b.no_retry_increment, 0, 1'000'000);
  b.budget_percent = r.Number("budget_percent", b.budget_percent, 0, 100);
  b.min_retry_concurrency = static_cast<std::uint32_t>(
      r.Int("min_retry_concurrency", b.min_retry_concurrency, 0, 1'000'000));
  r.Finish();
}

void ReadLimiter(ObjectReader& r, RateLimiterConfig& l) {
  l.kind = ReadEnum(r, "kind", l.kind,
                    {LimiterKind::kNone, LimiterKind::kTokenBucket, LimiterKind::kFixedWindow,
                     LimiterKind::kSlidingWindow},
                    LimiterKindName);
  l.scope = ReadEnum(r, "scope", l.scope, {LimiterScope::kGlobal, LimiterScope::kPerTenant},
                     LimiterScopeName);
  l.rate_per_s = r.Number("rate_per_s", l.rate_per_s, 0, 1e6);
  l.burst = r.Number("burst", l.burst, 1, 1e6);
  l.limit = r.Int("limit", l.limit, 1, 100'000);
  ReadMs(r, "window_ms", l.window_us, 1);
  ReadMs(r, "max_wait_ms", l.max_wait_us);
  l.adapt =
      ReadEnum(r, "adapt", l.adapt,
               {LimiterAdapt::kNone, LimiterAdapt::kAimd, LimiterAdapt::kCubic}, LimiterAdaptName);
  l.aimd_decrease = r.Number("aimd_decrease", l.aimd_decrease, 0.01, 0.99);
  l.aimd_increase_per_s = r.Number("aimd_increase_per_s", l.aimd_increase_per_s, 0, 1e6);
  ReadMs(r, "aimd_cooldown_ms", l.aimd_cooldown_us);
  l.min_rate_per_s = r.Number("min_rate_per_s", l.min_rate_per_s, 0.001, 1e6);
  l.cubic_beta = r.Number("cubic_beta", l.cubic_beta, 0.01, 0.99);
  l.cubic_scale = r.Number("cubic_scale", l.cubic_scale, 0.001, 1e6);
  l.measure_smoothing = r.Number("measure_smoothing", l.measure_smoothing, 0.01, 1);
  ReadMs(r, "measure_bucket_ms", l.measure_bucket_us, 1);
  r.Finish();
}

void ReadBulkhead(ObjectReader& r, BulkheadConfig& b) {
  b.enabled = r.Bool("enabled", true);
  static constexpr std::array<const char*, 3> kLanes = {"critical", "normal", "bulk"};
  for (std::size_t i = 0; i < kLanes.size(); ++i) {
    if (std::optional<ObjectReader> lane = r.OptionalObject(kLanes[i])) {
      b.lanes[i].max_concurrent = static_cast<std::uint32_t>(
          lane->Int("max_concurrent", b.lanes[i].max_concurrent, 1, 1'000'000));
      b.lanes[i].max_queued =
          static_cast<std::uint32_t>(lane->Int("max_queued", b.lanes[i].max_queued, 0, 1'000'000));
      lane->Finish();
    }
  }
  r.Finish();
}

void ReadTimeouts(ObjectReader& r, TimeoutConfig& t) {
  t.enabled = r.Bool("enabled", true);
  ReadMs(r, "connect_ms", t.connect_us);
  ReadMs(r, "request_ms", t.request_us);
  ReadMs(r, "upload_ms", t.upload_us);
  ReadMs(r, "long_poll_ms", t.long_poll_us);
  t.covers_body = r.Bool("covers_body", t.covers_body);
  if (std::optional<ObjectReader> per_op = r.OptionalObject("per_operation")) {
    for (int i = 0; i < engine::kOperationCount; ++i) {
      const auto op = static_cast<engine::Operation>(i);
      const std::string name(engine::OperationName(op));
      if (!per_op->Has(name)) continue;
      t.kind_of[static_cast<std::size_t>(i)] = ReadEnum(
          *per_op, name, t.kind_of[static_cast<std::size_t>(i)],
          {TimeoutKind::kRequest, TimeoutKind::kUpload, TimeoutKind::kLongPoll}, TimeoutKindName);
    }
    per_op->Finish();
  }
  r.Finish();
}

void ReadIdempotency(ObjectReader& r, StackConfig& c) {
  c.reconcile = ReadEnum(r, "reconcile", c.reconcile,
                         {Reconcile::kOff, Reconcile::kLookupBeforeRetry}, ReconcileName);
  c.max_reconcile_lookups =
      static_cast<std::uint32_t>(r.Int("max_reconcile_lookups", c.max_reconcile_lookups, 1, 100));
  c.updates_idempotent = r.Bool("updates_idempotent", c.updates_idempotent);
  r.Finish();
}

// Runs one of P2's section parsers and keeps its error in the reader's error slot.
template <typename T, typename Parse>
void ReadSection(ObjectReader& r, T& field, Parse parse) {
  Result<T> parsed = parse(r, field);
  if (parsed.ok()) field = std::move(parsed).value();
}

}  // namespace

std::string_view StageName(Stage stage) {
  switch (stage) {
    case Stage::kBulkhead:
      return "bulkhead";
    case Stage::kLimiter:
      return "limiter";
    case Stage::kBreaker:
      return "breaker";
    case Stage::kRetry:
      return "retry";
  }
  return "?";
}

std::optional<Stage> ParseStage(std::string_view name) {
  for (Stage s : {Stage::kBulkhead, Stage::kLimiter, Stage::kBreaker, Stage::kRetry}) {
    if (StageName(s) == name) return s;
  }
  return std::nullopt;
}

Status ValidateStackConfig(const StackConfig& c) {
  std::array<int, 4> seen{};
  for (Stage s : c.order) ++seen[static_cast<std::size_t>(s)];
  if (c.order.size() != 4 || std::any_of(seen.begin(), seen.end(), [](int n) { return n != 1; })) {
    return Bad("order", "must list bulkhead, limiter, breaker and retry once each");
  }
  const RetryConfig& r = c.retry;
  if (r.max_attempts < 1 || r.max_attempts > 100)
    return Bad("retry.max_attempts", "not in [1, 100]");
  if (r.backoff.initial_delay_us < 0 || r.backoff.max_delay_us < 0) {
    return Bad("retry.backoff", "delays must be >= 0");
  }
  if (!(r.backoff.multiplier >= 1.0 && r.backoff.multiplier <= 100.0)) {
    return Bad("retry.multiplier", "not in [1, 100]");
  }
  if (r.max_retry_after_us < 0 || r.retry_after_jitter_us < 0 || r.deadline_us < 0) {
    return Bad("retry", "durations must be >= 0");
  }
  const RetryBudgetConfig& b = c.budget;
  if (b.kind == BudgetKind::kGrpc &&
      !(b.max_tokens > 0 && b.max_tokens <= 1000 && b.token_ratio > 0)) {
    return Bad("budget", "gRPC needs max_tokens in (0, 1000] and token_ratio > 0");
  }
  if ((b.kind == BudgetKind::kAwsStandard || b.kind == BudgetKind::kAwsStandard2026) &&
      (b.quota < 1 || b.retry_cost < 0 || b.timeout_retry_cost < 0 || b.throttling_retry_cost < 0 ||
       b.no_retry_increment < 0)) {
    return Bad("budget", "AWS needs quota >= 1 and costs >= 0");
  }
  if (b.kind == BudgetKind::kEnvoy && !(b.budget_percent >= 0 && b.budget_percent <= 100)) {
    return Bad("budget", "Envoy needs budget_percent in [0, 100]");
  }
  const RateLimiterConfig& l = c.limiter;
  if (l.kind == LimiterKind::kTokenBucket) {
    if (!(l.burst >= 1 && l.burst <= 1e6) || !(l.rate_per_s >= 0 && l.rate_per_s <= 1e6)) {
      return Bad("limiter", "token bucket needs burst in [1, 1e6] and rate_per_s in [0, 1e6]");
    }
    if (l.rate_per_s == 0 && l.adapt != LimiterAdapt::kCubic) {
      return Bad("limiter.rate_per_s", "0 (unlimited until throttled) needs adapt \"cubic\"");
    }
  }
  if ((l.kind == LimiterKind::kFixedWindow || l.kind == LimiterKind::kSlidingWindow) &&
      (l.limit < 1 || l.limit > 100'000 || l.window_us <= 0)) {
    return Bad("limiter", "windows need limit in [1, 100000] and window > 0");
  }
  if (l.adapt != LimiterAdapt::kNone && l.kind != LimiterKind::kTokenBucket) {
    return Bad("limiter.adapt", "adaptive mode needs kind \"token_bucket\"");
  }
  if (l.max_wait_us < 0 || l.min_rate_per_s <= 0 || !(l.aimd_decrease > 0 && l.aimd_decrease < 1) ||
      !(l.cubic_beta > 0 && l.cubic_beta < 1) || l.cubic_scale <= 0 ||
      !(l.measure_smoothing > 0 && l.measure_smoothing <= 1) || l.measure_bucket_us <= 0) {
    return Bad("limiter", "adaptive constants out of range");
  }
  if (c.bulkhead.enabled) {
    for (const LaneLimits& lane : c.bulkhead.lanes) {
      if (lane.max_concurrent < 1) return Bad("bulkhead", "every lane needs max_concurrent >= 1");
    }
  }
  const TimeoutConfig& t = c.timeouts;
  if (t.connect_us < 0 || t.request_us < 0 || t.upload_us < 0 || t.long_poll_us < 0) {
    return Bad("timeouts", "must be >= 0");
  }
  if (c.breaker_enabled) {
    if (Status s = ValidateBreakerConfig(c.breaker); !s.ok()) return s;
  }
  if (c.max_reconcile_lookups < 1) return Bad("idempotency.max_reconcile_lookups", "must be >= 1");
  if (c.fallback_enabled && !(c.fallback.fresh_for_us <= c.fallback.stale_for_us &&
                              c.fallback.stale_for_us <= c.fallback.max_age_us)) {
    return Bad("fallback", "needs fresh <= stale <= max age");
  }
  if (c.dlq_enabled && (c.dlq.retry_delays_us.empty() || c.dlq.max_attempts < 1)) {
    return Bad("dlq", "needs at least one retry delay and max_attempts >= 1");
  }
  return {};
}

Result<StackConfig> ParseStackConfig(ObjectReader& stack) {
  std::vector<std::string> names;
  for (std::string_view n : ProfileNames()) names.emplace_back(n);
  const std::string profile = stack.Enum("profile", names, "pass_through");
  Result<StackConfig> base = ProfileConfig(profile);
  if (!base.ok()) return base.error();
  StackConfig c = std::move(base).value();

  if (stack.Has("order")) {
    const std::vector<std::string> order = stack.Strings("order");
    std::vector<Stage> stages;
    for (const std::string& name : order) {
      if (std::optional<Stage> s = ParseStage(name)) {
        stages.push_back(*s);
      } else {
        stack.Fail("order",
                   "unknown stage \"" + name + "\" (expected bulkhead, limiter, breaker, retry)");
      }
    }
    c.order = stages;
  }
  // The peers' own words first (opossum, @notionhq/client, p-queue, resilience4j), so the
  // stack's own sections below can adjust what they give.
  ReadPeerOptions(stack, c);
  if (std::optional<ObjectReader> r = stack.OptionalObject("retry")) ReadRetry(*r, c);
  if (std::optional<ObjectReader> r = stack.OptionalObject("budget")) ReadBudget(*r, c.budget);
  if (std::optional<ObjectReader> r = stack.OptionalObject("limiter")) ReadLimiter(*r, c.limiter);
  if (std::optional<ObjectReader> r = stack.OptionalObject("bulkhead")) {
    ReadBulkhead(*r, c.bulkhead);
  }
  if (std::optional<ObjectReader> r = stack.OptionalObject("timeouts")) {
    ReadTimeouts(*r, c.timeouts);
  }
  if (std::optional<ObjectReader> r = stack.OptionalObject("idempotency")) ReadIdempotency(*r, c);
  // The sections below end with the owner's parser, which reports unknown fields; our own keys
  // are read first so it sees them as known.
  if (std::optional<ObjectReader> r = stack.OptionalObject("breaker")) {
    c.breaker_enabled = r->Bool("enabled", true);
    c.breaker_scope = ReadEnum(*r, "scope", c.breaker_scope,
                               {BreakerScope::kGlobal, BreakerScope::kPerTenant}, BreakerScopeName);
    c.breaker_failures =
        ReadEnum(*r, "failures", c.breaker_failures,
                 {BreakerFailures::kAnyError, BreakerFailures::kServiceErrors}, FailuresName);
    ReadSection(*r, c.breaker, ParseBreakerConfig);
  }
  if (std::optional<ObjectReader> r = stack.OptionalObject("fallback")) {
    c.fallback_enabled = r->Bool("enabled", true);
    ReadSection(*r, c.fallback, ParseFallbackConfig);
  }
  if (std::optional<ObjectReader> r = stack.OptionalObject("dlq")) {
    c.dlq_enabled = r->Bool("enabled", true);
    c.ambiguous_writes =
        ReadEnum(*r, "ambiguous_writes", c.ambiguous_writes,
                 {AmbiguousWrites::kSurface, AmbiguousWrites::kDeadLetter}, AmbiguousName);
    ReadSection(*r, c.dlq, ParseDlqConfig);
  }
  if (std::optional<ObjectReader> r = stack.OptionalObject("health")) {
    ReadSection(*r, c.health, ParseHealthConfig);
  }
  if (std::optional<ObjectReader> r = stack.OptionalObject("alerts")) {
    ReadSection(*r, c.alerts, ParseAlertConfig);
  }
  if (stack.Has("planted_bug")) {  // TEST ONLY: see StackConfig::planted_bug
    c.planted_bug = stack.Enum("planted_bug", {"half_open_admits_all", "limiter_leaks"}, "");
    c.breaker.planted_half_open_admits_all = c.planted_bug == "half_open_admits_all";
    c.limiter.planted_leak = c.planted_bug == "limiter_leaks";
  }
  stack.Finish();
  if (!stack.ok()) return stack.error();
  if (Status s = ValidateStackConfig(c); !s.ok()) {
    stack.Fail("", s.error().message);
    return stack.error();
  }
  return c;
}

Result<StackConfig> ParseStackConfigText(const std::string& text, const std::string& name) {
  Result<engine::JsonDocument> doc = engine::JsonDocument::Parse(text, name);
  if (!doc.ok()) return doc.error();
  engine::JsonReader reader(*doc);
  ObjectReader root = reader.Root();
  if (!reader.ok()) return reader.error();
  return ParseStackConfig(root);
}

std::unique_ptr<engine::Client> BuildStack(const StackConfig& config, engine::Loop& loop,
                                           engine::Trace& trace, engine::Transport& transport,
                                           engine::Rng rng, DeadLetterStore* dlq_store) {
  const bool bare = config.retry.max_attempts == 1 && config.limiter.kind == LimiterKind::kNone &&
                    !config.bulkhead.enabled && !config.breaker_enabled &&
                    !config.timeouts.enabled && !config.fallback_enabled && !config.dlq_enabled &&
                    config.reconcile == Reconcile::kOff && config.retry.deadline_us == 0;
  if (bare) return std::make_unique<PassThroughClient>(loop, trace, transport);
  return std::make_unique<Pipeline>(config, loop, trace, transport, rng, dlq_store);
}

}  // namespace notion_sim::policies
