// Progress of long work (run, explore, sweep, live runs, test) on stderr, readable wherever stderr
// goes. On a terminal: one line redrawn in place, at most 4 times a second. Anywhere else (a CI
// log, a file, a pipe): a plain line at most every 10 seconds and one at the end, so a CI log gets
// a few readable lines instead of one line of hundreds of carriage-return redraws. The
// environment variable NOTION_SIM_PROGRESS_S sets the plain interval in seconds (0: a line per
// update, which the tests use to see progress at once).
//
//   Progress p("explore storm_429", Progress::ModeFor(out.quiet()));
//   p.Update(done, total);                    // "explore storm_429: 120/400 (30 %), 12 s
//                                             //  elapsed, ETA 28 s"
//   p.Show(0.4, "12/30 s, 40 ops ended");      // work measured otherwise (a live run, `test`)
//   p.Done();                                 // ends the redrawn line
//
// The ETA is the only use of the real clock here: it is shown, never recorded, so results stay
// deterministic. Thread-compatible: callers serialize the calls (explore and sweep call Update
// under their lock).
#pragma once

#include <chrono>
#include <string>

namespace notion_sim::cli {

class Progress {
 public:
  enum class Mode { kOff, kTerminal, kPlain };
  // kOff when quiet, kTerminal when stderr is a terminal, else kPlain.
  static Mode ModeFor(bool quiet);

  Progress(std::string what, Mode mode);
  ~Progress() { Done(); }
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // `done` of `total` items (the ETA is extrapolated from the rate so far).
  void Update(std::size_t done, std::size_t total);
  // Any other measure of progress: `fraction` in [0, 1] (the ETA is extrapolated from it) and a
  // short text saying what was done.
  void Show(double fraction, const std::string& detail);
  // Ends a redrawn line, so the next message starts on its own line. Idempotent.
  void Done();
  double ElapsedSeconds() const;
  Mode mode() const { return mode_; }

 private:
  std::string what_;
  Mode mode_;
  std::chrono::steady_clock::duration interval_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_{};
  bool printed_ = false;
  bool open_line_ = false;  // a terminal line waits for its newline
  bool finished_ = false;   // the last line (fraction 1) was printed
};

}  // namespace notion_sim::cli
