// notion-sim report: re-renders the reports of a run (Markdown summary, JUnit XML, one HTML page
// per scenario) from its result JSON files, e.g. after downloading them from CI.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "command.h"
#include "notion_sim/reports/render.h"
#include "notion_sim/reports/result_json.h"

namespace notion_sim::cli {
namespace {

namespace ns = notion_sim;

struct ReportArgs {
  std::vector<std::string> results;
  std::string out_dir;
};

int Report(const ReportArgs& args) {
  const Output out("report");
  std::vector<ns::scenarios::RunResult> results;
  for (const std::string& path : args.results) {
    auto loaded = ns::reports::LoadResults(path);
    if (!loaded.ok()) return out.BadInput(loaded.error().message);
    results.insert(results.end(), loaded->begin(), loaded->end());
  }
  auto written = ns::reports::WriteReports(results, args.out_dir);
  if (!written.ok()) return out.BadInput(written.error().message);
  for (const std::string& f : *written) std::cout << "wrote " << f << "\n";
  return kExitOk;
}

}  // namespace

Command AddReportCommand(CLI::App& app) {
  auto args = std::make_shared<ReportArgs>();
  CLI::App* report = app.add_subcommand(
      "report",
      "Render Markdown (summary.md), JUnit (junit.xml) and one HTML page per scenario from "
      "result files. Exit 0 when written, 2 on bad input");
  report
      ->add_option("results", args->results,
                   "Result files or directories (results.json, *.result.json)")
      ->required();
  report->add_option("--out", args->out_dir, "Directory for the reports")->required();
  return Command{report, [args] { return Report(*args); }};
}

}  // namespace notion_sim::cli
