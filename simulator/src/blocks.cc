// Blocks: append children (at the end, after a block, or at a position), list children (blocks,
// child pages and child databases in order), retrieve, update, delete (to the trash).
#include <algorithm>

#include "ops.h"

namespace notion_sim::sim {

using engine::ApiCode;
using engine::ObjectId;
using engine::Operation;
using nlohmann::json;

namespace {

// The target as a block: a page or block (or a database, which retrieve and delete also take)
// that the token may act on with `capability`; fails the call (404 or Allowed's answer) otherwise.
const Ref* TargetBlock(Core& m, Call& c, std::uint8_t capability, bool database_too = false) {
  const Ref* ref = m.Find(c.target);
  if (ref == nullptr || (ref->kind != Kind::kPage && ref->kind != Kind::kBlock &&
                         (!database_too || ref->kind != Kind::kDatabase))) {
    m.NotFound(c, "block", c.target);
    return nullptr;
  }
  return m.Allowed(c, c.target, capability, "block") ? ref : nullptr;
}

// The page whose content a block belongs to (for the change event).
ObjectId PageOf(const Core& m, ObjectId id) {
  for (int guard = 0; guard < 10'000; ++guard) {
    const Ref* r = m.Find(id);
    if (r == nullptr) return ObjectId{};
    if (r->kind == Kind::kPage) return id;
    if (r->kind != Kind::kBlock) return ObjectId{};
    id = m.blocks[r->index].parent;
  }
  return ObjectId{};
}

// Checks every file_upload a block list references and marks them attached.
bool AttachBlockFiles(Core& m, Call& c, const json& children, const std::string& where) {
  if (!children.is_array()) return true;
  for (std::size_t i = 0; i < children.size(); ++i) {
    const json& block = children[i];
    const std::string type = BlockTypeOf(block);
    const json& content = Field(block, type);
    const std::string at = where + "[" + std::to_string(i) + "]." + type;
    if (const json& up = Field(content, "file_upload"); up.is_object()) {
      if (!AttachUpload(m, c, ObjectId::Parse(Str(up, "id")).value_or(ObjectId{}), at)) {
        return false;
      }
    }
    if (const json& nested = Field(content, "children"); nested.is_array()) {
      if (!AttachBlockFiles(m, c, nested, at + ".children")) return false;
    }
  }
  return true;
}

}  // namespace

void AppendBlocks(Core& m, Call& c) {
  const Ref* ref = TargetBlock(m, c, kCapInsert);
  if (ref == nullptr) return;
  const bool trashed =
      ref->kind == Kind::kPage ? m.pages[ref->index].in_trash : m.blocks[ref->index].in_trash;
  if (trashed) {
    c.Fail(400, ApiCode::kValidationError,
           "Can't edit block that is archived. You must unarchive the block before editing.");
    return;
  }
  const json& body = *c.body;
  const json* children = nullptr;
  if (auto it = body.find("children"); it != body.end()) children = &*it;
  if (children == nullptr) {
    c.Fail(400, ApiCode::kValidationError,
           "body failed validation: body.children should be defined, instead was `undefined`.");
    return;
  }
  const Core::PayloadFacts* f = m.FactsFor(c);
  if (f != nullptr && !f->valid) {
    c.Fail(400, f->code, f->message);
    return;
  }
  const Ref target = *ref;  // AppendChildren grows the index
  // Where: the end, after a block (`after`, before 2026-03-11), or `position`.
  std::size_t at = SIZE_MAX;
  const std::vector<Child>& current = *m.ChildrenOf(target);
  std::optional<ObjectId> after;
  if (const json& a = Field(body, "after"); !a.is_null()) {
    if (c.version == ApiVersion::k20260311) {
      c.Fail(400, ApiCode::kValidationError,
             "body failed validation: body.after should be not present, instead was `" + Quoted(a) +
                 "`. Use position.");
      return;
    }
    after = a.is_string() ? ObjectId::Parse(a.get<std::string>()) : std::nullopt;
    if (!after) {
      c.Fail(400, ApiCode::kValidationError,
             "body failed validation: body.after should be a valid uuid, instead was `" +
                 Quoted(a) + "`.");
      return;
    }
  }
  if (const json& p = Field(body, "position"); !p.is_null()) {
    const std::string type = Str(p, "type");
    if (type == "start") {
      at = 0;
    } else if (type == "end") {
      at = SIZE_MAX;
    } else if (type == "after_block") {
      after = ObjectId::Parse(Str(Field(p, "after_block"), "id"));
      if (!after) {
        c.Fail(400, ApiCode::kValidationError,
               "body failed validation: body.position.after_block.id should be a valid uuid, "
               "instead was `" +
                   Quoted(Field(Field(p, "after_block"), "id")) + "`.");
        return;
      }
    } else {
      c.Fail(400, ApiCode::kValidationError,
             "body failed validation: body.position.type should be one of `after_block`, "
             "`start`, `end`, instead was `" +
                 Quoted(Field(p, "type")) + "`.");
      return;
    }
  }
  if (after) {
    const Ref* a = m.Find(*after);
    std::size_t found = SIZE_MAX;
    for (std::size_t i = 0; a != nullptr && i < current.size(); ++i) {
      if (current[i] == *a) found = i;
    }
    if (found == SIZE_MAX) {
      m.NotFound(c, "block", *after);
      return;
    }
    at = found + 1;
  }
  if (!AttachBlockFiles(m, c, *children, "body.children")) return;
  std::vector<std::uint32_t> created;
  std::vector<Child>* list = m.ChildrenOf(target);
  m.AppendChildren(c, list, at, target.kind == Kind::kPage ? ParentKind::kPage : ParentKind::kBlock,
                   c.target, *children, &created);
  if (target.kind == Kind::kPage) {
    m.pages[target.index].edited_us = c.now_us;
  } else {
    m.blocks[target.index].edited_us = c.now_us;
  }
  c.result_count = static_cast<std::uint32_t>(created.size());
  const ObjectId first = created.empty() ? c.target : m.blocks[created[0]].id;
  m.Commit(c, first, ChangeKind::kPageContentUpdated, PageOf(m, c.target));
  c.object = first;
  c.reply.kind = ReplyKind::kList;
  c.reply.list_type = "block";
  c.reply.container = c.target;
  for (std::uint32_t bi : created) c.reply.items.push_back(Ref{Kind::kBlock, bi});
}

void ListBlockChildren(Core& m, Call& c) {
  const Ref* ref = TargetBlock(m, c, kCapRead);
  if (ref == nullptr) return;
  const std::vector<Child>& list = *m.ChildrenOf(*ref);
  std::uint64_t pos = c.cursor_given ? (c.start_cursor & 0xFFFFFFFFULL) - 1 : 0;
  std::vector<Ref> hits;
  bool more = false;
  std::uint64_t next = 0;
  for (; pos < list.size(); ++pos) {
    if (m.ChildInTrash(list[pos])) continue;
    if (hits.size() == c.page_size) {
      more = true;
      next = pos;
      break;
    }
    hits.push_back(list[pos]);
  }
  c.result_count = static_cast<std::uint32_t>(hits.size());
  c.has_more = more;
  c.next_cursor = more ? next + 1 : 0;
  c.object = c.target;
  c.reply.kind = ReplyKind::kList;
  c.reply.list_type = "block";
  c.reply.container = c.target;
  c.reply.items = std::move(hits);
}

void RetrieveBlock(Core& m, Call& c) {
  const Ref* ref = TargetBlock(m, c, kCapRead, /*database_too=*/true);
  if (ref == nullptr) return;
  c.object = c.target;
  c.reply.kind = ref->kind == Kind::kBlock ? ReplyKind::kObject : ReplyKind::kPageAsBlock;
  c.reply.item = *ref;
}

void UpdateBlock(Core& m, Call& c) {
  const Ref* ref = TargetBlock(m, c, kCapUpdate);
  if (ref == nullptr) return;
  const json& body = *c.body;
  if (ref->kind == Kind::kPage) {
    // A page through the blocks endpoint: only its trash state can change here.
    const Ref page = *ref;
    UpdatePage(m, c);
    if (!c.failed()) {
      c.reply.kind = ReplyKind::kPageAsBlock;
      c.reply.item = page;
    }
    return;
  }
  BlockRec& b = m.blocks[ref->index];
  std::optional<bool> trash;
  for (const char* key : {"in_trash", "archived"}) {
    if (auto it = body.find(key); it != body.end() && it->is_boolean()) trash = it->get<bool>();
  }
  if (b.in_trash && trash != false) {
    c.Fail(400, ApiCode::kValidationError,
           "Can't edit block that is archived. You must unarchive the block before editing.");
    return;
  }
  const std::string type = b.content != nullptr ? BlockTypeOf(*b.content) : "paragraph";
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (it.key() == "in_trash" || it.key() == "archived" || it.key() == "type") continue;
    if (it.key() != type) {
      c.Fail(400, ApiCode::kValidationError,
             "body failed validation: body." + it.key() + " should be not present, instead was `" +
                 Quoted(*it) + "`. The block's type is `" + type + "`.");
      return;
    }
    // The update names only the fields it changes: merged over the block's content.
    json merged =
        b.content != nullptr && b.content->is_object() ? Field(*b.content, type) : json::object();
    if (!merged.is_object()) merged = json::object();
    if (it->is_object()) {
      for (auto f = it->begin(); f != it->end(); ++f) merged[f.key()] = *f;
    }
    json wrapper = {{"type", type}, {type, merged}};
    ApiCall none;
    Call probe(none);
    std::uint32_t n = 0;
    if (!m.ValidateChildren(probe, json::array({wrapper}), "body", 1, &n)) {
      c.Fail(400, ApiCode::kValidationError, probe.message);
      return;
    }
    b.content = Own(std::move(wrapper));
  }
  if (trash) b.in_trash = *trash;
  b.edited_us = c.now_us;
  b.editor = static_cast<std::uint16_t>(c.token);
  m.Commit(c, b.id, ChangeKind::kPageContentUpdated, PageOf(m, b.parent));
  c.object = b.id;
  c.reply.kind = ReplyKind::kObject;
  c.reply.item = Ref{Kind::kBlock, ref->index};
}

void DeleteBlock(Core& m, Call& c) {
  const Ref* ref = TargetBlock(m, c, kCapUpdate, /*database_too=*/true);
  if (ref == nullptr) return;
  c.object = c.target;
  if (ref->kind == Kind::kPage) {
    PageRec& p = m.pages[ref->index];
    p.in_trash = true;
    p.edited_us = c.now_us;
    m.Commit(c, p.id, ChangeKind::kPageDeleted, p.parent);
    c.reply.kind = ReplyKind::kPageAsBlock;
    c.reply.item = *ref;
    return;
  }
  if (ref->kind == Kind::kDatabase) {
    DatabaseRec& db = m.databases[ref->index];
    db.in_trash = true;
    db.edited_us = c.now_us;
    for (std::uint32_t ds : db.data_sources) m.data_sources[ds].in_trash = true;
    m.Commit(c, db.id, ChangeKind::kDatabaseUpdated, db.parent);
    c.reply.kind = ReplyKind::kPageAsBlock;
    c.reply.item = *ref;
    return;
  }
  BlockRec& b = m.blocks[ref->index];
  b.in_trash = true;
  b.edited_us = c.now_us;
  m.Commit(c, b.id, ChangeKind::kPageContentUpdated, PageOf(m, b.parent));
  c.reply.kind = ReplyKind::kObject;
  c.reply.item = *ref;
}

}  // namespace notion_sim::sim
