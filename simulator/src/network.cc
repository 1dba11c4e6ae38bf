#include "notion_sim/simulator/network.h"

#include <cmath>
#include <string>

namespace notion_sim::sim {
namespace {

TimeUs MsToUs(double ms) { return static_cast<TimeUs>(std::llround(ms * 1000.0)); }

constexpr double kMaxMs = 24.0 * 3600 * 1000;  // a day: beyond any sane latency

}  // namespace

std::string_view LatencyKindName(LatencyKind kind) {
  switch (kind) {
    case LatencyKind::kFixed:
      return "fixed";
    case LatencyKind::kUniform:
      return "uniform";
    case LatencyKind::kLognormal:
      return "lognormal";
  }
  return "?";
}

LatencyDist LatencyDist::Uniform(TimeUs min_us, TimeUs max_us) {
  LatencyDist d;
  d.kind = LatencyKind::kUniform;
  d.min_us = min_us;
  d.max_us = max_us;
  return d;
}

LatencyDist LatencyDist::Lognormal(TimeUs median_us, double sigma, TimeUs max_us) {
  LatencyDist d;
  d.kind = LatencyKind::kLognormal;
  d.median_us = median_us;
  d.sigma = sigma;
  d.max_us = max_us;
  return d;
}

TimeUs LatencyDist::Sample(engine::Rng& rng) const {
  switch (kind) {
    case LatencyKind::kFixed:
      return fixed_us > 0 ? fixed_us : 0;
    case LatencyKind::kUniform:
      return max_us > min_us ? rng.UniformInt(min_us, max_us) : min_us;
    case LatencyKind::kLognormal: {
      if (median_us <= 0) return 0;
      const double x = rng.Lognormal(static_cast<double>(median_us), sigma);
      // The cap also guards the conversion: a huge draw must not overflow int64.
      const double cap = max_us > 0 ? static_cast<double>(max_us) : 1e15;
      return static_cast<TimeUs>(std::llround(x < cap ? x : cap));
    }
  }
  return 0;
}

NetworkModel NetworkModel::Fixed(TimeUs request_us, TimeUs response_us) {
  NetworkModel m;
  m.request_latency = LatencyDist::Fixed(request_us);
  m.response_latency = LatencyDist::Fixed(response_us);
  return m;
}

std::uint64_t ProbabilityToPpb(double p) {
  if (!(p > 0)) return 0;
  if (p >= 1) return 1'000'000'000;
  return static_cast<std::uint64_t>(std::llround(p * 1e9));
}

LatencyDist ParseLatencyDist(engine::ObjectReader& r) {
  LatencyDist d;
  const std::string kind = r.Enum("dist", {"fixed", "uniform", "lognormal"});
  if (kind == "fixed") {
    d.kind = LatencyKind::kFixed;
    d.fixed_us = MsToUs(r.Number("ms", 0, 0, kMaxMs));
  } else if (kind == "uniform") {
    d.kind = LatencyKind::kUniform;
    d.min_us = MsToUs(r.Number("min_ms", 0, 0, kMaxMs));
    d.max_us = MsToUs(r.Number("max_ms", 0, 0, kMaxMs));
    if (r.ok() && d.max_us < d.min_us) r.Fail("max_ms", "expected max_ms >= min_ms");
  } else if (kind == "lognormal") {
    d.kind = LatencyKind::kLognormal;
    if (!r.Has("median_ms")) r.Fail("", "missing required field \"median_ms\" (a number)");
    d.median_us = MsToUs(r.Number("median_ms", 0, 0, kMaxMs));
    d.sigma = r.Number("sigma", 0.5, 0, 10);
    d.max_us = MsToUs(r.Number("max_ms", 0, 0, kMaxMs));
  }
  r.Finish();
  return d;
}

namespace {

// A latency field: a number of milliseconds ("<name>_ms") or a distribution object ("<name>").
void ReadLatency(engine::ObjectReader& r, const std::string& name, LatencyDist* out) {
  const bool has_ms = r.Has(name + "_ms");
  const bool has_obj = r.Has(name);
  if (has_ms && has_obj) {
    r.Fail(name, "give either \"" + name + "_ms\" or \"" + name + "\", not both");
    return;
  }
  if (has_obj) {
    std::optional<engine::ObjectReader> o = r.OptionalObject(name);
    if (o) *out = ParseLatencyDist(*o);
  } else {
    r.OptionalObject(name);  // marks the key as read
  }
  if (has_ms) *out = LatencyDist::Fixed(MsToUs(r.Number(name + "_ms", 0, 0, kMaxMs)));
}

}  // namespace

Result<NetworkModel> ParseNetworkModel(engine::ObjectReader& r) {
  NetworkModel m;
  ReadLatency(r, "request_latency", &m.request_latency);
  ReadLatency(r, "response_latency", &m.response_latency);
  if (std::optional<engine::ObjectReader> endpoints = r.OptionalObject("endpoints")) {
    for (int i = 0; i < engine::kOperationCount; ++i) {
      const std::string name(engine::OperationName(static_cast<engine::Operation>(i)));
      if (std::optional<engine::ObjectReader> e = endpoints->OptionalObject(name)) {
        m.processing[static_cast<std::size_t>(i)] = ParseLatencyDist(*e);
      }
    }
    endpoints->Finish();
  }
  m.request_loss_ppb = ProbabilityToPpb(r.Number("loss_probability", 0, 0, 1));
  m.response_loss_ppb = ProbabilityToPpb(r.Number("response_loss_probability", 0, 0, 1));
  r.Finish();
  if (!r.ok()) return r.error();
  return m;
}

}  // namespace notion_sim::sim
