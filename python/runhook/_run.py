"""runhook.Run and its config and summary, wandb's way.

A Run wraps the native run (runhook._runhook.NativeRun): `run.log` *is* the native function, so
a call costs one C++ call. Config and Summary are views kept in this process; a change after init
(config.update, summary[key] = value, define_metric) is also queued to the SDK's background
thread, which sends it to the server after the rows logged before it.

Thread safety: log may be called from any thread (the native side holds the GIL while it
appends); config and summary are plain Python objects guarded by the GIL like any dict.
"""
from __future__ import annotations

import traceback
from typing import Any, Dict, Iterator, Mapping, Optional

from runhook._errors import Error

TRACEBACK_LINES = 30  # the traceback tail a failed run records


class ConfigError(Error):
    """A config value was changed without allow_val_change=True (wandb's ConfigError)."""


class Config:
    """run.config: attribute and item access (config.batch_size, config["batch_size"]).

    Like wandb, changing a key's value raises ConfigError unless update(...,
    allow_val_change=True); reading an unknown attribute raises AttributeError.
    """

    def __init__(self, items: Dict[str, Any], native: Any = None) -> None:
        object.__setattr__(self, "_items", dict(items))
        object.__setattr__(self, "_native", native)

    def __getitem__(self, key: str) -> Any:
        return self._items[key]

    def __getattr__(self, key: str) -> Any:
        try:
            return self._items[key]
        except KeyError:
            raise AttributeError(f"{self.__class__!r} object has no attribute {key!r}") from None

    def __setitem__(self, key: str, value: Any) -> None:
        self.update({key: value})

    __setattr__ = __setitem__

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def keys(self):
        return self._items.keys()

    def values(self):
        return self._items.values()

    def items(self):
        return self._items.items()

    def get(self, key: str, default: Any = None) -> Any:
        return self._items.get(key, default)

    def as_dict(self) -> Dict[str, Any]:
        return dict(self._items)

    def setdefaults(self, defaults: Mapping[str, Any]) -> None:
        self.update({key: value for key, value in dict(defaults).items()
                     if key not in self._items})

    def update(self, values: Any, allow_val_change: bool = False) -> None:
        """Adds or changes keys; changing an existing value needs allow_val_change=True."""
        values = _as_mapping(values, "config.update")
        for key, value in values.items():
            if not isinstance(key, str):
                raise TypeError(f"config keys must be str, got {key!r}")
            if (not allow_val_change and key in self._items and self._items[key] != value):
                raise ConfigError(
                    f'Attempted to change value of key "{key}" from {self._items[key]!r} to '
                    f"{value!r}. If you really want to do this, pass allow_val_change=True to "
                    f"config.update()")
        if not values:
            return
        if self._native is not None:
            self._native.update_config(values)
        self._items.update(values)

    def __repr__(self) -> str:
        return f"runhook.Config({self._items!r})"


class Summary:
    """run.summary: the last value logged per key, plus values set here (which win, here and
    on the server). Metrics given to define_metric(summary="min"|"max"|"mean"|"none") are
    summarized that way by the server (runhook.Api() shows it); here they show the last value."""

    def __init__(self, native: Any) -> None:
        self._native = native
        self._set: Dict[str, Any] = {}

    def _current(self) -> Dict[str, Any]:
        values = self._native.summary() if self._native is not None else {}
        values.update(self._set)
        return values

    def __getitem__(self, key: str) -> Any:
        return self._current()[key]

    def __getattr__(self, key: str) -> Any:
        if key.startswith("_"):
            raise AttributeError(key)
        try:
            return self._current()[key]
        except KeyError:
            raise AttributeError(f"{self.__class__!r} object has no attribute {key!r}") from None

    def __setitem__(self, key: str, value: Any) -> None:
        self.update({key: value})

    def __contains__(self, key: object) -> bool:
        return key in self._current()

    def __iter__(self) -> Iterator[str]:
        return iter(self._current())

    def __len__(self) -> int:
        return len(self._current())

    def keys(self):
        return self._current().keys()

    def values(self):
        return self._current().values()

    def items(self):
        return self._current().items()

    def get(self, key: str, default: Any = None) -> Any:
        return self._current().get(key, default)

    def update(self, values: Any) -> None:
        values = _as_mapping(values, "summary.update")
        if self._native is not None:
            self._native.set_summary(values)
        self._set.update(values)

    def __repr__(self) -> str:
        return f"runhook.Summary({self._current()!r})"


def _as_mapping(values: Any, what: str) -> Dict[str, Any]:
    if isinstance(values, (Config, Summary)):
        return dict(values.items())
    if isinstance(values, Mapping):
        return dict(values)
    if hasattr(values, "__dict__") and not isinstance(values, type):  # argparse.Namespace
        return dict(vars(values))
    raise TypeError(f"{what} expects a dict, got {type(values).__name__}")


def describe_exception(error: BaseException) -> Dict[str, str]:
    """The error a failed run records: type, message and the traceback's last lines."""
    lines = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    tail = "\n".join(lines.rstrip("\n").splitlines()[-TRACEBACK_LINES:])
    return {"type": type(error).__name__, "message": str(error), "traceback": tail}


def exit_code_of(code: Any) -> int:
    """The process exit code sys.exit(code) gives."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    return 1


class Run:
    """A run being tracked; returned by runhook.init() and usable as a context manager.

    Leaving `with runhook.init(...) as run:` normally finishes the run; leaving it by an
    exception marks it failed with the exception's type, message and traceback tail
    (KeyboardInterrupt: killed; SystemExit(n): exit code n) and lets the exception go on.
    """

    def __init__(self, native: Any, on_finish=None) -> None:
        self._native = native
        self._on_finish = on_finish
        self.log = native.log  # the native method itself: log() costs one C++ call
        self.config = Config(native.config(), native)
        self.summary = Summary(native)
        self._metrics: Dict[str, Dict[str, Any]] = {}

    # Identity, as wandb names it.
    id = property(lambda self: self._native.id)
    name = property(lambda self: self._native.name)
    entity = property(lambda self: self._native.entity)
    project = property(lambda self: self._native.project)
    url = property(lambda self: self._native.url)
    step = property(lambda self: self._native.step)

    def get_url(self) -> str:
        return self._native.url

    @property
    def finished(self) -> bool:
        return self._native.finished

    def finish(self, exit_code: Optional[int] = None, quiet: Optional[bool] = None) -> None:
        """Flushes what was logged, records finished (exit code 0) or failed and returns once
        the server confirms (bounded); the server sends the hooks from then on. Idempotent."""
        self._finish(0 if exit_code is None else int(exit_code))

    def _finish(self, exit_code: int, reason: Optional[str] = None,
                error: Optional[Dict[str, str]] = None) -> None:
        """Finishes with a failure reason ("exception", "killed") and error when given."""
        if self._native.finished:
            return
        try:
            fail = getattr(self._native, "fail", None)
            if (reason is not None or error is not None) and fail is not None:
                error = error or {}
                fail(exit_code, reason or "exception", error.get("type", ""),
                     error.get("message", ""), error.get("traceback", ""))
            else:
                self._native.finish(exit_code)
        finally:
            if self._on_finish is not None:
                self._on_finish(self)

    def _fail_with(self, error: BaseException) -> None:
        """Records how `error` ends the run: SystemExit's code, killed, or failed."""
        if isinstance(error, SystemExit):
            self._finish(exit_code_of(error.code))
        elif isinstance(error, KeyboardInterrupt):
            self._finish(130, "killed", describe_exception(error))
        else:
            self._finish(1, "exception", describe_exception(error))

    def alert(self, title: str, text: str, level: str = "INFO",
              wait_duration: Any = None) -> None:
        """Fires the run's `alert` hooks with this title, text and level (INFO, WARN, ERROR);
        the server drops a repeat of `title` within `wait_duration` (seconds or a timedelta).
        Queued to the SDK's background thread: never waits on the network."""
        level_name = getattr(level, "value", level)
        if not isinstance(level_name, str) or level_name.upper() not in ("INFO", "WARN", "ERROR"):
            raise ValueError(f"runhook.alert: level must be INFO, WARN or ERROR, got {level!r}")
        if wait_duration is None:
            wait_seconds = 0.0
        elif hasattr(wait_duration, "total_seconds"):  # datetime.timedelta, as wandb takes
            wait_seconds = wait_duration.total_seconds()
        else:
            wait_seconds = float(wait_duration)
        send = getattr(self._native, "alert", None)
        if send is None:
            raise Error("runhook.alert: this build of the runhook SDK has no Run::Alert")
        send(str(title), str(text), level_name.upper(), wait_seconds)

    def define_metric(self, name: str, step_metric: Optional[str] = None,
                      summary: Optional[str] = None, hidden: bool = False,
                      **options: Any) -> None:
        """Declares how `name` is summarized on the server: summary="min", "max", "mean",
        "last" (the default) or "none", also over values logged before. `step_metric` and
        `hidden` are recorded; other wandb options (goal, overwrite, ...) are accepted and kept
        here only. Queued to the background thread: never waits on the network."""
        if not isinstance(name, str) or not name:
            raise ValueError(f"runhook.define_metric: name must be a non-empty str, got {name!r}")
        kind = "last" if summary is None else summary
        if kind not in ("min", "max", "mean", "last", "none"):
            raise ValueError(f"runhook.define_metric: summary must be min, max, mean, last or "
                             f"none, got {summary!r}")
        self._metrics[name] = {"step_metric": step_metric, "summary": summary,
                               "hidden": hidden, **options}
        self._native.define_metric(name, kind, step_metric or "", bool(hidden))

    def __enter__(self) -> "Run":
        return self

    def __exit__(self, exception_type, exception, trace) -> bool:
        if exception is None:
            self.finish()
        else:
            self._fail_with(exception)
        return False

    def __repr__(self) -> str:
        return f"<runhook.Run {self.entity}/{self.project}/{self.id} ({self.name})>"
