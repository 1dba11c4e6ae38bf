// ScenarioWorkload: turns a scenario's streams, batches and workflow triggers into logical
// operations in arrival order (ties by source order, then sequence), with op ids 1, 2, 3... A
// workflow run is one operation (LogicalOp::workflow > 0): one per arrival, `items` at once for a
// batch (one in all when the workflow lists its items), none for webhook triggers (the fake's
// deliveries release those items). A batch's runs aim at the workspace's pages in order (cycling
// when there are more items than pages); arrivals pick a page at random.
// Randomness (Poisson gaps, daily-curve thinning, target choice) comes from the Rng given at
// construction. Targets (the pages, blocks and data source reads and writes aim at) come from the
// world the run uses. Not thread-safe.
#pragma once

#include <cstdint>
#include <queue>
#include <vector>

#include "notion_sim/engine/rng.h"
#include "notion_sim/engine/transport.h"
#include "notion_sim/scenarios/scenario.h"

namespace notion_sim::scenarios {

// What the workload's operations aim at.
struct WorkloadTargets {
  engine::ObjectId data_source;          // creates go under it; queries read it
  std::vector<engine::ObjectId> pages;   // reads, updates, appends pick from these
  std::vector<engine::ObjectId> blocks;  // deletes and block reads pick from these
  std::vector<engine::ObjectId> users;
};

class ScenarioWorkload final : public engine::Workload {
 public:
  ScenarioWorkload(const ScenarioSpec& spec, WorkloadTargets targets, engine::Rng rng);
  std::optional<engine::LogicalOp> Next() override;

 private:
  // One arrival source: a stream, a batch or a workflow's trigger.
  struct Source {
    enum class Kind : std::uint8_t { kStream, kBatch, kWorkflow } kind;
    OpStream stream;        // kStream / arrival-triggered kWorkflow: the arrival process
    std::size_t index = 0;  // into spec batches / workflows
    TimeUs next_us = 0;
    double exact_us = 0;  // constant arrivals: exact time, so no drift
    std::uint64_t emitted = 0;
    std::uint32_t pending_in_burst = 0;
    bool done = false;
  };
  struct Head {
    TimeUs at_us;
    std::size_t source;
    std::uint64_t seq;
    bool operator>(const Head& o) const {
      if (at_us != o.at_us) return at_us > o.at_us;
      if (source != o.source) return source > o.source;
      return seq > o.seq;
    }
  };
  // Moves `s` to its next arrival; marks it done when there is none before the end.
  void Advance(Source& s);
  TimeUs StreamGap(const OpStream& stream, TimeUs now_us);
  engine::LogicalOp MakeOp(Source& s, TimeUs at_us);
  engine::ObjectId Pick(const std::vector<engine::ObjectId>& ids);

  const ScenarioSpec& spec_;
  WorkloadTargets targets_;
  engine::Rng rng_;
  std::vector<Source> sources_;
  std::priority_queue<Head, std::vector<Head>, std::greater<>> heads_;
  std::uint64_t next_op_id_ = 1;
  std::uint64_t seq_ = 0;
  engine::Payload update_payload_;
  engine::Payload search_payload_;
  engine::Payload block_update_payload_;
  std::vector<engine::Payload> append_payloads_;  // per stream
  std::vector<engine::Payload> query_payloads_;   // per stream
};

}  // namespace notion_sim::scenarios
