#include "workspace_file.h"

#include "notion_sim/engine/json_reader.h"

namespace notion_sim::cli {

Result<sim::Workspace> LoadWorkspace(const std::string& path) {
  auto doc = engine::JsonDocument::Load(path);
  if (!doc.ok()) return doc.error();
  engine::JsonReader reader(*doc);
  engine::ObjectReader root = reader.Root();
  if (!reader.ok()) return reader.error();
  Result<sim::Workspace> ws = Error{ErrorCode::kInternal, "unreachable"};
  if (doc->root().contains("workspace")) {
    engine::ObjectReader inner = root.Object("workspace");
    ws = sim::ParseWorkspace(inner);
    root.Finish();
  } else {
    ws = sim::ParseWorkspace(root);
  }
  if (!reader.ok()) return reader.error();
  return ws;
}

}  // namespace notion_sim::cli
