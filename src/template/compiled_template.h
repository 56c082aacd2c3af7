// What Template::Compile produces: the parsed tree and the template's name. Immutable.
#pragma once

#include <string>

#include "template/parser.h"

namespace runhook::templating::detail {

struct CompiledTemplate {
  std::string name;
  ParsedTemplate parsed;
};

}  // namespace runhook::templating::detail
