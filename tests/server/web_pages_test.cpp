// The web UI's pages: the renderers (pure) and the routes through a real server.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "server/page_layout.h"
#include "server/project_pages.h"
#include "server/run_page.h"
#include "server/static_assets.h"
#include "test_support.h"

namespace runhook::server::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

core::RunRecord MakeRun(const std::string& id, const std::string& name, core::RunState state,
                        int64_t created_at_ms, Json summary = Json::object()) {
  core::RunRecord run;
  run.key = core::RunKey{"alice", "demo", id};
  run.name = name;
  run.state = state;
  run.created_at_ms = created_at_ms;
  run.heartbeat_at_ms = created_at_ms;
  run.summary = std::move(summary);
  return run;
}

DeliveryWithAttempts MakeDelivery(int64_t id, core::DeliveryState state) {
  DeliveryWithAttempts item;
  item.delivery.id = id;
  item.delivery.run = core::RunKey{"alice", "demo", "r1"};
  item.delivery.event_type = "finished";
  item.delivery.state = state;
  item.delivery.attempt_count = 1;
  item.delivery.request.hook_name = "notify";
  item.delivery.request.method = "POST";
  item.delivery.request.url = "http://127.0.0.1:9/hook?token=***";
  item.delivery.request.max_attempts = 5;
  core::Attempt attempt;
  attempt.delivery_id = id;
  attempt.number = 1;
  attempt.status_code = 200;
  attempt.latency_ms = 12.5;
  attempt.response_excerpt = "<ok>";
  item.attempts.push_back(attempt);
  return item;
}

TEST(RunPageRenderer, TitleNamesTheRunAndValuesAreEscaped) {
  RunPageData data;
  data.run = MakeRun("r1", "<b>bright</b>", core::RunState::kFailed, 1'000);
  data.run.failure_reason = "crashed";
  data.run.config = Json{{"lr<", "a&b"}, {"layers", 3}};
  const std::string html = RenderRunPage(data);
  EXPECT_THAT(html, HasSubstr("<title>&lt;b&gt;bright&lt;/b&gt; · alice/demo · runhook</title>"));
  EXPECT_THAT(html, Not(HasSubstr("<b>bright")));
  EXPECT_THAT(html, HasSubstr("<span id=\"run-state\" class=\"badge state-failed\">failed</span>"));
  EXPECT_THAT(html, HasSubstr("failure reason: crashed"));
  EXPECT_THAT(html, HasSubstr("<tr data-key=\"lr&lt;\"><th>lr&lt;</th><td>a&amp;b</td></tr>"));
  EXPECT_THAT(html, HasSubstr("<tr data-key=\"layers\"><th>layers</th><td>3</td></tr>"));
  EXPECT_THAT(html, HasSubstr("<table id=\"summary\""));
  EXPECT_THAT(html, HasSubstr("<table id=\"hooks\">"));
}

TEST(RunPageRenderer, ChartsOnlyForLoggedNumericSummaryKeys) {
  RunPageData data;
  data.run = MakeRun("r1", "n", core::RunState::kRunning, 1'000,
                     Json{{"loss", 0.5}, {"val/acc", 1}, {"note", "text"}, {"best", 2}});
  data.run.summary_state = Json{{"set", {{"best", true}}}};
  const std::string html = RenderRunPage(data);
  EXPECT_THAT(html, HasSubstr("<div id=\"charts\""));
  EXPECT_THAT(html, HasSubstr("<canvas class=\"metric-chart\" data-key=\"loss\">"));
  EXPECT_THAT(html, HasSubstr("<canvas class=\"metric-chart\" data-key=\"val/acc\">"));
  EXPECT_THAT(html, Not(HasSubstr("data-key=\"note\"></canvas>")));
  EXPECT_THAT(html, Not(HasSubstr("<canvas class=\"metric-chart\" data-key=\"best\">")));
  EXPECT_EQ(ChartKeys(data.run), (std::vector<std::string>{"loss", "val/acc"}));
}

TEST(RunPageRenderer, DeliveriesFollowTheDomContract) {
  RunPageData data;
  data.run = MakeRun("r1", "n", core::RunState::kFinished, 1'000);
  data.deliveries.push_back(MakeDelivery(7, core::DeliveryState::kDelivered));
  const std::string html = RenderRunPage(data);
  EXPECT_THAT(html, HasSubstr("<table id=\"deliveries\">"));
  EXPECT_THAT(html, HasSubstr("<tbody class=\"delivery\" id=\"delivery-7\" data-delivery-id=\"7\" "
                              "data-state=\"delivered\">"));
  EXPECT_THAT(html, HasSubstr("<td class=\"delivery-state\"><span class=\"badge "
                              "state-delivered\">delivered</span></td>"));
  EXPECT_THAT(html, HasSubstr("<form class=\"redeliver-form\" method=\"post\" "
                              "action=\"/alice/demo/runs/r1/deliveries/7/redeliver\"><button "
                              "class=\"redeliver\" type=\"submit\">Redeliver</button></form>"));
  EXPECT_THAT(html, HasSubstr("<tr class=\"attempt\">"));
  EXPECT_THAT(html, HasSubstr("<td class=\"attempt-status\">200</td>"));
  EXPECT_THAT(html, HasSubstr("<td class=\"attempt-latency\">12.5 ms</td>"));
  EXPECT_THAT(html, HasSubstr("<pre>&lt;ok&gt;</pre>"));
  EXPECT_THAT(html, HasSubstr("token=***"));
  EXPECT_THAT(html, HasSubstr(StaticAssetUrl("run_page.js")));
}

TEST(PageFormatting, LatenciesShowTwoOrThreeSignificantDigits) {
  EXPECT_EQ(FormatMilliseconds(0.4234), "0.42 ms");
  EXPECT_EQ(FormatMilliseconds(3.282704), "3.3 ms");
  EXPECT_EQ(FormatMilliseconds(1530.4), "1530 ms");
  EXPECT_EQ(FormatMilliseconds(-1), "0.00 ms");
}

TEST(ProjectsPageRenderer, ListsProjectsAsEscapedLinks) {
  const std::string html = RenderProjectsPage({store::ProjectInfo{"alice", "demo", 3, 0}});
  EXPECT_THAT(html, HasSubstr("<table id=\"projects\">"));
  EXPECT_THAT(html, HasSubstr("<tr class=\"project\"><td><a href=\"/alice/demo\">alice/demo</a>"
                              "</td><td class=\"number\">3</td>"));
}

TEST(RunsTableQuery, ParsesAndRejectsWithTheParameterNamed) {
  auto query = ParseRunsTableQuery({{"state", "running"},
                                    {"columns", "loss,acc,loss"},
                                    {"sort", "summary.loss"},
                                    {"order", "asc"}});
  ASSERT_TRUE(query) << query.error().message;
  EXPECT_EQ(query->state, "running");
  EXPECT_EQ(query->columns, (std::vector<std::string>{"loss", "acc"}));
  EXPECT_EQ(query->sort, "summary.loss");
  EXPECT_FALSE(query->descending);
  EXPECT_THAT(ParseRunsTableQuery({{"state", "sleeping"}}).error().message,
              HasSubstr("'state': unknown state 'sleeping'"));
  EXPECT_THAT(ParseRunsTableQuery({{"sort", "color"}}).error().message,
              HasSubstr("'sort': unknown column 'color'"));
  EXPECT_THAT(ParseRunsTableQuery({{"order", "up"}}).error().message, HasSubstr("'order'"));
}

TEST(RunsTableQuery, SortsBySummaryWithMissingValuesLast) {
  std::vector<core::RunRecord> runs = {
      MakeRun("a", "a", core::RunState::kFinished, 1, Json{{"loss", 0.5}}),
      MakeRun("b", "b", core::RunState::kFinished, 2, Json::object()),
      MakeRun("c", "c", core::RunState::kFinished, 3, Json{{"loss", 0.1}})};
  RunsTableQuery query;
  query.sort = "summary.loss";
  query.descending = false;
  SortRuns(runs, query, 10);
  EXPECT_EQ(runs[0].key.id, "c");
  EXPECT_EQ(runs[1].key.id, "a");
  EXPECT_EQ(runs[2].key.id, "b");
  query.descending = true;
  SortRuns(runs, query, 10);
  EXPECT_EQ(runs[0].key.id, "a");
  EXPECT_EQ(runs[2].key.id, "b");
  query.sort = "name";
  SortRuns(runs, query, 10);
  EXPECT_EQ(runs[0].key.id, "c");
}

TEST(ProjectPageRenderer, SortAndFilterLinksKeepTheOtherParameters) {
  RunsPageData data;
  data.entity = "alice";
  data.project = "demo";
  data.runs = {MakeRun("r1", "<i>one</i>", core::RunState::kRunning, 1, Json{{"a&b", 1}})};
  data.query.state = "running";
  data.query.columns = DefaultSummaryColumns(data.runs);
  const std::string html = RenderProjectPage(data);
  EXPECT_THAT(html, HasSubstr("<table id=\"runs\">"));
  EXPECT_THAT(html, HasSubstr("<tr class=\"run\" data-run-id=\"r1\"><td><a "
                              "href=\"/alice/demo/runs/r1\">&lt;i&gt;one&lt;/i&gt;</a></td><td>"
                              "<span class=\"badge state-running\">running</span>"));
  // The current sort (created, descending) flips; the others start descending; state stays.
  EXPECT_THAT(html, HasSubstr("href=\"/alice/demo?state=running&amp;sort=created&amp;order=asc\""));
  EXPECT_THAT(html, HasSubstr("href=\"/alice/demo?state=running&amp;sort=name&amp;order=desc\""));
  EXPECT_THAT(html, HasSubstr("href=\"/alice/demo?state=running&amp;sort=summary.a%26b&amp;order="
                              "desc\" class=\"sort\">a&amp;b</a>"));
  EXPECT_THAT(html, HasSubstr("<a href=\"/alice/demo?state=failed\" class=\"filter\">failed</a>"));
  EXPECT_THAT(html, HasSubstr("<a href=\"/alice/demo\" class=\"filter\">all</a>"));
  EXPECT_THAT(html, HasSubstr("<title>alice/demo · runhook</title>"));
}

TEST(StaticAssets, ChartJsAndTheFrontEndAreEmbedded) {
  const StaticAsset* chart = FindStaticAsset("chart.min.js");
  ASSERT_NE(chart, nullptr);
  EXPECT_GT(chart->content.size(), 100'000u);
  EXPECT_THAT(std::string(chart->content.substr(0, 200)), HasSubstr("Chart.js v3.9.1"));
  EXPECT_EQ(chart->content_type, "text/javascript; charset=utf-8");
  ASSERT_NE(FindStaticAsset("run_page.js"), nullptr);
  ASSERT_NE(FindStaticAsset("style.css"), nullptr);
  EXPECT_EQ(FindStaticAsset("style.css")->content_type, "text/css; charset=utf-8");
  EXPECT_EQ(FindStaticAsset("missing.js"), nullptr);
  EXPECT_THAT(StaticAssetUrl("style.css"), StartsWith("/static/style.css?v="));
}

TEST(WebRoutes, ServeProjectsProjectAndStaticFiles) {
  TestServer server;
  Json run = server.CreateRun(Json::parse(R"({"entity": "alice", "project": "demo",
      "name": "first"})"));
  HttpAnswer home = server.Get("/");
  ASSERT_EQ(home.status, 200);
  EXPECT_THAT(home.content_type, HasSubstr("text/html"));
  EXPECT_THAT(home.body, HasSubstr("href=\"/alice/demo\""));
  HttpAnswer project = server.Get("/alice/demo?sort=name&order=asc");
  ASSERT_EQ(project.status, 200) << project.body;
  EXPECT_THAT(project.body, HasSubstr("data-run-id=\"" + run["id"].get<std::string>() + "\""));
  EXPECT_EQ(server.Get("/alice/demo?state=sleeping").status, 400);
  HttpAnswer script = server.Get("/static/chart.min.js");
  ASSERT_EQ(script.status, 200);
  EXPECT_EQ(script.content_type, "text/javascript; charset=utf-8");
  EXPECT_GT(script.body.size(), 100'000u);
  EXPECT_EQ(server.Get("/static/nothing.js").status, 404);
  // A wrong API path still gets the JSON 404, not a page.
  EXPECT_THAT(server.Get("/api/v2").content_type, HasSubstr("application/json"));
}

TEST(WebRoutes, RedeliverFormAnswers303ToTheRunPageAndMasksSecrets) {
  constexpr const char* kPlanted = "planted-secret-value-123";
  Receiver receiver;
  TestServer server;
  ASSERT_EQ(server.Put("/api/v1/secrets/TOKEN", Json{{"value", kPlanted}}).status, 200);
  Json run =
      server.CreateRun(Json{{"entity", "alice"},
                            {"project", "demo"},
                            {"hooks",
                             {{{"name", "notify"},
                               {"run_state", "finished"},
                               {"url", receiver.Url("/hook")},
                               {"headers", {{"Authorization", "Bearer {{ secrets.TOKEN }}"}}}}}}});
  const std::string api_path = TestServer::RunPath(run);
  ASSERT_EQ(server.Post(api_path + "/finish", Json{{"exit_code", 0}}).status, 200);
  ASSERT_EQ(receiver.WaitForRequests(1).size(), 1u);
  Json deliveries;
  ASSERT_TRUE(WaitFor([&] {
    deliveries = server.Get(api_path + "/deliveries").json["deliveries"];
    return deliveries.size() == 1 && deliveries[0]["state"] == "delivered";
  }));
  const std::string page_path = "/alice/demo/runs/" + run["id"].get<std::string>();
  const std::string delivery_id = deliveries[0]["id"].dump();

  HttpAnswer redirect = server.Post(page_path + "/deliveries/" + delivery_id + "/redeliver", "");
  EXPECT_EQ(redirect.status, 303);
  ASSERT_EQ(receiver.WaitForRequests(2).size(), 2u);
  HttpAnswer page = server.Get(page_path);
  EXPECT_THAT(page.body, HasSubstr("Bearer ***"));
  EXPECT_THAT(page.body, Not(HasSubstr(kPlanted)));
  EXPECT_EQ(
      server.Post("/alice/demo/runs/other/deliveries/" + delivery_id + "/redeliver", "").status,
      404);
}

}  // namespace
}  // namespace runhook::server::testing
