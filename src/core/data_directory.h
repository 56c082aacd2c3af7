// Where runhook keeps local data on this machine: the server's default store and the SDK's run
// directories (offline runs and spools of undelivered batches).
//
// The data directory is $RUNHOOK_DIR when set and not empty, else $XDG_DATA_HOME/runhook, else
// $HOME/.local/share/runhook. A run's directory is <data>/runs/<entity>/<project>/<id>.
#pragma once

#include <string>

namespace runhook::core {

// The data directory as above; empty when none can be found (no RUNHOOK_DIR, XDG_DATA_HOME or
// HOME). Does not create it.
std::string DataDirectory();

// <data directory>/runs/<entity>/<project>/<id>; empty when DataDirectory() is empty. The names
// must already be valid slugs / run ids (core/ids.h), so they are safe as path segments.
std::string RunDirectory(const std::string& entity, const std::string& project,
                         const std::string& id);

}  // namespace runhook::core
