// Regression tests for inputs the fuzzers (fuzz/) found; each input is also in fuzz/corpus/.
#include "notion_sim/engine/json_reader.h"

#include <gtest/gtest.h>

namespace notion_sim::engine {
namespace {

// fuzz/scenario_fuzz and fuzz/fault_plan_fuzz: a number too large for a double made nlohmann
// throw out_of_range (not parse_error), which escaped JsonDocument::Parse and aborted the process.
TEST(JsonDocument, NumberOverflowIsAnErrorValueNotAnException) {
  for (const char* text : {R"({"seed": 1e5555})", "5555555555555555555575555e5555555 stoo",
                           "22222222222222222e2222222222", R"({"faults": [{"status": -1e400}]})"}) {
    Result<JsonDocument> doc = JsonDocument::Parse(text, "s.json");
    ASSERT_FALSE(doc.ok()) << text;
    EXPECT_NE(doc.error().message.find("s.json: not valid JSON: number overflow"),
              std::string::npos)
        << doc.error().message;
  }
}

}  // namespace
}  // namespace notion_sim::engine
