#include "core/server_files.h"

#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace runhook::core {
namespace {

std::string Environment(const char* name) {
  const char* value = std::getenv(name);
  return value ? std::string(value) : std::string();
}

}  // namespace

Result<int> DefaultLocalPort() {
  const std::string text = Environment("RUNHOOK_LOCAL_PORT");
  if (text.empty()) return kDefaultLocalPort;
  int port = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (error != std::errc() || end != text.data() + text.size() || port < 1 || port > 65535)
    return MakeError(ErrorCode::kInvalidArgument,
                     "RUNHOOK_LOCAL_PORT '" + text + "' is not a port number (1-65535)");
  return port;
}

std::string DefaultLocalServerUrl() {
  auto port = DefaultLocalPort();
  return "http://127.0.0.1:" + std::to_string(port ? *port : kDefaultLocalPort);
}

ServerFiles ServerFilesIn(const std::string& data_dir) {
  return ServerFiles{.lock = data_dir + "/server.lock",
                     .record = data_dir + "/server.pid",
                     .log = data_dir + "/server.log",
                     .start_lock = data_dir + "/start.lock"};
}

std::string FormatServerRecord(const ServerRecord& record) {
  return std::to_string(record.pid) + "\n" + record.url + "\n";
}

Result<ServerRecord> ParseServerRecord(std::string_view text) {
  const size_t newline = text.find('\n');
  if (newline == std::string_view::npos)
    return MakeError(ErrorCode::kInvalidArgument, "expected '<pid>\\n<url>\\n', found one line");
  const std::string_view pid_text = text.substr(0, newline);
  ServerRecord record;
  const auto [end, error] =
      std::from_chars(pid_text.data(), pid_text.data() + pid_text.size(), record.pid);
  if (error != std::errc() || end != pid_text.data() + pid_text.size() || record.pid <= 0)
    return MakeError(ErrorCode::kInvalidArgument,
                     "the first line '" + std::string(pid_text) + "' is not a process id");
  std::string_view url = text.substr(newline + 1);
  while (!url.empty() && (url.back() == '\n' || url.back() == '\r')) url.remove_suffix(1);
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
    return MakeError(ErrorCode::kInvalidArgument,
                     "the second line '" + std::string(url) + "' is not an http(s) URL");
  record.url = std::string(url);
  return record;
}

Result<ServerRecord> ReadServerRecord(const std::string& path) {
  std::ifstream file(path);
  if (!file) {
    const int error = errno;
    if (error == ENOENT) return MakeError(ErrorCode::kNotFound, path + " does not exist");
    return MakeError(ErrorCode::kUnavailable, "cannot read " + path + ": " + std::strerror(error));
  }
  std::stringstream text;
  text << file.rdbuf();
  auto record = ParseServerRecord(text.str());
  if (!record) return MakeError(record.error().code, path + ": " + record.error().message);
  return record;
}

Status WriteServerRecord(const std::string& path, const ServerRecord& record) {
  const std::string temporary = path + ".tmp." + std::to_string(getpid());
  {
    std::ofstream file(temporary, std::ios::trunc);
    file << FormatServerRecord(record);
    file.flush();
    if (!file)
      return MakeError(ErrorCode::kUnavailable,
                       "cannot write " + temporary + ": " + std::strerror(errno));
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    std::remove(temporary.c_str());
    return MakeError(ErrorCode::kUnavailable,
                     "cannot rename " + temporary + " to " + path + ": " + std::strerror(error));
  }
  return OkStatus();
}

}  // namespace runhook::core
