// The seam between the resilience stack and a target: logical operations, requests, responses,
// and the three interfaces the Runner wires together.
//
//   Workload --LogicalOp--> Client (the stack) --Request--> Transport --Response--> Client
//
// `Transport` is asynchronous: Send returns at once and the completion runs later on the loop
// (simulated: the in-process fake; live: CurlTransport). The simulated path serializes no JSON:
// requests carry typed fields and a shared, pre-built payload. Not thread-safe: everything runs on
// the loop's thread.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "notion_sim/engine/object_id.h"
#include "notion_sim/engine/protocol.h"
#include "notion_sim/engine/time.h"

namespace notion_sim::engine {

// Bulkhead priority lanes.
enum class Lane : std::uint8_t { kCritical, kNormal, kBulk };
std::string_view LaneName(Lane lane);

using Payload = std::shared_ptr<const nlohmann::json>;

// One unit of work from the workload. It ends exactly once (see OpStatus).
struct LogicalOp {
  std::uint64_t op_id = 0;  // unique in a run, > 0
  Operation operation = Operation::kRetrievePage;
  std::uint16_t tenant = 0;  // index into the scenario's tenants
  Lane lane = Lane::kNormal;
  ObjectId target;  // the object in the path (page, block, data source, user)
  ObjectId parent;  // for creates: the parent page / data source
  Payload payload;  // request body template (properties, children...), may be null
  TimeUs arrival_us = 0;
  std::uint32_t record = 0;  // batch sync: the record index (0 = not part of a batch)
  std::uint16_t batch = 0;   // batch sync: 1 + the batch's index (0 = not part of a batch)
  // 0: one call of `operation`. Otherwise a run of the scenario's workflow number `workflow - 1`
  // (scenarios/workflow.h), carried out by the scenario's client as several calls; `operation` is
  // then its first call's.
  std::uint16_t workflow = 0;
  // List endpoints: the cursor a previous response gave (Response::next_cursor; 0 = the first
  // page) and the page size (0 = the target's default), copied into the Request.
  std::uint64_t start_cursor = 0;
  std::uint16_t page_size = 0;
  // A create an earlier run of the same work may have applied (a resumed live run found its key
  // claimed and never completed): a stack that reconciles looks before the first attempt.
  bool maybe_applied = false;
  // When the operation this one is a step of must be over (the steps of a workflow share their
  // operation's deadline); kTimeNever when it has none. A stack ends the step by then at the
  // latest, as with its own deadline.
  TimeUs deadline_at_us = kTimeNever;
  // A failure no retry can mend is parked in the DLQ for manual review instead of surfaced, so
  // the caller can move on past it (batch sync approach B: the checkpoint advances fully and
  // failures go to the DLQ). Needs a stack with a DLQ.
  bool park_failures = false;
};

// One attempt of a logical operation, as sent to a target.
struct Request {
  std::uint64_t op_id = 0;
  std::uint32_t attempt = 1;  // 1-based
  Operation operation = Operation::kRetrievePage;
  Method method = Method::kGet;
  std::uint16_t tenant = 0;
  ObjectId target;
  ObjectId parent;
  Payload payload;
  // SHA-256 of (operation, canonical params) when the stack protects the write; the fake stores it
  // with a created page so that reconcile-before-retry can find it.
  std::optional<std::array<std::uint8_t, 32>> idempotency_key;
  TimeUs connect_timeout_us = 0;  // 0 = none
  TimeUs timeout_us = 0;          // the attempt, from send; 0 = none
  // Whether timeout_us runs until the whole body has arrived (ours) or only until the response
  // headers have (the official SDK: its timer races fetch(), which resolves on the headers, and
  // the body read that follows has no timeout, docs/sources.md#the-official-sdk: a stalled body
  // waits forever).
  bool timeout_covers_body = true;
  // For lookups (reconcile-before-retry): find a page under `parent` carrying this key.
  bool reconcile_lookup = false;
  // List endpoints (query, search, list children, list users): the cursor a previous response
  // gave (Response::next_cursor; opaque, 0 = the first page) and the page size (0 = default 100).
  std::uint64_t start_cursor = 0;
  std::uint16_t page_size = 0;
};

// What became of an attempt at the transport level.
enum class TransportOutcome : std::uint8_t {
  kResponse,         // an HTTP response arrived (any status)
  kTimeout,          // no complete response within the attempt's timeout
  kConnectionReset,  // the connection dropped mid-exchange
  kConnectionRefused,
  kDnsFailure,
  kTlsFailure,
  kMalformed,  // a response arrived but could not be read (bad JSON in a 2xx, ...)
};
std::string_view TransportOutcomeName(TransportOutcome outcome);

struct Response {
  TransportOutcome outcome = TransportOutcome::kResponse;
  int status = 0;                  // HTTP status when outcome == kResponse
  ApiCode code = ApiCode::kNone;   // the body's `code` for errors
  bool code_known_to_sdk = true;   // false when the body had no JSON error object
  bool edge_error = false;         // an HTML error from the edge proxy (cf-ray, no request id)
  bool injected = false;           // the fault plan made this outcome
  std::string retry_after;         // the raw Retry-After header; empty when absent
  std::string request_id;          // x-notion-request-id over HTTP; empty in simulation
  ObjectId object_id;              // created / retrieved object, when any
  bool found = false;              // reconcile lookup: a page with the key exists
  std::uint32_t result_count = 0;  // list endpoints: results in this page
  bool has_more = false;
  std::uint64_t next_cursor = 0;  // list endpoints: pass as Request::start_cursor; 0 = none
  // List endpoints: the ids of the results in this page, in order (what a workflow iterates).
  std::vector<ObjectId> result_ids;
  Payload body;  // parsed body where a caller needs it; may be null in simulation
  TimeUs sent_us = 0;
  TimeUs received_us = 0;

  bool ok() const {
    return outcome == TransportOutcome::kResponse && status >= 200 && status < 300;
  }
};

using Completion = std::function<void(Response)>;

class Transport {
 public:
  virtual ~Transport() = default;
  // Sends one attempt. `done` runs exactly once, later, on the loop.
  virtual void Send(const Request& request, Completion done) = 0;
};

// How a logical operation ended.
enum class OpStatus : std::uint8_t {
  kSucceeded,
  kServedFallback,  // the target failed; a cached or degraded answer was returned
  kFailed,          // surfaced to the caller
  kDeadLettered,    // parked in the DLQ for later
};
std::string_view OpStatusName(OpStatus status);

struct OpResult {
  OpStatus status = OpStatus::kFailed;
  std::uint32_t attempts = 0;
  Response last;  // the last response or transport outcome
};

using OpCompletion = std::function<void(OpResult)>;

// The resilience stack as the Runner sees it.
class Client {
 public:
  virtual ~Client() = default;
  // Starts a logical operation; `done` runs exactly once, later, on the loop.
  virtual void Execute(const LogicalOp& op, OpCompletion done) = 0;
  // Called once after the workload has ended and the loop drained (flush DLQ, stop timers).
  virtual void Finish() {}
};

// A source of logical operations in non-decreasing arrival time.
class Workload {
 public:
  virtual ~Workload() = default;
  // The next operation, or nullopt when the workload is over.
  virtual std::optional<LogicalOp> Next() = 0;
};

}  // namespace notion_sim::engine
