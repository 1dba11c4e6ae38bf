// Task: the work a timer runs — a move-only `void()` callable stored inline, without a heap
// allocation, when its captures fit in kInlineBytes (issue 18).
//
// Why not std::function: libstdc++'s std::function keeps only 16 bytes of trivially copyable
// captures inline and allocates for anything else, and the simulated run schedules a few timers
// per operation. The common captures are a pointer and an id or two (`[this, slot, gen]`), or a
// pointer, an id and a member-function pointer (`[this, id, step]`, 32 bytes): all of them fit
// here, so scheduling a timer allocates nothing. Larger or over-aligned callables still work:
// they are moved to the heap. Trivially copyable captures are relocated with a plain copy.
//
//   Task t = [this, slot, gen] { Deliver(slot, gen); };   // inline, no allocation
//   t();
//
// Thread-compatible, like any value.
#pragma once

#include <cstddef>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

namespace notion_sim::engine {

class Task {
 public:
  static constexpr std::size_t kInlineBytes = 32;
  // Pointers, ids and doubles; a callable needing more alignment goes to the heap.
  static constexpr std::size_t kInlineAlign = alignof(void*);

  Task() = default;
  Task(std::nullptr_t) {}  // NOLINT(google-explicit-constructor): `task = nullptr` clears
  template <class F, class Fn = std::decay_t<F>,
            class = std::enable_if_t<!std::is_same_v<Fn, Task> && std::is_invocable_r_v<void, Fn&>>>
  Task(F&& f) {  // NOLINT(google-explicit-constructor): lambdas convert, as to std::function
    // Every byte of buf_ is written, so moving a Task can copy all of it at a fixed size (a few
    // instructions instead of a call to memcpy with the callable's size).
    std::memset(buf_, 0, kInlineBytes);
    if constexpr (kFitsInline<Fn>) {
      ::new (static_cast<void*>(buf_)) Fn(std::forward<F>(f));
      ops_ = &kInlineOps<Fn>;
    } else {
      ::new (static_cast<void*>(buf_)) Fn*(new Fn(std::forward<F>(f)));
      ops_ = &kHeapOps<Fn>;
    }
  }
  Task(Task&& other) noexcept { Take(other); }
  Task& operator=(Task&& other) noexcept {
    if (this != &other) {
      Reset();
      Take(other);
    }
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() { Reset(); }

  explicit operator bool() const { return ops_ != nullptr; }
  // Runs the callable (it must be set).
  void operator()() { ops_->invoke(buf_); }

 private:
  struct Ops {
    void (*invoke)(void* buf);
    // Moves the callable from `from` into the raw storage `to` and ends it in `from`; null when a
    // byte copy does it (trivially copyable inline captures, or the heap pointer).
    void (*relocate)(void* from, void* to) noexcept;
    void (*destroy)(void* buf) noexcept;  // null when nothing is to be done
  };
  template <class Fn>
  static constexpr bool kFitsInline =
      sizeof(Fn) <= kInlineBytes &&
      alignof(Fn) <= kInlineAlign&& std::is_nothrow_move_constructible_v<Fn>;
  template <class Fn>
  static constexpr Ops kInlineOps = {
      [](void* buf) { (*std::launder(static_cast<Fn*>(buf)))(); },
      std::is_trivially_copyable_v<Fn> ? nullptr
                                       : +[](void* from, void* to) noexcept {
                                           Fn* f = std::launder(static_cast<Fn*>(from));
                                           ::new (to) Fn(std::move(*f));
                                           f->~Fn();
                                         },
      std::is_trivially_destructible_v<Fn>
          ? nullptr
          : +[](void* buf) noexcept { std::launder(static_cast<Fn*>(buf))->~Fn(); }};
  template <class Fn>
  static constexpr Ops kHeapOps = {
      [](void* buf) { (**std::launder(static_cast<Fn**>(buf)))(); }, nullptr,
      [](void* buf) noexcept { delete *std::launder(static_cast<Fn**>(buf)); }};

  void Take(Task& other) noexcept {
    ops_ = other.ops_;
    if (ops_ == nullptr) return;
    if (ops_->relocate != nullptr) {
      ops_->relocate(other.buf_, buf_);
    } else {
      std::memcpy(buf_, other.buf_, kInlineBytes);
    }
    other.ops_ = nullptr;
  }
  void Reset() noexcept {
    if (ops_ != nullptr && ops_->destroy != nullptr) ops_->destroy(buf_);
    ops_ = nullptr;
  }

  alignas(kInlineAlign) unsigned char buf_[kInlineBytes];
  const Ops* ops_ = nullptr;
};

}  // namespace notion_sim::engine
