"""The web UI against the real server: the projects page, a project's runs table (sorting,
filtering, columns), a run page's HTML, the embedded static files, and the no-JavaScript
redeliver form (303 back to the run page, then a new attempt)."""
import http.client
import re
import urllib.parse

from conftest import wait_for


def create_run(server, project, name, loss, hooks=None, finish=True):
    status, answer = server.post("/api/v1/runs", {"entity": "alice", "project": project,
                                                  "name": name, "config": {"lr": 0.01},
                                                  "hooks": hooks or []})
    assert status == 201, answer
    run = answer["run"]
    path = f"/api/v1/runs/alice/{project}/{run['id']}"
    assert server.post(path + "/start")[0] == 200
    rows = [{"step": step, "values": {"loss": loss / (step + 1), "val/acc": 0.5}}
            for step in range(20)]
    assert server.post(path + "/history", {"rows": rows})[0] == 200
    if finish:
        assert server.post(path + "/finish", {"exit_code": 0})[0] == 200
    return run


def raw_request(server, method, path):
    """(status, headers, body bytes) without following redirects."""
    parsed = urllib.parse.urlparse(server.url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
    try:
        connection.request(method, path, body=b"" if method == "POST" else None)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def run_ids_in_order(html):
    return re.findall(r'<tr class="run" data-run-id="([^"]+)"', html)


def test_projects_and_runs_table_sort_and_filter(server):
    first = create_run(server, "vision", "alpha", loss=3.0)
    second = create_run(server, "vision", "beta", loss=1.0)
    running = create_run(server, "vision", "gamma", loss=2.0, finish=False)
    create_run(server, "audio", "<script>x</script>", loss=1.0)

    status, home = server.get("/")
    assert status == 200
    assert '<table id="projects">' in home
    assert '<a href="/alice/vision">alice/vision</a>' in home
    assert home.count('<tr class="project">') == 2
    # Most recently active first, with its run count.
    assert home.index("alice/audio") < home.index("alice/vision")
    assert re.search(r'alice/vision</a></td><td class="number">3</td>', home)

    status, page = server.get("/alice/vision")
    assert status == 200
    assert run_ids_in_order(page) == [running["id"], second["id"], first["id"]]  # newest first
    assert 'class="badge state-running"' in page
    assert "summary.loss" in page  # loss is a default summary column

    _, by_loss = server.get("/alice/vision?sort=summary.loss&order=asc")
    assert run_ids_in_order(by_loss) == [second["id"], running["id"], first["id"]]
    _, by_name = server.get("/alice/vision?sort=name&order=desc")
    assert run_ids_in_order(by_name) == [running["id"], second["id"], first["id"]]

    _, only_running = server.get("/alice/vision?state=running")
    assert run_ids_in_order(only_running) == [running["id"]]
    _, chosen = server.get("/alice/vision?columns=val/acc")
    assert '<th data-column="summary.val/acc">' in chosen
    assert 'data-column="summary.loss"' not in chosen

    status, bad = server.get("/alice/vision?state=sleeping")
    assert status == 400 and "unknown state" in bad

    _, audio = server.get("/alice/audio")
    assert "<script>x</script>" not in audio
    assert "&lt;script&gt;x&lt;/script&gt;" in audio


def test_run_page_html_and_static_assets(server):
    run = create_run(server, "vision", "bright-river", loss=2.0)
    status, page = server.get(f"/alice/vision/runs/{run['id']}")
    assert status == 200
    assert "<title>bright-river · alice/vision · runhook</title>" in page
    assert '<span id="run-state" class="badge state-finished">finished</span>' in page
    assert '<tr data-key="lr"><th>lr</th><td>0.01</td></tr>' in page
    assert '<canvas class="metric-chart" data-key="loss">' in page
    assert '<canvas class="metric-chart" data-key="val/acc">' in page
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert [s.split("?")[0] for s in scripts] == ["/static/chart.min.js", "/static/run_page.js"]
    assert "http://" not in " ".join(scripts) and "https://" not in page

    for path, content_type, marker in [(scripts[0], "text/javascript", b"Chart.js v3.9.1"),
                                       (scripts[1], "text/javascript", b"metric-chart"),
                                       ("/static/style.css", "text/css", b".badge")]:
        status, headers, body = raw_request(server, "GET", path)
        assert status == 200, path
        assert headers["Content-Type"].startswith(content_type), headers
        assert "max-age=31536000" in headers["Cache-Control"]
        assert marker in body
    assert len(raw_request(server, "GET", scripts[0])[2]) > 100_000
    assert raw_request(server, "GET", "/static/nothing.js")[0] == 404


def test_redeliver_form_without_javascript(server, listener):
    run = create_run(server, "hooks", "notified", loss=1.0,
                     hooks=[{"name": "notify", "run_state": "finished", "url": listener.url}])
    listener.wait_for_requests(1)
    run_path = f"/api/v1/runs/alice/hooks/{run['id']}"

    def delivered():
        deliveries = server.get(run_path + "/deliveries")[1]["deliveries"]
        return deliveries if deliveries and deliveries[0]["state"] == "delivered" else None

    delivery = wait_for(delivered, what="the delivery delivered")[0]
    page_path = f"/alice/hooks/runs/{run['id']}"
    status, page = server.get(page_path)
    assert f'data-delivery-id="{delivery["id"]}" data-state="delivered"' in page
    assert page.count('<tr class="attempt">') == 1

    status, headers, _ = raw_request(
        server, "POST", f"{page_path}/deliveries/{delivery['id']}/redeliver")
    assert status == 303
    assert headers["Location"].startswith(page_path)

    listener.wait_for_requests(2)
    wait_for(lambda: server.get(page_path)[1].count('<tr class="attempt">') == 2,
             what="a second attempt row on the run page")
    # The live refresh's fragment: the page's delivery rows, alone.
    status, fragment = server.get(page_path + "/deliveries")
    assert status == 200 and fragment.startswith('<tbody class="delivery"'), fragment[:200]
    assert fragment.count('<tr class="attempt">') == 2 and "<html" not in fragment
    assert fragment in server.get(page_path)[1]
    assert raw_request(server, "POST", f"/alice/hooks/runs/nobody/deliveries/"
                                       f"{delivery['id']}/redeliver")[0] == 404
