#include "sdk/spool.h"

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <system_error>

#include "core/base64.h"
#include "core/json.h"

namespace runhook::sdk {
namespace {

namespace fs = std::filesystem;

ErrorInfo FileError(const std::string& what, const std::string& path) {
  std::error_code error(errno, std::generic_category());
  return MakeError(ErrorCode::kUnavailable, "cannot " + what + " " + path + ": " + error.message());
}

uint64_t ReadAcked(const std::string& directory) {
  std::ifstream in(directory + "/" + kSpoolAckedFileName);
  uint64_t offset = 0;
  if (in && (in >> offset)) return offset;
  return 0;
}

// Appends `text` as a JSON string literal (quotes included); invalid UTF-8 becomes U+FFFD.
void AppendJsonString(std::string_view text, std::string& out) {
  out += Json(text).dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

std::string FormatSpoolRecord(const SpoolRecord& record) {
  std::string line = "{\"kind\":";
  AppendJsonString(record.kind, line);
  if (record.kind == "request") {
    line += ",\"method\":";
    AppendJsonString(record.method, line);
    line += ",\"path\":";
    AppendJsonString(record.path, line);
    line += ",\"rows\":" + std::to_string(record.rows);
  }
  if (record.content_type == kJsonContentType) {
    line += ",\"body\":";
    line += record.body.empty() ? "{}" : record.body;
  } else {
    line += ",\"content_type\":";
    AppendJsonString(record.content_type, line);
    line += ",\"body_base64\":\"";
    line += core::EncodeBase64(record.body);
    line += '"';
  }
  line += '}';
  return line;
}

Result<SpoolRecord> ParseSpoolRecord(const std::string& line) {
  const Json parsed = Json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) return MakeError(ErrorCode::kInvalidArgument, "not a JSON object");
  SpoolRecord record;
  if (!parsed.contains("kind") || !parsed["kind"].is_string())
    return MakeError(ErrorCode::kInvalidArgument, "no \"kind\"");
  record.kind = parsed["kind"].get<std::string>();
  if (record.kind != "register" && record.kind != "request")
    return MakeError(ErrorCode::kInvalidArgument,
                     "unknown kind '" + record.kind + "' (expected register or request)");
  if (record.kind == "request") {
    if (!parsed.contains("path") || !parsed["path"].is_string() ||
        parsed["path"].get<std::string>().rfind('/', 0) != 0)
      return MakeError(ErrorCode::kInvalidArgument, "a request needs a \"path\" starting with /");
    record.path = parsed["path"].get<std::string>();
    if (parsed.contains("method") && parsed["method"].is_string())
      record.method = parsed["method"].get<std::string>();
    if (record.method != "POST" && record.method != "PATCH" && record.method != "PUT")
      return MakeError(ErrorCode::kInvalidArgument,
                       "method '" + record.method + "' is not one of POST, PATCH, PUT");
    if (parsed.contains("rows") && parsed["rows"].is_number_unsigned())
      record.rows = parsed["rows"].get<size_t>();
  }
  if (parsed.contains("body_base64")) {
    if (!parsed["body_base64"].is_string())
      return MakeError(ErrorCode::kInvalidArgument, "\"body_base64\" is not a string");
    if (!parsed.contains("content_type") || !parsed["content_type"].is_string() ||
        parsed["content_type"].get_ref<const std::string&>().empty())
      return MakeError(ErrorCode::kInvalidArgument, "a \"body_base64\" needs a \"content_type\"");
    std::optional<std::string> body =
        core::DecodeBase64(parsed["body_base64"].get_ref<const std::string&>());
    if (!body) return MakeError(ErrorCode::kInvalidArgument, "\"body_base64\" is not base64");
    record.content_type = parsed["content_type"].get<std::string>();
    record.body = std::move(*body);
    return record;
  }
  if (!parsed.contains("body") || !parsed["body"].is_object())
    return MakeError(ErrorCode::kInvalidArgument, "no \"body\" object or \"body_base64\"");
  record.body = parsed["body"].dump(-1, ' ', false, Json::error_handler_t::replace);
  return record;
}

Result<SpoolContents> ReadSpool(const std::string& directory) {
  const std::string path = directory + "/" + kSpoolFileName;
  std::ifstream in(path, std::ios::binary);
  if (!in) return FileError("read the spool", path);
  SpoolContents contents;
  contents.acked = ReadAcked(directory);
  std::string line;
  uint64_t offset = 0;
  size_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (in.eof()) break;  // no '\n': an unfinished last line is not a record
    offset += line.size() + 1;
    auto record = ParseSpoolRecord(line);
    if (!record)
      return MakeError(ErrorCode::kInvalidArgument, path + " line " + std::to_string(line_number) +
                                                        ": " + record.error().message);
    record->end = offset;
    contents.records.push_back(std::move(*record));
  }
  return contents;
}

Status WriteSpoolAcked(const std::string& directory, uint64_t offset) {
  const std::string path = directory + "/" + kSpoolAckedFileName;
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    if (!(out << offset << '\n') || !out.flush()) return FileError("write", temporary);
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) return FileError("replace", path);
  return OkStatus();
}

SpoolWriter::SpoolWriter(std::string directory, std::string registration_json, bool registered)
    : directory_(std::move(directory)),
      registration_json_(std::move(registration_json)),
      registered_(registered) {}

Status SpoolWriter::Open() {
  std::error_code error;
  fs::create_directories(directory_, error);
  if (error)
    return MakeError(ErrorCode::kUnavailable,
                     "cannot create the run directory " + directory_ + ": " + error.message());
  const std::string path = file_path();
  // Keep only complete lines of an earlier writer (one that died mid-line left a partial one).
  uint64_t complete = 0;
  {
    std::ifstream existing(path, std::ios::binary);
    std::string line;
    while (std::getline(existing, line) && !existing.eof()) complete += line.size() + 1;
  }
  if (fs::exists(path, error) && fs::file_size(path, error) != complete)
    fs::resize_file(path, complete, error);
  if (error)
    return MakeError(ErrorCode::kUnavailable, "cannot repair " + path + ": " + error.message());
  out_.open(path, std::ios::binary | std::ios::app);
  if (!out_) return FileError("open the spool", path);
  in_.open(path, std::ios::binary);
  if (!in_) return FileError("open the spool", path);
  read_offset_ = write_offset_ = complete;
  may_write_acked_ = ReadAcked(directory_) >= complete;
  opened_ = true;
  return OkStatus();
}

Status SpoolWriter::Append(const std::string& method, const std::string& path, size_t rows,
                           const std::string& body, std::string_view content_type) {
  std::string lines;
  if (!opened_) {
    if (Status status = Open(); !status) return status;
    SpoolRecord registration;
    registration.kind = "register";
    registration.body = registration_json_;
    lines = FormatSpoolRecord(registration) + '\n';
  }
  lines += FormatSpoolRecord({.kind = "request",
                              .method = method,
                              .path = path,
                              .rows = rows,
                              .content_type = std::string(content_type),
                              .body = body});
  lines += '\n';
  out_.write(lines.data(), static_cast<std::streamsize>(lines.size()));
  out_.flush();
  if (!out_) {
    out_.clear();
    return FileError("append to the spool", file_path());
  }
  write_offset_ += lines.size();
  return OkStatus();
}

std::optional<SpoolRecord> SpoolWriter::Peek(std::string& error) {
  while (HasPending()) {
    in_.clear();
    in_.seekg(static_cast<std::streamoff>(read_offset_));
    std::string line;
    if (!std::getline(in_, line) || in_.eof()) {
      error = "cannot read " + file_path() + " at offset " + std::to_string(read_offset_);
      return std::nullopt;
    }
    auto record = ParseSpoolRecord(line);
    if (!record) {
      error = file_path() + " at offset " + std::to_string(read_offset_) + ": " +
              record.error().message;
      return std::nullopt;
    }
    record->end = read_offset_ + line.size() + 1;
    peeked_end_ = record->end;
    if (record->kind == "register" && registered_) {
      Acknowledge();
      continue;
    }
    return std::move(*record);
  }
  return std::nullopt;
}

void SpoolWriter::Acknowledge() {
  if (peeked_end_ <= read_offset_) return;
  read_offset_ = peeked_end_;
  if (!may_write_acked_) return;
  if (read_offset_ == write_offset_) {
    // Everything in the file was delivered: nothing is left to sync.
    out_.close();
    in_.close();
    std::error_code error;
    fs::remove(directory_ + "/" + kSpoolAckedFileName, error);
    fs::remove(file_path(), error);
    opened_ = false;
    read_offset_ = write_offset_ = peeked_end_ = 0;
    return;
  }
  (void)WriteSpoolAcked(directory_, read_offset_);
}

}  // namespace runhook::sdk
