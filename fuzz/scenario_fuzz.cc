// Fuzz target: the scenario loader. Any bytes must give a scenario or an error value, never a
// crash, a sanitizer report or an exception escaping ParseScenario.
#include <cstddef>
#include <cstdint>
#include <string>

#include "notion_sim/scenarios/scenario.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto spec = notion_sim::scenarios::ParseScenario(text, "fuzz.json");
  (void)spec.ok();
  return 0;
}
