// Data source queries: Notion's filter grammar (every property filter type the SDK's types
// define, timestamp filters, and/or compounds nested two levels), sorts by property and
// timestamp, pagination with the query result cap, in_trash, and the reconcile lookup (a filter on
// the idempotency key answered from an index).
#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "ops.h"

namespace notion_sim::sim {

using engine::ApiCode;
using engine::ObjectId;
using nlohmann::json;

namespace {

constexpr std::uint32_t kMaxArray = 100;
// Compound filters may nest two levels: {"and": [{"or": [...]}]}, as the SDK's
// GroupFilterOperatorArray says.
constexpr int kMaxFilterDepth = 2;

const std::vector<std::string> kExistence = {"is_empty", "is_not_empty"};
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
const std::vector<std::string> kContainsOps = {"contains", "does_not_contain", "is_empty",
                                               "is_not_empty"};
const std::vector<std::string> kDateOps = {
    "equals",     "before",    "after",      "on_or_before", "on_or_after",
    "this_week",  "past_week", "past_month", "past_year",    "next_week",
    "next_month", "next_year", "is_empty",   "is_not_empty"};
const std::vector<std::string> kVerificationOps = {"status", "does_not_equal"};

// The filter types and the conditions each takes.
const std::vector<std::string>* OpsFor(const std::string& type) {
  if (type == "title" || type == "rich_text" || type == "url" || type == "email" ||
      type == "phone_number") {
    return &kTextOps;
  }
  if (type == "number" || type == "unique_id") return &kNumberOps;
  if (type == "checkbox") return &kCheckboxOps;
  if (type == "select" || type == "status") return &kSelectOps;
  if (type == "multi_select" || type == "people" || type == "relation" || type == "created_by" ||
      type == "last_edited_by") {
    return &kContainsOps;
  }
  if (type == "date" || type == "created_time" || type == "last_edited_time") return &kDateOps;
  if (type == "files") return &kExistence;
  if (type == "verification") return &kVerificationOps;
  return nullptr;
}

bool IsCompoundType(const std::string& type) { return type == "formula" || type == "rollup"; }

std::string CheckCondition(const std::string& type, const json& cond, const std::string& at) {
  if (type == "formula") {
    if (!cond.is_object() || cond.size() != 1) {
      return "body failed validation: " + at +
             " should be an object with one of `string`, `checkbox`, `number`, `date`.";
    }
    const std::string sub = cond.begin().key();
    const std::string mapped = sub == "string" ? "rich_text" : sub;
    if (sub != "string" && sub != "checkbox" && sub != "number" && sub != "date") {
      return "body failed validation: " + at + "." + sub + " should be not present, instead was `" +
             Quoted(cond.begin().value()) + "`.";
    }
    return CheckCondition(mapped, cond.begin().value(), at + "." + sub);
  }
  if (type == "rollup") {
    if (!cond.is_object() || cond.size() != 1) {
      return "body failed validation: " + at +
             " should be an object with one of `any`, `none`, `every`, `date`, `number`.";
    }
    const std::string sub = cond.begin().key();
    const json& inner = cond.begin().value();
    if (sub == "date" || sub == "number") return CheckCondition(sub, inner, at + "." + sub);
    if (sub != "any" && sub != "none" && sub != "every") {
      return "body failed validation: " + at + "." + sub + " should be not present, instead was `" +
             Quoted(inner) + "`.";
    }
    if (!inner.is_object() || inner.size() != 1) {
      return "body failed validation: " + at + "." + sub +
             " should be an object with one property filter.";
    }
    return CheckCondition(inner.begin().key(), inner.begin().value(),
                          at + "." + sub + "." + inner.begin().key());
  }
  const std::vector<std::string>* ops = OpsFor(type);
  if (ops == nullptr) {
    return "body failed validation: " + at + " is not a filter type (" + type + ").";
  }
  if (!cond.is_object() || cond.size() != 1) {
    return "body failed validation: " + at +
           " should be an object with exactly one condition, instead was `" + Quoted(cond) + "`.";
  }
  const std::string op = cond.begin().key();
  const json& arg = cond.begin().value();
  if (std::find(ops->begin(), ops->end(), op) == ops->end()) {
    return "body failed validation: " + at + "." + op + " should be not present, instead was `" +
           Quoted(arg) + "`.";
  }
  const std::string where = at + "." + op;
  if (op == "is_empty" || op == "is_not_empty") {
    if (arg != true) {
      return "body failed validation: " + where + " should be `true`, instead was `" + Quoted(arg) +
             "`.";
    }
    return "";
  }
  if (&*ops == &kTextOps && !arg.is_string()) {
    return "body failed validation: " + where + " should be a string, instead was `" + Quoted(arg) +
           "`.";
  }
  if (&*ops == &kNumberOps && !arg.is_number()) {
    return "body failed validation: " + where + " should be a number, instead was `" + Quoted(arg) +
           "`.";
  }
  if (&*ops == &kCheckboxOps && !arg.is_boolean()) {
    return "body failed validation: " + where + " should be a boolean, instead was `" +
           Quoted(arg) + "`.";
  }
  if ((&*ops == &kSelectOps) && !arg.is_string() && !arg.is_array()) {
    return "body failed validation: " + where + " should be a string or an array, instead was `" +
           Quoted(arg) + "`.";
  }
  if (&*ops == &kContainsOps && !arg.is_string() && !arg.is_array()) {
    return "body failed validation: " + where + " should be a string, instead was `" + Quoted(arg) +
           "`.";
  }
  if (&*ops == &kDateOps) {
    const bool relative_range =
        op.rfind("past_", 0) == 0 || op.rfind("next_", 0) == 0 || op == "this_week";
    if (relative_range ? !arg.is_object() : !arg.is_string()) {
      return "body failed validation: " + where + " should be " +
             (relative_range ? "an empty object" : "a date string") + ", instead was `" +
             Quoted(arg) + "`.";
    }
  }
  return "";
}

// --- values ---

// Milliseconds since the epoch of an ISO 8601 date or date-time; nullopt when unreadable.
std::optional<std::int64_t> ParseIsoMs(const std::string& s, bool* date_only) {
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  auto num = [&](std::size_t at, std::size_t n) -> int {
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (i >= s.size() || s[i] < '0' || s[i] > '9') return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  const int y = num(0, 4), mo = num(5, 2), d = num(8, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31) return std::nullopt;
  std::int64_t ms = UnixFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 1000;
  if (date_only != nullptr) *date_only = s.size() == 10;
  if (s.size() >= 16 && s[10] == 'T') {
    const int h = num(11, 2), mi = num(14, 2);
    const int sec = s.size() >= 19 ? num(17, 2) : 0;
    if (h < 0 || mi < 0 || sec < 0) return std::nullopt;
    ms += (h * 3600LL + mi * 60LL + sec) * 1000;
    std::size_t tz = 19;
    if (tz < s.size() && s[tz] == '.') {
      std::size_t k = tz + 1;
      std::int64_t frac = 0;
      int digits = 0;
      for (; k < s.size() && s[k] >= '0' && s[k] <= '9'; ++k) {
        if (digits < 3) frac = frac * 10 + (s[k] - '0');
        ++digits;
      }
      while (digits < 3) {
        frac *= 10;
        ++digits;
      }
      ms += frac;
      tz = k;
    }
    if (tz < s.size() && (s[tz] == '+' || s[tz] == '-')) {
      const int oh = num(tz + 1, 2), om = num(tz + 4, 2);
      if (oh >= 0 && om >= 0) {
        const std::int64_t off = (oh * 3600LL + om * 60LL) * 1000;
        ms += s[tz] == '+' ? -off : off;
      }
    }
  }
  return ms;
}

struct Value {
  enum class T { kNone, kText, kNumber, kBool, kList, kDate } t = T::kNone;
  std::string text;
  double number = 0;
  bool flag = false;
  std::vector<std::string> list;
  std::int64_t ms = 0;
};

// The value of a page's property (or timestamp) as a filter or sort compares it.
Value ValueOf(const Core& m, const PageRec& p, const std::string& name, const std::string& type) {
  Value v;
  if (type == "created_time" || type == "last_edited_time") {
    v.t = Value::T::kDate;
    v.ms = m.config.workspace.epoch_unix_s * 1000 +
           (type == "created_time" ? p.created_us : p.edited_us) / kUsPerMs;
    return v;
  }
  if (type == "created_by" || type == "last_edited_by") {
    v.t = Value::T::kList;
    const int token = type == "created_by" ? p.creator : p.editor;
    if (static_cast<std::size_t>(token) < m.tokens.size()) {
      v.list.push_back(m.tokens[static_cast<std::size_t>(token)].bot.ToString());
    }
    return v;
  }
  if (type == "unique_id") {
    v.t = Value::T::kNumber;
    v.number = p.number;
    return v;
  }
  const json* props = p.properties.get();
  if (props == nullptr || !props->is_object()) return v;
  const json& prop = Field(*props, name);
  if (!prop.is_object()) return v;
  // The stored value, by the key it was written with.
  if (const json& f = Field(prop, "title"); f.is_array()) {
    v.t = Value::T::kText;
    v.text = PlainText(f);
  } else if (const json& rt = Field(prop, "rich_text"); rt.is_array()) {
    v.t = Value::T::kText;
    v.text = PlainText(rt);
  } else if (const json& n = Field(prop, "number"); n.is_number()) {
    v.t = Value::T::kNumber;
    v.number = n.get<double>();
  } else if (const json& b = Field(prop, "checkbox"); b.is_boolean()) {
    v.t = Value::T::kBool;
    v.flag = b.get<bool>();
  } else if (const json& s = prop.contains("select") ? prop["select"] : Field(prop, "status");
             s.is_object()) {
    v.t = Value::T::kText;
    v.text = Str(s, "name");
  } else if (const json& ms = Field(prop, "multi_select"); ms.is_array()) {
    v.t = Value::T::kList;
    for (const json& o : ms) v.list.push_back(Str(o, "name"));
  } else if (const json& d = Field(prop, "date"); d.is_object()) {
    if (auto t = ParseIsoMs(Str(d, "start"), nullptr)) {
      v.t = Value::T::kDate;
      v.ms = *t;
    }
  } else if (const json& pe = prop.contains("people") ? prop["people"] : Field(prop, "relation");
             pe.is_array()) {
    v.t = Value::T::kList;
    for (const json& o : pe) v.list.push_back(Lower(Str(o, "id")));
  } else if (const json& fl = Field(prop, "files"); fl.is_array()) {
    v.t = Value::T::kList;
    for (const json& o : fl) v.list.push_back(Str(o, "name"));
  } else {
    for (const char* key : {"url", "email", "phone_number"}) {
      if (const json& t = Field(prop, key); t.is_string()) {
        v.t = Value::T::kText;
        v.text = t.get<std::string>();
      }
    }
  }
  return v;
}

bool Empty(const Value& v) {
  return v.t == Value::T::kNone || (v.t == Value::T::kText && v.text.empty()) ||
         (v.t == Value::T::kList && v.list.empty());
}

std::int64_t DayOf(std::int64_t ms) {
  return ms >= 0 ? ms / 86'400'000 : (ms - 86'399'999) / 86'400'000;
}

bool EvalDate(const Core& m, const Call& c, const Value& v, const std::string& op,
              const json& arg) {
  if (op == "is_empty") return Empty(v);
  if (op == "is_not_empty") return !Empty(v);
  if (v.t != Value::T::kDate) return false;
  const std::int64_t now_ms = m.config.workspace.epoch_unix_s * 1000 + c.now_us / kUsPerMs;
  const std::int64_t day = 86'400'000;
  auto within = [&](std::int64_t from, std::int64_t to) { return v.ms >= from && v.ms <= to; };
  if (op == "past_week") return within(now_ms - 7 * day, now_ms);
  if (op == "past_month") return within(now_ms - 30 * day, now_ms);
  if (op == "past_year") return within(now_ms - 365 * day, now_ms);
  if (op == "next_week") return within(now_ms, now_ms + 7 * day);
  if (op == "next_month") return within(now_ms, now_ms + 30 * day);
  if (op == "next_year") return within(now_ms, now_ms + 365 * day);
  if (op == "this_week") {
    const std::int64_t today = DayOf(now_ms);
    const std::int64_t weekday = ((today % 7) + 7 + 4) % 7;  // 0 = Sunday
    const std::int64_t start = (today - weekday) * day;
    return v.ms >= start && v.ms < start + 7 * day;
  }
  // A date or a relative date.
  const std::string text = arg.is_string() ? arg.get<std::string>() : std::string();
  std::int64_t target = 0;
  bool date_only = true;
  const std::int64_t today_ms = DayOf(now_ms) * day;
  if (text == "today") {
    target = today_ms;
  } else if (text == "tomorrow") {
    target = today_ms + day;
  } else if (text == "yesterday") {
    target = today_ms - day;
  } else if (text == "one_week_ago") {
    target = today_ms - 7 * day;
  } else if (text == "one_week_from_now") {
    target = today_ms + 7 * day;
  } else if (text == "one_month_ago") {
    target = today_ms - 30 * day;
  } else if (text == "one_month_from_now") {
    target = today_ms + 30 * day;
  } else if (auto t = ParseIsoMs(text, &date_only)) {
    target = *t;
  } else {
    return false;
  }
  // A date without a time compares by day.
  const std::int64_t a = date_only ? DayOf(v.ms) : v.ms;
  const std::int64_t b = date_only ? DayOf(target) : target;
  if (op == "equals") return a == b;
  if (op == "before") return a < b;
  if (op == "after") return a > b;
  if (op == "on_or_before") return a <= b;
  if (op == "on_or_after") return a >= b;
  return false;
}

bool EvalCondition(const Core& m, const Call& c, const Value& v, const std::string& type,
                   const json& cond) {
  const std::string op = cond.begin().key();
  const json& arg = cond.begin().value();
  if (type == "date" || type == "created_time" || type == "last_edited_time") {
    return EvalDate(m, c, v, op, arg);
  }
  if (op == "is_empty") return Empty(v);
  if (op == "is_not_empty") return !Empty(v);
  if (type == "checkbox") {
    const bool have = v.t == Value::T::kBool && v.flag;  // absent reads as false
    const bool want = arg.is_boolean() && arg.get<bool>();
    return op == "equals" ? have == want : have != want;
  }
  if (type == "number" || type == "unique_id") {
    if (!arg.is_number()) return false;
    const double x = arg.get<double>();
    if (v.t != Value::T::kNumber) return op == "does_not_equal";
    if (op == "equals") return v.number == x;
    if (op == "does_not_equal") return v.number != x;
    if (op == "greater_than") return v.number > x;
    if (op == "less_than") return v.number < x;
    if (op == "greater_than_or_equal_to") return v.number >= x;
    if (op == "less_than_or_equal_to") return v.number <= x;
    return false;
  }
  if (type == "verification") {
    const std::string state = "none";  // nothing in the fake verifies pages
    const std::string want = arg.is_string() ? arg.get<std::string>() : "";
    return op == "status" ? state == want : state != want;
  }
  if (type == "files") return false;
  std::vector<std::string> wanted;
  if (arg.is_string()) wanted.push_back(arg.get<std::string>());
  if (arg.is_array()) {
    for (const json& a : arg) {
      if (a.is_string()) wanted.push_back(a.get<std::string>());
    }
  }
  if (type == "select" || type == "status") {
    const std::string have = v.t == Value::T::kText ? v.text : "";
    const bool any = std::find(wanted.begin(), wanted.end(), have) != wanted.end();
    return op == "equals" ? any : !any;
  }
  if (v.t == Value::T::kList || type == "multi_select" || type == "people" || type == "relation" ||
      type == "created_by" || type == "last_edited_by") {
    bool any = false;
    for (const std::string& w : wanted) {
      const std::string key = type == "multi_select" ? w : Lower(w);
      for (const std::string& h : v.list) {
        if ((type == "multi_select" ? h : Lower(h)) == key) any = true;
        // Ids match with or without dashes.
        auto norm = [](std::string s) {
          s.erase(std::remove(s.begin(), s.end(), '-'), s.end());
          return Lower(s);
        };
        if (type != "multi_select" && norm(h) == norm(w)) any = true;
      }
    }
    return op == "contains" ? any : !any;
  }
  const std::string a = arg.is_string() ? arg.get<std::string>() : std::string();
  const std::string& t = v.text;
  if (op == "equals") return t == a;
  if (op == "does_not_equal") return t != a;
  if (op == "contains") return Lower(t).find(Lower(a)) != std::string::npos;
  if (op == "does_not_contain") return Lower(t).find(Lower(a)) == std::string::npos;
  if (op == "starts_with") return t.rfind(a, 0) == 0;
  if (op == "ends_with")
    return t.size() >= a.size() && t.compare(t.size() - a.size(), a.size(), a) == 0;
  return false;
}

bool Eval(const Core& m, const Call& c, const json& f, const PageRec& p) {
  if (auto it = f.find("and"); it != f.end()) {
    for (const json& sub : *it) {
      if (!Eval(m, c, sub, p)) return false;
    }
    return true;
  }
  if (auto it = f.find("or"); it != f.end()) {
    for (const json& sub : *it) {
      if (Eval(m, c, sub, p)) return true;
    }
    return false;
  }
  if (auto ts = f.find("timestamp"); ts != f.end()) {
    const std::string type = ts->get<std::string>();
    return EvalDate(m, c, ValueOf(m, p, "", type), f[type].begin().key(), f[type].begin().value());
  }
  const std::string& name = f["property"].get_ref<const std::string&>();
  for (auto it = f.begin(); it != f.end(); ++it) {
    if (it.key() == "property" || it.key() == "type") continue;
    const std::string& type = it.key();
    if (type == "formula") {
      // Formulas are not evaluated: every formula reads as empty.
      const std::string sub = it->begin().key();
      const std::string mapped = sub == "string" ? "rich_text" : sub;
      return EvalCondition(m, c, Value{}, mapped, it->begin().value());
    }
    if (type == "rollup") {
      const std::string sub = it->begin().key();
      const json& inner = it->begin().value();
      if (sub == "any") return false;  // no related values: nothing matches
      if (sub == "none" || sub == "every") return true;
      return EvalCondition(m, c, Value{}, sub, inner);
    }
    return EvalCondition(m, c, ValueOf(m, p, name, type), type, *it);
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

struct SortKey {
  std::string property;
  std::string type;  // the timestamp, or the property's type when known
  bool descending = false;
};

}  // namespace

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
               ".length should be ≤ `100`, instead was `" + std::to_string(it->size()) + "`.";
      }
      for (std::size_t i = 0; i < it->size(); ++i) {
        std::string e = CheckFilter(
            (*it)[i], where + "." + compound + "[" + std::to_string(i) + "]", depth + 1);
        if (!e.empty()) return e;
      }
      return "";
    }
  }
  if (auto ts = f.find("timestamp"); ts != f.end()) {
    if (!ts->is_string() || (*ts != "created_time" && *ts != "last_edited_time")) {
      return "body failed validation: " + where +
             ".timestamp should be `\"created_time\"` or `\"last_edited_time\"`, instead was `" +
             Quoted(*ts) + "`.";
    }
    const std::string type = ts->get<std::string>();
    auto cond = f.find(type);
    if (cond == f.end()) {
      return "body failed validation: " + where + "." + type +
             " should be defined, instead was `undefined`.";
    }
    return CheckCondition(type, *cond, where + "." + type);
  }
  auto prop = f.find("property");
  if (prop == f.end() || !prop->is_string()) {
    return "body failed validation: " + where +
           ".property should be defined, instead was `undefined`.";
  }
  for (auto it = f.begin(); it != f.end(); ++it) {
    if (it.key() == "property" || it.key() == "type") continue;
    if (OpsFor(it.key()) == nullptr && !IsCompoundType(it.key())) {
      return "body failed validation: " + where + "." + it.key() +
             " should be not present, instead was `" + Quoted(*it) +
             "`. A property filter names one of the property types.";
    }
    return CheckCondition(it.key(), *it, where + "." + it.key());
  }
  return "body failed validation: " + where + " should have a filter condition, instead was `" +
         Quoted(f) + "`.";
}

std::string CheckSorts(const json& sorts, const std::string& where) {
  if (!sorts.is_array() || sorts.size() > kMaxArray) {
    return "body failed validation: " + where +
           " should be an array of at most 100 sorts, instead was `" + Quoted(sorts) + "`.";
  }
  for (std::size_t i = 0; i < sorts.size(); ++i) {
    const json& s = sorts[i];
    const std::string at = where + "[" + std::to_string(i) + "]";
    if (!s.is_object()) {
      return "body failed validation: " + at + " should be an object, instead was `" + Quoted(s) +
             "`.";
    }
    const bool property = Field(s, "property").is_string();
    const json& ts = Field(s, "timestamp");
    if (!property && !(ts == "created_time" || ts == "last_edited_time")) {
      return "body failed validation: " + at + ".property or " + at +
             ".timestamp should be defined, instead was `undefined`.";
    }
    if (const json& d = Field(s, "direction");
        s.contains("direction") && d != "ascending" && d != "descending") {
      return "body failed validation: " + at +
             ".direction should be `\"ascending\"` or `\"descending\"`, instead was `" + Quoted(d) +
             "`.";
    }
  }
  return "";
}

std::vector<std::uint32_t> Select(const Core& m, const Call& c, const DataSourceRec& ds,
                                  const json* filter, const json* sorts) {
  std::vector<std::uint32_t> all;
  for (std::uint32_t pi : ds.pages) {
    const PageRec& p = m.pages[pi];
    if (p.in_trash || p.is_template || m.Hidden(c, p.id)) continue;
    if (filter == nullptr || Eval(m, c, *filter, p)) all.push_back(pi);
  }
  if (sorts == nullptr || !sorts->is_array() || sorts->empty()) return all;
  std::vector<SortKey> keys;
  for (const json& s : *sorts) {
    SortKey k;
    if (s.contains("property")) {
      k.property = Str(s, "property");
      for (const PropertyDef& d : ds.schema) {
        if (d.name == k.property || d.id == k.property) {
          k.property = d.name;
          k.type = d.type;
        }
      }
    } else {
      k.type = Str(s, "timestamp");
    }
    k.descending = Str(s, "direction") == "descending";
    keys.push_back(std::move(k));
  }
  auto compare = [&](std::uint32_t a, std::uint32_t b) {
    for (const SortKey& k : keys) {
      const Value va = ValueOf(m, m.pages[a], k.property, k.type);
      const Value vb = ValueOf(m, m.pages[b], k.property, k.type);
      const bool ea = Empty(va), eb = Empty(vb);
      if (ea != eb) return ea ? false : true;  // empty values sort last either way
      if (ea) continue;
      int cmp = 0;
      if (va.t != vb.t) {
        cmp = static_cast<int>(va.t) < static_cast<int>(vb.t) ? -1 : 1;
      } else if (va.t == Value::T::kNumber) {
        cmp = va.number < vb.number ? -1 : va.number > vb.number ? 1 : 0;
      } else if (va.t == Value::T::kBool) {
        cmp = va.flag == vb.flag ? 0 : va.flag ? 1 : -1;
      } else if (va.t == Value::T::kDate) {
        cmp = va.ms < vb.ms ? -1 : va.ms > vb.ms ? 1 : 0;
      } else if (va.t == Value::T::kList) {
        const std::string x = va.list.empty() ? "" : va.list.front();
        const std::string y = vb.list.empty() ? "" : vb.list.front();
        cmp = x.compare(y);
      } else {
        cmp = va.text.compare(vb.text);
      }
      cmp = cmp < 0 ? -1 : cmp > 0 ? 1 : 0;
      if (cmp != 0) return k.descending ? cmp > 0 : cmp < 0;
    }
    return false;
  };
  std::stable_sort(all.begin(), all.end(), compare);
  return all;
}

namespace {

void Query(Core& m, Call& c, std::uint32_t dsi) {
  const DataSourceRec& ds = m.data_sources[dsi];
  const std::string_view list_type =
      c.version == ApiVersion::k20220628 ? "page_or_database" : "page_or_data_source";
  c.reply.filter_properties = c.Params("filter_properties");
  // Reconcile lookup: the stack's "did my create land?" question, answered from the index.
  std::optional<IdemKey> key;
  if (c.reconcile && c.idem_key) key = c.idem_key;
  const json& body = *c.body;
  const json* filter = nullptr;
  const json* sorts = nullptr;
  if (auto it = body.find("filter"); it != body.end() && !it->is_null()) filter = &*it;
  if (auto it = body.find("sorts"); it != body.end() && !it->is_null()) sorts = &*it;
  if (!key && filter != nullptr) key = IdempotencyFilter(*filter);
  if (key) {
    auto it = m.idem.find(IdemIndexKey{ds.id, *key});
    const bool found =
        it != m.idem.end() && !m.pages[it->second].in_trash && !m.Hidden(c, m.pages[it->second].id);
    c.found = found;
    c.result_count = found ? 1 : 0;
    if (found) c.object = m.pages[it->second].id;
    c.reply.kind = ReplyKind::kList;
    c.reply.list_type = list_type;
    c.reply.container = c.target;
    if (found) c.reply.items.push_back(Ref{Kind::kPage, it->second});
    return;
  }
  if (filter != nullptr) {
    const std::string problem = CheckFilter(*filter, "body.filter", 0);
    if (!problem.empty()) {
      c.Fail(400, ApiCode::kValidationError, problem);
      return;
    }
  }
  if (sorts != nullptr) {
    const std::string problem = CheckSorts(*sorts, "body.sorts");
    if (!problem.empty()) {
      c.Fail(400, ApiCode::kValidationError, problem);
      return;
    }
  }
  if (!BooleanFields(c, {"in_trash", "archived"})) return;
  const bool want_trash = Field(body, "in_trash") == true || Field(body, "archived") == true;
  const std::string result_type = Str(body, "result_type");
  if (body.contains("result_type") && result_type != "page" && result_type != "data_source") {
    c.Fail(400, ApiCode::kValidationError,
           "body failed validation: body.result_type should be `\"page\"` or `\"data_source\"`, "
           "instead was `" +
               Quoted(Field(body, "result_type")) + "`.");
    return;
  }
  c.reply.kind = ReplyKind::kList;
  c.reply.list_type = list_type;
  c.reply.container = c.target;
  if (result_type == "data_source") {
    // A data source holds no data sources of its own.
    c.result_count = 0;
    return;
  }
  const std::uint32_t size = c.page_size;
  const std::uint64_t returned_before = c.start_cursor >> 32;
  std::uint64_t pos = c.cursor_given ? (c.start_cursor & 0xFFFFFFFFULL) - 1 : 0;
  const std::uint64_t limit = m.config.workspace.query_result_limit;
  std::vector<std::uint32_t> hits;
  bool more = false;
  std::uint64_t next_pos = 0;
  const std::uint64_t room = limit > returned_before ? limit - returned_before : 0;
  const std::uint64_t want = std::min<std::uint64_t>(size, room);
  const bool plain = (sorts == nullptr || !sorts->is_array() || sorts->empty()) && !want_trash;
  if (plain) {
    // Creation order; the cursor is a position in the data source's page list, stable while
    // pages are added.
    for (; pos < ds.pages.size(); ++pos) {
      const PageRec& p = m.pages[ds.pages[pos]];
      if (p.in_trash || p.is_template || m.Hidden(c, p.id)) continue;
      if (filter != nullptr && !Eval(m, c, *filter, p)) continue;
      if (hits.size() == want) {
        more = true;
        next_pos = pos;
        break;
      }
      hits.push_back(ds.pages[pos]);
    }
  } else {
    std::vector<std::uint32_t> all;
    if (want_trash) {
      for (std::uint32_t pi : ds.pages) {
        const PageRec& p = m.pages[pi];
        if (p.in_trash && !m.Hidden(c, p.id) && (filter == nullptr || Eval(m, c, *filter, p))) {
          all.push_back(pi);
        }
      }
    } else {
      all = Select(m, c, ds, filter, sorts);
    }
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
  c.has_more = more && !capped;
  c.next_cursor = c.has_more ? ((returned_before + hits.size()) << 32) | (next_pos + 1) : 0;
  if (!hits.empty()) c.object = m.pages[hits[0]].id;
  c.found = !hits.empty();
  c.reply.incomplete = capped;
  for (std::uint32_t pi : hits) c.reply.items.push_back(Ref{Kind::kPage, pi});
}

}  // namespace

void QueryDataSource(Core& m, Call& c) {
  if (m.Find(c.target) == nullptr && m.config.workspace.unknown_parent == UnknownParent::kCreate) {
    const std::uint32_t db = m.NewDatabase(ObjectId::Random(m.ids), "Auto", ParentKind::kWorkspace,
                                           ObjectId{}, c.now_us);
    m.NewDataSource(c.target, "Auto", {}, db, c.now_us);
  }
  const Ref* ref = m.Target(c, Kind::kDataSource, "data source", kCapRead);
  if (ref == nullptr) return;
  Query(m, c, ref->index);
}

void QueryDatabase(Core& m, Call& c) {
  const Ref* ref = m.Target(c, Kind::kDatabase, "database", kCapRead);
  if (ref == nullptr) return;
  const DatabaseRec& db = m.databases[ref->index];
  if (db.data_sources.size() != 1) {
    MultipleSources(m, c, db, /*with_children=*/true);
    return;
  }
  Query(m, c, db.data_sources[0]);
}

}  // namespace notion_sim::sim
