// The default local server and its files, as the SDK, `runhook server` and the CLI verbs agree
// on them. The default server is http://127.0.0.1:<port>, port $RUNHOOK_LOCAL_PORT, else 5717;
// its data directory is core::DataDirectory() (core/data_directory.h) unless given.
//
// A server using a data directory keeps three files in it (ServerFiles): `server.lock`, locked
// with flock for as long as the server runs (one server per data directory); `server.pid`, the
// server's pid and URL (ServerRecord), written once it listens and removed when it stops; and
// `server.log`, the output of a server the SDK started. The SDK serialises "probe, start if
// absent, wait until healthy" between processes with a flock on `start.lock`.
//
// Pure functions except where they read the environment or files; thread-safe.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "core/result.h"

namespace runhook::core {

constexpr int kDefaultLocalPort = 5717;

// $RUNHOOK_LOCAL_PORT when set and not empty (an error naming it when it is not a port number
// 1-65535), else kDefaultLocalPort.
Result<int> DefaultLocalPort();

// "http://127.0.0.1:<DefaultLocalPort()>"; an invalid $RUNHOOK_LOCAL_PORT counts as unset here
// (DefaultLocalPort reports it where the port is used to start a server).
std::string DefaultLocalServerUrl();

struct ServerFiles {
  std::string lock;        // DIR/server.lock
  std::string record;      // DIR/server.pid
  std::string log;         // DIR/server.log
  std::string start_lock;  // DIR/start.lock
};
ServerFiles ServerFilesIn(const std::string& data_dir);

// What server.pid holds: "<pid>\n<url>\n".
struct ServerRecord {
  pid_t pid = 0;
  std::string url;  // e.g. "http://127.0.0.1:5717"
};
std::string FormatServerRecord(const ServerRecord& record);
// Error (kInvalidArgument) naming what is wrong when `text` is not a record FormatServerRecord
// writes (a positive pid, an http URL).
Result<ServerRecord> ParseServerRecord(std::string_view text);

// Reads and parses `path`; kNotFound when it does not exist, else errors name the file.
Result<ServerRecord> ReadServerRecord(const std::string& path);
// Writes `record` to `path` atomically (a temporary file renamed over it).
Status WriteServerRecord(const std::string& path, const ServerRecord& record);

}  // namespace runhook::core
