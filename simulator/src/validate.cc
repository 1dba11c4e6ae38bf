// Notion's request limits and shapes, with its messages: rich text, page property values (against
// the data source's schema), block children (types, nesting, counts), and the per-payload cache
// the in-process door's shared templates use.
#include <algorithm>

#include "core.h"

namespace notion_sim::sim {

using engine::ApiCode;
using nlohmann::json;

namespace {

constexpr std::uint32_t kMaxArray = 100;
constexpr std::size_t kMaxRichText = 2000;
constexpr std::size_t kMaxUrl = 2000;
constexpr std::size_t kMaxEquation = 1000;
constexpr std::size_t kMaxEmail = 200;
constexpr std::size_t kMaxPhone = 200;
constexpr std::uint32_t kMaxBlocksPerPayload = 1000;
// Blocks in one request: the top level and two levels below it (a column_list's columns do not
// count as a level), as the SDK's BlockObjectRequest types and Notion say.
constexpr int kMaxBlockDepth = 3;

const char* const kBlockTypes[] = {"paragraph",
                                   "heading_1",
                                   "heading_2",
                                   "heading_3",
                                   "heading_4",
                                   "bulleted_list_item",
                                   "numbered_list_item",
                                   "quote",
                                   "to_do",
                                   "toggle",
                                   "template",
                                   "callout",
                                   "synced_block",
                                   "code",
                                   "equation",
                                   "divider",
                                   "breadcrumb",
                                   "table_of_contents",
                                   "tab",
                                   "link_to_page",
                                   "table",
                                   "table_row",
                                   "column_list",
                                   "column",
                                   "embed",
                                   "bookmark",
                                   "image",
                                   "video",
                                   "pdf",
                                   "file",
                                   "audio"};

// Property types a page can be given a value for (the others are computed by Notion).
const char* const kWritableTypes[] = {"title",        "rich_text",    "number",   "url",
                                      "select",       "multi_select", "people",   "email",
                                      "phone_number", "date",         "checkbox", "relation",
                                      "files",        "status",       "place",    "verification"};

bool KnownBlockType(const std::string& type) {
  return std::find(std::begin(kBlockTypes), std::end(kBlockTypes), type) != std::end(kBlockTypes);
}

}  // namespace

std::string BlockTypeOf(const json& block) {
  if (auto it = block.find("type"); it != block.end() && it->is_string()) {
    return it->get<std::string>();
  }
  for (auto it = block.begin(); it != block.end(); ++it) {
    if (it.key() != "object" && it.key() != "id" && it.key() != "in_trash" &&
        it.key() != "archived" && it.key() != "has_children") {
      return it.key();
    }
  }
  return "";
}

bool Core::ValidateRichText(Call& c, const json& rt, const std::string& where) {
  auto fail = [&](const std::string& m) {
    c.Fail(400, ApiCode::kValidationError, "body failed validation: " + m);
    return false;
  };
  if (!rt.is_array()) return fail(where + " should be an array, instead was `" + Quoted(rt) + "`.");
  if (rt.size() > kMaxArray) {
    return fail(where + ".length should be ≤ `100`, instead was `" + std::to_string(rt.size()) +
                "`.");
  }
  for (std::size_t i = 0; i < rt.size(); ++i) {
    const json& item = rt[i];
    const std::string iat = where + "[" + std::to_string(i) + "]";
    if (!item.is_object()) {
      return fail(iat + " should be an object, instead was `" + Quoted(item) + "`.");
    }
    const bool has_text = item.contains("text");
    const bool has_mention = item.contains("mention");
    const bool has_equation = item.contains("equation");
    if (!has_text && !has_mention && !has_equation) {
      return fail(iat + ".text should be defined, instead was `undefined`.");
    }
    if (auto t = item.find("text"); t != item.end()) {
      if (!t->is_object()) {
        return fail(iat + ".text should be an object, instead was `" + Quoted(*t) + "`.");
      }
      auto content = t->find("content");
      if (content == t->end()) {
        return fail(iat + ".text.content should be defined, instead was `undefined`.");
      }
      if (!content->is_string()) {
        return fail(iat + ".text.content should be a string, instead was `" + Quoted(*content) +
                    "`.");
      }
      const std::size_t n = JsLength(content->get_ref<const std::string&>());
      if (n > kMaxRichText) {
        return fail(iat + ".text.content.length should be ≤ `2000`, instead was `" +
                    std::to_string(n) + "`.");
      }
      if (auto link = t->find("link"); link != t->end() && link->is_object()) {
        if (auto url = link->find("url"); url != link->end() && url->is_string()) {
          const std::size_t u = JsLength(url->get_ref<const std::string&>());
          if (u > kMaxUrl) {
            return fail(iat + ".text.link.url.length should be ≤ `2000`, instead was `" +
                        std::to_string(u) + "`.");
          }
        }
      }
    }
    if (auto eq = item.find("equation"); eq != item.end() && eq->is_object()) {
      if (auto ex = eq->find("expression"); ex != eq->end() && ex->is_string()) {
        const std::size_t n = JsLength(ex->get_ref<const std::string&>());
        if (n > kMaxEquation) {
          return fail(iat + ".equation.expression.length should be ≤ `1000`, instead was `" +
                      std::to_string(n) + "`.");
        }
      }
    }
    if (auto mn = item.find("mention"); mn != item.end() && !mn->is_object()) {
      return fail(iat + ".mention should be an object, instead was `" + Quoted(*mn) + "`.");
    }
    if (auto an = item.find("annotations"); an != item.end() && !an->is_object()) {
      return fail(iat + ".annotations should be an object, instead was `" + Quoted(*an) + "`.");
    }
  }
  return true;
}

bool Core::ValidateProperties(Call& c, const json& props, const std::string& where,
                              const DataSourceRec* schema_of) {
  if (!props.is_object()) {
    c.Fail(400, ApiCode::kValidationError,
           "body failed validation: " + where + " should be an object, instead was `" +
               Quoted(props) + "`.");
    return false;
  }
  auto fail = [&](const std::string& m) {
    c.Fail(400, ApiCode::kValidationError, "body failed validation: " + m);
    return false;
  };
  for (auto it = props.begin(); it != props.end(); ++it) {
    const std::string at = where + "." + it.key();
    const PropertyDef* def = nullptr;
    if (schema_of != nullptr && !schema_of->schema.empty() && it.key() != "idempotency_key") {
      for (const PropertyDef& p : schema_of->schema) {
        if (p.name == it.key() || p.id == it.key()) def = &p;
      }
      if (def == nullptr) {
        c.Fail(400, ApiCode::kValidationError, it.key() + " is not a property that exists.");
        return false;
      }
    }
    const json& v = *it;
    if (v.is_null()) continue;  // unsets the value
    if (!v.is_object()) {
      return fail(at + " should be an object, instead was `" + Quoted(v) + "`.");
    }
    if (def != nullptr) {
      if (std::find(std::begin(kWritableTypes), std::end(kWritableTypes), def->type) ==
          std::end(kWritableTypes)) {
        c.Fail(400, ApiCode::kValidationError,
               it.key() + " is a " + def->type + " property, which cannot be set.");
        return false;
      }
      if (!v.contains(def->type)) {
        c.Fail(400, ApiCode::kValidationError, it.key() + " is expected to be " + def->type + ".");
        return false;
      }
    }
    for (const char* key : {"title", "rich_text"}) {
      auto rt = v.find(key);
      if (rt == v.end()) continue;
      if (!ValidateRichText(c, *rt, at + "." + key)) return false;
    }
    const std::pair<const char*, std::size_t> strings[] = {
        {"url", kMaxUrl}, {"email", kMaxEmail}, {"phone_number", kMaxPhone}};
    for (const auto& [key, limit] : strings) {
      auto s = v.find(key);
      if (s == v.end() || s->is_null()) continue;
      if (!s->is_string()) {
        return fail(at + "." + key + " should be a string or `null`, instead was `" + Quoted(*s) +
                    "`.");
      }
      const std::size_t n = JsLength(s->get_ref<const std::string&>());
      if (n > limit) {
        return fail(at + "." + key + ".length should be ≤ `" + std::to_string(limit) +
                    "`, instead was `" + std::to_string(n) + "`.");
      }
    }
    for (const char* key : {"multi_select", "relation", "people", "files"}) {
      auto a = v.find(key);
      if (a == v.end()) continue;
      if (!a->is_array()) {
        return fail(at + "." + key + " should be an array, instead was `" + Quoted(*a) + "`.");
      }
      if (a->size() > kMaxArray) {
        return fail(at + "." + key + ".length should be ≤ `100`, instead was `" +
                    std::to_string(a->size()) + "`.");
      }
      for (std::size_t i = 0; i < a->size(); ++i) {
        if (!(*a)[i].is_object()) {
          return fail(at + "." + key + "[" + std::to_string(i) +
                      "] should be an object, instead was `" + Quoted((*a)[i]) + "`.");
        }
      }
    }
    for (const char* key : {"select", "status"}) {
      auto s = v.find(key);
      if (s == v.end() || s->is_null()) continue;
      if (!s->is_object() || (!s->contains("name") && !s->contains("id"))) {
        return fail(at + "." + key + ".name should be defined, instead was `undefined`.");
      }
    }
    if (auto d = v.find("date"); d != v.end() && !d->is_null()) {
      if (!d->is_object() || !Field(*d, "start").is_string()) {
        return fail(at + ".date.start should be defined, instead was `undefined`.");
      }
    }
    if (auto n = v.find("number"); n != v.end() && !n->is_number() && !n->is_null()) {
      return fail(at + ".number should be a number or `null`, instead was `" + Quoted(*n) + "`.");
    }
    if (auto b = v.find("checkbox"); b != v.end() && !b->is_boolean()) {
      return fail(at + ".checkbox should be a boolean, instead was `" + Quoted(*b) + "`.");
    }
  }
  return true;
}

bool Core::ValidateChildren(Call& c, const json& children, const std::string& where, int depth,
                            std::uint32_t* blocks_seen) {
  auto fail = [&](const std::string& m) {
    c.Fail(400, ApiCode::kValidationError, "body failed validation: " + m);
    return false;
  };
  if (!children.is_array()) {
    return fail(where + " should be an array, instead was `" + Quoted(children) + "`.");
  }
  if (children.size() > kMaxArray) {
    return fail(where + ".length should be ≤ `100`, instead was `" +
                std::to_string(children.size()) + "`.");
  }
  for (std::size_t i = 0; i < children.size(); ++i) {
    const json& block = children[i];
    const std::string at = where + "[" + std::to_string(i) + "]";
    if (!block.is_object()) {
      return fail(at + " should be an object, instead was `" + Quoted(block) + "`.");
    }
    const std::string type = BlockTypeOf(block);
    auto content = type.empty() ? block.end() : block.find(type);
    if (content == block.end()) {
      return fail(at + "." + (type.empty() ? std::string("type") : type) +
                  " should be defined, instead was `undefined`.");
    }
    if (!KnownBlockType(type)) {
      return fail(at + "." + type + " should be not present, instead was `" + Quoted(*content) +
                  "`. A block's type must be one of the types the API can create.");
    }
    if (!content->is_object()) {
      return fail(at + "." + type + " should be an object, instead was `" + Quoted(*content) +
                  "`.");
    }
    if (++*blocks_seen > kMaxBlocksPerPayload) {
      return fail("the request has more than " + std::to_string(kMaxBlocksPerPayload) +
                  " block elements; the limit is " + std::to_string(kMaxBlocksPerPayload) + ".");
    }
    for (const char* key : {"rich_text", "text", "caption"}) {
      auto rt = content->find(key);
      if (rt == content->end()) continue;
      if (!ValidateRichText(c, *rt, at + "." + type + "." + key)) return false;
    }
    if (auto cells = content->find("cells"); cells != content->end()) {
      if (!cells->is_array()) {
        return fail(at + "." + type + ".cells should be an array, instead was `" + Quoted(*cells) +
                    "`.");
      }
      for (std::size_t k = 0; k < cells->size(); ++k) {
        if (!ValidateRichText(c, (*cells)[k],
                              at + "." + type + ".cells[" + std::to_string(k) + "]"))
          return false;
      }
    }
    if (auto nested = content->find("children"); nested != content->end()) {
      if (depth >= kMaxBlockDepth) {
        return fail(at + "." + type + ".children should be not present, instead was `" +
                    Quoted(*nested) +
                    "`. Blocks may nest at most two levels below the top "
                    "block in one request.");
      }
      // A column list's columns do not count as a level: column layouts hold blocks with
      // children.
      const int next = type == "column_list" ? depth : depth + 1;
      if (!ValidateChildren(c, *nested, at + "." + type + ".children", next, blocks_seen)) {
        return false;
      }
    }
  }
  return true;
}

const Core::PayloadFacts* Core::FactsFor(Call& c) {
  if (c.owner == nullptr) return nullptr;
  for (const PayloadFacts& f : payload_cache) {
    if (f.pin.get() == c.owner.get()) return &f;
  }
  PayloadFacts& f = payload_cache[payload_cache_next];
  payload_cache_next = (payload_cache_next + 1) % payload_cache.size();
  f = PayloadFacts{};
  f.pin = c.owner;
  const json& body = *c.owner;
  ApiCall none;
  Call probe(none);
  if (body.is_object()) {
    if (auto p = body.find("properties"); p != body.end()) {
      f.properties = &*p;
      f.hash = engine::HashString(SafeDump(*p));
      ValidateProperties(probe, *p, "body.properties", nullptr);
    }
    if (auto ch = body.find("children"); ch != body.end()) {
      f.children = &*ch;
      if (!probe.failed()) {
        std::uint32_t n = 0;
        ValidateChildren(probe, *ch, "body.children", 1, &n);
      }
    }
  }
  f.valid = !probe.failed();
  f.code = probe.code;
  f.message = probe.message;
  return &f;
}

}  // namespace notion_sim::sim
