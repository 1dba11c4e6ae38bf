#include "notion_sim/reports/text.h"

#include <cmath>
#include <cstdio>

namespace notion_sim::reports {
namespace {

// At most three significant digits, no trailing zeros: 1.90 -> "1.9", 58.0 -> "58".
std::string Sig3(double v) {
  char buf[64];
  if (v >= 100) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else if (v >= 10) {
    std::snprintf(buf, sizeof buf, "%.1f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.2f", v);
  }
  std::string s = buf;
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s;
}

}  // namespace

std::string DurationText(TimeUs us) {
  const double v = static_cast<double>(us);
  if (us < kUsPerMs) return std::to_string(us) + " us";
  if (us < kUsPerSec) return Sig3(v / 1e3) + " ms";
  if (us < kUsPerMin) return Sig3(v / 1e6) + " s";
  if (us < kUsPerHour) return Sig3(v / 6e7) + " min";
  return Sig3(v / 3.6e9) + " h";
}

std::string ClockText(TimeUs us) {
  if (us < kUsPerSec) return DurationText(us);
  const std::int64_t s = (us + kUsPerSec / 2) / kUsPerSec;
  const std::int64_t h = s / 3600;
  const std::int64_t m = (s % 3600) / 60;
  const std::int64_t sec = s % 60;
  if (h > 0) {
    // Minutes rounded: hours and seconds together say more than anyone reads.
    const std::int64_t mr = (s % 3600 + 30) / 60;
    if (mr == 60) return std::to_string(h + 1) + " h";
    return std::to_string(h) + " h" + (mr > 0 ? " " + std::to_string(mr) + " min" : "");
  }
  if (m > 0) return std::to_string(m) + " min" + (sec > 0 ? " " + std::to_string(sec) + " s" : "");
  return std::to_string(sec) + " s";
}

std::string CountText(std::uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string PercentText(double ratio) {
  if (!std::isfinite(ratio)) return "n/a";
  const double p = ratio * 100;
  if (p == 0 || p == 100) return Sig3(p) + " %";
  // Keep the digits that tell 99.9 from 100 and 0.04 from 0.
  char buf[64];
  if (p >= 99 && p < 100) {
    std::snprintf(buf, sizeof buf, "%.2f", std::floor(p * 100) / 100);
  } else if (p < 1) {
    std::snprintf(buf, sizeof buf, "%.2g", p);
  } else {
    return Sig3(p) + " %";
  }
  std::string s = buf;
  if (s.find('.') != std::string::npos && s.find('e') == std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s + " %";
}

std::string WorkflowLine(const checks::WorkflowMetrics& w) {
  const std::uint64_t done = w.items_finished();
  std::string line = w.name + ": " + CountText(w.items_started) + " items";
  if (w.items_started == 0) return line;
  if (!w.complete()) {
    line += ", " + CountText(w.items_unfinished) + " unfinished";
  } else {
    line += " in " + ClockText(w.makespan_us) + " (" + Sig3(w.items_per_min) + "/min)";
  }
  if (done > 0) {
    line += ", " + PercentText(static_cast<double>(w.items[0]) / static_cast<double>(done)) +
            " succeeded";
    static constexpr const char* kNames[] = {"", "degraded", "failed", "dead-lettered", "aborted"};
    for (std::size_t i = 1; i < w.items.size(); ++i) {
      if (w.items[i] > 0) line += ", " + CountText(w.items[i]) + " " + kNames[i];
    }
    line += "; item p99 " + DurationText(w.latency.p99_us) + "; " + Sig3(w.api_calls_per_item) +
            " API calls/item; " + Sig3(w.requests_per_min) + " Notion req/min";
    if (w.budget_requests_per_min > 0) {
      line += " of a " + Sig3(w.budget_requests_per_min) + " budget";
    }
  }
  return line;
}

namespace {

// The capacity sentence of `notion-sim test`: the command's runs and what the fake saw.
std::string ClientLine(const scenarios::RunResult& r) {
  const scenarios::ClientReport& c = *r.client;
  const checks::MetricsReport& m = r.checks.metrics;
  std::size_t failed = 0;
  for (const scenarios::ClientCommandRun& run : c.runs) {
    failed += run.timed_out || run.exit_code != 0 ? 1 : 0;
  }
  char rate[64];
  std::snprintf(rate, sizeof rate, "%.0f", m.requests_per_min);
  std::string line =
      CountText(c.runs.size()) + " run(s) of " + c.command + " (" +
      (failed == 0 ? std::string("all exited 0") : CountText(failed) + " failed or killed") +
      "); " + CountText(m.requests) + " requests in " + DurationText(m.span_us) + " at " + rate +
      " req/min: " + CountText(m.http_429) + " answered 429/529, " + CountText(m.http_5xx) +
      " 5xx, " + CountText(m.transport_errors) + " without an answer, " + CountText(m.retries) +
      " repeats; " + CountText(m.faults_injected) + " faults injected";
  return line;
}

// The run's single calls: every operation but the workflows' runs (which the per-operation
// figures leave out; their items are counted per workflow).
checks::OutcomeCounts SingleCalls(const checks::MetricsReport& m) {
  if (m.workflows.empty()) return m.ops;
  checks::OutcomeCounts c;
  for (const checks::OperationMetrics& op : m.operations) {
    c.started += op.ops.started;
    c.succeeded += op.ops.succeeded;
    c.served_fallback += op.ops.served_fallback;
    c.failed += op.ops.failed;
    c.dead_lettered += op.ops.dead_lettered;
    c.unfinished += op.ops.unfinished;
  }
  return c;
}

}  // namespace

std::string WorkText(const scenarios::RunResult& r) {
  const checks::MetricsReport& m = r.checks.metrics;
  std::string out;
  for (const checks::WorkflowMetrics& w : m.workflows) {
    out += (out.empty() ? "" : "; ") + CountText(w.items_started) + " items of " + w.name + " (";
    static constexpr const char* kNames[] = {"succeeded", "degraded", "failed", "dead-lettered",
                                             "aborted"};
    for (std::size_t i = 0; i < w.items.size(); ++i) {
      out += CountText(w.items[i]) + " " + kNames[i] + ", ";
    }
    out += CountText(w.items_unfinished) + " unfinished; item p99 " +
           DurationText(w.latency.p99_us) + ")";
  }
  const checks::OutcomeCounts c = SingleCalls(m);
  if (c.started == 0 && !out.empty()) return out;
  return out + (out.empty() ? "" : "; ") + CountText(c.started) + " ops (" +
         CountText(c.succeeded) + " succeeded, " + CountText(c.succeeded + c.served_fallback) +
         " answered, " + CountText(c.failed) + " failed, " + CountText(c.dead_lettered) + " dlq, " +
         CountText(c.unfinished) + " unfinished)" +
         (m.workflows.empty() ? ", p99 " + DurationText(m.latency.p99_us) : "");
}

std::string CapacityLine(const scenarios::RunResult& r) {
  if (r.client) return ClientLine(r);
  const checks::MetricsReport& m = r.checks.metrics;
  std::string flows;
  for (const checks::WorkflowMetrics& w : m.workflows) {
    flows += (flows.empty() ? "" : "; ") + WorkflowLine(w);
  }
  if (!flows.empty() && m.operations.empty()) return flows;
  const std::uint64_t single = SingleCalls(m).started;
  std::string what;
  if (m.operations.size() == 1) {
    what = CountText(single) + " " +
           std::string(engine::OperationName(m.operations.front().operation));
  } else {
    what = CountText(single) + " ops";
    if (!m.operations.empty()) {
      std::string parts;
      for (const checks::OperationMetrics& op : m.operations) {
        parts += (parts.empty() ? "" : ", ") + CountText(op.ops.started) + " " +
                 std::string(engine::OperationName(op.operation));
      }
      what += " (" + parts + ")";
    }
  }
  char rate[64];
  std::snprintf(rate, sizeof rate, "%.0f", m.requests_per_min);
  std::string line = what + " in " + DurationText(m.span_us) + " at " + rate + " req/min; " +
                     PercentText(m.retry_ratio) + " retries; p99 " +
                     DurationText(m.latency.p99_us) + "; " + PercentText(m.success_ratio) +
                     " succeeded";
  // Answered = succeeded or served from the fallback: said only when it differs.
  if (m.ops.served_fallback > 0) line += ", " + PercentText(m.answered_ratio) + " answered";
  if (m.ops.dead_lettered > 0) line += "; " + CountText(m.ops.dead_lettered) + " dead-lettered";
  if (!flows.empty()) line += " | " + flows;
  return line;
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        // Control characters other than tab/newline are not allowed in XML 1.0.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r') {
          out += '?';
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string MarkdownCell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n') {
      out += "<br>";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace notion_sim::reports
