// Transitional: the new public API over the old minimal model, while the full core lands.
#include "notion_sim/simulator/fake_notion.h"

#include <unordered_map>
#include <utility>

namespace notion_sim::sim {

using engine::ApiCode;
using engine::Operation;

struct FakeNotion::Impl {
  Impl(const engine::Clock& c, engine::Rng r, engine::Trace* t, FakeConfig cfg)
      : clock(c), rng(r), trace(t), config(std::move(cfg)), journal(config.journal_capacity) {}
  const engine::Clock& clock;
  engine::Rng rng;
  engine::Trace* trace;
  FakeConfig config;
  Journal journal;
  engine::Ledger ledger;
  FakeStats stats;
  std::unordered_map<engine::ObjectId, int, engine::ObjectIdHash> pages;
};

FakeNotion::FakeNotion(const engine::Clock& clock, engine::Rng rng, engine::Trace* trace,
                       FakeConfig config)
    : impl_(std::make_unique<Impl>(clock, rng, trace, std::move(config))) {}
FakeNotion::~FakeNotion() = default;

Answer FakeNotion::Handle(const engine::Request& request) {
  Impl& m = *impl_;
  Answer a;
  a.response.status = 200;
  const TimeUs now = m.clock.NowUs();
  if (request.operation == Operation::kCreatePage) {
    const engine::ObjectId id = engine::ObjectId::Random(m.rng);
    m.pages.emplace(id, 0);
    a.response.object_id = id;
    m.ledger.push_back(
        engine::LedgerEntry{now, request.op_id, 0, request.operation, id, request.tenant, false});
  } else if (request.operation == Operation::kRetrievePage) {
    if (m.pages.count(request.target) == 0) {
      a.response.status = 404;
      a.response.code = ApiCode::kObjectNotFound;
    }
  } else {
    a.response.status = 400;
    a.response.code = ApiCode::kInvalidRequest;
  }
  return a;
}

Answer FakeNotion::HandleHttp(const HttpRequestView&) {
  Answer a;
  a.response.status = 400;
  a.response.code = ApiCode::kInvalidRequestUrl;
  return a;
}

FaultPlan& FakeNotion::faults() { return impl_->config.faults; }
Journal& FakeNotion::journal() { return impl_->journal; }
const Journal& FakeNotion::journal() const { return impl_->journal; }
const engine::Ledger& FakeNotion::ledger() const { return impl_->ledger; }
const FakeStats& FakeNotion::stats() const { return impl_->stats; }
const FakeConfig& FakeNotion::config() const { return impl_->config; }
void FakeNotion::Reset() {}
nlohmann::json FakeNotion::HealthJson() const { return {{"status", "ok"}}; }
nlohmann::json FakeNotion::UpstreamHealthJson() const { return {{"status", "ok"}}; }
std::string FakeNotion::MetricsText() const { return ""; }
std::size_t FakeNotion::page_count() const { return impl_->pages.size(); }
std::size_t FakeNotion::block_count() const { return 0; }
std::vector<engine::ObjectId> FakeNotion::data_sources() const { return {}; }
std::vector<engine::ObjectId> FakeNotion::users() const { return {}; }
std::string FakeNotion::CursorText(std::uint64_t) const { return ""; }

Result<FakeConfig> ParseFakeConfig(engine::ObjectReader&) { return FakeConfig{}; }

Journal::Journal(std::size_t capacity) : capacity_(capacity) {}

InProcessTransport::InProcessTransport(engine::Loop& loop, FakeNotion& fake, NetworkModel network,
                                       engine::Rng rng, engine::Trace* trace,
                                       std::size_t max_in_flight)
    : loop_(loop),
      fake_(fake),
      network_(network),
      rng_(rng),
      trace_(trace),
      max_in_flight_(max_in_flight) {}

void InProcessTransport::Send(const engine::Request& request, engine::Completion done) {
  const TimeUs sent = loop_.NowUs();
  loop_.ScheduleAfter(network_.request_latency.fixed_us, [this, request, sent,
                                                          done = std::move(done)]() mutable {
    engine::Response response = fake_.Handle(request).response;
    response.sent_us = sent;
    loop_.ScheduleAfter(network_.response_latency.fixed_us,
                        [this, response = std::move(response), done = std::move(done)]() mutable {
                          response.received_us = loop_.NowUs();
                          done(std::move(response));
                        });
  });
}

NetworkModel NetworkModel::Fixed(TimeUs request_us, TimeUs response_us) {
  NetworkModel m;
  m.request_latency = LatencyDist::Fixed(request_us);
  m.response_latency = LatencyDist::Fixed(response_us);
  return m;
}

}  // namespace notion_sim::sim
