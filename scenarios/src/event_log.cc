#include "notion_sim/scenarios/event_log.h"

#include <cmath>
#include <filesystem>
#include <istream>
#include <sstream>

#include "notion_sim/engine/protocol.h"
#include "notion_sim/engine/rng.h"
#include "notion_sim/policies/classify.h"
#include "notion_sim/policies/error_budget.h"
#include "notion_sim/policies/fallback_cache.h"
#include "notion_sim/policies/health.h"
#include "notion_sim/policies/retry.h"
#include "notion_sim/policies/timeouts.h"
#include "notion_sim/simulator/fault_plan.h"
#include "notion_sim/simulator/redact.h"

namespace notion_sim::scenarios {
namespace {

using engine::EventKind;
using nlohmann::json;

// Milliseconds with microsecond precision, as a number.
double Ms3(TimeUs us) { return static_cast<double>(us) / 1000.0; }

json Base(std::string_view kind, TimeUs at_us) { return {{"kind", kind}, {"t_ms", Ms3(at_us)}}; }

void AddOp(json& line, std::uint64_t op_id, std::uint32_t attempt) {
  if (op_id == 0) return;
  line["op"] = op_id;
  line["trace_id"] = TraceIdFor(op_id);
  if (attempt > 0) line["attempt"] = attempt & ~engine::kManualTransition;
}

template <typename Enum>
Enum As(std::int64_t v) {
  return static_cast<Enum>(v);
}

std::string Scrub(std::string text, const std::vector<std::string>& secrets) {
  for (const std::string& s : secrets) {
    if (s.empty()) continue;
    const std::string shown = sim::RedactToken(s);
    for (std::size_t at = text.find(s); at != std::string::npos; at = text.find(s, at)) {
      text.replace(at, s.size(), shown);
      at += shown.size();
    }
  }
  return text;
}

}  // namespace

EventLog::EventLog(std::string path, std::vector<std::string> secrets, std::uint64_t max_lines)
    : path_(std::move(path)), secrets_(std::move(secrets)), max_lines_(max_lines) {}

Result<std::unique_ptr<EventLog>> EventLog::Open(const std::string& path,
                                                 std::vector<std::string> secrets,
                                                 std::uint64_t max_lines, bool append) {
  std::unique_ptr<EventLog> log(new EventLog(path, std::move(secrets), max_lines));
  std::error_code ec;  // the directory may be the run's --out, not made yet
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  log->out_.open(path, append ? std::ios::app : std::ios::trunc);
  if (!log->out_) return InvalidInput("cannot write " + path);
  return log;
}

EventLog::~EventLog() { Close(); }

void EventLog::Write(const json& line) {
  if (closed_) return;
  if (lines_ >= max_lines_) {
    ++dropped_;
    return;
  }
  ++lines_;
  if (scenario_.empty()) {
    out_ << Scrub(line.dump(), secrets_) << "\n";
  } else {
    json with = line;
    with["scenario"] = scenario_;
    out_ << Scrub(with.dump(), secrets_) << "\n";
  }
}

void EventLog::Close() {
  if (closed_) return;
  out_ << json{{"kind", "log_end"}, {"lines", lines_}, {"dropped", dropped_}}.dump() << "\n";
  out_.close();
  closed_ = true;
}

std::string EventLog::Note() const {
  return std::to_string(lines_) + " line(s) in " + path_ +
         (dropped_ > 0 ? " (" + std::to_string(dropped_) + " dropped past the bound)"
                       : std::string()) +
         "; one operation's story: notion-sim log " + path_ + " --op ID";
}

std::string TraceIdFor(std::uint64_t op_id) {
  return engine::HexDigest(engine::Mix64(op_id ^ 0x6E6F74696F6E2D73ULL));
}

void AttemptTap::Send(const engine::Request& request, engine::Completion done) {
  const TimeUs sent_us = clock_.NowUs();
  inner_.Send(request, [this, request, sent_us, done = std::move(done)](engine::Response r) {
    observer_(request, r, sent_us);
    done(std::move(r));
  });
}

json AttemptLine(const engine::Request& request, const engine::Response& response, TimeUs sent_us,
                 TimeUs now_us) {
  json line = Base("attempt", now_us);
  AddOp(line, request.op_id, request.attempt);
  line["tenant"] = request.tenant;
  line["lookup"] = request.reconcile_lookup;
  line["method"] = engine::MethodName(request.method);
  line["path"] = engine::RenderPath(request.operation, request.target.ToString());
  if (response.outcome == engine::TransportOutcome::kResponse) {
    line["status"] = response.status;
    if (response.code != engine::ApiCode::kNone) line["code"] = engine::ApiCodeName(response.code);
    if (response.edge_error) line["edge"] = true;
  } else {
    line["outcome"] = engine::TransportOutcomeName(response.outcome);
  }
  line["latency_ms"] = Ms3(now_us - sent_us);
  if (!response.retry_after.empty()) line["retry_after"] = response.retry_after.substr(0, 64);
  if (!response.request_id.empty()) line["request_id"] = response.request_id;
  if (request.reconcile_lookup && response.ok()) line["found"] = response.found;
  if (response.injected) line["injected"] = true;
  return line;
}

void WriteClientLines(EventLog& log, const std::vector<checks::JudgedExchange>& grouped,
                      const checks::ClientVerdict& verdict) {
  for (const checks::JudgedExchange& g : grouped) {
    const checks::ObservedExchange& x = *g.x;
    json line = Base("attempt", x.arrived_us);
    AddOp(line, g.op, g.attempt);
    line["token"] = x.token;
    line["method"] = x.method;
    line["path"] = x.query.empty() ? x.path : x.path + "?" + x.query.substr(0, 256);
    if (x.end == checks::ExchangeEnd::kAnswered || x.end == checks::ExchangeEnd::kStalled) {
      line["status"] = x.status;
      if (!x.code.empty()) line["code"] = x.code;
    }
    if (x.end != checks::ExchangeEnd::kAnswered) {
      line["outcome"] = checks::ExchangeEndName(x.end);
    }
    line["latency_ms"] = Ms3(x.ended_us - x.arrived_us);
    if (!x.retry_after.empty()) line["retry_after"] = x.retry_after.substr(0, 64);
    if (!x.request_id.empty()) line["request_id"] = x.request_id.substr(0, 64);
    if (x.injected) {
      line["injected"] = true;
      line["fault"] = x.fault;
    }
    if (g.gap_us) line["gap_ms"] = Ms3(*g.gap_us);
    log.Write(line);
  }
  for (const checks::InvariantResult& inv : verdict.invariants) {
    for (const checks::Violation& v : inv.violations) {
      json line = Base("judge", v.at_us);
      AddOp(line, v.op_id, 0);
      line["check"] = inv.name;
      line["text"] = v.text.substr(0, v.text.find('\n'));
      log.Write(line);
    }
  }
}

void RunLogger::OnAttempt(const engine::Request& request, const engine::Response& response,
                          TimeUs sent_us, TimeUs now_us) {
  log_.Write(AttemptLine(request, response, sent_us, now_us));
}

void RunLogger::OnEvent(const engine::Event& e) {
  json line;
  switch (e.kind) {
    case EventKind::kOpStarted:
      line = Base("op_started", e.at_us);
      AddOp(line, e.op_id, 0);
      line["tenant"] = e.key;
      line["operation"] = engine::OperationName(As<engine::Operation>(e.a));
      // b = lane + 256 x workflow (0 for a single call, else 1 + the workflow's index).
      line["lane"] = engine::LaneName(As<engine::Lane>(e.b % 256));
      if (e.b >= 256) line["workflow"] = e.b / 256 - 1;
      break;
    case EventKind::kOpFinished:
      line = Base("op_finished", e.at_us);
      AddOp(line, e.op_id, 0);
      line["status"] = engine::OpStatusName(As<engine::OpStatus>(e.a));
      line["attempts"] = e.attempt;  // the runner's fields: attempt = attempts, b = last status
      if (e.b != 0) line["last_status"] = e.b;
      break;
    case EventKind::kRetryScheduled:
      line = Base("retry", e.at_us);
      AddOp(line, e.op_id, e.attempt);
      line["delay_ms"] = Ms3(e.a);
      line["why"] = policies::ErrorClassName(As<policies::ErrorClass>(e.b));
      break;
    case EventKind::kRetryAfterHonored:
      line = Base("retry_after_honored", e.at_us);
      AddOp(line, e.op_id, e.attempt);
      line["retry_after_ms"] = Ms3(e.a);
      line["backoff_ms"] = Ms3(e.b);
      break;
    case EventKind::kRetryGaveUp:
      line = Base("gave_up", e.at_us);
      AddOp(line, e.op_id, e.attempt);
      line["why"] = policies::RetryDecisionName(As<policies::RetryDecision>(e.a));
      line["attempts"] = e.b;
      break;
    case EventKind::kBudgetExhausted:
      line = Base("budget_exhausted", e.at_us);
      AddOp(line, e.op_id, e.attempt);
      line["tokens_milli"] = e.a;
      break;
    case EventKind::kBreakerTransition:
      line = Base("breaker", e.at_us);
      AddOp(line, e.op_id, e.attempt);
      line["key"] = e.key;
      line["from"] = engine::BreakerStateName(As<engine::BreakerState>(e.a));
      line["to"] = engine::BreakerStateName(As<engine::BreakerState>(e.b));
      if (engine::CauseOf(e) == engine::TransitionCause::kManual) line["manual"] = true;
      break;
    case EventKind::kBreakerRejected:
      line = Base("breaker_rejected", e.at_us);
      AddOp(line, e.op_id, e.attempt);
      line["key"] = e.key;
      line["state"] = engine::BreakerStateName(As<engine::BreakerState>(e.a));
      break;
    case EventKind::kBulkheadQueued:
    case EventKind::kBulkheadRejected:
      line = Base(e.kind == EventKind::kBulkheadQueued ? "bulkhead_queued" : "bulkhead_rejected",
                  e.at_us);
      AddOp(line, e.op_id, e.attempt);
      line["lane"] = engine::LaneName(As<engine::Lane>(e.key));
      line["in_flight"] = e.a;
      line["queued"] = e.b;
      break;
    case EventKind::kLimiterDelayed:
      line = Base("limiter_wait", e.at_us);
      AddOp(line, e.op_id, e.attempt);
      line["wait_ms"] = Ms3(e.a);
      break;
    case EventKind::kLimiterRejected:
      line = Base("limiter_rejected", e.at_us);
      AddOp(line, e.op_id, e.attempt);
      break;
    case EventKind::kTimeoutFired:
      line = Base("timeout", e.at_us);
      AddOp(line, e.op_id, e.attempt);
      line["which"] = policies::TimeoutKindName(As<policies::TimeoutKind>(e.a));
      line["timeout_ms"] = Ms3(e.b);
      break;
    case EventKind::kFallbackServed:
      line = Base("fallback", e.at_us);
      AddOp(line, e.op_id, e.attempt);
      line["tier"] = policies::StalenessName(As<policies::Staleness>(e.a));
      line["age_ms"] = Ms3(e.b);
      break;
    case EventKind::kReconcileLookup:
      line = Base("reconcile", e.at_us);
      AddOp(line, e.op_id, e.attempt);
      line["found"] = e.a != 0;
      break;
    case EventKind::kDlqEnqueued:
    case EventKind::kDlqRetried:
    case EventKind::kDlqPermanent:
    case EventKind::kDlqDrained:
      line = Base("dlq", e.at_us);
      AddOp(line, e.op_id, 0);
      line["move"] = e.kind == EventKind::kDlqEnqueued  ? "enqueued"
                     : e.kind == EventKind::kDlqRetried ? "retried"
                     : e.kind == EventKind::kDlqDrained ? "drained"
                                                        : "permanent";
      line["depth"] = e.a;
      line["attempts"] = e.b;
      break;
    case EventKind::kFaultInjected:
      line = Base("fault", e.at_us);
      AddOp(line, e.op_id, e.attempt);
      line["action"] = sim::FaultActionName(As<sim::FaultAction>(e.a));
      if (e.b != 0) line["status"] = e.b;
      break;
    case EventKind::kServerWrite:
      line = Base("server_write", e.at_us);
      AddOp(line, e.op_id, e.attempt);
      line["operation"] = engine::OperationName(As<engine::Operation>(e.a));
      break;
    case EventKind::kAlertRaised:
      line = Base("alert", e.at_us);
      line["alert"] = policies::AlertKindName(As<policies::AlertKind>(e.a));
      line["key"] = e.key;
      line["value"] = e.b;
      break;
    case EventKind::kHealthChanged:
      line = Base("health", e.at_us);
      line["from"] = policies::HealthLevelName(As<policies::HealthLevel>(e.a));
      line["to"] = policies::HealthLevelName(As<policies::HealthLevel>(e.b));
      break;
    default:
      return;  // attempts come from the tap; the rest is bookkeeping the trace keeps
  }
  log_.Write(line);
}

namespace {

// A line's field as a number ("?" when absent or not a number), a string, a flag: a log file may
// have been edited by hand, so no field is trusted to be there or of its type.
std::string Num(const json& line, const char* key) {
  const auto it = line.find(key);
  if (it == line.end() || !it->is_number()) return "?";
  const json& v = *it;
  const double d = v.get<double>();
  std::ostringstream s;
  if (std::fabs(d - std::round(d)) < 1e-9) {
    s << static_cast<long long>(std::llround(d));
  } else {
    s.precision(1);
    s << std::fixed << d;
  }
  return s.str();
}

std::string Str(const json& line, const char* key) {
  const auto it = line.find(key);
  if (it == line.end()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

bool Flag(const json& line, const char* key) {
  const auto it = line.find(key);
  return it != line.end() && it->is_boolean() && it->get<bool>();
}

std::string Sentence(const json& l) {
  std::string kind = Str(l, "kind");
  const std::string attempt = l.contains("attempt") ? "attempt " + Num(l, "attempt") : "";
  if (kind == "op_started") {
    return "started: " + Str(l, "operation") + " for tenant " + Num(l, "tenant") + " in lane " +
           Str(l, "lane") + " (trace " + Str(l, "trace_id") + ")";
  }
  if (kind == "attempt") {
    // A DLQ replay's lookup belongs to no attempt of the operation.
    std::string s = Flag(l, "lookup")
                        ? "reconcile lookup" + (attempt.empty() ? "" : " after " + attempt)
                        : (attempt.empty() ? "attempt" : attempt);
    s += ": " + Str(l, "method") + " " + Str(l, "path") + " -> ";
    if (l.contains("status")) {
      s += Num(l, "status");
      if (l.contains("code")) s += " " + Str(l, "code");
      if (Flag(l, "edge")) s += " (an HTML edge error)";
    } else {
      s += Str(l, "outcome");
    }
    s += " after " + Num(l, "latency_ms") + " ms";
    if (l.contains("retry_after")) s += ", Retry-After " + Str(l, "retry_after");
    if (l.contains("found")) s += Flag(l, "found") ? ", the page is there" : ", no page";
    if (l.contains("request_id")) s += " (request id " + Str(l, "request_id") + ")";
    if (Flag(l, "injected")) {
      s += l.contains("fault") ? " [injected: " + Str(l, "fault") + "]" : " [injected]";
    }
    if (l.contains("gap_ms"))
      s += ", sent " + Num(l, "gap_ms") + " ms after the previous one ended";
    return s;
  }
  if (kind == "retry") {
    return "retry scheduled in " + Num(l, "delay_ms") + " ms (" + Str(l, "why") + ")";
  }
  if (kind == "retry_after_honored") {
    return "Retry-After of " + Num(l, "retry_after_ms") + " ms set the delay (backoff was " +
           Num(l, "backoff_ms") + " ms)";
  }
  if (kind == "gave_up") {
    return "gave up after " + Num(l, "attempts") + " attempt(s): " + Str(l, "why");
  }
  if (kind == "budget_exhausted") return "the retry budget refused a retry";
  if (kind == "breaker") {
    return "breaker " + Num(l, "key") + " went " + Str(l, "from") + " -> " + Str(l, "to");
  }
  if (kind == "breaker_rejected") {
    return "breaker " + Num(l, "key") + " (" + Str(l, "state") + ") refused it";
  }
  if (kind == "bulkhead_queued" || kind == "bulkhead_rejected") {
    return std::string(kind == "bulkhead_queued" ? "queued" : "refused") + " by the " +
           Str(l, "lane") + " lane (" + Num(l, "in_flight") + " in flight, " + Num(l, "queued") +
           " queued)";
  }
  if (kind == "limiter_wait") return "the rate limiter held it " + Num(l, "wait_ms") + " ms";
  if (kind == "limiter_rejected") return "the rate limiter refused it";
  if (kind == "timeout") {
    return "the " + Str(l, "which") + " timeout (" + Num(l, "timeout_ms") + " ms) fired";
  }
  if (kind == "fallback") {
    return "served from the fallback cache (" + Str(l, "tier") + ", " + Num(l, "age_ms") +
           " ms old)";
  }
  if (kind == "reconcile") {
    return Flag(l, "found") ? "reconcile: the create had happened; not sent again"
                            : "reconcile: nothing found; the create is sent again";
  }
  if (kind == "dlq") {
    const std::string move = Str(l, "move");
    const std::string depth = " (depth " + Num(l, "depth") + ")";
    if (move == "enqueued") return "moved to the dead-letter queue" + depth;
    if (move == "retried") return "the dead-letter queue tried it again" + depth;
    if (move == "drained") return "left the dead-letter queue done" + depth;
    return "the dead-letter queue gave up on it: manual review" + depth;
  }
  if (kind == "fault") {
    return "the fake injected " + Str(l, "action") +
           (l.contains("status") ? " " + Num(l, "status") : "") + " on " + attempt;
  }
  if (kind == "server_write") return "the fake committed the write of " + attempt;
  if (kind == "op_finished") {
    return "ended " + Str(l, "status") + " after " + Num(l, "attempts") + " attempt(s)";
  }
  if (kind == "judge") return "the judge flagged it: " + Str(l, "check") + ": " + Str(l, "text");
  if (kind == "request") {
    return "serve answered " + Str(l, "method") + " " + Str(l, "path") + " " + Str(l, "status") +
           (l.contains("fault") ? " (" + Str(l, "fault") + ")" : "");
  }
  return kind;
}

}  // namespace

Result<std::vector<std::string>> OperationStory(std::istream& log, std::uint64_t op_id,
                                                const std::string& scenario) {
  std::vector<std::string> story;
  std::string chosen = scenario;
  std::string text;
  std::uint64_t line_no = 0;
  while (std::getline(log, text)) {
    ++line_no;
    if (text.empty()) continue;
    json l = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!l.is_object()) {
      return InvalidInput("line " + std::to_string(line_no) + " is not a JSON object");
    }
    if (!l.contains("op") || !l["op"].is_number_unsigned() ||
        l["op"].get<std::uint64_t>() != op_id) {
      continue;
    }
    const std::string in = Str(l, "scenario");
    if (chosen.empty()) chosen = in;
    if (in != chosen) continue;
    std::ostringstream s;
    s.precision(3);
    s << std::fixed << (l["t_ms"].is_number() ? l["t_ms"].get<double>() / 1000.0 : 0.0) << " s  "
      << Sentence(l);
    story.push_back(s.str());
  }
  if (story.empty()) {
    return Error{ErrorCode::kNotFound, "no line of operation " + std::to_string(op_id) +
                                           (scenario.empty() ? "" : " in " + scenario)};
  }
  return story;
}

}  // namespace notion_sim::scenarios
