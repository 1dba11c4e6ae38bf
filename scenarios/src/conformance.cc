#include "notion_sim/scenarios/conformance.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <sstream>

#include "notion_sim/engine/object_id.h"
#include "notion_sim/simulator/http_call.h"
#include "notion_sim/simulator/redact.h"

namespace notion_sim::scenarios {
namespace {

using json = nlohmann::json;

constexpr std::size_t kMaxLineBytes = 64u << 20;
constexpr std::size_t kMaxArrayPairs = 100;  // elements compared per array
constexpr std::size_t kMaxDepth = 64;

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The bearer token of a request (Authorization: Bearer X, or X-Api-Key), "" when none.
std::string BearerOf(const sim::HeaderList& headers) {
  for (const auto& [name, value] : headers) {
    const std::string n = Lower(name);
    if (n == "authorization" && value.size() > 7 && Lower(value.substr(0, 7)) == "bearer ") {
      return value.substr(7);
    }
    if (n == "x-api-key") return value;
  }
  return "";
}

std::string Redacted(std::string text, const std::string& token) {
  if (token.size() < 4) return text;  // too short to tell from ordinary text
  const std::string shown = sim::RedactToken(token);
  for (std::size_t at = text.find(token); at != std::string::npos; at = text.find(token, at)) {
    text.replace(at, token.size(), shown);
    at += shown.size();
  }
  return text;
}

json HeadersJson(const sim::HeaderList& headers, const std::string& token) {
  json out = json::array();
  for (const auto& [name, value] : headers) {
    const std::string n = Lower(name);
    if (n == "cookie" || n == "set-cookie") continue;
    std::string shown;
    if (n == "authorization") {
      const std::size_t space = value.find(' ');
      shown = space == std::string::npos
                  ? sim::RedactToken(value)
                  : value.substr(0, space + 1) + sim::RedactToken(value.substr(space + 1));
    } else if (n == "x-api-key") {
      shown = sim::RedactToken(value);
    } else {
      shown = Redacted(value, token);
    }
    out.push_back(json::array({name, shown}));
  }
  return out;
}

std::string TypeName(const json& v) {
  switch (v.type()) {
    case json::value_t::object:
      return "object";
    case json::value_t::array:
      return "array";
    case json::value_t::string:
      return "string";
    case json::value_t::boolean:
      return "boolean";
    case json::value_t::null:
      return "null";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return "number";
    default:
      return "other";
  }
}

// Every id-like run in `text` (a UUID with or without dashes) replaced through `ids`.
std::string TranslateIds(const std::string& text, const std::map<std::string, std::string>& ids) {
  if (ids.empty()) return text;
  auto hex = [&](std::size_t i) {
    return i < text.size() && std::isxdigit(static_cast<unsigned char>(text[i])) != 0;
  };
  // The replacement for an id starting at `i`, and its length in `text`; "" when none.
  auto match = [&](std::size_t i, std::size_t& length) -> std::string {
    if (!hex(i) || (i > 0 && hex(i - 1))) return "";
    for (const std::size_t n : {std::size_t{36}, std::size_t{32}}) {
      if (i + n > text.size() || hex(i + n)) continue;
      const auto id = engine::ObjectId::Parse(std::string_view(text).substr(i, n));
      if (!id) continue;
      const auto it = ids.find(id->ToString());
      if (it == ids.end()) continue;
      length = n;
      std::string replacement = it->second;
      if (n == 32) {
        replacement.erase(std::remove(replacement.begin(), replacement.end(), '-'),
                          replacement.end());
      }
      return replacement;
    }
    return "";
  };
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    std::size_t length = 0;
    const std::string replacement = match(i, length);
    if (length > 0) {
      out += replacement;
      i += length;
    } else {
      out += text[i++];
    }
  }
  return out;
}

// Learns recorded id -> fake id from two answers holding ids at the same paths.
void LearnIds(const json& recorded, const json& fake, std::map<std::string, std::string>& ids,
              std::size_t depth = 0) {
  if (depth > kMaxDepth) return;
  if (recorded.is_string() && fake.is_string()) {
    const auto a = engine::ObjectId::Parse(recorded.get<std::string>());
    const auto b = engine::ObjectId::Parse(fake.get<std::string>());
    if (a && b) ids.emplace(a->ToString(), b->ToString());
  } else if (recorded.is_object() && fake.is_object()) {
    for (auto it = recorded.begin(); it != recorded.end(); ++it) {
      if (auto f = fake.find(it.key()); f != fake.end()) LearnIds(*it, *f, ids, depth + 1);
    }
  } else if (recorded.is_array() && fake.is_array()) {
    const std::size_t n = std::min({recorded.size(), fake.size(), kMaxArrayPairs});
    for (std::size_t k = 0; k < n; ++k) LearnIds(recorded[k], fake[k], ids, depth + 1);
  }
}

struct ShapeWalk {
  const RecordedExchange& x;
  std::string request;
  std::vector<Difference>& out;
  std::size_t budget;
  std::size_t found = 0;

  void Add(std::string kind, std::string where, std::string recorded, std::string fake) {
    ++found;
    if (found > budget) return;
    out.push_back(
        {x.line, request, std::move(kind), std::move(where), std::move(recorded), std::move(fake)});
  }

  void Walk(const json& rec, const json& fake, const std::string& where, std::size_t depth) {
    if (depth > kMaxDepth || rec.is_null() || fake.is_null()) return;
    const std::string a = TypeName(rec), b = TypeName(fake);
    if (a != b) return Add("shape", where, a, b);
    if (rec.is_object()) {
      // The recording's keys, then the fake's extra ones (json objects iterate sorted: stable
      // output).
      for (auto it = rec.begin(); it != rec.end(); ++it) {
        const std::string path = where + "." + it.key();
        const auto f = fake.find(it.key());
        if (f == fake.end()) {
          Add("shape", path, TypeName(*it), "absent");
          continue;
        }
        if ((it.key() == "object" || it.key() == "type") && it->is_string() && f->is_string() &&
            *it != *f) {
          Add("shape", path, "\"" + it->get<std::string>() + "\"",
              "\"" + f->get<std::string>() + "\"");
          continue;
        }
        Walk(*it, *f, path, depth + 1);
      }
      for (auto it = fake.begin(); it != fake.end(); ++it) {
        if (!rec.contains(it.key())) Add("shape", where + "." + it.key(), "absent", TypeName(*it));
      }
    } else if (rec.is_array()) {
      const std::size_t n = std::min({rec.size(), fake.size(), kMaxArrayPairs});
      for (std::size_t k = 0; k < n; ++k) {
        Walk(rec[k], fake[k], where + "[" + std::to_string(k) + "]", depth + 1);
      }
    }
  }
};

json ParseBody(const std::string& text) {
  if (text.empty()) return json();
  return json::parse(text, nullptr, /*allow_exceptions=*/false);
}

Error FieldError(const std::string& path, std::size_t line, const std::string& what) {
  return InvalidInput(path + ":" + std::to_string(line) + ": " + what);
}

Result<sim::HeaderList> ReadHeaders(const json& j, const std::string& field,
                                    const std::string& path, std::size_t line) {
  sim::HeaderList out;
  if (!j.is_array()) return FieldError(path, line, field + ": expected an array of [name, value]");
  for (std::size_t k = 0; k < j.size(); ++k) {
    const json& h = j[k];
    if (!h.is_array() || h.size() != 2 || !h[0].is_string() || !h[1].is_string()) {
      return FieldError(
          path, line, field + "[" + std::to_string(k) + "]: expected [name, value] (two strings)");
    }
    out.emplace_back(h[0].get<std::string>(), h[1].get<std::string>());
  }
  return out;
}

}  // namespace

json RecordExchange(const sim::ForwardRequest& request, const sim::ForwardedAnswer& answer,
                    std::uint64_t n, TimeUs at_us) {
  const std::string token = BearerOf(request.headers);
  json line = {{"n", n},
               {"at_ms", at_us / kUsPerMs},
               {"method", request.method},
               {"path", Redacted(request.path, token)},
               {"query", Redacted(request.query, token)},
               {"request_headers", HeadersJson(request.headers, token)},
               {"request_body", Redacted(request.body, token)},
               {"status", answer.status},
               {"response_headers", HeadersJson(answer.headers, token)},
               {"response_body", Redacted(answer.body, token)}};
  if (answer.status == 0) line["error"] = Redacted(answer.error, token);
  return line;
}

Result<std::unique_ptr<ExchangeWriter>> ExchangeWriter::Open(const std::string& path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return InvalidInput("--record " + path + ": cannot open the file for writing");
  return std::unique_ptr<ExchangeWriter>(new ExchangeWriter(std::move(out)));
}

void ExchangeWriter::Record(const sim::ForwardRequest& request, const sim::ForwardedAnswer& answer,
                            TimeUs at_us) {
  std::lock_guard<std::mutex> lock(mu_);
  const json line = RecordExchange(request, answer, ++n_, at_us);
  out_ << line.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
  out_.flush();
}

std::uint64_t ExchangeWriter::recorded() const {
  std::lock_guard<std::mutex> lock(mu_);
  return n_;
}

Result<std::vector<RecordedExchange>> LoadExchanges(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidInput(path + ": cannot open the recording");
  std::vector<RecordedExchange> out;
  std::string text;
  std::size_t line = 0;
  while (std::getline(in, text)) {
    ++line;
    if (text.size() > kMaxLineBytes) return FieldError(path, line, "the line is too long");
    if (std::all_of(text.begin(), text.end(),
                    [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; })) {
      continue;
    }
    const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
      return FieldError(path, line,
                        "expected one JSON object per line (a recording of "
                        "notion-sim proxy --record)");
    }
    RecordedExchange x;
    x.line = line;
    for (const char* field : {"method", "path", "query", "request_body", "response_body"}) {
      if (!j.contains(field) || !j[field].is_string()) {
        return FieldError(path, line, std::string(field) + ": expected a string");
      }
    }
    if (!j.contains("status") || !j["status"].is_number_integer() || j["status"].get<int>() < 0 ||
        j["status"].get<int>() > 999) {
      return FieldError(path, line, "status: expected an HTTP status (0 when unanswered)");
    }
    for (const char* field : {"request_headers", "response_headers"}) {
      if (!j.contains(field)) return FieldError(path, line, std::string(field) + ": missing");
    }
    auto request_headers = ReadHeaders(j["request_headers"], "request_headers", path, line);
    if (!request_headers.ok()) return request_headers.error();
    auto response_headers = ReadHeaders(j["response_headers"], "response_headers", path, line);
    if (!response_headers.ok()) return response_headers.error();
    x.request.method = j["method"].get<std::string>();
    x.request.path = j["path"].get<std::string>();
    x.request.query = j["query"].get<std::string>();
    x.request.body = j["request_body"].get<std::string>();
    x.request.headers = std::move(request_headers).value();
    x.answer.status = j["status"].get<int>();
    x.answer.body = j["response_body"].get<std::string>();
    x.answer.headers = std::move(response_headers).value();
    if (x.request.path.empty() || x.request.path.front() != '/') {
      return FieldError(path, line, "path: expected a path starting with /");
    }
    out.push_back(std::move(x));
  }
  if (out.empty()) return InvalidInput(path + ": the recording holds no exchange");
  return out;
}

ConformanceReport Conform(const std::vector<RecordedExchange>& recording, const Sender& send,
                          const ConformanceOptions& options) {
  ConformanceReport report;
  std::map<std::string, std::string> ids;  // recorded id -> the fake's
  for (const RecordedExchange& x : recording) {
    if (x.answer.status == 0) {
      ++report.skipped;
      continue;
    }
    sim::ForwardRequest request = x.request;
    request.path = TranslateIds(request.path, ids);
    request.query = TranslateIds(request.query, ids);
    request.body = TranslateIds(request.body, ids);
    for (auto& [name, value] : request.headers) {
      const std::string n = Lower(name);
      if (n != "authorization" && n != "x-api-key") continue;
      // The target refused the recorded token: the fake gets one it does not know either.
      const std::string token =
          x.answer.status == 401 ? "notion_sim_conformance_unknown_token" : options.token;
      value = n == "authorization" ? "Bearer " + token : token;
    }
    const sim::ForwardedAnswer answer = send(request);
    ++report.replayed;
    const std::size_t before = report.differences.size();
    ShapeWalk walk{x, x.request.method + " " + x.request.path, report.differences,
                   options.max_differences_per_exchange};
    const json rec = ParseBody(x.answer.body);
    const json fake = ParseBody(answer.body);
    if (answer.status != x.answer.status) {
      walk.Add(
          "status", "", std::to_string(x.answer.status),
          answer.status == 0 ? "no answer (" + answer.error + ")" : std::to_string(answer.status));
    } else {
      const bool error = x.answer.status >= 300;
      if (error && rec.is_object() && fake.is_object() && rec.contains("code") &&
          rec["code"].is_string()) {
        const std::string b = fake.contains("code") && fake["code"].is_string()
                                  ? fake["code"].get<std::string>()
                                  : std::string("absent");
        if (b != rec["code"].get<std::string>()) {
          walk.Add("code", "", rec["code"].get<std::string>(), b);
        }
      }
      if (rec.is_discarded() != fake.is_discarded()) {
        walk.Add("shape", "$", rec.is_discarded() ? "not JSON" : TypeName(rec),
                 fake.is_discarded() ? "not JSON" : TypeName(fake));
      } else if (!rec.is_discarded()) {
        walk.Walk(rec, fake, "$", 0);
      }
      if (!rec.is_discarded() && !fake.is_discarded()) LearnIds(rec, fake, ids);
    }
    if (walk.found > walk.budget) {
      report.differences.push_back({x.line, walk.request, "more", "",
                                    std::to_string(walk.found - walk.budget) + " more", ""});
    }
    if (report.differences.size() > before) ++report.differing;
  }
  return report;
}

Sender InProcessSender(sim::FakeNotion& fake) {
  return [&fake](const sim::ForwardRequest& request) {
    sim::HttpCall call;
    call.method = request.method;
    call.path = request.path;
    call.query = request.query;
    call.body = request.body;
    call.headers = request.headers;
    const sim::Answer a = call.SendTo(fake);
    sim::ForwardedAnswer out;
    out.status = a.response.status;
    out.headers = a.headers;
    out.body = a.body;
    return out;
  };
}

json ConformanceToJson(const ConformanceReport& report) {
  json diffs = json::array();
  for (const Difference& d : report.differences) {
    diffs.push_back({{"line", d.line},
                     {"request", d.request},
                     {"kind", d.kind},
                     {"where", d.where},
                     {"recorded", d.recorded},
                     {"fake", d.fake}});
  }
  return {{"replayed", report.replayed},
          {"skipped", report.skipped},
          {"differing", report.differing},
          {"differences", std::move(diffs)}};
}

std::string DescribeDifference(const Difference& d) {
  std::ostringstream s;
  s << "line " << d.line << " " << d.request << ": ";
  if (d.kind == "more") {
    s << d.recorded << " differences";
  } else if (d.kind == "status") {
    s << "status " << d.recorded << " recorded, " << d.fake << " from the fake";
  } else if (d.kind == "code") {
    s << "code " << d.recorded << " recorded, " << d.fake << " from the fake";
  } else if (d.recorded == "absent") {
    s << "shape " << d.where << ": only the fake has it (" << d.fake << ")";
  } else if (d.fake == "absent") {
    s << "shape " << d.where << ": missing from the fake (" << d.recorded << " recorded)";
  } else {
    s << "shape " << d.where << ": " << d.recorded << " recorded, " << d.fake << " from the fake";
  }
  return s.str();
}

}  // namespace notion_sim::scenarios
