#include "sdk/init_modes.h"

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <system_error>

#include "core/data_directory.h"
#include "sdk/failure_handlers.h"
#include "sdk/run_state.h"

namespace runhook::detail {

std::string ResolveMode(const std::string& mode) {
  std::string resolved = mode;
  if (resolved.empty())
    if (const char* environment = std::getenv("RUNHOOK_MODE")) resolved = environment;
  if (resolved.empty()) resolved = "online";
  if (resolved != "online" && resolved != "offline" && resolved != "disabled")
    throw Error("mode '" + resolved + "'" + (mode.empty() ? " (from $RUNHOOK_MODE)" : "") +
                " is not one of online, offline, disabled");
  return resolved;
}

std::unique_ptr<sdk::SpoolWriter> OpenSpool(RunState& state, const Json& registration,
                                            bool registered) {
  state.directory = core::RunDirectory(state.entity, state.project, state.id);
  if (state.directory.empty()) {
    std::fprintf(stderr,
                 "runhook: warning: no data directory (set RUNHOOK_DIR or HOME): data the server "
                 "cannot take during an outage is kept in memory only\n");
    return nullptr;
  }
  return std::make_unique<sdk::SpoolWriter>(
      state.directory, registration.dump(-1, ' ', false, Json::error_handler_t::replace),
      registered);
}

void StartLocalRun(RunState& state, const Json& registration, bool quiet) {
  state.uncaught_exceptions_at_init = std::uncaught_exceptions();
  if (state.mode == "disabled") {
    state.shipper = std::make_unique<sdk::Shipper>(state.buffer, nullptr, state.run_path,
                                                   sdk::ShipperOptions{});
    return;
  }
  auto spool = OpenSpool(state, registration, /*registered=*/false);
  if (!spool)
    throw Error("mode \"offline\" needs a directory to record the run in: set RUNHOOK_DIR");
  std::error_code error;
  std::filesystem::create_directories(state.directory, error);
  if (error)
    throw Error("cannot create the offline run's directory " + state.directory + ": " +
                error.message());
  state.shipper = std::make_unique<sdk::Shipper>(state.buffer, nullptr, state.run_path,
                                                 sdk::ShipperOptions{}, std::move(spool));
  state.shipper->Enqueue("/start", "{}");
  state.shipper->Start();
  sdk::WatchRun(state);
  if (!quiet) {
    std::printf(
        "runhook: offline run %s (%s) is recorded in %s; upload it with `runhook sync %s`\n",
        state.name.c_str(), state.id.c_str(), state.directory.c_str(), state.directory.c_str());
    std::fflush(stdout);
  }
}

}  // namespace runhook::detail
