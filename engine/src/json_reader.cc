#include "notion_sim/engine/json_reader.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <optional>
#include <sstream>
#include <string_view>
#include <utility>
#include <vector>

namespace notion_sim::engine {
namespace {

// What nlohmann names in a syntax error's "; expected X" (lexer::token_type_name).
bool IsJsonTokenName(std::string_view name) {
  static constexpr std::array<std::string_view, 16> kNames = {
      "<uninitialized>",
      "true literal",
      "false literal",
      "null literal",
      "string literal",
      "number literal",
      "'['",
      "'{'",
      "']'",
      "'}'",
      "':'",
      "','",
      "<parse error>",
      "end of input",
      "'[', '{', or a literal",
      "unknown token",
  };
  return std::find(kNames.begin(), kNames.end(), name) != kNames.end();
}

std::string EscapePointerToken(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

// Walks JSON text that nlohmann already accepted and records where each value starts.
class PositionIndexer {
 public:
  PositionIndexer(const std::string& text, std::map<std::string, std::size_t>& out)
      : text_(text), out_(out) {}
  void Run() {
    SkipSpace();
    Value("");
  }
  // The first key that appears twice in one object (its pointer and offset), if any.
  const std::optional<std::pair<std::string, std::size_t>>& duplicate() const { return duplicate_; }

 private:
  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n' ||
                                   text_[pos_] == '\r' || text_[pos_] == '\t')) {
      ++pos_;
    }
  }
  std::string StringToken() {
    // pos_ at the opening quote; returns the raw content (escapes other than \" \\ kept as is,
    // good enough for object keys in scenario files).
    std::string s;
    ++pos_;
    while (pos_ < text_.size() && text_[pos_] != '"') {
      if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) {
        ++pos_;
        s += text_[pos_] == 'n' ? '\n' : text_[pos_];
      } else {
        s += text_[pos_];
      }
      ++pos_;
    }
    ++pos_;
    return s;
  }
  void Value(const std::string& pointer) {
    SkipSpace();
    if (pos_ >= text_.size()) return;
    out_.emplace(pointer, pos_);
    const char c = text_[pos_];
    if (c == '{') {
      ++pos_;
      SkipSpace();
      if (pos_ < text_.size() && text_[pos_] == '}') {
        ++pos_;
        return;
      }
      while (pos_ < text_.size()) {
        SkipSpace();
        const std::size_t key_pos = pos_;
        const std::string key = StringToken();
        const std::string child = pointer + "/" + EscapePointerToken(key);
        // nlohmann keeps the last of two equal keys: the first would be silently ignored.
        if (!out_.emplace(child + "#key", key_pos).second && !duplicate_) {
          duplicate_ = std::make_pair(child, key_pos);
        }
        SkipSpace();
        ++pos_;  // ':'
        Value(child);
        SkipSpace();
        if (pos_ < text_.size() && text_[pos_] == ',') {
          ++pos_;
          continue;
        }
        ++pos_;  // '}'
        return;
      }
    } else if (c == '[') {
      ++pos_;
      SkipSpace();
      if (pos_ < text_.size() && text_[pos_] == ']') {
        ++pos_;
        return;
      }
      for (std::size_t i = 0; pos_ < text_.size(); ++i) {
        Value(pointer + "/" + std::to_string(i));
        SkipSpace();
        if (pos_ < text_.size() && text_[pos_] == ',') {
          ++pos_;
          continue;
        }
        ++pos_;  // ']'
        return;
      }
    } else if (c == '"') {
      StringToken();
    } else {
      while (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '}' &&
             text_[pos_] != ']' && text_[pos_] != ' ' && text_[pos_] != '\n' &&
             text_[pos_] != '\r' && text_[pos_] != '\t') {
        ++pos_;
      }
    }
  }

  const std::string& text_;
  std::map<std::string, std::size_t>& out_;
  std::size_t pos_ = 0;
  std::optional<std::pair<std::string, std::size_t>> duplicate_;
};

std::string LineCol(std::string_view text, std::size_t offset) {
  std::size_t line = 1;
  std::size_t col = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return std::to_string(line) + ":" + std::to_string(col);
}

std::string TypeName(const nlohmann::json& v) {
  if (v.is_number_integer() || v.is_number_unsigned()) return "an integer";
  if (v.is_number()) return "a number";
  if (v.is_string()) return "a string";
  if (v.is_boolean()) return "a boolean";
  if (v.is_array()) return "an array";
  if (v.is_object()) return "an object";
  return "null";
}

// nlohmann's parser, its exceptions turned into errors that name the document and never quote it.
Result<nlohmann::json> ParseText(std::string_view text, const std::string& name) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    const std::size_t at = e.byte > 0 ? e.byte - 1 : 0;
    std::string what = e.what();
    const std::size_t cut = what.find("syntax error");
    if (cut != std::string::npos) what = what.substr(cut);
    // nlohmann quotes the text it was reading ("...; last read: '\"secret_...'; expected X"),
    // which in a scenario, workspace or fault file, or a body posted to serve's admin API, can be
    // a token. The line and column say where; the quote goes, what was expected stays.
    if (const std::size_t quoted = what.find("; last read: '"); quoted != std::string::npos) {
      std::string expected;
      const std::size_t tail = what.rfind("'; expected ");
      if (tail != std::string::npos && tail >= quoted) {
        expected = what.substr(tail + 1);
        // Only nlohmann's own words, never a piece of the quoted text.
        if (!IsJsonTokenName(std::string_view(expected).substr(sizeof("; expected ") - 1))) {
          expected.clear();
        }
      }
      what = what.substr(0, quoted) + expected;
    }
    return InvalidInput(name + ":" + LineCol(text, at) + ": not valid JSON: " + what);
  } catch (const nlohmann::json::out_of_range& e) {
    // A number too large for a double ("1e5555") throws out_of_range, not parse_error (found by
    // fuzz/scenario_fuzz); without this catch it escaped and ended the process.
    std::string what = e.what();
    const std::size_t cut = what.find("number overflow");
    if (cut != std::string::npos) what = what.substr(cut);
    return InvalidInput(name + ": not valid JSON: " + what);
  }
}

}  // namespace

Status CheckJsonLimits(std::string_view text, const std::string& name, JsonLimits limits) {
  if (text.size() > limits.max_bytes) {
    return InvalidInput(name + ": " + std::to_string(text.size()) +
                        " bytes of JSON, over the limit of " + std::to_string(limits.max_bytes) +
                        " bytes");
  }
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (in_string) {
      if (ch == '\\') {
        ++i;
      } else if (ch == '"') {
        in_string = false;
      }
    } else if (ch == '"') {
      in_string = true;
    } else if (ch == '[' || ch == '{') {
      if (++depth > limits.max_depth) {
        return InvalidInput(name + ":" + LineCol(text, i) + ": JSON nested deeper than " +
                            std::to_string(limits.max_depth) + " levels (the limit)");
      }
    } else if ((ch == ']' || ch == '}') && depth > 0) {
      --depth;
    }
  }
  return {};
}

Result<std::string> ReadJsonFile(const std::string& path, JsonLimits limits) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{ErrorCode::kNotFound, path + ": cannot open file (does it exist?)"};
  std::string text;
  constexpr std::size_t kChunk = std::size_t{1} << 16;
  while (in && text.size() <= limits.max_bytes) {
    const std::size_t before = text.size();
    text.resize(before + kChunk);
    in.read(text.data() + before, static_cast<std::streamsize>(kChunk));
    text.resize(before + static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) return Error{ErrorCode::kIo, path + ": cannot read file"};
  if (text.size() > limits.max_bytes) {
    return InvalidInput(path + ": more than " + std::to_string(limits.max_bytes) +
                        " bytes, over the limit for a JSON file");
  }
  return text;
}

Result<nlohmann::json> ParseJson(std::string_view text, const std::string& name,
                                 JsonLimits limits) {
  if (Status st = CheckJsonLimits(text, name, limits); !st.ok()) return st.error();
  return ParseText(text, name);
}

Result<nlohmann::json> LoadJson(const std::string& path, JsonLimits limits) {
  Result<std::string> text = ReadJsonFile(path, limits);
  if (!text.ok()) return text.error();
  return ParseJson(*text, path, limits);
}

Result<JsonDocument> JsonDocument::Load(const std::string& path) {
  Result<std::string> text = ReadJsonFile(path);
  if (!text.ok()) return text.error();
  return Parse(std::move(text).value(), path);
}

Result<JsonDocument> JsonDocument::Parse(std::string text, std::string name) {
  if (Status st = CheckJsonLimits(text, name); !st.ok()) return st.error();
  JsonDocument doc;
  doc.name_ = std::move(name);
  doc.text_ = std::move(text);
  Result<nlohmann::json> root = ParseText(doc.text_, doc.name_);
  if (!root.ok()) return root.error();
  doc.root_ = std::move(root).value();
  PositionIndexer indexer(doc.text_, doc.offsets_);
  indexer.Run();
  if (const auto& dup = indexer.duplicate()) {
    const std::string& pointer = dup->first;
    return InvalidInput(doc.name_ + ":" + LineCol(doc.text_, dup->second) + ": at " + pointer +
                        ": duplicate key \"" + pointer.substr(pointer.rfind('/') + 1) +
                        "\" (the first one would be ignored)");
  }
  return doc;
}

std::string JsonDocument::Where(const std::string& pointer) const {
  std::string p = pointer;
  // Fall back to the nearest enclosing value that has a position.
  while (true) {
    auto it = offsets_.find(p);
    if (it != offsets_.end()) return name_ + ":" + LineCol(text_, it->second);
    const std::size_t slash = p.rfind('/');
    if (slash == std::string::npos || p.empty()) return name_;
    p = p.substr(0, slash);
  }
}

void JsonReader::Fail(const std::string& pointer, const std::string& what) {
  if (error_) return;
  std::string shown = pointer;
  if (shown.size() >= 4 && shown.compare(shown.size() - 4, 4, "#key") == 0) {
    shown.resize(shown.size() - 4);
  }
  error_ = InvalidInput(doc_.Where(pointer) + ": at " + (shown.empty() ? std::string("/") : shown) +
                        ": " + what);
}

ObjectReader JsonReader::Root() {
  if (!doc_.root().is_object()) {
    Fail("", "expected a JSON object at the top level, found " + TypeName(doc_.root()));
  }
  return ObjectReader(this, &doc_.root(), "");
}

ObjectReader::ObjectReader(JsonReader* reader, const nlohmann::json* node, std::string pointer)
    : reader_(reader), node_(node), pointer_(std::move(pointer)) {}

std::string ObjectReader::PathOf(const std::string& key) const {
  return pointer_ + "/" + EscapePointerToken(key);
}

void ObjectReader::Fail(const std::string& key, const std::string& what) {
  reader_->Fail(key.empty() ? pointer_ : PathOf(key), what);
}

bool ObjectReader::ok() const { return reader_->ok(); }

const Error& ObjectReader::error() const { return reader_->error(); }

bool ObjectReader::Has(const std::string& key) const {
  return node_->is_object() && node_->contains(key);
}

const nlohmann::json* ObjectReader::Get(const std::string& key, const char* expected,
                                        bool required) {
  seen_.push_back(key);
  FieldRecorder::Record(pointer_, key);
  if (!node_->is_object() || !node_->contains(key)) {
    if (required)
      reader_->Fail(pointer_,
                    std::string("missing required field \"") + key + "\" (" + expected + ")");
    return nullptr;
  }
  return &(*node_)[key];
}

std::string ObjectReader::String(const std::string& key) {
  const nlohmann::json* v = Get(key, "a string", true);
  if (v == nullptr) return "";
  if (!v->is_string()) {
    Fail(key, "expected a string, found " + TypeName(*v));
    return "";
  }
  return v->get<std::string>();
}

std::string ObjectReader::String(const std::string& key, const std::string& fallback) {
  const nlohmann::json* v = Get(key, "a string", false);
  if (v == nullptr) return fallback;
  if (!v->is_string()) {
    Fail(key, "expected a string, found " + TypeName(*v));
    return fallback;
  }
  return v->get<std::string>();
}

std::int64_t ObjectReader::Int(const std::string& key) {
  const nlohmann::json* v = Get(key, "an integer", true);
  if (v == nullptr) return 0;
  if (!v->is_number_integer()) {
    Fail(key, "expected an integer, found " + TypeName(*v));
    return 0;
  }
  return v->get<std::int64_t>();
}

std::int64_t ObjectReader::Int(const std::string& key, std::int64_t fallback, std::int64_t min,
                               std::int64_t max) {
  const nlohmann::json* v = Get(key, "an integer", false);
  if (v == nullptr) return fallback;
  if (!v->is_number_integer()) {
    Fail(key, "expected an integer, found " + TypeName(*v));
    return fallback;
  }
  const auto x = v->get<std::int64_t>();
  if (x < min || x > max) {
    Fail(key, "expected an integer in [" + std::to_string(min) + ", " + std::to_string(max) +
                  "], found " + std::to_string(x));
    return fallback;
  }
  return x;
}

double ObjectReader::Number(const std::string& key, double fallback, double min, double max) {
  const nlohmann::json* v = Get(key, "a number", false);
  if (v == nullptr) return fallback;
  if (!v->is_number()) {
    Fail(key, "expected a number, found " + TypeName(*v));
    return fallback;
  }
  const double x = v->get<double>();
  if (x < min || x > max) {
    std::ostringstream ss;
    ss << "expected a number in [" << min << ", " << max << "], found " << x;
    Fail(key, ss.str());
    return fallback;
  }
  return x;
}

bool ObjectReader::Bool(const std::string& key, bool fallback) {
  const nlohmann::json* v = Get(key, "a boolean", false);
  if (v == nullptr) return fallback;
  if (!v->is_boolean()) {
    Fail(key, "expected true or false, found " + TypeName(*v));
    return fallback;
  }
  return v->get<bool>();
}

std::string ObjectReader::Enum(const std::string& key, const std::vector<std::string>& choices,
                               const std::string& fallback) {
  std::string value = fallback.empty() ? String(key) : String(key, fallback);
  if (!reader_->ok()) return fallback;
  if (std::find(choices.begin(), choices.end(), value) == choices.end()) {
    std::string list;
    for (const auto& c : choices) list += (list.empty() ? "" : ", ") + ("\"" + c + "\"");
    Fail(key, "expected one of " + list + ", found \"" + value + "\"");
    return fallback;
  }
  return value;
}

ObjectReader ObjectReader::Object(const std::string& key) {
  static const nlohmann::json kEmpty = nlohmann::json::object();
  const nlohmann::json* v = Get(key, "an object", true);
  if (v == nullptr) return ObjectReader(reader_, &kEmpty, PathOf(key));
  if (!v->is_object()) {
    Fail(key, "expected an object, found " + TypeName(*v));
    return ObjectReader(reader_, &kEmpty, PathOf(key));
  }
  return ObjectReader(reader_, v, PathOf(key));
}

std::optional<ObjectReader> ObjectReader::OptionalObject(const std::string& key) {
  if (!Has(key)) {
    seen_.push_back(key);
    FieldRecorder::Record(pointer_, key);
    return std::nullopt;
  }
  return Object(key);
}

std::vector<ObjectReader> ObjectReader::Objects(const std::string& key, bool required) {
  std::vector<ObjectReader> out;
  const nlohmann::json* v = Get(key, "an array of objects", required);
  if (v == nullptr) return out;
  if (!v->is_array()) {
    Fail(key, "expected an array, found " + TypeName(*v));
    return out;
  }
  for (std::size_t i = 0; i < v->size(); ++i) {
    const std::string p = PathOf(key) + "/" + std::to_string(i);
    if (!(*v)[i].is_object()) {
      reader_->Fail(p, "expected an object, found " + TypeName((*v)[i]));
      return out;
    }
    out.emplace_back(reader_, &(*v)[i], p);
  }
  return out;
}

std::vector<std::int64_t> ObjectReader::Ints(const std::string& key) {
  std::vector<std::int64_t> out;
  const nlohmann::json* v = Get(key, "an array of integers", false);
  if (v == nullptr) return out;
  if (!v->is_array()) {
    Fail(key, "expected an array of integers, found " + TypeName(*v));
    return out;
  }
  for (std::size_t i = 0; i < v->size(); ++i) {
    if (!(*v)[i].is_number_integer()) {
      reader_->Fail(PathOf(key) + "/" + std::to_string(i),
                    "expected an integer, found " + TypeName((*v)[i]));
      return out;
    }
    out.push_back((*v)[i].get<std::int64_t>());
  }
  return out;
}

std::vector<std::string> ObjectReader::Strings(const std::string& key) {
  std::vector<std::string> out;
  const nlohmann::json* v = Get(key, "an array of strings", false);
  if (v == nullptr) return out;
  if (!v->is_array()) {
    Fail(key, "expected an array of strings, found " + TypeName(*v));
    return out;
  }
  for (std::size_t i = 0; i < v->size(); ++i) {
    if (!(*v)[i].is_string()) {
      reader_->Fail(PathOf(key) + "/" + std::to_string(i),
                    "expected a string, found " + TypeName((*v)[i]));
      return out;
    }
    out.push_back((*v)[i].get<std::string>());
  }
  return out;
}

const nlohmann::json* ObjectReader::Raw(const std::string& key) {
  return Get(key, "a value", false);
}

namespace {
thread_local FieldRecorder* recorder = nullptr;

// Edits (insert, delete, replace; case ignored) from a to b, or more than `most` + 1 once known to
// exceed it. Keys are short: a row of the table at a time.
std::size_t EditDistance(std::string_view a, std::string_view b, std::size_t most) {
  if (a.size() > b.size() + most || b.size() > a.size() + most) return most + 1;
  const auto lower = [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  };
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    std::size_t best = row[0];
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min(
          {row[j] + 1, row[j - 1] + 1, diagonal + (lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1)});
      diagonal = up;
      best = std::min(best, row[j]);
    }
    if (best > most) return most + 1;
  }
  return row[b.size()];
}

// The field this reader knows that `key` most likely meant: one or two edits away (one for keys
// of up to 8 characters), or the same but for case; "" when none is that close.
std::string Closest(const std::string& key, const std::vector<std::string>& known) {
  const std::size_t most = key.size() <= 8 ? 1 : 2;
  std::string best;
  std::size_t best_distance = most + 1;
  for (const std::string& k : known) {
    const std::size_t d = EditDistance(key, k, most);
    if (d < best_distance) {
      best = k;
      best_distance = d;
    }
  }
  return best;
}

}  // namespace

FieldRecorder::FieldRecorder() { recorder = this; }
FieldRecorder::~FieldRecorder() { recorder = nullptr; }

FieldRecorder::Pause::Pause() : paused_(recorder) { recorder = nullptr; }
FieldRecorder::Pause::~Pause() { recorder = paused_; }

void FieldRecorder::Record(const std::string& pointer, const std::string& key) {
  if (recorder == nullptr) return;
  std::string pattern;
  std::size_t at = 0;
  while (at < pointer.size()) {
    const std::size_t next = std::min(pointer.find('/', at + 1), pointer.size());
    const std::string segment = pointer.substr(at + 1, next - at - 1);
    const bool index =
        !segment.empty() && segment.find_first_not_of("0123456789") == std::string::npos;
    pattern += "/" + (index ? std::string("*") : segment);
    at = next;
  }
  recorder->fields_.insert(pattern + "/" + key);
}

void ObjectReader::Finish() {
  if (!node_->is_object()) return;
  for (auto it = node_->begin(); it != node_->end(); ++it) {
    if (std::find(seen_.begin(), seen_.end(), it.key()) == seen_.end()) {
      const std::string closest = Closest(it.key(), seen_);
      reader_->Fail(PathOf(it.key()) + "#key",
                    "unknown field \"" + it.key() +
                        "\" (a typo would silently run a "
                        "different scenario, so unknown fields are errors)" +
                        (closest.empty() ? "" : "; did you mean \"" + closest + "\"?"));
      return;
    }
  }
}

}  // namespace notion_sim::engine
