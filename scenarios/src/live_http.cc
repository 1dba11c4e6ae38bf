#include "live_http.h"

#include <memory>
#include <utility>

#include <curl/curl.h>

#include "notion_sim/engine/json_reader.h"

namespace notion_sim::scenarios {
namespace {

std::size_t Collect(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

}  // namespace

LiveHttp::LiveHttp(std::string base_url, std::string token, std::string notion_version)
    : base_url_(std::move(base_url)),
      token_(std::move(token)),
      notion_version_(std::move(notion_version)) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
}

Result<HttpReply> LiveHttp::Call(std::string_view method, const std::string& path,
                                 const std::string& body) const {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> easy(curl_easy_init(), curl_easy_cleanup);
  if (!easy) return Error{ErrorCode::kInternal, "curl_easy_init failed"};
  CURL* h = easy.get();
  const std::string url = base_url_ + path;
  const std::string verb(method);
  HttpReply reply;
  curl_slist* headers = nullptr;
  if (!token_.empty())
    headers = curl_slist_append(headers, ("Authorization: Bearer " + token_).c_str());
  if (!notion_version_.empty()) {
    headers = curl_slist_append(headers, ("Notion-Version: " + notion_version_).c_str());
  }
  if (!body.empty()) headers = curl_slist_append(headers, "Content-Type: application/json");
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> owned(headers, curl_slist_free_all);
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, verb.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "notion-sim/0.1");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 60000L);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &reply.body);
  if (!body.empty()) {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  const CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK) {
    return Error{ErrorCode::kIo, verb + " " + url + ": no answer (" + curl_easy_strerror(rc) + ")"};
  }
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  reply.status = static_cast<int>(status);
  return reply;
}

Result<nlohmann::json> LiveHttp::Json(std::string_view method, const std::string& path,
                                      const nlohmann::json& body) const {
  auto reply = Call(method, path, body.is_null() ? std::string() : body.dump());
  if (!reply.ok()) return reply.error();
  auto parsed = engine::ParseJson(reply->body, "answer");
  nlohmann::json j =
      parsed.ok() ? std::move(parsed).value() : nlohmann::json(nlohmann::json::value_t::discarded);
  const std::string what = std::string(method) + " " + base_url_ + path;
  if (reply->status < 200 || reply->status > 299) {
    std::string code = j.is_object() && j.contains("code") && j["code"].is_string()
                           ? j["code"].get<std::string>()
                           : std::string("no code");
    std::string message = j.is_object() && j.contains("message") && j["message"].is_string()
                              ? ": " + j["message"].get<std::string>()
                              : std::string();
    return Error{
        reply->status == 401 || reply->status == 403 ? ErrorCode::kInvalidInput : ErrorCode::kIo,
        what + " answered " + std::to_string(reply->status) + " (" + code + ")" + message};
  }
  if (j.is_discarded()) return Error{ErrorCode::kIo, what + ": the answer is not JSON"};
  return j;
}

std::string HostOf(const std::string& base_url) {
  const std::size_t scheme = base_url.find("://");
  if (scheme == std::string::npos) return {};
  const std::string name = base_url.substr(0, scheme);
  if (name != "http" && name != "https") return {};
  std::string rest = base_url.substr(scheme + 3);
  rest = rest.substr(0, rest.find('/'));
  if (!rest.empty() && rest.front() == '[') return rest.substr(1, rest.find(']') - 1);
  return rest.substr(0, rest.find(':'));
}

bool IsLoopbackHost(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

}  // namespace notion_sim::scenarios
