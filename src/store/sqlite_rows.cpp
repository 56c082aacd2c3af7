#include "store/sqlite_rows.h"

#include <optional>

namespace runhook::store::sqlite {
namespace {

// Reads JSON [["name", "value"], ...] into headers without building a document (a header list
// is read with every claimed delivery): the parser's strings are moved into the pairs. Any other
// shape stops the parse.
class HeaderListReader {
 public:
  explicit HeaderListReader(Headers& headers) : headers_(headers) {}
  bool syntax_error() const { return syntax_error_; }

  bool start_array(std::size_t /*size*/) {
    if (depth_ == 2) return false;
    if (++depth_ == 2) {
      headers_.emplace_back();
      strings_in_pair_ = 0;
    }
    return true;
  }
  bool end_array() {
    if (depth_ == 2 && strings_in_pair_ != 2) return false;
    --depth_;
    return true;
  }
  bool string(Json::string_t& value) {
    if (depth_ != 2 || strings_in_pair_ == 2) return false;
    auto& pair = headers_.back();
    (strings_in_pair_++ == 0 ? pair.first : pair.second) = std::move(value);
    return true;
  }
  bool null() { return false; }
  bool boolean(bool /*value*/) { return false; }
  bool number_integer(Json::number_integer_t /*value*/) { return false; }
  bool number_unsigned(Json::number_unsigned_t /*value*/) { return false; }
  bool number_float(Json::number_float_t /*value*/, const Json::string_t& /*text*/) {
    return false;
  }
  bool binary(Json::binary_t& /*value*/) { return false; }
  bool start_object(std::size_t /*size*/) { return false; }
  bool key(Json::string_t& /*name*/) { return false; }
  bool end_object() { return false; }
  bool parse_error(std::size_t /*position*/, const std::string& /*token*/,
                   const nlohmann::detail::exception& /*error*/) {
    syntax_error_ = true;
    return false;
  }

 private:
  Headers& headers_;
  int depth_ = 0;
  int strings_in_pair_ = 0;
  bool syntax_error_ = false;
};

// Reads columns left to right, keeping the first error, so readers stay one line per field.
class ColumnReader {
 public:
  explicit ColumnReader(const Statement& statement) : statement_(statement) {}

  int64_t Int64() { return statement_.ColumnInt64(next_++); }
  int Int() { return static_cast<int>(Int64()); }
  bool Bool() { return Int64() != 0; }
  double Double() { return statement_.ColumnDouble(next_++); }
  std::optional<int64_t> OptionalInt64() { return statement_.ColumnOptionalInt64(next_++); }
  std::string Text() { return statement_.ColumnText(next_++); }

  Json JsonValue(const char* what) {
    Result<Json> value = ReadJsonColumn(statement_, next_++, what);
    if (value) return std::move(value).value();
    Fail(value.error());
    return nullptr;
  }

  std::vector<std::string> StringList(const char* what) {
    Json list = JsonValue(what);
    std::vector<std::string> strings;
    if (!list.is_array()) return Corrupt(what, strings);
    for (const Json& item : list) {
      if (!item.is_string()) return Corrupt(what, strings);
      strings.push_back(item.get<std::string>());
    }
    return strings;
  }

  Headers HeaderList(const char* what) {
    Headers headers;
    HeaderListReader reader(headers);
    if (Json::sax_parse(statement_.ColumnBlob(next_++), &reader)) return headers;
    if (reader.syntax_error()) {
      Fail(MakeError(ErrorCode::kInternal, std::string("stored ") + what + " is not valid JSON"));
      return headers;
    }
    return Corrupt(what, headers);
  }

  // A nullable JSON {"url", "headers", "body"} column.
  std::optional<core::MaskedRequest> OptionalMaskedRequest(const char* what) {
    if (statement_.ColumnText(next_).empty()) {
      ++next_;
      return std::nullopt;
    }
    Json value = JsonValue(what);
    core::MaskedRequest masked;
    try {
      masked.url = value.at("url").get<std::string>();
      masked.headers = value.at("headers").get<std::vector<std::pair<std::string, std::string>>>();
      masked.body = value.at("body").get<std::string>();
    } catch (const Json::exception&) {
      return Corrupt(what, std::optional<core::MaskedRequest>());
    }
    return masked;
  }

  template <typename T>
  T Parsed(std::optional<T> (*parse)(std::string_view), const char* what) {
    std::string text = Text();
    std::optional<T> value = parse(text);
    if (!value) {
      Fail(MakeError(ErrorCode::kInternal,
                     std::string("stored ") + what + " '" + text + "' is unknown to this runhook"));
      return T{};
    }
    return *value;
  }

  // Returns `value` when every column read well, else the first error.
  template <typename T>
  Result<T> Finish(T value) {
    if (error_) return *error_;
    return value;
  }

 private:
  void Fail(ErrorInfo error) {
    if (!error_) error_ = std::move(error);
  }
  // Records that the column `what` holds JSON of the wrong shape; returns `partial`.
  template <typename T>
  T Corrupt(const char* what, T partial) {
    Fail(MakeError(ErrorCode::kInternal, std::string("stored ") + what + " has the wrong shape"));
    return partial;
  }

  const Statement& statement_;
  int next_ = 0;
  std::optional<ErrorInfo> error_;
};

}  // namespace

Result<Json> ReadJsonColumn(const Statement& statement, int index, const char* what) {
  Json value = Json::parse(statement.ColumnText(index), nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded())
    return MakeError(ErrorCode::kInternal, std::string("stored ") + what + " is not valid JSON");
  return value;
}

void BindRunFields(Statement& statement, const core::RunRecord& run) {
  statement.BindText(":name", run.name);
  statement.BindText(":job_type", run.job_type);
  statement.BindText(":group_name", run.group);
  statement.BindJson(":tags", Json(run.tags));
  statement.BindText(":notes", run.notes);
  statement.BindText(":host", run.host);
  statement.BindJson(":config", run.config);
  statement.BindJson(":summary", run.summary);
  statement.BindText(":state", core::ToString(run.state));
  statement.BindInt64(":heartbeat_at", run.heartbeat_at_ms);
  statement.BindOptionalInt64(":started_at", run.started_at_ms);
  statement.BindOptionalInt64(":finished_at", run.finished_at_ms);
  statement.BindOptionalInt64(":exit_code", run.exit_code);
  statement.BindJson(":error", run.error);
  statement.BindText(":failure_reason", run.failure_reason);
  statement.BindInt64(":last_step", run.last_step);
  statement.BindInt64(":resumed_count", run.resumed_count);
  statement.BindJson(":state_history", run.state_history);
  statement.BindJson(":hook_state", run.hook_state);
  statement.BindOptionalInt64(":next_periodic_at", run.next_periodic_at_ms);
  statement.BindJson(":summary_state", run.summary_state);
}

Result<core::RunRecord> ReadRun(const Statement& statement) {
  ColumnReader column(statement);
  core::RunRecord run;
  run.key.entity = column.Text();
  run.key.project = column.Text();
  run.key.id = column.Text();
  run.name = column.Text();
  run.job_type = column.Text();
  run.group = column.Text();
  run.tags = column.StringList("run tags");
  run.notes = column.Text();
  run.host = column.Text();
  run.config = column.JsonValue("run config");
  run.summary = column.JsonValue("run summary");
  run.state = column.Parsed<core::RunState>(&core::ParseRunState, "run state");
  run.created_at_ms = column.Int64();
  run.heartbeat_at_ms = column.Int64();
  run.started_at_ms = column.OptionalInt64();
  run.finished_at_ms = column.OptionalInt64();
  if (std::optional<int64_t> exit_code = column.OptionalInt64())
    run.exit_code = static_cast<int>(*exit_code);
  run.error = column.JsonValue("run error");
  run.failure_reason = column.Text();
  run.last_step = column.Int64();
  run.version = column.Int64();
  run.resumed_count = column.Int();
  run.state_history = column.JsonValue("run state_history");
  run.hook_state = column.JsonValue("run hook_state");
  run.next_periodic_at_ms = column.OptionalInt64();
  run.summary_state = column.JsonValue("run summary_state");
  return column.Finish(std::move(run));
}

void BindHook(Statement& statement, const core::HookSpec& hook) {
  statement.BindText(":name", hook.name);
  statement.BindJson(":run_states", Json(hook.run_states));
  statement.BindText(":url", hook.url);
  statement.BindText(":method", hook.method);
  statement.BindText(":body", hook.body);
  statement.BindJson(":headers", Json(hook.headers));
  statement.BindDouble(":timeout_seconds", hook.timeout_seconds);
  if (hook.max_attempts) {
    statement.BindInt64(":max_attempts", *hook.max_attempts);
  } else {
    statement.BindNull(":max_attempts");
  }
  statement.BindText(":secret", hook.secret);
  statement.BindText(":when_condition", hook.when);
  statement.BindText(":every", hook.every);
  statement.BindBool(":strict", hook.strict);
  statement.BindBool(":disabled", hook.disabled);
}

Result<core::HookSpec> ReadHook(const Statement& statement) {
  ColumnReader column(statement);
  core::HookSpec hook;
  hook.name = column.Text();
  hook.run_states = column.StringList("hook run_states");
  hook.url = column.Text();
  hook.method = column.Text();
  hook.body = column.Text();
  hook.headers = column.HeaderList("hook headers");
  hook.timeout_seconds = column.Double();
  if (std::optional<int64_t> max_attempts = column.OptionalInt64())
    hook.max_attempts = static_cast<int>(*max_attempts);
  hook.secret = column.Text();
  hook.when = column.Text();
  hook.every = column.Text();
  hook.strict = column.Bool();
  hook.disabled = column.Bool();
  return column.Finish(std::move(hook));
}

void BindDeliveryDraft(Statement& statement, const core::DeliveryDraft& draft) {
  statement.BindText(":hook_name", draft.hook_name);
  statement.BindText(":webhook_id", draft.webhook_id);
  statement.BindText(":method", draft.method);
  statement.BindText(":url", draft.url);
  statement.BindJson(":headers", Json(draft.headers));
  statement.BindBlob(":body", draft.body);
  statement.BindInt64(":max_attempts", draft.max_attempts);
  statement.BindDouble(":timeout_seconds", draft.timeout_seconds);
  statement.BindJson(":undefined_names", Json(draft.undefined_names));
  statement.BindText(":render_error", draft.render_error);
  statement.BindBool(":is_test", draft.is_test);
  if (draft.masked) {
    statement.BindJson(":masked_request", Json{{"url", draft.masked->url},
                                               {"headers", Json(draft.masked->headers)},
                                               {"body", draft.masked->body}});
  } else {
    statement.BindNull(":masked_request");
  }
}

Result<core::Delivery> ReadDelivery(const Statement& statement) {
  ColumnReader column(statement);
  core::Delivery delivery;
  delivery.id = column.Int64();
  delivery.run.entity = column.Text();
  delivery.run.project = column.Text();
  delivery.run.id = column.Text();
  delivery.event_id = column.Int64();
  delivery.event_type = column.Text();
  core::DeliveryDraft& request = delivery.request;
  request.hook_name = column.Text();
  request.webhook_id = column.Text();
  request.method = column.Text();
  request.url = column.Text();
  request.headers = column.HeaderList("delivery headers");
  request.body = column.Text();
  request.timeout_seconds = column.Double();
  request.max_attempts = column.Int();
  request.undefined_names = column.StringList("delivery undefined_names");
  request.render_error = column.Text();
  request.is_test = column.Bool();
  request.masked = column.OptionalMaskedRequest("delivery masked_request");
  delivery.state = column.Parsed<core::DeliveryState>(&core::ParseDeliveryState, "delivery state");
  delivery.attempt_count = column.Int();
  delivery.created_at_ms = column.Int64();
  delivery.next_attempt_at_ms = column.Int64();
  delivery.last_error = column.Text();
  return column.Finish(std::move(delivery));
}

core::Attempt ReadAttempt(const Statement& statement) {
  ColumnReader column(statement);
  core::Attempt attempt;
  attempt.id = column.Int64();
  attempt.delivery_id = column.Int64();
  attempt.number = column.Int();
  attempt.started_at_ms = column.Int64();
  attempt.status_code = column.Int();
  attempt.latency_ms = column.Double();
  attempt.response_excerpt = column.Text();
  attempt.error = column.Text();
  return attempt;
}

Result<std::vector<core::RunKey>> ReadRunKeys(Statement& statement) {
  std::vector<core::RunKey> keys;
  while (true) {
    Result<bool> row = statement.Step();
    if (!row) return row.error();
    if (!*row) break;
    keys.push_back(
        core::RunKey{statement.ColumnText(0), statement.ColumnText(1), statement.ColumnText(2)});
  }
  return keys;
}

Result<std::optional<int64_t>> ReadOptionalInt64(Statement& statement) {
  Result<bool> row = statement.Step();
  if (!row) return row.error();
  if (!*row) return std::optional<int64_t>();
  return statement.ColumnOptionalInt64(0);
}

}  // namespace runhook::store::sqlite
