// A trace feeding an AlertMonitor, as the runner and the stack feed it, for the alert tests
// (error_budget_test, pattern_alerts_test); each test adds the events it emits.
#pragma once

#include <cstdint>
#include <vector>

#include "notion_sim/engine/trace.h"
#include "notion_sim/policies/error_budget.h"

namespace notion_sim::policies {

struct AlertFeed {
  explicit AlertFeed(AlertConfig config = {}) : alerts(&trace, config) { trace.AddSink(&alerts); }
  // The alerts raised of one kind, in order.
  std::vector<AlertMonitor::Alert> Of(AlertKind kind) const {
    std::vector<AlertMonitor::Alert> out;
    for (const auto& a : alerts.alerts()) {
      if (a.kind == kind) out.push_back(a);
    }
    return out;
  }
  engine::Trace trace;
  AlertMonitor alerts;
  std::uint64_t op_id = 0;
};

}  // namespace notion_sim::policies
