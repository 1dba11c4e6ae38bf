// Fuzz target: both Retry-After parsers (the engine's strict RFC 9110 one used by the curl
// transport, and the policies' SDK-exact/strict one) and the date parsers under them. Besides
// "no crash", checks what the headers promise: a parsed delay is never negative.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "notion_sim/engine/curl_transport.h"
#include "notion_sim/policies/retry_after.h"

namespace ns = notion_sim;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  if (auto v = ns::engine::ParseRetryAfter(text)) {
    if (v->form == ns::engine::RetryAfterForm::kSeconds && v->delta_us < 0) std::abort();
    const std::int64_t received_us = 5'000'000;
    const std::int64_t wall_now_us = 1'767'225'600LL * 1'000'000;
    if (ns::engine::RetryAfterNotBefore(*v, received_us, wall_now_us) < received_us) std::abort();
  }

  for (auto mode : {ns::policies::RetryAfterMode::kIgnore, ns::policies::RetryAfterMode::kSdk,
                    ns::policies::RetryAfterMode::kStrict}) {
    const ns::policies::RetryAfterValue v =
        ns::policies::ParseRetryAfter(text, mode, /*now_us=*/7'000'000);
    if ((v.form == ns::policies::RetryAfterForm::kSeconds ||
         v.form == ns::policies::RetryAfterForm::kDate) &&
        v.delay_us < 0) {
      std::abort();
    }
  }
  (void)ns::policies::ParseHttpDate(text);
  (void)ns::policies::ParseIsoUtc(text);
  return 0;
}
