// Databases and their data sources: create (a database with its first data source; another data
// source in a database), retrieve, update (title, description, icon, cover, trash, lock, parent;
// a data source's schema: add, rename, retype, remove properties), templates.
#include <algorithm>
#include <cstdio>

#include "ops.h"

namespace notion_sim::sim {

using engine::ApiCode;
using engine::ObjectId;
using nlohmann::json;

namespace {

const char* const kPropertyTypes[] = {"title",
                                      "rich_text",
                                      "number",
                                      "select",
                                      "multi_select",
                                      "status",
                                      "date",
                                      "people",
                                      "files",
                                      "checkbox",
                                      "url",
                                      "email",
                                      "phone_number",
                                      "formula",
                                      "relation",
                                      "rollup",
                                      "created_time",
                                      "created_by",
                                      "last_edited_time",
                                      "last_edited_by",
                                      "unique_id",
                                      "button",
                                      "location",
                                      "verification",
                                      "last_visited_time",
                                      "place"};

std::string OptionId(const std::string& prop, const std::string& name) {
  char id[16];
  std::snprintf(
      id, sizeof id, "%08llx",
      static_cast<unsigned long long>(engine::HashString(prop + "/" + name) & 0xFFFFFFFFULL));
  return id;
}

json Options(const std::string& prop, const json& given) {
  static constexpr const char* kColors[] = {"default", "gray", "brown",  "orange", "yellow",
                                            "green",   "blue", "purple", "pink",   "red"};
  json out = json::array();
  if (!given.is_array()) return out;
  for (const json& o : given) {
    const std::string name = Str(o, "name");
    if (name.empty()) continue;
    const std::string color =
        Str(o, "color").empty() ? kColors[out.size() % std::size(kColors)] : Str(o, "color");
    out.push_back({{"id", Str(o, "id").empty() ? OptionId(prop, name) : Str(o, "id")},
                   {"name", name},
                   {"color", color},
                   {"description", Field(o, "description").is_string() ? Field(o, "description")
                                                                       : json(nullptr)}});
  }
  return out;
}

// A property configuration request ({"checkbox": {}}, {"type": "select", "select": {...}}) as a
// schema entry; Notion's message when it names no known type.
std::string ParseProperty(Core& m, const std::string& name, const json& spec, PropertyDef* out) {
  if (!spec.is_object()) return name + " should be an object.";
  std::string type = Str(spec, "type");
  if (type.empty()) {
    for (auto it = spec.begin(); it != spec.end(); ++it) {
      if (std::find(std::begin(kPropertyTypes), std::end(kPropertyTypes), it.key()) !=
          std::end(kPropertyTypes)) {
        type = it.key();
      }
    }
  }
  if (type.empty() || std::find(std::begin(kPropertyTypes), std::end(kPropertyTypes), type) ==
                          std::end(kPropertyTypes)) {
    return name + " should name one property type.";
  }
  out->name = Str(spec, "name").empty() ? name : Str(spec, "name");
  out->type = type;
  if (out->id.empty()) out->id = PropertyId(out->name, type);
  if (spec.contains("description")) out->description = Str(spec, "description");
  const json& given = Field(spec, type);
  json config = json::object();
  if (type == "select" || type == "multi_select") {
    config["options"] = Options(out->name, Field(given, "options"));
  } else if (type == "status") {
    json options = Options(out->name, Field(given, "options"));
    if (options.empty()) {
      options = Options(out->name, json::array({{{"name", "Not started"}, {"color", "default"}},
                                                {{"name", "In progress"}, {"color", "blue"}},
                                                {{"name", "Done"}, {"color", "green"}}}));
    }
    json ids = json::array();
    for (const json& o : options) ids.push_back(o["id"]);
    config["options"] = options;
    config["groups"] = json::array({{{"id", OptionId(out->name, "group")},
                                     {"name", "All"},
                                     {"color", "gray"},
                                     {"option_ids", ids}}});
  } else if (type == "number") {
    config["format"] = Str(given, "format").empty() ? "number" : Str(given, "format");
  } else if (type == "formula") {
    config["expression"] = Str(given, "expression");
  } else if (type == "unique_id") {
    config["prefix"] = Field(given, "prefix").is_string() ? Field(given, "prefix") : json(nullptr);
  } else if (type == "relation") {
    const std::optional<ObjectId> to = ObjectId::Parse(Str(given, "data_source_id"));
    const Ref* r = to ? m.Find(*to) : nullptr;
    if (r == nullptr || r->kind != Kind::kDataSource) {
      return name + ".relation.data_source_id should name a data source.";
    }
    config["data_source_id"] = to->ToString();
    config["database_id"] = m.databases[m.data_sources[r->index].database].id.ToString();
    if (given.contains("dual_property")) {
      config["type"] = "dual_property";
      config["dual_property"] = {{"synced_property_id", ""}, {"synced_property_name", ""}};
    } else {
      config["type"] = "single_property";
      config["single_property"] = json::object();
    }
  } else if (type == "rollup") {
    config["function"] = Str(given, "function").empty() ? "count" : Str(given, "function");
    config["relation_property_name"] = Str(given, "relation_property_name");
    config["relation_property_id"] = Str(given, "relation_property_id");
    config["rollup_property_name"] = Str(given, "rollup_property_name");
    config["rollup_property_id"] = Str(given, "rollup_property_id");
  }
  out->config = std::move(config);
  return "";
}

bool ParseSchema(Core& m, Call& c, const json& props, const std::string& where,
                 std::vector<PropertyDef>* schema) {
  if (!props.is_object()) {
    c.Fail(400, ApiCode::kValidationError,
           "body failed validation: " + where + " should be an object, instead was `" +
               Quoted(props) + "`.");
    return false;
  }
  int titles = 0;
  for (auto it = props.begin(); it != props.end(); ++it) {
    PropertyDef def;
    const std::string problem = ParseProperty(m, it.key(), *it, &def);
    if (!problem.empty()) {
      c.Fail(400, ApiCode::kValidationError, "body failed validation: " + where + "." + problem);
      return false;
    }
    if (def.type == "title") ++titles;
    schema->push_back(std::move(def));
  }
  if (titles != 1) {
    c.Fail(400, ApiCode::kValidationError,
           "body failed validation: a data source needs exactly one title property.");
    return false;
  }
  return true;
}

// The page a database goes under, from `parent` ({page_id} or {workspace: true}); fails the
// call otherwise.
bool DatabaseParent(Core& m, Call& c, const json& parent, ParentKind* kind, ObjectId* id) {
  if (!parent.is_object()) {
    c.Fail(400, ApiCode::kValidationError,
           "body failed validation: body.parent should be defined, instead was `undefined`.");
    return false;
  }
  if (Field(parent, "workspace") == true) {
    *kind = ParentKind::kWorkspace;
    *id = ObjectId{};
    return true;
  }
  if (!parent.contains("page_id")) {
    c.Fail(400, ApiCode::kValidationError,
           "body failed validation: body.parent.page_id should be defined, instead was "
           "`undefined`.");
    return false;
  }
  const std::optional<ObjectId> page = ObjectId::Parse(Str(parent, "page_id"));
  if (!page) {
    c.Fail(400, ApiCode::kValidationError,
           "body failed validation: body.parent.page_id should be a valid uuid, instead was `" +
               Quoted(Field(parent, "page_id")) + "`.");
    return false;
  }
  const Ref* ref = m.Find(*page);
  if (ref == nullptr || ref->kind != Kind::kPage || m.pages[ref->index].in_trash) {
    m.NotFound(c, "page", *page);
    return false;
  }
  if (!m.Allowed(c, *page, kCapInsert, "page")) return false;
  *kind = ParentKind::kPage;
  *id = *page;
  return true;
}

bool CheckTitle(Core& m, Call& c, const json& body, const char* key) {
  if (!body.contains(key)) return true;
  return m.ValidateRichText(c, Field(body, key), std::string("body.") + key);
}

}  // namespace

void MultipleSources(Core& m, Call& c, const DatabaseRec& db, bool with_children) {
  c.Fail(400, ApiCode::kValidationError,
         "Databases with multiple data sources are not supported in this API version.");
  c.additional = {{"error_type", "multiple_data_sources_for_database"},
                  {"database_id", db.id.ToString()},
                  {"minimum_api_version", "2025-09-03"}};
  if (with_children) {
    json ids_json = json::array();
    for (std::uint32_t i : db.data_sources) ids_json.push_back(m.data_sources[i].id.ToString());
    c.additional["child_data_source_ids"] = ids_json;
  }
}

void CreateDatabase(Core& m, Call& c) {
  if (c.version == ApiVersion::k20220628) {
    c.Fail(400, ApiCode::kValidationError,
           "notion-sim: creating a database is modelled for Notion-Version 2025-09-03 and later.");
    return;
  }
  const json& body = *c.body;
  ParentKind kind = ParentKind::kWorkspace;
  ObjectId parent;
  if (!DatabaseParent(m, c, Field(body, "parent"), &kind, &parent)) return;
  if (!CheckTitle(m, c, body, "title") || !CheckTitle(m, c, body, "description")) return;
  std::vector<PropertyDef> schema;
  if (const json& ids = Field(body, "initial_data_source"); !ids.is_null()) {
    const json& props = Field(ids, "properties");
    if (!ParseSchema(m, c, props.is_null() ? json{{"Name", {{"title", json::object()}}}} : props,
                     "body.initial_data_source.properties", &schema)) {
      return;
    }
  } else {
    schema.push_back(PropertyDef{"title", "Name", "title", json::object(), ""});
  }
  std::string title = PlainText(Field(body, "title"));
  const ObjectId db_id = ObjectId::Random(m.ids);
  const std::uint32_t db = m.NewDatabase(db_id, title, kind, parent, c.now_us);
  DatabaseRec& rec = m.databases[db];
  rec.description = PlainText(Field(body, "description"));
  rec.is_inline = Field(body, "is_inline") == true;
  if (const json& icon = Field(body, "icon"); icon.is_object()) rec.icon = Alias(c.owner, &icon);
  if (const json& cover = Field(body, "cover"); cover.is_object()) {
    rec.cover = Alias(c.owner, &cover);
  }
  const std::uint32_t ds =
      m.NewDataSource(ObjectId::Random(m.ids), title, std::move(schema), db, c.now_us);
  m.data_sources[ds].creator = static_cast<std::uint16_t>(c.token);
  m.Commit(c, db_id, ChangeKind::kDatabaseCreated, parent);
  c.object = db_id;
  c.reply.kind = ReplyKind::kObject;
  c.reply.item = Ref{Kind::kDatabase, db};
}

void RetrieveDatabase(Core& m, Call& c) {
  const Ref* ref = m.Target(c, Kind::kDatabase, "database", kCapRead);
  if (ref == nullptr) return;
  const DatabaseRec& db = m.databases[ref->index];
  if (c.version == ApiVersion::k20220628 && db.data_sources.size() != 1) {
    MultipleSources(m, c, db, false);
    return;
  }
  c.object = db.id;
  c.reply.kind = ReplyKind::kObject;
  c.reply.item = *ref;
}

void UpdateDatabase(Core& m, Call& c) {
  const Ref* ref = m.Target(c, Kind::kDatabase, "database", kCapUpdate);
  if (ref == nullptr) return;
  const json& body = *c.body;
  const std::uint32_t di = ref->index;
  if (!BooleanFields(c, {"in_trash", "archived", "is_inline", "is_locked"})) return;
  if (!CheckTitle(m, c, body, "title") || !CheckTitle(m, c, body, "description")) return;
  ParentKind kind = m.databases[di].parent_kind;
  ObjectId parent = m.databases[di].parent;
  if (body.contains("parent") && !DatabaseParent(m, c, Field(body, "parent"), &kind, &parent)) {
    return;
  }
  DatabaseRec& db = m.databases[di];
  for (const char* key : {"in_trash", "archived"}) {
    if (const json& v = Field(body, key); v.is_boolean()) {
      db.in_trash = v.get<bool>();
      for (std::uint32_t ds : db.data_sources) m.data_sources[ds].in_trash = db.in_trash;
    }
  }
  if (const json& v = Field(body, "is_inline"); v.is_boolean()) db.is_inline = v.get<bool>();
  if (const json& v = Field(body, "is_locked"); v.is_boolean()) db.is_locked = v.get<bool>();
  if (body.contains("title")) db.title = PlainText(Field(body, "title"));
  if (body.contains("description")) db.description = PlainText(Field(body, "description"));
  if (const json& icon = Field(body, "icon"); icon.is_object()) db.icon = Alias(c.owner, &icon);
  if (const json& cover = Field(body, "cover"); cover.is_object()) {
    db.cover = Alias(c.owner, &cover);
  }
  if (parent != db.parent || kind != db.parent_kind) {
    if (const Ref* old = m.Find(db.parent); old != nullptr && old->kind == Kind::kPage) {
      auto& list = m.pages[old->index].children;
      list.erase(std::remove(list.begin(), list.end(), Child{Kind::kDatabase, di}), list.end());
    }
    db.parent = parent;
    db.parent_kind = kind;
    if (const Ref* now = m.Find(parent); now != nullptr && now->kind == Kind::kPage) {
      m.pages[now->index].children.push_back(Child{Kind::kDatabase, di});
    }
  }
  db.edited_us = c.now_us;
  m.Commit(c, db.id, ChangeKind::kDatabaseUpdated, db.parent);
  c.object = db.id;
  c.reply.kind = ReplyKind::kObject;
  c.reply.item = Ref{Kind::kDatabase, di};
}

void CreateDataSource(Core& m, Call& c) {
  const json& body = *c.body;
  const json& parent = Field(body, "parent");
  const std::optional<ObjectId> db_id = ObjectId::Parse(Str(parent, "database_id"));
  if (!parent.is_object() || !parent.contains("database_id")) {
    c.Fail(400, ApiCode::kValidationError,
           "body failed validation: body.parent.database_id should be defined, instead was "
           "`undefined`.");
    return;
  }
  if (!db_id) {
    c.Fail(400, ApiCode::kValidationError,
           "body failed validation: body.parent.database_id should be a valid uuid, instead was "
           "`" +
               Quoted(Field(parent, "database_id")) + "`.");
    return;
  }
  const Ref* ref = m.Find(*db_id);
  if (ref == nullptr || ref->kind != Kind::kDatabase) {
    m.NotFound(c, "database", *db_id);
    return;
  }
  if (!m.Allowed(c, *db_id, kCapInsert, "database")) return;
  const std::uint32_t db = ref->index;
  if (!body.contains("properties")) {
    c.Fail(400, ApiCode::kValidationError,
           "body failed validation: body.properties should be defined, instead was `undefined`.");
    return;
  }
  if (!CheckTitle(m, c, body, "title")) return;
  std::vector<PropertyDef> schema;
  if (!ParseSchema(m, c, Field(body, "properties"), "body.properties", &schema)) return;
  const std::uint32_t ds = m.NewDataSource(ObjectId::Random(m.ids), PlainText(Field(body, "title")),
                                           std::move(schema), db, c.now_us);
  DataSourceRec& rec = m.data_sources[ds];
  rec.creator = static_cast<std::uint16_t>(c.token);
  if (const json& icon = Field(body, "icon"); icon.is_object()) rec.icon = Alias(c.owner, &icon);
  m.Commit(c, rec.id, ChangeKind::kDataSourceCreated, *db_id);
  c.object = rec.id;
  c.reply.kind = ReplyKind::kObject;
  c.reply.item = Ref{Kind::kDataSource, ds};
}

void RetrieveDataSource(Core& m, Call& c) {
  const Ref* ref = m.Target(c, Kind::kDataSource, "data source", kCapRead);
  if (ref == nullptr) return;
  c.object = c.target;
  c.reply.kind = ReplyKind::kObject;
  c.reply.item = *ref;
}

void UpdateDataSource(Core& m, Call& c) {
  const Ref* ref = m.Target(c, Kind::kDataSource, "data source", kCapUpdate);
  if (ref == nullptr) return;
  const std::uint32_t dsi = ref->index;
  const json& body = *c.body;
  if (!CheckTitle(m, c, body, "title")) return;
  if (!BooleanFields(c, {"in_trash", "archived"})) return;
  std::vector<PropertyDef> schema = m.data_sources[dsi].schema;
  bool schema_changed = false;
  if (const json& props = Field(body, "properties"); !props.is_null()) {
    if (!props.is_object()) {
      c.Fail(400, ApiCode::kValidationError,
             "body failed validation: body.properties should be an object, instead was `" +
                 Quoted(props) + "`.");
      return;
    }
    for (auto it = props.begin(); it != props.end(); ++it) {
      auto found = std::find_if(schema.begin(), schema.end(), [&](const PropertyDef& d) {
        return d.name == it.key() || d.id == it.key();
      });
      if (it->is_null()) {
        if (found == schema.end()) {
          c.Fail(400, ApiCode::kValidationError, it.key() + " is not a property that exists.");
          return;
        }
        if (found->type == "title") {
          c.Fail(400, ApiCode::kValidationError,
                 "A data source's title property cannot be removed.");
          return;
        }
        schema.erase(found);
        schema_changed = true;
        continue;
      }
      // Only a new name: a rename.
      if (found != schema.end() && it->is_object() && it->size() == 1 && it->contains("name")) {
        found->name = Str(*it, "name");
        schema_changed = true;
        continue;
      }
      PropertyDef def;
      if (found != schema.end()) def.id = found->id;
      const std::string problem = ParseProperty(m, it.key(), *it, &def);
      if (!problem.empty()) {
        c.Fail(400, ApiCode::kValidationError,
               "body failed validation: body.properties." + problem);
        return;
      }
      if (found != schema.end()) {
        if (found->type == "title" && def.type != "title") {
          c.Fail(400, ApiCode::kValidationError,
                 "A data source's title property cannot change type.");
          return;
        }
        *found = std::move(def);
      } else {
        if (def.type == "title") {
          c.Fail(400, ApiCode::kValidationError,
                 "body failed validation: a data source needs exactly one title property.");
          return;
        }
        schema.push_back(std::move(def));
      }
      schema_changed = true;
    }
  }
  std::optional<std::uint32_t> move_to;
  if (const json& parent = Field(body, "parent"); !parent.is_null()) {
    const std::optional<ObjectId> to = ObjectId::Parse(Str(parent, "database_id"));
    const Ref* r = to ? m.Find(*to) : nullptr;
    if (r == nullptr || r->kind != Kind::kDatabase) {
      m.NotFound(c, "database", to.value_or(ObjectId{}));
      return;
    }
    move_to = r->index;
  }
  DataSourceRec& ds = m.data_sources[dsi];
  ds.schema = std::move(schema);
  if (body.contains("title")) ds.title = PlainText(Field(body, "title"));
  if (const json& icon = Field(body, "icon"); body.contains("icon")) {
    ds.icon = icon.is_object() ? Alias(c.owner, &icon) : engine::Payload{};
  }
  for (const char* key : {"in_trash", "archived"}) {
    if (const json& v = Field(body, key); v.is_boolean()) ds.in_trash = v.get<bool>();
  }
  if (move_to && *move_to != ds.database) {
    auto& from = m.databases[ds.database].data_sources;
    from.erase(std::remove(from.begin(), from.end(), dsi), from.end());
    ds.database = *move_to;
    m.databases[*move_to].data_sources.push_back(dsi);
  }
  ds.edited_us = c.now_us;
  m.Commit(c, ds.id,
           schema_changed ? ChangeKind::kDataSourceSchemaUpdated : ChangeKind::kDataSourceUpdated,
           m.databases[ds.database].id);
  c.object = ds.id;
  c.reply.kind = ReplyKind::kObject;
  c.reply.item = Ref{Kind::kDataSource, dsi};
}

void ListDataSourceTemplates(Core& m, Call& c) {
  const Ref* ref = m.Target(c, Kind::kDataSource, "data source", kCapRead);
  if (ref == nullptr) return;
  const DataSourceRec& ds = m.data_sources[ref->index];
  const std::string name = Lower(c.Param("name").value_or(""));
  std::vector<Ref> all;
  for (std::uint32_t pi : ds.pages) {
    const PageRec& p = m.pages[pi];
    if (!p.is_template || p.in_trash) continue;
    if (!name.empty() && Lower(m.Title(p)).find(name) == std::string::npos) continue;
    all.push_back(Ref{Kind::kPage, pi});
  }
  Paginate(c, all, "template", ds.id);
  c.reply.kind = ReplyKind::kTemplates;
  c.object = ds.id;
}

}  // namespace notion_sim::sim
