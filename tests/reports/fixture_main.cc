// Writes result files for the gate command's shell test: a baseline, the same run again, a slower
// run (a regression that still passes its absolute gates), a run with a violated invariant and a
// failed gate, and two broken inputs.
#include <iostream>
#include <string>

#include "fixture.h"
#include "notion_sim/reports/result_json.h"

int main(int argc, char** argv) {
  namespace r = notion_sim::reports;
  if (argc == 2 && std::string(argv[1]) == "--result-schema") {
    // Regenerates schemas/result.schema.json: reports_fixture --result-schema > FILE
    std::cout << r::ResultJsonSchema().dump(2) << "\n";
    return 0;
  }
  if (argc != 2) {
    std::cerr << "usage: reports_fixture OUT_DIR | --result-schema\n";
    return 2;
  }
  const std::string out = argv[1];
  const nlohmann::json good = r::ResultToJson(r::testing::SampleResult());
  r::testing::SampleOptions slow;
  slow.extra_latency_us = notion_sim::Ms(300);
  r::testing::SampleOptions failing;
  failing.name = "storm_broken";
  failing.break_attempts = true;
  failing.min_success = 0.999;
  nlohmann::json old = good;
  old["schema_version"] = 1;
  // The same run as version 3 wrote it (before started_at and host): still a baseline.
  nlohmann::json v3 = good;
  v3["schema_version"] = 3;
  v3.erase("started_at");
  v3.erase("host");
  nlohmann::json broken = r::IndexToJson({good});
  broken["results"][0]["metrics"]["latency"]["p99_us"] = "slow";
  bool ok = r::WriteJsonFile(out + "/base/results.json", r::IndexToJson({good})).ok() &&
            r::WriteJsonFile(out + "/same/results.json", r::IndexToJson({good})).ok() &&
            r::WriteJsonFile(out + "/slow/results.json",
                             r::IndexToJson({r::ResultToJson(r::testing::SampleResult(slow))}))
                .ok() &&
            r::WriteJsonFile(out + "/failing/storm_broken.result.json",
                             r::ResultToJson(r::testing::SampleResult(failing)))
                .ok() &&
            r::WriteJsonFile(out + "/old/results.json", r::IndexToJson({old})).ok() &&
            r::WriteJsonFile(out + "/v3/storm_creates.result.json", v3).ok() &&
            r::WriteJsonFile(out + "/bad/results.json", broken).ok();
  if (!ok) {
    std::cerr << "reports_fixture: cannot write under " << out << "\n";
    return 1;
  }
  return 0;
}
