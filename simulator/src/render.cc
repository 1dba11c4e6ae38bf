// Notion's JSON shapes for the HTTP door, from the typed replies the operations give: pages with
// every property of their schema, blocks with every default, rich text complete everywhere (all
// six annotations, plain_text, href), lists with opaque cursors. Only the HTTP door renders; the
// in-process door never reaches this file.
#include <cstdio>

#include "core.h"

namespace notion_sim::sim {

using engine::ObjectId;
using nlohmann::json;

namespace {

const char* const kValueTypes[] = {
    "title",          "rich_text", "number",       "checkbox",   "select",
    "status",         "date",      "url",          "email",      "phone_number",
    "multi_select",   "relation",  "people",       "files",      "formula",
    "rollup",         "unique_id", "created_time", "created_by", "last_edited_time",
    "last_edited_by", "button",    "verification", "place"};

json Annotations(const json& given) {
  json a = {{"bold", false},      {"italic", false}, {"strikethrough", false},
            {"underline", false}, {"code", false},   {"color", "default"}};
  if (given.is_object()) {
    for (auto it = given.begin(); it != given.end(); ++it) {
      if (a.contains(it.key()) && (it->is_boolean() || it->is_string())) a[it.key()] = *it;
    }
  }
  return a;
}

std::string Url(const ObjectId& id) { return "https://www.notion.so/" + Hex32(id); }

}  // namespace

// Rich text as Notion answers it: a type, the typed content, all six annotations, plain_text and
// href.
json RichText(const Core& m, const json& items) {
  json out = json::array();
  if (!items.is_array()) return out;
  for (const json& item : items) {
    if (!item.is_object()) continue;
    json r;
    std::string plain;
    json href = nullptr;
    if (const json& t = Field(item, "text"); t.is_object()) {
      r["type"] = "text";
      json link = nullptr;
      if (const json& l = Field(t, "link"); l.is_object() && Field(l, "url").is_string()) {
        link = {{"url", Str(l, "url")}};
        href = Str(l, "url");
      }
      plain = Str(t, "content");
      r["text"] = {{"content", plain}, {"link", link}};
    } else if (const json& e = Field(item, "equation"); e.is_object()) {
      r["type"] = "equation";
      plain = Str(e, "expression");
      r["equation"] = {{"expression", plain}};
    } else if (const json& mn = Field(item, "mention"); mn.is_object()) {
      r["type"] = "mention";
      json mention = mn;
      std::string type = Str(mn, "type");
      if (type.empty()) {
        for (const char* k : {"user", "date", "page", "database", "template_mention",
                              "custom_emoji", "link_preview", "link_mention"}) {
          if (mn.contains(k)) type = k;
        }
      }
      mention["type"] = type;
      if (type == "page" || type == "database") {
        const std::optional<ObjectId> id = ObjectId::Parse(Str(Field(mn, type.c_str()), "id"));
        const ObjectId target = id.value_or(ObjectId{});
        mention[type] = {{"id", target.ToString()}};
        const Ref* ref = m.Find(target);
        plain = ref != nullptr && ref->kind == Kind::kPage       ? m.Title(m.pages[ref->index])
                : ref != nullptr && ref->kind == Kind::kDatabase ? m.databases[ref->index].title
                                                                 : "Untitled";
        href = Url(target);
      } else if (type == "user") {
        const std::optional<ObjectId> id = ObjectId::Parse(Str(Field(mn, "user"), "id"));
        mention["user"] = {{"object", "user"}, {"id", id.value_or(ObjectId{}).ToString()}};
        const Ref* ref = id ? m.Find(*id) : nullptr;
        plain = "@" + (ref != nullptr && ref->kind == Kind::kUser ? m.users[ref->index].name
                                                                  : std::string("Anonymous"));
      } else if (type == "date") {
        const json& d = Field(mn, "date");
        mention["date"] = {{"start", Str(d, "start")},
                           {"end", Field(d, "end").is_string() ? Field(d, "end") : json(nullptr)},
                           {"time_zone", Field(d, "time_zone").is_string() ? Field(d, "time_zone")
                                                                           : json(nullptr)}};
        plain = Str(d, "start");
      } else if (type == "template_mention") {
        const json& tm = Field(mn, "template_mention");
        plain = Str(tm, "template_mention_date").empty() ? "@me"
                                                         : "@" + Str(tm, "template_mention_date");
      } else if (type == "custom_emoji") {
        plain = ":" + Str(Field(mn, "custom_emoji"), "name") + ":";
      } else if (type == "link_preview" || type == "link_mention") {
        plain = Str(Field(mn, type.c_str()), type == "link_preview" ? "url" : "href");
        href = plain;
      }
      r["mention"] = std::move(mention);
    } else {
      continue;
    }
    r["annotations"] = Annotations(Field(item, "annotations"));
    r["plain_text"] = plain;
    r["href"] = std::move(href);
    out.push_back(std::move(r));
  }
  return out;
}

std::string Core::Iso(TimeUs at_us) const { return IsoTime(config.workspace.epoch_unix_s, at_us); }

json Core::UserRef(int token) const {
  const ObjectId id = token >= 0 && static_cast<std::size_t>(token) < tokens.size()
                          ? tokens[static_cast<std::size_t>(token)].bot
                          : ObjectId{};
  return {{"object", "user"}, {"id", id.ToString()}};
}

std::string Core::Title(const PageRec& page) const {
  const json* props = page.properties.get();
  if (props == nullptr || !props->is_object()) return "";
  for (auto it = props->begin(); it != props->end(); ++it) {
    const json& t = Field(*it, "title");
    if (t.is_array()) return PlainText(t);
  }
  return "";
}

json Core::RenderFileObject(const json& file) const {
  // An uploaded file (a file_upload reference, or a Notion-hosted file) or an external URL.
  if (const json& up = Field(file, "file_upload"); up.is_object()) {
    const std::optional<ObjectId> id = ObjectId::Parse(Str(up, "id"));
    const Ref* ref = id ? Find(*id) : nullptr;
    std::string name = "file";
    if (ref != nullptr && ref->kind == Kind::kFileUpload) name = file_uploads[ref->index].filename;
    return {{"type", "file"},
            {"file",
             {{"url", "https://prod-files-secure.s3.us-west-2.amazonaws.com/notion-sim/" +
                          id.value_or(ObjectId{}).ToString() + "/" + name},
              {"expiry_time", Iso(clock.NowUs() + Min(60))}}}};
  }
  if (const json& f = Field(file, "file"); f.is_object()) {
    return {{"type", "file"},
            {"file",
             {{"url", Str(f, "url")},
              {"expiry_time", Field(f, "expiry_time").is_string()
                                  ? Field(f, "expiry_time")
                                  : json(Iso(clock.NowUs() + Min(60)))}}}};
  }
  return {{"type", "external"}, {"external", {{"url", Str(Field(file, "external"), "url")}}}};
}

json Core::RenderIcon(const engine::Payload& icon) const {
  if (icon == nullptr || !icon->is_object()) return nullptr;
  const json& i = *icon;
  if (const json& e = Field(i, "emoji"); e.is_string()) return {{"type", "emoji"}, {"emoji", e}};
  if (const json& ce = Field(i, "custom_emoji"); ce.is_object()) {
    return {{"type", "custom_emoji"},
            {"custom_emoji",
             {{"id", Str(ce, "id")}, {"name", Str(ce, "name")}, {"url", Str(ce, "url")}}}};
  }
  if (const json& ic = Field(i, "icon"); ic.is_object()) {
    return {{"type", "icon"},
            {"icon",
             {{"name", Str(ic, "name")},
              {"color", Str(ic, "color").empty() ? "gray" : Str(ic, "color")}}}};
  }
  return RenderFileObject(i);
}

// A property value in Notion's shape, given its schema entry (may be null: a page outside a
// schema) and the stored value (may be null: an empty property).
json Core::RenderPropertyValue(const PageRec& page, const PropertyDef* def, const std::string& name,
                               const json* raw) const {
  std::string type = def != nullptr ? def->type : "";
  if (type.empty() && raw != nullptr && raw->is_object()) {
    for (const char* t : kValueTypes) {
      if (raw->contains(t)) {
        type = t;
        break;
      }
    }
  }
  if (type.empty()) type = "rich_text";
  const json& v = raw != nullptr ? Field(*raw, type) : Field(json(), "");
  json out = {{"id", def != nullptr ? def->id : PropertyId(name, type)}, {"type", type}};
  if (type == "title" || type == "rich_text") {
    out[type] = RichText(*this, v);
  } else if (type == "number") {
    out[type] = v.is_number() ? v : json(nullptr);
  } else if (type == "checkbox") {
    out[type] = v.is_boolean() ? v : json(false);
  } else if (type == "url" || type == "email" || type == "phone_number") {
    out[type] = v.is_string() ? v : json(nullptr);
  } else if (type == "select" || type == "status" || type == "multi_select") {
    const json options = def != nullptr ? Field(def->config, "options") : json();
    auto option = [&](const json& o) -> json {
      const std::string want_name = Str(o, "name");
      const std::string want_id = Str(o, "id");
      if (options.is_array()) {
        for (const json& opt : options) {
          if ((!want_name.empty() && Str(opt, "name") == want_name) ||
              (!want_id.empty() && Str(opt, "id") == want_id)) {
            return {
                {"id", Str(opt, "id")}, {"name", Str(opt, "name")}, {"color", Str(opt, "color")}};
          }
        }
      }
      char id[16];
      std::snprintf(id, sizeof id, "%08llx",
                    static_cast<unsigned long long>(engine::HashString(name + "/" + want_name) &
                                                    0xFFFFFFFFULL));
      return {{"id", want_id.empty() ? std::string(id) : want_id},
              {"name", want_name},
              {"color", Str(o, "color").empty() ? "default" : Str(o, "color")}};
    };
    if (type == "multi_select") {
      json list = json::array();
      if (v.is_array()) {
        for (const json& o : v) list.push_back(option(o));
      }
      out[type] = std::move(list);
    } else {
      out[type] = v.is_object() ? option(v) : json(nullptr);
    }
  } else if (type == "date") {
    out[type] = v.is_object()
                    ? json{{"start", Str(v, "start")},
                           {"end", Field(v, "end").is_string() ? Field(v, "end") : json(nullptr)},
                           {"time_zone", Field(v, "time_zone").is_string() ? Field(v, "time_zone")
                                                                           : json(nullptr)}}
                    : json(nullptr);
  } else if (type == "people") {
    json list = json::array();
    if (v.is_array()) {
      for (const json& u : v) {
        const std::string object = Str(u, "object").empty() ? "user" : Str(u, "object");
        if (object == "group") {
          list.push_back(
              {{"object", "group"},
               {"id", Str(u, "id")},
               {"name", Field(u, "name").is_string() ? Field(u, "name") : json(nullptr)}});
        } else {
          list.push_back({{"object", "user"}, {"id", Str(u, "id")}});
        }
      }
    }
    out[type] = std::move(list);
  } else if (type == "relation") {
    json list = json::array();
    if (v.is_array()) {
      for (const json& r : v) list.push_back({{"id", Str(r, "id")}});
    }
    out[type] = std::move(list);
    out["has_more"] = false;
  } else if (type == "files") {
    json list = json::array();
    if (v.is_array()) {
      for (const json& f : v) {
        json file = RenderFileObject(f);
        std::string fname = Str(f, "name");
        if (fname.empty() && Field(f, "file_upload").is_object()) {
          const std::optional<ObjectId> id = ObjectId::Parse(Str(Field(f, "file_upload"), "id"));
          const Ref* ref = id ? Find(*id) : nullptr;
          if (ref != nullptr && ref->kind == Kind::kFileUpload) {
            fname = file_uploads[ref->index].filename;
          }
        }
        file["name"] = fname;
        list.push_back(std::move(file));
      }
    }
    out[type] = std::move(list);
  } else if (type == "formula") {
    // Formulas are not evaluated: an empty string.
    out[type] = {{"type", "string"}, {"string", nullptr}};
  } else if (type == "rollup") {
    const std::string function = def != nullptr && Field(def->config, "function").is_string()
                                     ? Str(def->config, "function")
                                     : "count";
    out[type] = {{"type", "number"}, {"number", 0}, {"function", function}};
  } else if (type == "unique_id") {
    out[type] = {{"prefix", def != nullptr ? Field(def->config, "prefix") : json(nullptr)},
                 {"number", page.number == 0 ? json(nullptr) : json(page.number)}};
  } else if (type == "created_time") {
    out[type] = Iso(page.created_us);
  } else if (type == "last_edited_time") {
    out[type] = Iso(page.edited_us);
  } else if (type == "created_by") {
    out[type] = UserRef(page.creator);
  } else if (type == "last_edited_by") {
    out[type] = UserRef(page.editor);
  } else if (type == "button") {
    out[type] = json::object();
  } else if (type == "verification") {
    out[type] = {{"state", "unverified"}, {"date", nullptr}, {"verified_by", nullptr}};
  } else if (type == "place") {
    out[type] = v.is_object() ? v : json(nullptr);
  } else {
    out[type] = v;
  }
  return out;
}

json Core::RenderPage(const PageRec& p, ApiVersion version,
                      const std::vector<std::string>& only) const {
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
    case ParentKind::kDatabase:
      parent = {{"type", "database_id"}, {"database_id", p.parent.ToString()}};
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
  auto wanted = [&](const std::string& id, const std::string& name) {
    if (only.empty()) return true;
    for (const std::string& o : only) {
      if (o == id || o == name) return true;
    }
    return false;
  };
  json props = json::object();
  const json* stored =
      p.properties != nullptr && p.properties->is_object() ? p.properties.get() : nullptr;
  const DataSourceRec* ds = SourceOf(p);
  if (ds != nullptr && !ds->schema.empty()) {
    // Every property of the schema, empty ones included.
    for (const PropertyDef& def : ds->schema) {
      if (!wanted(def.id, def.name)) continue;
      const json* raw = nullptr;
      if (stored != nullptr) {
        auto it = stored->find(def.name);
        if (it == stored->end()) it = stored->find(def.id);
        if (it != stored->end() && it->is_object()) raw = &*it;
      }
      props[def.name] = RenderPropertyValue(p, &def, def.name, raw);
    }
  } else if (stored != nullptr) {
    for (auto it = stored->begin(); it != stored->end(); ++it) {
      if (!it->is_object()) continue;
      json v = RenderPropertyValue(p, nullptr, it.key(), &*it);
      if (!wanted(v["id"].get<std::string>(), it.key())) continue;
      props[it.key()] = std::move(v);
    }
  }
  if (ds == nullptr && props.empty() && only.empty()) {
    props["title"] = {{"id", "title"}, {"type", "title"}, {"title", json::array()}};
  }
  json j = {{"object", "page"},
            {"id", p.id.ToString()},
            {"created_time", Iso(p.created_us)},
            {"last_edited_time", Iso(p.edited_us)},
            {"created_by", UserRef(p.creator)},
            {"last_edited_by", UserRef(p.editor)},
            {"cover", RenderIcon(p.cover)},
            {"icon", RenderIcon(p.icon)},
            {"parent", std::move(parent)},
            {"in_trash", p.in_trash},
            {"is_locked", p.is_locked},
            {"properties", std::move(props)},
            {"url", Url(p.id)},
            {"public_url", nullptr}};
  if (version != ApiVersion::k20260311) {
    j["archived"] = p.in_trash;
    j["is_archived"] = p.in_trash;
  }
  return j;
}

namespace {

json ParentOfBlock(ParentKind kind, const ObjectId& parent) {
  switch (kind) {
    case ParentKind::kPage:
      return {{"type", "page_id"}, {"page_id", parent.ToString()}};
    case ParentKind::kBlock:
      return {{"type", "block_id"}, {"block_id", parent.ToString()}};
    default:
      return {{"type", "workspace"}, {"workspace", true}};
  }
}

}  // namespace

json Core::RenderBlock(const BlockRec& b, ApiVersion version) const {
  std::string type = "paragraph";
  json src_content = json::object();
  if (b.content != nullptr && b.content->is_object()) {
    const json& src = *b.content;
    if (auto t = src.find("type"); t != src.end() && t->is_string()) {
      type = t->get<std::string>();
    } else {
      for (auto it = src.begin(); it != src.end(); ++it) {
        if (it.key() != "object" && it.key() != "id" && it->is_object()) {
          type = it.key();
          break;
        }
      }
    }
    if (const json& c = Field(src, type); c.is_object()) src_content = c;
  }
  src_content.erase("children");
  json content = json::object();
  const std::string color =
      Str(src_content, "color").empty() ? "default" : Str(src_content, "color");
  auto text = [&]() { return RichText(*this, Field(src_content, "rich_text")); };
  auto caption = [&]() { return RichText(*this, Field(src_content, "caption")); };
  if (type == "paragraph" || type == "bulleted_list_item" || type == "numbered_list_item" ||
      type == "quote" || type == "toggle") {
    content = {{"rich_text", text()}, {"color", color}};
    if (type == "paragraph") content["icon"] = RenderIcon(Own(Field(src_content, "icon")));
  } else if (type.rfind("heading_", 0) == 0) {
    content = {{"rich_text", text()},
               {"color", color},
               {"is_toggleable", Field(src_content, "is_toggleable") == true}};
  } else if (type == "to_do") {
    content = {{"rich_text", text()},
               {"checked", Field(src_content, "checked") == true},
               {"color", color}};
  } else if (type == "callout") {
    content = {{"rich_text", text()},
               {"color", color},
               {"icon", RenderIcon(Own(Field(src_content, "icon")))}};
  } else if (type == "template") {
    content = {{"rich_text", text()}};
  } else if (type == "code") {
    content = {{"rich_text", text()},
               {"caption", caption()},
               {"language", Str(src_content, "language").empty() ? "plain text"
                                                                 : Str(src_content, "language")}};
  } else if (type == "equation") {
    content = {{"expression", Str(src_content, "expression")}};
  } else if (type == "divider" || type == "breadcrumb" || type == "column_list" || type == "tab") {
    content = json::object();
  } else if (type == "table_of_contents") {
    content = {{"color", color}};
  } else if (type == "column") {
    content = json::object();
    if (Field(src_content, "width_ratio").is_number()) {
      content["width_ratio"] = src_content["width_ratio"];
    }
  } else if (type == "table") {
    content = {{"table_width", Field(src_content, "table_width").is_number_integer()
                                   ? src_content["table_width"]
                                   : json(1)},
               {"has_column_header", Field(src_content, "has_column_header") == true},
               {"has_row_header", Field(src_content, "has_row_header") == true}};
  } else if (type == "table_row") {
    json cells = json::array();
    if (const json& given = Field(src_content, "cells"); given.is_array()) {
      for (const json& cell : given) cells.push_back(RichText(*this, cell));
    }
    content = {{"cells", std::move(cells)}};
  } else if (type == "embed" || type == "bookmark") {
    content = {{"url", Str(src_content, "url")}, {"caption", caption()}};
  } else if (type == "link_preview") {
    content = {{"url", Str(src_content, "url")}};
  } else if (type == "image" || type == "video" || type == "pdf" || type == "file" ||
             type == "audio") {
    content = RenderFileObject(src_content);
    content["caption"] = caption();
    if (type == "file") {
      std::string name = Str(src_content, "name");
      if (name.empty()) {
        const std::string url = content["type"] == "external" ? Str(content["external"], "url")
                                                              : Str(content["file"], "url");
        name = url.substr(url.find_last_of('/') + 1);
      }
      content["name"] = name;
    }
  } else if (type == "synced_block") {
    const json& from = Field(src_content, "synced_from");
    content = {{"synced_from", from.is_object()
                                   ? json{{"type", "block_id"}, {"block_id", Str(from, "block_id")}}
                                   : json(nullptr)}};
  } else if (type == "link_to_page") {
    content = src_content;
    for (const char* k : {"page_id", "database_id", "comment_id"}) {
      if (src_content.contains(k)) content["type"] = k;
    }
  } else if (type == "meeting_notes" || type == "transcription") {
    content = src_content;
    if (content.contains("title")) content["title"] = RichText(*this, content["title"]);
  } else {
    content = src_content;
  }
  json j = {{"object", "block"},
            {"id", b.id.ToString()},
            {"parent", ParentOfBlock(b.parent_kind, b.parent)},
            {"created_time", Iso(b.created_us)},
            {"last_edited_time", Iso(b.edited_us)},
            {"created_by", UserRef(b.creator)},
            {"last_edited_by", UserRef(b.editor)},
            {"has_children", HasChildren(b.children)},
            {"in_trash", b.in_trash},
            {"type", type},
            {type, std::move(content)}};
  if (version != ApiVersion::k20260311) j["archived"] = b.in_trash;
  return j;
}

json Core::RenderAsBlock(const Ref& ref, ApiVersion version) const {
  json j;
  if (ref.kind == Kind::kPage) {
    const PageRec& p = pages[ref.index];
    j = {{"object", "block"},
         {"id", p.id.ToString()},
         {"parent", ParentOfBlock(p.parent_kind, p.parent)},
         {"created_time", Iso(p.created_us)},
         {"last_edited_time", Iso(p.edited_us)},
         {"created_by", UserRef(p.creator)},
         {"last_edited_by", UserRef(p.editor)},
         {"has_children", HasChildren(p.children)},
         {"in_trash", p.in_trash},
         {"type", "child_page"},
         {"child_page", {{"title", Title(p)}}}};
    if (p.parent_kind == ParentKind::kDataSource) {
      const Ref* r = Find(p.parent);
      j["parent"] = {
          {"type", "data_source_id"},
          {"data_source_id", p.parent.ToString()},
          {"database_id", r != nullptr ? databases[data_sources[r->index].database].id.ToString()
                                       : std::string()}};
    }
    if (version != ApiVersion::k20260311) j["archived"] = p.in_trash;
    return j;
  }
  const DatabaseRec& db = databases[ref.index];
  j = {{"object", "block"},
       {"id", db.id.ToString()},
       {"parent", ParentOfBlock(db.parent_kind, db.parent)},
       {"created_time", Iso(db.created_us)},
       {"last_edited_time", Iso(db.edited_us)},
       {"created_by", UserRef(0)},
       {"last_edited_by", UserRef(0)},
       {"has_children", false},
       {"in_trash", db.in_trash},
       {"type", "child_database"},
       {"child_database", {{"title", db.title}}}};
  if (version != ApiVersion::k20260311) j["archived"] = db.in_trash;
  return j;
}

namespace {

json SchemaJson(const std::vector<PropertyDef>& schema) {
  json props = json::object();
  for (const PropertyDef& p : schema) {
    props[p.name] = {{"id", p.id},
                     {"name", p.name},
                     {"description", p.description.empty() ? json(nullptr) : json(p.description)},
                     {"type", p.type},
                     {p.type, p.config}};
  }
  return props;
}

json TitleArray(const Core& m, const std::string& title) {
  if (title.empty()) return json::array();
  return RichText(m, json::array({{{"text", {{"content", title}}}}}));
}

}  // namespace

json Core::RenderDataSource(const DataSourceRec& ds, ApiVersion version) const {
  const DatabaseRec& db = databases[ds.database];
  json database_parent = db.parent_kind == ParentKind::kPage
                             ? json{{"type", "page_id"}, {"page_id", db.parent.ToString()}}
                             : json{{"type", "workspace"}, {"workspace", true}};
  json j = {{"object", "data_source"},
            {"id", ds.id.ToString()},
            {"title", TitleArray(*this, ds.title)},
            {"description", json::array()},
            {"parent", {{"type", "database_id"}, {"database_id", db.id.ToString()}}},
            {"database_parent", std::move(database_parent)},
            {"is_inline", db.is_inline},
            {"properties", SchemaJson(ds.schema)},
            {"created_time", Iso(ds.created_us)},
            {"last_edited_time", Iso(ds.edited_us)},
            {"created_by", UserRef(ds.creator)},
            {"last_edited_by", UserRef(ds.creator)},
            {"icon", RenderIcon(ds.icon)},
            {"cover", nullptr},
            {"in_trash", ds.in_trash},
            {"url", Url(db.id)},
            {"public_url", nullptr}};
  j["archived"] = ds.in_trash;
  (void)version;
  return j;
}

json Core::RenderDatabase(const DatabaseRec& db, ApiVersion version) const {
  json parent = db.parent_kind == ParentKind::kPage
                    ? json{{"type", "page_id"}, {"page_id", db.parent.ToString()}}
                    : json{{"type", "workspace"}, {"workspace", true}};
  json j = {{"object", "database"},
            {"id", db.id.ToString()},
            {"title", TitleArray(*this, db.title)},
            {"description", TitleArray(*this, db.description)},
            {"parent", std::move(parent)},
            {"is_inline", db.is_inline},
            {"is_locked", db.is_locked},
            {"created_time", Iso(db.created_us)},
            {"last_edited_time", Iso(db.edited_us)},
            {"icon", RenderIcon(db.icon)},
            {"cover", RenderIcon(db.cover)},
            {"in_trash", db.in_trash},
            {"url", Url(db.id)},
            {"public_url", nullptr}};
  j["archived"] = db.in_trash;
  if (version == ApiVersion::k20220628) {
    // The single data source's schema, as the old API showed it on the database.
    j["properties"] = db.data_sources.size() == 1
                          ? SchemaJson(data_sources[db.data_sources[0]].schema)
                          : json::object();
  } else {
    json sources = json::array();
    for (std::uint32_t i : db.data_sources) {
      sources.push_back({{"id", data_sources[i].id.ToString()}, {"name", data_sources[i].title}});
    }
    j["data_sources"] = std::move(sources);
  }
  return j;
}

json Core::RenderBot(int token) const {
  const TokenRec& t = tokens[static_cast<std::size_t>(token)];
  return {{"object", "user"},
          {"id", t.bot.ToString()},
          {"name", t.spec.name},
          {"avatar_url", nullptr},
          {"type", "bot"},
          {"bot",
           {{"owner", {{"type", "workspace"}, {"workspace", true}}},
            {"workspace_id",
             ObjectId{engine::Mix64(t.spec.workspace + 1), engine::Mix64(t.spec.workspace + 2)}
                 .ToString()},
            {"workspace_limits", {{"max_file_upload_size_in_bytes", 5'368'709'120LL}}},
            {"workspace_name", "notion-sim"}}}};
}

json Core::RenderUser(const UserRec& u) const {
  if (u.token >= 0) return RenderBot(u.token);
  return {{"object", "user"}, {"id", u.id.ToString()}, {"type", "person"},
          {"name", u.name},   {"avatar_url", nullptr}, {"person", {{"email", u.email}}}};
}

json Core::RenderComment(const CommentRec& cm) const {
  json parent = cm.parent_kind == ParentKind::kPage
                    ? json{{"type", "page_id"}, {"page_id", cm.parent.ToString()}}
                    : json{{"type", "block_id"}, {"block_id", cm.parent.ToString()}};
  const std::string resolved = cm.display_type == "custom" ? cm.display_name
                               : static_cast<std::size_t>(cm.creator) < tokens.size()
                                   ? tokens[cm.creator].spec.name
                                   : std::string("notion-sim");
  json j = {{"object", "comment"},
            {"id", cm.id.ToString()},
            {"parent", std::move(parent)},
            {"discussion_id", cm.discussion.ToString()},
            {"created_time", Iso(cm.created_us)},
            {"last_edited_time", Iso(cm.edited_us)},
            {"created_by", UserRef(cm.creator)},
            {"rich_text", RichText(*this, cm.rich_text != nullptr ? *cm.rich_text : json())},
            {"display_name", {{"type", cm.display_type}, {"resolved_name", resolved}}}};
  if (!cm.attachments.empty()) {
    json list = json::array();
    for (const ObjectId& id : cm.attachments) {
      json file = RenderFileObject(json{{"file_upload", {{"id", id.ToString()}}}});
      list.push_back({{"category", "productivity"}, {"file", file["file"]}});
    }
    j["attachments"] = std::move(list);
  }
  return j;
}

json Core::RenderFileUpload(const FileUploadRec& up) const {
  const std::string status =
      up.status == "pending" && clock.NowUs() > up.expires_us ? std::string("expired") : up.status;
  const bool bot = static_cast<std::size_t>(up.creator) < tokens.size();
  json j = {{"object", "file_upload"},
            {"id", up.id.ToString()},
            {"created_time", Iso(up.created_us)},
            {"created_by",
             {{"id", bot ? tokens[up.creator].bot.ToString() : std::string()}, {"type", "bot"}}},
            {"last_edited_time", Iso(up.edited_us)},
            {"in_trash", false},
            {"archived", false},
            {"expiry_time", status == "pending" ? json(Iso(up.expires_us)) : json(nullptr)},
            {"status", status},
            {"filename", up.filename.empty() ? json(nullptr) : json(up.filename)},
            {"content_type", up.content_type.empty() ? json(nullptr) : json(up.content_type)},
            {"content_length", up.content_length < 0 ? json(nullptr) : json(up.content_length)}};
  if (status == "pending" && up.mode != "external_url") {
    j["upload_url"] = "https://api.notion.com/v1/file_uploads/" + up.id.ToString() + "/send";
  }
  if (up.mode == "multi_part") {
    if (status == "pending") {
      j["complete_url"] =
          "https://api.notion.com/v1/file_uploads/" + up.id.ToString() + "/complete";
    }
    j["number_of_parts"] = {{"total", up.parts_total},
                            {"sent", std::count(up.parts_sent.begin(), up.parts_sent.end(), true)}};
  }
  if (up.mode == "external_url") {
    j["file_import_result"] = {
        {"imported_time", Iso(up.created_us)}, {"type", "success"}, {"success", json::object()}};
  }
  return j;
}

json Core::RenderView(const ViewRec& v) const {
  json j = {
      {"object", "view"},
      {"id", v.id.ToString()},
      {"parent", {{"type", "database_id"}, {"database_id", databases[v.database].id.ToString()}}},
      {"name", v.name},
      {"type", v.type},
      {"created_time", Iso(v.created_us)},
      {"last_edited_time", Iso(v.edited_us)},
      {"url", Url(databases[v.database].id) + "?v=" + Hex32(v.id)},
      {"data_source_id", data_sources[v.data_source].id.ToString()},
      {"created_by", UserRef(v.creator)},
      {"last_edited_by", UserRef(v.creator)},
      {"filter", v.filter},
      {"sorts", v.sorts},
      {"quick_filters", v.quick_filters},
      {"configuration", v.configuration.is_object() ? v.configuration : json(nullptr)}};
  if (j["configuration"].is_object() && !j["configuration"].contains("type")) {
    j["configuration"]["type"] = v.type;
  }
  return j;
}

json Core::RenderItem(const Ref& ref, ApiVersion version,
                      const std::vector<std::string>& only) const {
  switch (ref.kind) {
    case Kind::kPage:
      return RenderPage(pages[ref.index], version, only);
    case Kind::kBlock:
      return RenderBlock(blocks[ref.index], version);
    case Kind::kDataSource:
      return RenderDataSource(data_sources[ref.index], version);
    case Kind::kDatabase:
      return RenderDatabase(databases[ref.index], version);
    case Kind::kUser:
      return RenderUser(users[ref.index]);
    case Kind::kComment:
      return RenderComment(comments[ref.index]);
    case Kind::kFileUpload:
      return RenderFileUpload(file_uploads[ref.index]);
    case Kind::kView:
      return RenderView(views[ref.index]);
    case Kind::kViewQuery:
      return {{"object", "view_query"}, {"id", view_queries[ref.index].id.ToString()}};
    case Kind::kAsyncTask: {
      const AsyncTaskRec& t = async_tasks[ref.index];
      return {{"object", "async_task"},
              {"id", t.id.ToString()},
              {"status_url", "https://api.notion.com/v1/async_tasks/" + t.id.ToString()},
              {"created_time", Iso(t.created_us)},
              {"operation",
               {{"surface", "rest"}, {"name", std::string(engine::OperationName(t.operation))}}},
              {"status", "succeeded"},
              {"result", {{"id", t.result.ToString()}}}};
    }
  }
  return nullptr;
}

namespace {

// Markdown of one block's rich text.
std::string InlineMarkdown(const json& items) {
  std::string out;
  if (!items.is_array()) return out;
  for (const json& item : items) {
    std::string text = PlainText(json::array({item}));
    const json& a = Field(item, "annotations");
    if (Field(a, "code") == true) text = "`" + text + "`";
    if (Field(a, "bold") == true) text = "**" + text + "**";
    if (Field(a, "italic") == true) text = "*" + text + "*";
    if (Field(a, "strikethrough") == true) text = "~~" + text + "~~";
    if (const json& link = Field(Field(item, "text"), "link"); link.is_object()) {
      text = "[" + text + "](" + Str(link, "url") + ")";
    }
    out += text;
  }
  return out;
}

}  // namespace

std::string Core::Markdown(const std::vector<Child>& children, int depth) const {
  std::string out;
  const std::string indent(static_cast<std::size_t>(depth) * 2, ' ');
  for (const Child& ch : children) {
    if (ChildInTrash(ch)) continue;
    if (ch.kind == Kind::kPage) {
      out += indent + "<page url=\"" + Url(pages[ch.index].id) + "\">" + Title(pages[ch.index]) +
             "</page>\n";
      continue;
    }
    if (ch.kind == Kind::kDatabase) {
      out += indent + "<database url=\"" + Url(databases[ch.index].id) + "\">" +
             databases[ch.index].title + "</database>\n";
      continue;
    }
    const BlockRec& b = blocks[ch.index];
    const json rendered = RenderBlock(b, ApiVersion::k20250903);
    const std::string type = rendered["type"];
    const json& c = rendered[type];
    const std::string text = InlineMarkdown(Field(c, "rich_text"));
    if (type == "heading_1") {
      out += indent + "# " + text + "\n";
    } else if (type == "heading_2") {
      out += indent + "## " + text + "\n";
    } else if (type == "heading_3") {
      out += indent + "### " + text + "\n";
    } else if (type == "heading_4") {
      out += indent + "#### " + text + "\n";
    } else if (type == "bulleted_list_item") {
      out += indent + "- " + text + "\n";
    } else if (type == "numbered_list_item") {
      out += indent + "1. " + text + "\n";
    } else if (type == "to_do") {
      out += indent + (Field(c, "checked") == true ? "- [x] " : "- [ ] ") + text + "\n";
    } else if (type == "quote") {
      out += indent + "> " + text + "\n";
    } else if (type == "code") {
      out += indent + "```" + Str(c, "language") + "\n" + PlainText(Field(c, "rich_text")) + "\n" +
             indent + "```\n";
    } else if (type == "divider") {
      out += indent + "---\n";
    } else if (type == "equation") {
      out += indent + "$$" + Str(c, "expression") + "$$\n";
    } else if (type == "image" || type == "file" || type == "pdf" || type == "video" ||
               type == "audio") {
      const std::string url = Str(Field(c, Str(c, "type").c_str()), "url");
      out += indent + (type == "image" ? "![](" : "[" + type + "](") + url + ")\n";
    } else if (type == "bookmark" || type == "embed") {
      out += indent + "[" + Str(c, "url") + "](" + Str(c, "url") + ")\n";
    } else {
      out += indent + text + "\n";
    }
    if (!b.children.empty()) out += Markdown(b.children, depth + 1);
  }
  return out;
}

json Core::List(json results, const Call& c) const {
  const std::string type(c.reply.list_type);
  json j = {{"object", "list"},
            {"results", std::move(results)},
            {"next_cursor",
             c.has_more ? json(CursorText(c.next_cursor, c.reply.container)) : json(nullptr)},
            {"has_more", c.has_more},
            {"type", type},
            {type, json::object()}};
  if (c.reply.incomplete) {
    j["request_status"] = {{"type", "incomplete"},
                           {"incomplete_reason", "query_result_limit_reached"}};
  }
  return j;
}

json Core::Render(const Call& c) {
  const Reply& r = c.reply;
  const ApiVersion v = c.version;
  switch (r.kind) {
    case ReplyKind::kNone:
      return json::object();
    case ReplyKind::kObject:
      if (r.item.kind == Kind::kUser && r.number < 0) {
        return RenderBot(static_cast<int>(-1 - r.number));
      }
      if (c.op == engine::Operation::kCreateMeetingNote) {
        // The meeting note's block, as the SDK's CreateMeetingNoteResponse has it: no parent.
        json j = RenderItem(r.item, v);
        j.erase("parent");
        return j;
      }
      return RenderItem(r.item, v, r.filter_properties);
    case ReplyKind::kPageAsBlock:
      return RenderAsBlock(r.item, v);
    case ReplyKind::kPartialView: {
      const ViewRec& view = views[r.item.index];
      return {{"object", "view"},
              {"id", view.id.ToString()},
              {"parent",
               {{"type", "database_id"}, {"database_id", databases[view.database].id.ToString()}}},
              {"type", view.type}};
    }
    case ReplyKind::kList: {
      json results = json::array();
      for (const Ref& item : r.items) {
        if (r.list_type == "page" && item.kind == Kind::kPage) {
          results.push_back({{"object", "page"}, {"id", pages[item.index].id.ToString()}});
        } else if (r.list_type == "block" && item.kind != Kind::kBlock) {
          // A page or database in a page's content is its child_page / child_database block.
          results.push_back(RenderAsBlock(item, v));
        } else if (r.list_type == "view") {
          results.push_back({{"object", "view"}, {"id", views[item.index].id.ToString()}});
        } else if (r.list_type == "custom_emoji") {
          const std::string& name = config.workspace.custom_emojis[item.index];
          const ObjectId id{engine::HashString("emoji/" + name), engine::HashString(name)};
          results.push_back({{"id", id.ToString()},
                             {"name", name},
                             {"url",
                              "https://s3-us-west-2.amazonaws.com/public.notion-static.com/"
                              "emoji/" +
                                  name + ".png"}});
        } else {
          results.push_back(RenderItem(item, v, r.filter_properties));
        }
      }
      json j = List(std::move(results), c);
      if (r.list_type == "custom_emoji") j.erase("custom_emoji");
      return j;
    }
    case ReplyKind::kViewQuery: {
      const ViewQueryRec& q = view_queries[r.item.index];
      json results = json::array();
      for (const Ref& item : r.items) {
        results.push_back({{"object", "page"}, {"id", pages[item.index].id.ToString()}});
      }
      return {{"object", "view_query"},
              {"id", q.id.ToString()},
              {"view_id", views[q.view].id.ToString()},
              {"expires_at", Iso(q.expires_us)},
              {"total_count", q.pages.size()},
              {"results", std::move(results)},
              {"next_cursor",
               c.has_more ? json(CursorText(c.next_cursor, r.container)) : json(nullptr)},
              {"has_more", c.has_more}};
    }
    case ReplyKind::kViewQueryDeleted:
      return {{"object", "view_query"},
              {"id", view_queries[r.item.index].id.ToString()},
              {"deleted", true}};
    case ReplyKind::kPropertyItem: {
      const PageRec& p = pages[r.item.index];
      const DataSourceRec* ds = SourceOf(p);
      const PropertyDef* def = nullptr;
      if (ds != nullptr) {
        for (const PropertyDef& d : ds->schema) {
          if (d.name == r.key) def = &d;
        }
      }
      const json* raw = nullptr;
      if (p.properties != nullptr && p.properties->is_object()) {
        auto it = p.properties->find(r.key);
        if (it != p.properties->end() && it->is_object()) raw = &*it;
      }
      json value = RenderPropertyValue(p, def, r.key, raw);
      const std::string type = value["type"];
      const std::string id = value["id"];
      if (type != "title" && type != "rich_text" && type != "people" && type != "relation" &&
          type != "rollup") {
        value["object"] = "property_item";
        value.erase("has_more");
        return value;
      }
      // Paginated: one property_item per rich-text item, person or relation.
      json all = type == "rollup" ? json::array() : value[type];
      const std::uint64_t start = r.position;
      const std::uint64_t size = static_cast<std::uint64_t>(r.number);
      json results = json::array();
      for (std::uint64_t i = start; i < all.size() && results.size() < size; ++i) {
        results.push_back(
            {{"object", "property_item"}, {"id", id}, {"type", type}, {type, all[i]}});
      }
      const bool more = start + results.size() < all.size();
      json item = {{"type", type}, {"id", id}, {"next_url", nullptr}};
      item[type] = type == "rollup" ? value["rollup"] : json::object();
      return {
          {"object", "list"},
          {"results", std::move(results)},
          {"next_cursor", more ? json(CursorText(start + size + 1, r.container)) : json(nullptr)},
          {"has_more", more},
          {"type", "property_item"},
          {"property_item", std::move(item)}};
    }
    case ReplyKind::kMarkdown: {
      const PageRec& p = pages[r.item.index];
      return {{"object", "page_markdown"},
              {"id", p.id.ToString()},
              {"markdown", Markdown(p.children, 0)},
              {"truncated", false},
              {"unknown_block_ids", json::array()}};
    }
    case ReplyKind::kTemplates: {
      json list = json::array();
      for (const Ref& item : r.items) {
        list.push_back({{"id", pages[item.index].id.ToString()},
                        {"name", Title(pages[item.index])},
                        {"is_default", list.empty()}});
      }
      return {{"templates", std::move(list)},
              {"has_more", c.has_more},
              {"next_cursor",
               c.has_more ? json(CursorText(c.next_cursor, r.container)) : json(nullptr)}};
    }
    case ReplyKind::kMeetingNotes: {
      json results = json::array();
      for (const Ref& item : r.items) {
        json b = RenderBlock(blocks[item.index], v);
        b.erase("parent");
        results.push_back(std::move(b));
      }
      return {{"results", std::move(results)}, {"has_more", c.has_more}};
    }
    case ReplyKind::kOauthToken: {
      const TokenRec& t = tokens[static_cast<std::size_t>(r.number)];
      return {{"access_token", t.spec.token},
              {"token_type", "bearer"},
              {"refresh_token", t.refresh_token},
              {"bot_id", t.bot.ToString()},
              {"workspace_icon", nullptr},
              {"workspace_name", "notion-sim"},
              {"workspace_id",
               ObjectId{engine::Mix64(t.spec.workspace + 1), engine::Mix64(t.spec.workspace + 2)}
                   .ToString()},
              {"owner", {{"type", "workspace"}, {"workspace", true}}},
              {"duplicated_template_id", nullptr}};
    }
    case ReplyKind::kIntrospect: {
      if (r.number < 0) return {{"active", false}};
      const TokenRec& t = tokens[static_cast<std::size_t>(r.number)];
      return {{"active", true},
              {"scope", "read_content update_content insert_content"},
              {"iat", config.workspace.epoch_unix_s + t.issued_us / kUsPerSec}};
    }
    case ReplyKind::kEmpty:
      return json::object();
    case ReplyKind::kCompletion:
      return json::object();  // the upstream renders its own
  }
  return json::object();
}

// Cursors are 128 bits in UUID form: the position masked by a secret, and a check value bound to
// the list they came from. Clients cannot read them; garbage or a cursor from another list fails
// the check (a validation_error, never a crash).
std::string Core::CursorText(std::uint64_t cursor, const ObjectId& container) const {
  const ObjectId text{cursor ^ cursor_secret_a,
                      engine::Mix64(cursor ^ cursor_secret_b ^ engine::ObjectIdHash{}(container))};
  return text.ToString();
}

std::optional<std::uint64_t> Core::ParseCursor(std::string_view text,
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
