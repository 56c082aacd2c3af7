// The web UI's list pages: GET / (every project) and GET /{entity}/{project} (the runs table:
// name, state badge, created, runtime and chosen summary columns, sorted and filtered on the
// server so links work without JavaScript). Every value is escaped. Pure; thread-safe.
//
// DOM contract (the browser test relies on it): the projects page has <table id="projects">
// with one <tr class="project"> per project holding a link to it; the project page has
// <table id="runs"> with one <tr class="run" data-run-id="ID"> per run holding a
// <span class="badge state-STATE">.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/run.h"
#include "store/store.h"

namespace runhook::server {

std::string RenderProjectsPage(const std::vector<store::ProjectInfo>& projects);

// The query of the project page: ?state=S&columns=a,b&sort=COLUMN&order=asc|desc.
// `sort` is "name", "state", "created", "runtime" or "summary.KEY" (KEY a summary key).
struct RunsTableQuery {
  std::string state;                 // "" means every state
  std::vector<std::string> columns;  // the summary columns; empty with !columns_given: default
  bool columns_given = false;
  std::string sort = "created";
  bool descending = true;
};

// Reads the query parameters (a multimap as httplib::Params is). Errors: kInvalidArgument
// naming the parameter (an unknown state, sort column or order).
Result<RunsTableQuery> ParseRunsTableQuery(const std::multimap<std::string, std::string>& params);

// The summary columns shown by default: the first `max_columns` distinct summary keys met
// walking the runs in order.
std::vector<std::string> DefaultSummaryColumns(const std::vector<core::RunRecord>& runs,
                                               size_t max_columns = 6);

// Sorts `runs` as `query` says (stable; a run without the sorted summary key goes last).
void SortRuns(std::vector<core::RunRecord>& runs, const RunsTableQuery& query, int64_t now_ms);

struct RunsPageData {
  std::string entity;
  std::string project;
  std::vector<core::RunRecord> runs;  // already filtered by query.state and sorted
  RunsTableQuery query;               // columns filled in (the default ones when none given)
  bool truncated = false;             // the store had more runs than the page lists
  int64_t now_ms = 0;
};

std::string RenderProjectPage(const RunsPageData& data);

// The page's address with `query`, e.g. "/alice/demo?state=running&sort=name&order=asc";
// parameters at their defaults are left out. Not escaped.
std::string ProjectPageUrl(const std::string& entity, const std::string& project,
                           const RunsTableQuery& query);

}  // namespace runhook::server
