// The JSON value type used across runhook.
//
// nlohmann::ordered_json keeps object keys in insertion order (as a Python dict does, which
// matters when a template prints a dict) and keeps integers and floats apart: 1 and 1.0 parse,
// store and print differently.
#pragma once

#include <nlohmann/json.hpp>

namespace runhook {
using Json = nlohmann::ordered_json;
}  // namespace runhook
