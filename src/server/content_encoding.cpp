#include "server/content_encoding.h"

#include <zstd.h>

#include <algorithm>
#include <cctype>
#include <memory>

#include "server/http_responses.h"
#include "server/json_errors.h"

namespace runhook::server {
namespace {

void SendStatus(httplib::Response& response, int status, const std::string& message) {
  SendJson(response, status, ErrorJson(ErrorCodeNameForStatus(status), message));
}

struct DecompressionContextDeleter {
  void operator()(ZSTD_DCtx* context) const { ZSTD_freeDCtx(context); }
};

}  // namespace

const std::string* DecodeRequestBody(const httplib::Request& request, size_t max_bytes,
                                     std::string& decoded, httplib::Response& response) {
  std::string encoding = request.get_header_value("Content-Encoding");
  // Content codings are case-insensitive (RFC 9110, section 8.4.1).
  std::transform(encoding.begin(), encoding.end(), encoding.begin(),
                 [](unsigned char character) { return std::tolower(character); });
  if (encoding.empty() || encoding == "identity") return &request.body;
  if (encoding != "zstd") {
    SendStatus(response, 415,
               "request body: Content-Encoding '" + encoding +
                   "' is not supported (send identity or zstd)");
    return nullptr;
  }
  const std::string too_large =
      "request body: Content-Encoding zstd: decompressed, it is larger than the server's limit "
      "of " +
      std::to_string(max_bytes) + " bytes";
  // A frame that states its size is refused before any allocation when over the limit; the
  // streaming loop below enforces the limit for frames that do not state it.
  const unsigned long long stated =
      ZSTD_getFrameContentSize(request.body.data(), request.body.size());
  if (stated != ZSTD_CONTENTSIZE_UNKNOWN && stated != ZSTD_CONTENTSIZE_ERROR &&
      stated > max_bytes) {
    SendStatus(response, 413, too_large);
    return nullptr;
  }
  std::unique_ptr<ZSTD_DCtx, DecompressionContextDeleter> context(ZSTD_createDCtx());
  if (context == nullptr) {
    SendStatus(response, 500, "request body: Content-Encoding zstd: out of memory");
    return nullptr;
  }
  // A frame that does not state its size could otherwise make zstd allocate a window of up to
  // 128 MiB; 2^25 (32 MiB) is enough for any body the limit allows and for what the SDK sends.
  ZSTD_DCtx_setParameter(context.get(), ZSTD_d_windowLogMax, 25);
  decoded.clear();
  if (stated != ZSTD_CONTENTSIZE_UNKNOWN && stated != ZSTD_CONTENTSIZE_ERROR)
    decoded.reserve(static_cast<size_t>(stated));
  ZSTD_inBuffer input{request.body.data(), request.body.size(), 0};
  const size_t chunk = ZSTD_DStreamOutSize();
  size_t last_result = 1;
  while (input.pos < input.size || last_result != 0) {
    const size_t written_before = decoded.size();
    if (written_before >= max_bytes + 1) {
      SendStatus(response, 413, too_large);
      return nullptr;
    }
    const size_t room = std::min(chunk, max_bytes + 1 - written_before);
    decoded.resize(written_before + room);
    ZSTD_outBuffer output{decoded.data() + written_before, room, 0};
    last_result = ZSTD_decompressStream(context.get(), &output, &input);
    decoded.resize(written_before + output.pos);
    if (ZSTD_isError(last_result)) {
      SendStatus(
          response, 400,
          std::string("request body: Content-Encoding zstd: ") + ZSTD_getErrorName(last_result));
      return nullptr;
    }
    if (decoded.size() > max_bytes) {
      SendStatus(response, 413, too_large);
      return nullptr;
    }
    if (input.pos == input.size && output.pos < room && last_result != 0) {
      SendStatus(response, 400, "request body: Content-Encoding zstd: truncated frame");
      return nullptr;
    }
  }
  return &decoded;
}

}  // namespace runhook::server
