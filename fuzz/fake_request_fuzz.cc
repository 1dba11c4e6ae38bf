// Fuzz target: the fake's HTTP door (FakeNotion::HandleHttp) on a fresh small workspace.
// Input: "METHOD PATH[?QUERY]\n", then "Name: value\n" header lines, an empty line, the body.
// Any request must get an answer (4xx for garbage), never a crash or a 500 from a bug.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "notion_sim/engine/loop.h"
#include "notion_sim/engine/rng.h"
#include "notion_sim/simulator/fake_notion.h"
#include "notion_sim/simulator/http_call.h"

namespace ns = notion_sim;

namespace {

std::string_view NextLine(std::string_view& rest) {
  const std::size_t end = rest.find('\n');
  std::string_view line = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  ns::sim::HttpCall call;
  const std::string_view request_line = NextLine(rest);
  const std::size_t space = request_line.find(' ');
  call.method = std::string(request_line.substr(0, space));
  if (space != std::string_view::npos) {
    std::string_view target = request_line.substr(space + 1);
    const std::size_t q = target.find('?');
    call.path = std::string(target.substr(0, q));
    if (q != std::string_view::npos) call.query = std::string(target.substr(q + 1));
  }
  for (int i = 0; i < 64 && !rest.empty(); ++i) {
    const std::string_view line = NextLine(rest);
    if (line.empty()) break;
    const std::size_t colon = line.find(':');
    std::string_view value =
        colon == std::string_view::npos ? std::string_view{} : line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    call.Header(std::string(line.substr(0, colon)), std::string(value));
  }
  call.body = std::string(rest);

  ns::engine::ManualClock clock(1'000'000);
  ns::sim::FakeConfig config;
  config.journal_capacity = 64;
  config.ledger_limit = 64;
  ns::sim::FakeNotion fake(clock, ns::engine::Rng(1), nullptr, config);
  const ns::sim::Answer answer = call.SendTo(fake);
  if (answer.response.status == 500) std::abort();
  return 0;
}
