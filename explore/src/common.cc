#include "notion_sim/explore/common.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <mutex>
#include <thread>
#include <vector>

#include "notion_sim/engine/json_reader.h"

namespace notion_sim::explore {

std::string Shard::Text() const { return std::to_string(index) + "/" + std::to_string(count); }

Result<Shard> ParseShard(std::string_view text) {
  const auto bad = [&] {
    return InvalidInput("--shard " + std::string(text) +
                        ": expected I/N with 0 <= I < N (e.g. 0/4 for the first of four)");
  };
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) return bad();
  Shard s;
  const std::string_view a = text.substr(0, slash);
  const std::string_view b = text.substr(slash + 1);
  if (std::from_chars(a.data(), a.data() + a.size(), s.index).ptr != a.data() + a.size() ||
      std::from_chars(b.data(), b.data() + b.size(), s.count).ptr != b.data() + b.size() ||
      a.empty() || b.empty() || s.count == 0 || s.count > 100000 || s.index >= s.count) {
    return bad();
  }
  return s;
}

std::size_t ParallelFor(std::size_t n, unsigned threads, const std::function<void(std::size_t)>& fn,
                        const std::function<void(std::size_t, std::size_t)>& progress,
                        const std::function<bool()>& stop) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, std::max<std::size_t>(n, 1)));
  std::atomic<std::size_t> next{0};
  std::mutex mu;
  std::size_t done = 0;
  std::atomic<std::size_t> ran{0};
  const auto work = [&] {
    while (!(stop && stop())) {
      const std::size_t i = next++;
      if (i >= n) break;
      fn(i);
      ++ran;
      if (progress) {
        std::lock_guard<std::mutex> lock(mu);
        progress(++done, n);
      }
    }
  };
  if (threads <= 1) {
    work();
    return ran;
  }
  std::vector<std::thread> pool;
  pool.reserve(threads);
  for (unsigned t = 0; t < threads; ++t) pool.emplace_back(work);
  for (std::thread& t : pool) t.join();
  return ran;
}

Status SetPath(nlohmann::json& doc, std::string_view dotted, nlohmann::json value) {
  if (dotted.empty()) return InvalidInput("empty path");
  nlohmann::json* at = &doc;
  std::string walked;
  std::size_t pos = 0;
  while (true) {
    const std::size_t dot = dotted.find('.', pos);
    const std::string part(
        dotted.substr(pos, dot == std::string_view::npos ? dotted.npos : dot - pos));
    if (part.empty()) return InvalidInput(std::string(dotted) + ": empty segment");
    const bool last = dot == std::string_view::npos;
    walked += (walked.empty() ? "" : ".") + part;
    if (at->is_array()) {
      std::size_t index = 0;
      const auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), index);
      if (ec != std::errc() || p != part.data() + part.size() || index >= at->size()) {
        return InvalidInput(std::string(dotted) + ": " + walked + ": the array has " +
                            std::to_string(at->size()) + " element(s)");
      }
      at = &(*at)[index];
    } else {
      if (at->is_null()) *at = nlohmann::json::object();
      if (!at->is_object()) {
        return InvalidInput(std::string(dotted) + ": " + walked + ": not an object");
      }
      at = &(*at)[part];
    }
    if (last) break;
    pos = dot + 1;
  }
  *at = std::move(value);
  return {};
}

nlohmann::json ParseValue(std::string_view text) {
  Result<nlohmann::json> j = engine::ParseJson(text, "value");
  if (!j.ok()) return std::string(text);
  return std::move(j).value();
}

nlohmann::json NumberToJson(double value) {
  if (std::isnan(value)) return nullptr;
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  return value;
}

double NumberFromJson(const nlohmann::json& value) {
  if (value.is_number()) return value.get<double>();
  if (value.is_string()) {
    if (value == "inf") return std::numeric_limits<double>::infinity();
    if (value == "-inf") return -std::numeric_limits<double>::infinity();
  }
  return std::numeric_limits<double>::quiet_NaN();
}

std::string Short(double value) {
  if (std::isnan(value)) return "-";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", value);
  return buf;
}

}  // namespace notion_sim::explore
