// Recordings and conformance: what `notion-sim proxy --record FILE` writes and what
// `notion-sim conformance FILE` replays against the fake to list every difference between the
// real API's answers and the fake's (a fidelity report).
//
// A recording is JSON Lines, one forwarded exchange a line, as the target answered it:
//
//   {"n": 1, "at_ms": 12, "method": "POST", "path": "/v1/pages", "query": "",
//    "request_headers": [["Authorization", "Bearer …a1b2"], ["Notion-Version", "2025-09-03"]],
//    "request_body": "{\"parent\": ...}", "status": 200,
//    "response_headers": [["content-type", "application/json"]], "response_body": "{...}"}
//
// Tokens never reach the file: Authorization and X-Api-Key keep only RedactToken's form ("…" and
// the last 4 characters), Cookie and Set-Cookie are dropped, and the bearer token is replaced by
// its redacted form wherever else it appears (query, bodies). An exchange the target did not
// answer has "status": 0 and an "error"; conformance skips it.
//
//   auto recording = LoadExchanges("real.jsonl");
//   ConformanceReport report = Conform(*recording, InProcessSender(fake), options);
//   report.differences   // status, code or shape, each with the line and the JSON path
//
// Replay: requests go in file order with the fake's token in place of the recorded one (a request
// the target refused with 401 gets a token the fake does not know, one without Authorization
// none). Ids are translated: whenever the recorded answer and the fake's hold ids at the same JSON
// path, the recorded id maps to the fake's, and later requests carry the fake's ids (so pages the
// recording created are found in the fake); ids the fake must know beforehand (a data source, a
// root page) come from the workspace it is given.
//
// Comparison, per exchange: the status; the error `code` when both are errors; the shape of the
// JSON bodies when the statuses agree — object keys (missing from the fake, or only in the fake),
// value types (string, number, boolean, object, array), and the values of discriminating keys
// ("object", "type"). Values otherwise are data (ids, timestamps, titles, request ids) and are not
// compared; a null on either side is not compared either (next_cursor, icon: null or not by
// data); array elements are compared pairwise up to the shorter length.
//
// Thread-safe: functions are pure but for the sender and the files they read or write;
// ExchangeWriter serializes its writes.
#pragma once

#include <cstdint>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "notion_sim/engine/status.h"
#include "notion_sim/engine/time.h"
#include "notion_sim/simulator/fake_notion.h"
#include "notion_sim/simulator/forward.h"

namespace notion_sim::scenarios {

// One recorded exchange, as read back.
struct RecordedExchange {
  std::size_t line = 0;  // 1-based line in the file
  sim::ForwardRequest request;
  sim::ForwardedAnswer answer;
};

// The exchange's line, tokens redacted (see the top of this file).
nlohmann::json RecordExchange(const sim::ForwardRequest& request,
                              const sim::ForwardedAnswer& answer, std::uint64_t n, TimeUs at_us);

// Appends RecordExchange lines to a file, one flushed line per exchange. Thread-safe.
class ExchangeWriter {
 public:
  // Creates (truncates) the file; kInvalidInput naming it when it cannot be opened.
  static Result<std::unique_ptr<ExchangeWriter>> Open(const std::string& path);
  void Record(const sim::ForwardRequest& request, const sim::ForwardedAnswer& answer, TimeUs at_us);
  std::uint64_t recorded() const;

 private:
  explicit ExchangeWriter(std::ofstream out) : out_(std::move(out)) {}
  mutable std::mutex mu_;
  std::ofstream out_;
  std::uint64_t n_ = 0;
};

// Reads a recording. Errors (kInvalidInput) name the file, the line and the field: a line that is
// not a JSON object, a missing or mistyped field, an empty file.
Result<std::vector<RecordedExchange>> LoadExchanges(const std::string& path);

struct Difference {
  std::size_t line = 0;  // the recording's line
  std::string request;   // "POST /v1/pages"
  std::string kind;      // "status", "code" or "shape"
  std::string where;     // shape: the JSON path ("$.results[0].properties.Name"); else ""
  std::string recorded;  // what the recording holds there ("200", "validation_error", "string")
  std::string fake;      // what the fake answered there ("absent" when it has no such key)
};

struct ConformanceReport {
  std::size_t replayed = 0;
  std::size_t skipped = 0;    // recorded without an answer (status 0)
  std::size_t differing = 0;  // exchanges with at least one difference
  std::vector<Difference> differences;
};

// Sends one request to the fake and returns its answer.
using Sender = std::function<sim::ForwardedAnswer(const sim::ForwardRequest& request)>;

struct ConformanceOptions {
  std::string token;  // the fake's token, sent in place of the recorded one
  std::size_t max_differences_per_exchange = 20;  // the rest of one exchange's are counted only
};

ConformanceReport Conform(const std::vector<RecordedExchange>& recording, const Sender& send,
                          const ConformanceOptions& options);

// A Sender into `fake` in-process (through its HTTP parsing and rendering, as a served fake).
Sender InProcessSender(sim::FakeNotion& fake);

// {"replayed", "skipped", "differing", "differences": [{"line", "request", "kind", "where",
// "recorded", "fake"}]}.
nlohmann::json ConformanceToJson(const ConformanceReport& report);
// One line per difference: "line 3 POST /v1/pages: shape $.properties: \"x\" missing from the
// fake".
std::string DescribeDifference(const Difference& difference);

}  // namespace notion_sim::scenarios
