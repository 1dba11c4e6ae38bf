#include "notion_sim/explore/properties.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "notion_sim/engine/rng.h"
#include "notion_sim/engine/trace.h"
#include "notion_sim/policies/stack_config.h"

namespace notion_sim::explore {
namespace {

std::string FirstLine(const std::string& s) { return s.substr(0, s.find('\n')); }

std::string Signature(const Failure& f) {
  const std::string key = f.kind + "|" + f.check + "|" + f.profile + "|" + f.pattern;
  return engine::HexDigest(engine::HashString(key)).substr(0, 8);
}

// The kinds of the evidence's events, each once, sorted: the shape of what happened, without the
// counts, times and order that vary from seed to seed. Kinds that any request's evidence shows
// depending only on timing (the fake receiving it, a Retry-After it carried, the op's start falling
// inside the evidence window) are left out, so one bug reached by different seeds is one failure.
std::string PatternOf(const std::vector<engine::Event>& events) {
  std::set<std::string> kinds;
  for (const engine::Event& e : events) {
    if (e.kind == engine::EventKind::kRequestReceived ||
        e.kind == engine::EventKind::kRetryAfterGiven || e.kind == engine::EventKind::kOpStarted ||
        e.kind == engine::EventKind::kPhaseChanged) {
      continue;
    }
    kinds.insert(std::string(engine::EventKindName(e.kind)));
  }
  std::string out;
  for (const std::string& k : kinds) out += (out.empty() ? "" : ",") + k;
  return out;
}

// The half-open bound the stack promises, when the trace can check it exactly: one global
// breaker that every attempt passes (ordered after retry). 0 = not checkable.
std::uint64_t HalfOpenBound(const scenarios::ScenarioSpec& spec) {
  // The second upstream (the enrich pipeline's, any workflow's upstream steps) has a stack of its
  // own; the trace tells its breaker and its attempts apart (Event::dependency), and the metric
  // counts each breaker's own dependency's attempts. Its bound is Notion's unless
  // "upstream_stack" sets another. Workflow steps' own stacks are Notion's dependency with global
  // breakers of the same key: the trace cannot tell their half-open periods apart.
  if (!spec.source.contains("stack") || spec.source.contains("upstream_stack") ||
      !spec.step_stacks.empty()) {
    return 0;
  }
  auto stack = policies::ParseStackConfigText(spec.source.at("stack").dump(), spec.name);
  if (!stack.ok() || !stack->breaker_enabled) return 0;
  if (stack->breaker_scope != policies::BreakerScope::kGlobal) return 0;
  const auto& order = stack->order;
  const auto pos = [&](policies::Stage s) { return std::find(order.begin(), order.end(), s); };
  if (pos(policies::Stage::kBreaker) < pos(policies::Stage::kRetry)) return 0;
  const policies::BreakerConfig& b = stack->breaker;
  const bool r4j =
      b.mode == policies::BreakerMode::kCountWindow || b.mode == policies::BreakerMode::kTimeWindow;
  return static_cast<std::uint64_t>(r4j ? b.permitted_number_of_calls_in_half_open_state
                                        : b.half_open_probes);
}

}  // namespace

std::string Failure::Reproduce(const std::string& file) const {
  if (SeenByRun()) return "notion-sim run " + file;
  return "notion-sim explore " + file + " --seeds 1 --no-corpus --recheck-every 1";
}

Failure MakeFailure(std::string kind, std::string check, std::string profile, std::string detail) {
  Failure f;
  f.kind = std::move(kind);
  f.check = std::move(check);
  f.profile = std::move(profile);
  f.detail = std::move(detail);
  f.signature = Signature(f);
  return f;
}

nlohmann::json FailureToJson(const Failure& f) {
  return {{"kind", f.kind},       {"check", f.check},         {"profile", f.profile},
          {"pattern", f.pattern}, {"signature", f.signature}, {"detail", f.detail}};
}

Failure FailureFromJson(const nlohmann::json& j) {
  Failure f;
  f.kind = j.value("kind", "");
  f.check = j.value("check", "");
  f.profile = j.value("profile", "");
  f.pattern = j.value("pattern", "");
  f.signature = j.value("signature", "");
  f.detail = j.value("detail", "");
  return f;
}

std::vector<Failure> CheckRun(const scenarios::ScenarioSpec& spec,
                              const scenarios::RunResult& result, const CheckOptions& options) {
  std::vector<Failure> out;
  for (const checks::InvariantResult& inv : result.checks.invariants) {
    if (inv.held()) continue;
    Failure f;
    f.kind = "safety";
    f.check = inv.name;
    f.profile = result.profile;
    if (!inv.violations.empty()) f.pattern = PatternOf(inv.violations.front().events);
    f.detail = FirstLine(inv.first_violation);
    f.signature = Signature(f);
    out.push_back(std::move(f));
  }
  if (const std::uint64_t bound = HalfOpenBound(spec);
      bound > 0 && result.checks.metrics.half_open_attempts_max > bound) {
    out.push_back(MakeFailure(
        "safety", "half_open_probes", result.profile,
        std::to_string(result.checks.metrics.half_open_attempts_max) +
            " attempts sent during one half-open period of the global breaker; its probes allow " +
            std::to_string(bound)));
  }
  for (const checks::GateResult& g : result.checks.gates) {
    if (g.passed()) continue;
    if (g.gate.metric == "recovery_s" && spec.phases.recover_within_us > 0) {
      if (options.recovery_bound || !g.measured || std::isinf(*g.measured)) {
        out.push_back(MakeFailure("liveness", "recovery", result.profile, g.text));
      }
    } else if (options.gates) {
      out.push_back(MakeFailure("gate", g.gate.metric, result.profile, g.text));
    }
  }
  if (result.checks.metrics.ops.unfinished > 0) {
    out.push_back(MakeFailure(
        "liveness", "unfinished", result.profile,
        std::to_string(result.checks.metrics.ops.unfinished) + " operation(s) never ended"));
  }
  return out;
}

std::vector<std::string> GoalsReached(const checks::MetricsReport& m) {
  bool closed_again = false;
  for (const checks::BreakerTimeline& t : m.breakers) {
    for (const checks::BreakerChange& c : t.changes) {
      if (c.from == engine::BreakerState::kHalfOpen && c.to == engine::BreakerState::kClosed) {
        closed_again = true;
      }
    }
  }
  const std::vector<std::pair<std::string, bool>> reached = {
      {"breaker_opened", m.breaker_opens > 0},
      {"breaker_half_open", m.breaker_half_opens > 0},
      {"breaker_closed_again", closed_again},
      {"retried", m.retries > 0},
      {"retry_after_honored", m.retry_after_honored > 0},
      {"retry_after_over_backoff", m.retry_after_over_backoff > 0},
      {"budget_exhausted", m.budget_exhausted > 0},
      {"limiter_delayed", m.limiter_delays > 0},
      {"timeout_fired", m.timeouts_fired > 0},
      {"reconciled", m.reconcile_lookups > 0},
      {"fallback_served", m.fallbacks_served > 0},
      {"dlq_enqueued", m.dlq_enqueued > 0},
      {"dlq_drained", m.dlq_drained > 0},
      {"recovered", m.recovery == checks::Recovery::kRecovered},
      {"faults_injected", m.faults_injected > 0},
  };
  std::vector<std::string> out;
  for (const std::string& name : scenarios::SometimesGoalNames()) {
    for (const auto& [n, yes] : reached) {
      if (n == name && yes) out.push_back(name);
    }
  }
  return out;
}

}  // namespace notion_sim::explore
