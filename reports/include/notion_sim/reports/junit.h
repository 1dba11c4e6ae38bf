// JUnit XML for CI test reporting, valid against the strict Jenkins xUnit schema (junit-10.xsd;
// tests/reports/junit-10.xsd). A run gives one <testsuite> per scenario (with the scenario file
// as `file`, the start as `timestamp`, the machine as `hostname` and the wall time as `time`) and
// one <testcase> per invariant (classname "<scenario>.invariants") and per gate
// ("<scenario>.gates"). A violated invariant or a failed gate is a <failure> carrying the
// violation text, its events and the reproduce command; an invariant that is off is <skipped/>.
// The baseline comparison of `gate --baseline` is written with the same document writer.
// Thread-safe: pure functions.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "notion_sim/scenarios/run.h"

namespace notion_sim::reports {

struct JunitCase {
  enum class Kind : std::uint8_t { kPassed, kSkipped, kFailed };
  std::string classname;
  std::string name;
  Kind kind = Kind::kPassed;
  std::string type;     // failure type ("invariant", "gate", "regression")
  std::string message;  // one line, shown in CI lists
  std::string text;     // the whole story, in the element's body
};

struct JunitSuite {
  std::string name;
  std::string file;       // the scenario file, for PR annotations
  std::string timestamp;  // ISO 8601; left out when empty
  std::string hostname;   // "localhost" when empty
  double time_ms = 0;
  std::vector<std::pair<std::string, std::string>> properties;
  std::vector<JunitCase> cases;
};

// The document: <testsuites> (name, tests, failures, errors, time) around the suites.
std::string JunitDocument(const std::string& name, const std::vector<JunitSuite>& suites);

// A run's results as suites, and as the document written to junit.xml.
std::vector<JunitSuite> JunitSuites(const std::vector<scenarios::RunResult>& results);
std::string JunitXml(const std::vector<scenarios::RunResult>& results);

}  // namespace notion_sim::reports
