// CurlTransport: rendering engine::Request as HTTP, reading HTTP back as engine::Response.
#include "notion_sim/engine/curl_transport.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include <curl/curl.h>
#include <nlohmann/json.hpp>

#include "curl_multi.h"
#include "notion_sim/engine/json_reader.h"
#include "notion_sim/engine/retry_after.h"

namespace notion_sim::engine {
namespace {

using nlohmann::json;

void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "CurlTransport: check failed: %s\n", what);
    std::abort();
  }
}

std::string Hex(const std::array<std::uint8_t, 32>& bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (std::uint8_t b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 0xF];
  }
  return out;
}

// Percent-encodes everything but RFC 3986 unreserved characters (cursors are opaque).
std::string UrlEscape(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// The paginated operations (docs/sources.md#protocol-headers-versions-pagination): GET ones take
// paging in the query string, POST ones in the body.
bool IsList(Operation op) {
  switch (op) {
    case Operation::kQueryDataSource:
    case Operation::kQueryDatabase:
    case Operation::kListBlockChildren:
    case Operation::kSearch:
    case Operation::kListUsers:
      return true;
    default:
      return false;
  }
}

long CeilMs(TimeUs us) { return static_cast<long>((us + kUsPerMs - 1) / kUsPerMs); }

}  // namespace

struct CurlTransport::Transfer {
  ~Transfer() {
    if (headers != nullptr) curl_slist_free_all(headers);
    if (easy != nullptr) curl_easy_cleanup(easy);
  }
  void Clear() {
    if (headers != nullptr) curl_slist_free_all(headers);
    headers = nullptr;
    http.url.clear();
    http.body.clear();
    answer.body.clear();
    answer.retry_after.clear();
    answer.cf_ray.clear();
    answer.has_request_id = false;
    answer.request_id.clear();
    answer.injected = false;
    answer.status = 0;
    body_too_large = false;
    sends = 0;
    resend_refused = false;
    interim = false;
    headers_done = false;
    done = nullptr;
  }

  // libcurl callbacks (C linkage-compatible signatures).
  static std::size_t OnHeader(char* data, std::size_t size, std::size_t count, void* self) {
    auto* t = static_cast<Transfer*>(self);
    const std::size_t n = size * count;
    const std::string_view line(data, n);
    if (line.substr(0, 5) == "HTTP/") {
      // A new response (after a 100 Continue, say): forget the previous one's headers.
      const std::size_t space = line.find(' ');
      t->interim =
          space != std::string_view::npos && space + 1 < line.size() && line[space + 1] == '1';
      t->answer.retry_after.clear();
      t->answer.cf_ray.clear();
      t->answer.has_request_id = false;
      t->answer.request_id.clear();
      t->answer.injected = false;
      return n;
    }
    if (Trim(line).empty()) {
      // The blank line that ends a head: the final response's, unless it was a 1xx.
      if (!t->interim) t->headers_done = true;
      return n;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return n;
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = Trim(line.substr(colon + 1));
    if (EqualsIgnoreCase(name, "retry-after")) {
      t->answer.retry_after.assign(value);
    } else if (EqualsIgnoreCase(name, "cf-ray")) {
      t->answer.cf_ray.assign(value);
    } else if (EqualsIgnoreCase(name, "x-notion-request-id")) {
      t->answer.has_request_id = true;
      t->answer.request_id.assign(value.substr(0, 128));
    } else if (EqualsIgnoreCase(name, "x-notion-sim-injected")) {
      t->answer.injected = value == "1" || value == "true";
    }
    return n;
  }
  // Runs before each time libcurl puts the request on the wire. A second time means libcurl is
  // re-sending on its own after a reused connection died without a response byte — for any
  // method, POST included. That would hide a reset from the stack and could create twice, so the
  // re-send is refused and the attempt ends as the reset it was.
  static int OnPrerequest(void* self, char*, char*, int, int) {
    auto* t = static_cast<Transfer*>(self);
    if (++t->sends > 1) {
      t->resend_refused = true;
      return CURL_PREREQFUNC_ABORT;
    }
    return CURL_PREREQFUNC_OK;
  }
  static std::size_t OnBody(char* data, std::size_t size, std::size_t count, void* self) {
    auto* t = static_cast<Transfer*>(self);
    const std::size_t n = size * count;
    if (t->answer.body.size() + n > t->max_response_bytes) {
      t->body_too_large = true;
      return 0;  // libcurl ends the transfer with CURLE_WRITE_ERROR
    }
    t->answer.body.append(data, n);
    return n;
  }

  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  HttpRequest http;
  HttpAnswer answer;
  std::size_t max_response_bytes = 0;
  bool body_too_large = false;
  int sends = 0;
  bool resend_refused = false;
  bool interim = false;       // the head being read is a 1xx one
  bool headers_done = false;  // the final response's head has arrived
  bool timeout_covers_body = true;
  std::uint64_t op_id = 0;
  std::uint32_t attempt = 0;
  std::uint16_t tenant = 0;
  Operation operation = Operation::kRetrievePage;
  bool reconcile_lookup = false;
  Completion done;
  TimeUs sent_us = 0;
  EventId timeout_timer;  // the attempt's timeout on the loop, when it has one
};

Result<std::unique_ptr<CurlTransport>> CurlTransport::Create(LiveLoop& loop,
                                                             CurlTransportOptions options) {
  if (!options.token_provider) return InvalidInput("CurlTransport: no token provider");
  if (options.max_cursors == 0) return InvalidInput("CurlTransport: max_cursors must be > 0");
  CURLU* url = curl_url();
  Check(url != nullptr, "curl_url");
  std::string problem;
  if (curl_url_set(url, CURLUPART_URL, options.base_url.c_str(), 0) != CURLUE_OK) {
    problem = "is not a URL";
  } else {
    char* part = nullptr;
    if (curl_url_get(url, CURLUPART_SCHEME, &part, 0) == CURLUE_OK) {
      const std::string scheme = part;
      curl_free(part);
      if (scheme != "http" && scheme != "https") problem = "must use http or https";
    }
    // Credentials in the URL would end up in error messages and logs: refuse them outright.
    if (problem.empty() && curl_url_get(url, CURLUPART_USER, &part, 0) == CURLUE_OK) {
      curl_free(part);
      curl_url_cleanup(url);
      return InvalidInput(
          "CurlTransport: the base URL must not carry credentials; use the "
          "token provider");
    }
    if (problem.empty() && curl_url_get(url, CURLUPART_QUERY, &part, 0) == CURLUE_OK) {
      curl_free(part);
      problem = "must not have a query";
    }
    if (problem.empty() && curl_url_get(url, CURLUPART_FRAGMENT, &part, 0) == CURLUE_OK) {
      curl_free(part);
      problem = "must not have a fragment";
    }
  }
  curl_url_cleanup(url);
  if (!problem.empty()) {
    return InvalidInput("CurlTransport: base URL \"" + options.base_url + "\" " + problem +
                        " (expected http(s)://host[:port][/prefix])");
  }
  while (!options.base_url.empty() && options.base_url.back() == '/') options.base_url.pop_back();
  return std::unique_ptr<CurlTransport>(new CurlTransport(loop, std::move(options)));
}

CurlTransport::CurlTransport(LiveLoop& loop, CurlTransportOptions options)
    : loop_(loop), options_(std::move(options)), cursors_(options_.max_cursors) {
  idle_.reserve(options_.max_pooled_handles);
}

CurlTransport::~CurlTransport() {
  for (auto& [raw, transfer] : in_flight_) {
    if (transfer->timeout_timer.valid()) loop_.Cancel(transfer->timeout_timer);
    loop_.multi_->Abort(transfer->easy);
  }
}

std::unique_ptr<CurlTransport::Transfer> CurlTransport::Acquire() {
  if (!idle_.empty()) {
    std::unique_ptr<Transfer> t = std::move(idle_.back());
    idle_.pop_back();
    // Forget the previous request's options; the connection cache lives in the multi handle.
    curl_easy_reset(t->easy);
    return t;
  }
  auto t = std::make_unique<Transfer>();
  t->easy = curl_easy_init();
  Check(t->easy != nullptr, "curl_easy_init");
  return t;
}

void CurlTransport::Release(std::unique_ptr<Transfer> transfer) {
  transfer->Clear();
  if (idle_.size() < options_.max_pooled_handles) idle_.push_back(std::move(transfer));
}

HttpRequest CurlTransport::Render(const Request& request) const {
  HttpRequest h;
  h.url = options_.base_url;
  if (request.reconcile_lookup) {
    h.method = Method::kPost;
    h.url += RenderPath(Operation::kQueryDataSource, request.parent.ToString());
    const std::string key = request.idempotency_key ? Hex(*request.idempotency_key) : "";
    const json body = {
        {"filter", {{"property", "idempotency_key"}, {"rich_text", {{"equals", key}}}}},
        {"page_size", 1}};
    h.body = body.dump();
    return h;
  }
  h.method = request.method;
  h.url += RenderPath(request.operation, request.target.ToString());
  const json* payload = request.payload.get();
  // Paging: the typed fields win over the payload's.
  std::optional<std::int64_t> page_size;
  std::optional<std::string> cursor;
  if (payload != nullptr && payload->is_object()) {
    if (auto it = payload->find("page_size"); it != payload->end() && it->is_number_integer()) {
      page_size = it->get<std::int64_t>();
    }
    if (auto it = payload->find("start_cursor"); it != payload->end() && it->is_string()) {
      cursor = it->get<std::string>();
    }
  }
  if (IsList(request.operation)) {
    if (request.page_size != 0) page_size = request.page_size;
    if (request.start_cursor != 0) cursor = CursorText(request.start_cursor);
  }
  switch (request.method) {
    case Method::kGet: {
      // List endpoints take their paging in the query string (docs/sources.md).
      char sep = '?';
      if (page_size) {
        h.url += sep;
        h.url += "page_size=" + std::to_string(*page_size);
        sep = '&';
      }
      if (cursor) {
        h.url += sep;
        h.url += "start_cursor=" + UrlEscape(*cursor);
      }
      break;
    }
    case Method::kDelete:
      break;
    case Method::kPost:
    case Method::kPatch: {
      json body = payload != nullptr ? *payload : json::object();
      if (body.is_object()) {
        if (auto it = body.find("start_cursor"); it != body.end() && it->is_null()) body.erase(it);
        if (IsList(request.operation)) {
          if (page_size) body["page_size"] = *page_size;
          if (cursor) body["start_cursor"] = *cursor;
        }
        if (request.operation == Operation::kCreatePage) {
          if (!body.contains("parent") && !request.parent.empty()) {
            const char* kind =
                options_.create_parent == CreateParent::kPage ? "page_id" : "data_source_id";
            body["parent"] = {{kind, request.parent.ToString()}};
          }
          if (request.idempotency_key) {
            json& properties = body["properties"];
            if (!properties.is_object()) properties = json::object();
            properties["idempotency_key"] = {
                {"rich_text",
                 json::array({{{"text", {{"content", Hex(*request.idempotency_key)}}}}})}};
          }
        }
        if (body.empty()) break;  // as the SDK: no body and no content-type
      }
      h.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
      break;
    }
  }
  return h;
}

void CurlTransport::Send(const Request& request, Completion done) {
  if (!loop_.status().ok()) return;
  std::unique_ptr<Transfer> t = Acquire();
  t->http = Render(request);
  t->max_response_bytes = options_.max_response_bytes;
  t->op_id = request.op_id;
  t->attempt = request.attempt;
  t->tenant = request.tenant;
  t->operation = request.operation;
  t->reconcile_lookup = request.reconcile_lookup;
  t->timeout_covers_body = request.timeout_covers_body;
  t->done = std::move(done);

  CURL* e = t->easy;
  curl_easy_setopt(e, CURLOPT_URL, t->http.url.c_str());
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_USERAGENT, options_.user_agent.c_str());
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &Transfer::OnHeader);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, t.get());
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Transfer::OnBody);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, t.get());
  curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, &Transfer::OnPrerequest);
  curl_easy_setopt(e, CURLOPT_PREREQDATA, t.get());
  if (request.connect_timeout_us > 0) {
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, CeilMs(request.connect_timeout_us));
  }
  const Method method = t->http.method;
  if (method == Method::kPost || method == Method::kPatch) {
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t->http.body.size()));
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->http.body.c_str());
  }
  if (method != Method::kGet && method != Method::kPost) {
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, MethodName(method).data());
  }

  curl_slist* h = nullptr;
  {
    std::string token = options_.token_provider(request.tenant);
    if (!token.empty()) {
      std::string line = "Authorization: Bearer " + token;
      h = curl_slist_append(h, line.c_str());
    }
  }
  if (!options_.notion_version.empty()) {
    h = curl_slist_append(h, ("Notion-Version: " + options_.notion_version).c_str());
  }
  // Only with a body (as the SDK); "Content-Type:" stops libcurl adding its form default to a POST
  // without one.
  h = curl_slist_append(h,
                        t->http.body.empty() ? "Content-Type:" : "Content-Type: application/json");
  h = curl_slist_append(h, "Expect:");  // no 100-continue round trip on large bodies
  h = curl_slist_append(h, ("x-notion-sim-op-id: " + std::to_string(request.op_id)).c_str());
  h = curl_slist_append(h, ("x-notion-sim-attempt: " + std::to_string(request.attempt)).c_str());
  Check(h != nullptr, "curl_slist_append");
  t->headers = h;
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);

  Transfer* raw = t.get();
  in_flight_.emplace(raw, std::move(t));
  raw->sent_us = loop_.NowUs();
  const Status started =
      loop_.multi_->Start(raw->easy, [this, raw](CURLcode result) { OnDone(raw, result); });
  if (!started.ok()) {
    // The loop stopped (its bound, or libcurl refused): the run is over, `done` is dropped.
    auto node = in_flight_.extract(raw);
    Release(std::move(node.mapped()));
    return;
  }
  if (request.timeout_us > 0) {
    // The attempt's timeout is a loop timer rather than CURLOPT_TIMEOUT_MS: libcurl's own timer
    // works in milliseconds and can fire a fraction of one early, while a loop timer never runs
    // before its time, so "timed out" always means "timeout_us passed on the loop's clock". It
    // covers the whole exchange, body included, unless the request says the timeout ends with the
    // headers (Request::timeout_covers_body, the SDK's way, docs/sources.md#the-official-sdk).
    raw->timeout_timer =
        loop_.ScheduleAt(raw->sent_us + request.timeout_us, [this, raw] { OnTimeout(raw); });
  }
}

void CurlTransport::OnTimeout(Transfer* raw) {
  raw->timeout_timer = EventId{};  // it is running: nothing to cancel
  // The SDK's timeout ends with the headers: a body still arriving (or stalled) is waited for.
  if (!raw->timeout_covers_body && raw->headers_done) return;
  loop_.multi_->Abort(raw->easy);
  OnDone(raw, CURLE_OPERATION_TIMEDOUT);
}

void CurlTransport::OnDone(Transfer* raw, int curl_code) {
  const auto result = static_cast<CURLcode>(curl_code);
  auto node = in_flight_.extract(raw);
  Check(!node.empty(), "a completion for a transfer this transport does not own");
  std::unique_ptr<Transfer> t = std::move(node.mapped());
  // A stale timer must not fire for the next request that reuses this Transfer.
  if (t->timeout_timer.valid()) loop_.Cancel(t->timeout_timer);
  t->timeout_timer = EventId{};
  const TimeUs received_us = loop_.NowUs();
  Response r;
  if (result == CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
    t->answer.status = static_cast<int>(status);
    r = ParseAnswer(t->answer, t->reconcile_lookup);
    if (r.body != nullptr && r.body->is_object()) {
      if (auto it = r.body->find("next_cursor"); it != r.body->end() && it->is_string()) {
        r.next_cursor = InternCursor(it->get<std::string>());
      }
    }
    if (options_.trace != nullptr && !t->answer.retry_after.empty()) {
      // Read strictly on the run's calendar (the loop's: the wall clock at its start), the
      // ground truth every stack is held to.
      const RetryAfterValue v = ParseRetryAfter(t->answer.retry_after, RetryAfterMode::kStrict,
                                                loop_.EpochUnixUs() + received_us);
      if (v.form == RetryAfterForm::kSeconds || v.form == RetryAfterForm::kDate) {
        options_.trace->Emit(Event{received_us, t->op_id, received_us + v.delay_us,
                                   v.form == RetryAfterForm::kDate ? 1 : 0, t->attempt, t->tenant,
                                   EventKind::kRetryAfterGiven, DependencyOf(t->operation)});
      }
    }
  } else if (result == CURLE_ABORTED_BY_CALLBACK && t->resend_refused) {
    r.outcome = TransportOutcome::kConnectionReset;
  } else if (result == CURLE_WRITE_ERROR && t->body_too_large) {
    long status = 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
    r.outcome = TransportOutcome::kMalformed;
    r.status = static_cast<int>(status);
  } else {
    r.outcome = OutcomeOfCurlCode(result);
  }
  r.sent_us = t->sent_us;
  r.received_us = received_us;
  Completion done = std::move(t->done);
  Release(std::move(t));  // before `done`: it may Send again and reuse this handle
  done(std::move(r));
}

std::uint64_t CurlTransport::InternCursor(std::string text) {
  const std::uint64_t handle = next_cursor_handle_++;
  CursorSlot& slot = cursors_[handle % cursors_.size()];
  slot.handle = handle;
  slot.text = std::move(text);
  return handle;
}

std::string CurlTransport::CursorText(std::uint64_t handle) const {
  const CursorSlot& slot = cursors_[handle % cursors_.size()];
  // An unknown or overwritten handle is sent as its number: the server rejects it as an invalid
  // cursor (a visible validation_error) instead of the listing silently starting over.
  return slot.handle == handle ? slot.text : std::to_string(handle);
}

bool IsSdkApiErrorCode(std::string_view code) { return InSdkErrorEnum(ParseApiCode(code)); }

Response ParseAnswer(const HttpAnswer& answer, bool reconcile_lookup) {
  Response r;
  r.outcome = TransportOutcome::kResponse;
  r.status = answer.status;
  r.retry_after = answer.retry_after;
  r.request_id = answer.request_id;
  r.injected = answer.injected;
  json body = CheckJsonLimits(answer.body, "response").ok()
                  ? json::parse(answer.body, nullptr, /*allow_exceptions=*/false)
                  : json(json::value_t::discarded);
  const bool is_json = !body.is_discarded();
  const bool success = answer.status >= 200 && answer.status < 300;
  if (success) {
    if (!is_json) {
      // The SDK's JSON.parse throws a SyntaxError here and never retries it (docs/sources.md).
      r.outcome = TransportOutcome::kMalformed;
      return r;
    }
    if (body.is_object()) {
      if (auto it = body.find("id"); it != body.end() && it->is_string()) {
        if (auto id = ObjectId::Parse(it->get_ref<const std::string&>())) r.object_id = *id;
      }
      if (auto it = body.find("results"); it != body.end() && it->is_array()) {
        r.result_count = static_cast<std::uint32_t>(it->size());
        // What a workflow iterates: the results' ids, in order.
        for (const json& result : *it) {
          if (!result.is_object()) continue;
          if (auto id = result.find("id"); id != result.end() && id->is_string()) {
            if (auto parsed = ObjectId::Parse(id->get_ref<const std::string&>())) {
              r.result_ids.push_back(*parsed);
            }
          }
        }
        if (reconcile_lookup && !it->empty()) {
          r.found = true;
          const json& first = it->front();
          if (auto id = first.find("id"); id != first.end() && id->is_string()) {
            if (auto parsed = ObjectId::Parse(id->get_ref<const std::string&>())) {
              r.object_id = *parsed;
            }
          }
        }
      }
      if (auto it = body.find("has_more"); it != body.end() && it->is_boolean()) {
        r.has_more = it->get<bool>();
      }
    }
  } else {
    // The SDK makes an APIResponseError only from an object with a string `message` and a `code`
    // in its enum; `object` and `status` are not checked (docs/sources.md).
    bool known = false;
    if (is_json && body.is_object()) {
      auto code = body.find("code");
      auto message = body.find("message");
      if (code != body.end() && code->is_string()) {
        const std::string& name = code->get_ref<const std::string&>();
        r.code = ParseApiCode(name);
        known = message != body.end() && message->is_string() && IsSdkApiErrorCode(name);
      }
    }
    r.code_known_to_sdk = known;
    r.edge_error = !answer.cf_ray.empty() && !answer.has_request_id && !is_json;
  }
  if (is_json) r.body = std::make_shared<const json>(std::move(body));
  return r;
}

TransportOutcome OutcomeOfCurlCode(int curl_code) {
  switch (static_cast<CURLcode>(curl_code)) {
    case CURLE_OK:
      return TransportOutcome::kResponse;
    case CURLE_OPERATION_TIMEDOUT:
      return TransportOutcome::kTimeout;
    case CURLE_COULDNT_CONNECT:
      return TransportOutcome::kConnectionRefused;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return TransportOutcome::kDnsFailure;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_USE_SSL_FAILED:
    case CURLE_SSL_CLIENTCERT:
      return TransportOutcome::kTlsFailure;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_WRITE_ERROR:
    case CURLE_FILESIZE_EXCEEDED:
    case CURLE_TOO_MANY_REDIRECTS:
      return TransportOutcome::kMalformed;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
    default:
      // Anything else also lost the exchange midway, as far as the stack can tell.
      return TransportOutcome::kConnectionReset;
  }
}

}  // namespace notion_sim::engine
