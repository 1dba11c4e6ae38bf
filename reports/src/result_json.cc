#include "notion_sim/reports/result_json.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>

#include <unistd.h>

#include "notion_sim/engine/json_reader.h"
#include "notion_sim/reports/text.h"

namespace notion_sim::reports {
namespace {

using nlohmann::json;
using scenarios::RunResult;

// Writing and reading share one description of every struct (the Fields functions below), so
// the two cannot drift apart. JsonOut writes; JsonIn reads, remembering the first error with its
// JSON pointer.
class JsonOut {
 public:
  explicit JsonOut(json& j) : j_(j) { j_ = json::object(); }
  void U64(const char* k, std::uint64_t& v) { j_[k] = v; }
  void I64(const char* k, std::int64_t& v) { j_[k] = v; }
  void U32(const char* k, std::uint32_t& v) { j_[k] = v; }
  void U16(const char* k, std::uint16_t& v) { j_[k] = v; }
  void Dbl(const char* k, double& v) {
    if (std::isfinite(v)) {
      j_[k] = v;
    } else {
      j_[k] = nullptr;
    }
  }
  void OptDbl(const char* k, std::optional<double>& v) {
    if (v && std::isfinite(*v)) {
      j_[k] = *v;
    } else {
      j_[k] = nullptr;
    }
  }
  void Str(const char* k, std::string& v) { j_[k] = v; }
  void StrArr(const char* k, std::vector<std::string>& v) { j_[k] = v; }
  template <typename E>
  void Enum(const char* k, E& v, std::string_view (*name)(E), int count) {
    (void)count;
    j_[k] = std::string(name(v));
  }
  template <typename F>
  void Obj(const char* k, F f) {
    JsonOut sub(j_[k]);
    f(sub);
  }
  template <typename T, typename F>
  void Arr(const char* k, std::vector<T>& v, F f) {
    json a = json::array();
    for (T& x : v) {
      json e;
      JsonOut o(e);
      f(o, x);
      a.push_back(std::move(e));
    }
    j_[k] = std::move(a);
  }
  template <typename T, std::size_t N>
  void U64Array(const char* k, std::array<T, N>& v) {
    j_[k] = v;
  }
  void U64Vec(const char* k, std::vector<std::uint64_t>& v) { j_[k] = v; }
  void Bool(const char* k, bool& v) { j_[k] = v; }
  void Int(const char* k, int& v) { j_[k] = v; }
  // An optional object: null when absent.
  template <typename T, typename F>
  void OptObj(const char* k, std::optional<T>& v, F f) {
    if (!v) {
      j_[k] = nullptr;
      return;
    }
    JsonOut sub(j_[k]);
    f(sub, *v);
  }

 private:
  json& j_;
};

class JsonIn {
 public:
  JsonIn(const json& j, std::string path, std::string where, std::optional<Error>* error)
      : j_(j), path_(std::move(path)), where_(std::move(where)), error_(error) {}

  void U64(const char* k, std::uint64_t& v) {
    if (const json* x = Get(k, "a non-negative integer")) {
      if (x->is_number_unsigned() || (x->is_number_integer() && x->get<std::int64_t>() >= 0)) {
        v = x->get<std::uint64_t>();
      } else {
        Fail(k, "expected a non-negative integer");
      }
    }
  }
  void I64(const char* k, std::int64_t& v) {
    if (const json* x = Get(k, "an integer")) {
      if (x->is_number_integer()) {
        v = x->get<std::int64_t>();
      } else {
        Fail(k, "expected an integer");
      }
    }
  }
  void U32(const char* k, std::uint32_t& v) {
    std::uint64_t w = 0;
    U64(k, w);
    if (w > UINT32_MAX) Fail(k, "expected an integer below 2^32");
    v = static_cast<std::uint32_t>(w);
  }
  void U16(const char* k, std::uint16_t& v) {
    std::uint64_t w = 0;
    U64(k, w);
    if (w > UINT16_MAX) Fail(k, "expected an integer below 65536");
    v = static_cast<std::uint16_t>(w);
  }
  void Dbl(const char* k, double& v) {
    if (const json* x = Get(k, "a number")) {
      if (x->is_number()) {
        v = x->get<double>();
      } else if (x->is_null()) {
        v = std::numeric_limits<double>::quiet_NaN();
      } else {
        Fail(k, "expected a number");
      }
    }
  }
  void OptDbl(const char* k, std::optional<double>& v) {
    if (const json* x = Get(k, "a number or null")) {
      if (x->is_number()) {
        v = x->get<double>();
      } else if (x->is_null()) {
        v.reset();
      } else {
        Fail(k, "expected a number or null");
      }
    }
  }
  void Str(const char* k, std::string& v) {
    if (const json* x = Get(k, "a string")) {
      if (x->is_string()) {
        v = x->get<std::string>();
      } else {
        Fail(k, "expected a string");
      }
    }
  }
  void StrArr(const char* k, std::vector<std::string>& v) {
    Scalars(k, v, "an array of strings", "expected an array of strings", "expected a string",
            [](const json& e) { return e.is_string(); });
  }
  template <typename E>
  void Enum(const char* k, E& v, std::string_view (*name)(E), int count) {
    std::string s;
    Str(k, s);
    if (error_->has_value()) return;
    std::string known;
    for (int i = 0; i < count; ++i) {
      const std::string_view n = name(static_cast<E>(i));
      if (n == s) {
        v = static_cast<E>(i);
        return;
      }
      known += (known.empty() ? "" : ", ") + std::string(n);
    }
    Fail(k, "unknown value \"" + s + "\" (expected one of " + known + ")");
  }
  template <typename F>
  void Obj(const char* k, F f) {
    if (const json* x = Get(k, "an object")) {
      if (!x->is_object()) {
        Fail(k, "expected an object");
        return;
      }
      JsonIn sub(*x, path_ + "/" + k, where_, error_);
      f(sub);
    }
  }
  template <typename T, typename F>
  void Arr(const char* k, std::vector<T>& v, F f) {
    v.clear();
    const json* x = Get(k, "an array");
    if (x == nullptr) return;
    if (!x->is_array()) {
      Fail(k, "expected an array");
      return;
    }
    for (std::size_t i = 0; i < x->size() && !error_->has_value(); ++i) {
      if (!(*x)[i].is_object()) {
        Fail(std::string(k) + "/" + std::to_string(i), "expected an object");
        return;
      }
      JsonIn e((*x)[i], path_ + "/" + k + "/" + std::to_string(i), where_, error_);
      T item{};
      f(e, item);
      v.push_back(std::move(item));
    }
  }
  void U64Vec(const char* k, std::vector<std::uint64_t>& v) {
    Scalars(k, v, "an array", "expected an array of integers", "expected a non-negative integer",
            [](const json& e) { return e.is_number_unsigned(); });
  }
  void Bool(const char* k, bool& v) {
    if (const json* x = Get(k, "true or false")) {
      if (x->is_boolean()) {
        v = x->get<bool>();
      } else {
        Fail(k, "expected true or false");
      }
    }
  }
  void Int(const char* k, int& v) {
    std::int64_t w = 0;
    I64(k, w);
    if (w < INT32_MIN || w > INT32_MAX) Fail(k, "expected a 32-bit integer");
    v = static_cast<int>(w);
  }
  template <typename T, typename F>
  void OptObj(const char* k, std::optional<T>& v, F f) {
    const json* x = Get(k, "an object or null");
    if (x == nullptr) return;
    if (x->is_null()) {
      v.reset();
      return;
    }
    if (!x->is_object()) {
      Fail(k, "expected an object or null");
      return;
    }
    v.emplace();
    JsonIn sub(*x, path_ + "/" + k, where_, error_);
    f(sub, *v);
  }
  template <typename T, std::size_t N>
  void U64Array(const char* k, std::array<T, N>& v) {
    const json* x = Get(k, "an array");
    if (x == nullptr) return;
    if (!x->is_array() || x->size() != N) {
      Fail(k, "expected an array of " + std::to_string(N) + " integers");
      return;
    }
    for (std::size_t i = 0; i < N; ++i) {
      if (!(*x)[i].is_number_unsigned() && !(*x)[i].is_number_integer()) {
        Fail(std::string(k) + "/" + std::to_string(i), "expected an integer");
        return;
      }
      v[i] = (*x)[i].get<T>();
    }
  }

 private:
  // An array of scalars at k, each passing `ok`; `missing`, `not_array` and `bad_item` word the
  // errors.
  template <typename T, typename Ok>
  void Scalars(const char* k, std::vector<T>& v, const char* missing, const char* not_array,
               const char* bad_item, Ok ok) {
    v.clear();
    const json* x = Get(k, missing);
    if (x == nullptr) return;
    if (!x->is_array()) {
      Fail(k, not_array);
      return;
    }
    for (std::size_t i = 0; i < x->size(); ++i) {
      if (!ok((*x)[i])) {
        Fail(std::string(k) + "/" + std::to_string(i), bad_item);
        return;
      }
      v.push_back((*x)[i].get<T>());
    }
  }
  const json* Get(const char* k, const char* what) {
    if (error_->has_value()) return nullptr;
    if (!j_.is_object() || !j_.contains(k)) {
      Fail(k, std::string("missing field (") + what + ")");
      return nullptr;
    }
    return &j_.at(k);
  }
  void Fail(const std::string& k, const std::string& what) {
    if (error_->has_value()) return;
    *error_ = InvalidInput(where_ + ": at " + path_ + "/" + k + ": " + what);
  }

  const json& j_;
  std::string path_;
  std::string where_;
  std::optional<Error>* error_;
};

// SchemaOut turns the same field descriptions into the JSON Schema of what JsonOut writes
// (schemas/result.schema.json is this schema; a test keeps the two equal).
class SchemaOut {
 public:
  explicit SchemaOut(json& j) : j_(j) {
    j_ = {{"type", "object"},
          {"additionalProperties", false},
          {"properties", json::object()},
          {"required", json::array()}};
  }
  void U64(const char* k, std::uint64_t&) { Put(k, {{"type", "integer"}, {"minimum", 0}}); }
  void I64(const char* k, std::int64_t&) { Put(k, {{"type", "integer"}}); }
  void U32(const char* k, std::uint32_t&) {
    Put(k, {{"type", "integer"}, {"minimum", 0}, {"maximum", UINT32_MAX}});
  }
  void U16(const char* k, std::uint16_t&) {
    Put(k, {{"type", "integer"}, {"minimum", 0}, {"maximum", UINT16_MAX}});
  }
  void Dbl(const char* k, double&) {
    Put(k, {{"type", {"number", "null"}}, {"description", "null when not finite"}});
  }
  void OptDbl(const char* k, std::optional<double>&) {
    Put(k, {{"type", {"number", "null"}}, {"description", "null when absent or not finite"}});
  }
  void Str(const char* k, std::string&) { Put(k, {{"type", "string"}}); }
  void StrArr(const char* k, std::vector<std::string>&) {
    Put(k, {{"type", "array"}, {"items", {{"type", "string"}}}});
  }
  template <typename E>
  void Enum(const char* k, E&, std::string_view (*name)(E), int count) {
    json names = json::array();
    for (int i = 0; i < count; ++i) names.push_back(std::string(name(static_cast<E>(i))));
    Put(k, {{"enum", names}});
  }
  template <typename F>
  void Obj(const char* k, F f) {
    json sub;
    SchemaOut o(sub);
    f(o);
    Put(k, sub);
  }
  template <typename T, typename F>
  void Arr(const char* k, std::vector<T>&, F f) {
    json item;
    SchemaOut o(item);
    T x{};
    f(o, x);
    Put(k, {{"type", "array"}, {"items", item}});
  }
  template <typename T, std::size_t N>
  void U64Array(const char* k, std::array<T, N>&) {
    Put(k, {{"type", "array"},
            {"items", {{"type", "integer"}, {"minimum", 0}}},
            {"minItems", N},
            {"maxItems", N}});
  }
  void U64Vec(const char* k, std::vector<std::uint64_t>&) {
    Put(k, {{"type", "array"}, {"items", {{"type", "integer"}, {"minimum", 0}}}});
  }
  void Bool(const char* k, bool&) { Put(k, {{"type", "boolean"}}); }
  void Int(const char* k, int&) {
    Put(k, {{"type", "integer"}, {"minimum", INT32_MIN}, {"maximum", INT32_MAX}});
  }
  template <typename T, typename F>
  void OptObj(const char* k, std::optional<T>&, F f) {
    json sub;
    SchemaOut o(sub);
    T x{};
    f(o, x);
    Put(k, {{"oneOf", {sub, {{"type", "null"}}}}});
  }

 private:
  void Put(const char* k, json schema) {
    j_["properties"][k] = std::move(schema);
    j_["required"].push_back(k);
  }
  json& j_;
};

// --- Field descriptions ------------------------------------------------------------------------

std::string_view OperationNameOf(engine::Operation op) { return engine::OperationName(op); }
std::string_view BreakerStateNameOf(engine::BreakerState s) { return engine::BreakerStateName(s); }
std::string_view CauseName(engine::TransitionCause c) {
  return c == engine::TransitionCause::kManual ? "manual" : "automatic";
}
std::string_view EventKindNameOf(engine::EventKind k) { return engine::EventKindName(k); }
std::string_view DependencyNameOf(engine::Dependency d) { return engine::DependencyName(d); }

template <typename IO>
void OutcomeFields(IO& io, checks::OutcomeCounts& c) {
  io.U64("started", c.started);
  io.U64("succeeded", c.succeeded);
  io.U64("served_fallback", c.served_fallback);
  io.U64("failed", c.failed);
  io.U64("dead_lettered", c.dead_lettered);
  io.U64("unfinished", c.unfinished);
}

template <typename IO>
void LatencyFields(IO& io, checks::LatencySummary& l) {
  io.U64("count", l.count);
  io.I64("p50_us", l.p50_us);
  io.I64("p90_us", l.p90_us);
  io.I64("p99_us", l.p99_us);
  io.I64("max_us", l.max_us);
  io.I64("mean_us", l.mean_us);
}

template <typename IO>
void MetricsFields(IO& io, checks::MetricsReport& m) {
  io.I64("first_start_us", m.first_start_us);
  io.I64("last_finish_us", m.last_finish_us);
  io.I64("end_us", m.end_us);
  io.I64("span_us", m.span_us);
  io.I64("work_end_us", m.work_end_us);
  io.Obj("ops", [&](IO& o) { OutcomeFields(o, m.ops); });
  io.Obj("latency", [&](IO& o) { LatencyFields(o, m.latency); });
  io.U64Array("attempts_histogram", m.attempts_histogram);
  io.Arr("operations", m.operations, [](IO& o, checks::OperationMetrics& p) {
    o.Enum("operation", p.operation, &OperationNameOf, engine::kOperationCount);
    o.Obj("ops", [&](IO& x) { OutcomeFields(x, p.ops); });
    o.Obj("latency", [&](IO& x) { LatencyFields(x, p.latency); });
    o.U64Array("attempts_histogram", p.attempts_histogram);
    o.U64("attempts", p.attempts);
    o.U64("reconcile_lookups", p.reconcile_lookups);
    o.Dbl("api_calls_per_op", p.api_calls_per_op);
    o.Dbl("success_ratio", p.success_ratio);
    o.Dbl("throughput_per_s", p.throughput_per_s);
  });
  io.Obj("requests", [&](IO& o) {
    o.U64("attempts", m.attempts);
    o.U64("reconcile_lookups", m.reconcile_lookups);
    o.U64("total", m.requests);
    o.U64("outside_ops", m.requests_outside_ops);
    o.U64("retries", m.retries);
    o.U64("retries_scheduled", m.retries_scheduled);
    o.I64("retry_delay_total_us", m.retry_delay_total_us);
    o.I64("retry_delay_max_us", m.retry_delay_max_us);
    o.U64("retries_gave_up", m.retries_gave_up);
    o.U64("retry_after_honored", m.retry_after_honored);
    o.U64("budget_exhausted", m.budget_exhausted);
    o.Dbl("api_calls_per_op", m.api_calls_per_op);
    o.Dbl("retry_ratio", m.retry_ratio);
    o.Dbl("per_min", m.requests_per_min);
  });
  io.Dbl("throughput_per_s", m.throughput_per_s);
  io.Obj("responses", [&](IO& o) {
    o.U64("http_2xx", m.http_2xx);
    o.U64("http_429", m.http_429);
    o.U64("http_4xx", m.http_4xx);
    o.U64("http_5xx", m.http_5xx);
    o.U64("transport_errors", m.transport_errors);
    o.U64("timeouts_fired", m.timeouts_fired);
    o.U64("faults_injected", m.faults_injected);
  });
  io.Obj("limiter", [&](IO& o) {
    o.U64("delays", m.limiter_delays);
    o.I64("delay_total_us", m.limiter_delay_total_us);
    o.I64("delay_max_us", m.limiter_delay_max_us);
    o.U64("rejections", m.limiter_rejections);
  });
  io.U64("breaker_rejections", m.breaker_rejections);
  io.U64("bulkhead_rejections", m.bulkhead_rejections);
  io.U64("fallbacks_served", m.fallbacks_served);
  io.Obj("dlq", [&](IO& o) {
    o.U64("enqueued", m.dlq_enqueued);
    o.U64("retried", m.dlq_retried);
    o.U64("permanent", m.dlq_permanent);
    o.U64("drained", m.dlq_drained);
    o.I64("depth_max", m.dlq_depth_max);
    o.I64("depth_end", m.dlq_depth_end);
  });
  io.U64("breaker_opens", m.breaker_opens);
  io.Arr("breakers", m.breakers, [](IO& o, checks::BreakerTimeline& b) {
    o.Enum("dependency", b.dependency, &DependencyNameOf, engine::kDependencyCount);
    o.U16("key", b.key);
    o.U64("opens", b.opens);
    o.Enum("final_state", b.final_state, &BreakerStateNameOf, 5);
    o.I64("not_closed_us", b.not_closed_us);
    o.U64("dropped", b.dropped);
    o.Arr("changes", b.changes, [](IO& c, checks::BreakerChange& ch) {
      c.I64("at_us", ch.at_us);
      c.Enum("from", ch.from, &BreakerStateNameOf, 5);
      c.Enum("to", ch.to, &BreakerStateNameOf, 5);
      c.Enum("cause", ch.cause, &CauseName, 2);
    });
  });
  io.Obj("slo", [&](IO& o) {
    o.Dbl("target", m.slo_target);
    o.Dbl("success_ratio", m.success_ratio);
    o.Dbl("answered_ratio", m.answered_ratio);
    o.Dbl("error_budget_burn", m.error_budget_burn);
  });
  io.Obj("recovery", [&](IO& o) {
    o.Enum("state", m.recovery, &checks::RecoveryName, 3);
    o.I64("fault_end_us", m.fault_end_us);
    o.Enum("fault_end_source", m.fault_end_source, &checks::FaultEndName, 3);
    o.I64("last_fault_us", m.last_fault_us);
    o.Arr("fault_windows", m.fault_windows, [](IO& w, checks::FaultWindow& f) {
      w.I64("from_us", f.from_us);
      w.I64("until_us", f.until_us);
    });
    o.I64("recovered_at_us", m.recovered_at_us);
    o.I64("recovery_us", m.recovery_us);
  });
  io.Arr("health", m.health, [](IO& o, checks::ServiceHealth& h) {
    o.Enum("service", h.service, &DependencyNameOf, engine::kDependencyCount);
    o.I64("healthy_us", h.healthy_us);
    o.I64("degraded_us", h.degraded_us);
    o.I64("unhealthy_us", h.unhealthy_us);
    o.U64("changes", h.changes);
  });
  io.Arr("dependencies", m.dependencies, [](IO& o, checks::DependencyMetrics& d) {
    o.Enum("dependency", d.dependency, &DependencyNameOf, engine::kDependencyCount);
    o.U64("requests", d.requests);
    o.U64("retries", d.retries);
    o.U64("http_429", d.http_429);
    o.U64("http_5xx", d.http_5xx);
    o.U64("transport_errors", d.transport_errors);
    o.U64("breaker_opens", d.breaker_opens);
    o.U64("limiter_delays", d.limiter_delays);
  });
  io.Obj("series", [&](IO& o) {
    o.I64("bucket_us", m.bucket_us);
    o.Arr("buckets", m.series, [](IO& b, checks::SeriesBucket& s) {
      b.I64("start_us", s.start_us);
      b.U64("started", s.started);
      b.U64("succeeded", s.succeeded);
      b.U64("served_fallback", s.served_fallback);
      b.U64("failed", s.failed);
      b.U64("dead_lettered", s.dead_lettered);
      b.U64("requests", s.requests);
      b.U64("http_429", s.http_429);
      b.U64("http_5xx", s.http_5xx);
      b.I64("dlq_depth_max", s.dlq_depth_max);
      b.I64("dlq_depth_end", s.dlq_depth_end);
      b.I64("breakers_open_max", s.breakers_open_max);
      b.I64("breakers_open_end", s.breakers_open_end);
      b.I64("latency_p50_us", s.latency_p50_us);
      b.I64("latency_p99_us", s.latency_p99_us);
    });
  });
  io.Arr("workflows", m.workflows, [](IO& o, checks::WorkflowMetrics& w) {
    o.Str("name", w.name);
    o.U64("items_started", w.items_started);
    o.U64Array("items", w.items);  // by outcome: succeeded, degraded, failed, dead_lettered,
                                   // aborted
    o.U64("items_unfinished", w.items_unfinished);
    o.I64("first_release_us", w.first_release_us);
    o.I64("last_finish_us", w.last_finish_us);
    o.I64("makespan_us", w.makespan_us);
    o.I64("done_p50_us", w.done_p50_us);
    o.I64("done_p90_us", w.done_p90_us);
    o.I64("done_p99_us", w.done_p99_us);
    o.Obj("latency", [&](IO& x) { LatencyFields(x, w.latency); });
    o.U64("api_calls", w.api_calls);
    o.Dbl("api_calls_per_item", w.api_calls_per_item);
    o.U64("notion_calls", w.notion_calls);
    o.Dbl("notion_calls_per_item", w.notion_calls_per_item);
    o.Dbl("items_per_min", w.items_per_min);
    o.Dbl("requests_per_min", w.requests_per_min);
    o.Dbl("budget_requests_per_min", w.budget_requests_per_min);
    o.Arr("steps", w.steps, [](IO& x, checks::StepMetrics& st) {
      x.Str("name", st.name);
      x.U64("runs", st.runs);
      x.U64("failed", st.failed);
      x.U64("calls", st.calls);
      x.Obj("latency", [&](IO& y) { LatencyFields(y, st.latency); });
    });
    o.U64Vec("done_per_bucket", w.done_per_bucket);
  });
}

template <typename IO>
void EventFields(IO& io, engine::Event& e) {
  io.I64("at_us", e.at_us);
  io.U64("op_id", e.op_id);
  io.Enum("kind", e.kind, &EventKindNameOf, static_cast<int>(engine::EventKind::kCount));
  io.U32("attempt", e.attempt);
  io.U16("key", e.key);
  io.I64("a", e.a);
  io.I64("b", e.b);
}

template <typename IO>
void InvariantFields(IO& io, checks::InvariantResult& r) {
  io.Str("name", r.name);
  io.Enum("verdict", r.verdict, &checks::VerdictName, 3);
  io.U64("checked_count", r.checked_count);
  io.U64("violation_count", r.violation_count);
  io.Str("first_violation", r.first_violation);
  io.Arr("violations", r.violations, [](IO& o, checks::Violation& v) {
    o.I64("at_us", v.at_us);
    o.U64("op_id", v.op_id);
    o.Str("text", v.text);
    o.Arr("events", v.events, [](IO& x, engine::Event& e) { EventFields(x, e); });
  });
}

template <typename IO>
void GateFields(IO& io, checks::GateResult& g) {
  io.Str("metric", g.gate.metric);
  io.OptDbl("min", g.gate.min);
  io.OptDbl("max", g.gate.max);
  io.Enum("verdict", g.verdict, &checks::GateVerdictName, 3);
  io.OptDbl("measured", g.measured);
  io.Str("text", g.text);
}

template <typename IO>
void ClientFields(IO& io, scenarios::ClientReport& c) {
  io.Str("command", c.command);
  io.Arr("runs", c.runs, [](IO& o, scenarios::ClientCommandRun& r) {
    o.U32("run", r.run);
    o.U32("copy", r.copy);
    o.Int("exit_code", r.exit_code);
    o.Bool("timed_out", r.timed_out);
    o.I64("started_us", r.started_us);
    o.I64("ended_us", r.ended_us);
    o.Str("stdout_path", r.stdout_path);
    o.Str("stderr_path", r.stderr_path);
    o.Str("stdout_tail", r.stdout_tail);
    o.Str("stderr_tail", r.stderr_tail);
  });
  io.Arr("tokens", c.tokens, [](IO& o, checks::TokenTraffic& t) {
    o.Str("token", t.token);
    o.U64("requests", t.requests);
    o.U64("http_2xx", t.http_2xx);
    o.U64("http_4xx", t.http_4xx);
    o.U64("http_429", t.http_429);
    o.U64("http_5xx", t.http_5xx);
    o.U64("no_answer", t.no_answer);
    o.U64("injected", t.injected);
    o.U64("provoked_429", t.provoked_429);
    o.U64("repeats", t.repeats);
    o.U64("creates_committed", t.creates_committed);
    o.I64("busiest_window", t.busiest_window);
  });
  io.Arr("expects", c.expects, [](IO& o, checks::ExpectOutcome& e) {
    o.Str("what", e.what);
    o.Bool("held", e.held);
    o.Str("found", e.found);
  });
  io.U64("unjudged", c.unjudged);
}

template <typename IO>
void ResultFields(IO& io, RunResult& r) {
  engine::RunSummary& s = r.summary;
  io.Str("mode", r.mode);
  io.Str("base_url", r.base_url);
  io.Str("scenario", r.scenario);
  io.Str("purpose", r.purpose);
  io.Str("path", r.path);
  io.Str("scenario_hash", r.scenario_hash);
  io.Str("profile", r.profile);
  io.U64("seed", r.seed);
  io.Str("digest", s.digest);
  io.Str("reproduce", r.reproduce);
  io.StrArr("tenants", r.tenants);
  io.Obj("rate_budget", [&](IO& o) {
    o.I64("requests", r.rate_budget);
    o.I64("window_us", r.rate_window_us);
  });
  io.Enum("verdict", r.verdict, &checks::RunVerdictName, 2);
  io.Obj("ops", [&](IO& o) {
    o.U64("started", s.ops_started);
    o.U64("succeeded", s.ops_succeeded);
    o.U64("served_fallback", s.ops_fallback);
    o.U64("failed", s.ops_failed);
    o.U64("dead_lettered", s.ops_dead_lettered);
    o.U64("unfinished", s.ops_unfinished);
    o.U64("double_finished", s.ops_double_finished);
    o.U64("resumed", r.ops_resumed);
  });
  io.U64("attempts", s.attempts);
  io.U64("events", s.events);
  io.I64("virtual_time_us", s.virtual_time_us);
  io.I64("last_finish_us", s.last_finish_us);
  io.Dbl("wall_time_ms", r.wall_time_ms);
  io.Str("started_at", r.started_at);
  io.Str("host", r.host);
  io.Obj("server", [&](IO& o) {
    o.U64("requests", r.server_requests);
    o.U64("writes", r.server_writes);
    o.U64("faults_injected", r.server_faults_injected);
    o.U64("rate_limited", r.server_rate_limited);
    o.U64("pages", r.server_pages);
  });
  io.Obj("webhooks", [&](IO& o) {
    scenarios::WebhookResult& w = r.webhooks;
    o.U64("events", w.events);
    o.U64("aggregated", w.aggregated);
    o.U64("deliveries", w.deliveries);
    o.U64("duplicates", w.duplicates);
    o.U64("accepted", w.accepted);
    o.U64("rejected_signature", w.rejected_signature);
    o.U64("retries", w.retries);
    o.U64("dropped", w.dropped);
    o.U64("fetches", w.fetches);
    o.U64("fetches_succeeded", w.fetches_succeeded);
    o.U64("fetch_attempts", w.fetch_attempts);
    o.U64("fetches_skipped", w.fetches_skipped);
  });
  io.Obj("dlq", [&](IO& o) {
    o.U64("depth_end", r.dlq_depth_end);
    o.U64("permanent", r.dlq_permanent);
  });
  io.Arr("checkpoints", r.checkpoints, [](IO& o, scenarios::CheckpointResult& c) {
    o.Str("job", c.job);
    o.Str("approach", c.approach);
    o.U32("records", c.records);
    o.U32("checkpoint", c.checkpoint);
    o.U64("succeeded", c.succeeded);
    o.U64("failed", c.failed);
    o.U64("dead_lettered", c.dead_lettered);
  });
  io.Arr("alerts", r.alerts, [](IO& o, scenarios::AlertCount& a) {
    o.Str("kind", a.kind);
    o.U64("count", a.count);
    o.I64("first_us", a.first_us);
  });
  io.Obj("metrics", [&](IO& o) { MetricsFields(o, r.checks.metrics); });
  io.Arr("invariants", r.checks.invariants,
         [](IO& o, checks::InvariantResult& i) { InvariantFields(o, i); });
  io.Arr("gates", r.checks.gates, [](IO& o, checks::GateResult& g) { GateFields(o, g); });
  io.OptObj("client", r.client, [](IO& o, scenarios::ClientReport& c) { ClientFields(o, c); });
}

json Headline(const RunResult& r) {
  const checks::MetricsReport& m = r.checks.metrics;
  json h = {
      {"capacity", CapacityLine(r)},
      {"succeeded", m.ops.succeeded},
      {"answered", m.ops.succeeded + m.ops.served_fallback},
      {"success_ratio", m.success_ratio},
      {"answered_ratio", m.answered_ratio},
      {"latency_ms_p50", static_cast<double>(m.latency.p50_us) / 1e3},
      {"latency_ms_p99", static_cast<double>(m.latency.p99_us) / 1e3},
      {"api_calls_per_op", m.api_calls_per_op},
      {"requests_per_min", m.requests_per_min},
      {"invariants_violated", 0},
      {"gates_failed", 0},
  };
  int violated = 0;
  for (const auto& i : r.checks.invariants) violated += i.held() ? 0 : 1;
  int failed = 0;
  for (const auto& g : r.checks.gates) failed += g.passed() ? 0 : 1;
  h["invariants_violated"] = violated;
  h["gates_failed"] = failed;
  if (m.recovery == checks::Recovery::kRecovered) {
    h["recovery_s"] = static_cast<double>(m.recovery_us) / 1e6;
  } else {
    h["recovery_s"] = nullptr;
  }
  return h;
}

// Older results, brought up to this version one step at a time, so a stored baseline survives an
// upgrade. Each step adds what its version introduced, with the value that means "not recorded";
// fields a step cannot know are documented in schemas/result.schema.json.
void Migrate(json& j, int from) {
  for (int v = from; v < kResultSchemaVersion; ++v) {
    switch (v) {
      case 2:  // 3 added live runs and the retry delays (compare's figures; not gate metrics)
        j["mode"] = "sim";
        j["base_url"] = "";
        if (j.contains("ops") && j["ops"].is_object()) j["ops"]["resumed"] = 0;
        if (j.contains("metrics") && j["metrics"].is_object() &&
            j["metrics"].contains("requests") && j["metrics"]["requests"].is_object()) {
          j["metrics"]["requests"]["retry_delay_total_us"] = 0;
          j["metrics"]["requests"]["retry_delay_max_us"] = 0;
        }
        break;
      case 3:  // 4 added when and where the run happened (JUnit's timestamp and hostname),
               // where the work ended (the charts' end; the run's end is the safe stand-in),
               // the tenants' names and the client_rate budget (reports' labels and lines)
        j["started_at"] = "";
        j["host"] = "";
        j["tenants"] = json::array();
        j["rate_budget"] = {{"requests", 0}, {"window_us", 0}};
        if (j.contains("metrics") && j["metrics"].is_object() && j["metrics"].contains("end_us")) {
          j["metrics"]["work_end_us"] = j["metrics"]["end_us"];
        }
        break;
      case 4:  // 5 (issue 14) added the answered ratio, where the faults' end came from and the
               // fault windows, health time per service, per-dependency rows and breakers'
               // dependencies; older runs had one dependency, Notion
        if (j.contains("metrics") && j["metrics"].is_object()) {
          json& m = j["metrics"];
          if (m.contains("slo") && m["slo"].is_object() && m.contains("ops") &&
              m["ops"].is_object()) {
            const json& o = m["ops"];
            auto n = [&](const char* k) {
              return o.contains(k) && o[k].is_number() ? o[k].get<double>() : 0.0;
            };
            const double finished =
                n("succeeded") + n("served_fallback") + n("failed") + n("dead_lettered");
            m["slo"]["answered_ratio"] =
                finished > 0 ? (n("succeeded") + n("served_fallback")) / finished : 1.0;
          }
          if (m.contains("recovery") && m["recovery"].is_object()) {
            json& rec = m["recovery"];
            const bool faults = rec.value("state", "no_faults") != "no_faults";
            rec["fault_end_source"] = faults ? "window" : "none";
            rec["last_fault_us"] = 0;
            rec["fault_windows"] = json::array();
          }
          m["health"] = json::array();
          m["dependencies"] = json::array();
          if (m.contains("breakers") && m["breakers"].is_array()) {
            for (json& b : m["breakers"]) {
              if (b.is_object()) b["dependency"] = "notion";
            }
          }
        }
        // 5 also added what `notion-sim test` ran (its command, runs, traffic, expectations) and
        // webhooks (a run without subscriptions records zeros)
        j["client"] = nullptr;
        j["webhooks"] = json::object();
        for (const char* k : {"events", "aggregated", "deliveries", "duplicates", "accepted",
                              "rejected_signature", "retries", "dropped", "fetches",
                              "fetches_succeeded", "fetch_attempts", "fetches_skipped"}) {
          j["webhooks"][k] = 0;
        }
        break;
      case 5:  // 6 (issue 17) added per-workflow and per-step figures; older runs had no workflows
               // (the enrich pipeline's figures were its operations')
        if (j.contains("metrics") && j["metrics"].is_object()) {
          j["metrics"]["workflows"] = json::array();
        }
        break;
      default:
        break;
    }
  }
  j["schema_version"] = kResultSchemaVersion;
}

}  // namespace

json ResultToJson(const RunResult& result) {
  RunResult copy = result;  // the field descriptions take non-const references
  json j;
  JsonOut out(j);
  ResultFields(out, copy);
  j["schema_version"] = kResultSchemaVersion;
  j["headline"] = Headline(result);
  return j;
}

Result<RunResult> ResultFromJson(const json& j, const std::string& where) {
  if (!j.is_object()) return InvalidInput(where + ": expected a JSON object (a run result)");
  if (!j.contains("schema_version") || !j.at("schema_version").is_number_integer()) {
    return InvalidInput(where + ": at /schema_version: missing (not a notion-sim result file?)");
  }
  const auto version = j.at("schema_version").get<std::int64_t>();
  if (version < kOldestReadableSchemaVersion || version > kResultSchemaVersion) {
    return InvalidInput(where + ": at /schema_version: version " + std::to_string(version) +
                        " is not supported (this notion-sim reads versions " +
                        std::to_string(kOldestReadableSchemaVersion) + " to " +
                        std::to_string(kResultSchemaVersion) + "; re-run the scenarios)");
  }
  json migrated;
  const json* doc = &j;
  if (version < kResultSchemaVersion) {
    migrated = j;
    Migrate(migrated, static_cast<int>(version));
    doc = &migrated;
  }
  RunResult r;
  std::optional<Error> error;
  JsonIn in(*doc, "", where, &error);
  ResultFields(in, r);
  if (error) return *error;
  return r;
}

json ResultJsonSchema() {
  RunResult r;
  json j;
  SchemaOut out(j);
  ResultFields(out, r);
  j["properties"]["schema_version"] = {{"const", kResultSchemaVersion}};
  j["properties"]["headline"] = {
      {"type", "object"},
      {"description",
       "the figures people read first, in friendly units; derived from the "
       "fields above and ignored on reading"}};
  j["required"].push_back("schema_version");
  j["required"].push_back("headline");
  json doc = {{"$schema", "https://json-schema.org/draft/2020-12/schema"},
              {"$id", "https://notion-sim.dev/schemas/result.schema.json"},
              {"title", "notion-sim run result"},
              {"description",
               "One scenario's run as notion-sim writes it (OUT/<scenario>.result.json, and each "
               "item of OUT/results.json's \"results\"). Times are integer microseconds (*_us), "
               "ratios plain numbers. Generated from reports/src/result_json.cc's field "
               "descriptions; older schema_versions are migrated on reading."}};
  for (auto& [k, v] : j.items()) doc[k] = v;
  return doc;
}

json ClientVerdictToJson(const checks::ClientVerdict& verdict,
                         const std::vector<checks::ExpectOutcome>& expects) {
  scenarios::ClientReport report;
  report.tokens = verdict.traffic.tokens;
  report.expects = expects;
  report.unjudged = verdict.traffic.unjudged;
  json j;
  JsonOut out(j);
  std::vector<checks::InvariantResult> invariants = verdict.invariants;
  out.Arr("invariants", invariants,
          [](JsonOut& o, checks::InvariantResult& i) { InvariantFields(o, i); });
  json client;
  JsonOut client_out(client);
  ClientFields(client_out, report);
  j["verdict"] = verdict.held() ? "held" : "violated";
  j["requests"] = verdict.traffic.requests;
  j["unjudged"] = verdict.traffic.unjudged;
  j["tokens"] = client["tokens"];
  j["expects"] = client["expects"];
  return j;
}

json IndexToJson(const std::vector<json>& results) {
  return json{{"schema_version", kResultSchemaVersion}, {"results", results}};
}

namespace {

Status AppendFromFile(const std::string& path, std::vector<RunResult>& out) {
  Result<json> j = engine::LoadJson(path);
  if (!j.ok()) return j.error();
  if (j->is_object() && j->contains("results")) {
    const json& list = j->at("results");
    if (!list.is_array()) return InvalidInput(path + ": at /results: expected an array");
    // Each result carries (and is checked for) its own schema version; the index is a list.
    for (std::size_t i = 0; i < list.size(); ++i) {
      Result<RunResult> r = ResultFromJson(list[i], path + ": in /results/" + std::to_string(i));
      if (!r.ok()) return r.error();
      out.push_back(std::move(r).value());
    }
    return {};
  }
  Result<RunResult> r = ResultFromJson(*j, path);
  if (!r.ok()) return r.error();
  out.push_back(std::move(r).value());
  return {};
}

}  // namespace

Result<std::vector<RunResult>> LoadResults(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<RunResult> out;
  if (!fs::exists(path, ec))
    return Error{ErrorCode::kNotFound, path + ": no such file or directory"};
  if (!fs::is_directory(path, ec)) {
    Status st = AppendFromFile(path, out);
    if (!st.ok()) return st.error();
    return out;
  }
  const fs::path index = fs::path(path) / "results.json";
  if (fs::exists(index, ec)) {
    Status st = AppendFromFile(index.string(), out);
    if (!st.ok()) return st.error();
    return out;
  }
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(path, ec)) {
    const std::string name = entry.path().filename().string();
    const std::string suffix = ".result.json";
    if (entry.is_regular_file() && name.size() > suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    return InvalidInput(path + ": holds neither results.json nor *.result.json files");
  }
  for (const std::string& f : files) {
    Status st = AppendFromFile(f, out);
    if (!st.ok()) return st.error();
  }
  return out;
}

Status WriteTextFile(const std::string& path, const std::string& text) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path p(path);
  if (p.has_parent_path()) fs::create_directories(p.parent_path(), ec);
  if (ec) return Error{ErrorCode::kIo, path + ": cannot create directory: " + ec.message()};
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Error{ErrorCode::kIo, tmp + ": cannot write"};
    out << text;
    if (!out) return Error{ErrorCode::kIo, tmp + ": write failed"};
  }
  fs::rename(tmp, p, ec);
  if (ec) return Error{ErrorCode::kIo, path + ": cannot rename into place: " + ec.message()};
  return {};
}

Status WriteJsonFile(const std::string& path, const json& j) {
  return WriteTextFile(path, j.dump(2) + "\n");
}

void StampRun(RunResult& result, std::chrono::system_clock::time_point started,
              double wall_time_ms) {
  result.wall_time_ms = wall_time_ms;
  const std::time_t t = std::chrono::system_clock::to_time_t(started);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  result.started_at = buf;
  char host[256] = {};
  result.host = gethostname(host, sizeof host - 1) == 0 ? host : "localhost";
}

std::string SummaryLine(const RunResult& r) {
  const engine::RunSummary& s = r.summary;
  int violated = 0;
  for (const auto& i : r.checks.invariants) violated += i.held() ? 0 : 1;
  if (r.client) {
    return r.scenario + ": " + std::string(checks::RunVerdictName(r.verdict)) + ", " +
           CapacityLine(r) + ", " + std::to_string(violated) + " invariant(s) violated, wall " +
           DurationText(s.virtual_time_us) + ", seed " + std::to_string(r.seed);
  }
  int failed = 0;
  for (const auto& g : r.checks.gates) failed += g.passed() ? 0 : 1;
  char buf[2048];
  std::snprintf(
      buf, sizeof buf,
      "%s: %s, %s, %llu attempts, %d invariant(s) violated, %d gate(s) failed, virtual %.1f s, "
      "wall %.1f ms, seed %llu, digest %s",
      r.scenario.c_str(), std::string(checks::RunVerdictName(r.verdict)).c_str(),
      WorkText(r).c_str(), static_cast<unsigned long long>(s.attempts), violated, failed,
      static_cast<double>(s.virtual_time_us) / 1e6, r.wall_time_ms,
      static_cast<unsigned long long>(r.seed), s.digest.c_str());
  return buf;
}

}  // namespace notion_sim::reports
