// Shrink: the smallest scenario that still fails the same way (`notion-sim shrink`, and
// `explore --shrink` for each distinct failure it reports).
//
// A scenario document is shrunk by steps, tried in the order of a table (ShrinkSteps): remove an
// element of a list (fault rules, streams, batches, enrich streams, tenants, the
// "sometimes" goals), drop an optional section (network), halve a number (durations, windows,
// rates, records, pages, trigger probabilities) or simplify a fault's trigger to {"first": 1}. A
// candidate is kept when it still loads and, run on the same seed, still fails the same check
// (Failure::kind and ::check: "the same invariant") — as Hypothesis keeps a shrink that still
// fails. Steps repeat until a whole pass keeps nothing, within `max_runs` runs and until `stop`
// says so (the caller's time bound). Runs are simulated and the seed is fixed, so the result
// depends only on the document, the check and the bound on runs.
//
// A new section's steps are one entry in the table (shrink.cc): a name and a function from the
// current document to its candidates, e.g. {"batches", RemoveEach("/workload/batches", "batch")}.
//
//   ShrinkOptions o;
//   o.check = "no_duplicate_creates";
//   auto r = Shrink(doc, "lost_creates_blind", o);
//   // r->minimal: the smallest failing document; r->notes: what was removed or simplified.
//
// Thread-safe: pure (each run builds its own world).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "notion_sim/engine/status.h"
#include "notion_sim/explore/properties.h"

namespace notion_sim::explore {

struct ShrinkProgress {
  std::uint64_t runs = 0;
  std::uint64_t max_runs = 0;
  std::size_t kept = 0;  // candidates kept so far
  std::string note;      // the step just kept, or empty
};

struct ShrinkOptions {
  std::string check;  // the failure to keep (Failure::check); empty: the document's first failure
  std::uint64_t max_runs = 500;
  bool gates = true;  // failed gates count, as `notion-sim run` judges
  std::function<void(const ShrinkProgress&)> progress;  // after each run
  std::function<bool()> stop;                           // asked before each run
};

// What a scenario is made of, for before/after reports.
struct ScenarioSize {
  std::size_t fault_rules = 0;
  std::size_t streams = 0;
  std::size_t batches = 0;
  std::size_t enrich = 0;
  std::size_t tenants = 0;
  double duration_s = 0;     // safety + liveness (or duration_s)
  std::string Text() const;  // "3 fault rules, 4 streams, 0 batches, 1 tenant, 1200 s"
};
ScenarioSize SizeOf(const nlohmann::json& doc);

struct ShrinkResult {
  nlohmann::json minimal;          // the smallest failing document (purpose says it was shrunk)
  Failure failure;                 // how it fails
  std::vector<std::string> notes;  // one line per step kept, in order
  std::uint64_t runs = 0;
  bool bounded = false;  // stopped by max_runs or stop() before a pass kept nothing
  ScenarioSize before;
  ScenarioSize after;
};

// kInvalidInput when the document does not load or does not fail (or not `check`).
Result<ShrinkResult> Shrink(const nlohmann::json& doc, const std::string& name,
                            const ShrinkOptions& options);

// The candidates of one step for a document: the changed document and a note ("removed stream 2
// (create_page)").
struct Candidate {
  nlohmann::json doc;
  std::string note;
};
struct ShrinkStep {
  std::string name;
  std::function<std::vector<Candidate>(const nlohmann::json& doc)> candidates;
};
// The table, in the order steps are tried.
const std::vector<ShrinkStep>& ShrinkSteps();

}  // namespace notion_sim::explore
