// FakeNotion: the fake Notion's core — the workspace model (pages, blocks, databases and their
// data sources, comments, file uploads, views, users, search), validation and size limits with
// Notion's codes and messages, pagination with opaque cursors, API versions, auth, rate limits,
// the fault plan, the request journal and the write ledger — plus the completion upstream, a
// second service behind the same pipeline. One core, two doors:
//
//   Handle(Request)          in-process, typed: the simulated stack's requests; no JSON text is
//                            rendered or parsed per call (the simulated hot path)
//   HandleHttp(view)         the HTTP door (`notion-sim serve`): decodes the request and renders
//                            Notion's exact body and headers
//   Call(ApiCall)            the typed door with everything HTTP can say (tests, tools)
//
// Both doors decode into one ApiCall (api_call.h) and run one pipeline, in one order:
//
//   route -> Notion-Version -> authenticate -> fault decision -> rate limits -> validate
//   (path ids, body, pagination) -> execute -> journal
//
// A rule's kRespond / kReset / kHang / kHtmlEdge / kMalformedJson answer before anything is
// applied; kLoseAfterCommit and kCommitThen503 apply the request first; kDelay and kStallBody
// answer normally, late or never complete. Every committed change passes through one point,
// which records it in the ledger and hands it to the change sink (see SetChangeSink).
//
// Both return an Answer: the typed Response, and what the door must do with the connection
// (FaultAction). The core never sleeps, never reads a real clock and draws every id and every
// fault decision from its seeded Rng, so a run is reproducible from the seed.
//
//   engine::SimLoop loop;
//   FakeNotion fake(loop, engine::Rng(7).Fork("fake"), &trace, FakeConfig{});
//   Answer a = fake.Handle(request);
//
// Requests in-process: `payload` is the body without `parent` — create_page / update_page:
// {"properties": {...}, "children": [...], "in_trash": bool}; append_blocks: {"children": [...]};
// query: {"filter": ..., "sorts": [...]}; search: {"query": "...", "filter": {...}}; for GET
// endpoints with query parameters (list_comments' block_id, ...) the payload's fields stand for
// them. A null payload means an empty body (append_blocks then appends one paragraph). `parent`
// is the page or data source a create goes under.
//
// Not thread-safe: the HTTP door serializes calls into one instance.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "notion_sim/engine/json_reader.h"
#include "notion_sim/engine/ledger.h"
#include "notion_sim/engine/loop.h"
#include "notion_sim/engine/rng.h"
#include "notion_sim/engine/status.h"
#include "notion_sim/engine/trace.h"
#include "notion_sim/engine/transport.h"
#include "notion_sim/simulator/api_call.h"
#include "notion_sim/simulator/fault_plan.h"
#include "notion_sim/simulator/forward.h"
#include "notion_sim/simulator/journal.h"
#include "notion_sim/simulator/network.h"
#include "notion_sim/simulator/rate_limit.h"
#include "notion_sim/simulator/upstream.h"
#include "notion_sim/simulator/webhooks.h"
#include "notion_sim/simulator/workspace.h"

namespace notion_sim::sim {

struct FakeConfig {
  Workspace workspace;
  FaultPlan faults;  // its rules; the fake reseeds it from its own Rng
  UpstreamConfig upstream;
  WebhookConfig webhooks;  // subscriptions the fake delivers its changes to (webhooks())
  std::size_t journal_capacity = 10'000;
  // Bound of the write ledger; writes past it still apply but are counted, not recorded.
  std::size_t ledger_limit = 50'000'000;
};

// Reads the fake's sections from a scenario-like root object: "workspace", "faults", "upstream",
// "webhooks" (each optional). Does not Finish() `root`: other folders own its other keys.
Result<FakeConfig> ParseFakeConfig(engine::ObjectReader& root);

// A committed change, as the one commit point sees it: what changed, how, by which call. Webhook
// deliveries are built from these (Notion's event types map onto `kind`).
enum class ChangeKind : std::uint8_t {
  kPageCreated,
  kPagePropertiesUpdated,
  kPageContentUpdated,  // blocks appended, changed or removed under the page
  kPageMoved,
  kPageDeleted,  // moved to the trash
  kPageRestored,
  kDatabaseCreated,
  kDatabaseUpdated,
  kDataSourceCreated,
  kDataSourceSchemaUpdated,
  kDataSourceUpdated,
  kCommentCreated,
  kCommentUpdated,
  kCommentDeleted,
  kFileUploaded,  // a file upload created, sent or completed
  kViewChanged,   // a view created, updated or deleted
};
std::string_view ChangeKindName(ChangeKind kind);  // "page.created", ...

struct Change {
  ChangeKind kind = ChangeKind::kPageCreated;
  engine::Operation operation = engine::Operation::kCreatePage;
  engine::ObjectId object;  // the page, database, data source, comment, ... that changed
  engine::ObjectId parent;  // its parent (page, data source, database), when it has one
  WebhookFacts event;  // what a webhook event says about it (filled when webhooks or a sink listen)
  TimeUs at_us = 0;
  std::uint16_t tenant = 0;
  std::uint64_t op_id = 0;
  std::uint64_t seq = 0;  // the request that made it (Journal entry)
};

// One HTTP request as the door received it. The views must stay valid during the call.
struct HttpRequestView {
  std::string_view method;  // "GET", "POST", "PATCH", "DELETE"
  std::string_view path;    // without the query string: "/v1/pages/…"
  std::string_view query;   // the raw query string without '?': "page_size=5&start_cursor=…"
  // Case-insensitive header lookup; nullopt when absent.
  std::function<std::optional<std::string>(std::string_view name)> header;
  std::string_view body;
  // A multipart/form-data body, already split by the door (the body text is then empty).
  const std::vector<FormPart>* form = nullptr;
};

// The fake's answer to one request.
struct Answer {
  engine::Response response;  // typed: outcome, status, code, retry_after, object_id, found...
  // HTTP door only (empty in-process): the exact body text and headers to send (Retry-After,
  // x-notion-request-id, cf-ray, content-type).
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  FaultAction action = FaultAction::kNone;  // what the door must do with the connection
  TimeUs delay_us = 0;    // latency to add before answering (kDelay, server processing time)
  bool injected = false;  // the fault plan decided this answer
  std::uint64_t fault_rule_id = 0;
  std::uint64_t seq = 0;               // the journal's request number (for Journal::AmendLatency)
  LossMode loss = LossMode::kTimeout;  // kLoseAfterCommit: how the client notices
  // When Retry-After is an HTTP-date: the seconds past now it names. The date in the headers is
  // on the workspace's virtual epoch; the HTTP door re-dates it on the wall clock. -1 otherwise.
  std::int64_t retry_after_date_in_s = -1;
  // What the pipeline made of the request (for observers of the door): the route's operation
  // (unset: no route), the caller as the journal names it, its tenant.
  std::optional<engine::Operation> operation;
  std::string caller;
  std::uint16_t tenant = 0;
};

// Counters kept by the core (also in MetricsText and HealthJson).
struct FakeStats {
  std::uint64_t requests = 0;
  std::uint64_t writes = 0;  // committed writes (ledger entries, also past its bound)
  std::uint64_t faults_injected = 0;
  std::uint64_t rate_limited = 0;  // 429 from the limiter (not from the fault plan)
  std::uint64_t overloaded = 0;    // 529 from the limiter
  std::uint64_t validation_errors = 0;
  std::uint64_t upstream_requests = 0;
  std::uint64_t upstream_errors = 0;
};

class FakeNotion {
 public:
  FakeNotion(const engine::Clock& clock, engine::Rng rng, engine::Trace* trace,
             FakeConfig config = FakeConfig{});
  ~FakeNotion();
  FakeNotion(const FakeNotion&) = delete;
  FakeNotion& operator=(const FakeNotion&) = delete;

  // In-process: applies one typed request at the clock's current time.
  Answer Handle(const engine::Request& request);
  // HTTP: decodes, applies and renders, at the clock's current time.
  Answer HandleHttp(const HttpRequestView& request);
  // The typed door with HTTP's expressiveness: applies a decoded call; renders the body and
  // headers when `render` (as HandleHttp does).
  Answer Call(const ApiCall& call, bool render = false);

  // Every committed change, in order, as it is committed (nothing is called when unset). The
  // sink runs inside the call that made the change and must not call back into the fake.
  void SetChangeSink(std::function<void(const Change&)> sink);

  // The proxy's pipeline (forward.h, `notion-sim proxy`): the workspace model is the target's.
  // DecideForward routes the request, names its caller and asks the fault plan, as HandleHttp
  // does. A pre-empting fault (respond, reset, hang, html_edge, malformed_json) is answered,
  // rendered and journaled here: false. Otherwise true, and `answer` holds only the decision to
  // apply around forwarding (action, rule, delay, loss); send the request to the target, then
  // FinishForward journals the target's answer (an error code from its body; a 2xx to a write
  // counts as committed) and returns what the door sends: the target's status, headers and body,
  // Notion's 503 with committed_resource_id under commit_then_503 after a committed write, or
  // 502 bad_gateway when the target gave no answer (status 0).
  bool DecideForward(const HttpRequestView& request, Answer& answer);
  Answer FinishForward(const HttpRequestView& request, const Answer& decided,
                       const ForwardedAnswer& target);

  FaultPlan& faults();
  // The webhook deliveries of every committed change (fed before the change sink runs).
  WebhookHub& webhooks();
  const WebhookHub& webhooks() const;
  Journal& journal();
  const Journal& journal() const;
  const engine::Ledger& ledger() const;
  const FakeStats& stats() const;
  const FakeConfig& config() const;

  // Back to the configured initial workspace: model, ledger, journal, rate limits, counters,
  // webhook subscriptions (the configured ones, unverified) and the fault rules' counters are
  // reset; the fault rules themselves are kept. Ids drawn after a Reset repeat those of a fresh
  // instance with the same seed.
  void Reset();

  // For /__admin/health: {"status": "ok", "pages", "blocks", "data_sources", "requests", ...}.
  nlohmann::json HealthJson() const;
  // For the upstream's own health: {"status": "ok"|"degraded", "requests", "errors", ...}.
  nlohmann::json UpstreamHealthJson() const;
  // Prometheus text exposition of the core's counters (notion_sim_fake_* families).
  std::string MetricsText() const;

  // Introspection for tests, runs and reports.
  std::size_t page_count() const;
  std::size_t block_count() const;
  // The data sources in creation order (seeded ones first).
  std::vector<engine::ObjectId> data_sources() const;
  // The databases in creation order, with their titles (serve's banner).
  std::vector<std::pair<engine::ObjectId, std::string>> databases() const;
  // The users in order: people first, then one bot per token.
  std::vector<engine::ObjectId> users() const;
  // Cursor text <-> the in-process cursor value (see Request/Response cursors).
  std::string CursorText(std::uint64_t cursor) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace notion_sim::sim

#include "notion_sim/simulator/in_process.h"  // IWYU pragma: export
