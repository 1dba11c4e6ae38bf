// CurlForwarder: the proxy's leg to the target, with libcurl (simulator_http; the determinism
// guard exempts "curl" files).
#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <mutex>

#include "notion_sim/simulator/forward.h"

namespace notion_sim::sim {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

struct Collected {
  ForwardedAnswer* answer = nullptr;
  std::size_t max_body = 0;
  bool too_large = false;
};

std::size_t OnHeader(char* data, std::size_t size, std::size_t n, void* user) {
  auto* c = static_cast<Collected*>(user);
  std::string_view line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) {
    c->answer->headers.clear();  // a new response (after a 1xx): only the last one's headers count
    return size * n;
  }
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * n;
  std::string_view name = line.substr(0, colon);
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
    value.remove_suffix(1);
  }
  if (IsForwardedHeader(name)) c->answer->headers.emplace_back(name, value);
  return size * n;
}

std::size_t OnBody(char* data, std::size_t size, std::size_t n, void* user) {
  auto* c = static_cast<Collected*>(user);
  if (c->answer->body.size() + size * n > c->max_body) {
    c->too_large = true;
    return 0;  // aborts the transfer
  }
  c->answer->body.append(data, size * n);
  return size * n;
}

}  // namespace

bool IsForwardedHeader(std::string_view name) {
  const std::string n = Lower(name);
  static constexpr std::string_view kOwn[] = {
      "connection", "keep-alive", "transfer-encoding", "te",     "trailer",
      "upgrade",    "host",       "content-length",    "expect", "accept-encoding"};
  if (std::find(std::begin(kOwn), std::end(kOwn), n) != std::end(kOwn)) return false;
  if (n.rfind("proxy-", 0) == 0) return false;
  // cpp-httplib files the connection's addresses among the request headers.
  return n != "remote_addr" && n != "remote_port" && n != "local_addr" && n != "local_port";
}

Result<std::unique_ptr<CurlForwarder>> CurlForwarder::Create(std::string target, TimeUs timeout_us,
                                                             std::size_t max_response_bytes) {
  const std::string shown = "--target \"" + target + "\"";
  std::size_t host_at = 0;
  if (target.rfind("http://", 0) == 0) {
    host_at = 7;
  } else if (target.rfind("https://", 0) == 0) {
    host_at = 8;
  } else {
    return InvalidInput(shown + ": expected http://HOST[:PORT] or https://HOST[:PORT]");
  }
  if (target.find_first_of("?#") != std::string::npos) {
    return InvalidInput(shown + ": a target has no query or fragment");
  }
  if (target.find_first_of(" \t\r\n") != std::string::npos) {
    return InvalidInput(shown + ": a target has no spaces");
  }
  while (target.size() > host_at && target.back() == '/') target.pop_back();
  const std::size_t host_end = target.find('/', host_at);
  if ((host_end == std::string::npos ? target.size() : host_end) == host_at) {
    return InvalidInput(shown + ": no host");
  }
  if (timeout_us <= 0) return InvalidInput("the forwarding timeout must be positive");
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  return std::unique_ptr<CurlForwarder>(
      new CurlForwarder(std::move(target), timeout_us, max_response_bytes));
}

ForwardedAnswer CurlForwarder::Forward(const ForwardRequest& request) const {
  ForwardedAnswer answer;
  CURL* e = curl_easy_init();
  if (e == nullptr) {
    answer.error = "curl_easy_init failed";
    return answer;
  }
  const std::string url =
      target_ + request.path + (request.query.empty() ? "" : "?") + request.query;
  Collected collected{&answer, max_response_bytes_, false};
  curl_easy_setopt(e, CURLOPT_URL, url.c_str());
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>((timeout_us_ + 999) / 1000));
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, &collected);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &collected);
  curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  if (!request.body.empty() || request.method == "POST" || request.method == "PATCH") {
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, request.body.c_str());
  }
  curl_slist* headers = nullptr;
  bool has_content_type = false, has_accept = false;
  for (const auto& [name, value] : request.headers) {
    if (!IsForwardedHeader(name)) continue;
    has_content_type = has_content_type || Lower(name) == "content-type";
    has_accept = has_accept || Lower(name) == "accept";
    headers = curl_slist_append(headers, (name + ": " + value).c_str());
  }
  // libcurl's own defaults must not add what the client did not send.
  if (!has_content_type) headers = curl_slist_append(headers, "Content-Type:");
  if (!has_accept) headers = curl_slist_append(headers, "Accept:");
  headers = curl_slist_append(headers, "Expect:");
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
  const CURLcode result = curl_easy_perform(e);
  if (result == CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    answer.status = static_cast<int>(status);
  } else {
    answer.status = 0;
    answer.headers.clear();
    answer.body.clear();
    answer.error = collected.too_large ? "the answer's body is larger than " +
                                             std::to_string(max_response_bytes_) + " bytes"
                                       : std::string(curl_easy_strerror(result));
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(e);
  return answer;
}

}  // namespace notion_sim::sim
