// Notion's JSON shapes for the HTTP door (docs/sources.md#protocol-headers-versions-pagination).
// Only HandleHttp renders; the in-process door never reaches this file.
#include <cstdio>

#include "core.h"

namespace notion_sim::sim {

using engine::ObjectId;
using nlohmann::json;

namespace {

const char* const kPropertyTypes[] = {
    "title", "rich_text",    "number",       "checkbox", "select", "status", "date",   "url",
    "email", "phone_number", "multi_select", "relation", "people", "files",  "formula"};

json RichText(const json& items) {
  json out = json::array();
  if (!items.is_array()) return out;
  for (const json& item : items) {
    if (!item.is_object()) continue;
    json r = item;
    std::string plain;
    if (auto t = item.find("text"); t != item.end() && t->is_object()) {
      r["type"] = "text";
      json text = *t;
      if (!text.contains("link")) text["link"] = nullptr;
      plain = Str(text, "content");
      r["text"] = std::move(text);
      r["href"] = t->contains("link") && (*t)["link"].is_object() ? json(Str((*t)["link"], "url"))
                                                                  : json(nullptr);
    } else if (auto e = item.find("equation"); e != item.end() && e->is_object()) {
      r["type"] = "equation";
      plain = Str(*e, "expression");
      r["href"] = nullptr;
    }
    if (!r.contains("annotations")) {
      r["annotations"] = {{"bold", false},      {"italic", false}, {"strikethrough", false},
                          {"underline", false}, {"code", false},   {"color", "default"}};
    }
    r["plain_text"] = plain;
    out.push_back(std::move(r));
  }
  return out;
}

std::string PropertyId(const std::string& name, const std::string& type) {
  if (type == "title") return "title";
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04llx",
                static_cast<unsigned long long>(engine::HashString(name) & 0xFFFF));
  return buf;
}

json RenderProperties(const json* props) {
  json out = json::object();
  if (props == nullptr || !props->is_object()) return out;
  for (auto it = props->begin(); it != props->end(); ++it) {
    if (!it->is_object()) continue;
    std::string type;
    for (const char* t : kPropertyTypes) {
      if (it->contains(t)) {
        type = t;
        break;
      }
    }
    json v = *it;
    if (type.empty()) {
      out[it.key()] = std::move(v);
      continue;
    }
    if (type == "title" || type == "rich_text") v[type] = RichText((*it)[type]);
    v["type"] = type;
    if (!v.contains("id")) v["id"] = PropertyId(it.key(), type);
    out[it.key()] = std::move(v);
  }
  return out;
}

std::string Hex32(const ObjectId& id) {
  std::string s = id.ToString();
  std::string out;
  for (char ch : s) {
    if (ch != '-') out += ch;
  }
  return out;
}

json TitleArray(const std::string& title) {
  return RichText(json::array({{{"text", {{"content", title}}}}}));
}

}  // namespace

std::string FakeNotion::Impl::Iso(TimeUs at_us) const {
  const std::int64_t ms_total = at_us / kUsPerMs;
  const Civil c = CivilFromUnix(config.workspace.epoch_unix_s + ms_total / 1000);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ",
                static_cast<long long>(c.year), c.month, c.day,
                static_cast<long long>(c.second_of_day / 3600),
                static_cast<long long>(c.second_of_day / 60 % 60),
                static_cast<long long>(c.second_of_day % 60),
                static_cast<long long>(ms_total % 1000));
  return buf;
}

json FakeNotion::Impl::UserRef(int token) const {
  const ObjectId id = token >= 0 && static_cast<std::size_t>(token) < tokens.size()
                          ? tokens[static_cast<std::size_t>(token)].bot
                          : ObjectId{};
  return {{"object", "user"}, {"id", id.ToString()}};
}

std::string FakeNotion::Impl::Title(const PageRec& page) const {
  const json* props = page.properties.get();
  if (props == nullptr || !props->is_object()) return "";
  for (auto it = props->begin(); it != props->end(); ++it) {
    if (!it->is_object()) continue;
    auto t = it->find("title");
    if (t == it->end() || !t->is_array()) continue;
    std::string out;
    for (const json& item : *t) {
      if (item.is_object() && item.contains("text") && item["text"].is_object()) {
        out += Str(item["text"], "content");
      }
    }
    return out;
  }
  return "";
}

json FakeNotion::Impl::RenderPage(const PageRec& p, ApiVersion version) const {
  json parent;
  switch (p.parent_kind) {
    case ParentKind::kWorkspace:
      parent = {{"type", "workspace"}, {"workspace", true}};
      break;
    case ParentKind::kPage:
      parent = {{"type", "page_id"}, {"page_id", p.parent.ToString()}};
      break;
    case ParentKind::kBlock:
      parent = {{"type", "block_id"}, {"block_id", p.parent.ToString()}};
      break;
    case ParentKind::kDataSource: {
      const Ref* r = Find(p.parent);
      const ObjectId db = r != nullptr ? databases[data_sources[r->index].database].id : ObjectId{};
      if (version == ApiVersion::k20220628) {
        parent = {{"type", "database_id"}, {"database_id", db.ToString()}};
      } else {
        parent = {{"type", "data_source_id"},
                  {"data_source_id", p.parent.ToString()},
                  {"database_id", db.ToString()}};
      }
      break;
    }
  }
  json j = {{"object", "page"},
            {"id", p.id.ToString()},
            {"created_time", Iso(p.created_us)},
            {"last_edited_time", Iso(p.edited_us)},
            {"created_by", UserRef(p.creator)},
            {"last_edited_by", UserRef(p.creator)},
            {"cover", nullptr},
            {"icon", nullptr},
            {"parent", std::move(parent)},
            {"in_trash", p.in_trash},
            {"is_locked", false},
            {"properties", RenderProperties(p.properties.get())},
            {"url", "https://www.notion.so/" + Hex32(p.id)},
            {"public_url", nullptr}};
  if (version != ApiVersion::k20260311) {
    j["archived"] = p.in_trash;
    j["is_archived"] = p.in_trash;
  }
  return j;
}

json FakeNotion::Impl::RenderBlock(const BlockRec& b, ApiVersion version) const {
  json parent = b.parent_kind == ParentKind::kPage
                    ? json{{"type", "page_id"}, {"page_id", b.parent.ToString()}}
                    : json{{"type", "block_id"}, {"block_id", b.parent.ToString()}};
  std::string type = "paragraph";
  json content = json::object();
  if (b.content != nullptr && b.content->is_object()) {
    const json& src = *b.content;
    if (auto t = src.find("type"); t != src.end() && t->is_string()) {
      type = t->get<std::string>();
    } else {
      for (auto it = src.begin(); it != src.end(); ++it) {
        if (it.key() != "object" && it.key() != "id") {
          type = it.key();
          break;
        }
      }
    }
    if (auto c = src.find(type); c != src.end() && c->is_object()) {
      content = *c;
      content.erase("children");
      if (content.contains("rich_text")) content["rich_text"] = RichText(content["rich_text"]);
    }
  }
  bool has_children = false;
  for (std::uint32_t ci : b.children) has_children = has_children || !blocks[ci].in_trash;
  json j = {{"object", "block"},
            {"id", b.id.ToString()},
            {"parent", std::move(parent)},
            {"created_time", Iso(b.created_us)},
            {"last_edited_time", Iso(b.edited_us)},
            {"created_by", UserRef(b.creator)},
            {"last_edited_by", UserRef(b.creator)},
            {"has_children", has_children},
            {"in_trash", b.in_trash},
            {"type", type},
            {type, std::move(content)}};
  if (version != ApiVersion::k20260311) j["archived"] = b.in_trash;
  return j;
}

json FakeNotion::Impl::RenderPageAsBlock(const PageRec& p, ApiVersion version) const {
  json parent = p.parent_kind == ParentKind::kPage
                    ? json{{"type", "page_id"}, {"page_id", p.parent.ToString()}}
                    : json{{"type", "workspace"}, {"workspace", true}};
  bool has_children = false;
  for (std::uint32_t ci : p.children) has_children = has_children || !blocks[ci].in_trash;
  json j = {{"object", "block"},
            {"id", p.id.ToString()},
            {"parent", std::move(parent)},
            {"created_time", Iso(p.created_us)},
            {"last_edited_time", Iso(p.edited_us)},
            {"created_by", UserRef(p.creator)},
            {"last_edited_by", UserRef(p.creator)},
            {"has_children", has_children},
            {"in_trash", p.in_trash},
            {"type", "child_page"},
            {"child_page", {{"title", Title(p)}}}};
  if (version != ApiVersion::k20260311) j["archived"] = p.in_trash;
  return j;
}

json FakeNotion::Impl::RenderDataSource(const DataSourceRec& ds, ApiVersion version) const {
  json props = json::object();
  for (const PropertySpec& p : ds.schema) {
    props[p.name] = {{"id", PropertyId(p.name, p.type)},
                     {"name", p.name},
                     {"type", p.type},
                     {p.type, json::object()}};
  }
  const ObjectId db = databases[ds.database].id;
  json j = {{"object", "data_source"},
            {"id", ds.id.ToString()},
            {"title", TitleArray(ds.title)},
            {"description", json::array()},
            {"parent", {{"type", "database_id"}, {"database_id", db.ToString()}}},
            {"database_parent", {{"type", "workspace"}, {"workspace", true}}},
            {"properties", std::move(props)},
            {"created_time", Iso(ds.created_us)},
            {"last_edited_time", Iso(ds.edited_us)},
            {"in_trash", ds.in_trash},
            {"url", "https://www.notion.so/" + Hex32(db)}};
  if (version != ApiVersion::k20260311) j["archived"] = ds.in_trash;
  return j;
}

json FakeNotion::Impl::RenderDatabase(const DatabaseRec& db, ApiVersion version) const {
  json j = {{"object", "database"},
            {"id", db.id.ToString()},
            {"title", TitleArray(db.title)},
            {"description", json::array()},
            {"parent", {{"type", "workspace"}, {"workspace", true}}},
            {"is_inline", false},
            {"created_time", Iso(db.created_us)},
            {"last_edited_time", Iso(db.created_us)},
            {"in_trash", db.in_trash},
            {"url", "https://www.notion.so/" + Hex32(db.id)},
            {"public_url", nullptr}};
  if (version != ApiVersion::k20260311) j["archived"] = db.in_trash;
  if (version == ApiVersion::k20220628) {
    // The single data source's schema, as the old API showed it on the database.
    json props = json::object();
    if (db.data_sources.size() == 1) {
      for (const PropertySpec& p : data_sources[db.data_sources[0]].schema) {
        props[p.name] = {{"id", PropertyId(p.name, p.type)},
                         {"name", p.name},
                         {"type", p.type},
                         {p.type, json::object()}};
      }
    }
    j["properties"] = std::move(props);
  } else {
    json sources = json::array();
    for (std::uint32_t i : db.data_sources) {
      sources.push_back({{"id", data_sources[i].id.ToString()}, {"name", data_sources[i].title}});
    }
    j["data_sources"] = std::move(sources);
  }
  return j;
}

json FakeNotion::Impl::RenderUser(const UserRec& u) const {
  if (u.token >= 0) {
    return {{"object", "user"},
            {"id", u.id.ToString()},
            {"type", "bot"},
            {"name", u.name},
            {"avatar_url", nullptr},
            {"bot",
             {{"owner", {{"type", "workspace"}, {"workspace", true}}},
              {"workspace_name", "notion-sim"}}}};
  }
  return {{"object", "user"}, {"id", u.id.ToString()}, {"type", "person"},
          {"name", u.name},   {"avatar_url", nullptr}, {"person", {{"email", u.email}}}};
}

json FakeNotion::Impl::List(json results, const Call& c, std::string_view type,
                            const ObjectId& container) const {
  json j = {
      {"object", "list"},
      {"results", std::move(results)},
      {"next_cursor", c.has_more ? json(CursorText(c.next_cursor, container)) : json(nullptr)},
      {"has_more", c.has_more},
      {"type", std::string(type)},
      {std::string(type), json::object()}};
  return j;
}

// Cursors are 128 bits in UUID form: the position masked by a secret, and a check value bound to
// the list they came from. Clients cannot read them; garbage or a cursor from another list fails
// the check (a validation_error, never a crash).
std::string FakeNotion::Impl::CursorText(std::uint64_t cursor, const ObjectId& container) const {
  const ObjectId text{cursor ^ cursor_secret_a,
                      engine::Mix64(cursor ^ cursor_secret_b ^ engine::ObjectIdHash{}(container))};
  return text.ToString();
}

std::optional<std::uint64_t> FakeNotion::Impl::ParseCursor(std::string_view text,
                                                           const ObjectId& container) const {
  std::optional<ObjectId> id = ObjectId::Parse(text);
  if (!id) return std::nullopt;
  const std::uint64_t cursor = id->hi ^ cursor_secret_a;
  if (cursor == 0 || (cursor & 0xFFFFFFFFULL) == 0) return std::nullopt;
  if (id->lo != engine::Mix64(cursor ^ cursor_secret_b ^ engine::ObjectIdHash{}(container))) {
    return std::nullopt;
  }
  return cursor;
}

}  // namespace notion_sim::sim
