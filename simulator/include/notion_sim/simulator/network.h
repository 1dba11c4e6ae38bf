// NetworkModel: what lies between the client and the fake in simulation — latency distributions
// (per direction and per endpoint) and connection loss — sampled on the virtual clock from a
// seeded Rng. Only the in-process door uses it; over HTTP the real network is the network.
// Thread-safe as a value; Sample() needs the caller's Rng.
//
//   "network": {
//     "request_latency_ms": 40,                       // a fixed delay, or an object:
//     "response_latency": {"dist": "lognormal", "median_ms": 40, "sigma": 0.5, "max_ms": 2000},
//     "endpoints": {"query_data_source": {"dist": "uniform", "min_ms": 50, "max_ms": 300}},
//     "loss_probability": 0.001,            // request dropped on the way: reset, not applied
//     "response_loss_probability": 0.0005   // response dropped: applied, then reset
//   }
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "notion_sim/engine/json_reader.h"
#include "notion_sim/engine/protocol.h"
#include "notion_sim/engine/rng.h"
#include "notion_sim/engine/status.h"
#include "notion_sim/engine/time.h"

namespace notion_sim::sim {

enum class LatencyKind : std::uint8_t { kFixed, kUniform, kLognormal };
std::string_view LatencyKindName(LatencyKind kind);  // "fixed", "uniform", "lognormal"

// A delay distribution. Samples are whole microseconds, never negative, never above max_us.
struct LatencyDist {
  LatencyKind kind = LatencyKind::kFixed;
  TimeUs fixed_us = 0;   // kFixed
  TimeUs min_us = 0;     // kUniform: inclusive bounds
  TimeUs max_us = 0;     //   (also the cap of kLognormal; 0 = no cap)
  TimeUs median_us = 0;  // kLognormal
  double sigma = 0;      // kLognormal: shape of the underlying normal
  TimeUs Sample(engine::Rng& rng) const;
  static LatencyDist Fixed(TimeUs us) { return LatencyDist{LatencyKind::kFixed, us}; }
  static LatencyDist Uniform(TimeUs min_us, TimeUs max_us);
  static LatencyDist Lognormal(TimeUs median_us, double sigma, TimeUs max_us = 0);
};

struct NetworkModel {
  LatencyDist request_latency = LatencyDist::Fixed(Ms(40));   // client -> fake
  LatencyDist response_latency = LatencyDist::Fixed(Ms(40));  // fake -> client
  // Server-side processing time per operation (added between arrival and answer); unset = 0.
  std::array<std::optional<LatencyDist>, engine::kOperationCount> processing{};
  // Connection loss, in parts per billion (exact on every platform): the request never arrives
  // (kConnectionReset, not applied), or the response is dropped after the fake applied it.
  std::uint64_t request_loss_ppb = 0;
  std::uint64_t response_loss_ppb = 0;

  static NetworkModel Fixed(TimeUs request_us, TimeUs response_us);
};

// Parses the object shown at the top of this file. Unknown fields are errors.
Result<NetworkModel> ParseNetworkModel(engine::ObjectReader& reader);
// Parses one distribution: a number of milliseconds (fixed) is read by the caller; this reads
// {"dist": "fixed"|"uniform"|"lognormal", "ms" | "min_ms","max_ms" | "median_ms","sigma","max_ms"}.
LatencyDist ParseLatencyDist(engine::ObjectReader& reader);
// A probability in [0, 1] as parts per billion.
std::uint64_t ProbabilityToPpb(double p);

}  // namespace notion_sim::sim
