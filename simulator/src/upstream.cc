#include "notion_sim/simulator/upstream.h"

namespace notion_sim::sim {

Result<UpstreamConfig> ParseUpstream(engine::ObjectReader& r) {
  UpstreamConfig c;
  c.enabled = r.Bool("enabled", true);
  if (r.Has("latency_ms")) {
    c.latency = LatencyDist::Fixed(
        static_cast<TimeUs>(r.Number("latency_ms", 300, 0, 3'600'000) * 1000.0 + 0.5));
  } else if (std::optional<engine::ObjectReader> l = r.OptionalObject("latency")) {
    c.latency = ParseLatencyDist(*l);
  }
  c.requests_per_minute = r.Int("requests_per_minute", 0, 0, 1'000'000'000);
  c.api_keys = r.Strings("api_keys");
  c.model = r.String("model", c.model);
  c.max_prompt_chars =
      static_cast<std::uint32_t>(r.Int("max_prompt_chars", c.max_prompt_chars, 1, 10'000'000));
  r.Finish();
  if (!r.ok()) return r.error();
  return c;
}

}  // namespace notion_sim::sim
