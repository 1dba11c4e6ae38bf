// Fuzz target: the fake's cursor decoder, through both doors that take a cursor: start_cursor in
// a data source query's body and in a block children list's query string. A cursor is opaque;
// anything else than a cursor the fake made must answer 400 validation_error, never a crash,
// a 500 or a page of results.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "notion_sim/engine/loop.h"
#include "notion_sim/engine/object_id.h"
#include "notion_sim/engine/rng.h"
#include "notion_sim/simulator/fake_notion.h"
#include "notion_sim/simulator/http_call.h"

namespace ns = notion_sim;

namespace {

ns::sim::FakeConfig Config() {
  ns::sim::FakeConfig config;
  config.journal_capacity = 64;  // small bounds: a fresh fake per input must be cheap
  config.ledger_limit = 64;
  ns::sim::DatabaseSpec db;
  db.title = "Tasks";
  ns::sim::DataSourceSpec source;
  source.title = "Tasks";
  source.pages = 0;  // the first page allocates a 16384-record chunk: too slow per input
  db.data_sources.push_back(source);
  config.workspace.databases.push_back(db);
  return config;
}

struct World {
  ns::engine::ManualClock clock{1'000'000};
  ns::sim::FakeNotion fake{clock, ns::engine::Rng(1), nullptr, Config()};
  std::string query_path;
  std::string children_path;
  World() {
    query_path = "/v1/data_sources/" + fake.data_sources().front().ToString() + "/query";
    children_path = "/v1/blocks/" + fake.data_sources().front().ToString() + "/children";
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // A fresh fake per input (same seed, so the same ids): a long-lived one slows down as its
  // journal and limiter windows fill.
  World fresh;
  World* world = &fresh;
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)ns::engine::ObjectId::Parse(text);

  // The body is built by nlohmann so that any bytes reach the decoder as the string's value
  // (invalid UTF-8 is replaced rather than thrown on).
  nlohmann::json body = {{"page_size", 2}, {"start_cursor", text}};
  const std::string body_text = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  world->clock.Advance(1'000'000);
  const ns::sim::Answer a = ns::sim::HttpCall::Notion("POST", world->query_path, "secret_fuzz")
                                .Header("Content-Type", "application/json")
                                .Body(body_text)
                                .SendTo(world->fake);
  if (a.response.status >= 500) std::abort();

  world->clock.Advance(1'000'000);
  const ns::sim::Answer b = ns::sim::HttpCall::Notion("GET", world->children_path, "secret_fuzz")
                                .Query("page_size=2&start_cursor=" + text)
                                .SendTo(world->fake);
  if (b.response.status >= 500) std::abort();
  return 0;
}
