#include "cli/api_client.h"

#include <httplib.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <vector>

#include "core/server_files.h"
#include "template/filters.h"

namespace runhook::cli {
namespace {

constexpr int kTimeoutSeconds = 30;

// The server's message from an API error body, else the start of the body.
std::string DescribeAnswer(const httplib::Response& response) {
  Json body = Json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_object() && body.contains("error") && body["error"].is_object() &&
      body["error"].contains("message") && body["error"]["message"].is_string())
    return body["error"]["message"].get<std::string>();
  if (response.body.empty()) return "(empty answer)";
  return response.body.substr(0, 200);
}

}  // namespace

std::string DefaultServerUrl() {
  const char* url = std::getenv("RUNHOOK_URL");
  return url != nullptr && *url != '\0' ? std::string(url) : core::DefaultLocalServerUrl();
}

void AddServerUrlOption(CLI::App& command, std::string& url) {
  command.add_option(
      "--server,--url", url,
      "runhook server URL (default: $RUNHOOK_URL or " + core::DefaultLocalServerUrl() + ")");
}

std::string EncodePathSegment(const std::string& segment) {
  std::string encoded = templating::UrlQuote(segment, /*for_query=*/false);
  std::string out;
  for (char c : encoded) out += c == '/' ? std::string("%2F") : std::string(1, c);
  return out;
}

RunReference ParseRunReference(const std::string& text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t slash = text.find('/', start);
    parts.push_back(
        text.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  if (parts.size() > 3 ||
      std::any_of(parts.begin(), parts.end(), [](const std::string& part) { return part.empty(); }))
    Fail("run '" + text + "' is not ID, PROJECT/ID or ENTITY/PROJECT/ID");
  if (parts.size() == 1) return RunReference{"", "", parts[0]};
  if (parts.size() == 3) return RunReference{parts[0], parts[1], parts[2]};
  const char* entity = std::getenv("RUNHOOK_ENTITY");
  return RunReference{entity != nullptr && *entity != '\0' ? entity : "local", parts[0], parts[1]};
}

void Fail(const std::string& message) {
  std::cerr << "runhook: " << message << std::endl;
  throw CLI::RuntimeError(1);
}

ApiClient::ApiClient(const std::string& server_url) : server_url_(server_url) {
  while (!server_url_.empty() && server_url_.back() == '/') server_url_.pop_back();
  client_ = std::make_unique<httplib::Client>(server_url_);
  if (!client_->is_valid()) Fail("cannot use server URL '" + server_url_ + "'");
  client_->set_connection_timeout(kTimeoutSeconds);
  client_->set_read_timeout(kTimeoutSeconds);
  client_->set_write_timeout(kTimeoutSeconds);
}

ApiClient::~ApiClient() = default;

Json ApiClient::Get(const std::string& path) { return Send("GET", path, nullptr); }
Json ApiClient::Post(const std::string& path, const Json& body) { return Send("POST", path, body); }
Json ApiClient::Put(const std::string& path, const Json& body) { return Send("PUT", path, body); }
Json ApiClient::Delete(const std::string& path) { return Send("DELETE", path, nullptr); }

Json ApiClient::Send(const std::string& method, const std::string& path, const Json& body) {
  const std::string content = body.is_null() ? std::string() : body.dump();
  httplib::Result result = [&] {
    if (method == "GET") return client_->Get(path);
    if (method == "POST") return client_->Post(path, content, "application/json");
    if (method == "PUT") return client_->Put(path, content, "application/json");
    return client_->Delete(path);
  }();
  if (!result)
    Fail(method + " " + server_url_ + path + " failed: " + httplib::to_string(result.error()) +
         " (is a runhook server running there? set --server or RUNHOOK_URL)");
  if (result->status < 200 || result->status >= 300)
    Fail(DescribeAnswer(*result) + " (HTTP " + std::to_string(result->status) + " from " + method +
         " " + path + ")");
  Json answer = Json::parse(result->body, nullptr, /*allow_exceptions=*/false);
  if (answer.is_discarded())
    Fail("the server's answer to " + method + " " + path +
         " is not JSON: " + result->body.substr(0, 200));
  return answer;
}

}  // namespace runhook::cli
