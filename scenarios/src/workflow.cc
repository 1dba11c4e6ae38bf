#include "notion_sim/scenarios/workflow.h"

#include <algorithm>
#include <memory>

namespace notion_sim::scenarios {
namespace {

engine::Payload SummaryPayload(const std::string& text) {
  return std::make_shared<const nlohmann::json>(nlohmann::json{
      {"properties", {{"Summary", {{"rich_text", {{{"text", {{"content", text}}}}}}}}}}});
}

}  // namespace

std::string_view OnFailureName(OnFailure policy) {
  switch (policy) {
    case OnFailure::kSkip:
      return "skip";
    case OnFailure::kDeadLetter:
      return "dead_letter";
    case OnFailure::kRetryLater:
      return "retry_later";
    case OnFailure::kAbort:
      return "abort";
    case OnFailure::kContinue:
      return "continue";
    case OnFailure::kGoto:
      return "goto";
  }
  return "?";
}

bool WorkflowSpec::UsesUpstream() const {
  return std::any_of(steps.begin(), steps.end(), [](const StepSpec& s) {
    return s.operation == engine::Operation::kUpstreamComplete;
  });
}

bool WorkflowSpec::Writes() const {
  return std::any_of(steps.begin(), steps.end(),
                     [](const StepSpec& s) { return engine::IsWrite(s.operation); });
}

WorkflowSpec EnrichWorkflow(const std::string& name, const OpStream& arrivals,
                            bool degrade_placeholder) {
  WorkflowSpec wf;
  wf.name = name;
  wf.trigger = TriggerKind::kArrivals;
  wf.arrivals = arrivals;
  wf.tenants = {arrivals.tenant};
  wf.lane = arrivals.lane;
  auto step = [&](const char* step_name, engine::Operation op, OnFailure on_failure) {
    StepSpec s;
    s.name = step_name;
    s.operation = op;
    s.target = StepTarget::kItem;  // the upstream's prompt is about the item too
    s.lane = arrivals.lane;
    s.on_failure = on_failure;
    s.next = static_cast<std::uint16_t>(wf.steps.size() + 1);
    wf.steps.push_back(s);
    return wf.steps.size() - 1;
  };
  // Nothing to enrich without the page: a failed read ends the item.
  step("read", engine::Operation::kRetrievePage, OnFailure::kSkip);
  const std::size_t ask = step("ask", engine::Operation::kUpstreamComplete,
                               degrade_placeholder ? OnFailure::kGoto : OnFailure::kDeadLetter);
  const std::size_t write = step("write", engine::Operation::kUpdatePage, OnFailure::kSkip);
  wf.steps[write].body = SummaryPayload("enriched");
  if (degrade_placeholder) {
    const std::size_t note = step("placeholder", engine::Operation::kUpdatePage, OnFailure::kSkip);
    wf.steps[note].body = SummaryPayload("temporarily unavailable");
    wf.steps[ask].goto_step = static_cast<std::uint16_t>(note);
    wf.steps[write].next = static_cast<std::uint16_t>(wf.steps.size());  // "then": "end"
  }
  return wf;
}

}  // namespace notion_sim::scenarios
