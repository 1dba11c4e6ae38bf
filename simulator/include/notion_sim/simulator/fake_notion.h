// FakeNotion: the fake Notion's core, and InProcessTransport, its in-process door.
//
// The core applies a request to the workspace model and returns the response Notion would give;
// it never sees JSON text on the simulated path. The in-process door puts a network model in
// front of it on the virtual clock. Not thread-safe: the HTTP door serializes calls into it.
#pragma once

#include <cstdint>
#include <unordered_map>

#include "notion_sim/engine/ledger.h"
#include "notion_sim/engine/loop.h"
#include "notion_sim/engine/rng.h"
#include "notion_sim/engine/trace.h"
#include "notion_sim/engine/transport.h"

namespace notion_sim::sim {

struct Page {
  engine::ObjectId id;
  engine::ObjectId parent;
  TimeUs created_us = 0;
  std::uint64_t op_id = 0;
};

class FakeNotion {
 public:
  FakeNotion(const engine::Clock& clock, engine::Rng rng, engine::Trace* trace);

  // Applies one request at the clock's current time and returns the answer.
  engine::Response Handle(const engine::Request& request);

  const engine::Ledger& ledger() const { return ledger_; }
  std::size_t page_count() const { return pages_.size(); }

 private:
  const engine::Clock& clock_;
  engine::Rng rng_;
  engine::Trace* trace_;
  std::unordered_map<engine::ObjectId, Page, engine::ObjectIdHash> pages_;
  engine::Ledger ledger_;
};

// Latency between the client and the fake, each way.
struct NetworkModel {
  TimeUs request_latency_us = Ms(40);
  TimeUs response_latency_us = Ms(40);
};

class InProcessTransport final : public engine::Transport {
 public:
  InProcessTransport(engine::Loop& loop, FakeNotion& fake, NetworkModel network)
      : loop_(loop), fake_(fake), network_(network) {}
  void Send(const engine::Request& request, engine::Completion done) override;

 private:
  engine::Loop& loop_;
  FakeNotion& fake_;
  NetworkModel network_;
};

}  // namespace notion_sim::sim
