"""GET RUN/series end to end: points logged through POST RUN/history come back from the real
server as per-metric series, downsampled (min/max buckets) and by step range."""
import math
import urllib.parse


def create_running_run(server):
    status, answer = server.post("/api/v1/runs", {"entity": "e2e", "project": "series"})
    assert status == 201, answer
    path = f"/api/v1/runs/e2e/series/{answer['run']['id']}"
    status, answer = server.post(path + "/start")
    assert status == 200, answer
    return path


def loss_at(step):
    """A decaying loss with one spike and one dip, so the extremes are known."""
    if step == 1234:
        return 50.0
    if step == 4321:
        return -50.0
    return 1.0 / (step + 1) + 0.01 * math.sin(step)


def log_rows(server, path, batch_id, rows):
    status, answer = server.post(path + "/history", {"batch_id": batch_id, "rows": rows})
    assert status == 200, answer


def get_series(server, path, *pairs):
    status, answer = server.get(path + "/series?" + urllib.parse.urlencode(pairs))
    assert status == 200, answer
    return answer["series"]


def test_logged_points_read_back_downsampled_and_by_range(server):
    path = create_running_run(server)
    total = 5000
    batches = []
    for first in range(0, total, 1000):
        rows = []
        for step in range(first, first + 1000):
            values = {"loss": loss_at(step), "phase": "train", "ok": True}
            if step % 10 == 0:
                values["train/acc"] = step / total
            rows.append({"step": step, "values": values})
        batches.append((f"batch-{first}", rows))
    for batch_id, rows in batches:
        log_rows(server, path, batch_id, rows)
    log_rows(server, path, *batches[0])  # a retried batch is not stored twice

    # Every numeric key, in key order; strings and booleans are not series.
    loss, accuracy = get_series(server, path)
    assert [loss["key"], accuracy["key"]] == ["loss", "train/acc"]

    # Downsampled to the default 1,000 points, extremes kept, in step order.
    assert loss["total_points"] == total
    assert loss["downsampled"] is True
    steps = [point[0] for point in loss["points"]]
    assert len(steps) <= 1000
    assert steps == sorted(steps)
    assert [1234, 50.0] in loss["points"]
    assert [4321, -50.0] in loss["points"]
    for step, value in loss["points"]:
        assert value == loss_at(step)

    # A small series comes back exactly.
    assert accuracy["total_points"] == 500
    assert accuracy["downsampled"] is False
    assert accuracy["points"] == [[step, step / total] for step in range(0, total, 10)]

    # A zoomed range: only its steps, exact when they fit.
    [zoomed] = get_series(server, path, ("key", "loss"), ("min_step", 100), ("max_step", 199))
    assert zoomed["total_points"] == 100
    assert zoomed["downsampled"] is False
    assert zoomed["points"] == [[step, loss_at(step)] for step in range(100, 200)]

    # A zoomed range larger than max_points is downsampled within the range.
    [zoomed] = get_series(server, path, ("key", "loss"), ("min_step", 1000), ("max_step", 2999),
                          ("max_points", 100))
    assert zoomed["total_points"] == 2000
    assert len(zoomed["points"]) <= 100
    assert all(1000 <= step <= 2999 for step, _ in zoomed["points"])
    assert [1234, 50.0] in zoomed["points"]

    # max_points is clamped to [2, 10000]; keys may repeat and contain '/'.
    [tiny] = get_series(server, path, ("key", "loss"), ("max_points", 1))
    assert tiny["points"] == [[1234, 50.0], [4321, -50.0]]
    [everything] = get_series(server, path, ("key", "loss"), ("max_points", 50000))
    assert len(everything["points"]) == total
    assert [series["key"] for series in get_series(
        server, path, ("key", "train/acc"), ("key", "loss"), ("key", "loss"))] == \
        ["loss", "train/acc"]
    [unknown] = get_series(server, path, ("key", "never-logged"))
    assert unknown == {"key": "never-logged", "total_points": 0, "downsampled": False,
                       "points": []}


def test_bad_parameters_and_unknown_runs_are_json_errors(server):
    path = create_running_run(server)
    for query, parameter in [("max_points=abc", "max_points"), ("min_step=-1", "min_step"),
                             ("max_step=x", "max_step"), ("min_step=10&max_step=5", "min_step"),
                             ("key=", "key")]:
        status, answer = server.get(path + "/series?" + query)
        assert status == 400, (query, answer)
        assert answer["error"]["code"] == "invalid_argument", answer
        assert f"'{parameter}'" in answer["error"]["message"], answer

    status, answer = server.get("/api/v1/runs/e2e/series/nosuchrun/series")
    assert status == 404, answer
    assert answer["error"]["code"] == "not_found"
    assert "nosuchrun" in answer["error"]["message"]
    status, answer = server.get("/api/v1/runs/e2e/series/nosuchrun/series?key=loss")
    assert status == 404, answer

    # A run without numeric metrics has no series.
    assert get_series(server, path) == []
