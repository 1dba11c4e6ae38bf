// The HTTP door's two thin halves: decoding a request into an ApiCall (nothing is judged here;
// the pipeline answers every problem in its order) and rendering a finished call as Notion's
// exact body and headers.
#include <algorithm>
#include <cctype>
#include <cstdio>

#include "core.h"
#include "notion_sim/engine/json_reader.h"
#include "upstream_service.h"

namespace notion_sim::sim {

using engine::ApiCode;
using engine::ObjectId;
using engine::Operation;
using nlohmann::json;

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+' && plus_is_space) {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 &&
               HexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> ParseQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t pos = 0;
  while (pos <= query.size() && out.size() < 1000 && !query.empty()) {
    std::size_t amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    const std::string_view part = query.substr(pos, amp - pos);
    if (!part.empty()) {
      const std::size_t eq = part.find('=');
      out.emplace_back(
          PercentDecode(part.substr(0, eq), true),
          eq == std::string_view::npos ? std::string() : PercentDecode(part.substr(eq + 1), true));
    }
    pos = amp + 1;
  }
  return out;
}

std::string Base64Decode(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  std::string out;
  int bits = 0;
  std::uint32_t acc = 0;
  for (char c : in) {
    const int v = value(c);
    if (v < 0) continue;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

}  // namespace

// JSON text parsed, or discarded when it is not JSON or nested deeper than any Notion shape (a
// target's answer read by the proxy's pipeline).
json ParseBoundedJson(std::string_view text) {
  if (!engine::CheckJsonLimits(text, "answer").ok()) return json(json::value_t::discarded);
  return json::parse(text, nullptr, /*allow_exceptions=*/false);
}

ApiCall DecodeHttp(const HttpRequestView& request) {
  ApiCall call;
  auto header = [&](std::string_view name) -> std::optional<std::string> {
    return request.header ? request.header(name) : std::nullopt;
  };
  call.path = std::string(request.path);
  const std::optional<engine::Method> method = engine::ParseMethod(request.method);
  if (method) call.method = *method;
  if (method) {
    if (std::optional<engine::Route> route = engine::ParseRoute(*method, request.path)) {
      call.operation = route->operation;
      call.target_text = PercentDecode(route->target, false);
      call.target2_text = PercentDecode(route->target2, false);
      if (!route->target.empty()) {
        std::optional<ObjectId> id = ObjectId::Parse(call.target_text);
        call.target_valid = id.has_value();
        if (id) call.target = *id;
      }
      if (!route->target2.empty() && route->operation != Operation::kRetrievePageProperty) {
        std::optional<ObjectId> id = ObjectId::Parse(call.target2_text);
        call.target2_valid = id.has_value();
        if (id) call.target2 = *id;
      }
    }
  }
  if (std::optional<std::string> v = header("notion-version")) {
    call.version_given = VersionGiven::kGiven;
    call.version_text = *v;
  } else {
    call.version_given = VersionGiven::kMissing;
  }
  if (std::optional<std::string> auth = header("authorization")) {
    if (auth->size() > 7 && StartsWithIgnoreCase(*auth, "bearer ")) {
      call.bearer = auth->substr(7);
    } else if (auth->size() > 6 && StartsWithIgnoreCase(*auth, "basic ")) {
      call.basic = Base64Decode(std::string_view(*auth).substr(6));
    }
  } else if (std::optional<std::string> key = header("x-api-key")) {
    call.bearer = *key;
  }
  if (std::optional<std::string> op = header("x-notion-sim-op-id")) {
    call.op_id = std::strtoull(op->c_str(), nullptr, 10);
  }
  if (std::optional<std::string> at = header("x-notion-sim-attempt")) {
    call.attempt = static_cast<std::uint32_t>(std::strtoul(at->c_str(), nullptr, 10));
  }
  call.query = ParseQuery(request.query);
  if (request.form != nullptr) {
    call.body_given = BodyGiven::kForm;
    call.form = *request.form;
    for (const FormPart& p : call.form) call.body_bytes += p.content.size();
    return call;
  }
  call.body_bytes = request.body.size();
  const bool blank = std::all_of(request.body.begin(), request.body.end(), [](char ch) {
    return std::isspace(static_cast<unsigned char>(ch));
  });
  if (blank) return call;
  if (call.body_bytes > 500'000) {
    call.body_given = BodyGiven::kJson;  // the pipeline refuses the size before reading it
    return call;
  }
  // Bodies nested deeper than any Notion shape are refused before parsing (engine's one guard):
  // the parser, the serializer and our walkers would otherwise recurse as deep as the client
  // likes. Notion answers them as any other unreadable body.
  if (!engine::CheckJsonLimits(request.body, "body", {64, 500'000}).ok()) {
    call.body_given = BodyGiven::kInvalidJson;
    return call;
  }
  json body = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    call.body_given = BodyGiven::kInvalidJson;
    return call;
  }
  call.body_given = BodyGiven::kJson;
  call.body = Own(std::move(body));
  return call;
}

void RenderHttp(Core& m, Call& c, const FaultDecision& d, Answer& a) {
  const bool upstream = c.in.operation == Operation::kUpstreamComplete;
  engine::Response& r = a.response;
  if (d.action == FaultAction::kHtmlEdge) {
    const int s = c.status;
    const std::string title = std::to_string(s) + (s == 502   ? " Bad Gateway"
                                                   : s == 503 ? " Service Unavailable"
                                                   : s == 504 ? " Gateway Timeout"
                                                   : s == 403 ? " Forbidden"
                                                   : s == 522 ? " Connection timed out"
                                                              : " Error");
    a.body = "<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>" +
             title + "</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n";
    char ray[32];
    std::snprintf(ray, sizeof ray, "%016llx-SJC",
                  static_cast<unsigned long long>(m.request_ids.NextU64()));
    a.headers.emplace_back("content-type", "text/html");
    a.headers.emplace_back("cf-ray", ray);
  } else {
    std::string request_id = ObjectId::Random(m.request_ids).ToString();
    if (d.action == FaultAction::kMalformedJson) {
      a.body = R"({"object":"page","id":")" + request_id.substr(0, 13) + "\",\"properties\":{";
    } else if (c.failed() && upstream) {
      a.body = SafeDump(Upstream::ErrorBody(c));
    } else if (c.failed()) {
      json body = {{"object", "error"},
                   {"status", c.status},
                   {"code", std::string(engine::ApiCodeName(c.code))},
                   {"message", c.message.empty() ? std::string(DefaultMessage(c.code)) : c.message},
                   {"request_id", request_id}};
      json additional = c.additional.is_object() ? c.additional : json::object();
      if (!c.rate_limit_reason.empty()) {
        additional["rate_limit_reason"] = std::string(c.rate_limit_reason);
      }
      if (c.retry_after_form != RetryAfterForm::kAbsent) {
        additional["retry_after"] = std::to_string(c.retry_after_s);
      }
      if (!additional.empty()) body["additional_data"] = std::move(additional);
      a.body = SafeDump(body);
    } else if (upstream) {
      a.body = SafeDump(m.upstream->Render(c));
    } else {
      a.body = SafeDump(m.Render(c));
    }
    a.headers.emplace_back("content-type", "application/json; charset=utf-8");
    if (!upstream) a.headers.emplace_back("x-notion-request-id", std::move(request_id));
  }
  if (!r.retry_after.empty()) a.headers.emplace_back("retry-after", r.retry_after);
}

}  // namespace notion_sim::sim
