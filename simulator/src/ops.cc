// The operations of the fake: the workspace model's semantics, validation with Notion's messages,
// filters, sorts and pagination. Shared by both doors; `Call::render` says whether to build JSON.
#include <algorithm>
#include <cctype>
#include <cmath>

#include "core.h"

namespace notion_sim::sim {

using engine::ApiCode;
using engine::ObjectId;
using engine::Operation;
using nlohmann::json;

namespace {

constexpr std::uint32_t kMaxArray = 100;
constexpr std::size_t kMaxRichText = 2000;
constexpr std::size_t kMaxUrl = 2000;
constexpr std::size_t kMaxEquation = 1000;
constexpr std::size_t kMaxEmail = 200;
constexpr std::size_t kMaxPhone = 200;
constexpr std::uint32_t kMaxBlocksPerPayload = 1000;
constexpr int kMaxFilterDepth = 2;

std::string Quoted(const json& v) {
  std::string s = SafeDump(v);
  if (s.size() > 120) s = s.substr(0, 117) + "...";
  return s;
}

// A JSON view of a shared payload's node that keeps the payload alive.
engine::Payload Alias(const engine::Payload& owner, const json* node) {
  if (node == nullptr) return nullptr;
  return engine::Payload(owner, node);
}

const json kDefaultParagraph = json::parse(
    R"({"object":"block","type":"paragraph","paragraph":{"rich_text":[{"type":"text","text":{"content":"Simulated block"}}]}})");
const json kDefaultChildren = json::array({kDefaultParagraph});

// The type key of a block object: "type" when given, else the first key that is not metadata.
std::string BlockType(const json& block) {
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

// Plain text of a rich-text array.
std::string PlainText(const json& items) {
  std::string out;
  if (!items.is_array()) return out;
  for (const json& item : items) {
    if (!item.is_object()) continue;
    if (auto t = item.find("text"); t != item.end() && t->is_object()) {
      if (auto c = t->find("content"); c != t->end() && c->is_string()) {
        out += c->get_ref<const std::string&>();
        continue;
      }
    }
    if (auto p = item.find("plain_text"); p != item.end() && p->is_string()) {
      out += p->get_ref<const std::string&>();
    }
  }
  return out;
}

std::string Lower(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

// The typed value of a page property for filters and sorts.
struct PropValue {
  enum class T { kNone, kText, kNumber, kBool } t = T::kNone;
  std::string text;
  double number = 0;
  bool flag = false;
};

PropValue ValueOf(const json* props, const std::string& name) {
  PropValue v;
  if (props == nullptr || !props->is_object()) return v;
  auto it = props->find(name);
  if (it == props->end() || !it->is_object()) return v;
  const json& p = *it;
  for (const char* key : {"title", "rich_text"}) {
    if (auto f = p.find(key); f != p.end()) {
      v.t = PropValue::T::kText;
      v.text = PlainText(*f);
      return v;
    }
  }
  if (auto f = p.find("number"); f != p.end() && f->is_number()) {
    v.t = PropValue::T::kNumber;
    v.number = f->get<double>();
    return v;
  }
  if (auto f = p.find("checkbox"); f != p.end() && f->is_boolean()) {
    v.t = PropValue::T::kBool;
    v.flag = f->get<bool>();
    return v;
  }
  for (const char* key : {"select", "status"}) {
    if (auto f = p.find(key); f != p.end() && f->is_object()) {
      if (auto n = f->find("name"); n != f->end() && n->is_string()) {
        v.t = PropValue::T::kText;
        v.text = n->get<std::string>();
      }
      return v;
    }
  }
  for (const char* key : {"url", "email", "phone_number"}) {
    if (auto f = p.find(key); f != p.end() && f->is_string()) {
      v.t = PropValue::T::kText;
      v.text = f->get<std::string>();
      return v;
    }
  }
  return v;
}

const std::vector<std::string> kTextOps = {"equals",           "does_not_equal", "contains",
                                           "does_not_contain", "starts_with",    "ends_with",
                                           "is_empty",         "is_not_empty"};
const std::vector<std::string> kNumberOps = {"equals",
                                             "does_not_equal",
                                             "greater_than",
                                             "less_than",
                                             "greater_than_or_equal_to",
                                             "less_than_or_equal_to",
                                             "is_empty",
                                             "is_not_empty"};
const std::vector<std::string> kCheckboxOps = {"equals", "does_not_equal"};
const std::vector<std::string> kSelectOps = {"equals", "does_not_equal", "is_empty",
                                             "is_not_empty"};

const std::vector<std::string>* OpsFor(const std::string& type) {
  if (type == "title" || type == "rich_text" || type == "url" || type == "email" ||
      type == "phone_number") {
    return &kTextOps;
  }
  if (type == "number") return &kNumberOps;
  if (type == "checkbox") return &kCheckboxOps;
  if (type == "select" || type == "status") return &kSelectOps;
  return nullptr;
}

// Checks a filter's shape; returns Notion's message for the first problem, or "".
std::string CheckFilter(const json& f, const std::string& where, int depth) {
  if (!f.is_object()) {
    return "body failed validation: " + where + " should be an object, instead was `" + Quoted(f) +
           "`.";
  }
  for (const char* compound : {"and", "or"}) {
    if (auto it = f.find(compound); it != f.end()) {
      if (depth >= kMaxFilterDepth) {
        return "body failed validation: " + where + "." + compound +
               " should be not present, instead was `" + Quoted(*it) +
               "`. Compound filters may nest at most 2 levels.";
      }
      if (!it->is_array()) {
        return "body failed validation: " + where + "." + compound +
               " should be an array, instead was `" + Quoted(*it) + "`.";
      }
      if (it->size() > kMaxArray) {
        return "body failed validation: " + where + "." + compound +
               ".length should be ≤ `100`, "
               "instead was `" +
               std::to_string(it->size()) + "`.";
      }
      for (std::size_t i = 0; i < it->size(); ++i) {
        std::string e = CheckFilter(
            (*it)[i], where + "." + compound + "[" + std::to_string(i) + "]", depth + 1);
        if (!e.empty()) return e;
      }
      return "";
    }
  }
  auto prop = f.find("property");
  if (prop == f.end() || !prop->is_string()) {
    return "body failed validation: " + where +
           ".property should be defined, instead was "
           "`undefined`.";
  }
  for (auto it = f.begin(); it != f.end(); ++it) {
    if (it.key() == "property" || it.key() == "type") continue;
    const std::vector<std::string>* ops = OpsFor(it.key());
    if (ops == nullptr) {
      return "body failed validation: " + where + "." + it.key() +
             " is not a supported filter type in notion-sim (supported: title, rich_text, number, "
             "checkbox, select, status, url, email, phone_number).";
    }
    if (!it->is_object() || it->size() != 1) {
      return "body failed validation: " + where + "." + it.key() +
             " should be an object with exactly one condition, instead was `" + Quoted(*it) + "`.";
    }
    const std::string cond = it->begin().key();
    if (std::find(ops->begin(), ops->end(), cond) == ops->end()) {
      return "body failed validation: " + where + "." + it.key() + "." + cond +
             " should be not present, instead was `" + Quoted(it->begin().value()) + "`.";
    }
    return "";
  }
  return "body failed validation: " + where + " should have a filter condition, instead was `" +
         Quoted(f) + "`.";
}

bool Eval(const json& f, const json* props) {
  if (auto it = f.find("and"); it != f.end()) {
    for (const json& sub : *it) {
      if (!Eval(sub, props)) return false;
    }
    return true;
  }
  if (auto it = f.find("or"); it != f.end()) {
    for (const json& sub : *it) {
      if (Eval(sub, props)) return true;
    }
    return false;
  }
  const std::string& name = f["property"].get_ref<const std::string&>();
  const PropValue v = ValueOf(props, name);
  for (auto it = f.begin(); it != f.end(); ++it) {
    if (it.key() == "property" || it.key() == "type") continue;
    const std::string& cond = it->begin().key();
    const json& arg = it->begin().value();
    const bool empty = v.t == PropValue::T::kNone || (v.t == PropValue::T::kText && v.text.empty());
    if (cond == "is_empty") return empty;
    if (cond == "is_not_empty") return !empty;
    if (v.t == PropValue::T::kBool) {
      const bool want = arg.is_boolean() && arg.get<bool>();
      return cond == "equals" ? v.flag == want : v.flag != want;
    }
    if (v.t == PropValue::T::kNumber || it.key() == "number") {
      if (!arg.is_number()) return false;
      const double x = arg.get<double>();
      if (v.t != PropValue::T::kNumber) return cond == "does_not_equal";
      if (cond == "equals") return v.number == x;
      if (cond == "does_not_equal") return v.number != x;
      if (cond == "greater_than") return v.number > x;
      if (cond == "less_than") return v.number < x;
      if (cond == "greater_than_or_equal_to") return v.number >= x;
      if (cond == "less_than_or_equal_to") return v.number <= x;
      return false;
    }
    if (it.key() == "checkbox") {
      const bool want = arg.is_boolean() && arg.get<bool>();
      return cond == "equals" ? !want : want;  // absent checkbox reads as false
    }
    const std::string a = arg.is_string() ? arg.get<std::string>() : std::string();
    const std::string& t = v.text;
    if (cond == "equals") return t == a;
    if (cond == "does_not_equal") return t != a;
    if (cond == "contains") return Lower(t).find(Lower(a)) != std::string::npos;
    if (cond == "does_not_contain") return Lower(t).find(Lower(a)) == std::string::npos;
    if (cond == "starts_with") return t.rfind(a, 0) == 0;
    if (cond == "ends_with")
      return t.size() >= a.size() && t.compare(t.size() - a.size(), a.size(), a) == 0;
    return false;
  }
  return false;
}

// The one filter shape reconcile lookups use, answered from the index.
std::optional<IdemKey> IdempotencyFilter(const json& f) {
  if (!f.is_object() || f.size() != 2) return std::nullopt;
  auto p = f.find("property");
  auto rt = f.find("rich_text");
  if (p == f.end() || rt == f.end() || *p != "idempotency_key" || !rt->is_object() ||
      rt->size() != 1) {
    return std::nullopt;
  }
  auto eq = rt->find("equals");
  if (eq == rt->end() || !eq->is_string()) return std::nullopt;
  return ParseHexKey(eq->get_ref<const std::string&>());
}

std::optional<IdemKey> KeyFromProperties(const json* props) {
  if (props == nullptr || !props->is_object()) return std::nullopt;
  auto it = props->find("idempotency_key");
  if (it == props->end() || !it->is_object()) return std::nullopt;
  auto rt = it->find("rich_text");
  if (rt == it->end()) return std::nullopt;
  return ParseHexKey(PlainText(*rt));
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Model helpers

const Ref* FakeNotion::Impl::Find(const ObjectId& id) const { return index.Find(id); }

void FakeNotion::Impl::NotFound(Call& c, std::string_view kind, const ObjectId& id) {
  c.Fail(404, ApiCode::kObjectNotFound,
         "Could not find " + std::string(kind) + " with ID: " + id.ToString() +
             ". Make sure the relevant pages and databases are shared with your integration.");
}

bool FakeNotion::Impl::Allowed(Call& c, const ObjectId& id, std::uint8_t capability,
                               std::string_view kind) {
  const TokenSpec& t = tokens[static_cast<std::size_t>(c.token)].spec;
  if (!t.hidden.empty() && std::find(t.hidden.begin(), t.hidden.end(), id) != t.hidden.end()) {
    NotFound(c, kind, id);
    return false;
  }
  if ((t.capabilities & capability) == 0 ||
      (!t.forbidden.empty() &&
       std::find(t.forbidden.begin(), t.forbidden.end(), id) != t.forbidden.end())) {
    c.Fail(403, ApiCode::kRestrictedResource, "");
    return false;
  }
  return true;
}

std::uint32_t FakeNotion::Impl::NewDatabase(const ObjectId& id, const std::string& title) {
  DatabaseRec db;
  db.id = id;
  db.title = title;
  const auto i = static_cast<std::uint32_t>(databases.size());
  index.Insert(id, Ref{Kind::kDatabase, i});
  databases.push_back(std::move(db));
  return i;
}

std::uint32_t FakeNotion::Impl::NewDataSource(const ObjectId& id, const std::string& title,
                                              std::vector<PropertySpec> schema,
                                              std::uint32_t database) {
  DataSourceRec ds;
  ds.id = id;
  ds.title = title;
  ds.schema = std::move(schema);
  ds.database = database;
  const auto i = static_cast<std::uint32_t>(data_sources.size());
  index.Insert(id, Ref{Kind::kDataSource, i});
  data_sources.push_back(std::move(ds));
  databases[database].data_sources.push_back(i);
  return i;
}

std::uint32_t FakeNotion::Impl::NewPage(Call& c, ParentKind kind, const ObjectId& parent,
                                        engine::Payload properties) {
  PageRec p;
  p.id = ObjectId::Random(ids);
  p.parent = parent;
  p.parent_kind = kind;
  p.created_us = c.now_us;
  p.edited_us = c.now_us;
  p.created_op = c.op_id;
  p.edited_op = c.op_id;
  p.properties = std::move(properties);
  p.creator = static_cast<std::uint16_t>(c.token);
  const auto i = static_cast<std::uint32_t>(pages.size());
  index.Insert(p.id, Ref{Kind::kPage, i});
  if (kind == ParentKind::kDataSource) {
    if (const Ref* r = Find(parent); r != nullptr && r->kind == Kind::kDataSource) {
      data_sources[r->index].pages.push_back(i);
    }
  }
  pages.push_back(std::move(p));
  return i;
}

std::uint64_t FakeNotion::Impl::Fingerprint(Call& c) {
  std::uint64_t h = engine::Mix64(c.parent.hi ^ engine::Mix64(c.parent.lo));
  if (!c.http) {
    // In-process payloads are shared templates: their hash is computed once.
    if (const PayloadFacts* f = FactsFor(c)) h = engine::Mix64(h ^ f->hash);
  } else if (c.body != nullptr && c.body->is_object()) {
    auto it = c.body->find("properties");
    if (it != c.body->end()) h = engine::Mix64(h ^ engine::HashString(SafeDump(*it)));
  }
  return h;
}

void FakeNotion::Impl::Record(Call& c, const ObjectId& object) {
  c.committed = true;
  ++stats.writes;
  if (ledger.size() < config.ledger_limit) {
    engine::LedgerEntry e;
    e.at_us = c.now_us;
    e.op_id = c.op_id;
    // The content fingerprint identifies writes of clients that send no op id; ours send one,
    // so the hot path skips hashing the body.
    e.fingerprint = c.op_id != 0 ? 0 : Fingerprint(c);
    e.operation = c.op;
    e.object = object;
    e.tenant = c.tenant;
    c.ledger_index = ledger.size();
    ledger.push_back(e);
  }
  if (trace != nullptr) {
    trace->Emit(engine::EventKind::kServerWrite, c.now_us, c.op_id, c.attempt, c.tenant,
                static_cast<std::int64_t>(c.op), static_cast<std::int64_t>(object.lo >> 1));
  }
}

std::uint32_t FakeNotion::Impl::PageSize(Call& c) const { return c.page_size; }

// ---------------------------------------------------------------------------------------------
// Validation

bool FakeNotion::Impl::ValidateProperties(Call& c, const json& props, const std::string& where,
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
    if (schema_of != nullptr && !schema_of->schema.empty() && it.key() != "idempotency_key") {
      bool known = false;
      for (const PropertySpec& p : schema_of->schema) known = known || p.name == it.key();
      if (!known) {
        c.Fail(400, ApiCode::kValidationError, it.key() + " is not a property that exists.");
        return false;
      }
    }
    const json& v = *it;
    if (v.is_null()) continue;  // unsets the value
    if (!v.is_object()) {
      return fail(at + " should be an object, instead was `" + Quoted(v) + "`.");
    }
    for (const char* key : {"title", "rich_text"}) {
      auto rt = v.find(key);
      if (rt == v.end()) continue;
      const std::string rat = at + "." + key;
      if (!rt->is_array())
        return fail(rat + " should be an array, instead was `" + Quoted(*rt) + "`.");
      if (rt->size() > kMaxArray) {
        return fail(rat + ".length should be ≤ `100`, instead was `" + std::to_string(rt->size()) +
                    "`.");
      }
      for (std::size_t i = 0; i < rt->size(); ++i) {
        const json& item = (*rt)[i];
        const std::string iat = rat + "[" + std::to_string(i) + "]";
        if (!item.is_object())
          return fail(iat + " should be an object, instead was `" + Quoted(item) + "`.");
        if (auto t = item.find("text"); t != item.end() && t->is_object()) {
          if (auto content = t->find("content"); content != t->end()) {
            if (!content->is_string()) {
              return fail(iat + ".text.content should be a string, instead was `" +
                          Quoted(*content) + "`.");
            }
            const std::size_t n = JsLength(content->get_ref<const std::string&>());
            if (n > kMaxRichText) {
              return fail(iat + ".text.content.length should be ≤ `2000`, instead was `" +
                          std::to_string(n) + "`.");
            }
          }
          if (auto link = t->find("link"); link != t->end() && link->is_object()) {
            if (auto url = link->find("url"); url != link->end() && url->is_string()) {
              const std::size_t n = JsLength(url->get_ref<const std::string&>());
              if (n > kMaxUrl) {
                return fail(iat + ".text.link.url.length should be ≤ `2000`, instead was `" +
                            std::to_string(n) + "`.");
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
      }
    }
    const std::pair<const char*, std::size_t> strings[] = {
        {"url", kMaxUrl}, {"email", kMaxEmail}, {"phone_number", kMaxPhone}};
    for (const auto& [key, limit] : strings) {
      auto s = v.find(key);
      if (s == v.end() || !s->is_string()) continue;
      const std::size_t n = JsLength(s->get_ref<const std::string&>());
      if (n > limit) {
        return fail(at + "." + key + ".length should be ≤ `" + std::to_string(limit) +
                    "`, instead was `" + std::to_string(n) + "`.");
      }
    }
    for (const char* key : {"multi_select", "relation", "people"}) {
      auto a = v.find(key);
      if (a == v.end() || !a->is_array()) continue;
      if (a->size() > kMaxArray) {
        return fail(at + "." + key + ".length should be ≤ `100`, instead was `" +
                    std::to_string(a->size()) + "`.");
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

bool FakeNotion::Impl::ValidateChildren(Call& c, const json& children, const std::string& where,
                                        int depth, std::uint32_t* blocks_seen) {
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
    const std::string type = BlockType(block);
    auto content = type.empty() ? block.end() : block.find(type);
    if (content == block.end()) {
      return fail(at + "." + (type.empty() ? std::string("type") : type) +
                  " should be defined, instead was `undefined`.");
    }
    if (!content->is_object()) {
      return fail(at + "." + type + " should be an object, instead was `" + Quoted(*content) +
                  "`.");
    }
    if (++*blocks_seen > kMaxBlocksPerPayload) {
      return fail("the request has more than " + std::to_string(kMaxBlocksPerPayload) +
                  " block elements; the limit is " + std::to_string(kMaxBlocksPerPayload) + ".");
    }
    for (const char* key : {"rich_text", "text"}) {
      auto rt = content->find(key);
      if (rt == content->end()) continue;
      json wrapper = {{"x", {{"rich_text", *rt}}}};
      Call probe;
      if (!ValidateProperties(probe, wrapper, "x", nullptr)) {
        // Rewrite the probe's path into the block's.
        std::string m = probe.message;
        const std::string from = "x.x.rich_text";
        if (auto pos = m.find(from); pos != std::string::npos) {
          m.replace(pos, from.size(), at + "." + type + "." + key);
        }
        c.Fail(400, ApiCode::kValidationError, m);
        return false;
      }
    }
    if (auto nested = content->find("children"); nested != content->end()) {
      if (depth >= 2) {
        return fail(at + "." + type + ".children should be not present, instead was `" +
                    Quoted(*nested) + "`. Blocks may nest at most 2 levels in one request.");
      }
      if (!ValidateChildren(c, *nested, at + "." + type + ".children", depth + 1, blocks_seen)) {
        return false;
      }
    }
  }
  return true;
}

const FakeNotion::Impl::PayloadFacts* FakeNotion::Impl::FactsFor(Call& c) {
  if (c.owner == nullptr) return nullptr;
  for (const PayloadFacts& f : payload_cache) {
    if (f.pin.get() == c.owner.get()) return &f;
  }
  PayloadFacts& f = payload_cache[payload_cache_next];
  payload_cache_next = (payload_cache_next + 1) % payload_cache.size();
  f = PayloadFacts{};
  f.pin = c.owner;
  const json& body = *c.owner;
  Call probe;
  if (body.is_object()) {
    if (auto p = body.find("properties"); p != body.end()) {
      f.properties = &*p;
      f.hash = engine::HashString(SafeDump(*p));
      ValidateProperties(probe, *p, "body.properties", nullptr);
    }
    if (auto ch = body.find("children"); ch != body.end() && !probe.failed()) {
      std::uint32_t n = 0;
      ValidateChildren(probe, *ch, "body.children", 1, &n);
    }
  } else if (!body.is_null()) {
    probe.Fail(
        400, ApiCode::kValidationError,
        "body failed validation: body should be an object, instead was `" + Quoted(body) + "`.");
  }
  f.valid = !probe.failed();
  f.code = probe.code;
  f.message = probe.message;
  return &f;
}

// ---------------------------------------------------------------------------------------------
// Operations

void FakeNotion::Impl::Execute(Call& c) {
  switch (c.op) {
    case Operation::kCreatePage:
      CreatePage(c);
      break;
    case Operation::kRetrievePage:
      RetrievePage(c);
      break;
    case Operation::kUpdatePage:
      UpdatePage(c);
      break;
    case Operation::kQueryDataSource:
      QueryDataSource(c);
      break;
    case Operation::kQueryDatabase:
      QueryDatabase(c);
      break;
    case Operation::kRetrieveDatabase:
      RetrieveDatabase(c);
      break;
    case Operation::kCreateDatabase:
      CreateDatabase(c);
      break;
    case Operation::kUpdateDatabase:
      UpdateDatabase(c);
      break;
    case Operation::kRetrieveDataSource:
      RetrieveDataSource(c);
      break;
    case Operation::kAppendBlocks:
      AppendBlocks(c);
      break;
    case Operation::kListBlockChildren:
      ListChildren(c);
      break;
    case Operation::kRetrieveBlock:
      RetrieveBlock(c);
      break;
    case Operation::kUpdateBlock:
      UpdateBlock(c);
      break;
    case Operation::kDeleteBlock:
      DeleteBlock(c);
      break;
    case Operation::kSearch:
      Search(c);
      break;
    case Operation::kUsersMe:
      UsersMe(c);
      break;
    case Operation::kListUsers:
      ListUsers(c);
      break;
    case Operation::kRetrieveUser:
      RetrieveUser(c);
      break;
    case Operation::kUpstreamComplete:
      UpstreamComplete(c);
      break;
    default:
      c.Fail(400, ApiCode::kInvalidRequestUrl, "Invalid request URL.");
      break;
  }
}

void FakeNotion::Impl::CreatePage(Call& c) {
  const json* body = c.body;
  ObjectId parent_id = c.parent;
  enum class Given { kAny, kDataSource, kDatabase, kPage, kWorkspace } given = Given::kAny;
  if (c.http) {
    auto p = body->find("parent");
    if (p == body->end()) {
      c.Fail(400, ApiCode::kValidationError,
             "body failed validation: body.parent should be defined, instead was `undefined`.");
      return;
    }
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
  }
  ParentKind kind = ParentKind::kWorkspace;
  const DataSourceRec* ds = nullptr;
  if (given != Given::kWorkspace) {
    const Ref* ref = Find(parent_id);
    if (ref == nullptr && config.workspace.unknown_parent == UnknownParent::kCreate &&
        given != Given::kPage) {
      // Simulation ease: the workload names a parent it never created.
      const std::uint32_t db =
          NewDatabase(given == Given::kDatabase ? parent_id : ObjectId::Random(ids), "Auto");
      NewDataSource(given == Given::kDatabase ? ObjectId::Random(ids) : parent_id, "Auto", {}, db);
      ref = Find(parent_id);
    }
    const std::string_view kind_name = given == Given::kPage       ? "page"
                                       : given == Given::kDatabase ? "database"
                                                                   : "data source";
    if (ref == nullptr) {
      NotFound(c, given == Given::kAny ? "data source" : kind_name, parent_id);
      return;
    }
    if (ref->kind == Kind::kDatabase && (given == Given::kAny || given == Given::kDatabase)) {
      const DatabaseRec& db = databases[ref->index];
      if (db.data_sources.size() != 1) {
        c.Fail(400, ApiCode::kValidationError,
               "Databases with multiple data sources are not supported in this API version.");
        if (c.render) {
          json ids_json = json::array();
          for (std::uint32_t i : db.data_sources) ids_json.push_back(data_sources[i].id.ToString());
          c.additional = {{"error_type", "multiple_data_sources_for_database"},
                          {"database_id", db.id.ToString()},
                          {"child_data_source_ids", ids_json},
                          {"minimum_api_version", "2025-09-03"}};
        }
        return;
      }
      ds = &data_sources[db.data_sources[0]];
      kind = ParentKind::kDataSource;
      if (!Allowed(c, db.id, kCapInsert, "database")) return;
      parent_id = ds->id;
    } else if (ref->kind == Kind::kDataSource &&
               (given == Given::kAny || given == Given::kDataSource)) {
      ds = &data_sources[ref->index];
      kind = ParentKind::kDataSource;
      if (!Allowed(c, ds->id, kCapInsert, "data source")) return;
    } else if (ref->kind == Kind::kPage && (given == Given::kAny || given == Given::kPage)) {
      const PageRec& parent = pages[ref->index];
      if (!Allowed(c, parent.id, kCapInsert, "page")) return;
      if (parent.in_trash) {
        c.Fail(400, ApiCode::kValidationError,
               "Can't edit block that is archived. You must unarchive the block before editing.");
        return;
      }
      kind = ParentKind::kPage;
    } else {
      NotFound(c, kind_name, parent_id);
      return;
    }
  } else if ((tokens[static_cast<std::size_t>(c.token)].spec.capabilities & kCapInsert) == 0) {
    c.Fail(403, ApiCode::kRestrictedResource, "");
    return;
  }
  if (ds != nullptr && ds->in_trash) {
    c.Fail(400, ApiCode::kValidationError,
           "Can't edit block that is archived. You must unarchive the block before editing.");
    return;
  }

  const json* props = nullptr;
  const json* children = nullptr;
  if (c.http) {
    if (auto it = body->find("properties"); it != body->end()) props = &*it;
    if (auto it = body->find("children"); it != body->end()) children = &*it;
    if (props != nullptr && !ValidateProperties(c, *props, "body.properties", ds)) return;
    if (children != nullptr) {
      std::uint32_t n = 0;
      if (!ValidateChildren(c, *children, "body.children", 1, &n)) return;
    }
  } else if (const PayloadFacts* f = FactsFor(c)) {
    if (!f->valid) {
      c.Fail(400, f->code, f->message);
      return;
    }
    props = f->properties;
    if (auto it = c.body->find("children"); it != c.body->end()) children = &*it;
    if (props != nullptr && ds != nullptr && !ds->schema.empty() &&
        !ValidateProperties(c, *props, "body.properties", ds)) {
      return;
    }
  }
  std::optional<IdemKey> key = c.idem_key;
  if (!key && c.http) key = KeyFromProperties(props);

  c.parent = parent_id;
  const std::uint32_t pi = NewPage(c, kind, parent_id, Alias(c.owner, props));
  const ObjectId id = pages[pi].id;
  if (key && kind == ParentKind::kDataSource) idem.emplace(IdemIndexKey{parent_id, *key}, pi);
  if (children != nullptr && children->is_array() && !children->empty()) {
    std::vector<std::uint32_t> created;
    std::vector<std::uint32_t> list;
    AppendChildren(c, &list, ParentKind::kPage, id, *children, &created);
    pages[pi].children = std::move(list);
  }
  Record(c, id);
  c.object = id;
  if (c.render) c.result = RenderPage(pages[pi], c.version);
}

void FakeNotion::Impl::RetrievePage(Call& c) {
  const Ref* ref = Find(c.target);
  if (ref == nullptr || ref->kind != Kind::kPage) {
    NotFound(c, "page", c.target);
    return;
  }
  if (!Allowed(c, c.target, kCapRead, "page")) return;
  c.object = c.target;
  if (c.render) c.result = RenderPage(pages[ref->index], c.version);
}

void FakeNotion::Impl::UpdatePage(Call& c) {
  const Ref* ref = Find(c.target);
  if (ref == nullptr || ref->kind != Kind::kPage) {
    NotFound(c, "page", c.target);
    return;
  }
  if (!Allowed(c, c.target, kCapUpdate, "page")) return;
  const std::uint32_t pi = ref->index;
  const json empty = json::object();
  const json& body = c.body != nullptr && c.body->is_object() ? *c.body : empty;
  std::optional<bool> trash;
  for (const char* key : {"in_trash", "archived"}) {
    auto it = body.find(key);
    if (it == body.end()) continue;
    if (std::string_view(key) == "archived" && c.version == ApiVersion::k20260311) {
      c.Fail(400, ApiCode::kValidationError,
             "body failed validation: body.archived should be not present, instead was `" +
                 Quoted(*it) + "`. Use in_trash.");
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
  PageRec& page = pages[pi];
  if (page.in_trash && trash != false) {
    c.Fail(400, ApiCode::kValidationError,
           "Can't edit page that is archived. You must unarchive the page before editing.");
    return;
  }
  if (config.workspace.conflict_window_us > 0 && page.updated && page.edited_op != c.op_id &&
      c.now_us - page.edited_us < config.workspace.conflict_window_us) {
    c.Fail(409, ApiCode::kConflictError, "");
    return;
  }
  const json* props = nullptr;
  if (auto it = body.find("properties"); it != body.end()) props = &*it;
  if (props != nullptr) {
    const DataSourceRec* ds = nullptr;
    if (page.parent_kind == ParentKind::kDataSource) {
      if (const Ref* r = Find(page.parent); r != nullptr) ds = &data_sources[r->index];
    }
    if (c.http || (ds != nullptr && !ds->schema.empty())) {
      if (!ValidateProperties(c, *props, "body.properties", ds)) return;
    } else if (const PayloadFacts* f = FactsFor(c); f != nullptr && !f->valid) {
      c.Fail(400, f->code, f->message);
      return;
    }
    if (page.properties == nullptr || page.properties.get() == props) {
      page.properties = Alias(c.owner, props);
    } else {
      // Merge: the update names only the properties it changes.
      auto merged = std::make_shared<json>(*page.properties);
      for (auto it = props->begin(); it != props->end(); ++it) (*merged)[it.key()] = *it;
      page.properties = std::move(merged);
    }
  }
  if (trash) page.in_trash = *trash;
  page.edited_us = c.now_us;
  page.edited_op = c.op_id;
  page.updated = true;
  Record(c, page.id);
  c.object = page.id;
  if (c.render) c.result = RenderPage(page, c.version);
}

void FakeNotion::Impl::QueryDataSource(Call& c) {
  if (c.version == ApiVersion::k20220628) {
    c.Fail(400, ApiCode::kInvalidRequestUrl, "Invalid request URL.");
    return;
  }
  const Ref* ref = Find(c.target);
  if (ref == nullptr && !c.http && config.workspace.unknown_parent == UnknownParent::kCreate) {
    const std::uint32_t db = NewDatabase(ObjectId::Random(ids), "Auto");
    NewDataSource(c.target, "Auto", {}, db);
    ref = Find(c.target);
  }
  if (ref == nullptr || ref->kind != Kind::kDataSource) {
    NotFound(c, "data source", c.target);
    return;
  }
  if (!Allowed(c, c.target, kCapRead, "data source")) return;
  Query(c, ref->index);
}

void FakeNotion::Impl::QueryDatabase(Call& c) {
  if (c.version != ApiVersion::k20220628) {
    c.Fail(400, ApiCode::kInvalidRequestUrl, "Invalid request URL.");
    return;
  }
  const Ref* ref = Find(c.target);
  if (ref == nullptr || ref->kind != Kind::kDatabase) {
    NotFound(c, "database", c.target);
    return;
  }
  if (!Allowed(c, c.target, kCapRead, "database")) return;
  const DatabaseRec& db = databases[ref->index];
  if (db.data_sources.size() != 1) {
    c.Fail(400, ApiCode::kValidationError,
           "Databases with multiple data sources are not supported in this API version.");
    if (c.render) {
      json ids_json = json::array();
      for (std::uint32_t i : db.data_sources) ids_json.push_back(data_sources[i].id.ToString());
      c.additional = {{"error_type", "multiple_data_sources_for_database"},
                      {"database_id", db.id.ToString()},
                      {"child_data_source_ids", ids_json},
                      {"minimum_api_version", "2025-09-03"}};
    }
    return;
  }
  Query(c, db.data_sources[0]);
}

void FakeNotion::Impl::Query(Call& c, std::uint32_t dsi) {
  const DataSourceRec& ds = data_sources[dsi];
  const std::string_view list_type =
      c.version == ApiVersion::k20220628 ? "page_or_database" : "page_or_data_source";
  const TokenSpec& tok = tokens[static_cast<std::size_t>(c.token)].spec;
  auto visible = [&](const PageRec& p) {
    return !p.in_trash && (tok.hidden.empty() || std::find(tok.hidden.begin(), tok.hidden.end(),
                                                           p.id) == tok.hidden.end());
  };
  // Reconcile lookup: the stack's "did my create land?" question, answered from the index.
  std::optional<IdemKey> key;
  if (c.reconcile && c.idem_key) key = c.idem_key;
  const json* filter = nullptr;
  const json* sorts = nullptr;
  if (c.body != nullptr && c.body->is_object()) {
    if (auto it = c.body->find("filter"); it != c.body->end() && !it->is_null()) filter = &*it;
    if (auto it = c.body->find("sorts"); it != c.body->end() && !it->is_null()) sorts = &*it;
  }
  if (!key && filter != nullptr) key = IdempotencyFilter(*filter);
  if (key) {
    auto it = idem.find(IdemIndexKey{ds.id, *key});
    const bool found = it != idem.end() && visible(pages[it->second]);
    c.found = found;
    c.result_count = found ? 1 : 0;
    if (found) c.object = pages[it->second].id;
    if (c.render) {
      json results = json::array();
      if (found) results.push_back(RenderPage(pages[it->second], c.version));
      c.result = List(std::move(results), c, list_type, ds.id);
    }
    return;
  }
  if (filter != nullptr) {
    std::string problem = CheckFilter(*filter, "body.filter", 0);
    if (!problem.empty()) {
      c.Fail(400, ApiCode::kValidationError, problem);
      return;
    }
  }
  struct SortKey {
    std::string property;
    int timestamp = 0;  // 1 created_time, 2 last_edited_time
    bool descending = false;
  };
  std::vector<SortKey> sort_keys;
  if (sorts != nullptr) {
    if (!sorts->is_array() || sorts->size() > kMaxArray) {
      c.Fail(400, ApiCode::kValidationError,
             "body failed validation: body.sorts should be an array of at most 100 sorts, instead "
             "was `" +
                 Quoted(*sorts) + "`.");
      return;
    }
    for (std::size_t i = 0; i < sorts->size(); ++i) {
      const json& s = (*sorts)[i];
      SortKey k;
      const std::string at = "body.sorts[" + std::to_string(i) + "]";
      if (!s.is_object()) {
        c.Fail(400, ApiCode::kValidationError,
               "body failed validation: " + at + " should be an object, instead was `" + Quoted(s) +
                   "`.");
        return;
      }
      if (auto p = s.find("property"); p != s.end() && p->is_string()) {
        k.property = p->get<std::string>();
      } else if (auto t = s.find("timestamp"); t != s.end() && t->is_string() &&
                                               (*t == "created_time" || *t == "last_edited_time")) {
        k.timestamp = *t == "created_time" ? 1 : 2;
      } else {
        c.Fail(400, ApiCode::kValidationError,
               "body failed validation: " + at + ".property or " + at +
                   ".timestamp should be defined, instead was `undefined`.");
        return;
      }
      if (auto d = s.find("direction"); d != s.end()) {
        if (*d != "ascending" && *d != "descending") {
          c.Fail(400, ApiCode::kValidationError,
                 "body failed validation: " + at +
                     ".direction should be `\"ascending\"` or "
                     "`\"descending\"`, instead was `" +
                     Quoted(*d) + "`.");
          return;
        }
        k.descending = *d == "descending";
      }
      sort_keys.push_back(std::move(k));
    }
  }
  const std::uint32_t size = c.page_size;
  const std::uint64_t returned_before = c.start_cursor >> 32;
  std::uint64_t pos = c.cursor_given ? (c.start_cursor & 0xFFFFFFFFULL) - 1 : 0;
  const std::uint64_t limit = config.workspace.query_result_limit;
  std::vector<std::uint32_t> hits;
  bool more = false;
  std::uint64_t next_pos = 0;
  auto matches = [&](std::uint32_t pi) {
    const PageRec& p = pages[pi];
    return visible(p) && (filter == nullptr || Eval(*filter, p.properties.get()));
  };
  const std::uint64_t room = limit > returned_before ? limit - returned_before : 0;
  const std::uint64_t want = std::min<std::uint64_t>(size, room);
  if (sort_keys.empty()) {
    // Creation order; the cursor is a position in the data source's page list, stable while
    // pages are added.
    for (; pos < ds.pages.size(); ++pos) {
      if (!matches(ds.pages[pos])) continue;
      if (hits.size() == want) {
        more = true;
        next_pos = pos;
        break;
      }
      hits.push_back(ds.pages[pos]);
    }
  } else {
    std::vector<std::uint32_t> all;
    for (std::uint32_t pi : ds.pages) {
      if (matches(pi)) all.push_back(pi);
    }
    std::vector<PropValue> scratch;
    auto less = [&](std::uint32_t a, std::uint32_t b) {
      for (const SortKey& k : sort_keys) {
        int cmp = 0;
        if (k.timestamp != 0) {
          const TimeUs ta = k.timestamp == 1 ? pages[a].created_us : pages[a].edited_us;
          const TimeUs tb = k.timestamp == 1 ? pages[b].created_us : pages[b].edited_us;
          cmp = ta < tb ? -1 : ta > tb ? 1 : 0;
        } else {
          const PropValue va = ValueOf(pages[a].properties.get(), k.property);
          const PropValue vb = ValueOf(pages[b].properties.get(), k.property);
          if (va.t != vb.t) {
            cmp = va.t == PropValue::T::kNone ? 1 : vb.t == PropValue::T::kNone ? -1 : 0;
          } else if (va.t == PropValue::T::kNumber) {
            cmp = va.number < vb.number ? -1 : va.number > vb.number ? 1 : 0;
          } else if (va.t == PropValue::T::kBool) {
            cmp = va.flag == vb.flag ? 0 : va.flag ? 1 : -1;
          } else {
            cmp = va.text.compare(vb.text);
            cmp = cmp < 0 ? -1 : cmp > 0 ? 1 : 0;
          }
          if (va.t == PropValue::T::kNone || vb.t == PropValue::T::kNone) {
            if (cmp != 0) return cmp < 0;  // empty values sort last either way
          }
        }
        if (cmp != 0) return k.descending ? cmp > 0 : cmp < 0;
      }
      return false;
    };
    std::stable_sort(all.begin(), all.end(), less);
    for (; pos < all.size(); ++pos) {
      if (hits.size() == want) {
        more = true;
        next_pos = pos;
        break;
      }
      hits.push_back(all[pos]);
    }
  }
  const bool capped = more && returned_before + hits.size() >= limit;
  c.result_count = static_cast<std::uint32_t>(hits.size());
  c.result_ids.reserve(hits.size());
  for (std::uint32_t pi : hits) c.result_ids.push_back(pages[pi].id);
  c.has_more = more && !capped;
  c.next_cursor = c.has_more ? ((returned_before + hits.size()) << 32) | (next_pos + 1) : 0;
  if (!hits.empty()) c.object = pages[hits[0]].id;
  c.found = !hits.empty();
  if (c.render) {
    json results = json::array();
    for (std::uint32_t pi : hits) results.push_back(RenderPage(pages[pi], c.version));
    c.result = List(std::move(results), c, list_type, ds.id);
    if (capped) {
      c.result["request_status"] = {{"type", "incomplete"},
                                    {"incomplete_reason", "query_result_limit_reached"}};
    }
  }
}

void FakeNotion::Impl::RetrieveDatabase(Call& c) {
  const Ref* ref = Find(c.target);
  if (ref == nullptr || ref->kind != Kind::kDatabase) {
    NotFound(c, "database", c.target);
    return;
  }
  if (!Allowed(c, c.target, kCapRead, "database")) return;
  const DatabaseRec& db = databases[ref->index];
  if (c.version == ApiVersion::k20220628 && db.data_sources.size() != 1) {
    c.Fail(400, ApiCode::kValidationError,
           "Databases with multiple data sources are not supported in this API version.");
    if (c.render) {
      c.additional = {{"error_type", "multiple_data_sources_for_database"},
                      {"database_id", db.id.ToString()},
                      {"minimum_api_version", "2025-09-03"}};
    }
    return;
  }
  c.object = db.id;
  if (c.render) c.result = RenderDatabase(db, c.version);
}

void FakeNotion::Impl::CreateDatabase(Call& c) {
  if (c.version == ApiVersion::k20220628) {
    c.Fail(400, ApiCode::kValidationError,
           "notion-sim: creating a database is modelled for Notion-Version 2025-09-03 and later.");
    return;
  }
  const json empty = json::object();
  const json& body = c.body != nullptr && c.body->is_object() ? *c.body : empty;
  const auto parent_it = body.find("parent");
  if (parent_it == body.end() || !parent_it->is_object() || !parent_it->contains("page_id") ||
      !(*parent_it)["page_id"].is_string()) {
    c.Fail(400, ApiCode::kValidationError,
           "body failed validation: body.parent.page_id should be defined, instead was "
           "`undefined`.");
    return;
  }
  const std::optional<ObjectId> parent =
      ObjectId::Parse((*parent_it)["page_id"].get<std::string>());
  const Ref* ref = parent ? Find(*parent) : nullptr;
  if (ref == nullptr || ref->kind != Kind::kPage || pages[ref->index].in_trash) {
    NotFound(c, "page", parent.value_or(ObjectId{}));
    return;
  }
  if (!Allowed(c, *parent, kCapInsert, "page")) return;
  std::vector<PropertySpec> schema;
  const auto ids_it = body.find("initial_data_source");
  if (ids_it != body.end()) {
    const json* props =
        ids_it->is_object() && ids_it->contains("properties") ? &(*ids_it)["properties"] : nullptr;
    if (props == nullptr || !props->is_object()) {
      c.Fail(400, ApiCode::kValidationError,
             "body failed validation: body.initial_data_source.properties should be an object.");
      return;
    }
    int titles = 0;
    for (auto it = props->begin(); it != props->end(); ++it) {
      if (!it->is_object() || it->size() != 1) {
        c.Fail(400, ApiCode::kValidationError,
               "body failed validation: body.initial_data_source.properties." + it.key() +
                   " should name exactly one property type.");
        return;
      }
      const std::string type = it->begin().key();
      if (type == "title") ++titles;
      schema.push_back(PropertySpec{it.key(), type});
    }
    if (titles != 1) {
      c.Fail(400, ApiCode::kValidationError,
             "body failed validation: a data source needs exactly one title property.");
      return;
    }
  } else {
    schema.push_back(PropertySpec{"Name", "title"});
  }
  std::string title = body.contains("title") ? PlainText(body["title"]) : std::string();
  if (title.empty()) title = "Untitled";
  const ObjectId db_id = ObjectId::Random(ids);
  const std::uint32_t db = NewDatabase(db_id, title);
  databases[db].created_us = c.now_us;
  const std::uint32_t ds = NewDataSource(ObjectId::Random(ids), title, std::move(schema), db);
  data_sources[ds].created_us = c.now_us;
  data_sources[ds].edited_us = c.now_us;
  Record(c, db_id);
  c.object = db_id;
  if (c.render) c.result = RenderDatabase(databases[db], c.version);
}

void FakeNotion::Impl::UpdateDatabase(Call& c) {
  const Ref* ref = Find(c.target);
  if (ref == nullptr || ref->kind != Kind::kDatabase) {
    NotFound(c, "database", c.target);
    return;
  }
  if (!Allowed(c, c.target, kCapUpdate, "database")) return;
  const json empty = json::object();
  const json& body = c.body != nullptr && c.body->is_object() ? *c.body : empty;
  DatabaseRec& db = databases[ref->index];
  for (const char* key : {"in_trash", "archived"}) {
    auto it = body.find(key);
    if (it == body.end()) continue;
    if (!it->is_boolean()) {
      c.Fail(400, ApiCode::kValidationError,
             std::string("body failed validation: body.") + key +
                 " should be a boolean, instead was `" + Quoted(*it) + "`.");
      return;
    }
    db.in_trash = it->get<bool>();
    for (std::uint32_t ds : db.data_sources) data_sources[ds].in_trash = db.in_trash;
  }
  if (auto it = body.find("title"); it != body.end()) {
    const std::string title = PlainText(*it);
    if (!title.empty()) db.title = title;
  }
  Record(c, db.id);
  c.object = db.id;
  if (c.render) c.result = RenderDatabase(db, c.version);
}

void FakeNotion::Impl::RetrieveDataSource(Call& c) {
  if (c.version == ApiVersion::k20220628) {
    c.Fail(400, ApiCode::kInvalidRequestUrl, "Invalid request URL.");
    return;
  }
  const Ref* ref = Find(c.target);
  if (ref == nullptr || ref->kind != Kind::kDataSource) {
    NotFound(c, "data source", c.target);
    return;
  }
  if (!Allowed(c, c.target, kCapRead, "data source")) return;
  c.object = c.target;
  if (c.render) c.result = RenderDataSource(data_sources[ref->index], c.version);
}

bool FakeNotion::Impl::AppendChildren(Call& c, std::vector<std::uint32_t>* list,
                                      ParentKind parent_kind, const ObjectId& parent,
                                      const json& children, std::vector<std::uint32_t>* created) {
  for (const json& item : children) {
    BlockRec b;
    b.id = ObjectId::Random(ids);
    b.parent = parent;
    b.parent_kind = parent_kind;
    b.created_us = c.now_us;
    b.edited_us = c.now_us;
    b.creator = static_cast<std::uint16_t>(c.token);
    b.content = c.owner != nullptr ? Alias(c.owner, &item)
                                   : engine::Payload(std::shared_ptr<const json>(), &item);
    const auto bi = static_cast<std::uint32_t>(blocks.size());
    index.Insert(b.id, Ref{Kind::kBlock, bi});
    blocks.push_back(std::move(b));
    list->push_back(bi);
    if (created != nullptr) created->push_back(bi);
    const std::string type = BlockType(item);
    if (auto content = item.find(type); content != item.end() && content->is_object()) {
      if (auto nested = content->find("children"); nested != content->end() && nested->is_array()) {
        std::vector<std::uint32_t> sub;
        AppendChildren(c, &sub, ParentKind::kBlock, blocks[bi].id, *nested, nullptr);
        blocks[bi].children = std::move(sub);
      }
    }
  }
  return true;
}

void FakeNotion::Impl::AppendBlocks(Call& c) {
  const Ref* ref = Find(c.target);
  if (ref == nullptr || (ref->kind != Kind::kPage && ref->kind != Kind::kBlock)) {
    NotFound(c, "block", c.target);
    return;
  }
  if (!Allowed(c, c.target, kCapInsert, "block")) return;
  const bool trashed =
      ref->kind == Kind::kPage ? pages[ref->index].in_trash : blocks[ref->index].in_trash;
  if (trashed) {
    c.Fail(400, ApiCode::kValidationError,
           "Can't edit block that is archived. You must unarchive the block before editing.");
    return;
  }
  const json* children = nullptr;
  if (c.body != nullptr && c.body->is_object()) {
    if (auto it = c.body->find("children"); it != c.body->end()) children = &*it;
  }
  if (children == nullptr) {
    if (c.http) {
      c.Fail(400, ApiCode::kValidationError,
             "body failed validation: body.children should be defined, instead was `undefined`.");
      return;
    }
    children = &kDefaultChildren;
    c.owner = nullptr;  // the static default outlives every block
  }
  if (c.http) {
    std::uint32_t n = 0;
    if (!ValidateChildren(c, *children, "body.children", 1, &n)) return;
  } else if (c.owner != nullptr) {
    const PayloadFacts* f = FactsFor(c);
    if (f != nullptr && !f->valid) {
      c.Fail(400, f->code, f->message);
      return;
    }
  }
  std::vector<std::uint32_t> created;
  const Ref target = *ref;  // AppendChildren grows the index
  std::vector<std::uint32_t>& list =
      target.kind == Kind::kPage ? pages[target.index].children : blocks[target.index].children;
  std::vector<std::uint32_t> appended;
  AppendChildren(c, &appended, target.kind == Kind::kPage ? ParentKind::kPage : ParentKind::kBlock,
                 c.target, *children, &created);
  std::vector<std::uint32_t>& list_again =
      target.kind == Kind::kPage ? pages[target.index].children : blocks[target.index].children;
  (void)list;
  list_again.insert(list_again.end(), appended.begin(), appended.end());
  if (target.kind == Kind::kPage) {
    pages[target.index].edited_us = c.now_us;
  } else {
    blocks[target.index].edited_us = c.now_us;
  }
  c.result_count = static_cast<std::uint32_t>(appended.size());
  Record(c, appended.empty() ? c.target : blocks[appended[0]].id);
  c.object = appended.empty() ? c.target : blocks[appended[0]].id;
  if (c.render) {
    json results = json::array();
    for (std::uint32_t bi : appended) results.push_back(RenderBlock(blocks[bi], c.version));
    c.result = List(std::move(results), c, "block", c.target);
  }
}

void FakeNotion::Impl::ListChildren(Call& c) {
  const Ref* ref = Find(c.target);
  if (ref == nullptr || (ref->kind != Kind::kPage && ref->kind != Kind::kBlock)) {
    NotFound(c, "block", c.target);
    return;
  }
  if (!Allowed(c, c.target, kCapRead, "block")) return;
  const std::vector<std::uint32_t>& list =
      ref->kind == Kind::kPage ? pages[ref->index].children : blocks[ref->index].children;
  std::uint64_t pos = c.cursor_given ? (c.start_cursor & 0xFFFFFFFFULL) - 1 : 0;
  std::vector<std::uint32_t> hits;
  bool more = false;
  std::uint64_t next = 0;
  for (; pos < list.size(); ++pos) {
    if (blocks[list[pos]].in_trash) continue;
    if (hits.size() == c.page_size) {
      more = true;
      next = pos;
      break;
    }
    hits.push_back(list[pos]);
  }
  c.result_count = static_cast<std::uint32_t>(hits.size());
  c.result_ids.reserve(hits.size());
  for (std::uint32_t bi : hits) c.result_ids.push_back(blocks[bi].id);
  c.has_more = more;
  c.next_cursor = more ? next + 1 : 0;
  c.object = c.target;
  if (c.render) {
    json results = json::array();
    for (std::uint32_t bi : hits) results.push_back(RenderBlock(blocks[bi], c.version));
    c.result = List(std::move(results), c, "block", c.target);
  }
}

void FakeNotion::Impl::RetrieveBlock(Call& c) {
  const Ref* ref = Find(c.target);
  if (ref == nullptr || (ref->kind != Kind::kPage && ref->kind != Kind::kBlock)) {
    NotFound(c, "block", c.target);
    return;
  }
  if (!Allowed(c, c.target, kCapRead, "block")) return;
  c.object = c.target;
  if (c.render) {
    c.result = ref->kind == Kind::kPage ? RenderPageAsBlock(pages[ref->index], c.version)
                                        : RenderBlock(blocks[ref->index], c.version);
  }
}

void FakeNotion::Impl::UpdateBlock(Call& c) {
  const Ref* ref = Find(c.target);
  if (ref == nullptr || (ref->kind != Kind::kPage && ref->kind != Kind::kBlock)) {
    NotFound(c, "block", c.target);
    return;
  }
  if (!Allowed(c, c.target, kCapUpdate, "block")) return;
  if (ref->kind == Kind::kPage) {
    // A page through the blocks endpoint: only its trash state can change here.
    UpdatePage(c);
    if (!c.failed()) c.op = Operation::kUpdateBlock;
    return;
  }
  BlockRec& b = blocks[ref->index];
  const json empty = json::object();
  const json& body = c.body != nullptr && c.body->is_object() ? *c.body : empty;
  std::optional<bool> trash;
  for (const char* key : {"in_trash", "archived"}) {
    if (auto it = body.find(key); it != body.end() && it->is_boolean()) trash = it->get<bool>();
  }
  if (b.in_trash && trash != false) {
    c.Fail(400, ApiCode::kValidationError,
           "Can't edit block that is archived. You must unarchive the block before editing.");
    return;
  }
  const std::string type = b.content != nullptr ? BlockType(*b.content) : "paragraph";
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (it.key() == "in_trash" || it.key() == "archived" || it.key() == "type") continue;
    if (it.key() != type) {
      c.Fail(400, ApiCode::kValidationError,
             "body failed validation: body." + it.key() + " should be not present, instead was `" +
                 Quoted(*it) + "`. The block's type is `" + type + "`.");
      return;
    }
    json wrapper = {{"type", type}, {type, *it}};
    Call probe;
    std::uint32_t n = 0;
    if (!ValidateChildren(probe, json::array({wrapper}), "body", 1, &n)) {
      c.Fail(400, ApiCode::kValidationError, probe.message);
      return;
    }
    b.content = std::make_shared<const json>(std::move(wrapper));
  }
  if (trash) b.in_trash = *trash;
  b.edited_us = c.now_us;
  Record(c, b.id);
  c.object = b.id;
  if (c.render) c.result = RenderBlock(b, c.version);
}

void FakeNotion::Impl::DeleteBlock(Call& c) {
  const Ref* ref = Find(c.target);
  if (ref == nullptr || (ref->kind != Kind::kPage && ref->kind != Kind::kBlock)) {
    NotFound(c, "block", c.target);
    return;
  }
  if (!Allowed(c, c.target, kCapUpdate, "block")) return;
  if (ref->kind == Kind::kPage) {
    PageRec& p = pages[ref->index];
    p.in_trash = true;
    p.edited_us = c.now_us;
    Record(c, p.id);
    c.object = p.id;
    if (c.render) c.result = RenderPageAsBlock(p, c.version);
    return;
  }
  BlockRec& b = blocks[ref->index];
  b.in_trash = true;
  b.edited_us = c.now_us;
  Record(c, b.id);
  c.object = b.id;
  if (c.render) c.result = RenderBlock(b, c.version);
}

void FakeNotion::Impl::Search(Call& c) {
  const json empty = json::object();
  const json& body = c.body != nullptr && c.body->is_object() ? *c.body : empty;
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
  if (auto it = body.find("filter"); it != body.end() && !it->is_null()) {
    const json& f = *it;
    const std::string allowed = old ? "database" : "data_source";
    if (!f.is_object() || Str(f, "property") != "object" || !f.contains("value") ||
        (f["value"] != "page" && f["value"] != allowed)) {
      c.Fail(400, ApiCode::kValidationError,
             "body failed validation: body.filter.value should be `\"page\"` or `\"" + allowed +
                 "\"`, instead was `" +
                 Quoted(f.is_object() && f.contains("value") ? f["value"] : f) + "`.");
      return;
    }
    want_pages = f["value"] == "page";
    want_sources = !want_pages;
  }
  bool ascending = false;
  if (auto it = body.find("sort"); it != body.end() && !it->is_null()) {
    if (!it->is_object() || Str(*it, "timestamp") != "last_edited_time" ||
        (Str(*it, "direction") != "ascending" && Str(*it, "direction") != "descending")) {
      c.Fail(400, ApiCode::kValidationError,
             "body failed validation: body.sort should be `{\"timestamp\": \"last_edited_time\", "
             "\"direction\": \"ascending\" | \"descending\"}`, instead was `" +
                 Quoted(*it) + "`.");
      return;
    }
    ascending = Str(*it, "direction") == "ascending";
  }
  const TokenSpec& tok = tokens[static_cast<std::size_t>(c.token)].spec;
  auto hidden = [&](const ObjectId& id) {
    return !tok.hidden.empty() &&
           std::find(tok.hidden.begin(), tok.hidden.end(), id) != tok.hidden.end();
  };
  const TimeUs indexed_before = c.now_us - config.workspace.search_indexing_delay_us;
  struct Hit {
    TimeUs edited_us;
    std::uint32_t order;  // creation order among hits: pages first, then sources
    Kind kind;
    std::uint32_t index;
  };
  std::vector<Hit> hits;
  std::uint32_t order = 0;
  if (want_pages) {
    for (std::uint32_t i = 0; i < pages.size(); ++i) {
      const PageRec& p = pages[i];
      if (p.in_trash || p.created_us > indexed_before || hidden(p.id)) continue;
      if (!query.empty() && Lower(Title(p)).find(query) == std::string::npos) continue;
      hits.push_back(Hit{p.edited_us, order++, Kind::kPage, i});
    }
  }
  if (want_sources) {
    if (old) {
      for (std::uint32_t i = 0; i < databases.size(); ++i) {
        const DatabaseRec& d = databases[i];
        if (d.in_trash || d.created_us > indexed_before || hidden(d.id)) continue;
        if (!query.empty() && Lower(d.title).find(query) == std::string::npos) continue;
        hits.push_back(Hit{d.created_us, order++, Kind::kDatabase, i});
      }
    } else {
      for (std::uint32_t i = 0; i < data_sources.size(); ++i) {
        const DataSourceRec& d = data_sources[i];
        if (d.in_trash || d.created_us > indexed_before || hidden(d.id)) continue;
        if (!query.empty() && Lower(d.title).find(query) == std::string::npos) continue;
        hits.push_back(Hit{d.edited_us, order++, Kind::kDataSource, i});
      }
    }
  }
  std::stable_sort(hits.begin(), hits.end(), [&](const Hit& a, const Hit& b) {
    if (a.edited_us != b.edited_us)
      return ascending ? a.edited_us < b.edited_us : a.edited_us > b.edited_us;
    return ascending ? a.order < b.order : a.order > b.order;
  });
  const std::uint64_t pos = c.cursor_given ? (c.start_cursor & 0xFFFFFFFFULL) - 1 : 0;
  const std::uint64_t end = std::min<std::uint64_t>(hits.size(), pos + c.page_size);
  c.result_count = pos < end ? static_cast<std::uint32_t>(end - pos) : 0;
  c.has_more = end < hits.size();
  c.next_cursor = c.has_more ? end + 1 : 0;
  for (std::uint64_t i = pos; i < end; ++i) {
    const Hit& h = hits[i];
    c.result_ids.push_back(h.kind == Kind::kPage       ? pages[h.index].id
                           : h.kind == Kind::kDatabase ? databases[h.index].id
                                                       : data_sources[h.index].id);
  }
  if (c.result_count > 0) {
    c.found = true;
    c.object = c.result_ids.front();
  }
  if (c.render) {
    json results = json::array();
    for (std::uint64_t i = pos; i < end; ++i) {
      const Hit& h = hits[i];
      if (h.kind == Kind::kPage) {
        results.push_back(RenderPage(pages[h.index], c.version));
      } else if (h.kind == Kind::kDatabase) {
        results.push_back(RenderDatabase(databases[h.index], c.version));
      } else {
        results.push_back(RenderDataSource(data_sources[h.index], c.version));
      }
    }
    c.result =
        List(std::move(results), c, old ? "page_or_database" : "page_or_data_source", ObjectId{});
  }
}

void FakeNotion::Impl::UsersMe(Call& c) {
  const TokenRec& t = tokens[static_cast<std::size_t>(c.token)];
  c.object = t.bot;
  if (!c.render) return;
  UserRec bot;
  bot.id = t.bot;
  bot.name = t.spec.name;
  bot.token = c.token;
  c.result = RenderUser(bot);
}

void FakeNotion::Impl::ListUsers(Call& c) {
  const std::uint64_t pos = c.cursor_given ? (c.start_cursor & 0xFFFFFFFFULL) - 1 : 0;
  const std::uint64_t end = std::min<std::uint64_t>(users.size(), pos + c.page_size);
  c.result_count = pos < end ? static_cast<std::uint32_t>(end - pos) : 0;
  c.has_more = end < users.size();
  c.next_cursor = c.has_more ? end + 1 : 0;
  if (c.render) {
    json results = json::array();
    for (std::uint64_t i = pos; i < end; ++i) results.push_back(RenderUser(users[i]));
    c.result = List(std::move(results), c, "user", ObjectId{});
  }
}

void FakeNotion::Impl::RetrieveUser(Call& c) {
  const Ref* ref = Find(c.target);
  if (ref == nullptr || ref->kind != Kind::kUser) {
    const TokenRec& t = tokens[static_cast<std::size_t>(c.token)];
    if (c.target == t.bot) {
      UsersMe(c);
      return;
    }
    NotFound(c, "user", c.target);
    return;
  }
  c.object = c.target;
  if (c.render) c.result = RenderUser(users[ref->index]);
}

void FakeNotion::Impl::UpstreamComplete(Call& c) {
  const UpstreamConfig& u = config.upstream;
  if (!u.enabled) {
    c.Fail(404, ApiCode::kObjectNotFound, "the upstream is disabled");
    return;
  }
  if (u.requests_per_minute > 0) {
    if (upstream_window_start_us < 0 || c.now_us >= upstream_window_start_us + Min(1)) {
      upstream_window_start_us = c.now_us;
      upstream_window_used = 0;
    }
    if (upstream_window_used >= u.requests_per_minute) {
      const TimeUs left = upstream_window_start_us + Min(1) - c.now_us;
      c.retry_after_form = RetryAfterForm::kSeconds;
      c.retry_after_s = std::max<std::int64_t>(1, (left + kUsPerSec - 1) / kUsPerSec);
      c.Fail(429, ApiCode::kRateLimited, "upstream rate limit exceeded");
      return;
    }
    ++upstream_window_used;
  }
  std::string prompt;
  std::int64_t max_tokens = 64;
  if (c.body != nullptr && c.body->is_object()) {
    const json& b = *c.body;
    if (auto it = b.find("prompt"); it != b.end()) {
      if (!it->is_string()) {
        c.Fail(400, ApiCode::kValidationError, "prompt: expected a string");
        return;
      }
      prompt = it->get<std::string>();
    } else if (c.http) {
      c.Fail(400, ApiCode::kValidationError, "prompt: field required");
      return;
    }
    if (auto it = b.find("max_tokens"); it != b.end()) {
      if (!it->is_number_integer() || it->get<std::int64_t>() < 1 ||
          it->get<std::int64_t>() > 4096) {
        c.Fail(400, ApiCode::kValidationError, "max_tokens: expected an integer in [1, 4096]");
        return;
      }
      max_tokens = it->get<std::int64_t>();
    }
  } else if (c.http) {
    c.Fail(400, ApiCode::kValidationError, "prompt: field required");
    return;
  }
  if (JsLength(prompt) > u.max_prompt_chars) {
    c.Fail(400, ApiCode::kValidationError,
           "prompt: at most " + std::to_string(u.max_prompt_chars) + " characters");
    return;
  }
  c.delay_us = u.latency.Sample(upstream_rng);
  const std::int64_t tokens_out =
      std::min<std::int64_t>(max_tokens, 4 + static_cast<std::int64_t>(upstream_rng.Below(28)));
  c.result_count = static_cast<std::uint32_t>(tokens_out);
  if (!c.render) return;
  static constexpr const char* kWords[] = {"steady", "signal", "draft",  "summary", "notes",
                                           "status", "review", "update", "plan",    "risk",
                                           "owner",  "next",   "done",   "ready",   "sync"};
  std::string text;
  for (std::int64_t i = 0; i < tokens_out; ++i) {
    if (!text.empty()) text += ' ';
    text += kWords[upstream_rng.Below(std::size(kWords))];
  }
  c.result = {
      {"id", "cmpl-" + ObjectId::Random(upstream_rng).ToString().substr(0, 8)},
      {"object", "completion"},
      {"model", u.model},
      {"choices", json::array({{{"index", 0},
                                {"text", text},
                                {"finish_reason", tokens_out == max_tokens ? "length" : "stop"}}})},
      {"usage",
       {{"prompt_tokens", static_cast<std::int64_t>(JsLength(prompt) / 4 + 1)},
        {"completion_tokens", tokens_out}}}};
}

}  // namespace notion_sim::sim
