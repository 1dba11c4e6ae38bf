// Comments: create (on a page or block, or in a discussion; rich text or markdown; file
// attachments; a display name), list a block's or page's comments, retrieve, update, delete.
#include <algorithm>

#include "ops.h"

namespace notion_sim::sim {

using engine::ApiCode;
using engine::ObjectId;
using nlohmann::json;

namespace {

// The comment's rich text from `rich_text` or `markdown` (one text item); fails the call.
bool ReadText(Core& m, Call& c, engine::Payload* out) {
  const json& body = *c.body;
  const bool has_rt = body.contains("rich_text");
  const bool has_md = body.contains("markdown");
  if (has_rt == has_md) {
    c.Fail(400, ApiCode::kValidationError,
           "body failed validation: body.rich_text should be defined, instead was `undefined`.");
    return false;
  }
  if (has_rt) {
    if (!m.ValidateRichText(c, body["rich_text"], "body.rich_text")) return false;
    *out = Alias(c.owner, &body["rich_text"]);
    return true;
  }
  if (!body["markdown"].is_string()) {
    c.Fail(400, ApiCode::kValidationError,
           "body failed validation: body.markdown should be a string, instead was `" +
               Quoted(body["markdown"]) + "`.");
    return false;
  }
  *out = Own(json::array({{{"type", "text"}, {"text", {{"content", body["markdown"]}}}}}));
  return true;
}

const CommentRec* Existing(Core& m, Call& c) {
  const Ref* ref = m.Find(c.target);
  if (ref == nullptr || ref->kind != Kind::kComment || m.comments[ref->index].deleted ||
      m.Hidden(c, m.comments[ref->index].parent)) {
    m.NotFound(c, "comment", c.target);
    return nullptr;
  }
  return &m.comments[ref->index];
}

}  // namespace

void CreateComment(Core& m, Call& c) {
  const json& body = *c.body;
  CommentRec rec;
  if (const json& d = Field(body, "discussion_id"); body.contains("discussion_id")) {
    const std::optional<ObjectId> id =
        d.is_string() ? ObjectId::Parse(d.get<std::string>()) : std::nullopt;
    if (!id) {
      c.Fail(400, ApiCode::kValidationError,
             "body failed validation: body.discussion_id should be a valid uuid, instead was `" +
                 Quoted(d) + "`.");
      return;
    }
    const CommentRec* first = nullptr;
    for (const CommentRec& cm : m.comments) {
      if (cm.discussion == *id && !cm.deleted) first = &cm;
    }
    if (first == nullptr) {
      m.NotFound(c, "discussion", *id);
      return;
    }
    rec.parent = first->parent;
    rec.parent_kind = first->parent_kind;
    rec.discussion = *id;
  } else {
    const json& parent = Field(body, "parent");
    if (!parent.is_object()) {
      c.Fail(400, ApiCode::kValidationError,
             "body failed validation: body.parent should be defined, instead was `undefined`.");
      return;
    }
    const bool page = parent.contains("page_id");
    const char* key = page ? "page_id" : "block_id";
    const std::optional<ObjectId> id = ObjectId::Parse(Str(parent, key));
    if (!id) {
      c.Fail(400, ApiCode::kValidationError,
             std::string("body failed validation: body.parent.") + key +
                 " should be a valid uuid, instead was `" + Quoted(Field(parent, key)) + "`.");
      return;
    }
    const Ref* ref = m.Find(*id);
    if (ref == nullptr ||
        (page ? ref->kind != Kind::kPage : ref->kind != Kind::kBlock && ref->kind != Kind::kPage)) {
      m.NotFound(c, page ? "page" : "block", *id);
      return;
    }
    rec.parent = *id;
    rec.parent_kind = ref->kind == Kind::kPage ? ParentKind::kPage : ParentKind::kBlock;
  }
  if (!m.Allowed(c, rec.parent, kCapInsert, "page")) return;
  if (!ReadText(m, c, &rec.rich_text)) return;
  if (const json& att = Field(body, "attachments"); body.contains("attachments")) {
    if (!att.is_array() || att.size() > 3) {
      c.Fail(400, ApiCode::kValidationError,
             "body failed validation: body.attachments should be an array of at most 3 "
             "attachments.");
      return;
    }
    for (std::size_t i = 0; i < att.size(); ++i) {
      const std::optional<ObjectId> up = ObjectId::Parse(Str(att[i], "file_upload_id"));
      if (!AttachUpload(m, c, up.value_or(ObjectId{}),
                        "body.attachments[" + std::to_string(i) + "]")) {
        return;
      }
      rec.attachments.push_back(*up);
    }
  }
  if (const json& dn = Field(body, "display_name"); dn.is_object()) {
    rec.display_type = Str(dn, "type");
    if (rec.display_type != "integration" && rec.display_type != "user" &&
        rec.display_type != "custom") {
      c.Fail(400, ApiCode::kValidationError,
             "body failed validation: body.display_name.type should be one of `integration`, "
             "`user`, `custom`.");
      return;
    }
    if (rec.display_type == "custom") rec.display_name = Str(Field(dn, "custom"), "name");
  }
  rec.id = ObjectId::Random(m.ids);
  if (rec.discussion.empty()) rec.discussion = ObjectId::Random(m.ids);
  rec.created_us = c.now_us;
  rec.edited_us = c.now_us;
  rec.creator = static_cast<std::uint16_t>(c.token);
  const auto ci = static_cast<std::uint32_t>(m.comments.size());
  m.index.Insert(rec.id, Ref{Kind::kComment, ci});
  const ObjectId id = rec.id, parent = rec.parent;
  m.comments.push_back(std::move(rec));
  c.parent = parent;
  m.Commit(c, id, ChangeKind::kCommentCreated, parent);
  c.object = id;
  c.reply.kind = ReplyKind::kObject;
  c.reply.item = Ref{Kind::kComment, ci};
}

void ListComments(Core& m, Call& c) {
  const std::optional<std::string> block = c.Param("block_id");
  if (!block) {
    c.Fail(400, ApiCode::kValidationError,
           "query failed validation: query.block_id should be defined, instead was `undefined`.");
    return;
  }
  const std::optional<ObjectId> id = ObjectId::Parse(*block);
  if (!id) {
    c.Fail(400, ApiCode::kValidationError,
           "query failed validation: query.block_id should be a valid uuid, instead was `\"" +
               *block + "\"`.");
    return;
  }
  const Ref* ref = m.Find(*id);
  if (ref == nullptr || (ref->kind != Kind::kPage && ref->kind != Kind::kBlock)) {
    m.NotFound(c, "block", *id);
    return;
  }
  if (!m.Allowed(c, *id, kCapRead, "block")) return;
  std::vector<Ref> all;
  for (std::uint32_t i = 0; i < m.comments.size(); ++i) {
    if (m.comments[i].parent == *id && !m.comments[i].deleted)
      all.push_back(Ref{Kind::kComment, i});
  }
  Paginate(c, all, "comment", ObjectId{});
  c.object = *id;
}

void RetrieveComment(Core& m, Call& c) {
  const CommentRec* cm = Existing(m, c);
  if (cm == nullptr) return;
  c.object = cm->id;
  c.reply.kind = ReplyKind::kObject;
  c.reply.item = *m.Find(cm->id);
}

void UpdateComment(Core& m, Call& c) {
  const CommentRec* existing = Existing(m, c);
  if (existing == nullptr) return;
  const Ref ref = *m.Find(existing->id);
  if (existing->creator != c.token) {
    c.Fail(403, ApiCode::kRestrictedResource,
           "Only the integration that created a comment can edit it.");
    return;
  }
  engine::Payload text;
  if (!ReadText(m, c, &text)) return;
  CommentRec& cm = m.comments[ref.index];
  cm.rich_text = std::move(text);
  cm.edited_us = c.now_us;
  m.Commit(c, cm.id, ChangeKind::kCommentUpdated, cm.parent);
  c.object = cm.id;
  c.reply.kind = ReplyKind::kObject;
  c.reply.item = ref;
}

void DeleteComment(Core& m, Call& c) {
  const CommentRec* existing = Existing(m, c);
  if (existing == nullptr) return;
  const Ref ref = *m.Find(existing->id);
  if (existing->creator != c.token) {
    c.Fail(403, ApiCode::kRestrictedResource,
           "Only the integration that created a comment can delete it.");
    return;
  }
  CommentRec& cm = m.comments[ref.index];
  cm.deleted = true;
  cm.edited_us = c.now_us;
  m.Commit(c, cm.id, ChangeKind::kCommentDeleted, cm.parent);
  c.object = cm.id;
  c.reply.kind = ReplyKind::kObject;
  c.reply.item = ref;
}

}  // namespace notion_sim::sim
