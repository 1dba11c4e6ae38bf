// File uploads: create (single part, multi part, external URL), send a part (multipart/form-data
// with a `file` part and, in multi-part mode, `part_number`), complete, list, retrieve; and the
// check every page, block and comment that attaches an upload passes through.
#include <algorithm>

#include "ops.h"

namespace notion_sim::sim {

using engine::ApiCode;
using engine::ObjectId;
using nlohmann::json;

namespace {

constexpr std::int64_t kMaxSinglePartBytes = 20 * 1024 * 1024;  // Notion: 20 MB
constexpr std::uint32_t kMaxParts = 1000;
constexpr TimeUs kExpiry = Min(60);  // a pending upload expires after an hour

FileUploadRec* Existing(Core& m, Call& c) {
  const Ref* ref = m.Find(c.target);
  if (ref == nullptr || ref->kind != Kind::kFileUpload) {
    m.NotFound(c, "file upload", c.target);
    return nullptr;
  }
  FileUploadRec& up = m.file_uploads[ref->index];
  if (up.status == "pending" && c.now_us > up.expires_us) up.status = "expired";
  return &up;
}

void Respond(Call& c, const Ref& ref, const ObjectId& id) {
  c.object = id;
  c.reply.kind = ReplyKind::kObject;
  c.reply.item = ref;
}

}  // namespace

bool AttachUpload(Core& m, Call& c, const ObjectId& id, const std::string& where) {
  const Ref* ref = m.Find(id);
  if (ref == nullptr || ref->kind != Kind::kFileUpload) {
    c.Fail(404, ApiCode::kObjectNotFound,
           "Could not find file upload with ID: " + id.ToString() + " (" + where + ").");
    return false;
  }
  FileUploadRec& up = m.file_uploads[ref->index];
  if (up.status == "pending" && c.now_us > up.expires_us) up.status = "expired";
  if (up.status != "uploaded") {
    c.Fail(400, ApiCode::kValidationError,
           "body failed validation: " + where + ".file_upload " + id.ToString() + " has status `" +
               up.status + "`; only an uploaded file can be attached.");
    return false;
  }
  up.attached = true;
  return true;
}

void CreateFileUpload(Core& m, Call& c) {
  const json& body = *c.body;
  FileUploadRec up;
  up.mode = body.contains("mode") ? Str(body, "mode") : "single_part";
  if (up.mode != "single_part" && up.mode != "multi_part" && up.mode != "external_url") {
    c.Fail(400, ApiCode::kValidationError,
           "body failed validation: body.mode should be one of `single_part`, `multi_part`, "
           "`external_url`, instead was `" +
               Quoted(Field(body, "mode")) + "`.");
    return;
  }
  up.filename = Str(body, "filename");
  up.content_type = Str(body, "content_type");
  if (up.mode == "multi_part") {
    const json& n = Field(body, "number_of_parts");
    if (!n.is_number_integer() || n.get<std::int64_t>() < 1 || n.get<std::int64_t>() > kMaxParts) {
      c.Fail(400, ApiCode::kValidationError,
             "body failed validation: body.number_of_parts should be an integer from 1 to 1000 "
             "in multi_part mode, instead was `" +
                 Quoted(n) + "`.");
      return;
    }
    if (up.filename.empty()) {
      c.Fail(400, ApiCode::kValidationError,
             "body failed validation: body.filename should be defined in multi_part mode.");
      return;
    }
    up.parts_total = static_cast<std::uint32_t>(n.get<std::int64_t>());
    up.parts_sent.assign(up.parts_total, false);
  } else if (body.contains("number_of_parts")) {
    c.Fail(400, ApiCode::kValidationError,
           "body failed validation: body.number_of_parts should be not present in " + up.mode +
               " mode.");
    return;
  }
  if (up.mode == "external_url") {
    up.external_url = Str(body, "external_url");
    if (up.external_url.rfind("https://", 0) != 0) {
      c.Fail(400, ApiCode::kValidationError,
             "body failed validation: body.external_url should be an https URL, instead was `" +
                 Quoted(Field(body, "external_url")) + "`.");
      return;
    }
    if (up.filename.empty()) {
      up.filename = up.external_url.substr(up.external_url.find_last_of('/') + 1);
    }
    up.status = "uploaded";  // imported at once in the fake
  }
  up.id = ObjectId::Random(m.ids);
  up.created_us = c.now_us;
  up.edited_us = c.now_us;
  up.expires_us = c.now_us + kExpiry;
  up.creator = static_cast<std::uint16_t>(c.token);
  const auto i = static_cast<std::uint32_t>(m.file_uploads.size());
  m.index.Insert(up.id, Ref{Kind::kFileUpload, i});
  const ObjectId id = up.id;
  m.file_uploads.push_back(std::move(up));
  m.Commit(c, id, ChangeKind::kFileUploaded);
  Respond(c, Ref{Kind::kFileUpload, i}, id);
}

void ListFileUploads(Core& m, Call& c) {
  const std::optional<std::string> status = c.Param("status");
  if (status && *status != "pending" && *status != "uploaded" && *status != "expired" &&
      *status != "failed") {
    c.Fail(400, ApiCode::kValidationError,
           "query failed validation: query.status should be one of `pending`, `uploaded`, "
           "`expired`, `failed`, instead was `\"" +
               *status + "\"`.");
    return;
  }
  std::vector<Ref> all;
  for (auto i = static_cast<std::uint32_t>(m.file_uploads.size()); i-- > 0;) {  // newest first
    FileUploadRec& up = m.file_uploads[i];
    if (up.status == "pending" && c.now_us > up.expires_us) up.status = "expired";
    if (up.creator != c.token) continue;
    if (status && up.status != *status) continue;
    all.push_back(Ref{Kind::kFileUpload, i});
  }
  Paginate(c, all, "file_upload", ObjectId{});
}

void RetrieveFileUpload(Core& m, Call& c) {
  FileUploadRec* up = Existing(m, c);
  if (up == nullptr) return;
  Respond(c, *m.Find(up->id), up->id);
}

void SendFileUpload(Core& m, Call& c) {
  FileUploadRec* up = Existing(m, c);
  if (up == nullptr) return;
  const Ref ref = *m.Find(up->id);
  if (up->mode == "external_url") {
    c.Fail(400, ApiCode::kValidationError,
           "An external_url file upload takes no content: Notion imports it.");
    return;
  }
  if (up->status != "pending") {
    c.Fail(400, ApiCode::kValidationError,
           "The file upload has status `" + up->status + "`; only a pending upload takes content.");
    return;
  }
  if (c.in.body_given != BodyGiven::kForm) {
    c.Fail(400, ApiCode::kValidationError,
           "body failed validation: the request should be multipart/form-data with a `file` "
           "part.");
    return;
  }
  const FormPart* file = nullptr;
  const FormPart* part_number = nullptr;
  for (const FormPart& p : c.in.form) {
    if (p.name == "file") file = &p;
    if (p.name == "part_number") part_number = &p;
  }
  if (file == nullptr) {
    c.Fail(400, ApiCode::kValidationError,
           "body failed validation: body.file should be defined, instead was `undefined`.");
    return;
  }
  const auto size = static_cast<std::int64_t>(file->content.size());
  if (size > kMaxSinglePartBytes) {
    c.Fail(400, ApiCode::kValidationError,
           "body failed validation: the file part is " + std::to_string(size) +
               " bytes; the limit is 20 MB per part.");
    return;
  }
  if (up->mode == "multi_part") {
    const std::int64_t n =
        part_number != nullptr ? std::strtoll(part_number->content.c_str(), nullptr, 10) : 0;
    if (n < 1 || n > static_cast<std::int64_t>(up->parts_total)) {
      c.Fail(400, ApiCode::kValidationError,
             "body failed validation: body.part_number should be from 1 to " +
                 std::to_string(up->parts_total) + ".");
      return;
    }
    up->parts_sent[static_cast<std::size_t>(n - 1)] = true;
    up->content_length = std::max<std::int64_t>(up->content_length, 0) + size;
  } else {
    if (part_number != nullptr) {
      c.Fail(400, ApiCode::kValidationError,
             "body failed validation: body.part_number should be not present in single_part "
             "mode.");
      return;
    }
    up->content_length = size;
    up->status = "uploaded";
  }
  if (up->filename.empty()) up->filename = file->filename.empty() ? "file" : file->filename;
  if (up->content_type.empty()) up->content_type = file->content_type;
  up->edited_us = c.now_us;
  m.Commit(c, up->id, ChangeKind::kFileUploaded);
  Respond(c, ref, up->id);
}

void CompleteFileUpload(Core& m, Call& c) {
  FileUploadRec* up = Existing(m, c);
  if (up == nullptr) return;
  const Ref ref = *m.Find(up->id);
  if (up->mode != "multi_part") {
    c.Fail(400, ApiCode::kValidationError,
           "Only a multi_part file upload is completed; this one is " + up->mode + ".");
    return;
  }
  if (up->status != "pending") {
    c.Fail(400, ApiCode::kValidationError,
           "The file upload has status `" + up->status + "`; only a pending upload completes.");
    return;
  }
  const auto sent = std::count(up->parts_sent.begin(), up->parts_sent.end(), true);
  if (sent != static_cast<std::ptrdiff_t>(up->parts_total)) {
    c.Fail(400, ApiCode::kValidationError,
           "Sent " + std::to_string(sent) + " of " + std::to_string(up->parts_total) +
               " parts; every part must be sent before completing.");
    return;
  }
  up->status = "uploaded";
  up->edited_us = c.now_us;
  m.Commit(c, up->id, ChangeKind::kFileUploaded);
  Respond(c, ref, up->id);
}

}  // namespace notion_sim::sim
