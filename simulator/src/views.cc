// Views of a database's data source: list, create, retrieve, update, delete; view queries (a
// snapshot of the pages the view's filter and sorts select, paged, with an expiry) and their
// deletion.
#include <algorithm>

#include "ops.h"

namespace notion_sim::sim {

using engine::ApiCode;
using engine::ObjectId;
using nlohmann::json;

namespace {

constexpr TimeUs kQueryLifetime = Min(15);
const char* const kViewTypes[] = {"table",   "board", "list",  "calendar", "timeline",
                                  "gallery", "form",  "chart", "map",      "dashboard"};

ViewRec* Existing(Core& m, Call& c) {
  const Ref* ref = m.Find(c.target);
  if (ref == nullptr || ref->kind != Kind::kView || m.views[ref->index].deleted) {
    m.NotFound(c, "view", c.target);
    return nullptr;
  }
  ViewRec& v = m.views[ref->index];
  if (!m.Allowed(c, m.data_sources[v.data_source].id, kCapRead, "view")) return nullptr;
  return &v;
}

// Filter and sorts of a view, checked as a query's are.
bool CheckView(Call& c, const json& body) {
  if (const json& f = Field(body, "filter"); !f.is_null()) {
    const std::string problem = CheckFilter(f, "body.filter", 0);
    if (!problem.empty()) {
      c.Fail(400, ApiCode::kValidationError, problem);
      return false;
    }
  }
  if (const json& s = Field(body, "sorts"); !s.is_null()) {
    const std::string problem = CheckSorts(s, "body.sorts");
    if (!problem.empty()) {
      c.Fail(400, ApiCode::kValidationError, problem);
      return false;
    }
  }
  if (const json& cfg = Field(body, "configuration"); !cfg.is_null() && !cfg.is_object()) {
    c.Fail(400, ApiCode::kValidationError,
           "body failed validation: body.configuration should be an object, instead was `" +
               Quoted(cfg) + "`.");
    return false;
  }
  return true;
}

void Respond(Call& c, ReplyKind kind, std::uint32_t index, const ObjectId& id) {
  c.object = id;
  c.reply.kind = kind;
  c.reply.item = Ref{Kind::kView, index};
}

}  // namespace

void ListViews(Core& m, Call& c) {
  const std::optional<std::string> db_text = c.Param("database_id");
  const std::optional<std::string> ds_text = c.Param("data_source_id");
  if (!db_text && !ds_text) {
    c.Fail(400, ApiCode::kValidationError,
           "query failed validation: one of query.database_id or query.data_source_id should be "
           "defined.");
    return;
  }
  const std::optional<ObjectId> id = ObjectId::Parse(db_text ? *db_text : *ds_text);
  const Ref* ref = id ? m.Find(*id) : nullptr;
  if (ref == nullptr || ref->kind != (db_text ? Kind::kDatabase : Kind::kDataSource)) {
    m.NotFound(c, db_text ? "database" : "data source", id.value_or(ObjectId{}));
    return;
  }
  if (!m.Allowed(c, *id, kCapRead, db_text ? "database" : "data source")) return;
  std::vector<Ref> all;
  for (std::uint32_t i = 0; i < m.views.size(); ++i) {
    const ViewRec& v = m.views[i];
    if (v.deleted) continue;
    if (db_text ? v.database == ref->index : v.data_source == ref->index) {
      all.push_back(Ref{Kind::kView, i});
    }
  }
  Paginate(c, all, "view", ObjectId{});
}

void CreateView(Core& m, Call& c) {
  const json& body = *c.body;
  const std::optional<ObjectId> ds_id = ObjectId::Parse(Str(body, "data_source_id"));
  if (!ds_id) {
    c.Fail(400, ApiCode::kValidationError,
           "body failed validation: body.data_source_id should be a valid uuid, instead was `" +
               Quoted(Field(body, "data_source_id")) + "`.");
    return;
  }
  if (!Field(body, "name").is_string()) {
    c.Fail(400, ApiCode::kValidationError,
           "body failed validation: body.name should be a string, instead was `" +
               Quoted(Field(body, "name")) + "`.");
    return;
  }
  const std::string type = Str(body, "type");
  if (std::find(std::begin(kViewTypes), std::end(kViewTypes), type) == std::end(kViewTypes)) {
    c.Fail(400, ApiCode::kValidationError,
           "body failed validation: body.type should be one of `table`, `board`, `list`, "
           "`calendar`, `timeline`, `gallery`, `form`, `chart`, `map`, `dashboard`, instead was `" +
               Quoted(Field(body, "type")) + "`.");
    return;
  }
  const Ref* ref = m.Find(*ds_id);
  if (ref == nullptr || ref->kind != Kind::kDataSource || m.data_sources[ref->index].in_trash) {
    m.NotFound(c, "data source", *ds_id);
    return;
  }
  if (!m.Allowed(c, *ds_id, kCapUpdate, "data source")) return;
  if (!CheckView(c, body)) return;
  ViewRec v;
  v.id = ObjectId::Random(m.ids);
  v.data_source = ref->index;
  v.database = m.data_sources[ref->index].database;
  v.name = Str(body, "name");
  v.type = type;
  v.filter = Field(body, "filter");
  v.sorts = Field(body, "sorts");
  v.quick_filters = Field(body, "quick_filters");
  v.configuration = Field(body, "configuration");
  v.created_us = c.now_us;
  v.edited_us = c.now_us;
  v.creator = static_cast<std::uint16_t>(c.token);
  const auto i = static_cast<std::uint32_t>(m.views.size());
  m.index.Insert(v.id, Ref{Kind::kView, i});
  const ObjectId id = v.id;
  m.views.push_back(std::move(v));
  m.Commit(c, id, ChangeKind::kViewChanged, *ds_id);
  Respond(c, ReplyKind::kObject, i, id);
}

void RetrieveView(Core& m, Call& c) {
  ViewRec* v = Existing(m, c);
  if (v == nullptr) return;
  Respond(c, ReplyKind::kObject, m.Find(v->id)->index, v->id);
}

void UpdateView(Core& m, Call& c) {
  ViewRec* v = Existing(m, c);
  if (v == nullptr) return;
  const json& body = *c.body;
  if (!CheckView(c, body)) return;
  if (body.contains("name")) {
    if (!Field(body, "name").is_string()) {
      c.Fail(400, ApiCode::kValidationError,
             "body failed validation: body.name should be a string, instead was `" +
                 Quoted(Field(body, "name")) + "`.");
      return;
    }
    v->name = Str(body, "name");
  }
  if (body.contains("filter")) v->filter = Field(body, "filter");
  if (body.contains("sorts")) v->sorts = Field(body, "sorts");
  if (body.contains("quick_filters")) v->quick_filters = Field(body, "quick_filters");
  if (body.contains("configuration")) v->configuration = Field(body, "configuration");
  v->edited_us = c.now_us;
  m.Commit(c, v->id, ChangeKind::kViewChanged, m.data_sources[v->data_source].id);
  Respond(c, ReplyKind::kObject, m.Find(v->id)->index, v->id);
}

void DeleteView(Core& m, Call& c) {
  ViewRec* v = Existing(m, c);
  if (v == nullptr) return;
  v->deleted = true;
  v->edited_us = c.now_us;
  m.Commit(c, v->id, ChangeKind::kViewChanged, m.data_sources[v->data_source].id);
  Respond(c, ReplyKind::kPartialView, m.Find(v->id)->index, v->id);
}

void CreateViewQuery(Core& m, Call& c) {
  ViewRec* v = Existing(m, c);
  if (v == nullptr) return;
  const json& size = Field(*c.body, "page_size");
  if (!size.is_null() && (!size.is_number_integer() || size.get<std::int64_t>() < 1 ||
                          size.get<std::int64_t>() > 100)) {
    c.Fail(400, ApiCode::kValidationError,
           "body failed validation: body.page_size should be an integer from 1 to 100, instead "
           "was `" +
               Quoted(size) + "`.");
    return;
  }
  ViewQueryRec q;
  q.id = ObjectId::Random(m.ids);
  q.view = m.Find(v->id)->index;
  q.created_us = c.now_us;
  q.expires_us = c.now_us + kQueryLifetime;
  const DataSourceRec& ds = m.data_sources[v->data_source];
  q.pages = Select(m, c, ds, v->filter.is_null() ? nullptr : &v->filter,
                   v->sorts.is_null() ? nullptr : &v->sorts);
  const auto qi = static_cast<std::uint32_t>(m.view_queries.size());
  m.index.Insert(q.id, Ref{Kind::kViewQuery, qi});
  m.view_queries.push_back(std::move(q));
  if (size.is_number_integer()) c.page_size = static_cast<std::uint32_t>(size.get<std::int64_t>());
  std::vector<Ref> all;
  for (std::uint32_t pi : m.view_queries[qi].pages) all.push_back(Ref{Kind::kPage, pi});
  Paginate(c, all, "page", c.target);
  c.object = m.view_queries[qi].id;
  c.reply.kind = ReplyKind::kViewQuery;
  c.reply.item = Ref{Kind::kViewQuery, qi};
}

namespace {

ViewQueryRec* ExistingQuery(Core& m, Call& c) {
  if (Existing(m, c) == nullptr) return nullptr;
  const Ref* ref = m.Find(c.target2);
  if (ref == nullptr || ref->kind != Kind::kViewQuery || m.view_queries[ref->index].deleted ||
      m.views[m.view_queries[ref->index].view].id != c.target) {
    m.NotFound(c, "view query", c.target2);
    return nullptr;
  }
  ViewQueryRec& q = m.view_queries[ref->index];
  if (c.now_us > q.expires_us) {
    m.NotFound(c, "view query", c.target2);
    return nullptr;
  }
  return &q;
}

}  // namespace

void RetrieveViewQueryResults(Core& m, Call& c) {
  ViewQueryRec* q = ExistingQuery(m, c);
  if (q == nullptr) return;
  std::vector<Ref> all;
  for (std::uint32_t pi : q->pages) all.push_back(Ref{Kind::kPage, pi});
  Paginate(c, all, "page", c.target);
  c.reply.number = 1;  // partial pages
  c.object = q->id;
}

void DeleteViewQuery(Core& m, Call& c) {
  ViewQueryRec* q = ExistingQuery(m, c);
  if (q == nullptr) return;
  q->deleted = true;
  c.object = q->id;
  c.reply.kind = ReplyKind::kViewQueryDeleted;
  c.reply.item = *m.Find(q->id);
}

}  // namespace notion_sim::sim
