// Errors that callers handle are values: `Error` names what is wrong (file, JSON path, flag) and
// `Result<T>` holds either a value or an Error. Exceptions do not cross module boundaries.
//
//   Result<ScenarioSpec> spec = LoadScenario(path);
//   if (!spec.ok()) { std::cerr << spec.error().message; return 2; }
//
// Thread-safe as values (no shared state).
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace notion_sim {

// The one table of error codes.
enum class ErrorCode {
  kInvalidInput,   // bad file, flag or document: the user's to fix (exit code 2)
  kNotFound,       // a named file or object does not exist (exit code 2)
  kLimitExceeded,  // a bound of the engine was hit (queue, events, memory)
  kIo,             // the operating system refused (disk full, permission)
  kInternal,       // a bug of ours
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
};

inline Error InvalidInput(std::string message) {
  return Error{ErrorCode::kInvalidInput, std::move(message)};
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)
  bool ok() const { return v_.index() == 0; }
  const T& value() const& { return std::get<0>(v_); }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const Error& error() const { return std::get<1>(v_); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }
  const T& operator*() const { return value(); }

 private:
  std::variant<T, Error> v_;
};

// Result of an operation that returns nothing.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT
  bool ok() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace notion_sim
