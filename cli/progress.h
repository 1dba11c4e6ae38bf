// Progress on the terminal for long work (explore, sweep): "[123/400] 31 % ETA 42 s" on one line
// of stderr, redrawn at most a few times a second. The ETA is the only use of the real clock
// outside the live parts: it is shown, never recorded, so results stay deterministic.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

namespace notion_sim::cli {

class Progress {
 public:
  Progress(std::string what, bool enabled) : what_(std::move(what)), enabled_(enabled) {}

  // Called with the number of items done so far (under the caller's lock).
  void Update(std::size_t done, std::size_t total) {
    if (!enabled_ || total == 0) return;
    const auto now = std::chrono::steady_clock::now();
    if (done < total && now - last_ < std::chrono::milliseconds(250)) return;
    last_ = now;
    const double elapsed_s = std::chrono::duration<double>(now - start_).count();
    const double eta_s =
        done > 0 ? elapsed_s * static_cast<double>(total - done) / static_cast<double>(done) : 0;
    std::fprintf(stderr, "\r%s [%zu/%zu] %3d %% elapsed %.0f s, ETA %.0f s   ", what_.c_str(), done,
                 total,
                 static_cast<int>(100.0 * static_cast<double>(done) / static_cast<double>(total)),
                 elapsed_s, eta_s);
    if (done == total) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  }
  double ElapsedSeconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::string what_;
  bool enabled_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace notion_sim::cli
