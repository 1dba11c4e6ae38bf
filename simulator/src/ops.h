// The fake's operations, one unit per resource. Each takes the core's state and a call that has
// passed the pipeline's route, version, auth, fault, limit and validation stages (its path ids
// parsed, its body an object, its pagination read), and fills the call's outcome: a status and
// code with Notion's message, or a typed Reply the HTTP door renders. Writes go through
// Core::Commit. Not thread-safe.
#pragma once

#include "core.h"

namespace notion_sim::sim {

// pages.cc
void CreatePage(Core& m, Call& c);
void RetrievePage(Core& m, Call& c);
void UpdatePage(Core& m, Call& c);
void MovePage(Core& m, Call& c);
void RetrievePageProperty(Core& m, Call& c);
void RetrievePageMarkdown(Core& m, Call& c);
void UpdatePageMarkdown(Core& m, Call& c);

// blocks.cc
void AppendBlocks(Core& m, Call& c);
void ListBlockChildren(Core& m, Call& c);
void RetrieveBlock(Core& m, Call& c);
void UpdateBlock(Core& m, Call& c);
void DeleteBlock(Core& m, Call& c);

// databases.cc (databases and data sources)
void CreateDatabase(Core& m, Call& c);
void RetrieveDatabase(Core& m, Call& c);
void UpdateDatabase(Core& m, Call& c);
void CreateDataSource(Core& m, Call& c);
void RetrieveDataSource(Core& m, Call& c);
void UpdateDataSource(Core& m, Call& c);
void ListDataSourceTemplates(Core& m, Call& c);
// Fails the call as Notion answers for a database of several data sources in an API version that
// knows only single-source databases: 400, the database id (and, `with_children`, its sources).
void MultipleSources(Core& m, Call& c, const DatabaseRec& db, bool with_children);

// query.cc (data source queries: filters, sorts, pagination)
void QueryDataSource(Core& m, Call& c);
void QueryDatabase(Core& m, Call& c);
// Checks a filter's shape against Notion's filter grammar; Notion's message, or "".
std::string CheckFilter(const nlohmann::json& filter, const std::string& where, int depth);
// The pages of a data source that match `filter` (may be null) in the order of `sorts` (may be
// null), as a view or a query sees them. Both were checked.
std::vector<std::uint32_t> Select(const Core& m, const Call& c, const DataSourceRec& ds,
                                  const nlohmann::json* filter, const nlohmann::json* sorts);
// Reads a `sorts` array; Notion's message, or "".
std::string CheckSorts(const nlohmann::json& sorts, const std::string& where);

// search.cc
void Search(Core& m, Call& c);

// users.cc
void UsersMe(Core& m, Call& c);
void ListUsers(Core& m, Call& c);
void RetrieveUser(Core& m, Call& c);

// comments.cc
void CreateComment(Core& m, Call& c);
void ListComments(Core& m, Call& c);
void RetrieveComment(Core& m, Call& c);
void UpdateComment(Core& m, Call& c);
void DeleteComment(Core& m, Call& c);

// file_uploads.cc
void CreateFileUpload(Core& m, Call& c);
void ListFileUploads(Core& m, Call& c);
void RetrieveFileUpload(Core& m, Call& c);
void SendFileUpload(Core& m, Call& c);
void CompleteFileUpload(Core& m, Call& c);
// A file_upload reference ({"file_upload": {"id": ...}}) used by a page, block or comment: 404
// when unknown, 400 unless uploaded. Marks it attached. False (call failed) when refused.
bool AttachUpload(Core& m, Call& c, const engine::ObjectId& id, const std::string& where);

// views.cc
void ListViews(Core& m, Call& c);
void CreateView(Core& m, Call& c);
void RetrieveView(Core& m, Call& c);
void UpdateView(Core& m, Call& c);
void DeleteView(Core& m, Call& c);
void CreateViewQuery(Core& m, Call& c);
void RetrieveViewQueryResults(Core& m, Call& c);
void DeleteViewQuery(Core& m, Call& c);

// oauth.cc
void OauthToken(Core& m, Call& c);
void OauthIntrospect(Core& m, Call& c);
void OauthRevoke(Core& m, Call& c);

// misc.cc
void ListCustomEmojis(Core& m, Call& c);
void RetrieveAsyncTask(Core& m, Call& c);
void CreateMeetingNote(Core& m, Call& c);
void QueryMeetingNotes(Core& m, Call& c);
void Agents(Core& m, Call& c);

// Pagination over a list already in order: fills result_count, has_more, next_cursor and the
// reply's items from `all` (positions are 1-based in cursors).
void Paginate(Call& c, const std::vector<Ref>& all, std::string_view list_type,
              const engine::ObjectId& container);

}  // namespace notion_sim::sim
