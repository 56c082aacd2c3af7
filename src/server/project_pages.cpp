#include "server/project_pages.h"

#include <algorithm>
#include <array>
#include <set>
#include <string_view>

#include "core/clock.h"
#include "core/run_state.h"
#include "server/page_layout.h"
#include "template/filters.h"
#include "template/html_escape.h"

namespace runhook::server {
namespace {

using templating::HtmlEscape;

constexpr std::string_view kSummaryPrefix = "summary.";
constexpr std::array<std::string_view, 4> kBuiltinColumns = {"name", "state", "created", "runtime"};
constexpr std::array<std::string_view, 4> kStates = {"created", "running", "finished", "failed"};

std::vector<std::string> SplitColumns(const std::string& text) {
  std::vector<std::string> columns;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string column = text.substr(start, comma - start);
    if (!column.empty() && std::find(columns.begin(), columns.end(), column) == columns.end())
      columns.push_back(std::move(column));
    start = comma + 1;
  }
  return columns;
}

// -1, 0 or 1, for ascending order.
int CompareRuns(const core::RunRecord& left, const core::RunRecord& right, const std::string& sort,
                int64_t now_ms) {
  auto three_way = [](const auto& a, const auto& b) { return a < b ? -1 : (b < a ? 1 : 0); };
  if (sort == "name") return three_way(left.name, right.name);
  if (sort == "state") return three_way(core::ToString(left.state), core::ToString(right.state));
  if (sort == "runtime")
    return three_way(core::RuntimeSeconds(left, now_ms), core::RuntimeSeconds(right, now_ms));
  return three_way(left.created_at_ms, right.created_at_ms);
}

const Json* SummaryValue(const core::RunRecord& run, const std::string& key) {
  if (!run.summary.is_object()) return nullptr;
  auto found = run.summary.find(key);
  return found == run.summary.end() || found->is_null() ? nullptr : &*found;
}

std::string Link(const std::string& url, const std::string& text_html,
                 std::string_view css_class = "") {
  std::string html = "<a href=\"" + HtmlEscape(url) + "\"";
  if (!css_class.empty()) html += " class=\"" + std::string(css_class) + "\"";
  return html + ">" + text_html + "</a>";
}

// A column header that sorts by `column`: descending first, flipping when already sorted by it.
std::string SortHeader(const RunsPageData& data, const std::string& column,
                       const std::string& label) {
  RunsTableQuery query = data.query;
  const bool current = query.sort == column;
  query.sort = column;
  query.descending = current ? !data.query.descending : true;
  std::string text = HtmlEscape(label);
  if (current) text += data.query.descending ? " &#9660;" : " &#9650;";
  const std::string aria =
      current ? (data.query.descending ? " aria-sort=\"descending\"" : " aria-sort=\"ascending\"")
              : "";
  return "<th" + aria + " data-column=\"" + HtmlEscape(column) + "\">" +
         Link(ProjectPageUrl(data.entity, data.project, query), text, "sort") + "</th>";
}

std::string StateFilters(const RunsPageData& data) {
  std::string html = "<nav id=\"state-filter\" class=\"filters\">state: ";
  RunsTableQuery query = data.query;
  query.state.clear();
  html += Link(ProjectPageUrl(data.entity, data.project, query), "all",
               data.query.state.empty() ? "filter current" : "filter");
  for (std::string_view state : kStates) {
    query.state = std::string(state);
    html += " " + Link(ProjectPageUrl(data.entity, data.project, query), std::string(state),
                       data.query.state == state ? "filter current" : "filter");
  }
  return html + "</nav>\n";
}

std::string ColumnsForm(const RunsPageData& data) {
  std::string columns;
  for (const auto& column : data.query.columns) columns += (columns.empty() ? "" : ",") + column;
  std::string html = "<form id=\"columns-form\" method=\"get\" action=\"/" +
                     HtmlEscape(data.entity) + "/" + HtmlEscape(data.project) +
                     "\"><label>summary columns <input name=\"columns\" size=\"40\" value=\"" +
                     HtmlEscape(columns) + "\"></label>";
  if (!data.query.state.empty())
    html += "<input type=\"hidden\" name=\"state\" value=\"" + HtmlEscape(data.query.state) + "\">";
  html += "<input type=\"hidden\" name=\"sort\" value=\"" + HtmlEscape(data.query.sort) +
          "\"><input type=\"hidden\" name=\"order\" value=\"" +
          (data.query.descending ? "desc" : "asc") + "\"> <button type=\"submit\">Show</button>" +
          "</form>\n";
  return html;
}

}  // namespace

std::string RenderProjectsPage(const std::vector<store::ProjectInfo>& projects) {
  std::string html = PageStart("Projects · runhook");
  html += "<h1>Projects</h1>\n";
  html +=
      "<table id=\"projects\">\n<thead><tr><th>project</th><th>runs</th><th>last activity</th>"
      "</tr></thead>\n<tbody>\n";
  for (const auto& project : projects) {
    const std::string path = "/" + project.entity + "/" + project.project;
    html += "<tr class=\"project\"><td>" +
            Link(path, HtmlEscape(project.entity) + "/" + HtmlEscape(project.project)) +
            "</td><td class=\"number\">" + std::to_string(project.run_count) + "</td><td>" +
            HtmlEscape(core::FormatIso8601(project.last_activity_ms)) + "</td></tr>\n";
  }
  html += "</tbody>\n</table>\n";
  if (projects.empty())
    html += "<p class=\"muted\">No runs yet. Runs logged with the SDK show up here.</p>\n";
  return html + PageEnd();
}

Result<RunsTableQuery> ParseRunsTableQuery(const std::multimap<std::string, std::string>& params) {
  RunsTableQuery query;
  auto value = [&](const char* name) -> std::optional<std::string> {
    auto found = params.find(name);
    if (found == params.end() || found->second.empty()) return std::nullopt;
    return found->second;
  };
  if (auto state = value("state")) {
    if (!core::ParseRunState(*state))
      return MakeError(ErrorCode::kInvalidArgument,
                       "query parameter 'state': unknown state '" + *state +
                           "' (use created, running, finished or failed)");
    query.state = *state;
  }
  if (params.count("columns") != 0) {
    query.columns_given = true;
    query.columns = SplitColumns(params.find("columns")->second);
  }
  if (auto sort = value("sort")) {
    const bool builtin =
        std::find(kBuiltinColumns.begin(), kBuiltinColumns.end(), *sort) != kBuiltinColumns.end();
    const bool summary = sort->size() > kSummaryPrefix.size() &&
                         std::string_view(*sort).substr(0, kSummaryPrefix.size()) == kSummaryPrefix;
    if (!builtin && !summary)
      return MakeError(ErrorCode::kInvalidArgument,
                       "query parameter 'sort': unknown column '" + *sort +
                           "' (use name, state, created, runtime or summary.KEY)");
    query.sort = *sort;
  }
  if (auto order = value("order")) {
    if (*order != "asc" && *order != "desc")
      return MakeError(ErrorCode::kInvalidArgument,
                       "query parameter 'order': '" + *order + "' is not asc or desc");
    query.descending = *order == "desc";
  }
  return query;
}

std::vector<std::string> DefaultSummaryColumns(const std::vector<core::RunRecord>& runs,
                                               size_t max_columns) {
  std::vector<std::string> columns;
  std::set<std::string> seen;
  for (const auto& run : runs) {
    if (!run.summary.is_object()) continue;
    for (const auto& [key, value] : run.summary.items()) {
      if (columns.size() >= max_columns) return columns;
      if (seen.insert(key).second) columns.push_back(key);
    }
  }
  return columns;
}

void SortRuns(std::vector<core::RunRecord>& runs, const RunsTableQuery& query, int64_t now_ms) {
  const bool descending = query.descending;
  if (query.sort.rfind(kSummaryPrefix, 0) == 0) {
    const std::string key = query.sort.substr(kSummaryPrefix.size());
    std::stable_sort(runs.begin(), runs.end(), [&](const auto& left, const auto& right) {
      const Json* a = SummaryValue(left, key);
      const Json* b = SummaryValue(right, key);
      if (a == nullptr || b == nullptr) return a != nullptr;  // missing values last
      return descending ? *b < *a : *a < *b;
    });
    return;
  }
  std::stable_sort(runs.begin(), runs.end(), [&](const auto& left, const auto& right) {
    const int order = CompareRuns(left, right, query.sort, now_ms);
    return descending ? order > 0 : order < 0;
  });
}

std::string ProjectPageUrl(const std::string& entity, const std::string& project,
                           const RunsTableQuery& query) {
  std::string url = "/" + entity + "/" + project;
  std::string parameters;
  auto add = [&](std::string_view name, const std::string& value) {
    parameters += (parameters.empty() ? "?" : "&") + std::string(name) + "=" +
                  templating::UrlQuote(value, /*for_query=*/true);
  };
  if (!query.state.empty()) add("state", query.state);
  if (query.columns_given) {
    std::string columns;
    for (const auto& column : query.columns) columns += (columns.empty() ? "" : ",") + column;
    add("columns", columns);
  }
  if (query.sort != "created" || !query.descending) {
    add("sort", query.sort);
    add("order", query.descending ? "desc" : "asc");
  }
  return url + parameters;
}

std::string RenderProjectPage(const RunsPageData& data) {
  const std::string title = data.entity + "/" + data.project;
  std::string html = PageStart(title + " · runhook",
                               "/ " + HtmlEscape(data.entity) + " / " + HtmlEscape(data.project));
  html += "<h1>" + HtmlEscape(title) + "</h1>\n";
  html += StateFilters(data) + ColumnsForm(data);
  html += "<table id=\"runs\">\n<thead><tr>" + SortHeader(data, "name", "name") +
          SortHeader(data, "state", "state") + SortHeader(data, "created", "created") +
          SortHeader(data, "runtime", "runtime");
  for (const auto& column : data.query.columns)
    html += SortHeader(data, std::string(kSummaryPrefix) + column, column);
  html += "</tr></thead>\n<tbody>\n";
  const std::string runs_path = "/" + data.entity + "/" + data.project + "/runs/";
  for (const auto& run : data.runs) {
    const std::string state(core::ToString(run.state));
    html += "<tr class=\"run\" data-run-id=\"" + HtmlEscape(run.key.id) + "\"><td>" +
            Link(runs_path + run.key.id, HtmlEscape(run.name.empty() ? run.key.id : run.name)) +
            "</td><td>" + StateBadge(state) + "</td><td>" +
            HtmlEscape(core::FormatIso8601(run.created_at_ms)) + "</td><td class=\"number\">" +
            HtmlEscape(FormatDuration(core::RuntimeSeconds(run, data.now_ms))) + "</td>";
    for (const auto& column : data.query.columns) {
      const Json* value = SummaryValue(run, column);
      html += "<td class=\"number\">" + (value ? HtmlEscape(CellText(*value)) : std::string()) +
              "</td>";
    }
    html += "</tr>\n";
  }
  html += "</tbody>\n</table>\n";
  if (data.runs.empty()) html += "<p class=\"muted\">No runs match.</p>\n";
  if (data.truncated)
    html += "<p class=\"muted\">Showing the newest " + std::to_string(data.runs.size()) +
            " runs only.</p>\n";
  return html + PageEnd();
}

}  // namespace runhook::server
