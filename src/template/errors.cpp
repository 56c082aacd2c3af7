// TemplateError: the one exception type the engine throws (see template.h).
#include "template/errors.h"

#include <utility>

namespace runhook::templating {
namespace {

// "head at line L, column C in NAME: detail", leaving out what is unknown.
std::string FormatWhat(const std::string& head, const std::string& detail,
                       const std::string& template_name, int line, int column) {
  std::string what = head;
  if (line > 0) {
    what += " at line " + std::to_string(line);
    if (column > 0) what += ", column " + std::to_string(column);
  }
  if (!template_name.empty() && template_name != "<template>") what += " in " + template_name;
  if (!detail.empty()) what += ": " + detail;
  return what;
}

}  // namespace

TemplateError::TemplateError(std::string type, std::string message, std::string template_name,
                             int line, int column)
    : std::runtime_error(FormatWhat(message, "", template_name, line, column)),
      type_(std::move(type)),
      message_(std::move(message)),
      template_name_(std::move(template_name)),
      line_(line),
      column_(column) {}

TemplateError::TemplateError(std::string type, std::string head, std::string detail,
                             std::string template_name, int line, int column)
    : std::runtime_error(FormatWhat(head, detail, template_name, line, column)),
      type_(std::move(type)),
      message_(detail.empty() ? head : head + ": " + detail),
      template_name_(std::move(template_name)),
      line_(line),
      column_(column) {}

}  // namespace runhook::templating
