#include "notion_sim/reports/junit.h"

#include <cstdio>

#include "notion_sim/reports/text.h"

namespace notion_sim::reports {
namespace {

std::string Attr(std::string_view name, std::string_view value) {
  return " " + std::string(name) + "=\"" + XmlEscape(value) + "\"";
}

// Seconds with three decimals: junit-10.xsd's SUREFIRE_TIME accepts digits and a decimal point.
std::string Seconds(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", ms > 0 ? ms / 1e3 : 0.0);
  return buf;
}

// The first line of a failure, for the message attribute CI tools show in lists.
std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

std::string CaseXml(const JunitCase& c) {
  std::string s =
      "    <testcase" + Attr("classname", c.classname) + Attr("name", c.name) + Attr("time", "0");
  switch (c.kind) {
    case JunitCase::Kind::kPassed:
      return s + "/>\n";
    case JunitCase::Kind::kSkipped:
      return s + ">\n      <skipped" + Attr("message", c.message) + "/>\n    </testcase>\n";
    case JunitCase::Kind::kFailed:
      return s + ">\n      <failure" + Attr("type", c.type) + Attr("message", c.message) + ">" +
             XmlEscape(c.text) + "</failure>\n    </testcase>\n";
  }
  return s + "/>\n";
}

}  // namespace

std::string JunitDocument(const std::string& name, const std::vector<JunitSuite>& suites) {
  std::size_t tests = 0;
  std::size_t failures = 0;
  double time_ms = 0;
  std::string body;
  for (const JunitSuite& suite : suites) {
    std::size_t f = 0;
    std::size_t s = 0;
    std::string cases;
    for (const JunitCase& c : suite.cases) {
      f += c.kind == JunitCase::Kind::kFailed ? 1 : 0;
      s += c.kind == JunitCase::Kind::kSkipped ? 1 : 0;
      cases += CaseXml(c);
    }
    tests += suite.cases.size();
    failures += f;
    time_ms += suite.time_ms;
    body += "  <testsuite" + Attr("name", suite.name) +
            Attr("tests", std::to_string(suite.cases.size())) +
            Attr("failures", std::to_string(f)) + Attr("errors", "0") +
            Attr("skipped", std::to_string(s)) + Attr("time", Seconds(suite.time_ms)) +
            (suite.timestamp.empty() ? "" : Attr("timestamp", suite.timestamp)) +
            Attr("hostname", suite.hostname.empty() ? "localhost" : suite.hostname) +
            (suite.file.empty() ? "" : Attr("file", suite.file)) + ">\n";
    if (!suite.properties.empty()) {
      body += "    <properties>\n";
      for (const auto& [k, v] : suite.properties) {
        body += "      <property" + Attr("name", k) + Attr("value", v) + "/>\n";
      }
      body += "    </properties>\n";
    }
    body += cases + "  </testsuite>\n";
  }
  // junit-10.xsd allows only name, time, tests, failures and errors on <testsuites> (no skipped).
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites" + Attr("name", name) +
         Attr("tests", std::to_string(tests)) + Attr("failures", std::to_string(failures)) +
         Attr("errors", "0") + Attr("time", Seconds(time_ms)) + ">\n" + body + "</testsuites>\n";
}

std::vector<JunitSuite> JunitSuites(const std::vector<scenarios::RunResult>& results) {
  std::vector<JunitSuite> suites;
  for (const scenarios::RunResult& r : results) {
    JunitSuite suite;
    suite.name = r.scenario;
    suite.file = r.path;
    suite.timestamp = r.started_at;
    suite.hostname = r.host;
    suite.time_ms = r.wall_time_ms;
    suite.properties = {{"seed", std::to_string(r.seed)},
                        {"digest", r.summary.digest},
                        {"scenario_hash", r.scenario_hash},
                        {"profile", r.profile},
                        {"mode", r.mode},
                        {"reproduce", r.reproduce}};
    const std::string footer = "\nreproduce: " + r.reproduce;
    for (const checks::InvariantResult& i : r.checks.invariants) {
      JunitCase c;
      c.classname = r.scenario + ".invariants";
      c.name = i.name;
      if (i.verdict == checks::Verdict::kOff) {
        c.kind = JunitCase::Kind::kSkipped;
        c.message = "invariant off, not configured or not applicable to this run";
      } else if (i.verdict == checks::Verdict::kViolated) {
        c.kind = JunitCase::Kind::kFailed;
        c.type = "invariant";
        c.message = FirstLine(i.first_violation);
        c.text = std::to_string(i.violation_count) + " violation(s), " +
                 std::to_string(i.checked_count) + " checked; the first:\n" + i.first_violation +
                 footer;
      }
      suite.cases.push_back(std::move(c));
    }
    for (const checks::GateResult& g : r.checks.gates) {
      std::string bounds;
      if (g.gate.min) bounds += " min " + checks::FormatNumber(*g.gate.min);
      if (g.gate.max) bounds += " max " + checks::FormatNumber(*g.gate.max);
      JunitCase c;
      c.classname = r.scenario + ".gates";
      c.name = g.gate.metric + bounds;
      if (!g.passed()) {
        c.kind = JunitCase::Kind::kFailed;
        c.type = "gate";
        c.message = g.text;
        c.text = g.text + footer;
      }
      suite.cases.push_back(std::move(c));
    }
    suites.push_back(std::move(suite));
  }
  return suites;
}

std::string JunitXml(const std::vector<scenarios::RunResult>& results) {
  return JunitDocument("notion-sim", JunitSuites(results));
}

}  // namespace notion_sim::reports
