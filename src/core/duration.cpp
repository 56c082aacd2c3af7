#include "core/duration.h"

#include <cmath>
#include <cstdlib>
#include <string>

namespace runhook::core {

std::optional<Duration> ParseDuration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  size_t unit_start = text.size();
  while (unit_start > 0 && std::isalpha(static_cast<unsigned char>(text[unit_start - 1])))
    --unit_start;
  std::string number(text.substr(0, unit_start));
  std::string_view unit = text.substr(unit_start);
  if (number.empty()) return std::nullopt;
  char* end = nullptr;
  double value = std::strtod(number.c_str(), &end);
  if (end != number.c_str() + number.size() || !std::isfinite(value) || value < 0)
    return std::nullopt;
  double scale;
  if (unit.empty() || unit == "s")
    scale = 1;
  else if (unit == "ms")
    scale = 1e-3;
  else if (unit == "m")
    scale = 60;
  else if (unit == "h")
    scale = 3600;
  else if (unit == "d")
    scale = 86400;
  else
    return std::nullopt;
  return FromSeconds(value * scale);
}

double ToSeconds(Duration duration) { return std::chrono::duration<double>(duration).count(); }

Duration FromSeconds(double seconds) {
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(seconds));
}

}  // namespace runhook::core
