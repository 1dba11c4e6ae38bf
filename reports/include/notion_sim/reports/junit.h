// JUnit XML for CI test reporting: one <testsuite> per scenario, one <testcase> per invariant
// (classname "<scenario>.invariants") and per gate ("<scenario>.gates"). A violated invariant or
// a failed gate is a <failure> carrying the violation text, its events and the reproduce command;
// an invariant that is off is <skipped/>. Thread-safe: a pure function.
#pragma once

#include <string>
#include <vector>

#include "notion_sim/scenarios/run.h"

namespace notion_sim::reports {

std::string JunitXml(const std::vector<scenarios::RunResult>& results);

}  // namespace notion_sim::reports
