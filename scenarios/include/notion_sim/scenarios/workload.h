// Workload generators: turn a scenario's op streams into logical operations in arrival order.
// Randomness (Poisson gaps, ids) comes from the Rng fork given at construction. Not thread-safe.
#pragma once

#include <queue>
#include <vector>

#include "notion_sim/engine/rng.h"
#include "notion_sim/engine/transport.h"
#include "notion_sim/scenarios/scenario.h"

namespace notion_sim::scenarios {

class StreamWorkload final : public engine::Workload {
 public:
  StreamWorkload(const ScenarioSpec& spec, engine::Rng rng, engine::ObjectId parent);
  std::optional<engine::LogicalOp> Next() override;

 private:
  struct Head {
    TimeUs at_us;
    std::size_t stream;
    bool operator>(const Head& o) const {
      return at_us != o.at_us ? at_us > o.at_us : stream > o.stream;
    }
  };
  TimeUs Gap(std::size_t stream);

  std::vector<OpStream> streams_;
  TimeUs duration_us_;
  engine::Rng rng_;
  engine::ObjectId parent_;
  engine::Payload page_payload_;
  std::priority_queue<Head, std::vector<Head>, std::greater<>> heads_;
  std::uint64_t next_op_id_ = 1;
  std::vector<engine::ObjectId> created_;  // ids known to exist, for reads
};

}  // namespace notion_sim::scenarios
