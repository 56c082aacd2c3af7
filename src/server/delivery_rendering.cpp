#include "server/delivery_rendering.h"

#include <algorithm>
#include <cctype>
#include <exception>
#include <optional>

#include "server/secret_masking.h"
#include "server/template_context.h"
#include "template/template.h"

namespace runhook::server {
namespace {

bool EqualsNoCase(std::string_view left, std::string_view right) {
  return left.size() == right.size() &&
         std::equal(left.begin(), left.end(), right.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) ==
                  std::tolower(static_cast<unsigned char>(b));
         });
}

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && EqualsNoCase(text.substr(0, prefix.size()), prefix);
}

bool HasLineBreak(std::string_view text) {
  return text.find_first_of("\r\n") != std::string_view::npos;
}

// Renders templates of one hook, collecting undefined names; the first error stops it. The
// context is `context`, or `prepared` shadowed by the overlay `context` when `prepared` is set.
class HookRenderer {
 public:
  HookRenderer(const core::HookSpec& hook, const templating::PreparedContext* prepared,
               const Json& context, core::DeliveryDraft& draft,
               templating::TemplateCache* templates)
      : hook_(hook),
        prepared_(prepared),
        context_(context),
        draft_(draft),
        templates_(templates),
        mode_(hook.strict ? templating::UndefinedMode::kStrict
                          : templating::UndefinedMode::kDefault) {}

  // Returns false (and sets draft.render_error) when rendering `source` failed.
  bool Render(const std::string& field, const std::string& source, std::string& out) {
    try {
      const std::string name = hook_.name + "." + field;
      auto compiled = templates_ != nullptr ? templates_->Get(source, name)
                                            : templating::Template::Compile(source, name);
      auto result = prepared_ != nullptr ? compiled.Render(*prepared_, context_, mode_)
                                         : compiled.Render(context_, mode_);
      for (auto& name : result.undefined_names) {
        if (std::find(draft_.undefined_names.begin(), draft_.undefined_names.end(), name) ==
            draft_.undefined_names.end())
          draft_.undefined_names.push_back(std::move(name));
      }
      out = std::move(result.output);
      return true;
    } catch (const templating::TemplateError& error) {
      std::string where;
      if (error.line() > 0)
        where = "line " + std::to_string(error.line()) + ", column " +
                std::to_string(error.column()) + ": ";
      return Fail(field, error.type() + ": " + where + error.message());
    } catch (const std::exception& error) {
      // The engine promises TemplateError only; anything else is recorded, not hidden.
      return Fail(field, std::string("unexpected rendering failure: ") + error.what());
    }
  }

  bool Fail(const std::string& field, const std::string& what) {
    draft_.render_error = "field '" + field + "': " + what;
    return false;
  }

 private:
  const core::HookSpec& hook_;
  const templating::PreparedContext* prepared_;  // may be null
  const Json& context_;                          // the overlay when prepared_ is set
  core::DeliveryDraft& draft_;
  templating::TemplateCache* templates_;  // may be null
  templating::UndefinedMode mode_;
};

// Adds a Content-Type when the hook set none, and refuses a body that claims to be JSON (by its
// Content-Type, or by starting with '{') but does not parse. Returns false on such a body.
bool SettleContentType(HookRenderer& renderer, core::DeliveryDraft& draft) {
  if (draft.body.empty()) return true;
  const std::string* content_type = nullptr;
  for (const auto& [name, value] : draft.headers)
    if (EqualsNoCase(name, "Content-Type")) content_type = &value;

  // accept() checks without building the document (most bodies parse); parse() only to say why
  // one does not.
  std::string parse_error;
  if (!Json::accept(draft.body)) {
    try {
      const Json parsed = Json::parse(draft.body);
      parse_error = "not accepted as JSON";  // not expected: accept and parse agree
    } catch (const Json::parse_error& error) {
      parse_error = error.what();
    }
  }
  const auto first = draft.body.find_first_not_of(" \t\r\n");
  const bool looks_like_object = first != std::string::npos && draft.body[first] == '{';
  const bool claims_json =
      content_type ? content_type->find("json") != std::string::npos : looks_like_object;
  if (claims_json && !parse_error.empty()) {
    return renderer.Fail(
        "body", "the rendered body claims to be JSON but does not parse (" + parse_error + ")");
  }
  if (!content_type)
    draft.headers.emplace_back(
        "Content-Type", parse_error.empty() ? "application/json" : "text/plain; charset=utf-8");
  return true;
}

}  // namespace

bool HookFiresOn(const core::HookSpec& hook, std::string_view event_type) {
  if (hook.disabled) return false;
  return std::find(hook.run_states.begin(), hook.run_states.end(), event_type) !=
         hook.run_states.end();
}

namespace {

// RenderDelivery against `context`, or against `prepared` shadowed by the overlay `context`.
core::DeliveryDraft RenderHook(const core::HookSpec& hook,
                               const templating::PreparedContext* prepared, const Json& context,
                               const std::string& webhook_id, int default_max_attempts,
                               templating::TemplateCache* templates) {
  core::DeliveryDraft draft;
  draft.hook_name = hook.name;
  draft.webhook_id = webhook_id;
  draft.method = hook.method;
  draft.url = hook.url;  // the template text, kept if rendering fails
  draft.timeout_seconds = hook.timeout_seconds;
  draft.max_attempts = hook.max_attempts.value_or(default_max_attempts);

  HookRenderer renderer(hook, prepared, context, draft, templates);
  std::string url;
  if (!renderer.Render("url", hook.url, url)) return draft;
  if (!(StartsWithNoCase(url, "http://") || StartsWithNoCase(url, "https://"))) {
    renderer.Fail("url", "the rendered URL '" + url + "' is not an http:// or https:// URL");
    return draft;
  }
  if (url.find_first_of(" \t\r\n") != std::string::npos) {
    renderer.Fail("url", "the rendered URL '" + url + "' contains whitespace");
    return draft;
  }
  draft.url = std::move(url);

  for (const auto& [name, value_template] : hook.headers) {
    std::string value;
    if (!renderer.Render("headers." + name, value_template, value)) return draft;
    if (HasLineBreak(value)) {
      renderer.Fail("headers." + name, "the rendered value contains a line break");
      return draft;
    }
    draft.headers.emplace_back(name, std::move(value));
  }
  if (!renderer.Render("body", hook.body, draft.body)) return draft;
  SettleContentType(renderer, draft);
  return draft;
}

}  // namespace

core::DeliveryDraft RenderDelivery(const core::HookSpec& hook, const Json& context,
                                   const std::string& webhook_id, int default_max_attempts,
                                   templating::TemplateCache* templates) {
  return RenderHook(hook, nullptr, context, webhook_id, default_max_attempts, templates);
}

core::DeliveryDraft RenderDelivery(const core::HookSpec& hook,
                                   const templating::PreparedContext& context, const Json& overlay,
                                   const std::string& webhook_id, int default_max_attempts,
                                   templating::TemplateCache* templates) {
  return RenderHook(hook, &context, overlay, webhook_id, default_max_attempts, templates);
}

bool MentionsSecrets(const core::HookSpec& hook) {
  constexpr std::string_view kName = "secrets";
  if (hook.url.find(kName) != std::string::npos) return true;
  if (hook.body.find(kName) != std::string::npos) return true;
  for (const auto& [name, value] : hook.headers)
    if (value.find(kName) != std::string::npos) return true;
  return false;
}

namespace {

// Renders `hook` for one event with a fresh webhook id, the secrets in its context and the
// result masked (when there are secrets). `event_context` is BuildTemplateContext's for this
// event (any hook name and delivery id), prepared once for all of the event's hooks (the run
// variable it holds is large: copying it per hook cost more than rendering); what differs per
// hook goes into an overlay of the top-level names it replaces: `hook` with this hook's name,
// `delivery` with this webhook id, then `secrets` (when the hook mentions them) and the extra
// variables, in that order, as if assigned to a copy of the event context.
core::DeliveryDraft RenderForEvent(const core::HookSpec& hook,
                                   const templating::PreparedContext& event_context,
                                   const RenderSettings& settings, const Json& secrets,
                                   const SecretMasker& masker) {
  const std::string webhook_id = core::GenerateWebhookId();
  const Json& base = event_context.json();
  Json overlay = Json::object();
  overlay["hook"] = base.value("hook", Json::object());
  overlay["hook"]["name"] = hook.name;
  overlay["delivery"] = base.value("delivery", Json::object());
  overlay["delivery"]["id"] = webhook_id;
  if (MentionsSecrets(hook)) overlay["secrets"] = secrets;  // {} when none are stored
  for (const auto& [name, value] : settings.extra_context.items()) overlay[name] = value;
  core::DeliveryDraft draft = RenderDelivery(hook, event_context, overlay, webhook_id,
                                             settings.default_max_attempts, settings.templates);
  if (!masker.empty()) {
    draft.masked = MaskRequest(masker, draft);
    draft.render_error = masker.Mask(draft.render_error);
  }
  return draft;
}

Json SecretsVariable(const RenderSettings& settings) {
  Json secrets = Json::object();
  for (const auto& [name, value] : settings.secrets) secrets[name] = value;
  return secrets;
}

}  // namespace

std::vector<core::DeliveryDraft> RenderDeliveries(const core::RunRecord& run,
                                                  const std::vector<core::HookSpec>& hooks,
                                                  std::string_view event_type, int64_t event_ms,
                                                  const RenderSettings& settings) {
  std::vector<core::DeliveryDraft> drafts;
  std::optional<templating::PreparedContext> event_context;  // built for the first firing hook
  const SecretMasker masker(settings.secrets);
  const Json secrets = SecretsVariable(settings);
  for (const auto& hook : hooks) {
    if (!HookFiresOn(hook, event_type)) continue;
    if (!event_context.has_value())
      event_context.emplace(
          BuildTemplateContext(RunTemplateVariable(run, settings.public_url, event_ms), event_type,
                               event_ms, hook.name, ""));
    drafts.push_back(RenderForEvent(hook, *event_context, settings, secrets, masker));
  }
  return drafts;
}

core::DeliveryDraft RenderTestDelivery(const core::RunRecord& run, const core::HookSpec& hook,
                                       int64_t now_ms, const RenderSettings& settings) {
  const SecretMasker masker(settings.secrets);
  const templating::PreparedContext event_context(
      BuildTemplateContext(RunTemplateVariable(run, settings.public_url, now_ms), kTestEventType,
                           now_ms, hook.name, ""));
  core::DeliveryDraft draft =
      RenderForEvent(hook, event_context, settings, SecretsVariable(settings), masker);
  draft.is_test = true;
  draft.max_attempts = 1;
  return draft;
}

}  // namespace runhook::server
