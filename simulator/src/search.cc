// Search: pages and data sources (databases before 2025-09-03) by title, filtered by object and
// trash, sorted by last edit; the index lags by the workspace's indexing delay.
#include <algorithm>

#include "ops.h"

namespace notion_sim::sim {

using engine::ApiCode;
using engine::ObjectId;
using nlohmann::json;

void Search(Core& m, Call& c) {
  const json& body = *c.body;
  std::string query;
  if (auto it = body.find("query"); it != body.end() && !it->is_null()) {
    if (!it->is_string()) {
      c.Fail(400, ApiCode::kValidationError,
             "body failed validation: body.query should be a string, instead was `" + Quoted(*it) +
                 "`.");
      return;
    }
    query = Lower(it->get<std::string>());
  }
  const bool old = c.version == ApiVersion::k20220628;
  bool want_pages = true;
  bool want_sources = true;
  bool want_trash = false;
  if (auto it = body.find("filter"); it != body.end() && !it->is_null()) {
    const json& f = *it;
    const std::string allowed = old ? "database" : "data_source";
    const bool trash_only = f.is_object() && f.size() == 1 && f.contains("in_trash");
    if (!trash_only && (!f.is_object() || Str(f, "property") != "object" || !f.contains("value") ||
                        (f["value"] != "page" && f["value"] != allowed))) {
      c.Fail(400, ApiCode::kValidationError,
             "body failed validation: body.filter.value should be `\"page\"` or `\"" + allowed +
                 "\"`, instead was `" +
                 Quoted(f.is_object() && f.contains("value") ? f["value"] : f) + "`.");
      return;
    }
    if (const json& t = Field(f, "in_trash"); f.contains("in_trash")) {
      if (!t.is_boolean()) {
        c.Fail(400, ApiCode::kValidationError,
               "body failed validation: body.filter.in_trash should be a boolean, instead was `" +
                   Quoted(t) + "`.");
        return;
      }
      want_trash = t.get<bool>();
    }
    if (!trash_only) {
      want_pages = f["value"] == "page";
      want_sources = !want_pages;
    }
  }
  bool ascending = false;
  if (auto it = body.find("sort"); it != body.end() && !it->is_null()) {
    const bool relevance = it->is_object() && Str(*it, "property") == "relevance";
    if (!relevance &&
        (!it->is_object() || Str(*it, "timestamp") != "last_edited_time" ||
         (Str(*it, "direction") != "ascending" && Str(*it, "direction") != "descending"))) {
      c.Fail(400, ApiCode::kValidationError,
             "body failed validation: body.sort should be `{\"timestamp\": \"last_edited_time\", "
             "\"direction\": \"ascending\" | \"descending\"}` or `{\"property\": \"relevance\"}`, "
             "instead was `" +
                 Quoted(*it) + "`.");
      return;
    }
    ascending = Str(*it, "direction") == "ascending";
  }
  const TimeUs indexed_before = c.now_us - m.config.workspace.search_indexing_delay_us;
  struct Hit {
    TimeUs edited_us;
    std::uint32_t order;  // creation order among hits: pages first, then sources
    Kind kind;
    std::uint32_t index;
  };
  std::vector<Hit> hits;
  std::uint32_t order = 0;
  if (want_pages) {
    for (std::uint32_t i = 0; i < m.pages.size(); ++i) {
      const PageRec& p = m.pages[i];
      if (p.in_trash != want_trash || p.created_us > indexed_before || m.Hidden(c, p.id)) continue;
      if (!query.empty() && Lower(m.Title(p)).find(query) == std::string::npos) continue;
      hits.push_back(Hit{p.edited_us, order++, Kind::kPage, i});
    }
  }
  if (want_sources) {
    if (old) {
      for (std::uint32_t i = 0; i < m.databases.size(); ++i) {
        const DatabaseRec& d = m.databases[i];
        if (d.in_trash != want_trash || d.created_us > indexed_before || m.Hidden(c, d.id))
          continue;
        if (!query.empty() && Lower(d.title).find(query) == std::string::npos) continue;
        hits.push_back(Hit{d.created_us, order++, Kind::kDatabase, i});
      }
    } else {
      for (std::uint32_t i = 0; i < m.data_sources.size(); ++i) {
        const DataSourceRec& d = m.data_sources[i];
        if (d.in_trash != want_trash || d.created_us > indexed_before || m.Hidden(c, d.id))
          continue;
        if (!query.empty() && Lower(d.title).find(query) == std::string::npos) continue;
        hits.push_back(Hit{d.edited_us, order++, Kind::kDataSource, i});
      }
    }
  }
  std::stable_sort(hits.begin(), hits.end(), [&](const Hit& a, const Hit& b) {
    if (a.edited_us != b.edited_us) {
      return ascending ? a.edited_us < b.edited_us : a.edited_us > b.edited_us;
    }
    return ascending ? a.order < b.order : a.order > b.order;
  });
  const std::uint64_t pos = c.cursor_given ? (c.start_cursor & 0xFFFFFFFFULL) - 1 : 0;
  const std::uint64_t end = std::min<std::uint64_t>(hits.size(), pos + c.page_size);
  c.result_count = pos < end ? static_cast<std::uint32_t>(end - pos) : 0;
  c.has_more = end < hits.size();
  c.next_cursor = c.has_more ? end + 1 : 0;
  if (c.result_count > 0) {
    c.found = true;
    const Hit& h = hits[pos];
    c.object = m.IdOf(Ref{h.kind, h.index});
  }
  c.reply.kind = ReplyKind::kList;
  c.reply.list_type = old ? "page_or_database" : "page_or_data_source";
  for (std::uint64_t i = pos; i < end; ++i)
    c.reply.items.push_back(Ref{hits[i].kind, hits[i].index});
}

}  // namespace notion_sim::sim
