// run.url opens a readable HTML page of the run, with every value escaped.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support.h"

namespace runhook::server::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(RunPage, RunUrlOpensAPageWithIdNameStateConfigAndHooks) {
  TestServer server;
  Json run = server.CreateRun(Json::parse(R"({"entity": "alice", "project": "webhook-demo",
      "name": "bright-river-12", "config": {"learning_rate": 0.001},
      "hooks": [{"name": "notify", "run_state": "finished", "url": "http://127.0.0.1:9/recv"}]})"));
  const std::string path = TestServer::RunPath(run);
  ASSERT_EQ(server
                .Post(path + "/history",
                      Json::parse(R"({"rows": [{"step": 0, "values": {"loss": 0.125}}]})"))
                .status,
            200);
  ASSERT_EQ(server.Post(path + "/finish", Json{{"exit_code", 0}}).status, 200);

  const std::string url = run["url"];
  ASSERT_EQ(url.rfind(server.public_url(), 0), 0u);
  HttpAnswer page = server.Get(url.substr(server.public_url().size()));
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_THAT(page.content_type, HasSubstr("text/html"));
  EXPECT_THAT(page.body, HasSubstr(run["id"].get<std::string>()));
  EXPECT_THAT(page.body, HasSubstr("bright-river-12"));
  EXPECT_THAT(page.body, HasSubstr("finished"));
  EXPECT_THAT(page.body, HasSubstr("learning_rate"));
  EXPECT_THAT(page.body, HasSubstr("0.125"));
  EXPECT_THAT(page.body, HasSubstr("notify"));
  EXPECT_THAT(page.body, HasSubstr("Delivery "));
}

TEST(RunPage, ValuesAreHtmlEscaped) {
  TestServer server;
  Json run = server.CreateRun(Json::parse(R"({"project": "p", "name": "<script>alert(1)</script>",
      "config": {"<b>": "\"quoted\" & 'single'"}})"));
  HttpAnswer page = server.Get("/" + run["entity"].get<std::string>() + "/p/runs/" +
                               run["id"].get<std::string>());
  ASSERT_EQ(page.status, 200);
  EXPECT_THAT(page.body, Not(HasSubstr("<script>alert(1)")));
  EXPECT_THAT(page.body, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_THAT(page.body, HasSubstr("&lt;b&gt;"));
}

TEST(RunPage, UnknownRunIs404Page) {
  TestServer server;
  HttpAnswer page = server.Get("/alice/webhook-demo/runs/nobody");
  EXPECT_EQ(page.status, 404);
  EXPECT_THAT(page.content_type, HasSubstr("text/html"));
  EXPECT_THAT(page.body, HasSubstr("run &#39;alice/webhook-demo/nobody&#39; not found"));
}

}  // namespace
}  // namespace runhook::server::testing
