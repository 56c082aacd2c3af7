"""runhook.Api: read runs back from the server (for webhook receivers and scripts), like
wandb.Api, over the JSON API of docs/api.md with the standard library only.

    api = runhook.Api()                       # $RUNHOOK_URL, else the local default (5717)
    run = api.run("alice/webhook-demo/3x9k2mqa")
    run.state, run.config["epochs"], run.summary["loss"], run.url
    run.history(keys=["loss"], samples=500)   # list of dicts, each with "_step"
    for row in run.scan_history(keys=["loss"]): ...
    run.deliveries()                           # the webhook deliveries, newest first

Errors (unknown run, unreachable server, a refused request) raise runhook.Error with the
server's message. Objects here are not shared between threads by the library; use one per
thread or guard them.
"""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence

from runhook import _runhook
from runhook._errors import Error

HISTORY_PAGE_LIMIT = 100_000  # the server's largest page


class Api:
    """A client of one runhook server. `base_url` defaults to $RUNHOOK_URL, `api_key` to
    $RUNHOOK_API_KEY (sent as a Bearer token)."""

    def __init__(self, overrides: Optional[Mapping[str, Any]] = None, timeout: float = 30.0,
                 api_key: Optional[str] = None, base_url: Optional[str] = None) -> None:
        overrides = dict(overrides or {})
        self.base_url = (base_url or overrides.get("base_url") or os.environ.get("RUNHOOK_URL")
                         or _runhook.default_server_url()).rstrip("/")
        self.api_key = api_key or os.environ.get("RUNHOOK_API_KEY") or ""
        self.default_entity = overrides.get("entity") or os.environ.get("RUNHOOK_ENTITY")
        self.timeout = timeout

    def run(self, path: str) -> "ApiRun":
        """The run at "entity/project/id" (also "entity/project/runs/id", a run URL's path, or
        "project/id" with the default entity)."""
        entity, project, run_id = self._split_run_path(path)
        return ApiRun(self, self._get(_run_path(entity, project, run_id))["run"])

    def runs(self, path: str, filters: Optional[Mapping[str, Any]] = None,
             order: Optional[str] = None, per_page: int = 50) -> List["ApiRun"]:
        """The runs of "entity/project" matching `filters`: {"state": "finished",
        "config.epochs": 3, "summary.accuracy": {"$gte": 0.9}, "tags": {"$in": ["a"]}}
        (operators $eq $ne $gt $gte $lt $lte $in $nin), newest first."""
        entity, project = self._split_project_path(path)
        query = {"entity": entity, "project": project}
        if filters:
            query["filters"] = json.dumps(filters)
        if order:
            query["order"] = order
        if isinstance((filters or {}).get("state"), str):
            query["state"] = filters["state"]  # narrowed on the server; the rest here
        answer = self._get("/api/v1/runs", query)
        runs = [ApiRun(self, fields) for fields in answer.get("runs", [])]
        return [run for run in runs if _matches(run._fields, filters or {})]

    # -- HTTP --------------------------------------------------------------------------------

    def _get(self, path: str, query: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
        url = self.base_url + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        headers = {"Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = "Bearer " + self.api_key
        request = urllib.request.Request(url, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            raise Error(f"GET {url} answered {error.code}: {_server_message(error)}") from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise Error(f"cannot reach the runhook server at {self.base_url}: {reason}") from None

    def _split_run_path(self, path: str):
        parts = [part for part in path.strip("/").split("/") if part]
        if len(parts) == 4 and parts[2] == "runs":
            parts = [parts[0], parts[1], parts[3]]
        if len(parts) == 2 and self.default_entity:
            parts = [self.default_entity] + parts
        if len(parts) != 3:
            raise ValueError(f"runhook.Api.run: expected 'entity/project/run_id', got {path!r}")
        return parts

    def _split_project_path(self, path: str):
        parts = [part for part in path.strip("/").split("/") if part]
        if len(parts) == 1 and self.default_entity:
            parts = [self.default_entity] + parts
        if len(parts) != 2:
            raise ValueError(f"runhook.Api.runs: expected 'entity/project', got {path!r}")
        return parts


class ApiRun:
    """A run as the server stores it. Fields of docs/api.md's RUN_JSON are attributes (state,
    config, summary, url, name, tags, exit_code, error, failure_reason, ...); load() re-reads."""

    def __init__(self, api: Api, fields: Dict[str, Any]) -> None:
        self._api = api
        self._fields = fields

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._fields[name]
        except KeyError:
            raise AttributeError(f"runhook.ApiRun has no attribute {name!r}") from None

    @property
    def path(self) -> List[str]:
        return [self.entity, self.project, self.id]

    @property
    def _run_path(self) -> str:
        return _run_path(self.entity, self.project, self.id)

    def load(self, force: bool = True) -> Dict[str, Any]:
        """Re-reads the run from the server; returns its fields."""
        self._fields = self._api._get(self._run_path)["run"]
        return self._fields

    def scan_history(self, keys: Optional[Sequence[str]] = None, page_size: int = 1000,
                     min_step: Optional[int] = None,
                     max_step: Optional[int] = None) -> Iterator[Dict[str, Any]]:
        """Every history row in step order, fetched `page_size` rows at a time; each a dict
        with "_step". With `keys`, only rows holding all of them, with only those keys."""
        if page_size < 1:
            raise ValueError("scan_history: page_size must be at least 1")
        next_step = 0 if min_step is None else min_step
        while True:
            query = {"min_step": next_step, "limit": page_size}
            if max_step is not None:
                query["max_step"] = max_step
            rows = self._api._get(self._run_path + "/history", query).get("rows", [])
            for row in rows:
                selected = _select(row, keys)
                if selected is not None:
                    yield selected
            if len(rows) < page_size:
                return
            next_step = rows[-1]["step"] + 1

    def history(self, keys: Optional[Sequence[str]] = None, samples: int = 500,
                pandas: bool = False, x_axis: str = "_step") -> List[Dict[str, Any]]:
        """At most `samples` rows spread evenly over the history (first and last included),
        as a list of dicts with "_step". With `keys`, only rows holding all of them."""
        if samples < 1:
            raise ValueError("history: samples must be at least 1")
        rows = list(self.scan_history(keys=keys, page_size=HISTORY_PAGE_LIMIT))
        if len(rows) <= samples:
            return rows
        if samples == 1:
            return [rows[-1]]
        last = len(rows) - 1
        return [rows[round(index * last / (samples - 1))] for index in range(samples)]

    def deliveries(self) -> List[Dict[str, Any]]:
        """The run's webhook deliveries, newest first, each with its attempts."""
        return self._api._get(self._run_path + "/deliveries").get("deliveries", [])

    def __repr__(self) -> str:
        return f"<runhook.ApiRun {'/'.join(self.path)} ({self._fields.get('state')})>"


def _run_path(entity: str, project: str, run_id: str) -> str:
    quote = lambda part: urllib.parse.quote(part, safe="")  # noqa: E731
    return f"/api/v1/runs/{quote(entity)}/{quote(project)}/{quote(run_id)}"


def _server_message(error: urllib.error.HTTPError) -> str:
    raw = error.read().decode("utf-8", "replace")
    try:
        return json.loads(raw)["error"]["message"]
    except (ValueError, KeyError, TypeError):
        return raw[:500] or error.reason


def _select(row: Dict[str, Any], keys: Optional[Sequence[str]]) -> Optional[Dict[str, Any]]:
    values = row.get("values", {})
    if keys is None:
        return {"_step": row["step"], **values}
    if any(key not in values for key in keys if key != "_step"):
        return None
    return {"_step": row["step"], **{key: values[key] for key in keys if key != "_step"}}


_OPERATORS = {
    "$eq": lambda value, operand: value == operand,
    "$ne": lambda value, operand: value != operand,
    "$gt": lambda value, operand: value is not None and value > operand,
    "$gte": lambda value, operand: value is not None and value >= operand,
    "$lt": lambda value, operand: value is not None and value < operand,
    "$lte": lambda value, operand: value is not None and value <= operand,
    "$in": lambda value, operand: (any(item in operand for item in value)
                                   if isinstance(value, list) else value in operand),
    "$nin": lambda value, operand: not _OPERATORS["$in"](value, operand),
}


def _field(fields: Dict[str, Any], dotted: str) -> Any:
    value: Any = fields
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _matches(fields: Dict[str, Any], filters: Mapping[str, Any]) -> bool:
    for name, condition in filters.items():
        value = _field(fields, name)
        if isinstance(condition, Mapping) and condition and all(
                key.startswith("$") for key in condition):
            for operator, operand in condition.items():
                if operator not in _OPERATORS:
                    raise ValueError(f"runs filter {name!r}: unknown operator {operator!r}")
                try:
                    if not _OPERATORS[operator](value, operand):
                        return False
                except TypeError:
                    return False
        elif value != condition:
            return False
    return True
