// JsonDocument and JsonReader: strict reading of user JSON with errors that name the file, the
// line and column, the JSON path and what was expected.
//
//   Result<JsonDocument> doc = JsonDocument::Load("scenarios/storm.json");
//   JsonReader r(*doc);
//   auto root = r.Root();
//   std::int64_t seed = root.Int("seed", 1);      // optional with default
//   std::string name = root.String("name");       // required
//   root.Finish();                                 // unknown fields are errors
//   if (!r.ok()) return r.error();
//
// The first error wins; later reads return defaults. Policies and the fake parse their own
// configuration with an ObjectReader handed to them, so every error carries the file, line and
// column of the document it came from (a scenario file, `--faults FILE`, or an admin request
// body). Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "notion_sim/engine/status.h"

namespace notion_sim::engine {

// Limits on JSON that comes from outside (files, command-line values, HTTP bodies), checked on
// the text before anything parses it or walks the result. nlohmann's parser is iterative, but
// the position index below, the readers, dump(), hashing and comparison recurse once per level:
// 100,000 nested arrays overflowed the stack of `notion-sim run` and of serve's admin API. No
// document we read needs more than a few levels (a scenario about ten, Notion's bodies a few
// dozen), and none is near the size bound.
struct JsonLimits {
  std::size_t max_depth = 64;                      // nested arrays and objects
  std::size_t max_bytes = std::size_t{256} << 20;  // 256 MiB
};

// The one guard: ok, or an InvalidInput error naming `name`, where the text went over and the
// limit ("s.json:1:65: JSON nested deeper than 64 levels (the limit)"). Thread-safe.
Status CheckJsonLimits(std::string_view text, const std::string& name, JsonLimits limits = {});

// Reads a whole file, never more than limits.max_bytes + 1 bytes (so /dev/zero or a pipe cannot
// exhaust memory); errors name the path and the limit. Thread-safe.
Result<std::string> ReadJsonFile(const std::string& path, JsonLimits limits = {});

// A whole document for callers that read it without positions (results, explore and sweep
// files, command-line values): the guard, then nlohmann's parser with an error that names `name`,
// the line and column, and never quotes the text. Thread-safe.
Result<nlohmann::json> ParseJson(std::string_view text, const std::string& name,
                                 JsonLimits limits = {});
Result<nlohmann::json> LoadJson(const std::string& path, JsonLimits limits = {});

// A parsed JSON file that remembers where each value started (by JSON pointer). Load and Parse
// apply JsonLimits first.
class JsonDocument {
 public:
  static Result<JsonDocument> Load(const std::string& path);
  static Result<JsonDocument> Parse(std::string text, std::string name);

  const nlohmann::json& root() const { return root_; }
  const std::string& name() const { return name_; }
  const std::string& text() const { return text_; }
  // "file:line:col" for the value at `pointer` ("/workload/0/rate_per_s"), or just "file".
  std::string Where(const std::string& pointer) const;

 private:
  std::string name_;
  std::string text_;
  nlohmann::json root_;
  std::map<std::string, std::size_t> offsets_;  // JSON pointer -> byte offset of the value
};

class JsonReader;

// A view of one JSON object being read; tracks which keys were consumed.
class ObjectReader {
 public:
  ObjectReader(JsonReader* reader, const nlohmann::json* node, std::string pointer);

  bool Has(const std::string& key) const;
  std::string String(const std::string& key);  // required
  std::string String(const std::string& key, const std::string& fallback);
  std::int64_t Int(const std::string& key);  // required
  std::int64_t Int(const std::string& key, std::int64_t fallback, std::int64_t min = INT64_MIN,
                   std::int64_t max = INT64_MAX);
  double Number(const std::string& key, double fallback, double min = -1e300, double max = 1e300);
  bool Bool(const std::string& key, bool fallback);
  // One of `choices`; required when `fallback` is empty.
  std::string Enum(const std::string& key, const std::vector<std::string>& choices,
                   const std::string& fallback = "");
  ObjectReader Object(const std::string& key);  // required
  std::optional<ObjectReader> OptionalObject(const std::string& key);
  // The elements of an array field (empty when absent and not required).
  std::vector<ObjectReader> Objects(const std::string& key, bool required = false);
  std::vector<std::int64_t> Ints(const std::string& key);
  std::vector<std::string> Strings(const std::string& key);
  // The raw value (for data passed through, like page properties); null when absent.
  const nlohmann::json* Raw(const std::string& key);
  // Reports the first key that was never read.
  void Finish();
  const std::string& pointer() const { return pointer_; }
  // Reports an error at this object or at one of its keys.
  void Fail(const std::string& key, const std::string& what);
  // Whether the whole document read so far has no error, and its first error (when !ok()), so a
  // parser handed an ObjectReader can return Result<T> without seeing the JsonReader.
  bool ok() const;
  const Error& error() const;

 private:
  const nlohmann::json* Get(const std::string& key, const char* expected, bool required);
  std::string PathOf(const std::string& key) const;

  JsonReader* reader_;
  const nlohmann::json* node_;
  std::string pointer_;
  std::vector<std::string> seen_;
};

// While one is alive, every field an ObjectReader on this thread asks for (present or not) is
// recorded as a pattern: the JSON pointer with array indexes as "*", e.g.
// "/faults/*/trigger/probability". The documentation tests compare what the scenario loader
// accepts with docs/scenarios.md this way. Thread-compatible: one per thread, not nested.
class FieldRecorder {
 public:
  FieldRecorder();
  ~FieldRecorder();
  FieldRecorder(const FieldRecorder&) = delete;
  FieldRecorder& operator=(const FieldRecorder&) = delete;
  const std::set<std::string>& fields() const { return fields_; }
  // Records `pointer` + "/" + `key` when a recorder is alive on this thread.
  static void Record(const std::string& pointer, const std::string& key);

  // While one is alive, nothing is recorded on this thread: for a document the loader builds
  // itself (a step's stack merged into the scenario's), whose pointers are not the file's.
  class Pause {
   public:
    Pause();
    ~Pause();
    Pause(const Pause&) = delete;
    Pause& operator=(const Pause&) = delete;

   private:
    FieldRecorder* paused_;
  };

 private:
  std::set<std::string> fields_;
};

class JsonReader {
 public:
  explicit JsonReader(const JsonDocument& doc) : doc_(doc) {}
  ObjectReader Root();
  bool ok() const { return !error_.has_value(); }
  const Error& error() const { return *error_; }
  // Records the first error: "file:line:col: at /a/b: what".
  void Fail(const std::string& pointer, const std::string& what);

 private:
  const JsonDocument& doc_;
  std::optional<Error> error_;
};

}  // namespace notion_sim::engine
