// Arrival processes: when the operations of a stream (or the runs of a workflow) arrive.
// Thread-safe as values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "notion_sim/engine/protocol.h"
#include "notion_sim/engine/time.h"
#include "notion_sim/engine/transport.h"

namespace notion_sim::scenarios {

enum class Arrival : std::uint8_t {
  kConstant,  // evenly spaced at rate_per_s
  kPoisson,   // exponential gaps with mean 1/rate_per_s
  kBursts,    // burst_size arrivals at once every burst_every_us (plus rate_per_s in between)
  kDaily,     // Poisson whose rate follows a daily curve from trough to peak and back
};
std::string_view ArrivalName(Arrival arrival);

// One stream of operations of one kind.
struct OpStream {
  engine::Operation operation = engine::Operation::kCreatePage;
  Arrival arrival = Arrival::kConstant;
  double rate_per_s = 1.0;
  TimeUs from_us = 0;            // no arrival before
  TimeUs until_us = kTimeNever;  // no arrival at or after (the run's duration caps it too)
  std::uint64_t max_ops = UINT64_MAX;
  TimeUs burst_every_us = Min(1);      // kBursts
  std::uint32_t burst_size = 10;       // kBursts
  double peak_per_s = 0;               // kDaily (rate_per_s is the trough)
  TimeUs period_us = kUsPerHour * 24;  // kDaily
  std::uint16_t tenant = 0;
  engine::Lane lane = engine::Lane::kNormal;
  std::uint32_t children = 3;     // append_blocks: children per request (> 100 is invalid)
  std::uint32_t page_size = 100;  // list/query/search
};

}  // namespace notion_sim::scenarios
