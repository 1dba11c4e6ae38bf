// Pages: create (under a data source, a database's single data source, a page or the
// workspace), retrieve, update (properties, icon, cover, trash, lock), move, property items with
// pagination, and markdown read and update.
#include <algorithm>
#include <sstream>

#include "ops.h"

namespace notion_sim::sim {

using engine::ApiCode;
using engine::ObjectId;
using engine::Operation;
using nlohmann::json;

namespace {

std::optional<IdemKey> KeyFromProperties(const json* props) {
  if (props == nullptr || !props->is_object()) return std::nullopt;
  auto it = props->find("idempotency_key");
  if (it == props->end() || !it->is_object()) return std::nullopt;
  auto rt = it->find("rich_text");
  if (rt == it->end()) return std::nullopt;
  return ParseHexKey(PlainText(*rt));
}

// Select / multi_select / status names a page writes that the schema lacks become options, as
// Notion adds them.
void LearnOptions(Core& m, DataSourceRec& ds, const json& props) {
  static constexpr const char* kColors[] = {"default", "gray", "brown",  "orange", "yellow",
                                            "green",   "blue", "purple", "pink",   "red"};
  for (PropertyDef& def : ds.schema) {
    if (def.type != "select" && def.type != "multi_select" && def.type != "status") continue;
    const json& v = Field(props, def.name);
    const json& value = Field(v, def.type);
    std::vector<const json*> named;
    if (value.is_object()) named.push_back(&value);
    if (value.is_array()) {
      for (const json& o : value) named.push_back(&o);
    }
    json& options = def.config["options"];
    if (!options.is_array()) options = json::array();
    for (const json* o : named) {
      const std::string name = Str(*o, "name");
      if (name.empty()) continue;
      bool known = false;
      for (const json& opt : options) known = known || Str(opt, "name") == name;
      if (known) continue;
      const std::string color = Str(*o, "color").empty()
                                    ? kColors[options.size() % std::size(kColors)]
                                    : Str(*o, "color");
      char id[16];
      std::snprintf(id, sizeof id, "%08llx",
                    static_cast<unsigned long long>(engine::HashString(def.name + "/" + name) &
                                                    0xFFFFFFFFULL));
      options.push_back({{"id", id}, {"name", name}, {"color", color}, {"description", nullptr}});
    }
  }
  (void)m;
}

// Checks file_upload references in property values and marks them attached.
bool AttachFiles(Core& m, Call& c, const json& props) {
  if (!props.is_object()) return true;
  for (auto it = props.begin(); it != props.end(); ++it) {
    const json& files = Field(*it, "files");
    if (!files.is_array()) continue;
    for (std::size_t i = 0; i < files.size(); ++i) {
      const json& up = Field(files[i], "file_upload");
      if (!up.is_object()) continue;
      const std::optional<ObjectId> id = ObjectId::Parse(Str(up, "id"));
      if (!AttachUpload(m, c, id.value_or(ObjectId{}),
                        "body.properties." + it.key() + ".files[" + std::to_string(i) + "]")) {
        return false;
      }
    }
  }
  return true;
}

bool AttachIcon(Core& m, Call& c, const json& icon, const char* where) {
  const json& up = Field(icon, "file_upload");
  if (!up.is_object()) return true;
  const std::optional<ObjectId> id = ObjectId::Parse(Str(up, "id"));
  return AttachUpload(m, c, id.value_or(ObjectId{}), where);
}

// body.icon and body.cover: each an object or null; a file upload one names is attached.
bool AttachIcons(Core& m, Call& c) {
  for (const char* key : {"icon", "cover"}) {
    const json& v = Field(*c.body, key);
    if (!v.is_null() && !v.is_object()) {
      c.Fail(400, ApiCode::kValidationError,
             std::string("body failed validation: body.") + key +
                 " should be an object or `null`, instead was `" + Quoted(v) + "`.");
      return false;
    }
    if (v.is_object() && !AttachIcon(m, c, v, key)) return false;
  }
  return true;
}

void Filtered(Call& c) { c.reply.filter_properties = c.Params("filter_properties"); }

// Notion accepts a title or rich_text value given as the bare array
// ({"title": [{"text": ...}]}); the fake stores the full form. The body is copied only when it
// uses the short form.
void ExpandShorthand(Call& c, const DataSourceRec* ds) {
  const json& props = Field(*c.body, "properties");
  if (!props.is_object()) return;
  bool any = false;
  for (auto it = props.begin(); it != props.end() && !any; ++it) any = it->is_array();
  if (!any) return;
  json body = *c.body;
  for (auto it = body["properties"].begin(); it != body["properties"].end(); ++it) {
    if (!it->is_array()) continue;
    std::string type = ds == nullptr ? "title" : "";
    if (ds != nullptr) {
      for (const PropertyDef& d : ds->schema) {
        if ((d.name == it.key() || d.id == it.key()) &&
            (d.type == "title" || d.type == "rich_text")) {
          type = d.type;
        }
      }
      if (ds->schema.empty()) type = "rich_text";
    }
    if (type.empty()) continue;  // not a text property: validation names it
    *it = json{{type, *it}};
  }
  engine::Payload owner = Own(std::move(body));
  c.body = owner.get();
  c.owner = std::move(owner);
}

}  // namespace

void CreatePage(Core& m, Call& c) {
  const json& body = *c.body;
  ObjectId parent_id = c.parent;
  enum class Given { kAny, kDataSource, kDatabase, kPage, kWorkspace } given = Given::kAny;
  if (auto p = body.find("parent"); p != body.end()) {
    if (!p->is_object()) {
      c.Fail(400, ApiCode::kValidationError,
             "body failed validation: body.parent should be an object, instead was `" + Quoted(*p) +
                 "`.");
      return;
    }
    const std::pair<const char*, Given> keys[] = {{"data_source_id", Given::kDataSource},
                                                  {"database_id", Given::kDatabase},
                                                  {"page_id", Given::kPage}};
    bool any = false;
    for (const auto& [key, g] : keys) {
      auto it = p->find(key);
      if (it == p->end()) continue;
      std::optional<ObjectId> id;
      if (it->is_string()) id = ObjectId::Parse(it->get_ref<const std::string&>());
      if (!id) {
        c.Fail(400, ApiCode::kValidationError,
               std::string("body failed validation: body.parent.") + key +
                   " should be a valid uuid, instead was `" + Quoted(*it) + "`.");
        return;
      }
      parent_id = *id;
      given = g;
      any = true;
      break;
    }
    if (!any) {
      auto ws = p->find("workspace");
      if (ws != p->end() && *ws == true) {
        given = Given::kWorkspace;
      } else {
        c.Fail(400, ApiCode::kValidationError,
               "body failed validation: body.parent should define one of `data_source_id`, "
               "`database_id`, `page_id` or `workspace`, instead was `" +
                   Quoted(*p) + "`.");
        return;
      }
    }
  } else if (parent_id.empty()) {
    c.Fail(400, ApiCode::kValidationError,
           "body failed validation: body.parent should be defined, instead was `undefined`.");
    return;
  }
  ParentKind kind = ParentKind::kWorkspace;
  DataSourceRec* ds = nullptr;
  if (given != Given::kWorkspace) {
    const Ref* ref = m.Find(parent_id);
    if (ref == nullptr && m.config.workspace.unknown_parent == UnknownParent::kCreate &&
        given != Given::kPage) {
      // Lenient creation, when the workspace asks for it: a parent never created becomes a
      // database with one schema-free data source.
      const std::uint32_t db =
          m.NewDatabase(given == Given::kDatabase ? parent_id : ObjectId::Random(m.ids), "Auto",
                        ParentKind::kWorkspace, ObjectId{}, c.now_us);
      m.NewDataSource(given == Given::kDatabase ? ObjectId::Random(m.ids) : parent_id, "Auto", {},
                      db, c.now_us);
      ref = m.Find(parent_id);
    }
    const std::string_view kind_name = given == Given::kPage       ? "page"
                                       : given == Given::kDatabase ? "database"
                                                                   : "data source";
    if (ref == nullptr) {
      m.NotFound(c, given == Given::kAny ? "data source" : kind_name, parent_id);
      return;
    }
    if (ref->kind == Kind::kDatabase && (given == Given::kAny || given == Given::kDatabase)) {
      const DatabaseRec& db = m.databases[ref->index];
      if (!m.Allowed(c, db.id, kCapInsert, "database")) return;
      if (db.data_sources.size() != 1) {
        MultipleSources(m, c, db, /*with_children=*/true);
        return;
      }
      ds = &m.data_sources[db.data_sources[0]];
      kind = ParentKind::kDataSource;
      parent_id = ds->id;
    } else if (ref->kind == Kind::kDataSource &&
               (given == Given::kAny || given == Given::kDataSource)) {
      ds = &m.data_sources[ref->index];
      kind = ParentKind::kDataSource;
      if (!m.Allowed(c, ds->id, kCapInsert, "data source")) return;
    } else if (ref->kind == Kind::kPage && (given == Given::kAny || given == Given::kPage)) {
      const PageRec& parent = m.pages[ref->index];
      if (!m.Allowed(c, parent.id, kCapInsert, "page")) return;
      if (parent.in_trash) {
        c.Fail(400, ApiCode::kValidationError,
               "Can't edit block that is archived. You must unarchive the block before editing.");
        return;
      }
      kind = ParentKind::kPage;
    } else {
      m.NotFound(c, kind_name, parent_id);
      return;
    }
  } else if ((m.tokens[static_cast<std::size_t>(c.token)].spec.capabilities & kCapInsert) == 0) {
    c.Fail(403, ApiCode::kRestrictedResource, "");
    return;
  }
  if (ds != nullptr && ds->in_trash) {
    c.Fail(400, ApiCode::kValidationError,
           "Can't edit block that is archived. You must unarchive the block before editing.");
    return;
  }

  ExpandShorthand(c, ds);
  // Properties and children: the schema-free checks are cached per payload (the in-process
  // workload shares its templates); a schema is checked on every call.
  const Core::PayloadFacts* facts = m.FactsFor(c);
  const json* props = facts != nullptr ? facts->properties : nullptr;
  const json* children = facts != nullptr ? facts->children : nullptr;
  if (props != nullptr && ds != nullptr && !ds->schema.empty()) {
    if (!m.ValidateProperties(c, *props, "body.properties", ds)) return;
  } else if (facts != nullptr && !facts->valid && props != nullptr) {
    ApiCall none;
    Call probe(none);
    if (!m.ValidateProperties(probe, *props, "body.properties", nullptr)) {
      c.Fail(400, probe.code, probe.message);
      return;
    }
  }
  if (kind != ParentKind::kDataSource && props != nullptr && props->is_object()) {
    // A page outside a data source has one property: its title.
    for (auto it = props->begin(); it != props->end(); ++it) {
      if (it.key() != "title" && !(it->is_object() && it->contains("title"))) {
        c.Fail(400, ApiCode::kValidationError,
               "body failed validation: body.properties." + it.key() +
                   " should be not present, instead was `" + Quoted(*it) +
                   "`. A page outside a data source has only a title property.");
        return;
      }
    }
  }
  if (facts != nullptr && !facts->valid) {
    c.Fail(400, facts->code, facts->message);
    return;
  }
  if (!AttachIcons(m, c)) return;
  if (props != nullptr && !AttachFiles(m, c, *props)) return;
  std::optional<IdemKey> key = c.idem_key;
  if (!key) key = KeyFromProperties(props);

  c.parent = parent_id;
  const std::uint32_t pi = m.NewPage(c, kind, parent_id, Alias(c.owner, props));
  if (ds != nullptr && !ds->schema.empty() && props != nullptr) LearnOptions(m, *ds, *props);
  if (const json& icon = Field(*c.body, "icon"); icon.is_object()) {
    m.pages[pi].icon = Alias(c.owner, &icon);
  }
  if (const json& cover = Field(*c.body, "cover"); cover.is_object()) {
    m.pages[pi].cover = Alias(c.owner, &cover);
  }
  const ObjectId id = m.pages[pi].id;
  if (key && kind == ParentKind::kDataSource) m.idem.emplace(IdemIndexKey{parent_id, *key}, pi);
  if (children != nullptr && children->is_array() && !children->empty()) {
    std::vector<Child> list;
    m.AppendChildren(c, &list, SIZE_MAX, ParentKind::kPage, id, *children, nullptr);
    m.pages[pi].children = std::move(list);
  }
  m.Commit(c, id, ChangeKind::kPageCreated, parent_id);
  c.object = id;
  c.reply.kind = ReplyKind::kObject;
  c.reply.item = Ref{Kind::kPage, pi};
  Filtered(c);
}

void RetrievePage(Core& m, Call& c) {
  const Ref* ref = m.Target(c, Kind::kPage, "page", kCapRead);
  if (ref == nullptr) return;
  c.object = c.target;
  c.reply.kind = ReplyKind::kObject;
  c.reply.item = *ref;
  Filtered(c);
}

void UpdatePage(Core& m, Call& c) {
  const Ref* ref = m.Target(c, Kind::kPage, "page", kCapUpdate);
  if (ref == nullptr) return;
  const std::uint32_t pi = ref->index;
  ExpandShorthand(c, m.SourceOf(m.pages[pi]));
  const json& body = *c.body;
  std::optional<bool> trash;
  for (const char* key : {"in_trash", "archived", "is_archived"}) {
    auto it = body.find(key);
    if (it == body.end()) continue;
    if (std::string_view(key) != "in_trash" && c.version == ApiVersion::k20260311) {
      c.Fail(400, ApiCode::kValidationError,
             std::string("body failed validation: body.") + key +
                 " should be not present, instead was `" + Quoted(*it) + "`. Use in_trash.");
      return;
    }
    if (!it->is_boolean()) {
      c.Fail(400, ApiCode::kValidationError,
             std::string("body failed validation: body.") + key +
                 " should be a boolean, instead was `" + Quoted(*it) + "`.");
      return;
    }
    trash = it->get<bool>();
  }
  PageRec& page = m.pages[pi];
  if (page.in_trash && trash != false) {
    c.Fail(400, ApiCode::kValidationError,
           "Can't edit page that is archived. You must unarchive the page before editing.");
    return;
  }
  if (m.config.workspace.conflict_window_us > 0 && page.updated && page.edited_op != c.op_id &&
      c.now_us - page.edited_us < m.config.workspace.conflict_window_us) {
    c.Fail(409, ApiCode::kConflictError, "");
    return;
  }
  const json* props = nullptr;
  if (auto it = body.find("properties"); it != body.end()) props = &*it;
  DataSourceRec* ds = m.SourceOf(page);
  if (props != nullptr) {
    if (ds != nullptr && !ds->schema.empty()) {
      if (!m.ValidateProperties(c, *props, "body.properties", ds)) return;
    } else if (const Core::PayloadFacts* f = m.FactsFor(c); f != nullptr && !f->valid) {
      c.Fail(400, f->code, f->message);
      return;
    }
    if (!AttachFiles(m, c, *props)) return;
  }
  if (!AttachIcons(m, c)) return;
  if (const json& locked = Field(body, "is_locked"); !locked.is_null() && !locked.is_boolean()) {
    c.Fail(400, ApiCode::kValidationError,
           "body failed validation: body.is_locked should be a boolean, instead was `" +
               Quoted(locked) + "`.");
    return;
  }
  if (props != nullptr) {
    if (page.properties == nullptr || page.properties.get() == props) {
      page.properties = Alias(c.owner, props);
    } else {
      // Merge: the update names only the properties it changes.
      auto merged = std::make_shared<json>(*page.properties);
      for (auto it = props->begin(); it != props->end(); ++it) (*merged)[it.key()] = *it;
      page.properties = std::move(merged);
    }
    if (ds != nullptr && !ds->schema.empty()) LearnOptions(m, *ds, *props);
  }
  if (body.contains("icon"))
    page.icon = Field(body, "icon").is_object() ? Alias(c.owner, &body["icon"]) : engine::Payload{};
  if (body.contains("cover"))
    page.cover =
        Field(body, "cover").is_object() ? Alias(c.owner, &body["cover"]) : engine::Payload{};
  if (const json& locked = Field(body, "is_locked"); locked.is_boolean()) {
    page.is_locked = locked.get<bool>();
  }
  if (Field(body, "erase_content") == true) page.children.clear();
  const bool was_trashed = page.in_trash;
  if (trash) page.in_trash = *trash;
  page.edited_us = c.now_us;
  page.edited_op = c.op_id;
  page.editor = static_cast<std::uint16_t>(c.token);
  page.updated = true;
  const ChangeKind change = page.in_trash && !was_trashed   ? ChangeKind::kPageDeleted
                            : !page.in_trash && was_trashed ? ChangeKind::kPageRestored
                                                            : ChangeKind::kPagePropertiesUpdated;
  m.Commit(c, page.id, change, page.parent);
  c.object = page.id;
  c.reply.kind = ReplyKind::kObject;
  c.reply.item = Ref{Kind::kPage, pi};
  Filtered(c);
}

void MovePage(Core& m, Call& c) {
  const Ref* ref = m.Target(c, Kind::kPage, "page", kCapUpdate);
  if (ref == nullptr) return;
  const std::uint32_t pi = ref->index;
  const json& parent = Field(*c.body, "parent");
  if (!parent.is_object()) {
    c.Fail(400, ApiCode::kValidationError,
           "body failed validation: body.parent should be defined, instead was `undefined`.");
    return;
  }
  const bool to_page = parent.contains("page_id");
  const bool to_source = parent.contains("data_source_id");
  if (to_page == to_source) {
    c.Fail(400, ApiCode::kValidationError,
           "body failed validation: body.parent should define one of `page_id` or "
           "`data_source_id`, instead was `" +
               Quoted(parent) + "`.");
    return;
  }
  const char* key = to_page ? "page_id" : "data_source_id";
  const std::optional<ObjectId> to = ObjectId::Parse(Str(parent, key));
  if (!to) {
    c.Fail(400, ApiCode::kValidationError,
           std::string("body failed validation: body.parent.") + key +
               " should be a valid uuid, instead was `" + Quoted(Field(parent, key)) + "`.");
    return;
  }
  const Ref* dest = m.Find(*to);
  if (dest == nullptr || dest->kind != (to_page ? Kind::kPage : Kind::kDataSource) ||
      m.Hidden(c, *to)) {
    m.NotFound(c, to_page ? "page" : "data source", *to);
    return;
  }
  if (!m.Allowed(c, *to, kCapInsert, to_page ? "page" : "data source")) return;
  if (to_page) {
    // Not under itself or its own descendants.
    ObjectId at = *to;
    for (int guard = 0; guard < 10'000 && !at.empty(); ++guard) {
      if (at == c.target) {
        c.Fail(400, ApiCode::kValidationError, "A page cannot be moved under itself.");
        return;
      }
      const Ref* r = m.Find(at);
      if (r == nullptr || r->kind != Kind::kPage) break;
      at = m.pages[r->index].parent;
    }
  }
  PageRec& page = m.pages[pi];
  // Out of the old place.
  if (page.parent_kind == ParentKind::kDataSource) {
    if (DataSourceRec* old = m.SourceOf(page)) {
      old->pages.erase(std::remove(old->pages.begin(), old->pages.end(), pi), old->pages.end());
    }
  } else if (const Ref* old = m.Find(page.parent)) {
    if (std::vector<Child>* list = m.ChildrenOf(*old)) {
      list->erase(std::remove(list->begin(), list->end(), Child{Kind::kPage, pi}), list->end());
    }
  }
  page.parent = *to;
  if (to_page) {
    page.parent_kind = ParentKind::kPage;
    m.pages[dest->index].children.push_back(Child{Kind::kPage, pi});
  } else {
    page.parent_kind = ParentKind::kDataSource;
    DataSourceRec& ds = m.data_sources[dest->index];
    ds.pages.push_back(pi);
    page.number = ds.next_number++;
  }
  page.edited_us = c.now_us;
  page.editor = static_cast<std::uint16_t>(c.token);
  m.Commit(c, page.id, ChangeKind::kPageMoved, *to);
  c.object = page.id;
  c.reply.kind = ReplyKind::kObject;
  c.reply.item = Ref{Kind::kPage, pi};
}

void RetrievePageProperty(Core& m, Call& c) {
  const Ref* ref = m.Target(c, Kind::kPage, "page", kCapRead);
  if (ref == nullptr) return;
  const PageRec& page = m.pages[ref->index];
  const std::string& want = c.in.target2_text;
  std::string name;
  if (const DataSourceRec* ds = m.SourceOf(page); ds != nullptr && !ds->schema.empty()) {
    for (const PropertyDef& def : ds->schema) {
      if (def.id == want || def.name == want) name = def.name;
    }
  } else if (page.properties != nullptr && page.properties->is_object()) {
    for (auto it = page.properties->begin(); it != page.properties->end(); ++it) {
      const std::string type = it->contains("title") ? "title" : "";
      if (it.key() == want || PropertyId(it.key(), type) == want ||
          (want == "title" && type == "title")) {
        name = it.key();
      }
    }
  }
  if (name.empty()) {
    c.Fail(404, ApiCode::kObjectNotFound,
           "Could not find property with ID: " + want + " on page " + page.id.ToString() + ".");
    return;
  }
  c.object = page.id;
  c.reply.kind = ReplyKind::kPropertyItem;
  c.reply.item = *ref;
  c.reply.key = name;
  c.reply.position = c.cursor_given ? (c.start_cursor & 0xFFFFFFFFULL) - 1 : 0;
  c.reply.number = c.page_size;
  c.reply.container = page.id;
}

void RetrievePageMarkdown(Core& m, Call& c) {
  const Ref* ref = m.Target(c, Kind::kPage, "page", kCapRead);
  if (ref == nullptr) return;
  c.object = c.target;
  c.reply.kind = ReplyKind::kMarkdown;
  c.reply.item = *ref;
}

namespace {

json TextItem(const std::string& text) {
  return json::array({{{"type", "text"}, {"text", {{"content", text}}}}});
}

// Notion-flavoured markdown to blocks: headings, lists, to-dos, quotes, code fences, dividers
// and paragraphs (one block per line; the inline marks stay as text).
json ParseMarkdown(const std::string& markdown) {
  json blocks = json::array();
  std::istringstream in(markdown);
  std::string line;
  bool in_code = false;
  std::string code, language;
  auto code_block = [&]() {
    blocks.push_back({{"type", "code"},
                      {"code",
                       {{"rich_text", TextItem(code)},
                        {"language", language.empty() ? "plain text" : language}}}});
  };
  while (std::getline(in, line) && blocks.size() < 1000) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("```", 0) == 0) {
      if (in_code) {
        code_block();
        code.clear();
        in_code = false;
      } else {
        in_code = true;
        language = line.substr(3);
      }
      continue;
    }
    if (in_code) {
      if (!code.empty()) code += "\n";
      code += line;
      continue;
    }
    if (line.empty()) continue;
    auto block = [&](const char* type, const std::string& text) {
      blocks.push_back({{"type", type}, {type, {{"rich_text", TextItem(text)}}}});
    };
    if (line == "---") {
      blocks.push_back({{"type", "divider"}, {"divider", json::object()}});
    } else if (line.rfind("#### ", 0) == 0) {
      block("heading_4", line.substr(5));
    } else if (line.rfind("### ", 0) == 0) {
      block("heading_3", line.substr(4));
    } else if (line.rfind("## ", 0) == 0) {
      block("heading_2", line.substr(3));
    } else if (line.rfind("# ", 0) == 0) {
      block("heading_1", line.substr(2));
    } else if (line.rfind("- [ ] ", 0) == 0 || line.rfind("- [x] ", 0) == 0) {
      blocks.push_back(
          {{"type", "to_do"},
           {"to_do", {{"rich_text", TextItem(line.substr(6))}, {"checked", line[3] == 'x'}}}});
    } else if (line.rfind("- ", 0) == 0 || line.rfind("* ", 0) == 0) {
      block("bulleted_list_item", line.substr(2));
    } else if (line.size() > 3 && std::isdigit(static_cast<unsigned char>(line[0])) &&
               line.find(". ") != std::string::npos && line.find(". ") < 4) {
      block("numbered_list_item", line.substr(line.find(". ") + 2));
    } else if (line.rfind("> ", 0) == 0) {
      block("quote", line.substr(2));
    } else {
      block("paragraph", line);
    }
  }
  if (in_code) code_block();
  return blocks;
}

}  // namespace

void UpdatePageMarkdown(Core& m, Call& c) {
  const Ref* ref = m.Target(c, Kind::kPage, "page", kCapUpdate);
  if (ref == nullptr) return;
  const std::uint32_t pi = ref->index;
  if (m.pages[pi].in_trash) {
    c.Fail(400, ApiCode::kValidationError,
           "Can't edit page that is archived. You must unarchive the page before editing.");
    return;
  }
  const json& body = *c.body;
  const std::string type = Str(body, "type");
  static const char* const kTypes[] = {"insert_content", "replace_content_range", "update_content",
                                       "replace_content"};
  if (std::find(std::begin(kTypes), std::end(kTypes), type) == std::end(kTypes)) {
    c.Fail(400, ApiCode::kValidationError,
           "body failed validation: body.type should be one of `insert_content`, "
           "`replace_content_range`, `update_content`, `replace_content`, instead was `" +
               Quoted(Field(body, "type")) + "`.");
    return;
  }
  const json& args = Field(body, type);
  if (!args.is_object()) {
    c.Fail(400, ApiCode::kValidationError,
           "body failed validation: body." + type + " should be defined, instead was `undefined`.");
    return;
  }
  PageRec& page = m.pages[pi];
  std::string current = m.Markdown(page.children, 0);
  std::string next;
  bool append_only = false;
  if (type == "insert_content") {
    if (!Field(args, "content").is_string()) {
      c.Fail(400, ApiCode::kValidationError,
             "body failed validation: body.insert_content.content should be a string.");
      return;
    }
    const std::string content = Str(args, "content");
    const std::string after = Str(args, "after");
    if (!after.empty()) {
      const std::size_t at = current.find(after);
      if (at == std::string::npos) {
        c.Fail(400, ApiCode::kValidationError,
               "body.insert_content.after does not match the page's content.");
        return;
      }
      std::size_t end = current.find('\n', at + after.size());
      end = end == std::string::npos ? current.size() : end + 1;
      next = current.substr(0, end) + content + "\n" + current.substr(end);
    } else if (Str(Field(args, "position"), "type") == "start") {
      next = content + "\n" + current;
    } else {
      append_only = true;
      next = content;
    }
  } else if (type == "replace_content") {
    next = Str(args, "new_str");
  } else if (type == "replace_content_range") {
    const std::string range = Str(args, "content_range");
    const std::size_t dots = range.find("...");
    std::size_t from = std::string::npos, to = std::string::npos;
    if (dots == std::string::npos) {
      from = current.find(range);
      to = from == std::string::npos ? from : from + range.size();
    } else {
      from = current.find(range.substr(0, dots));
      const std::string tail = range.substr(dots + 3);
      if (from != std::string::npos) {
        to = current.find(tail, from);
        if (to != std::string::npos) to += tail.size();
      }
    }
    if (from == std::string::npos || to == std::string::npos) {
      c.Fail(400, ApiCode::kValidationError,
             "body.replace_content_range.content_range does not match the page's content.");
      return;
    }
    next = current.substr(0, from) + Str(args, "content") + current.substr(to);
  } else {
    next = current;
    const json& updates = Field(args, "content_updates");
    if (!updates.is_array()) {
      c.Fail(400, ApiCode::kValidationError,
             "body failed validation: body.update_content.content_updates should be an array.");
      return;
    }
    for (const json& u : updates) {
      const std::string old_str = Str(u, "old_str");
      const std::size_t at = old_str.empty() ? std::string::npos : next.find(old_str);
      if (at == std::string::npos) {
        c.Fail(400, ApiCode::kValidationError,
               "body.update_content.content_updates: old_str does not match the page's "
               "content.");
        return;
      }
      const std::string new_str = Str(u, "new_str");
      if (Field(u, "replace_all_matches") == true) {
        for (std::size_t p = next.find(old_str); p != std::string::npos;
             p = next.find(old_str, p + new_str.size())) {
          next.replace(p, old_str.size(), new_str);
        }
      } else {
        next.replace(at, old_str.size(), new_str);
      }
    }
  }
  auto parsed = Own(ParseMarkdown(next));
  c.owner = parsed;
  if (!append_only) {
    for (const Child& ch : page.children) {
      if (ch.kind == Kind::kBlock) m.blocks[ch.index].in_trash = true;
    }
    std::vector<Child> kept;
    for (const Child& ch : page.children) {
      if (ch.kind != Kind::kBlock) kept.push_back(ch);
    }
    page.children = std::move(kept);
  }
  const ObjectId id = page.id;
  std::vector<Child>& list = m.pages[pi].children;
  m.AppendChildren(c, &list, SIZE_MAX, ParentKind::kPage, id, *parsed, nullptr);
  m.pages[pi].edited_us = c.now_us;
  m.pages[pi].editor = static_cast<std::uint16_t>(c.token);
  m.Commit(c, id, ChangeKind::kPageContentUpdated, m.pages[pi].parent);
  c.object = id;
  c.reply.kind = ReplyKind::kMarkdown;
  c.reply.item = Ref{Kind::kPage, pi};
}

}  // namespace notion_sim::sim
