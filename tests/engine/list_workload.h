// A workload that releases a fixed list of operations, in order (runner_test, live_runner_test).
#pragma once

#include <deque>
#include <optional>
#include <utility>

#include "notion_sim/engine/runner.h"

namespace notion_sim::engine {

class ListWorkload : public Workload {
 public:
  explicit ListWorkload(std::deque<LogicalOp> ops) : ops_(std::move(ops)) {}
  std::optional<LogicalOp> Next() override {
    if (ops_.empty()) return std::nullopt;
    LogicalOp op = ops_.front();
    ops_.pop_front();
    return op;
  }

 private:
  std::deque<LogicalOp> ops_;
};

}  // namespace notion_sim::engine
