// Regression tests for inputs the fuzzers (fuzz/) found, each also in fuzz/corpus/, and for the
// limits on JSON from outside (JsonLimits).
#include "notion_sim/engine/json_reader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

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

std::string Nested(std::size_t depth, const std::string& inner = "") {
  return std::string(depth, '[') + inner + std::string(depth, ']');
}

// Issue 14: 100,000 nested arrays overflowed the stack (the position index and every walker of
// the parsed document recurse per level): `notion-sim run` and `validate` died with SIGSEGV, and
// `POST /__admin/faults` took serve down. The guard refuses them first, naming where and the limit.
TEST(JsonLimits, DeepNestingIsRefusedBeforeAnythingRecurses) {
  Result<JsonDocument> deep = JsonDocument::Parse(Nested(100'000), "s.json");
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(deep.error().message, "s.json:1:65: JSON nested deeper than 64 levels (the limit)");
  const std::string objects = [] {
    std::string s;
    for (int i = 0; i < 100'000; ++i) s += "{\"a\":\n";
    s += "1";
    for (int i = 0; i < 100'000; ++i) s += "}";
    return s;
  }();
  EXPECT_EQ(ParseJson(objects, "o.json").error().message,
            "o.json:65:1: JSON nested deeper than 64 levels (the limit)");
  // At the limit it parses; brackets inside strings (escaped quotes too) are not nesting.
  EXPECT_TRUE(JsonDocument::Parse(Nested(64), "ok.json").ok());
  EXPECT_FALSE(CheckJsonLimits(Nested(65), "x").ok());
  EXPECT_TRUE(CheckJsonLimits("[\"" + std::string(1000, '[') + "\\\"\"]", "x").ok());
  EXPECT_TRUE(CheckJsonLimits(Nested(3), "x", JsonLimits{3, 100}).ok());
  EXPECT_EQ(CheckJsonLimits(Nested(3), "x", JsonLimits{2, 100}).error().message,
            "x:1:3: JSON nested deeper than 2 levels (the limit)");
}

TEST(JsonLimits, SizeIsBoundedWhileReading) {
  EXPECT_EQ(CheckJsonLimits(std::string(101, ' '), "b.json", JsonLimits{64, 100}).error().message,
            "b.json: 101 bytes of JSON, over the limit of 100 bytes");
  const std::filesystem::path file =
      std::filesystem::temp_directory_path() / "nsim-json-limits-test.json";
  std::ofstream(file) << "[" << std::string(300'000, ' ') << "]";
  const Result<std::string> read = ReadJsonFile(file.string(), JsonLimits{64, 200'000});
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().message,
            file.string() + ": more than 200000 bytes, over the limit for a JSON file");
  EXPECT_TRUE(LoadJson(file.string()).ok());
  std::filesystem::remove(file);
  // A device that never ends is cut off at the limit, not read until memory runs out.
  const Result<std::string> zero = ReadJsonFile("/dev/zero", JsonLimits{64, 1 << 20});
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.error().message.find("/dev/zero: more than 1048576 bytes"), std::string::npos);
}

}  // namespace
}  // namespace notion_sim::engine
