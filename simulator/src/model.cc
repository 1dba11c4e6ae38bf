// The workspace model's shared helpers: lookups, access checks, new records, the content tree,
// pagination over a list, and the one commit point.
#include <algorithm>

#include "core.h"
#include "ops.h"

namespace notion_sim::sim {

using engine::ApiCode;
using engine::ObjectId;
using nlohmann::json;

const Ref* Core::Find(const ObjectId& id) const { return index.Find(id); }

void Core::NotFound(Call& c, std::string_view kind, const ObjectId& id) {
  c.Fail(404, ApiCode::kObjectNotFound,
         "Could not find " + std::string(kind) + " with ID: " + id.ToString() +
             ". Make sure the relevant pages and databases are shared with your integration.");
}

bool Core::Hidden(const Call& c, const ObjectId& id) const {
  if (c.token < 0) return false;
  const TokenSpec& t = tokens[static_cast<std::size_t>(c.token)].spec;
  return !t.hidden.empty() && std::find(t.hidden.begin(), t.hidden.end(), id) != t.hidden.end();
}

bool Core::Allowed(Call& c, const ObjectId& id, std::uint8_t capability, std::string_view kind) {
  const TokenSpec& t = tokens[static_cast<std::size_t>(c.token)].spec;
  if (Hidden(c, id)) {
    NotFound(c, kind, id);
    return false;
  }
  if ((t.capabilities & capability) == 0 ||
      (!t.forbidden.empty() &&
       std::find(t.forbidden.begin(), t.forbidden.end(), id) != t.forbidden.end())) {
    c.Fail(403, ApiCode::kRestrictedResource, "");
    return false;
  }
  return true;
}

const Ref* Core::Target(Call& c, Kind kind, std::string_view what, std::uint8_t capability) {
  const Ref* ref = Find(c.target);
  if (ref == nullptr || ref->kind != kind) {
    NotFound(c, what, c.target);
    return nullptr;
  }
  return Allowed(c, c.target, capability, what) ? ref : nullptr;
}

std::uint32_t Core::NewDatabase(const ObjectId& id, const std::string& title,
                                ParentKind parent_kind, const ObjectId& parent, TimeUs now_us) {
  DatabaseRec db;
  db.id = id;
  db.title = title;
  db.parent = parent;
  db.parent_kind = parent_kind;
  db.created_us = now_us;
  db.edited_us = now_us;
  const auto i = static_cast<std::uint32_t>(databases.size());
  index.Insert(id, Ref{Kind::kDatabase, i});
  databases.push_back(std::move(db));
  if (parent_kind == ParentKind::kPage) {
    if (const Ref* r = Find(parent); r != nullptr && r->kind == Kind::kPage) {
      pages[r->index].children.push_back(Child{Kind::kDatabase, i});
    }
  }
  return i;
}

std::uint32_t Core::NewDataSource(const ObjectId& id, const std::string& title,
                                  std::vector<PropertyDef> schema, std::uint32_t database,
                                  TimeUs now_us) {
  DataSourceRec ds;
  ds.id = id;
  ds.title = title;
  ds.schema = std::move(schema);
  ds.database = database;
  ds.created_us = now_us;
  ds.edited_us = now_us;
  const auto i = static_cast<std::uint32_t>(data_sources.size());
  index.Insert(id, Ref{Kind::kDataSource, i});
  data_sources.push_back(std::move(ds));
  databases[database].data_sources.push_back(i);
  return i;
}

std::uint32_t Core::NewPage(Call& c, ParentKind kind, const ObjectId& parent,
                            engine::Payload properties) {
  PageRec p;
  p.id = ObjectId::Random(ids);
  p.parent = parent;
  p.parent_kind = kind;
  p.created_us = c.now_us;
  p.edited_us = c.now_us;
  p.created_op = c.op_id;
  p.edited_op = c.op_id;
  p.properties = std::move(properties);
  p.creator = static_cast<std::uint16_t>(std::max(c.token, 0));
  p.editor = p.creator;
  const auto i = static_cast<std::uint32_t>(pages.size());
  index.Insert(p.id, Ref{Kind::kPage, i});
  if (kind == ParentKind::kDataSource) {
    if (const Ref* r = Find(parent); r != nullptr && r->kind == Kind::kDataSource) {
      data_sources[r->index].pages.push_back(i);
      p.number = data_sources[r->index].next_number++;
    }
  } else if (kind == ParentKind::kPage || kind == ParentKind::kBlock) {
    // A page under a page is also a child_page block in its parent's content.
    if (const Ref* r = Find(parent); r != nullptr) {
      if (std::vector<Child>* list = ChildrenOf(*r)) list->push_back(Child{Kind::kPage, i});
    }
  }
  pages.push_back(std::move(p));
  return i;
}

std::vector<Child>* Core::ChildrenOf(const Ref& ref) {
  if (ref.kind == Kind::kPage) return &pages[ref.index].children;
  if (ref.kind == Kind::kBlock) return &blocks[ref.index].children;
  return nullptr;
}

const std::vector<Child>* Core::ChildrenOf(const Ref& ref) const {
  if (ref.kind == Kind::kPage) return &pages[ref.index].children;
  if (ref.kind == Kind::kBlock) return &blocks[ref.index].children;
  return nullptr;
}

bool Core::ChildInTrash(const Child& child) const {
  switch (child.kind) {
    case Kind::kBlock:
      return blocks[child.index].in_trash;
    case Kind::kPage:
      return pages[child.index].in_trash;
    case Kind::kDatabase:
      return databases[child.index].in_trash;
    default:
      return true;
  }
}

bool Core::HasChildren(const std::vector<Child>& children) const {
  for (const Child& ch : children) {
    if (!ChildInTrash(ch)) return true;
  }
  return false;
}

ObjectId Core::IdOf(const Ref& ref) const {
  switch (ref.kind) {
    case Kind::kPage:
      return pages[ref.index].id;
    case Kind::kBlock:
      return blocks[ref.index].id;
    case Kind::kDataSource:
      return data_sources[ref.index].id;
    case Kind::kDatabase:
      return databases[ref.index].id;
    case Kind::kUser:
      return users[ref.index].id;
    case Kind::kComment:
      return comments[ref.index].id;
    case Kind::kFileUpload:
      return file_uploads[ref.index].id;
    case Kind::kView:
      return views[ref.index].id;
    case Kind::kViewQuery:
      return view_queries[ref.index].id;
    case Kind::kAsyncTask:
      return async_tasks[ref.index].id;
  }
  return ObjectId{};
}

const DataSourceRec* Core::SourceOf(const PageRec& page) const {
  if (page.parent_kind != ParentKind::kDataSource) return nullptr;
  const Ref* r = Find(page.parent);
  return r != nullptr && r->kind == Kind::kDataSource ? &data_sources[r->index] : nullptr;
}

DataSourceRec* Core::SourceOf(const PageRec& page) {
  if (page.parent_kind != ParentKind::kDataSource) return nullptr;
  const Ref* r = Find(page.parent);
  return r != nullptr && r->kind == Kind::kDataSource ? &data_sources[r->index] : nullptr;
}

void Core::AppendChildren(Call& c, std::vector<Child>* list, std::size_t at, ParentKind parent_kind,
                          const ObjectId& parent, const json& children,
                          std::vector<std::uint32_t>* created) {
  std::vector<Child> made;
  for (const json& item : children) {
    BlockRec b;
    b.id = ObjectId::Random(ids);
    b.parent = parent;
    b.parent_kind = parent_kind;
    b.created_us = c.now_us;
    b.edited_us = c.now_us;
    b.creator = static_cast<std::uint16_t>(std::max(c.token, 0));
    b.editor = b.creator;
    b.content = Alias(c.owner, &item);
    const auto bi = static_cast<std::uint32_t>(blocks.size());
    index.Insert(b.id, Ref{Kind::kBlock, bi});
    blocks.push_back(std::move(b));
    made.push_back(Child{Kind::kBlock, bi});
    if (created != nullptr) created->push_back(bi);
    std::string type = Str(item, "type");
    if (type.empty()) {
      for (auto it = item.begin(); it != item.end(); ++it) {
        if (it.key() != "object" && it.key() != "type" && it->is_object()) {
          type = it.key();
          break;
        }
      }
    }
    if (auto content = item.find(type); content != item.end() && content->is_object()) {
      if (auto nested = content->find("children"); nested != content->end() && nested->is_array()) {
        std::vector<Child> sub;
        const ObjectId id = blocks[bi].id;
        AppendChildren(c, &sub, SIZE_MAX, ParentKind::kBlock, id, *nested, nullptr);
        blocks[bi].children = std::move(sub);
      }
    }
  }
  if (at >= list->size()) {
    list->insert(list->end(), made.begin(), made.end());
  } else {
    list->insert(list->begin() + static_cast<std::ptrdiff_t>(at), made.begin(), made.end());
  }
}

std::uint64_t Core::Fingerprint(Call& c) {
  std::uint64_t h = engine::Mix64(c.parent.hi ^ engine::Mix64(c.parent.lo));
  if (const PayloadFacts* f = FactsFor(c)) h = engine::Mix64(h ^ f->hash);
  return h;
}

namespace {

std::string_view EntityType(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::kDatabaseCreated:
    case ChangeKind::kDatabaseUpdated:
      return "database";
    case ChangeKind::kDataSourceCreated:
    case ChangeKind::kDataSourceSchemaUpdated:
    case ChangeKind::kDataSourceUpdated:
      return "data_source";
    case ChangeKind::kCommentCreated:
    case ChangeKind::kCommentUpdated:
    case ChangeKind::kCommentDeleted:
      return "comment";
    case ChangeKind::kFileUploaded:
      return "file_upload";
    case ChangeKind::kViewChanged:
      return "view";
    default:
      return "page";
  }
}

}  // namespace

// The page a block (or page) id is in; empty when it is in none.
ObjectId Core::PageOfId(ObjectId id) const {
  for (int guard = 0; guard < 10'000; ++guard) {
    const Ref* r = Find(id);
    if (r == nullptr) return ObjectId{};
    if (r->kind == Kind::kPage) return id;
    if (r->kind != Kind::kBlock) return ObjectId{};
    id = blocks[r->index].parent;
  }
  return ObjectId{};
}

// Notion's data.parent of an object whose parent is `parent`: a data source stands for its
// database (with data_source_id), the workspace is the "space".
void Core::EventParent(const ObjectId& parent, WebhookFacts& f) const {
  f.parent = parent;
  f.parent_type = "space";
  const Ref* r = Find(parent);
  if (r == nullptr) return;
  switch (r->kind) {
    case Kind::kPage:
      f.parent_type = "page";
      break;
    case Kind::kBlock:
      f.parent_type = "block";
      break;
    case Kind::kDatabase:
      f.parent_type = "database";
      break;
    case Kind::kDataSource:
      f.parent_type = "database";
      f.data_source = parent;
      f.parent = databases[data_sources[r->index].database].id;
      break;
    default:
      f.parent = ObjectId{};
      break;
  }
}

WebhookFacts Core::EventFacts(const Call& c, ChangeKind kind, const ObjectId& object) const {
  WebhookFacts f;
  f.entity = object;
  f.entity_type = EntityType(kind);
  if (c.token >= 0 && static_cast<std::size_t>(c.token) < tokens.size()) {
    f.author = tokens[static_cast<std::size_t>(c.token)].bot;
  }
  const Ref* r = Find(object);
  if (r == nullptr) return f;
  switch (r->kind) {
    case Kind::kBlock: {  // content changed under a page: the event names the page
      f.updated_block = object;
      f.entity = PageOfId(object);
      const Ref* page = Find(f.entity);
      if (page != nullptr) EventParent(pages[page->index].parent, f);
      break;
    }
    case Kind::kPage: {
      const PageRec& page = pages[r->index];
      EventParent(page.parent, f);
      if (kind == ChangeKind::kPagePropertiesUpdated && c.body != nullptr) {
        const nlohmann::json& props = Field(*c.body, "properties");
        const DataSourceRec* ds = SourceOf(page);
        if (props.is_object()) {
          for (auto it = props.begin(); it != props.end(); ++it) {
            const std::string& name = it.key();
            std::string id = "title";
            if (ds != nullptr) {
              for (const PropertyDef& def : ds->schema) {
                if (def.name == name) id = def.id;
              }
            }
            f.updated_properties.push_back(id);
          }
        }
      }
      break;
    }
    case Kind::kDatabase:
      EventParent(databases[r->index].parent, f);
      break;
    case Kind::kDataSource:
      f.parent = databases[data_sources[r->index].database].id;
      f.parent_type = "database";
      break;
    case Kind::kComment: {
      const CommentRec& cm = comments[r->index];
      f.parent = cm.parent;
      f.parent_type = cm.parent_kind == ParentKind::kBlock ? "block" : "page";
      f.page = PageOfId(cm.parent);
      break;
    }
    default:
      break;
  }
  return f;
}

void Core::Commit(Call& c, const ObjectId& object, ChangeKind kind, const ObjectId& parent) {
  c.committed = true;
  ++stats.writes;
  if (ledger.size() < config.ledger_limit) {
    engine::LedgerEntry e;
    e.at_us = c.now_us;
    e.op_id = c.op_id;
    // The content fingerprint identifies writes of clients that send no op id; ours send one,
    // so the hot path skips hashing the body.
    e.fingerprint = c.op_id != 0 ? 0 : Fingerprint(c);
    e.operation = c.op;
    e.object = object;
    e.tenant = c.tenant;
    c.ledger_index = ledger.size();
    ledger.push_back(e);
  }
  if (trace != nullptr) {
    trace->Emit(engine::EventKind::kServerWrite, c.now_us, c.op_id, c.attempt, c.tenant,
                static_cast<std::int64_t>(c.op), static_cast<std::int64_t>(object.lo >> 1));
  }
  if (change_sink || webhooks->active()) {
    Change change;
    change.kind = kind;
    change.operation = c.op;
    change.object = object;
    change.parent = parent;
    change.event = EventFacts(c, kind, object);
    change.at_us = c.now_us;
    change.tenant = c.tenant;
    change.op_id = c.op_id;
    change.seq = c.seq;
    webhooks->OnChange(change);
    if (change_sink) change_sink(change);
  }
}

void Paginate(Call& c, const std::vector<Ref>& all, std::string_view list_type,
              const ObjectId& container) {
  const std::uint64_t pos = c.cursor_given ? (c.start_cursor & 0xFFFFFFFFULL) - 1 : 0;
  const std::uint64_t end = std::min<std::uint64_t>(all.size(), pos + c.page_size);
  c.result_count = pos < end ? static_cast<std::uint32_t>(end - pos) : 0;
  c.has_more = end < all.size();
  c.next_cursor = c.has_more ? end + 1 : 0;
  c.reply.kind = ReplyKind::kList;
  c.reply.list_type = list_type;
  c.reply.container = container;
  c.reply.items.clear();
  for (std::uint64_t i = pos; i < end; ++i) c.reply.items.push_back(all[i]);
}

}  // namespace notion_sim::sim
