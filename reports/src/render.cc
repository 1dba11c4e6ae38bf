#include "notion_sim/reports/render.h"

#include <map>

#include "notion_sim/reports/html.h"
#include "notion_sim/reports/junit.h"
#include "notion_sim/reports/markdown.h"
#include "notion_sim/reports/result_json.h"

namespace notion_sim::reports {

Result<std::vector<std::string>> WriteReports(const std::vector<scenarios::RunResult>& results,
                                              const std::string& out_dir) {
  std::vector<std::string> written;
  const std::string md = out_dir + "/summary.md";
  if (Status st = WriteTextFile(md, MarkdownSummary(results)); !st.ok()) return st.error();
  written.push_back(md);
  const std::string xml = out_dir + "/junit.xml";
  if (Status st = WriteTextFile(xml, JunitXml(results)); !st.ok()) return st.error();
  written.push_back(xml);
  std::map<std::string, int> seen;
  for (const auto& r : results) ++seen[r.scenario];
  std::vector<std::string> pages;
  for (const auto& r : results) {
    const std::string name =
        seen[r.scenario] > 1 ? r.scenario + "-seed" + std::to_string(r.seed) : r.scenario;
    pages.push_back(name + ".html");
    const std::string html = out_dir + "/" + pages.back();
    if (Status st = WriteTextFile(html, HtmlReport(r)); !st.ok()) return st.error();
    written.push_back(html);
  }
  const std::string index = out_dir + "/index.html";
  if (Status st = WriteTextFile(index, IndexHtml(results, pages)); !st.ok()) return st.error();
  written.push_back(index);
  return written;
}

}  // namespace notion_sim::reports
