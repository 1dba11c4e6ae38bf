#include "notion_sim/scenarios/workload.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

namespace notion_sim::scenarios {
namespace {

constexpr double kTwoPi = 6.283185307179586476925286766559;

engine::Payload MakePayload(nlohmann::json j) {
  return std::make_shared<const nlohmann::json>(std::move(j));
}

nlohmann::json Title(const std::string& text) {
  return nlohmann::json{{"title", {{{"text", {{"content", text}}}}}}};
}

nlohmann::json Paragraph(const std::string& text) {
  return nlohmann::json{{"object", "block"},
                        {"type", "paragraph"},
                        {"paragraph", {{"rich_text", {{{"text", {{"content", text}}}}}}}}};
}

// Instantaneous rate of a daily curve: trough at t = 0, peak at half the period.
double DailyRate(const OpStream& s, TimeUs t_us) {
  const double phase = static_cast<double>(t_us % s.period_us) / static_cast<double>(s.period_us);
  return s.rate_per_s + (s.peak_per_s - s.rate_per_s) * (1.0 - std::cos(kTwoPi * phase)) / 2.0;
}

}  // namespace

ScenarioWorkload::ScenarioWorkload(const ScenarioSpec& spec, WorkloadTargets targets,
                                   engine::Rng rng)
    : spec_(spec), targets_(std::move(targets)), rng_(rng) {
  update_payload_ = MakePayload(
      {{"properties", {{"Status", {{"rich_text", {{{"text", {{"content", "synced"}}}}}}}}}}});
  search_payload_ = MakePayload({{"query", "notion-sim"}, {"page_size", 100}});
  block_update_payload_ = MakePayload({{"paragraph", Paragraph("edited")["paragraph"]}});
  for (const OpStream& s : spec_.streams) {
    nlohmann::json children = nlohmann::json::array();
    if (s.operation == engine::Operation::kAppendBlocks) {
      for (std::uint32_t i = 0; i < s.children; ++i) {
        children.push_back(Paragraph("line " + std::to_string(i + 1)));
      }
    }
    append_payloads_.push_back(MakePayload({{"children", children}}));
    query_payloads_.push_back(MakePayload({{"page_size", s.page_size}}));
    Source src{Source::Kind::kStream, s};
    sources_.push_back(src);
  }
  for (std::size_t i = 0; i < spec_.batches.size(); ++i) {
    Source src{Source::Kind::kBatch, OpStream{}};
    src.index = i;
    sources_.push_back(src);
  }
  for (std::size_t i = 0; i < spec_.workflows.size(); ++i) {
    const WorkflowSpec& wf = spec_.workflows[i];
    if (wf.trigger == TriggerKind::kWebhook) continue;  // released by the fake's deliveries
    Source src{Source::Kind::kWorkflow, wf.arrivals};
    src.index = i;
    sources_.push_back(src);
  }
  for (std::size_t i = 0; i < sources_.size(); ++i) {
    Source& s = sources_[i];
    if (s.kind == Source::Kind::kBatch) {
      s.next_us = spec_.batches[s.index].start_us;
    } else if (s.kind == Source::Kind::kWorkflow &&
               spec_.workflows[s.index].trigger == TriggerKind::kBatch) {
      s.next_us = spec_.workflows[s.index].start_us;
    } else {
      s.exact_us = static_cast<double>(s.stream.from_us);
      s.next_us = s.stream.from_us;
      if (s.stream.arrival == Arrival::kPoisson || s.stream.arrival == Arrival::kDaily) {
        s.next_us = s.stream.from_us + StreamGap(s.stream, s.stream.from_us);
      }
      if (s.stream.arrival == Arrival::kBursts) s.pending_in_burst = s.stream.burst_size;
    }
    if (s.next_us < spec_.duration_us) heads_.push(Head{s.next_us, i, seq_++});
  }
}

TimeUs ScenarioWorkload::StreamGap(const OpStream& s, TimeUs now_us) {
  switch (s.arrival) {
    case Arrival::kConstant:
    case Arrival::kBursts:
      return std::max<TimeUs>(1, std::llround(1e6 / s.rate_per_s));
    case Arrival::kPoisson:
      return std::max<TimeUs>(1, std::llround(rng_.Exponential(1e6 / s.rate_per_s)));
    case Arrival::kDaily: {
      // Lewis–Shedler thinning: candidates at the peak rate, kept with rate(t)/peak. Bounded:
      // the loop gives up (an arrival at the candidate) after 10,000 rejections.
      TimeUs t = now_us;
      for (int i = 0; i < 10'000; ++i) {
        t += std::max<TimeUs>(1, std::llround(rng_.Exponential(1e6 / s.peak_per_s)));
        if (rng_.NextDouble() * s.peak_per_s <= DailyRate(s, t)) break;
      }
      return t - now_us;
    }
  }
  return kUsPerSec;
}

void ScenarioWorkload::Advance(Source& s) {
  ++s.emitted;
  if (s.kind == Source::Kind::kBatch) {
    const BatchSpec& b = spec_.batches[s.index];
    if (s.emitted >= b.records) {
      s.done = true;
      return;
    }
    s.next_us = b.start_us + b.pace_us * static_cast<TimeUs>(s.emitted);
    return;
  }
  if (s.kind == Source::Kind::kWorkflow &&
      spec_.workflows[s.index].trigger == TriggerKind::kBatch) {
    const WorkflowSpec& wf = spec_.workflows[s.index];
    if (s.emitted >= (wf.has_list ? 1 : wf.items)) s.done = true;
    return;  // the whole batch is released at start_s
  }
  const OpStream& st = s.stream;
  if (s.emitted >= st.max_ops) {
    s.done = true;
    return;
  }
  switch (st.arrival) {
    case Arrival::kConstant:
      s.exact_us += 1e6 / st.rate_per_s;
      s.next_us = std::max(s.next_us + 1, static_cast<TimeUs>(std::llround(s.exact_us)));
      break;
    case Arrival::kBursts:
      if (--s.pending_in_burst == 0) {
        s.pending_in_burst = st.burst_size;
        const TimeUs burst_index = (s.next_us - st.from_us) / st.burst_every_us + 1;
        s.next_us = st.from_us + burst_index * st.burst_every_us;
      }
      break;
    case Arrival::kPoisson:
    case Arrival::kDaily:
      s.next_us += StreamGap(st, s.next_us);
      break;
  }
  if (s.next_us >= st.until_us) s.done = true;
}

engine::ObjectId ScenarioWorkload::Pick(const std::vector<engine::ObjectId>& ids) {
  if (ids.empty()) return targets_.data_source;
  return ids[rng_.Below(ids.size())];
}

engine::LogicalOp ScenarioWorkload::MakeOp(Source& s, TimeUs at_us) {
  engine::LogicalOp op;
  op.op_id = next_op_id_++;
  op.arrival_us = at_us;
  op.parent = targets_.data_source;
  if (s.kind == Source::Kind::kBatch) {
    const BatchSpec& b = spec_.batches[s.index];
    op.operation = b.operation;
    op.tenant = b.tenant;
    op.lane = b.lane;
    op.batch = static_cast<std::uint16_t>(s.index + 1);
    op.record = static_cast<std::uint32_t>(s.emitted + 1);
  } else if (s.kind == Source::Kind::kWorkflow) {
    const WorkflowSpec& wf = spec_.workflows[s.index];
    op.operation = wf.has_list ? wf.list.operation : wf.steps.front().operation;
    op.workflow = static_cast<std::uint16_t>(s.index + 1);
    op.tenant = wf.tenants[s.emitted % wf.tenants.size()];
    op.lane = wf.lane;
    if (!wf.has_list) {
      // The run's item: a batch goes through the pages in order, arrivals pick one.
      op.target = wf.trigger == TriggerKind::kBatch
                      ? (targets_.pages.empty() ? targets_.data_source
                                                : targets_.pages[s.emitted % targets_.pages.size()])
                      : Pick(targets_.pages);
    }
    return op;
  } else {
    op.operation = s.stream.operation;
    op.tenant = s.stream.tenant;
    op.lane = s.stream.lane;
  }
  const std::size_t stream_index =
      s.kind == Source::Kind::kStream ? static_cast<std::size_t>(&s - sources_.data()) : 0;
  switch (op.operation) {
    case engine::Operation::kCreatePage:
      // Unique content per logical create: a content-derived idempotency key must not collide
      // between two creates the user meant as different pages.
      op.payload =
          MakePayload({{"properties",
                        {{"Name", Title("record " + std::to_string(op.batch) + "-" +
                                        std::to_string(op.record ? op.record : op.op_id))}}}});
      break;
    case engine::Operation::kUpdatePage:
      op.target = Pick(targets_.pages);
      op.payload = update_payload_;
      break;
    case engine::Operation::kRetrievePage:
    case engine::Operation::kListBlockChildren:
      op.target = Pick(targets_.pages);
      if (op.operation == engine::Operation::kListBlockChildren) {
        op.payload = query_payloads_[stream_index];
      }
      break;
    case engine::Operation::kAppendBlocks:
      op.target = Pick(targets_.pages);
      op.payload = append_payloads_[stream_index];
      break;
    case engine::Operation::kRetrieveBlock:
    case engine::Operation::kUpdateBlock:
    case engine::Operation::kDeleteBlock:
      op.target = Pick(targets_.blocks.empty() ? targets_.pages : targets_.blocks);
      if (op.operation == engine::Operation::kUpdateBlock) op.payload = block_update_payload_;
      break;
    case engine::Operation::kQueryDataSource:
    case engine::Operation::kQueryDatabase:
    case engine::Operation::kRetrieveDataSource:
    case engine::Operation::kRetrieveDatabase:
      op.target = targets_.data_source;
      op.payload = query_payloads_[stream_index];
      break;
    case engine::Operation::kSearch:
      op.payload = search_payload_;
      break;
    case engine::Operation::kRetrieveUser:
      op.target = Pick(targets_.users);
      break;
    case engine::Operation::kListUsers:
      op.payload = query_payloads_[stream_index];
      break;
    default:
      break;
  }
  return op;
}

std::optional<engine::LogicalOp> ScenarioWorkload::Next() {
  while (!heads_.empty()) {
    const Head head = heads_.top();
    heads_.pop();
    Source& s = sources_[head.source];
    engine::LogicalOp op = MakeOp(s, head.at_us);
    Advance(s);
    if (!s.done && s.next_us < spec_.duration_us) heads_.push(Head{s.next_us, head.source, seq_++});
    return op;
  }
  return std::nullopt;
}

}  // namespace notion_sim::scenarios
