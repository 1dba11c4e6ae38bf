#include "notion_sim/scenarios/workload.h"

#include <cmath>
#include <memory>

#include <nlohmann/json.hpp>

namespace notion_sim::scenarios {

StreamWorkload::StreamWorkload(const ScenarioSpec& spec, engine::Rng rng, engine::ObjectId parent)
    : streams_(spec.workload), duration_us_(spec.duration_us), rng_(rng), parent_(parent) {
  page_payload_ = std::make_shared<const nlohmann::json>(nlohmann::json{
      {"properties", {{"title", {{"title", {{{"text", {{"content", "notion-sim page"}}}}}}}}}}});
  for (std::size_t i = 0; i < streams_.size(); ++i) heads_.push(Head{Gap(i), i});
}

TimeUs StreamWorkload::Gap(std::size_t stream) {
  const OpStream& s = streams_[stream];
  const double mean_us = 1e6 / s.rate_per_s;
  const double gap = s.arrival == Arrival::kPoisson ? rng_.Exponential(mean_us) : mean_us;
  return std::max<TimeUs>(1, std::llround(gap));
}

std::optional<engine::LogicalOp> StreamWorkload::Next() {
  if (heads_.empty()) return std::nullopt;
  Head head = heads_.top();
  heads_.pop();
  if (head.at_us >= duration_us_) return Next();
  const OpStream& s = streams_[head.stream];
  engine::LogicalOp op;
  op.op_id = next_op_id_++;
  op.operation = s.operation;
  op.tenant = s.tenant;
  op.lane = s.lane;
  op.arrival_us = head.at_us;
  op.parent = parent_;
  op.target = parent_;
  if (s.operation == engine::Operation::kCreatePage) op.payload = page_payload_;
  heads_.push(Head{head.at_us + Gap(head.stream), head.stream});
  return op;
}

}  // namespace notion_sim::scenarios
