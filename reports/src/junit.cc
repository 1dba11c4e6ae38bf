#include "notion_sim/reports/junit.h"

#include <cstdio>

#include "notion_sim/reports/text.h"

namespace notion_sim::reports {
namespace {

std::string Attr(std::string_view name, std::string_view value) {
  return " " + std::string(name) + "=\"" + XmlEscape(value) + "\"";
}

std::string Seconds(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", ms / 1e3);
  return buf;
}

// The first line of a failure, for the message attribute CI tools show in lists.
std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

}  // namespace

std::string JunitXml(const std::vector<scenarios::RunResult>& results) {
  std::size_t tests = 0;
  std::size_t failures = 0;
  std::size_t skipped = 0;
  double time_ms = 0;
  std::string suites;
  for (const scenarios::RunResult& r : results) {
    std::size_t t = 0;
    std::size_t f = 0;
    std::size_t s = 0;
    std::string cases;
    const std::string footer = "\nreproduce: " + r.reproduce;
    for (const checks::InvariantResult& i : r.checks.invariants) {
      ++t;
      cases += "    <testcase" + Attr("classname", r.scenario + ".invariants") +
               Attr("name", i.name) + Attr("time", "0");
      switch (i.verdict) {
        case checks::Verdict::kHeld:
          cases += "/>\n";
          break;
        case checks::Verdict::kOff:
          ++s;
          cases += ">\n      <skipped" + Attr("message", "invariant off or not configured") +
                   "/>\n    </testcase>\n";
          break;
        case checks::Verdict::kViolated:
          ++f;
          cases += ">\n      <failure" + Attr("type", "invariant") +
                   Attr("message", FirstLine(i.first_violation)) + ">" +
                   XmlEscape(std::to_string(i.violation_count) + " violation(s), " +
                             std::to_string(i.checked_count) + " checked; the first:\n" +
                             i.first_violation + footer) +
                   "</failure>\n    </testcase>\n";
          break;
      }
    }
    for (const checks::GateResult& g : r.checks.gates) {
      ++t;
      std::string bounds;
      if (g.gate.min) bounds += " min " + checks::FormatNumber(*g.gate.min);
      if (g.gate.max) bounds += " max " + checks::FormatNumber(*g.gate.max);
      cases += "    <testcase" + Attr("classname", r.scenario + ".gates") +
               Attr("name", g.gate.metric + bounds) + Attr("time", "0");
      if (g.passed()) {
        cases += "/>\n";
      } else {
        ++f;
        cases += ">\n      <failure" + Attr("type", "gate") + Attr("message", g.text) + ">" +
                 XmlEscape(g.text + footer) + "</failure>\n    </testcase>\n";
      }
    }
    tests += t;
    failures += f;
    skipped += s;
    time_ms += r.wall_time_ms;
    suites += "  <testsuite" + Attr("name", r.scenario) + Attr("tests", std::to_string(t)) +
              Attr("failures", std::to_string(f)) + Attr("errors", "0") +
              Attr("skipped", std::to_string(s)) + Attr("time", Seconds(r.wall_time_ms)) + ">\n" +
              "    <properties>\n" + "      <property" + Attr("name", "seed") +
              Attr("value", std::to_string(r.seed)) + "/>\n" + "      <property" +
              Attr("name", "digest") + Attr("value", r.summary.digest) + "/>\n" +
              "      <property" + Attr("name", "scenario_hash") + Attr("value", r.scenario_hash) +
              "/>\n" + "      <property" + Attr("name", "reproduce") + Attr("value", r.reproduce) +
              "/>\n" + "    </properties>\n" + cases + "  </testsuite>\n";
  }
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites" + Attr("name", "notion-sim") +
         Attr("tests", std::to_string(tests)) + Attr("failures", std::to_string(failures)) +
         Attr("errors", "0") + Attr("skipped", std::to_string(skipped)) +
         Attr("time", Seconds(time_ms)) + ">\n" + suites + "</testsuites>\n";
}

}  // namespace notion_sim::reports
