// HttpCall: an owning HTTP request to hand to FakeNotion::HandleHttp without a socket — for tests,
// tools and replays. Header names match case-insensitively, as over HTTP. Thread-safe as a value.
//
//   Answer a = HttpCall::Notion("POST", "/v1/pages", "secret_acme")
//                  .Body(R"({"parent": {"data_source_id": "…"}})")
//                  .SendTo(fake);
#pragma once

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "notion_sim/simulator/fake_notion.h"

namespace notion_sim::sim {

struct HttpCall {
  std::string method = "GET";
  std::string path;
  std::string query;  // without '?'
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  // A request as the official SDK sends it: bearer token and Notion-Version.
  static HttpCall Notion(std::string method, std::string path, std::string_view token,
                         std::string_view version = "2025-09-03") {
    HttpCall c;
    c.method = std::move(method);
    c.path = std::move(path);
    if (!token.empty()) c.Header("Authorization", "Bearer " + std::string(token));
    if (!version.empty()) c.Header("Notion-Version", std::string(version));
    return c;
  }
  HttpCall& Header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
  HttpCall& Body(std::string text) {
    body = std::move(text);
    return *this;
  }
  HttpCall& Query(std::string text) {
    query = std::move(text);
    return *this;
  }
  std::optional<std::string> Find(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (k.size() == name.size() &&
          std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) ==
                   std::tolower(static_cast<unsigned char>(b));
          })) {
        return v;
      }
    }
    return std::nullopt;
  }
  Answer SendTo(FakeNotion& fake) const {
    HttpRequestView view;
    view.method = method;
    view.path = path;
    view.query = query;
    view.body = body;
    view.header = [this](std::string_view name) { return Find(name); };
    return fake.HandleHttp(view);
  }
};

// The value of header `name` in an answer (case-insensitive), or "" when absent.
inline std::string AnswerHeader(const Answer& answer, std::string_view name) {
  for (const auto& [k, v] : answer.headers) {
    if (k.size() == name.size() && std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return v;
    }
  }
  return "";
}

}  // namespace notion_sim::sim
