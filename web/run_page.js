// runhook run page: draws one Chart.js line chart per metric from the downsampled series
// endpoint, zooms by asking the server for a step range, refreshes a live run in place, and
// redelivers through the JSON API. Served embedded at /static/run_page.js after Chart.js.
// The page works without this script except for the charts (see src/server/run_page.h for the
// DOM contract this script keeps).
(function () {
  "use strict";

  var POLL_MS = 2000;
  var DELIVERY_POLL_WINDOW_MS = 5 * 60 * 1000;  // pending deliveries are re-read this long
  var MAX_POINTS = 1000;
  var TERMINAL = { finished: true, failed: true };

  var root = document.getElementById("run");
  if (!root) return;
  var runPath = "/" + root.dataset.entity + "/" + root.dataset.project + "/runs/" +
      root.dataset.runId;
  var apiBase = "/api/v1/runs/" + root.dataset.entity + "/" + root.dataset.project + "/" +
      root.dataset.runId;
  var chartsDiv = document.getElementById("charts");
  var charts = {};        // key -> {chart, canvas, figure, zoom: {min, max} | null}
  var state = root.dataset.state;
  var deliveryPollUntil = Date.now() + DELIVERY_POLL_WINDOW_MS;
  var lastDeliveriesText = "";

  function getJson(url, options) {
    return fetch(url, Object.assign({ headers: { Accept: "application/json" } }, options || {}))
      .then(function (response) {
        if (!response.ok) throw new Error(url + " answered HTTP " + response.status);
        return response.json();
      });
  }

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // ---- charts ----

  function findCanvas(key) {
    var canvases = chartsDiv.querySelectorAll("canvas.metric-chart");
    for (var i = 0; i < canvases.length; i++) if (canvases[i].dataset.key === key) return canvases[i];
    return null;
  }

  function numberOrNull(input) {
    return input.value.trim() === "" ? null : Number(input.value);
  }

  function addZoomControls(entry) {
    var controls = element("div", { class: "zoom" });
    var minInput = element("input", { type: "number", placeholder: "min step", "aria-label": "min step" });
    var maxInput = element("input", { type: "number", placeholder: "max step", "aria-label": "max step" });
    var zoomButton = element("button", { type: "button" }, "zoom");
    var resetButton = element("button", { type: "button" }, "reset");
    controls.append("steps ", minInput, " to ", maxInput, " ", zoomButton, " ", resetButton);
    entry.figure.appendChild(controls);
    entry.minInput = minInput;
    entry.maxInput = maxInput;
    zoomButton.addEventListener("click", function () {
      setZoom(entry, numberOrNull(minInput), numberOrNull(maxInput));
    });
    resetButton.addEventListener("click", function () { setZoom(entry, null, null); });
    // Drag across the chart to zoom into those steps.
    var dragStart = null;
    entry.canvas.addEventListener("mousedown", function (event) { dragStart = event.offsetX; });
    entry.canvas.addEventListener("mouseup", function (event) {
      if (dragStart === null || !entry.chart) return;
      var from = Math.min(dragStart, event.offsetX), to = Math.max(dragStart, event.offsetX);
      dragStart = null;
      if (to - from < 5) return;
      var scale = entry.chart.scales.x;
      setZoom(entry, Math.floor(scale.getValueForPixel(from)), Math.ceil(scale.getValueForPixel(to)));
    });
  }

  // The server takes steps >= 0 with min <= max; anything else is clamped or swapped here.
  function setZoom(entry, min, max) {
    if (min !== null) min = Math.max(0, Math.floor(min));
    if (max !== null) max = Math.max(0, Math.ceil(max));
    if (min !== null && max !== null && min > max) { var low = max; max = min; min = low; }
    entry.zoom = (min === null && max === null) ? null : { min: min, max: max };
    entry.minInput.value = min === null ? "" : String(min);
    entry.maxInput.value = max === null ? "" : String(max);
    loadSeries([entry.key]);
  }

  function chartEntry(key) {
    if (charts[key]) return charts[key];
    var canvas = findCanvas(key);
    var figure;
    if (canvas) {
      figure = canvas.closest("figure") || canvas.parentNode;
    } else {
      figure = element("figure", { class: "chart", "data-key": key });
      figure.appendChild(element("figcaption", {}, key));
      canvas = element("canvas", { class: "metric-chart", "data-key": key });
      var box = element("div", { class: "chart-box" });
      box.appendChild(canvas);
      figure.appendChild(box);
      chartsDiv.appendChild(figure);
    }
    var note = element("div", { class: "chart-note muted" });
    figure.appendChild(note);
    var entry = { key: key, canvas: canvas, figure: figure, note: note, chart: null, zoom: null };
    addZoomControls(entry);
    charts[key] = entry;
    return entry;
  }

  function draw(series) {
    var entry = chartEntry(series.key);
    var data = series.points.map(function (point) { return { x: point[0], y: point[1] }; });
    if (!entry.chart) {
      entry.chart = new Chart(entry.canvas, {
        type: "line",
        data: { datasets: [{ label: series.key, data: data, borderColor: "#0b4fa8",
                             backgroundColor: "#0b4fa8", borderWidth: 1.5, pointRadius: 0,
                             pointHitRadius: 4 }] },
        options: {
          animation: false, parsing: false, normalized: true, responsive: true,
          maintainAspectRatio: false, interaction: { mode: "nearest", intersect: false, axis: "x" },
          scales: { x: { type: "linear", title: { display: true, text: "step" } } },
          plugins: { legend: { display: false } }
        }
      });
    } else {
      entry.chart.data.datasets[0].data = data;
      entry.chart.update("none");
    }
    entry.canvas.dataset.points = String(data.length);
    entry.note.textContent = series.downsampled
        ? data.length + " of " + series.total_points + " points (downsampled on the server)"
        : data.length + " points";
  }

  function seriesUrl(keys, zoom) {
    var parameters = ["max_points=" + MAX_POINTS];
    keys.forEach(function (key) { parameters.push("key=" + encodeURIComponent(key)); });
    if (zoom && zoom.min !== null) parameters.push("min_step=" + zoom.min);
    if (zoom && zoom.max !== null) parameters.push("max_step=" + zoom.max);
    return apiBase + "/series?" + parameters.join("&");
  }

  // Every key without a zoom in one request; each zoomed key (or each of `keys`) on its own.
  function loadSeries(keys) {
    var requests = [];
    if (!keys) {
      requests.push(getJson(seriesUrl([], null)).then(function (answer) {
        answer.series.forEach(function (series) {
          var entry = charts[series.key];
          if (!entry || !entry.zoom) draw(series);
        });
        markEmptyCanvases();
      }));
      keys = Object.keys(charts).filter(function (key) { return charts[key].zoom; });
    }
    keys.forEach(function (key) {
      requests.push(getJson(seriesUrl([key], charts[key] && charts[key].zoom)).then(function (answer) {
        answer.series.forEach(draw);
      }));
    });
    return Promise.all(requests).catch(reportError);
  }

  function markEmptyCanvases() {
    chartsDiv.querySelectorAll("canvas.metric-chart").forEach(function (canvas) {
      if (canvas.dataset.points === undefined) {
        canvas.dataset.points = "0";
        chartEntry(canvas.dataset.key).note.textContent = "no logged points";
      }
    });
  }

  // ---- the run's facts, config and summary ----

  function cellText(value) {
    if (typeof value === "string") return value;
    if (value !== null && typeof value === "object") return JSON.stringify(value, null, 2);
    return JSON.stringify(value);
  }

  function formatDuration(seconds) {
    if (!isFinite(seconds) || seconds < 0) seconds = 0;
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    if (seconds < 60) return seconds.toFixed(1) + " s";
    var whole = Math.floor(seconds);
    if (seconds < 3600) return Math.floor(whole / 60) + " min " + pad(whole % 60) + " s";
    var minutes = Math.floor(seconds / 60);
    return Math.floor(minutes / 60) + " h " + pad(minutes % 60) + " min";
  }

  function fillKeyValues(id, object) {
    var table = document.getElementById(id);
    if (!table) return;
    var body = element("tbody");
    Object.keys(object || {}).forEach(function (key) {
      var row = element("tr", { "data-key": key });
      row.appendChild(element("th", {}, key));
      row.appendChild(element("td", {}, cellText(object[key])));
      body.appendChild(row);
    });
    if (table.innerHTML === body.outerHTML) return;
    table.replaceChildren(body);
    var note = table.previousElementSibling;
    if (note && note.classList.contains("empty-note")) note.hidden = body.children.length > 0;
  }

  function setText(id, text) {
    var node = document.getElementById(id);
    if (node && node.textContent !== text) node.textContent = text;
  }

  function showRun(run) {
    state = run.state;
    root.dataset.state = state;
    var badge = document.getElementById("run-state");
    badge.textContent = state;
    badge.className = "badge state-" + state;
    var failure = document.getElementById("failure-reason");
    if (failure) {
      failure.hidden = !run.failure_reason;
      failure.textContent = run.failure_reason ? "failure reason: " + run.failure_reason : "";
    }
    setText("run-finished", run.finished_at || "-");
    setText("run-heartbeat", run.heartbeat_at);
    setText("run-runtime", formatDuration(run.runtime));
    setText("run-last-step", run.last_step < 0 ? "none" : String(run.last_step));
    fillKeyValues("config", run.config);
    fillKeyValues("summary", run.summary);
  }

  // ---- deliveries ----

  // Swaps in the delivery rows the server renders (GET RUN_PAGE/deliveries, the same markup as
  // the page), keeping open request details open.
  function showDeliveries(html) {
    if (html === lastDeliveriesText) return;
    lastDeliveriesText = html;
    var table = document.getElementById("deliveries");
    var open = {};
    table.querySelectorAll("tbody.delivery").forEach(function (body) {
      var details = body.querySelector("details");
      if (details && details.open) open[body.dataset.deliveryId] = true;
      body.remove();
    });
    var template = document.createElement("template");
    template.innerHTML = "<table>" + html + "</table>";
    var bodies = template.content.querySelectorAll("tbody.delivery");
    bodies.forEach(function (body) {
      if (open[body.dataset.deliveryId]) body.querySelector("details").open = true;
      table.appendChild(body);
    });
    var none = document.getElementById("no-deliveries");
    if (none) none.hidden = bodies.length > 0;
  }

  function anyDeliveryPending() {
    return document.querySelector('#deliveries tbody.delivery[data-state="pending"]') !== null;
  }

  function loadDeliveries() {
    return fetch(runPath + "/deliveries", { headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error(runPath + "/deliveries answered HTTP " + response.status);
        return response.text();
      })
      .then(showDeliveries)
      .catch(reportError);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("redeliver-form")) return;
    event.preventDefault();
    var id = form.closest("tbody.delivery").dataset.deliveryId;
    var button = form.querySelector("button");
    button.disabled = true;
    getJson("/api/v1/deliveries/" + id + "/redeliver", { method: "POST" })
      .then(function () {
        deliveryPollUntil = Date.now() + DELIVERY_POLL_WINDOW_MS;
        return loadDeliveries();
      })
      .catch(reportError)
      .then(function () { button.disabled = false; schedule(); });
  });

  // ---- live refresh ----

  var timer = null;

  function schedule() {
    if (timer !== null) return;
    var live = !TERMINAL[state];
    var deliveriesLive = anyDeliveryPending() && Date.now() < deliveryPollUntil;
    if (!live && !deliveriesLive) return;
    timer = setTimeout(function () {
      timer = null;
      poll(live).then(schedule);
    }, POLL_MS);
  }

  // One refresh: the run and its series while it was live, and its deliveries.
  function poll(runWasLive) {
    var work = [loadDeliveries()];
    if (runWasLive) {
      work.push(getJson(apiBase).then(function (answer) {
        showRun(answer.run);
        if (TERMINAL[state]) deliveryPollUntil = Date.now() + DELIVERY_POLL_WINDOW_MS;
      }).catch(reportError));
      work.push(loadSeries());
    }
    return Promise.all(work);
  }

  function reportError(error) {
    if (window.console) console.warn("runhook run page:", error);
  }

  if (typeof Chart === "undefined") {
    reportError(new Error("Chart.js did not load; charts are not drawn"));
    schedule();
    return;
  }
  loadSeries().then(schedule);
})();
