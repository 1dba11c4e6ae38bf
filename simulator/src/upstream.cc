#include "notion_sim/simulator/upstream.h"

#include <algorithm>
#include <cmath>

namespace notion_sim::sim {

Result<UpstreamConfig> ParseUpstream(engine::ObjectReader& r) {
  UpstreamConfig c;
  c.enabled = r.Bool("enabled", true);
  if (r.Has("latency_ms")) {
    c.latency = LatencyDist::Fixed(
        static_cast<TimeUs>(std::llround(r.Number("latency_ms", 300, 0, 3'600'000) * 1000.0)));
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

// ---------------------------------------------------------------------------------------------
// The service

#include "upstream_service.h"

namespace notion_sim::sim {

using engine::ApiCode;
using nlohmann::json;

Upstream::Upstream(const UpstreamConfig& config, engine::Rng rng) : config_(config), rng_(rng) {}

void Upstream::Reset(engine::Rng rng) {
  rng_ = rng;
  window_start_us_ = -1;
  window_used_ = 0;
  recent_.clear();
  recent_pos_ = 0;
}

bool Upstream::Authenticate(Call& c, const std::string& key) const {
  const std::vector<std::string>& keys = config_.api_keys;
  if (!keys.empty() && std::find(keys.begin(), keys.end(), key) == keys.end()) {
    c.Fail(401, ApiCode::kUnauthorized, "invalid x-api-key");
    return false;
  }
  return true;
}

bool Upstream::Admit(Call& c) {
  if (!config_.enabled || config_.requests_per_minute <= 0) return true;
  if (window_start_us_ < 0 || c.now_us >= window_start_us_ + Min(1)) {
    window_start_us_ = c.now_us;
    window_used_ = 0;
  }
  if (window_used_ >= config_.requests_per_minute) {
    const TimeUs left = window_start_us_ + Min(1) - c.now_us;
    c.retry_after_form = RetryAfterForm::kSeconds;
    c.retry_after_s = std::max<std::int64_t>(1, (left + kUsPerSec - 1) / kUsPerSec);
    c.Fail(429, ApiCode::kRateLimited, "upstream rate limit exceeded");
    return false;
  }
  ++window_used_;
  return true;
}

void Upstream::Complete(Call& c) {
  if (!config_.enabled) {
    c.Fail(404, ApiCode::kObjectNotFound, "the upstream is disabled");
    return;
  }
  const json& b = *c.body;
  std::int64_t max_tokens = 64;
  std::string prompt;
  if (auto it = b.find("prompt"); it != b.end()) {
    if (!it->is_string()) {
      c.Fail(400, ApiCode::kValidationError, "prompt: expected a string");
      return;
    }
    prompt = it->get<std::string>();
  } else {
    c.Fail(400, ApiCode::kValidationError, "prompt: field required");
    return;
  }
  if (auto it = b.find("max_tokens"); it != b.end()) {
    if (!it->is_number_integer() || it->get<std::int64_t>() < 1 || it->get<std::int64_t>() > 4096) {
      c.Fail(400, ApiCode::kValidationError, "max_tokens: expected an integer in [1, 4096]");
      return;
    }
    max_tokens = it->get<std::int64_t>();
  }
  if (JsLength(prompt) > config_.max_prompt_chars) {
    c.Fail(400, ApiCode::kValidationError,
           "prompt: at most " + std::to_string(config_.max_prompt_chars) + " characters");
    return;
  }
  c.delay_us = config_.latency.Sample(rng_);
  const std::int64_t tokens_out =
      std::min<std::int64_t>(max_tokens, 4 + static_cast<std::int64_t>(rng_.Below(28)));
  c.result_count = static_cast<std::uint32_t>(tokens_out);
  c.reply.kind = ReplyKind::kCompletion;
  c.reply.number = max_tokens;
  c.reply.position = JsLength(prompt);
}

json Upstream::Render(const Call& c) {
  static constexpr const char* kWords[] = {"steady", "signal", "draft",  "summary", "notes",
                                           "status", "review", "update", "plan",    "risk",
                                           "owner",  "next",   "done",   "ready",   "sync"};
  const std::int64_t tokens_out = c.result_count;
  std::string text;
  for (std::int64_t i = 0; i < tokens_out; ++i) {
    if (!text.empty()) text += ' ';
    text += kWords[rng_.Below(std::size(kWords))];
  }
  return {{"id", "cmpl-" + engine::ObjectId::Random(rng_).ToString().substr(0, 8)},
          {"object", "completion"},
          {"model", config_.model},
          {"choices",
           json::array({{{"index", 0},
                         {"text", text},
                         {"finish_reason", tokens_out == c.reply.number ? "length" : "stop"}}})},
          {"usage",
           {{"prompt_tokens", static_cast<std::int64_t>(c.reply.position / 4 + 1)},
            {"completion_tokens", tokens_out}}}};
}

json Upstream::ErrorBody(const Call& c) {
  const std::string_view type = c.status == 429   ? "rate_limit_error"
                                : c.status == 529 ? "overloaded_error"
                                : c.status == 401 ? "authentication_error"
                                : c.status == 400 ? "invalid_request_error"
                                : c.status == 404 ? "not_found_error"
                                                  : "api_error";
  return {{"type", "error"},
          {"error",
           {{"type", std::string(type)},
            {"message", c.message.empty() ? std::string(DefaultMessage(c.code)) : c.message}}}};
}

void Upstream::Record(bool error) {
  if (recent_.size() < 100) {
    recent_.push_back(error ? 1 : 0);
  } else {
    recent_[recent_pos_] = error ? 1 : 0;
    recent_pos_ = (recent_pos_ + 1) % recent_.size();
  }
}

json Upstream::HealthJson(const FakeStats& stats) const {
  std::size_t errors = 0;
  for (std::uint8_t e : recent_) errors += e;
  const std::size_t n = recent_.size();
  // Degraded when more than a quarter of the last (up to) 100 calls failed.
  const bool degraded = n >= 4 && errors * 4 > n;
  return {{"status", !config_.enabled ? "disabled"
                     : degraded       ? "degraded"
                                      : "ok"},
          {"requests", stats.upstream_requests},
          {"errors", stats.upstream_errors},
          {"recent_calls", n},
          {"recent_errors", errors},
          {"model", config_.model}};
}

}  // namespace notion_sim::sim
