#include "notion_sim/reports/markdown.h"

#include <cstdio>

#include "notion_sim/reports/text.h"

namespace notion_sim::reports {
namespace {

std::string InvariantCell(const scenarios::RunResult& r) {
  int held = 0;
  int violated = 0;
  int off = 0;
  for (const checks::InvariantResult& i : r.checks.invariants) {
    switch (i.verdict) {
      case checks::Verdict::kHeld:
        ++held;
        break;
      case checks::Verdict::kViolated:
        ++violated;
        break;
      case checks::Verdict::kOff:
        ++off;
        break;
    }
  }
  std::string s = violated > 0 ? "**" + std::to_string(violated) + " violated**, " : "";
  s += std::to_string(held) + " held";
  if (off > 0) s += ", " + std::to_string(off) + " off";
  return s;
}

// Two spaces before every line: a block inside a Markdown list item.
std::string Indent(const std::string& text) {
  std::string indented = "  ";
  for (char c : text) {
    indented += c;
    if (c == '\n') indented += "  ";
  }
  return indented;
}

std::string GateCell(const scenarios::RunResult& r) {
  if (r.checks.gates.empty()) return "none";
  int passed = 0;
  for (const checks::GateResult& g : r.checks.gates) passed += g.passed() ? 1 : 0;
  const int total = static_cast<int>(r.checks.gates.size());
  const std::string s = std::to_string(passed) + "/" + std::to_string(total) + " passed";
  return passed == total ? s : "**" + s + "**";
}

// The command's runs that failed, with the end of their stderr.
std::string ClientFailures(const scenarios::ClientReport& c) {
  std::string md;
  for (const scenarios::ClientCommandRun& run : c.runs) {
    if (!run.timed_out && run.exit_code == 0) continue;
    md += "- run " + std::to_string(run.run) + " copy " + std::to_string(run.copy) + " of `" +
          MarkdownCell(c.command) + "` " +
          (run.timed_out ? std::string("was killed at its time limit")
                         : "exited " + std::to_string(run.exit_code)) +
          " (stdout `" + MarkdownCell(run.stdout_path) + "`, stderr `" +
          MarkdownCell(run.stderr_path) + "`)";
    if (!run.stderr_tail.empty())
      md += ", its stderr ended:\n\n  ```\n" + Indent(run.stderr_tail) + "\n  ```";
    md += "\n";
  }
  return md;
}

}  // namespace

std::string MarkdownSummary(const std::vector<scenarios::RunResult>& results) {
  int failed = 0;
  for (const auto& r : results) failed += r.verdict == checks::RunVerdict::kFail ? 1 : 0;
  std::string md = "# notion-sim results\n\n";
  md += std::to_string(results.size()) +
        " scenario(s): " + std::to_string(static_cast<int>(results.size()) - failed) + " passed, " +
        std::to_string(failed) + " failed.\n\n";
  md +=
      "| scenario | verdict | ops | succeeded | answered | p99 | API calls/op | invariants | gates "
      "| "
      "seed | digest |\n";
  md += "|---|---|--:|--:|--:|--:|--:|---|---|--:|---|\n";
  for (const auto& r : results) {
    const checks::MetricsReport& m = r.checks.metrics;
    char calls[32];
    std::snprintf(calls, sizeof calls, "%.2f", m.api_calls_per_op);
    const std::string verdict = r.verdict == checks::RunVerdict::kPass ? "✅ pass" : "❌ **FAIL**";
    if (r.client) {
      // A real command: no operations of ours, no trace digest (real time).
      md += "| " + MarkdownCell(r.scenario) + " | " + verdict + " | — | — | — | — | — | " +
            InvariantCell(r) + " | " + GateCell(r) + " | " + std::to_string(r.seed) +
            " | (real time) |\n";
      continue;
    }
    md += "| " + MarkdownCell(r.scenario) + " | " + verdict + " | " + CountText(m.ops.started) +
          " | " + PercentText(m.success_ratio) + " | " + PercentText(m.answered_ratio) + " | " +
          DurationText(m.latency.p99_us) + " | " + calls + " | " + InvariantCell(r) + " | " +
          GateCell(r) + " | " + std::to_string(r.seed) + " | `" + r.summary.digest + "` |\n";
  }
  md +=
      "\n*succeeded*: the target did what was asked; *answered*: succeeded or served from the "
      "fallback cache (the caller got an answer, maybe a stale one).\n";
  md += "\n## Capacity\n\n";
  for (const auto& r : results) {
    md += "- **" + MarkdownCell(r.scenario) + "**: " + CapacityLine(r) + "\n";
  }
  md +=
      "\n## Health\n\nTime each service spent healthy, degraded and unhealthy "
      "(`health.<service>.*` gate metrics).\n\n";
  for (const auto& r : results) {
    std::string services;
    for (const checks::ServiceHealth& s : r.checks.metrics.health) {
      services += std::string(services.empty() ? "" : "; ") +
                  std::string(engine::DependencyName(s.service)) + " healthy " +
                  PercentText(s.healthy_ratio()) + " (degraded " + DurationText(s.degraded_us) +
                  ", unhealthy " + DurationText(s.unhealthy_us) + ")";
    }
    md += "- **" + MarkdownCell(r.scenario) +
          "**: " + (services.empty() ? "not measured" : services) + "\n";
  }
  if (failed == 0) return md;
  md += "\n## Failures\n";
  for (const auto& r : results) {
    if (r.verdict != checks::RunVerdict::kFail) continue;
    md += "\n### " + MarkdownCell(r.scenario) + "\n\nReproduce: `" + r.reproduce + "`\n\n";
    for (const checks::InvariantResult& i : r.checks.invariants) {
      if (i.held()) continue;
      md += "- invariant **" + i.name + "** violated (" + CountText(i.violation_count) +
            " violation(s), " + CountText(i.checked_count) + " checked):\n\n  ```\n";
      md += Indent(i.first_violation) + "\n  ```\n";
    }
    for (const checks::GateResult& g : r.checks.gates) {
      if (g.passed()) continue;
      md += "- gate **" + MarkdownCell(g.gate.metric) + "**: " + MarkdownCell(g.text) + "\n";
    }
    if (r.client) md += ClientFailures(*r.client);
  }
  return md;
}

}  // namespace notion_sim::reports
