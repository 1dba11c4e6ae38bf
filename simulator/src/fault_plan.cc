#include "notion_sim/simulator/fault_plan.h"

#include <array>
#include <cmath>

#include "notion_sim/simulator/redact.h"

namespace notion_sim::sim {
namespace {

constexpr std::uint64_t kBillion = 1'000'000'000;

constexpr std::array<std::string_view, static_cast<int>(FaultAction::kCount)> kActionNames = {
    "none",       "respond", "lose_after_commit", "commit_then_503", "delay", "hang",
    "stall_body", "reset",   "malformed_json",    "html_edge",
};

double PpbToProbability(std::uint64_t ppb) { return static_cast<double>(ppb) / 1e9; }

TimeUs SecondsToUs(double s) { return static_cast<TimeUs>(std::llround(s * 1e6)); }

// Notion's code for a status when a rule names none.
engine::ApiCode CodeForStatus(int status) {
  switch (status) {
    case 400:
      return engine::ApiCode::kValidationError;
    case 401:
      return engine::ApiCode::kUnauthorized;
    case 403:
      return engine::ApiCode::kRestrictedResource;
    case 404:
      return engine::ApiCode::kObjectNotFound;
    case 409:
      return engine::ApiCode::kConflictError;
    case 429:
      return engine::ApiCode::kRateLimited;
    case 502:
      return engine::ApiCode::kBadGateway;
    case 503:
      return engine::ApiCode::kServiceUnavailable;
    case 504:
      return engine::ApiCode::kGatewayTimeout;
    case 529:
      return engine::ApiCode::kServiceOverload;
    default:
      return engine::ApiCode::kInternalServerError;
  }
}

std::vector<std::string> ActionChoices() {
  std::vector<std::string> out;
  for (std::size_t i = 1; i < kActionNames.size(); ++i) out.emplace_back(kActionNames[i]);
  return out;
}

std::vector<std::string> OperationChoices() {
  std::vector<std::string> out;
  for (int i = 0; i < engine::kOperationCount; ++i) {
    out.emplace_back(engine::OperationName(static_cast<engine::Operation>(i)));
  }
  return out;
}

nlohmann::json LatencyToJson(const LatencyDist& d) {
  nlohmann::json j;
  j["dist"] = std::string(LatencyKindName(d.kind));
  switch (d.kind) {
    case LatencyKind::kFixed:
      j["ms"] = static_cast<double>(d.fixed_us) / 1000.0;
      break;
    case LatencyKind::kUniform:
      j["min_ms"] = static_cast<double>(d.min_us) / 1000.0;
      j["max_ms"] = static_cast<double>(d.max_us) / 1000.0;
      break;
    case LatencyKind::kLognormal:
      j["median_ms"] = static_cast<double>(d.median_us) / 1000.0;
      j["sigma"] = d.sigma;
      if (d.max_us > 0) j["max_ms"] = static_cast<double>(d.max_us) / 1000.0;
      break;
  }
  return j;
}

// The decision fields shared by rules and recorded decisions.
void ReadDecisionFields(engine::ObjectReader& r, FaultDecision* d) {
  const std::string action = r.Enum("action", ActionChoices(), "respond");
  d->action = ParseFaultAction(action).value_or(FaultAction::kRespond);
  d->rule_id = static_cast<std::uint64_t>(r.Int("rule_id", 0, 0));
  d->status = static_cast<int>(r.Int("status", 0, 0, 599));
  const std::string code = r.String("code", "");
  d->code = engine::ParseApiCode(code);
  if (d->code == engine::ApiCode::kOther)
    r.Fail("code", "unknown Notion error code \"" + code + "\"");
  d->message = r.String("message", "");
  const std::string form = r.Enum("retry_after_form", {"seconds", "http_date", "absent"}, "absent");
  d->retry_after_form = form == "seconds"     ? RetryAfterForm::kSeconds
                        : form == "http_date" ? RetryAfterForm::kHttpDate
                                              : RetryAfterForm::kAbsent;
  d->retry_after_s = r.Int("retry_after_s", 0, 0, 86'400 * 30);
  d->rate_limit_reason = r.String("rate_limit_reason", "");
  d->delay_us = r.Int("delay_us", 0, 0);
  d->loss = r.Enum("loss", {"timeout", "reset"}, "timeout") == "reset" ? LossMode::kReset
                                                                       : LossMode::kTimeout;
}

}  // namespace

std::string_view FaultActionName(FaultAction action) {
  const auto i = static_cast<std::size_t>(action);
  return i < kActionNames.size() ? kActionNames[i] : "?";
}

std::optional<FaultAction> ParseFaultAction(std::string_view name) {
  for (std::size_t i = 0; i < kActionNames.size(); ++i) {
    if (kActionNames[i] == name) return static_cast<FaultAction>(i);
  }
  return std::nullopt;
}

std::string_view TriggerKindName(TriggerKind kind) {
  switch (kind) {
    case TriggerKind::kAlways:
      return "always";
    case TriggerKind::kProbability:
      return "probability";
    case TriggerKind::kFirstN:
      return "first";
    case TriggerKind::kEveryNth:
      return "every";
    case TriggerKind::kBurst:
      return "burst";
    case TriggerKind::kGilbertElliott:
      return "gilbert_elliott";
  }
  return "?";
}

std::string_view RetryAfterFormName(RetryAfterForm form) {
  switch (form) {
    case RetryAfterForm::kSeconds:
      return "seconds";
    case RetryAfterForm::kHttpDate:
      return "http_date";
    case RetryAfterForm::kAbsent:
      return "absent";
  }
  return "?";
}

bool GlobMatch(std::string_view pattern, std::string_view text) {
  // Iterative matcher with one backtrack point: linear in practice, bounded by |p|*|t|.
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

Result<std::uint64_t> FaultPlan::Add(FaultRule rule) {
  const Trigger& t = rule.trigger;
  if ((t.kind == TriggerKind::kFirstN || t.kind == TriggerKind::kEveryNth) && t.n == 0) {
    return InvalidInput("fault rule: \"first\" and \"every\" need n >= 1");
  }
  if (t.kind == TriggerKind::kBurst && t.length == 0) {
    return InvalidInput("fault rule: a burst needs length >= 1");
  }
  if (rule.status < 100 || rule.status > 599) {
    return InvalidInput("fault rule: status must be in [100, 599], was " +
                        std::to_string(rule.status));
  }
  if (rule.id == 0) {
    rule.id = next_id_;
  } else {
    for (const FaultRule& r : rules_) {
      if (r.id == rule.id) {
        return InvalidInput("fault rule: id " + std::to_string(rule.id) + " is already in use");
      }
    }
  }
  next_id_ = std::max(next_id_, rule.id + 1);
  RuleState state;
  state.rng = rng_.Fork("rule/" + std::to_string(rule.id));
  const std::uint64_t id = rule.id;
  rules_.push_back(std::move(rule));
  states_.push_back(state);
  return id;
}

bool FaultPlan::Remove(std::uint64_t id) {
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    if (rules_[i].id == id) {
      rules_.erase(rules_.begin() + static_cast<std::ptrdiff_t>(i));
      states_.erase(states_.begin() + static_cast<std::ptrdiff_t>(i));
      return true;
    }
  }
  return false;
}

void FaultPlan::Clear() {
  rules_.clear();
  states_.clear();
}

void FaultPlan::Reseed(engine::Rng rng) {
  rng_ = rng;
  if (replay_) replay_->seen.clear();
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    states_[i] = RuleState{};
    states_[i].rng = rng_.Fork("rule/" + std::to_string(rules_[i].id));
  }
}

std::uint64_t FaultPlan::Fired(std::uint64_t id) const {
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    if (rules_[i].id == id) return states_[i].fired;
  }
  return 0;
}

std::uint64_t FaultPlan::Matched(std::uint64_t id) const {
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    if (rules_[i].id == id) return states_[i].matched;
  }
  return 0;
}

bool FaultPlan::Matches(const FaultRule& rule, const FaultContext& c) {
  const FaultMatch& m = rule.match;
  if (c.now_us < m.from_us || c.now_us >= m.until_us) return false;
  if (m.method && *m.method != c.method) return false;
  if (m.operation && (!c.operation || *m.operation != *c.operation)) return false;
  if (m.tenant && *m.tenant != c.tenant) return false;
  if (!m.token.empty() && m.token != c.token) return false;
  if (!m.path_glob.empty() && !GlobMatch(m.path_glob, c.path)) return false;
  return true;
}

bool FaultPlan::Fires(const FaultRule& rule, RuleState& s) {
  const Trigger& t = rule.trigger;
  switch (t.kind) {
    case TriggerKind::kAlways:
      return true;
    case TriggerKind::kProbability:
      return s.rng.Chance(t.probability_ppb, kBillion);
    case TriggerKind::kFirstN:
      return s.matched <= t.n;
    case TriggerKind::kEveryNth:
      return s.matched % t.n == 0;
    case TriggerKind::kBurst:
      if (s.burst_left > 0) {
        --s.burst_left;
        return true;
      }
      if (s.rng.Chance(t.probability_ppb, kBillion)) {
        s.burst_left = t.length - 1;
        return true;
      }
      return false;
    case TriggerKind::kGilbertElliott:
      if (s.bad) {
        if (s.rng.Chance(t.bad_to_good_ppb, kBillion)) s.bad = false;
      } else {
        if (s.rng.Chance(t.good_to_bad_ppb, kBillion)) s.bad = true;
      }
      return s.rng.Chance(s.bad ? t.fire_bad_ppb : t.fire_good_ppb, kBillion);
  }
  return false;
}

FaultDecision FaultPlan::Decide(const FaultContext& c) {
  if (replay_) {
    const auto key = replay_->key == ReplayKey::kSequence
                         ? std::make_tuple(c.seq, std::uint32_t{0}, std::uint32_t{0})
                         : std::make_tuple(c.op_id, c.attempt,
                                           replay_->seen[std::make_pair(c.op_id, c.attempt)]++);
    auto it = replay_->by_key.find(key);
    if (it == replay_->by_key.end()) return FaultDecision{};
    FaultDecision d = it->second.first;
    const TimeUs sent_us = it->second.second;
    if (sent_us >= 0 && c.now_us <= sent_us && sent_us - c.now_us <= kReplayLagUs) {
      d.delay_us += sent_us - c.now_us;  // the recorded instant of the answer
    }
    return d;
  }
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    const FaultRule& rule = rules_[i];
    if (!Matches(rule, c)) continue;
    RuleState& s = states_[i];
    if (rule.max_fires > 0 && s.fired >= rule.max_fires) continue;
    ++s.matched;
    if (!Fires(rule, s)) continue;
    ++s.fired;
    FaultDecision d;
    d.action = rule.action;
    d.rule_id = rule.id;
    d.loss = rule.loss;
    switch (rule.action) {
      case FaultAction::kCommitThen503:
        d.status = 503;
        d.code = engine::ApiCode::kServiceUnavailable;
        break;
      case FaultAction::kMalformedJson:
        d.status = rule.status >= 200 && rule.status < 300 ? rule.status : 200;
        break;
      case FaultAction::kRespond:
      case FaultAction::kHtmlEdge:
        d.status = rule.status;
        d.code = rule.code != engine::ApiCode::kNone ? rule.code : CodeForStatus(rule.status);
        break;
      default:
        break;
    }
    if (rule.action == FaultAction::kHtmlEdge) d.code = engine::ApiCode::kNone;
    d.message = rule.message;
    if (rule.action == FaultAction::kRespond) {
      d.retry_after_form = rule.retry_after_form.value_or(rule.status == 429 || rule.status == 529
                                                              ? RetryAfterForm::kSeconds
                                                              : RetryAfterForm::kAbsent);
      d.retry_after_s = d.retry_after_form == RetryAfterForm::kAbsent ? 0 : rule.retry_after_s;
      d.rate_limit_reason = rule.rate_limit_reason;
      if (d.rate_limit_reason.empty() && rule.status == 429) {
        d.rate_limit_reason = "public_api_request_rate_limit";
      }
    }
    if (rule.delay) d.delay_us = rule.delay->Sample(s.rng);
    return d;
  }
  return FaultDecision{};
}

void FaultPlan::SetReplay(std::vector<RecordedDecision> decisions, ReplayKey key) {
  Replay r;
  r.key = key;
  for (RecordedDecision& d : decisions) {
    const auto k = key == ReplayKey::kSequence
                       ? std::make_tuple(d.seq, std::uint32_t{0}, std::uint32_t{0})
                       : std::make_tuple(d.op_id, d.attempt, d.occurrence);
    r.by_key[k] = {std::move(d.decision), d.sent_us};
  }
  replay_ = std::move(r);
}

Result<FaultRule> ParseFaultRule(engine::ObjectReader& r) {
  FaultRule rule;
  rule.id = static_cast<std::uint64_t>(r.Int("id", 0, 0));
  rule.name = r.String("name", "");
  if (std::optional<engine::ObjectReader> m = r.OptionalObject("match")) {
    const std::string method = m->Enum("method", {"GET", "POST", "PATCH", "DELETE", "*"}, "*");
    if (method != "*") rule.match.method = engine::ParseMethod(method);
    rule.match.path_glob = m->String("path", "");
    if (m->Has("operation")) {
      rule.match.operation = engine::ParseOperation(m->Enum("operation", OperationChoices()));
    }
    rule.match.token = m->String("token", "");
    if (m->Has("tenant"))
      rule.match.tenant = static_cast<std::uint16_t>(m->Int("tenant", 0, 0, 65535));
    rule.match.from_us = SecondsToUs(m->Number("from_s", 0, 0, 1e9));
    if (m->Has("until_s")) rule.match.until_us = SecondsToUs(m->Number("until_s", 0, 0, 1e9));
    if (m->ok() && rule.match.until_us <= rule.match.from_us) {
      m->Fail("until_s", "expected until_s > from_s");
    }
    m->Finish();
  }
  if (std::optional<engine::ObjectReader> t = r.OptionalObject("trigger")) {
    int kinds = 0;
    for (const char* k : {"always", "probability", "first", "every", "burst", "gilbert_elliott"}) {
      kinds += t->Has(k) ? 1 : 0;
    }
    if (kinds > 1) {
      t->Fail("",
              "expected exactly one of \"always\", \"probability\", \"first\", \"every\", "
              "\"burst\", \"gilbert_elliott\"");
    }
    Trigger& tr = rule.trigger;
    if (t->Has("always")) {
      t->Bool("always", true);
      tr.kind = TriggerKind::kAlways;
    } else if (t->Has("probability")) {
      tr.kind = TriggerKind::kProbability;
      tr.probability_ppb = ProbabilityToPpb(t->Number("probability", 0, 0, 1));
    } else if (t->Has("first")) {
      tr.kind = TriggerKind::kFirstN;
      tr.n = static_cast<std::uint64_t>(t->Int("first", 1, 1));
    } else if (t->Has("every")) {
      tr.kind = TriggerKind::kEveryNth;
      tr.n = static_cast<std::uint64_t>(t->Int("every", 1, 1));
    } else if (t->Has("burst")) {
      tr.kind = TriggerKind::kBurst;
      engine::ObjectReader b = t->Object("burst");
      tr.probability_ppb = ProbabilityToPpb(b.Number("onset_probability", 0, 0, 1));
      tr.length = static_cast<std::uint64_t>(b.Int("length", 1, 1, 1'000'000'000));
      b.Finish();
    } else if (t->Has("gilbert_elliott")) {
      tr.kind = TriggerKind::kGilbertElliott;
      engine::ObjectReader g = t->Object("gilbert_elliott");
      tr.good_to_bad_ppb = ProbabilityToPpb(g.Number("p_good_to_bad", 0, 0, 1));
      tr.bad_to_good_ppb = ProbabilityToPpb(g.Number("p_bad_to_good", 0, 0, 1));
      tr.fire_good_ppb = ProbabilityToPpb(g.Number("p_fault_good", 0, 0, 1));
      tr.fire_bad_ppb = ProbabilityToPpb(g.Number("p_fault_bad", 1, 0, 1));
      g.Finish();
    } else {
      t->Fail("",
              "expected one of \"always\", \"probability\", \"first\", \"every\", \"burst\", "
              "\"gilbert_elliott\"");
    }
    t->Finish();
  }
  rule.max_fires = static_cast<std::uint64_t>(r.Int("max_fires", 0, 0));
  rule.action = ParseFaultAction(r.Enum("action", ActionChoices())).value_or(FaultAction::kRespond);
  const int default_status = rule.action == FaultAction::kHtmlEdge        ? 502
                             : rule.action == FaultAction::kMalformedJson ? 200
                                                                          : 503;
  rule.status = static_cast<int>(r.Int("status", default_status, 100, 599));
  // A scripted answer or Notion's committed 503 is an error; only a broken body rides on a 2xx.
  if ((rule.action == FaultAction::kRespond || rule.action == FaultAction::kCommitThen503) &&
      r.Has("status") && rule.status < 400) {
    r.Fail("status", "a \"" + std::string(FaultActionName(rule.action)) +
                         "\" fault answers an error: expected 400..599, got " +
                         std::to_string(rule.status));
  }
  const std::string code = r.String("code", "");
  rule.code = engine::ParseApiCode(code);
  if (rule.code == engine::ApiCode::kOther) {
    r.Fail("code", "unknown Notion error code \"" + code + "\"");
  }
  rule.message = r.String("message", "");
  if (r.Has("retry_after_form")) {
    const std::string form = r.Enum("retry_after_form", {"seconds", "http_date", "absent"});
    rule.retry_after_form = form == "seconds"     ? RetryAfterForm::kSeconds
                            : form == "http_date" ? RetryAfterForm::kHttpDate
                                                  : RetryAfterForm::kAbsent;
  }
  rule.retry_after_s = r.Int("retry_after_s", 1, 0, 86'400 * 30);
  rule.rate_limit_reason = r.String("rate_limit_reason", "");
  if (r.Has("delay_ms")) {
    if (r.Has("delay")) r.Fail("delay", "give either \"delay_ms\" or \"delay\", not both");
    rule.delay = LatencyDist::Fixed(SecondsToUs(r.Number("delay_ms", 0, 0, 86'400'000) / 1000.0));
  } else if (std::optional<engine::ObjectReader> d = r.OptionalObject("delay")) {
    rule.delay = ParseLatencyDist(*d);
  }
  if (rule.action == FaultAction::kDelay && !rule.delay && r.ok()) {
    r.Fail("action", "action \"delay\" needs \"delay_ms\" or \"delay\"");
  }
  rule.loss = r.Enum("loss", {"timeout", "reset"}, "timeout") == "reset" ? LossMode::kReset
                                                                         : LossMode::kTimeout;
  r.Finish();
  if (!r.ok()) return r.error();
  return rule;
}

Result<FaultPlan> ParseFaultPlan(engine::ObjectReader& root) {
  FaultPlan plan;
  for (engine::ObjectReader& o : root.Objects("faults")) {
    Result<FaultRule> rule = ParseFaultRule(o);
    if (!rule.ok()) return rule.error();
    Result<std::uint64_t> id = plan.Add(std::move(rule).value());
    if (!id.ok()) {
      o.Fail("", id.error().message);
      return o.error();
    }
  }
  if (!root.ok()) return root.error();
  return plan;
}

nlohmann::json FaultRuleToJson(const FaultRule& rule) {
  nlohmann::json j;
  j["id"] = rule.id;
  if (!rule.name.empty()) j["name"] = rule.name;
  nlohmann::json m = nlohmann::json::object();
  if (rule.match.method) m["method"] = std::string(engine::MethodName(*rule.match.method));
  if (!rule.match.path_glob.empty()) m["path"] = rule.match.path_glob;
  if (rule.match.operation) {
    m["operation"] = std::string(engine::OperationName(*rule.match.operation));
  }
  // The token is a secret: the list shows that one is matched, not its value.
  if (!rule.match.token.empty()) m["token"] = RedactToken(rule.match.token);
  if (rule.match.tenant) m["tenant"] = *rule.match.tenant;
  if (rule.match.from_us > 0) m["from_s"] = static_cast<double>(rule.match.from_us) / 1e6;
  if (rule.match.until_us != kTimeNever) {
    m["until_s"] = static_cast<double>(rule.match.until_us) / 1e6;
  }
  j["match"] = m;
  const Trigger& t = rule.trigger;
  nlohmann::json tj = nlohmann::json::object();
  switch (t.kind) {
    case TriggerKind::kAlways:
      tj["always"] = true;
      break;
    case TriggerKind::kProbability:
      tj["probability"] = PpbToProbability(t.probability_ppb);
      break;
    case TriggerKind::kFirstN:
      tj["first"] = t.n;
      break;
    case TriggerKind::kEveryNth:
      tj["every"] = t.n;
      break;
    case TriggerKind::kBurst:
      tj["burst"] = {{"onset_probability", PpbToProbability(t.probability_ppb)},
                     {"length", t.length}};
      break;
    case TriggerKind::kGilbertElliott:
      tj["gilbert_elliott"] = {{"p_good_to_bad", PpbToProbability(t.good_to_bad_ppb)},
                               {"p_bad_to_good", PpbToProbability(t.bad_to_good_ppb)},
                               {"p_fault_good", PpbToProbability(t.fire_good_ppb)},
                               {"p_fault_bad", PpbToProbability(t.fire_bad_ppb)}};
      break;
  }
  j["trigger"] = tj;
  if (rule.max_fires > 0) j["max_fires"] = rule.max_fires;
  j["action"] = std::string(FaultActionName(rule.action));
  j["status"] = rule.status;
  if (rule.code != engine::ApiCode::kNone) j["code"] = std::string(engine::ApiCodeName(rule.code));
  if (!rule.message.empty()) j["message"] = rule.message;
  if (rule.retry_after_form) {
    j["retry_after_form"] = std::string(RetryAfterFormName(*rule.retry_after_form));
  }
  j["retry_after_s"] = rule.retry_after_s;
  if (!rule.rate_limit_reason.empty()) j["rate_limit_reason"] = rule.rate_limit_reason;
  if (rule.delay) j["delay"] = LatencyToJson(*rule.delay);
  if (rule.action == FaultAction::kLoseAfterCommit) {
    j["loss"] = rule.loss == LossMode::kReset ? "reset" : "timeout";
  }
  return j;
}

nlohmann::json FaultRuleToJson(const FaultRule& rule, const FaultPlan& plan) {
  nlohmann::json j = FaultRuleToJson(rule);
  j["matched"] = plan.Matched(rule.id);
  j["fired"] = plan.Fired(rule.id);
  return j;
}

nlohmann::json FaultDecisionToJson(const FaultDecision& d) {
  nlohmann::json j;
  j["action"] = std::string(FaultActionName(d.action));
  j["rule_id"] = d.rule_id;
  j["status"] = d.status;
  if (d.code != engine::ApiCode::kNone) j["code"] = std::string(engine::ApiCodeName(d.code));
  if (!d.message.empty()) j["message"] = d.message;
  j["retry_after_form"] = std::string(RetryAfterFormName(d.retry_after_form));
  j["retry_after_s"] = d.retry_after_s;
  if (!d.rate_limit_reason.empty()) j["rate_limit_reason"] = d.rate_limit_reason;
  j["delay_us"] = d.delay_us;
  j["loss"] = d.loss == LossMode::kReset ? "reset" : "timeout";
  return j;
}

Result<std::vector<RecordedDecision>> ParseRecordedDecisions(engine::ObjectReader& root) {
  std::vector<RecordedDecision> out;
  for (engine::ObjectReader& o : root.Objects("decisions", /*required=*/true)) {
    RecordedDecision rd;
    rd.seq = static_cast<std::uint64_t>(o.Int("seq", 0, 0));
    rd.op_id = static_cast<std::uint64_t>(o.Int("op_id", 0, 0));
    rd.attempt = static_cast<std::uint32_t>(o.Int("attempt", 0, 0, UINT32_MAX));
    rd.occurrence = static_cast<std::uint32_t>(o.Int("occurrence", 0, 0, UINT32_MAX));
    ReadDecisionFields(o, &rd.decision);
    o.Finish();
    if (!o.ok()) return o.error();
    out.push_back(std::move(rd));
  }
  if (!root.ok()) return root.error();
  return out;
}

}  // namespace notion_sim::sim
