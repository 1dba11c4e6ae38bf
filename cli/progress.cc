#include "progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace notion_sim::cli {
namespace {

constexpr auto kTerminalInterval = std::chrono::milliseconds(250);
constexpr auto kPlainInterval = std::chrono::seconds(10);

// NOTION_SIM_PROGRESS_S (whole seconds, 0 allowed), or the default.
std::chrono::steady_clock::duration PlainInterval() {
  const char* value = std::getenv("NOTION_SIM_PROGRESS_S");
  if (value == nullptr || *value == '\0') return kPlainInterval;
  char* end = nullptr;
  const long seconds = std::strtol(value, &end, 10);
  if (*end != '\0' || seconds < 0) return kPlainInterval;
  return std::chrono::seconds(seconds);
}

std::string Seconds(double s) { return std::to_string(std::llround(s)) + " s"; }

}  // namespace

Progress::Mode Progress::ModeFor(bool quiet) {
  if (quiet) return Mode::kOff;
  return isatty(STDERR_FILENO) == 1 ? Mode::kTerminal : Mode::kPlain;
}

Progress::Progress(std::string what, Mode mode)
    : what_(std::move(what)),
      mode_(mode),
      interval_(mode == Mode::kTerminal ? std::chrono::steady_clock::duration(kTerminalInterval)
                                        : PlainInterval()),
      start_(std::chrono::steady_clock::now()) {}

void Progress::Update(std::size_t done, std::size_t total) {
  if (total == 0) return;
  Show(static_cast<double>(done) / static_cast<double>(total),
       std::to_string(done) + "/" + std::to_string(total));
}

void Progress::Show(double fraction, const std::string& detail) {
  if (mode_ == Mode::kOff || finished_) return;
  const auto now = std::chrono::steady_clock::now();
  const bool last = fraction >= 1.0;
  // The first update after the start waits a whole interval too, except in the plain mode's
  // "every update" setting: short work prints nothing but its last line.
  if (!last && now - (printed_ ? last_ : start_) < interval_) return;
  last_ = now;
  printed_ = true;
  finished_ = last;
  const double elapsed_s = ElapsedSeconds();
  std::string line = what_ + ": " + detail + " (" +
                     std::to_string(static_cast<int>(100.0 * fraction)) + " %), " +
                     Seconds(elapsed_s) + " elapsed";
  if (!last && fraction > 0) line += ", ETA " + Seconds(elapsed_s * (1.0 - fraction) / fraction);
  if (mode_ == Mode::kTerminal) {
    // \r returns to the line's start, \033[K clears what a longer earlier line left.
    std::fprintf(stderr, "\r%s\033[K%s", line.c_str(), last ? "\n" : "");
    open_line_ = !last;
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
}

void Progress::Done() {
  if (open_line_) std::fprintf(stderr, "\n");
  open_line_ = false;
}

double Progress::ElapsedSeconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

}  // namespace notion_sim::cli
