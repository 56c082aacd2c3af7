#include "core/data_directory.h"

#include <cstdlib>

namespace runhook::core {
namespace {

std::string NonEmptyEnvironment(const char* name) {
  const char* value = std::getenv(name);
  return value && *value ? std::string(value) : std::string();
}

}  // namespace

std::string DataDirectory() {
  if (std::string dir = NonEmptyEnvironment("RUNHOOK_DIR"); !dir.empty()) return dir;
  if (std::string xdg = NonEmptyEnvironment("XDG_DATA_HOME"); !xdg.empty()) return xdg + "/runhook";
  if (std::string home = NonEmptyEnvironment("HOME"); !home.empty())
    return home + "/.local/share/runhook";
  return "";
}

std::string RunDirectory(const std::string& entity, const std::string& project,
                         const std::string& id) {
  const std::string data = DataDirectory();
  if (data.empty()) return "";
  return data + "/runs/" + entity + "/" + project + "/" + id;
}

}  // namespace runhook::core
