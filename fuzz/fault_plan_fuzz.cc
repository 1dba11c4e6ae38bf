// Fuzz target: the fault plan parser, as serve's admin API reads it (a plan {"faults": [...]} or
// one rule), then every parsed rule rendered back to JSON.
#include <cstddef>
#include <cstdint>
#include <string>

#include "notion_sim/engine/json_reader.h"
#include "notion_sim/simulator/fault_plan.h"

namespace ns = notion_sim;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto doc = ns::engine::JsonDocument::Parse(std::string(reinterpret_cast<const char*>(data), size),
                                             "fuzz.json");
  if (!doc.ok()) return 0;
  ns::engine::JsonReader reader(*doc);
  ns::engine::ObjectReader root = reader.Root();
  if (!reader.ok()) return 0;
  if (doc->root().contains("faults")) {
    auto plan = ns::sim::ParseFaultPlan(root);
    root.Finish();
    if (plan.ok()) {
      for (const ns::sim::FaultRule& rule : plan->rules()) {
        (void)ns::sim::FaultRuleToJson(rule, *plan).dump();
      }
    }
  } else {
    auto rule = ns::sim::ParseFaultRule(root);
    root.Finish();
    if (rule.ok()) (void)ns::sim::FaultRuleToJson(*rule).dump();
  }
  return 0;
}
