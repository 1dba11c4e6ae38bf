// The smaller surfaces: custom emojis, async tasks, meeting notes (created from a block or a
// file upload, and queried), and the agents group, which answers Notion's "not available" error.
#include <algorithm>

#include "ops.h"

namespace notion_sim::sim {

using engine::ApiCode;
using engine::ObjectId;
using nlohmann::json;

void ListCustomEmojis(Core& m, Call& c) {
  // The workspace's custom emojis are users' uploads; the fake's workspace has none unless the
  // workspace file names them.
  const std::string name = c.Param("name").value_or("");
  std::vector<Ref> all;
  for (std::uint32_t i = 0; i < m.config.workspace.custom_emojis.size(); ++i) {
    if (name.empty() || m.config.workspace.custom_emojis[i] == name) {
      all.push_back(Ref{Kind::kUser, i});
    }
  }
  Paginate(c, all, "custom_emoji", ObjectId{});
}

void RetrieveAsyncTask(Core& m, Call& c) {
  const Ref* ref = m.Find(c.target);
  if (ref == nullptr || ref->kind != Kind::kAsyncTask) {
    m.NotFound(c, "async task", c.target);
    return;
  }
  c.object = c.target;
  c.reply.kind = ReplyKind::kObject;
  c.reply.item = *ref;
}

void CreateMeetingNote(Core& m, Call& c) {
  const json& body = *c.body;
  const json& source = Field(body, "source");
  const std::string type = Str(source, "type");
  ObjectId page;
  if (type == "file_upload") {
    const std::optional<ObjectId> up = ObjectId::Parse(Str(source, "file_upload_id"));
    const std::optional<ObjectId> parent = ObjectId::Parse(Str(Field(body, "parent"), "page_id"));
    if (!parent) {
      c.Fail(400, ApiCode::kValidationError,
             "body failed validation: body.parent.page_id should be defined, instead was "
             "`undefined`.");
      return;
    }
    const Ref* pref = m.Find(*parent);
    if (pref == nullptr || pref->kind != Kind::kPage || m.pages[pref->index].in_trash) {
      m.NotFound(c, "page", *parent);
      return;
    }
    if (!m.Allowed(c, *parent, kCapInsert, "page")) return;
    if (!AttachUpload(m, c, up.value_or(ObjectId{}), "body.source")) return;
    page = *parent;
  } else if (type == "block") {
    if (body.contains("parent")) {
      c.Fail(400, ApiCode::kValidationError,
             "body failed validation: body.parent should be not present with a block source.");
      return;
    }
    const std::optional<ObjectId> block = ObjectId::Parse(Str(source, "block_id"));
    const Ref* bref = block ? m.Find(*block) : nullptr;
    if (bref == nullptr || (bref->kind != Kind::kBlock && bref->kind != Kind::kPage)) {
      m.NotFound(c, "block", block.value_or(ObjectId{}));
      return;
    }
    if (!m.Allowed(c, *block, kCapInsert, "block")) return;
    page = *block;
  } else {
    c.Fail(400, ApiCode::kValidationError,
           "body failed validation: body.source.type should be `\"file_upload\"` or `\"block\"`, "
           "instead was `" +
               Quoted(Field(source, "type")) + "`.");
    return;
  }
  const std::string title = Field(body, "title").is_string() ? Str(body, "title") : "Meeting notes";
  auto content =
      Own(json{{"type", "meeting_notes"},
               {"meeting_notes",
                {{"title", json::array({{{"type", "text"}, {"text", {{"content", title}}}}})},
                 {"status", "transcription_not_started"}}}});
  c.owner = content;
  const Ref target = *m.Find(page);
  std::vector<std::uint32_t> created;
  m.AppendChildren(c, m.ChildrenOf(target), SIZE_MAX,
                   target.kind == Kind::kPage ? ParentKind::kPage : ParentKind::kBlock, page,
                   json::array({*content}), &created);
  // AppendChildren aliased the array's copy: keep the block's own content.
  m.blocks[created[0]].content = content;
  const ObjectId id = m.blocks[created[0]].id;
  m.Commit(c, id, ChangeKind::kPageContentUpdated, page);
  c.object = id;
  c.reply.kind = ReplyKind::kObject;
  c.reply.item = Ref{Kind::kBlock, created[0]};
}

void QueryMeetingNotes(Core& m, Call& c) {
  const json& body = *c.body;
  const json& limit = Field(body, "limit");
  if (!limit.is_null() && (!limit.is_number_integer() || limit.get<std::int64_t>() < 1 ||
                           limit.get<std::int64_t>() > 100)) {
    c.Fail(400, ApiCode::kValidationError,
           "body failed validation: body.limit should be an integer from 1 to 100, instead was `" +
               Quoted(limit) + "`.");
    return;
  }
  const std::size_t n = limit.is_null() ? 100 : static_cast<std::size_t>(limit.get<std::int64_t>());
  if (const json& f = Field(body, "filter"); !f.is_null()) {
    if (!f.is_object() || (Str(f, "operator") != "and" && Str(f, "operator") != "or")) {
      c.Fail(400, ApiCode::kValidationError,
             "body failed validation: body.filter.operator should be `\"and\"` or `\"or\"`.");
      return;
    }
  }
  std::vector<Ref> all;
  for (std::uint32_t i = 0; i < m.blocks.size(); ++i) {
    const BlockRec& b = m.blocks[i];
    if (b.in_trash || b.content == nullptr || Str(*b.content, "type") != "meeting_notes") continue;
    if (m.Hidden(c, b.parent)) continue;
    all.push_back(Ref{Kind::kBlock, i});
  }
  c.has_more = all.size() > n;
  if (all.size() > n) all.resize(n);
  c.result_count = static_cast<std::uint32_t>(all.size());
  c.reply.kind = ReplyKind::kMeetingNotes;
  c.reply.items = std::move(all);
}

void Agents(Core& m, Call& c) {
  (void)m;
  c.Fail(403, ApiCode::kRestrictedResource,
         "The Notion Agent APIs are not available to this integration: notion-sim does not "
         "model agents, threads or sessions.");
}

}  // namespace notion_sim::sim
