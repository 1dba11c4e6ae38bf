#include "notion_sim/reports/result_json.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace notion_sim::reports {

nlohmann::json ResultToJson(const scenarios::RunResult& r) {
  const engine::RunSummary& s = r.summary;
  return nlohmann::json{
      {"schema_version", kResultSchemaVersion},
      {"scenario", r.scenario},
      {"path", r.path},
      {"scenario_hash", r.scenario_hash},
      {"seed", r.seed},
      {"digest", s.digest},
      {"ops",
       {{"started", s.ops_started},
        {"succeeded", s.ops_succeeded},
        {"served_fallback", s.ops_fallback},
        {"failed", s.ops_failed},
        {"dead_lettered", s.ops_dead_lettered},
        {"unfinished", s.ops_unfinished}}},
      {"attempts", s.attempts},
      {"events", s.events},
      {"server", {{"writes", r.server_writes}, {"pages", r.server_pages}}},
      {"virtual_time_s", static_cast<double>(s.virtual_time_us) / 1e6},
      {"last_finish_s", static_cast<double>(s.last_finish_us) / 1e6},
      {"wall_time_ms", r.wall_time_ms},
  };
}

Status WriteJsonFile(const std::string& path, const nlohmann::json& json) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path p(path);
  if (p.has_parent_path()) fs::create_directories(p.parent_path(), ec);
  if (ec) return Error{ErrorCode::kIo, path + ": cannot create directory: " + ec.message()};
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Error{ErrorCode::kIo, tmp + ": cannot write"};
    out << json.dump(2) << "\n";
    if (!out) return Error{ErrorCode::kIo, tmp + ": write failed"};
  }
  fs::rename(tmp, p, ec);
  if (ec) return Error{ErrorCode::kIo, path + ": cannot rename into place: " + ec.message()};
  return {};
}

std::string SummaryLine(const scenarios::RunResult& r) {
  const engine::RunSummary& s = r.summary;
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "%s: %llu ops (%llu ok, %llu failed, %llu dlq, %llu unfinished), %llu attempts, "
                "virtual %.1f s, wall %.1f ms, seed %llu, digest %s",
                r.scenario.c_str(), static_cast<unsigned long long>(s.ops_started),
                static_cast<unsigned long long>(s.ops_succeeded + s.ops_fallback),
                static_cast<unsigned long long>(s.ops_failed),
                static_cast<unsigned long long>(s.ops_dead_lettered),
                static_cast<unsigned long long>(s.ops_unfinished),
                static_cast<unsigned long long>(s.attempts),
                static_cast<double>(s.virtual_time_us) / 1e6, r.wall_time_ms,
                static_cast<unsigned long long>(r.seed), s.digest.c_str());
  return buf;
}

}  // namespace notion_sim::reports
