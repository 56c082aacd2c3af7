// One server per data directory, and `runhook server stop` / `runhook server status`.
//
// A server using a data directory DIR holds an flock on DIR/server.lock while it runs and keeps
// its pid and URL in DIR/server.pid (core/server_files.h); `stop` sends SIGTERM to that pid and
// waits until the lock is free (the server has ended: it releases the lock only by exiting, so
// a zombie that nobody reaps counts as ended too). Failures print "runhook server: ..." to
// stderr and throw CLI::RuntimeError, as commands.h says.
#pragma once

#include <string>

#include "core/file_lock.h"

namespace CLI {
class App;
}

namespace runhook::cli {

// Locks DIR/server.lock for the calling server and removes a stale DIR/server.pid. When another
// server holds it: fails naming that server (pid, URL) and how to stop it.
core::FileLock ClaimDataDirectory(const std::string& data_dir);

// Writes DIR/server.pid for this process, listening on `host`:`port` (a wildcard host is
// recorded as loopback, which reaches it from this machine). Failure is reported, not fatal.
void PublishServerRecord(const std::string& data_dir, const std::string& host, int port);

// Removes DIR/server.pid (at a clean stop, before the lock is released).
void RemoveServerRecord(const std::string& data_dir);

// Adds `stop` and `status` under `server_command`. Their data directory is their own --data,
// else `server_data_dir` (the parent's --data, read when the command runs; it must outlive
// the app), else core::DataDirectory().
void AddServerControlCommands(CLI::App& server_command, const std::string& server_data_dir);

}  // namespace runhook::cli
