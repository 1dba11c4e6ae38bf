#include "notion_sim/checks/client_judge.h"

#include <algorithm>
#include <deque>
#include <limits>
#include <map>
#include <utility>

#include <nlohmann/json.hpp>

#include "notion_sim/engine/rng.h"

namespace notion_sim::checks {
namespace {

using engine::Operation;

constexpr TimeUs kNever = std::numeric_limits<TimeUs>::min();

std::string_view EndText(ExchangeEnd end) {
  switch (end) {
    case ExchangeEnd::kAnswered:
      return "answered";
    case ExchangeEnd::kReset:
      return "no answer: connection reset";
    case ExchangeEnd::kLost:
      return "no answer: lost after it was applied";
    case ExchangeEnd::kHung:
      return "no answer: hung";
    case ExchangeEnd::kStalled:
      return "body stalled";
    case ExchangeEnd::kCount:
      break;
  }
  return "?";
}

bool Succeeded(const ObservedExchange& x) {
  return x.end == ExchangeEnd::kAnswered && x.status >= 200 && x.status < 300;
}

// May have been applied, as far as the client can tell.
bool Ambiguous(const ObservedExchange& x) {
  return x.end != ExchangeEnd::kAnswered || (x.status >= 500 && x.status != 529);
}

// Requests that make something new: repeating one after an ambiguous failure can make it twice.
bool MakesSomething(const std::optional<Operation>& op) { return op && engine::IsCreate(*op); }

// Reads that can find what an ambiguous create made.
bool IsLookup(const std::optional<Operation>& op) {
  return op && (*op == Operation::kQueryDataSource || *op == Operation::kQueryDatabase ||
                *op == Operation::kSearch || *op == Operation::kListBlockChildren);
}

// The plain text of a property value: rich_text / title runs concatenated, otherwise the value's
// canonical JSON.
std::string PropertyText(const nlohmann::json& value) {
  if (value.is_object()) {
    for (const char* kind : {"rich_text", "title"}) {
      if (!value.contains(kind) || !value[kind].is_array()) continue;
      std::string text;
      for (const nlohmann::json& run : value[kind]) {
        if (!run.is_object()) continue;
        if (run.contains("text") && run["text"].is_object() && run["text"].contains("content") &&
            run["text"]["content"].is_string()) {
          text += run["text"]["content"].get<std::string>();
        } else if (run.contains("plain_text") && run["plain_text"].is_string()) {
          text += run["plain_text"].get<std::string>();
        }
      }
      return text;
    }
  }
  return value.is_null() ? std::string() : value.dump();
}

std::uint64_t IdentityOf(const ObservedExchange& x, std::string_view body,
                         const std::optional<Operation>& op, const std::string& property,
                         std::string* key_out) {
  const nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (op == Operation::kCreatePage && !property.empty() && j.is_object() &&
      j.contains("properties") && j["properties"].is_object() &&
      j["properties"].contains(property)) {
    const std::string key = PropertyText(j["properties"][property]);
    if (!key.empty()) {
      *key_out = key.substr(0, 100);
      const std::string parent = j.contains("parent") ? j["parent"].dump() : std::string();
      return engine::HashString("idempotent create\n" + parent + "\n" + key);
    }
  }
  std::string text = x.method + " " + x.path + "?" + x.query + "\n";
  text += j.is_discarded() ? std::string(body) : j.dump();  // dump() sorts keys
  return engine::HashString(text);
}

// Counts, bounded violations and the result of one invariant.
class Collector {
 public:
  Collector(std::string_view name, bool on, std::size_t max_kept)
      : name_(name), on_(on), max_kept_(max_kept) {}
  bool on() const { return on_; }
  void Checked(std::uint64_t n = 1) { checked_ += n; }
  void Violate(TimeUs at_us, std::string text, std::uint64_t op = 0) {
    if (!on_) return;
    ++count_;
    if (kept_.size() < max_kept_) kept_.push_back(Violation{at_us, op, std::move(text), {}});
  }
  InvariantResult Result() const {
    InvariantResult r;
    r.name = std::string(name_);
    r.checked_count = checked_;
    if (!on_) {
      r.verdict = Verdict::kOff;
      return r;
    }
    r.verdict = count_ > 0 ? Verdict::kViolated : Verdict::kHeld;
    r.violation_count = count_;
    r.violations = kept_;
    if (!kept_.empty()) r.first_violation = RenderViolation(kept_.front());
    return r;
  }

 private:
  std::string_view name_;
  bool on_;
  std::size_t max_kept_;
  std::uint64_t checked_ = 0;
  std::uint64_t count_ = 0;
  std::vector<Violation> kept_;
};

std::string MsText(TimeUs us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f ms", static_cast<double>(us) / 1e3);
  return buf;
}

}  // namespace

std::string_view ClientInvariantName(ClientInvariant invariant) {
  switch (invariant) {
    case ClientInvariant::kNoDuplicateCreates:
      return InvariantName(Invariant::kNoDuplicateCreates);
    case ClientInvariant::kRetryAfterRespected:
      return InvariantName(Invariant::kRetryAfterRespected);
    case ClientInvariant::kNoUnsafeRetry:
      return "no_unsafe_retry";
    case ClientInvariant::kAttemptsBounded:
      return InvariantName(Invariant::kAttemptsBounded);
    case ClientInvariant::kBackoff:
      return "backoff";
    case ClientInvariant::kClientRate:
      return InvariantName(Invariant::kClientRate);
    case ClientInvariant::kFinished:
      return "finished";
    case ClientInvariant::kCount:
      break;
  }
  return "?";
}

std::optional<ClientInvariant> ParseClientInvariant(std::string_view name) {
  for (int i = 0; i < kClientInvariantCount; ++i) {
    const auto inv = static_cast<ClientInvariant>(i);
    if (ClientInvariantName(inv) == name) return inv;
  }
  return std::nullopt;
}

std::string_view ExchangeEndName(ExchangeEnd end) {
  switch (end) {
    case ExchangeEnd::kAnswered:
      return "answered";
    case ExchangeEnd::kReset:
      return "reset";
    case ExchangeEnd::kLost:
      return "lost";
    case ExchangeEnd::kHung:
      return "hung";
    case ExchangeEnd::kStalled:
      return "stalled";
    case ExchangeEnd::kCount:
      break;
  }
  return "?";
}

Result<ClientJudgeConfig> ParseClientJudgeConfig(engine::ObjectReader& r) {
  ClientJudgeConfig c;
  if (r.Has("off")) {
    for (const std::string& name : r.Strings("off")) {
      const auto inv = ParseClientInvariant(name);
      if (!inv) {
        std::string known;
        for (int i = 0; i < kClientInvariantCount; ++i) {
          known +=
              (i ? ", " : "") + std::string(ClientInvariantName(static_cast<ClientInvariant>(i)));
        }
        r.Fail("off", "unknown invariant \"" + name + "\" (a client scenario's are " + known + ")");
        break;
      }
      c.checks[static_cast<std::size_t>(*inv)] = Check::kOff;
    }
  }
  c.max_attempts = static_cast<std::uint32_t>(r.Int("max_attempts", c.max_attempts, 1, 1000));
  c.min_gap_us = Ms(r.Int("min_gap_ms", c.min_gap_us / kUsPerMs, 0, 600'000));
  c.clock_slack_us = Ms(r.Int("clock_slack_ms", c.clock_slack_us / kUsPerMs, 0, 10'000));
  c.in_flight_us = Ms(r.Int("in_flight_ms", c.in_flight_us / kUsPerMs, 0, 10'000));
  if (auto rate = r.OptionalObject("client_rate")) {
    c.rate_budget = rate->Int("budget", 0, 1, 1'000'000'000);
    c.rate_window_us = Sec(rate->Int("window_s", 60, 1, 86'400));
    if (rate->Has("max_429")) {
      c.max_provoked_429 = static_cast<std::uint64_t>(rate->Int("max_429", 0, 0, INT64_MAX));
    }
    if (r.ok() && !rate->Has("budget") && !rate->Has("max_429")) {
      rate->Fail("", "expected \"budget\" (requests per window) or \"max_429\", or both");
    }
    rate->Finish();
  }
  c.idempotency_property = r.String("idempotency_property", c.idempotency_property);
  r.Finish();
  if (!r.ok()) return r.error();
  return c;
}

std::string FormatExchange(const ObservedExchange& x) {
  std::string s = FormatTime(x.arrived_us) + " " + x.token + " " + x.method + " " + x.path;
  if (!x.query.empty()) s += "?" + x.query;
  s += " -> ";
  if (x.end == ExchangeEnd::kAnswered || x.end == ExchangeEnd::kStalled) {
    s += std::to_string(x.status);
    if (!x.code.empty()) s += " " + x.code;
    if (x.end == ExchangeEnd::kStalled) s += " (" + std::string(EndText(x.end)) + ")";
  } else {
    s += EndText(x.end);
  }
  if (!x.retry_after.empty()) s += ", Retry-After " + x.retry_after;
  if (x.committed) s += ", committed";
  if (x.injected) s += " [injected" + (x.fault.empty() ? std::string() : ": " + x.fault) + "]";
  return s;
}

bool ClientVerdict::held() const {
  return std::all_of(invariants.begin(), invariants.end(),
                     [](const InvariantResult& i) { return i.held(); });
}

ClientJudge::ClientJudge(ClientJudgeConfig config) : config_(std::move(config)) {}

void ClientJudge::Observe(const ObservedExchange& exchange, std::string_view body) {
  if (records_.size() >= config_.max_records) {
    ++unjudged_;
    return;
  }
  Record rec;
  rec.x = exchange;
  rec.seq = next_seq_++;
  const auto found = std::find(token_names_.begin(), token_names_.end(), exchange.token);
  rec.token = static_cast<std::uint32_t>(found - token_names_.begin());
  if (found == token_names_.end()) token_names_.push_back(exchange.token);
  if (const auto method = engine::ParseMethod(exchange.method)) {
    if (const auto route = engine::ParseRoute(*method, exchange.path)) {
      rec.operation = route->operation;
    }
  }
  rec.identity = IdentityOf(exchange, body, rec.operation, config_.idempotency_property, &rec.key);
  records_.push_back(std::move(rec));
}

void ClientJudge::Clear() {
  records_.clear();
  token_names_.clear();
  unjudged_ = 0;
}

ClientVerdict ClientJudge::Verdict(const std::vector<CommandOutcome>& runs,
                                   const std::vector<ExpectOutcome>& expects,
                                   std::vector<JudgedExchange>* grouped) const {
  const ClientJudgeConfig& cfg = config_;
  // An exchange as evidence, with the idempotency key that made it the same as another.
  auto line_of = [&cfg](const Record& r) {
    if (r.key.empty()) return "\n    " + FormatExchange(r.x);
    ObservedExchange shown = r.x;
    shown.path += " (" + cfg.idempotency_property + " \"" + r.key + "\")";
    return "\n    " + FormatExchange(shown);
  };
  auto collector = [&](ClientInvariant inv) {
    return Collector(ClientInvariantName(inv), cfg.IsOn(inv), cfg.max_violations_kept);
  };
  Collector duplicates = collector(ClientInvariant::kNoDuplicateCreates);
  Collector retry_after = collector(ClientInvariant::kRetryAfterRespected);
  Collector unsafe = collector(ClientInvariant::kNoUnsafeRetry);
  Collector bounded = collector(ClientInvariant::kAttemptsBounded);
  Collector backoff = collector(ClientInvariant::kBackoff);
  const bool rate_set = cfg.rate_budget > 0 || cfg.max_provoked_429.has_value();
  Collector rate(ClientInvariantName(ClientInvariant::kClientRate),
                 cfg.IsOn(ClientInvariant::kClientRate) && rate_set, cfg.max_violations_kept);
  Collector finished(ClientInvariantName(ClientInvariant::kFinished),
                     cfg.IsOn(ClientInvariant::kFinished) && (!runs.empty() || !expects.empty()),
                     cfg.max_violations_kept);

  ClientVerdict verdict;
  ClientTraffic& traffic = verdict.traffic;
  traffic.unjudged = unjudged_;
  traffic.requests = records_.size();
  std::vector<std::vector<const Record*>> by_token(token_names_.size());
  for (const Record& r : records_) by_token[r.token].push_back(&r);
  bool any = false;

  for (std::size_t t = 0; t < by_token.size(); ++t) {
    std::vector<const Record*>& recs = by_token[t];
    std::sort(recs.begin(), recs.end(), [](const Record* a, const Record* b) {
      return a->x.arrived_us != b->x.arrived_us ? a->x.arrived_us < b->x.arrived_us
                                                : a->seq < b->seq;
    });
    TokenTraffic tt;
    tt.token = token_names_[t];
    const std::string& who = tt.token;

    // Answers that said to wait, in the order they went out.
    std::vector<const Record*> waits;
    for (const Record* r : recs) {
      if (r->x.retry_after_until_us) waits.push_back(r);
    }
    std::sort(waits.begin(), waits.end(), [](const Record* a, const Record* b) {
      return a->x.answered_us != b->x.answered_us ? a->x.answered_us < b->x.answered_us
                                                  : a->seq < b->seq;
    });
    retry_after.Checked(waits.size());
    std::size_t next_wait = 0;
    std::vector<const Record*> active;

    struct Chain {
      const Record* first = nullptr;
      const Record* last = nullptr;
      std::uint32_t attempts = 0;
      bool reported = false;
    };
    std::map<std::uint64_t, Chain> chains;
    std::map<std::uint64_t, const Record*> failed_creates;  // identity -> committed and failed
    std::deque<TimeUs> window;
    bool over_budget = false;
    TimeUs last_lookup_us = kNever;

    for (const Record* rp : recs) {
      const Record& r = *rp;
      const ObservedExchange& x = r.x;
      if (!any || x.arrived_us < traffic.first_us) traffic.first_us = x.arrived_us;
      traffic.last_us = std::max(traffic.last_us, x.arrived_us);
      any = true;

      // Traffic.
      ++tt.requests;
      if (x.end != ExchangeEnd::kAnswered) {
        ++tt.no_answer;
      } else if (x.status == 429 || x.status == 529) {
        ++tt.http_429;
        if (!x.injected) ++tt.provoked_429;
      } else if (x.status >= 500) {
        ++tt.http_5xx;
      } else if (x.status >= 400) {
        ++tt.http_4xx;
      } else if (x.status >= 200 && x.status < 300) {
        ++tt.http_2xx;
      }
      if (x.injected) ++tt.injected;

      // client_rate: arrivals in (now - window, now].
      rate.Checked();
      while (!window.empty() && window.front() <= x.arrived_us - cfg.rate_window_us) {
        window.pop_front();
      }
      window.push_back(x.arrived_us);
      const auto in_window = static_cast<std::int64_t>(window.size());
      tt.busiest_window = std::max(tt.busiest_window, in_window);
      if (cfg.rate_budget > 0 && in_window > cfg.rate_budget) {
        if (!over_budget) {
          rate.Violate(x.arrived_us, "token " + who + ": " + std::to_string(in_window) +
                                         " requests within " + MsText(cfg.rate_window_us) +
                                         " (budget " + std::to_string(cfg.rate_budget) +
                                         "), from " + FormatTime(window.front()) + " to " +
                                         FormatTime(x.arrived_us) + line_of(r));
        }
        over_budget = true;
      } else {
        over_budget = false;
      }

      // The operation this request is an attempt of: its chain's, when it repeats a failed one.
      auto [it, fresh] = chains.try_emplace(r.identity);
      Chain& chain = it->second;
      const bool repeat = !fresh && !Succeeded(chain.last->x);
      const std::uint64_t op = (repeat ? chain.first->seq : r.seq) + 1;
      if (grouped != nullptr) {
        JudgedExchange g;
        g.x = &r.x;
        g.op = op;
        g.attempt = repeat ? chain.attempts + 1 : 1;
        if (repeat && chain.last->x.ended_us <= x.arrived_us) {
          g.gap_us = x.arrived_us - chain.last->x.ended_us;
        }
        grouped->push_back(g);
      }

      // retry_after_respected.
      while (next_wait < waits.size() && waits[next_wait]->x.answered_us < x.arrived_us) {
        active.push_back(waits[next_wait++]);
      }
      active.erase(std::remove_if(active.begin(), active.end(),
                                  [&](const Record* w) {
                                    return *w->x.retry_after_until_us - cfg.clock_slack_us <=
                                           x.arrived_us;
                                  }),
                   active.end());
      for (const Record* w : active) {
        if (w == rp) continue;
        const bool same_connection = !x.connection.empty() && x.connection == w->x.connection;
        const bool in_flight = !same_connection && r.identity != w->identity &&
                               x.arrived_us <= w->x.answered_us + cfg.in_flight_us;
        if (in_flight) continue;
        const TimeUs early_us = *w->x.retry_after_until_us - x.arrived_us;
        retry_after.Violate(x.arrived_us,
                            "token " + who + ": a request " + MsText(early_us) +
                                " before the Retry-After of an earlier answer ran "
                                "out (at " +
                                FormatTime(*w->x.retry_after_until_us) + ")" + line_of(*w) +
                                line_of(r),
                            op);
        break;
      }

      // Chains of the same request: attempts_bounded, backoff, no_unsafe_retry.
      if (repeat) {
        const Record& prev = *chain.last;
        ++tt.repeats;
        ++chain.attempts;
        // backoff: judged only when the failure ended before the repeat arrived (a client that
        // gave up without closing its connection ended it at an unknown time).
        if (!prev.x.retry_after_until_us && prev.x.ended_us <= x.arrived_us) {
          backoff.Checked();
          const TimeUs gap_us = x.arrived_us - prev.x.ended_us;
          if (gap_us < cfg.min_gap_us) {
            backoff.Violate(x.arrived_us,
                            "token " + who + ": repeated " + MsText(gap_us) +
                                " after its failure ended (at least " + MsText(cfg.min_gap_us) +
                                " expected)" + line_of(prev) + line_of(r),
                            op);
          }
        }
        if (MakesSomething(r.operation)) {
          unsafe.Checked();
          if (Ambiguous(prev.x) && last_lookup_us <= prev.x.arrived_us) {
            unsafe.Violate(x.arrived_us,
                           "token " + who + ": " + x.method + " " + x.path +
                               " repeated after a failure that may have applied it, with no "
                               "lookup in between" +
                               line_of(prev) + line_of(r),
                           op);
          }
        }
        if (chain.attempts > cfg.max_attempts && !chain.reported) {
          chain.reported = true;
          bounded.Violate(x.arrived_us,
                          "token " + who + ": the same request sent " +
                              std::to_string(chain.attempts) +
                              " times in a row without a success (max_attempts " +
                              std::to_string(cfg.max_attempts) + ")" + line_of(*chain.first) +
                              line_of(prev) + line_of(r),
                          op);
        }
      } else {
        bounded.Checked();
        chain.first = rp;
        chain.attempts = 1;
        chain.reported = false;
      }
      chain.last = rp;
      if (IsLookup(r.operation)) last_lookup_us = x.arrived_us;

      // no_duplicate_creates.
      if (MakesSomething(r.operation) && x.committed) {
        ++tt.creates_committed;
        duplicates.Checked();
        const auto earlier = failed_creates.find(r.identity);
        if (earlier != failed_creates.end()) {
          duplicates.Violate(x.arrived_us,
                             "token " + who + ": " + x.method + " " + x.path +
                                 " committed again after an identical one had "
                                 "committed and its answer failed" +
                                 line_of(*earlier->second) + line_of(r),
                             op);
        }
        if (!Succeeded(x)) failed_creates.try_emplace(r.identity, rp);
      }
    }
    if (cfg.max_provoked_429 && tt.provoked_429 > *cfg.max_provoked_429) {
      rate.Violate(recs.back()->x.arrived_us,
                   "token " + who + ": provoked " + std::to_string(tt.provoked_429) +
                       " 429/529 answers from the server's limits (max_429 " +
                       std::to_string(*cfg.max_provoked_429) + ")");
    }
    traffic.tokens.push_back(std::move(tt));
  }

  // The series: whole-second buckets, as few seconds each as keep them within the bound.
  const TimeUs span_us = traffic.last_us + 1;
  const auto n = static_cast<TimeUs>(ClientTraffic::kTrafficBuckets);
  traffic.bucket_us = Sec(std::max<TimeUs>(1, (span_us + n * kUsPerSec - 1) / (n * kUsPerSec)));
  if (!records_.empty()) {
    traffic.series.resize(static_cast<std::size_t>(span_us / traffic.bucket_us + 1));
    for (std::size_t i = 0; i < traffic.series.size(); ++i) {
      traffic.series[i].start_us = static_cast<TimeUs>(i) * traffic.bucket_us;
    }
    for (const Record& r : records_) {
      TrafficBucket& b = traffic.series[static_cast<std::size_t>(
          std::max<TimeUs>(0, r.x.arrived_us) / traffic.bucket_us)];
      ++b.requests;
      if (r.x.end != ExchangeEnd::kAnswered) {
        ++b.no_answer;
      } else if (r.x.status == 429 || r.x.status == 529) {
        ++b.http_429;
      } else if (r.x.status >= 500) {
        ++b.http_5xx;
      }
    }
  }

  finished.Checked(runs.size() + expects.size());
  for (const CommandOutcome& run : runs) {
    if (run.timed_out) {
      finished.Violate(run.ended_us, run.label + ": still running at its time limit (killed)");
    } else if (run.exit_code != 0) {
      finished.Violate(run.ended_us,
                       run.label + ": exited with status " + std::to_string(run.exit_code));
    }
  }
  for (const ExpectOutcome& e : expects) {
    if (!e.held) finished.Violate(traffic.last_us, "expected " + e.what + ": " + e.found);
  }

  verdict.invariants = {duplicates.Result(), retry_after.Result(), unsafe.Result(),
                        bounded.Result(),    backoff.Result(),     rate.Result(),
                        finished.Result()};
  return verdict;
}

}  // namespace notion_sim::checks
