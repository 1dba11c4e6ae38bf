// WebhookConsumer: the integration behind a webhook endpoint in a simulated run. It answers the
// fake's webhook deliveries on the loop (the hub's verification request 2xx; an event 401 when
// its signature is bad and it verifies signatures, 500 with the configured probability, else
// 2xx) and, for each accepted event, fetches the entity through the same stack as the workload
// (retrieve page / database / data source / comment), as a signal-only event obliges it to. So a
// webhook storm spends the request budget the workload needs, and the result shows what it cost.
// The fetches are sub-operations (op ids with bit 62 and 60 set), seen by the ledger, the trace
// and the invariants like any call. Events of a type a workflow is triggered by release that
// workflow's items instead (workflow.h). Not thread-safe: runs on the loop.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>

#include "notion_sim/engine/loop.h"
#include "notion_sim/engine/rng.h"
#include "notion_sim/engine/transport.h"
#include "notion_sim/scenarios/run.h"
#include "notion_sim/simulator/webhooks.h"

namespace notion_sim::scenarios {

class WebhookConsumer {
 public:
  // The scenario's workflows with a webhook trigger (ScenarioClient::OnWebhook): an accepted event
  // goes there first; when a workflow takes it (returns true), the workflow is what the
  // integration does about it, and the consumer fetches nothing of its own.
  using Workflows = std::function<bool(const sim::WebhookDelivery&)>;

  // `hub` and `notion` must outlive the consumer; `workflows` may be empty.
  WebhookConsumer(engine::Loop& loop, sim::WebhookHub& hub, engine::Client& notion, engine::Rng rng,
                  Workflows workflows = {});
  WebhookConsumer(const WebhookConsumer&) = delete;
  WebhookConsumer& operator=(const WebhookConsumer&) = delete;

  // Something may have become due (a change was committed): wake up at the hub's next due time.
  void Wake();
  // The counts for the run's result (the hub's and the consumer's).
  WebhookResult Result() const;

 private:
  void Deliver();
  void Fetch(const sim::WebhookDelivery& d);

  engine::Loop& loop_;
  sim::WebhookHub& hub_;
  engine::Client& notion_;
  engine::Rng rng_;
  Workflows workflows_;
  engine::EventId timer_;
  TimeUs timer_at_ = kTimeNever;
  std::set<std::string> fetched_events_;  // dedupe: ordered, never iterated on an output path
  std::uint64_t next_fetch_ = 1;
  WebhookResult counts_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace notion_sim::scenarios
