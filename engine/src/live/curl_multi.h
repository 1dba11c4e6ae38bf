// LiveLoop::Multi: libcurl's half of the live loop — the multi handle and the transfers in flight.
// Private to the engine_live target, so <curl/curl.h> stays out of public headers: LiveLoop drives
// it (live_loop.cc) and CurlTransport starts and aborts its transfers through it
// (curl_transport.cc). Not thread-safe: the loop's thread only.
#pragma once

#include <cstddef>
#include <functional>
#include <unordered_map>

#include <curl/curl.h>

#include "notion_sim/engine/live_loop.h"
#include "notion_sim/engine/status.h"

namespace notion_sim::engine {

struct LiveLoop::Multi {
  // Runs on the loop's thread when a transfer ends: the CURLcode of the transfer (CURLE_OK when
  // an HTTP response arrived, whatever its status).
  using Done = std::function<void(CURLcode)>;

  explicit Multi(LiveLoop& owner);
  ~Multi();
  Multi(const Multi&) = delete;
  Multi& operator=(const Multi&) = delete;

  // Starts `easy` (fully configured by the caller); `done` runs once, on the loop's thread, when
  // it completes. The caller keeps owning `easy` and must not touch it until then (or until
  // Abort). Fails (and stops the loop) past Options::max_transfers.
  Status Start(CURL* easy, Done done);
  // Removes a transfer that has not completed; its `done` never runs. False if `easy` is not in
  // flight.
  bool Abort(CURL* easy);
  // Lets libcurl make progress and runs the callbacks of finished transfers.
  void Perform();
  // Blocks in curl_multi_poll for at most `wait_us` (rounded up to whole milliseconds).
  void Wait(TimeUs wait_us);

  LiveLoop& loop;
  CURLM* handle = nullptr;
  // Keyed by the easy handle; looked up, never iterated on an output path.
  std::unordered_map<CURL*, Done> transfers;
};

}  // namespace notion_sim::engine
