#include "notion_sim/scenarios/recording.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "notion_sim/engine/protocol.h"

namespace notion_sim::scenarios {
namespace {

using engine::TransportOutcome;
using nlohmann::json;

constexpr const char* kFormat = "notion-sim.recording";
constexpr std::uint64_t kMaxAttempts = 10'000'000;

constexpr TransportOutcome kOutcomes[] = {
    TransportOutcome::kResponse,        TransportOutcome::kTimeout,
    TransportOutcome::kConnectionReset, TransportOutcome::kConnectionRefused,
    TransportOutcome::kDnsFailure,      TransportOutcome::kTlsFailure,
    TransportOutcome::kMalformed};

std::optional<TransportOutcome> ParseOutcome(std::string_view name) {
  for (TransportOutcome o : kOutcomes) {
    if (engine::TransportOutcomeName(o) == name) return o;
  }
  return std::nullopt;
}

double Ms3(TimeUs us) { return static_cast<double>(us) / 1000.0; }
TimeUs FromMs(double ms) { return static_cast<TimeUs>(std::llround(ms * 1000.0)); }

}  // namespace

Result<std::unique_ptr<RecordingWriter>> RecordingWriter::Open(const std::string& path,
                                                               const json& header, bool append) {
  std::error_code ec;
  const bool fresh =
      !append || !std::filesystem::exists(path, ec) || std::filesystem::file_size(path, ec) == 0;
  auto log = EventLog::Open(path, {}, kMaxAttempts, append);
  if (!log.ok()) return log.error();
  std::unique_ptr<RecordingWriter> w(new RecordingWriter());
  w->log_ = std::move(log).value();
  if (fresh) {
    json h = header;
    h["format"] = kFormat;
    h["version"] = 1;
    if (!h.contains("key")) h["key"] = "op_attempt";
    w->log_->Write(h);
  }
  return w;
}

void RecordingWriter::OnAttempt(const engine::Request& request, const engine::Response& response,
                                TimeUs sent_us, TimeUs now_us, std::int64_t retry_after_s) {
  RecordedAttempt a;
  a.op_id = request.op_id;
  a.attempt = request.attempt;
  a.lookup = request.reconcile_lookup;
  a.tenant = request.tenant;
  a.method = request.method;
  a.operation = request.operation;
  a.path = engine::RenderPath(request.operation, request.target.ToString());
  a.sent_us = sent_us;
  a.latency_us = now_us - sent_us;
  a.outcome = response.outcome;
  a.status = response.status;
  a.code = response.code;
  a.edge = response.edge_error;
  a.retry_after_s = response.retry_after.empty() ? -1 : retry_after_s;
  a.found = response.found;
  a.request_id = response.request_id;
  Write(std::move(a));
}

void RecordingWriter::Write(RecordedAttempt a) {
  a.seq = ++seq_;
  a.occurrence = seen_[{a.op_id, a.attempt}]++;
  log_->Write(RecordedAttemptToJson(a));
}

Status WriteDoorRecording(const std::string& path, json header,
                          const std::vector<checks::JudgedExchange>& grouped) {
  // Keyed when notion-sim's own stack sent the traffic; then requests without an operation (the
  // run's own set-up: discovery, seeded pages) are left out, as the replay does not send them.
  const bool keyed = std::any_of(grouped.begin(), grouped.end(),
                                 [](const auto& g) { return g.x->sim_op_id != 0; });
  std::vector<const checks::ObservedExchange*> order;
  for (const checks::JudgedExchange& g : grouped) {
    if (!keyed || g.x->sim_op_id != 0) order.push_back(g.x);
  }
  std::stable_sort(order.begin(), order.end(),
                   [](const auto* a, const auto* b) { return a->arrived_us < b->arrived_us; });
  header["key"] = keyed ? "op_attempt" : "sequence";
  header["clock"] = "door";
  auto writer = RecordingWriter::Open(path, header);
  if (!writer.ok()) return writer.error();
  std::map<std::uint64_t, std::uint32_t> commits;
  for (const checks::ObservedExchange* x : order) {
    RecordedAttempt a;
    a.op_id = keyed ? x->sim_op_id : 0;
    a.attempt = keyed ? x->sim_attempt : 0;
    a.method = engine::ParseMethod(x->method).value_or(engine::Method::kGet);
    a.path = x->query.empty() ? x->path : x->path + "?" + x->query.substr(0, 256);
    if (const auto route = engine::ParseRoute(a.method, x->path)) a.operation = route->operation;
    a.sent_us = x->arrived_us;
    a.latency_us = std::max<TimeUs>(0, x->ended_us - x->arrived_us);
    switch (x->end) {
      case checks::ExchangeEnd::kAnswered:
        a.outcome = TransportOutcome::kResponse;
        break;
      case checks::ExchangeEnd::kHung:
        a.outcome = TransportOutcome::kTimeout;
        break;
      case checks::ExchangeEnd::kStalled:
        a.outcome = TransportOutcome::kMalformed;
        break;
      default:  // reset, lost
        a.outcome = TransportOutcome::kConnectionReset;
        break;
    }
    a.status = x->status;
    a.code = engine::ParseApiCode(x->code);
    a.edge = x->fault.rfind("html_edge", 0) == 0;
    if (x->retry_after_until_us) {
      const TimeUs wait_us = std::max<TimeUs>(0, *x->retry_after_until_us - x->answered_us);
      a.retry_after_s = (wait_us + kUsPerSec - 1) / kUsPerSec;
    }
    a.request_id = x->request_id;
    if (keyed && a.operation != engine::Operation::kCount && engine::IsCreate(a.operation)) {
      commits[a.op_id] += x->committed ? 1 : 0;
    }
    (*writer)->Write(std::move(a));
  }
  if (keyed) (*writer)->WriteCommits(commits, "door");
  (*writer)->Close();
  return {};
}

void RecordingWriter::WriteCommits(const std::map<std::uint64_t, std::uint32_t>& commits,
                                   const std::string& source) {
  json creates = json::array();
  for (const auto& [op, n] : commits) creates.push_back({{"op_id", op}, {"commits", n}});
  log_->Write({{"kind", "commits"}, {"source", source}, {"creates", std::move(creates)}});
}

json RecordedAttemptToJson(const RecordedAttempt& a) {
  json j = {{"seq", a.seq},
            {"op_id", a.op_id},
            {"attempt", a.attempt},
            {"occurrence", a.occurrence},
            {"lookup", a.lookup},
            {"tenant", a.tenant},
            {"method", engine::MethodName(a.method)},
            {"path", a.path},
            {"sent_ms", Ms3(a.sent_us)},
            {"latency_ms", Ms3(a.latency_us)},
            {"outcome", engine::TransportOutcomeName(a.outcome)}};
  if (a.operation != engine::Operation::kCount) j["operation"] = engine::OperationName(a.operation);
  if (a.outcome == TransportOutcome::kResponse) {
    j["status"] = a.status;
    if (a.code != engine::ApiCode::kNone) j["code"] = engine::ApiCodeName(a.code);
    if (a.edge) j["edge"] = true;
    if (a.lookup && a.status >= 200 && a.status < 300) j["found"] = a.found;
  }
  if (a.retry_after_s >= 0) j["retry_after_s"] = a.retry_after_s;
  if (!a.request_id.empty()) j["request_id"] = a.request_id;
  return j;
}

namespace {

// Reads a recording one line (one JSON value) at a time: the file's lines, or the elements of a
// scenario's inline "replay.recording". `where` names the line in errors.
class RecordingParser {
 public:
  Status Add(const json& j, const std::string& where) {
    auto bad = [&where](const std::string& what) { return InvalidInput(where + ": " + what); };
    if (!j.is_object()) return bad("not a JSON object");
    // A field of another type than documented ("kind": 3) is named by its line, not thrown.
    for (const char* key : {"format", "key", "scenario", "scenario_hash", "kind"}) {
      if (j.contains(key) && !j[key].is_string())
        return bad(std::string(key) + ": expected a string");
    }
    for (const char* key : {"version", "seed", "dropped"}) {
      if (j.contains(key) && !j[key].is_number_unsigned()) {
        return bad(std::string(key) + ": expected a whole number");
      }
    }
    if (!header_) {
      if (j.value("format", std::string()) != kFormat) {
        return bad(std::string("the first line must be the header {\"format\": \"") + kFormat +
                   "\", ...}");
      }
      if (j.value("version", 0) != 1) return bad("version must be 1");
      r_.key = j.value("key", std::string("op_attempt"));
      if (r_.key != "op_attempt" && r_.key != "sequence") {
        return bad("key must be \"op_attempt\" or \"sequence\"");
      }
      r_.scenario = j.value("scenario", std::string());
      r_.seed = j.value("seed", std::uint64_t{0});
      r_.scenario_hash = j.value("scenario_hash", std::string());
      r_.door_clock = j.contains("clock") && j["clock"] == "door";
      if (j.contains("targets")) {
        const json& t = j["targets"];
        auto count = [&t](const char* key) -> std::optional<std::size_t> {
          if (!t.is_object() || !t.contains(key)) return std::size_t{0};
          if (!t[key].is_number_unsigned() || t[key].get<std::uint64_t>() > 1'000'000) {
            return std::nullopt;
          }
          return static_cast<std::size_t>(t[key].get<std::uint64_t>());
        };
        const auto pages = count("pages"), blocks = count("blocks"), users = count("users");
        if (!t.is_object() || !pages || !blocks || !users) {
          return bad(
              "targets: expected {\"pages\": N, \"blocks\": N, \"users\": N} (0 to "
              "1,000,000 each)");
        }
        r_.targets = SimOptions::TargetCounts{*pages, *blocks, *users};
      }
      header_ = true;
      return {};
    }
    if (j.value("kind", std::string()) == "log_end") {
      r_.truncated = j.value("dropped", std::uint64_t{0}) > 0;
      return {};
    }
    if (j.value("kind", std::string()) == "commits") {
      r_.commits.clear();
      r_.has_commits = true;
      try {
        for (const json& c : j.at("creates")) {
          r_.commits[c.at("op_id").get<std::uint64_t>()] = c.at("commits").get<std::uint32_t>();
        }
      } catch (const json::exception&) {
        return bad("commits: expected \"creates\": [{\"op_id\": N, \"commits\": N}, ...]");
      }
      return {};
    }
    RecordedAttempt a;
    try {
      a.seq = j.at("seq").get<std::uint64_t>();
      a.op_id = j.value("op_id", std::uint64_t{0});
      a.attempt = j.value("attempt", std::uint32_t{0});
      a.occurrence = j.value("occurrence", std::uint32_t{0});
      a.lookup = j.value("lookup", false);
      a.tenant = j.value("tenant", std::uint16_t{0});
      a.method = engine::ParseMethod(j.value("method", std::string("GET"))).value_or(a.method);
      a.path = j.value("path", std::string());
      a.operation = engine::ParseOperation(j.value("operation", std::string()))
                        .value_or(engine::Operation::kCount);
      const double sent_ms = j.value("sent_ms", 0.0);
      a.sent_us = std::isfinite(sent_ms) && std::fabs(sent_ms) < 1e15 ? FromMs(sent_ms) : 0;
      const double latency_ms = j.at("latency_ms").get<double>();
      if (!(latency_ms >= 0 && latency_ms <= 86'400'000)) {
        return bad("latency_ms: expected 0 to 86400000 (a day)");
      }
      a.latency_us = FromMs(latency_ms);
      const auto outcome = ParseOutcome(j.at("outcome").get<std::string>());
      if (!outcome) return bad("outcome: unknown value");
      a.outcome = *outcome;
      a.status = j.value("status", 0);
      a.code = engine::ParseApiCode(j.value("code", std::string()));
      a.edge = j.value("edge", false);
      a.retry_after_s = j.value("retry_after_s", std::int64_t{-1});
      a.found = j.value("found", false);
      a.request_id = j.value("request_id", std::string());
    } catch (const json::exception&) {
      return bad("expected seq, latency_ms and outcome with numbers and strings as documented");
    }
    if (a.outcome == TransportOutcome::kResponse && (a.status < 100 || a.status > 599)) {
      return bad("status: expected an HTTP status for outcome \"response\"");
    }
    if (r_.attempts.size() >= kMaxAttempts) return bad("more than 10,000,000 requests");
    r_.attempts.push_back(std::move(a));
    return {};
  }

  Result<Recording> Finish(const std::string& name) {
    if (!header_) return InvalidInput(name + ": empty (no header line)");
    return std::move(r_);
  }

 private:
  Recording r_;
  bool header_ = false;
};

}  // namespace

Result<Recording> LoadRecording(const std::string& path) {
  std::ifstream in(path);
  if (!in) return InvalidInput(path + ": cannot read the recording");
  RecordingParser parser;
  std::string text;
  std::uint64_t line_no = 0;
  while (std::getline(in, text)) {
    ++line_no;
    if (text.empty()) continue;
    Status st = parser.Add(json::parse(text, nullptr, /*allow_exceptions=*/false),
                           path + ":" + std::to_string(line_no));
    if (!st.ok()) return st.error();
  }
  return parser.Finish(path);
}

Result<Recording> RecordingFromJson(const json& lines) {
  if (!lines.is_array()) return InvalidInput("expected an array of the recording's lines");
  if (lines.empty()) return InvalidInput("empty (no header line)");
  RecordingParser parser;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    Status st = parser.Add(lines[i], "[" + std::to_string(i) + "]");
    if (!st.ok()) return st.error();
  }
  return parser.Finish("");
}

Result<json> ScenarioWithRecording(const json& scenario, const std::string& recording_path) {
  // Checked first as LoadRecording reads it, so an error names the file's line.
  auto checked = LoadRecording(recording_path);
  if (!checked.ok()) return checked.error();
  std::ifstream in(recording_path);
  json lines = json::array();
  std::string text;
  while (std::getline(in, text)) {
    if (!text.empty()) lines.push_back(json::parse(text, nullptr, /*allow_exceptions=*/false));
  }
  json out = scenario;
  out["replay"] = {{"recording", std::move(lines)}};
  return out;
}

SimOptions ReplayOptions(const Recording& recording) {
  SimOptions o;
  o.replay = DecisionsFromRecording(recording);
  o.replay_key =
      recording.key == "sequence" ? sim::ReplayKey::kSequence : sim::ReplayKey::kOpAttempt;
  o.replay_client_view = true;
  o.replay_targets = recording.targets;
  return o;
}

std::vector<sim::RecordedDecision> DecisionsFromRecording(const Recording& recording) {
  // Which create attempts that got no 2xx were applied (by seq). Candidates: lost or non-edge
  // 503'd creates; a later lookup of the same operation that found the page vouches for the
  // latest candidate before it.
  std::map<std::uint64_t, std::vector<std::uint64_t>> maybe;  // op -> candidate seqs, in order
  std::map<std::uint64_t, std::uint32_t> answered;            // op -> creates answered 2xx
  std::set<std::uint64_t> found;                              // candidates a lookup vouched for
  for (const RecordedAttempt& a : recording.attempts) {
    const bool ok = a.outcome == TransportOutcome::kResponse && a.status >= 200 && a.status < 300;
    if (a.lookup) {
      auto it = maybe.find(a.op_id);
      if (it != maybe.end() && !it->second.empty() && ok && a.found)
        found.insert(it->second.back());
      continue;
    }
    if (static_cast<int>(a.operation) >= engine::kOperationCount) continue;  // not an operation
    if (!engine::IsCreate(a.operation)) continue;
    const bool lost =
        a.outcome == TransportOutcome::kTimeout || a.outcome == TransportOutcome::kConnectionReset;
    if (ok) ++answered[a.op_id];
    if (lost || (a.outcome == TransportOutcome::kResponse && a.status == 503 && !a.edge)) {
      maybe[a.op_id].push_back(a.seq);
    }
  }
  std::set<std::uint64_t> applied;
  for (const auto& [op, seqs] : maybe) {
    const auto listed = recording.commits.find(op);
    if (listed == recording.commits.end()) {  // unknown: what the lookups saw
      for (std::uint64_t seq : seqs) {
        if (found.count(seq) > 0) applied.insert(seq);
      }
      continue;
    }
    const std::uint32_t made = answered.count(op) > 0 ? answered.at(op) : 0;
    std::uint32_t left = listed->second > made ? listed->second - made : 0;
    for (const bool vouched : {true, false}) {
      for (std::uint64_t seq : seqs) {
        if (left == 0) break;
        if ((found.count(seq) > 0) == vouched && applied.insert(seq).second) --left;
      }
    }
  }

  std::vector<sim::RecordedDecision> out;
  out.reserve(recording.attempts.size());
  for (const RecordedAttempt& a : recording.attempts) {
    sim::RecordedDecision rd;
    rd.seq = a.seq;
    rd.op_id = a.op_id;
    rd.attempt = a.attempt;
    rd.occurrence = a.occurrence;
    sim::FaultDecision& d = rd.decision;
    d.delay_us = a.latency_us;
    // The recorded instant of the answer, on the run's own clock (a "sequence" recording's clock
    // is another program's).
    if (recording.key == "op_attempt" && !recording.door_clock &&
        a.outcome != TransportOutcome::kTimeout) {
      rd.sent_us = a.sent_us;
    }
    const bool was_applied = applied.count(a.seq) > 0;
    switch (a.outcome) {
      case TransportOutcome::kTimeout:
        d.action = was_applied ? sim::FaultAction::kLoseAfterCommit : sim::FaultAction::kHang;
        d.loss = sim::LossMode::kTimeout;
        d.delay_us = 0;  // the client's own timeout decides when it gives up
        break;
      case TransportOutcome::kConnectionReset:
      case TransportOutcome::kConnectionRefused:
      case TransportOutcome::kDnsFailure:
      case TransportOutcome::kTlsFailure:
        d.action = was_applied ? sim::FaultAction::kLoseAfterCommit : sim::FaultAction::kReset;
        d.loss = sim::LossMode::kReset;
        break;
      case TransportOutcome::kMalformed:
        d.action = sim::FaultAction::kMalformedJson;
        d.status = a.status == 0 ? 200 : a.status;
        break;
      case TransportOutcome::kResponse:
        if (a.status >= 200 && a.status < 300) {
          d.action = sim::FaultAction::kDelay;  // answered normally, after the recorded latency
        } else if (a.edge) {
          d.action = sim::FaultAction::kHtmlEdge;
          d.status = a.status;
        } else {
          d.action = was_applied ? sim::FaultAction::kCommitThen503 : sim::FaultAction::kRespond;
          d.status = a.status;
          d.code = a.code;
          if (a.retry_after_s >= 0) {
            d.retry_after_form = sim::RetryAfterForm::kSeconds;
            d.retry_after_s = a.retry_after_s;
          }
        }
        break;
    }
    out.push_back(std::move(rd));
  }
  return out;
}

}  // namespace notion_sim::scenarios
