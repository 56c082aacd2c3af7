// Shared helpers for the template engine's unit tests.
#pragma once

#include <string>

#include "template/template.h"

namespace runhook::templating::testing {

// Renders `source` with `context` (JSON text); returns the output.
inline std::string Render(const std::string& source, const std::string& context = "{}",
                          UndefinedMode mode = UndefinedMode::kDefault) {
  return Template::Compile(source).Render(Json::parse(context), mode).output;
}

// Renders and returns the error type ("" when it rendered).
inline std::string ErrorType(const std::string& source, const std::string& context = "{}",
                             UndefinedMode mode = UndefinedMode::kDefault) {
  try {
    Template::Compile(source).Render(Json::parse(context), mode);
  } catch (const TemplateError& error) {
    return error.type();
  }
  return "";
}

}  // namespace runhook::templating::testing
