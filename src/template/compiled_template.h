// What Template::Compile produces: the parsed tree and the template's name. Immutable.
#pragma once

#include <string>

#include "template/parser.h"

namespace runhook::templating::detail {

struct CompiledTemplate {
  std::string name;
  ParsedTemplate parsed;
  size_t output_size_hint = 0;  // bytes to reserve for the output: the template's text, at least
};

}  // namespace runhook::templating::detail
