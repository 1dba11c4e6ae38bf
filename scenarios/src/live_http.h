// LiveHttp: blocking JSON calls for the parts of a live run that are not the workload — finding
// the targets, setting up and trashing the sandbox, and talking to `notion-sim serve`'s admin API
// (faults, ledger, journal). The workload itself goes through CurlTransport on the LiveLoop, as
// the stack's traffic must. Error messages name the method, path, status and Notion's code, never
// the token. Not thread-safe.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "notion_sim/engine/status.h"

namespace notion_sim::scenarios {

struct HttpReply {
  int status = 0;
  std::string body;
};

class LiveHttp {
 public:
  // `token` is sent as the bearer token (empty: no Authorization header).
  LiveHttp(std::string base_url, std::string token, std::string notion_version);

  // One request; `body` empty sends none. Fails only when no HTTP answer came (kIo).
  Result<HttpReply> Call(std::string_view method, const std::string& path,
                         const std::string& body = "") const;
  // Call, then expects a 2xx JSON answer: anything else is an error naming what came back.
  Result<nlohmann::json> Json(std::string_view method, const std::string& path,
                              const nlohmann::json& body = nullptr) const;

  const std::string& base_url() const { return base_url_; }

 private:
  std::string base_url_;
  std::string token_;
  std::string notion_version_;
};

// "http://127.0.0.1:8080/x" -> "127.0.0.1"; empty when the URL has no http(s) scheme.
std::string HostOf(const std::string& base_url);
// True for localhost, 127.0.0.0/8 and ::1: a host that is `notion-sim serve`, not Notion.
bool IsLoopbackHost(const std::string& host);

}  // namespace notion_sim::scenarios
