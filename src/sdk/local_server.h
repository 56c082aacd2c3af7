// The embedded default: when Init has no server configured (no Options::server_url, no
// $RUNHOOK_URL), it uses the local server at core::DefaultLocalServerUrl()
// (http://127.0.0.1:5717, or the port in $RUNHOOK_LOCAL_PORT) and starts one when none answers.
//
// The server started is `runhook server --host 127.0.0.1 --port PORT --data DIR`, DIR being
// core::DataDirectory() (core/data_directory.h), run detached: its own session (double fork),
// stdin from /dev/null, stdout and stderr appended to DIR/server.log, no descriptor of the
// training process inherited. It outlives the training process, so it finishes deliveries and
// notices crashes; `runhook server stop` stops it. Its binary is the first executable of
// ServerBinaryCandidates.
//
// Two processes starting at once share one server: "probe, start if absent, wait until healthy"
// runs under an exclusive flock on DIR/start.lock, and the server itself refuses to run twice on
// one data directory (DIR/server.lock, see core/server_files.h).
//
// Thread safety: EnsureLocalServer may be called from several threads and processes at once.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace runhook::sdk {

struct LocalServerOptions {
  bool quiet = false;  // no line on stdout when a server was started
  // How long a started server may take to answer GET /healthz (and how long to wait, on top,
  // for another process that is starting one).
  std::chrono::milliseconds start_timeout{30'000};
};

// Returns the URL of the runhook server answering GET /healthz at the default local address,
// starting one as described above when none answers; prints "runhook: started a local server
// at URL (pid, data, log); stop it with `runhook server stop`" when it started one.
// Throws runhook::Error naming what failed: no data directory, no `runhook` binary, the server
// exiting before it answered (with the last lines of its log), or the timeout passing.
std::string EnsureLocalServer(const LocalServerOptions& options);

// Where to look for the `runhook` binary, in order: $RUNHOOK_SERVER_BIN (`override_binary`,
// alone when set: a wrong value is an error, not skipped), `runhook` next to the running
// program (`program_directory`), the binary of the build tree the SDK was built in
// (`build_binary`), then `runhook` in each directory of $PATH (`path_variable`). Empty inputs
// are skipped. Pure.
std::vector<std::string> ServerBinaryCandidates(const std::string& override_binary,
                                                const std::string& program_directory,
                                                const std::string& build_binary,
                                                const std::string& path_variable);

}  // namespace runhook::sdk
