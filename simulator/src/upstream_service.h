// The completion upstream as its own service behind the fake's pipeline: its own keys, rate
// window, latency, health and error body, sharing the fault plan and the journal with the Notion
// API (the pipeline runs both). Private to the simulator. Not thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "core.h"

namespace notion_sim::sim {

class Upstream {
 public:
  Upstream(const UpstreamConfig& config, engine::Rng rng);

  // Authenticate: the x-api-key (or bearer) against the configured keys; false after failing
  // the call with 401.
  bool Authenticate(Call& call, const std::string& key) const;
  // Limits: one fixed 60 s window for all callers; false after failing the call with 429.
  bool Admit(Call& call);
  // Execute: validates the prompt and answers a completion (its latency in call.delay_us).
  void Complete(Call& call);
  // The completion's JSON (the HTTP door); draws its words from the upstream's stream.
  nlohmann::json Render(const Call& call);
  // The upstream's error body: {"type": "error", "error": {"type", "message"}}.
  static nlohmann::json ErrorBody(const Call& call);
  // Counts one finished call for health (an error when failed or a fault was injected).
  void Record(bool error);
  nlohmann::json HealthJson(const FakeStats& stats) const;
  // Back to the state of a fresh instance (Reset).
  void Reset(engine::Rng rng);

 private:
  const UpstreamConfig& config_;
  engine::Rng rng_;
  std::int64_t window_start_us_ = -1;
  std::int64_t window_used_ = 0;
  // A sliding record of the last results (1 = error), bounded at 100.
  std::vector<std::uint8_t> recent_;
  std::size_t recent_pos_ = 0;
};

}  // namespace notion_sim::sim
