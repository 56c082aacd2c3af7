#include "sdk/local_server.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include "core/data_directory.h"
#include "core/file_lock.h"
#include "core/server_files.h"
#include "runhook/runhook.h"

#ifndef RUNHOOK_BUILD_SERVER_BINARY
#define RUNHOOK_BUILD_SERVER_BINARY ""
#endif

namespace runhook::sdk {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kProbeTimeout{1000};
constexpr std::chrono::milliseconds kPollInterval{50};
constexpr std::chrono::milliseconds kExecReportTimeout{5000};
constexpr size_t kLogLinesShown = 3;

std::string Environment(const char* name) {
  const char* value = std::getenv(name);
  return value ? std::string(value) : std::string();
}

size_t DiscardBody(char*, size_t size, size_t count, void*) { return size * count; }

// Whether GET url/healthz answers 200 within `timeout`.
bool AnswersHealth(const std::string& url, std::chrono::milliseconds timeout) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  CURL* easy = curl_easy_init();
  if (!easy) return false;
  const std::string health_url = url + "/healthz";
  curl_easy_setopt(easy, CURLOPT_URL, health_url.c_str());
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &DiscardBody);
  long status = 0;
  if (curl_easy_perform(easy) == CURLE_OK) curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(easy);
  return status == 200;
}

bool IsExecutableFile(const std::string& path) {
  struct stat info {};
  return stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) && access(path.c_str(), X_OK) == 0;
}

std::string ProgramDirectory() {
  std::error_code error;
  const auto program = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? std::string() : program.parent_path().string();
}

std::string FindServerBinary() {
  const std::string override_binary = Environment("RUNHOOK_SERVER_BIN");
  const auto candidates = ServerBinaryCandidates(override_binary, ProgramDirectory(),
                                                 RUNHOOK_BUILD_SERVER_BINARY, Environment("PATH"));
  for (const std::string& candidate : candidates)
    if (IsExecutableFile(candidate)) return std::filesystem::absolute(candidate).string();
  if (!override_binary.empty())
    throw Error("RUNHOOK_SERVER_BIN '" + override_binary +
                "' is not an executable file (it should be the `runhook` binary)");
  throw Error(
      "no server answers at " + core::DefaultLocalServerUrl() +
      " and no `runhook` binary was found to start one (looked next to this program, in the "
      "build tree, and on PATH): set RUNHOOK_SERVER_BIN to the `runhook` binary, start "
      "`runhook server` yourself, or set RUNHOOK_URL");
}

// The last `count` non-empty lines of `path` from byte `offset` on, joined with " | ".
std::string LogTail(const std::string& path, std::streamoff offset, size_t count) {
  std::ifstream file(path);
  file.seekg(offset);
  std::vector<std::string> lines;
  for (std::string line; std::getline(file, line);)
    if (!line.empty()) lines.push_back(line);
  std::string tail;
  for (size_t index = lines.size() > count ? lines.size() - count : 0; index < lines.size();
       ++index)
    tail += (tail.empty() ? "" : " | ") + lines[index];
  return tail.empty() ? "(nothing)" : tail;
}

class Descriptor {
 public:
  explicit Descriptor(int descriptor = -1) : descriptor_(descriptor) {}
  ~Descriptor() { Reset(); }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  int get() const { return descriptor_; }
  void Reset() {
    if (descriptor_ >= 0) close(descriptor_);
    descriptor_ = -1;
  }

 private:
  int descriptor_;
};

// Reads exactly `size` bytes unless EOF or `timeout` comes first; returns the bytes read.
size_t ReadWithTimeout(int descriptor, void* buffer, size_t size,
                       std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  size_t done = 0;
  while (done < size) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) break;
    pollfd entry{.fd = descriptor, .events = POLLIN, .revents = 0};
    const int ready = poll(&entry, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) break;
    const ssize_t count = read(descriptor, static_cast<char*>(buffer) + done, size - done);
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) break;
    done += static_cast<size_t>(count);
  }
  return done;
}

// Starts `arguments` (arguments[0] an absolute path) detached: a grandchild in its own session,
// working directory "/", stdin /dev/null, stdout and stderr appended to `log_path`, default
// signal dispositions and mask, no other descriptor inherited. Returns its pid. Between fork and
// exec only async-signal-safe calls are made, as the caller may have other threads.
pid_t SpawnDetached(const std::vector<std::string>& arguments, const std::string& log_path) {
  Descriptor log(open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (log.get() < 0)
    throw Error("cannot open the local server's log " + log_path + ": " + std::strerror(errno));
  Descriptor null_input(open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (null_input.get() < 0) throw Error(std::string("cannot open /dev/null: ") + strerror(errno));
  int pipe_ends[2];
  if (pipe2(pipe_ends, O_CLOEXEC) != 0)
    throw Error(std::string("cannot create a pipe to start the local server: ") + strerror(errno));
  Descriptor report_read(pipe_ends[0]), report_write(pipe_ends[1]);
  std::vector<char*> argv;
  for (const std::string& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);

  const pid_t child = fork();
  if (child < 0)
    throw Error(std::string("cannot fork to start the local server: ") + strerror(errno));
  if (child == 0) {
    setsid();
    const pid_t grandchild = fork();
    if (grandchild != 0) {
      // The intermediate child reports the grandchild's pid and ends, so the grandchild is
      // adopted by init (or the nearest subreaper) and never becomes our zombie.
      const ssize_t ignored = write(report_write.get(), &grandchild, sizeof grandchild);
      (void)ignored;
      _exit(grandchild < 0 ? 1 : 0);
    }
    dup2(null_input.get(), STDIN_FILENO);
    dup2(log.get(), STDOUT_FILENO);
    dup2(log.get(), STDERR_FILENO);
    // Everything else closes at exec; the report pipe stays open until then to carry errno.
    syscall(SYS_close_range, 3u, ~0u, CLOSE_RANGE_CLOEXEC);
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    for (int signal_number : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGCHLD})
      sigaction(signal_number, &default_action, nullptr);
    sigset_t empty;
    sigemptyset(&empty);
    sigprocmask(SIG_SETMASK, &empty, nullptr);
    if (chdir("/") != 0) _exit(127);
    execv(argv[0], argv.data());
    const int error = errno;
    const ssize_t ignored = write(report_write.get(), &error, sizeof error);
    (void)ignored;
    _exit(127);
  }
  report_write.Reset();
  int child_status = 0;
  while (waitpid(child, &child_status, 0) < 0 && errno == EINTR) {
  }
  pid_t server_pid = 0;
  if (ReadWithTimeout(report_read.get(), &server_pid, sizeof server_pid, kExecReportTimeout) !=
          sizeof server_pid ||
      server_pid <= 0)
    throw Error("could not start the local server " + arguments[0] + ": the second fork failed");
  int exec_error = 0;
  // EOF here means exec succeeded (the pipe closed with it). Another thread of this process that
  // forks without exec in this instant keeps the pipe open: then the timeout ends the wait and
  // the health check below decides.
  if (ReadWithTimeout(report_read.get(), &exec_error, sizeof exec_error, kExecReportTimeout) ==
      sizeof exec_error)
    throw Error("cannot run " + arguments[0] +
                " to start the local server: " + std::strerror(exec_error));
  return server_pid;
}

// Waits until `url` answers GET /healthz, the process `pid` ends, or `timeout` passes; returns
// an empty string when healthy, else what happened.
std::string WaitUntilHealthy(const std::string& url, pid_t pid, std::chrono::milliseconds timeout) {
  Descriptor process(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
  const auto deadline = Clock::now() + timeout;
  while (true) {
    if (AnswersHealth(url, kProbeTimeout)) return "";
    if (Clock::now() >= deadline)
      return "it did not answer GET " + url + "/healthz within " +
             std::to_string(timeout.count() / 1000) + " s";
    if (process.get() >= 0) {
      // Readable once the process has ended: waits for that or the next probe, whichever first.
      pollfd entry{.fd = process.get(), .events = POLLIN, .revents = 0};
      if (poll(&entry, 1, static_cast<int>(kPollInterval.count())) > 0)
        return "it exited before it answered";
    } else {
      if (kill(pid, 0) != 0 && errno == ESRCH) return "it exited before it answered";
      poll(nullptr, 0, static_cast<int>(kPollInterval.count()));
    }
  }
}

}  // namespace

std::vector<std::string> ServerBinaryCandidates(const std::string& override_binary,
                                                const std::string& program_directory,
                                                const std::string& build_binary,
                                                const std::string& path_variable) {
  if (!override_binary.empty()) return {override_binary};
  std::vector<std::string> candidates;
  if (!program_directory.empty()) candidates.push_back(program_directory + "/runhook");
  if (!build_binary.empty()) candidates.push_back(build_binary);
  std::stringstream directories(path_variable);
  for (std::string directory; std::getline(directories, directory, ':');)
    if (!directory.empty()) candidates.push_back(directory + "/runhook");
  return candidates;
}

std::string EnsureLocalServer(const LocalServerOptions& options) {
  const std::string url = core::DefaultLocalServerUrl();
  if (AnswersHealth(url, kProbeTimeout)) return url;

  auto port = core::DefaultLocalPort();
  if (!port) throw Error(port.error().message);
  std::string data_dir = core::DataDirectory();
  if (data_dir.empty())
    throw Error("no server answers at " + url +
                " and there is no data directory for a local one: set RUNHOOK_DIR (or HOME), "
                "or point RUNHOOK_URL at a server");
  std::error_code error;
  data_dir = std::filesystem::absolute(data_dir, error).lexically_normal().string();
  while (data_dir.size() > 1 && data_dir.back() == '/') data_dir.pop_back();
  std::filesystem::create_directories(data_dir, error);
  if (error)
    throw Error("cannot create the data directory " + data_dir +
                " for a local server: " + error.message());
  const core::ServerFiles files = core::ServerFilesIn(data_dir);

  auto start_lock = core::FileLock::Acquire(files.start_lock, 2 * options.start_timeout);
  if (!start_lock)
    throw Error("no server answers at " + url + " and " + start_lock.error().message +
                " (another process is starting a local server)");
  // Another process may have started it while this one waited for the lock.
  if (AnswersHealth(url, kProbeTimeout)) return url;

  const std::string binary = FindServerBinary();
  std::error_code size_error;
  const auto log_size = std::filesystem::file_size(files.log, size_error);
  const std::streamoff log_offset = size_error ? 0 : static_cast<std::streamoff>(log_size);
  const pid_t pid = SpawnDetached({binary, "server", "--host", "127.0.0.1", "--port",
                                   std::to_string(*port), "--data", data_dir},
                                  files.log);
  if (std::string problem = WaitUntilHealthy(url, pid, options.start_timeout); !problem.empty())
    throw Error("started a local runhook server (" + binary + ", pid " + std::to_string(pid) +
                ") because none answered at " + url + ", but " + problem + "; its log " +
                files.log + " says: " + LogTail(files.log, log_offset, kLogLinesShown));
  if (!options.quiet) {
    const std::string stop_command = Environment("RUNHOOK_DIR").empty()
                                         ? "runhook server stop"
                                         : "runhook server stop --data " + data_dir;
    std::printf(
        "runhook: started a local server at %s (pid %d, data %s, log %s); stop it with `%s`\n",
        url.c_str(), static_cast<int>(pid), data_dir.c_str(), files.log.c_str(),
        stop_command.c_str());
    std::fflush(stdout);
  }
  return url;
}

}  // namespace runhook::sdk
