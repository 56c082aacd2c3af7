// The body of POST RUN/history: the compact encoding (docs/history-encoding.md), or JSON by a
// fast path or, failing that, the general way.
//
// The JSON fast path is for the body of POST RUN/history, the one request a training run sends
// thousands of times: `{"batch_id": "...", "rows": [{"step": N, "values": {"key": scalar, ...}},
// ...]}` read in one pass straight into a HistoryBatch, without building a JSON document of the
// whole body and with numbers read by std::from_chars (the DOM parse spent most of its time in the
// lexer and strtod).
//
// It accepts only the common shape: the top-level keys batch_id (a string) and rows, each row
// exactly the keys step (an integer 0 .. INT64_MAX without sign, fraction or exponent) and values,
// whose values are numbers, strings, true, false or null, and strings (keys included) of
// printable ASCII without escapes. Anything else (nested values, escapes, non-ASCII text,
// duplicate or empty keys, a malformed body) makes it decline, and the caller parses the body the
// general way (ParseJsonObject + ParseHistoryBatch), which also produces the error messages.
// Whatever it accepts, it reads exactly as that general way would: integers without a sign become
// unsigned JSON numbers, with a sign signed ones, others doubles (an integer out of range or a
// double that overflows makes it decline). The batch owns what it holds; `body` need not outlive
// it.
//
// Pure function; thread-safe.
#pragma once

#include <optional>
#include <string_view>

#include "server/request_parsing.h"

namespace runhook::server {

// The batch in `body`, or nullopt when the body is not of the shape above.
std::optional<HistoryBatch> ScanHistoryBatch(std::string_view body);

// A JSON body of POST RUN/history: ScanHistoryBatch, else ParseJsonObject + ParseHistoryBatch
// (and their errors).
Result<HistoryBatch> ParseHistoryBatchBody(std::string_view body);

// True when `content_type` (a Content-Type header value) names the compact encoding,
// core::history_encoding::kContentType; case and parameters after ';' are ignored.
bool IsCompactHistoryContentType(std::string_view content_type);

// The body of POST RUN/history by its Content-Type: core::history_encoding::DecodeBody for the
// compact encoding (its error, naming the byte offset, as kInvalidArgument), else
// ParseHistoryBatchBody (JSON; also when there is no Content-Type or another one).
Result<HistoryBatch> ParseHistoryRequestBody(std::string_view content_type, std::string_view body);

}  // namespace runhook::server
