// The spool: a run's requests that the server has not acknowledged, kept on disk in order, so a
// long outage costs no memory and nothing logged is lost, and `runhook sync DIR` can upload an
// offline run (mode "offline") or what an online run could not deliver.
//
// Files in the run directory (core::RunDirectory: <data>/runs/<entity>/<project>/<id>):
//
//   spool.jsonl  one record per line, appended in the order the requests must reach the server:
//     {"kind":"register","body":{...POST /api/v1/runs body...}}
//     {"kind":"request","method":"POST","path":"/history","rows":1000,
//      "content_type":"application/vnd.runhook.history.v1","body_base64":"UkhIAQ..."}
//     {"kind":"request","method":"POST","path":"/start","rows":0,"body":{}}
//   (also /alert, /finish, PATCH /config, ...). `path` is relative to RUN
//   (/api/v1/runs/<entity>/<project>/<id>). A JSON body (Content-Type application/json) is the
//   object in "body"; any other body (a history batch in the compact encoding,
//   docs/history-encoding.md) is "body_base64", the standard padded base64 of its bytes, with its
//   "content_type". Records written before "content_type" existed have a JSON "body" (history
//   batches included) and read as before. The body is sent unchanged with its content type, so a
//   history batch keeps its batch_id and the server stores it once however often it is sent. Every
//   process that spools writes a register record first (the run's metadata and hooks), so the file
//   alone is enough to upload the run. A line without its final '\n' (the process died while
//   writing it) is not a record; the next writer truncates it.
//
//   spool.acked  the byte offset in spool.jsonl up to which every record was acknowledged by the
//     server (a decimal number; absent means 0). Replaced atomically (write, then rename).
//
// Thread safety: a SpoolWriter is used by one thread at a time (the shipping thread). The free
// functions may be called from any thread.
#pragma once

#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "sdk/http_client.h"

namespace runhook::sdk {

inline constexpr const char* kSpoolFileName = "spool.jsonl";
inline constexpr const char* kSpoolAckedFileName = "spool.acked";

struct SpoolRecord {
  std::string kind;                            // "register" or "request"
  std::string method = "POST";                 // for "request": POST, PATCH or PUT
  std::string path;                            // for "request": relative to RUN, e.g. "/history"
  size_t rows = 0;                             // history rows in the body (0 for other requests)
  std::string content_type{kJsonContentType};  // of `body`; "register" records are JSON
  std::string body;  // the body's bytes (JSON on one line when content_type is JSON)
  uint64_t end = 0;  // byte offset just past this record's line
};

// One line of spool.jsonl, without its '\n'.
std::string FormatSpoolRecord(const SpoolRecord& record);
// Parses one line; the error names what is wrong with it.
Result<SpoolRecord> ParseSpoolRecord(const std::string& line);

struct SpoolContents {
  std::vector<SpoolRecord> records;  // complete lines from the start of the file
  uint64_t acked = 0;                // from spool.acked
};

// Reads `directory`/spool.jsonl and spool.acked. The error names the file and line when a file
// cannot be read or a complete line is not a record.
Result<SpoolContents> ReadSpool(const std::string& directory);

// Replaces `directory`/spool.acked with `offset` (write to a temporary file, then rename).
Status WriteSpoolAcked(const std::string& directory, uint64_t offset);

// Appends records to a run's spool and reads back, in order, those this writer appended.
class SpoolWriter {
 public:
  // `directory`: the run directory, created on the first Append. `registration_json`: the body
  // of the run's POST /api/v1/runs, written as this writer's first record. `registered`: the
  // server already has the run (online), so reading back skips that record.
  SpoolWriter(std::string directory, std::string registration_json, bool registered);

  const std::string& directory() const { return directory_; }
  std::string file_path() const { return directory_ + "/" + kSpoolFileName; }

  // Appends a request record (and the register record before the first one) for a `body` of
  // `content_type`. The data reaches the operating system (flushed) but is not fsynced. The error
  // names the file.
  Status Append(const std::string& method, const std::string& path, size_t rows,
                const std::string& body, std::string_view content_type = kJsonContentType);

  // True while a record appended by this writer has not been acknowledged.
  bool HasPending() const { return read_offset_ < write_offset_; }

  // The oldest pending record (register records of an online run are skipped). nullopt when
  // there is none or it cannot be read (then `error` says why).
  std::optional<SpoolRecord> Peek(std::string& error);

  // Marks the record returned by the last Peek as acknowledged. Records the offset in
  // spool.acked when every earlier record of the file was acknowledged too; when the whole file
  // is acknowledged, removes spool.jsonl and spool.acked (nothing is left to sync).
  void Acknowledge();

 private:
  Status Open();

  const std::string directory_;
  const std::string registration_json_;
  const bool registered_;
  std::ofstream out_;
  std::ifstream in_;
  bool opened_ = false;
  bool may_write_acked_ = false;  // every record in the file before this writer opened it was acked
  uint64_t read_offset_ = 0;      // start of the oldest record not acknowledged
  uint64_t write_offset_ = 0;     // end of the file
  uint64_t peeked_end_ = 0;       // end of the record returned by the last Peek
};

}  // namespace runhook::sdk
