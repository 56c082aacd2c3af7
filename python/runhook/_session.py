"""The module-level API: runhook.init / log / finish / alert / define_metric and the
runhook.run, runhook.config and runhook.summary attributes (wandb's globals).

init() sets the package's `run`, `config`, `summary` and `log` (log becomes the run's native
log method, as wandb rebinds wandb.log); finishing the run resets them.
"""
from __future__ import annotations

import os
import sys
from typing import Any, Dict, Iterable, Optional, Sequence

from runhook import _runhook
from runhook._errors import Error
from runhook._exit_hooks import ExitHooks
from runhook._hooks import Hook
from runhook._run import Run, _as_mapping

_active: Optional[Run] = None
_exit_hooks = ExitHooks(lambda: _active)

# wandb.init arguments runhook accepts and ignores, so wandb scripts run unchanged.
IGNORED_INIT_ARGUMENTS = ("reinit", "settings", "save_code", "anonymous", "magic",
                          "sync_tensorboard", "monitor_gym", "allow_val_change",
                          "config_exclude_keys", "config_include_keys", "force")


def _package():
    return sys.modules["runhook"]


def _set_globals(run: Optional[Run]) -> None:
    package = _package()
    package.run = run
    package.config = run.config if run is not None else None
    package.summary = run.summary if run is not None else None
    package.log = run.log if run is not None else log


def _on_finish(run: Run) -> None:
    global _active
    if _active is run:
        _active = None
        _set_globals(None)


class _DisabledNative:
    """The native side of a mode="disabled" run: nothing leaves the process."""

    def __init__(self, config: Dict[str, Any], project: str) -> None:
        self._config = config
        self.id, self.name, self.entity, self.project, self.url = (
            "disabled", "disabled", "local", project or "uncategorized", "")
        self.step = 0
        self.finished = False

    def log(self, data, step=None, commit=None) -> None:
        if not isinstance(data, dict):
            raise TypeError("runhook.log expects a dict of names to values")

    def finish(self, exit_code: int = 0) -> None:
        self.finished = True

    def summary(self) -> Dict[str, Any]:
        return {}

    def config(self) -> Dict[str, Any]:
        return dict(self._config)


def init(project: Optional[str] = None, entity: Optional[str] = None,
         name: Optional[str] = None, job_type: Optional[str] = None,
         group: Optional[str] = None, tags: Optional[Sequence[str]] = None,
         notes: Optional[str] = None, config: Any = None, id: Optional[str] = None,
         resume: Any = None, dir: Optional[str] = None, mode: Optional[str] = None,
         hooks: Optional[Iterable[Hook]] = None, **wandb_arguments: Any) -> Run:
    """Starts a run: checks the hooks, registers the run with the server at $RUNHOOK_URL
    (default http://127.0.0.1:5717), fires `created` and `running`, prints the run's URL.

    Returns the Run (also runhook.run). A run still active is finished first. Raises ValueError
    for a bad hook and runhook.Error when the server cannot be reached or refuses the run.
    mode: "online" (default, or $RUNHOOK_MODE), "offline" (nothing is sent: the run is recorded
    under $RUNHOOK_DIR/runs/ENTITY/PROJECT/ID, or the user's data directory, for
    `runhook sync DIR` to upload later) or "disabled" (nothing is sent or recorded).
    resume (with id): "allow" (or True, "auto"), "must" or "never", as wandb defines them.
    """
    global _active
    unknown = sorted(set(wandb_arguments) - set(IGNORED_INIT_ARGUMENTS))
    if unknown:
        raise TypeError(f"runhook.init() got unexpected argument(s): {', '.join(unknown)}")
    mode = mode or os.environ.get("RUNHOOK_MODE") or "online"
    if mode not in ("online", "disabled", "offline"):
        raise ValueError(f"runhook.init: mode must be 'online', 'offline' or 'disabled', "
                         f"got {mode!r}")
    if mode == "offline" and not _native_init_accepts("mode"):
        raise Error("runhook.init: mode='offline' needs a runhook SDK with offline support "
                    "(Options::mode); this build has none")
    if dir is not None:
        os.environ.setdefault("RUNHOOK_DIR", str(dir))
    config_values = _as_mapping(config, "runhook.init config") if config is not None else {}
    hook_list = list(hooks or [])
    for position, declared in enumerate(hook_list):
        if not isinstance(declared, Hook):
            raise TypeError(f"runhook.init: hooks[{position}] is a {type(declared).__name__}; "
                            f"declare hooks with runhook.hook(...)")
    native_hooks = [declared.to_native() for declared in hook_list]
    _runhook.validate_hooks(native_hooks)
    if _active is not None:
        _active.finish()

    if mode == "disabled":
        native = _DisabledNative(config_values, project or "")
    else:
        arguments = dict(project=project or "", entity=entity or "", name=name or "",
                         id=id or "", job_type=job_type or "", group=group or "",
                         tags=list(tags or []), notes=notes or "", config=config_values,
                         hooks=native_hooks)
        if _native_init_accepts("mode"):
            arguments["mode"] = mode  # resolved here, so RUNHOOK_MODE is not read twice
        if resume not in (None, False):
            # wandb's True and "auto" resume the run if it exists, like "allow".
            arguments["resume"] = "allow" if resume in (True, "auto") else str(resume)
            if not _native_init_accepts("resume"):
                raise Error("runhook.init: resume needs a runhook SDK with resume support "
                            "(Options::resume); this build has none")
        native = _runhook.init(**arguments)
    run = Run(native, on_finish=_on_finish)
    _active = run
    _set_globals(run)
    _exit_hooks.install()
    return run


def _native_init_accepts(argument: str) -> bool:
    return argument in getattr(_runhook, "features", ())


def _require(function: str) -> Run:
    if _active is None:
        raise Error(f"You must call runhook.init() before runhook.{function}()")
    return _active


def log(data: Dict[str, Any], step: Optional[int] = None, commit: Optional[bool] = None) -> None:
    """Logs a dict of metrics to the active run (wandb's step and commit rules). After init
    this name is rebound to the run's own log method."""
    _require("log").log(data, step, commit)


def finish(exit_code: Optional[int] = None, quiet: Optional[bool] = None) -> None:
    """Finishes the active run (no-op without one); see Run.finish."""
    if _active is not None:
        _active.finish(exit_code, quiet)


def alert(title: str, text: str, level: str = "INFO", wait_duration: Any = None) -> None:
    """Fires the active run's `alert` hooks; see Run.alert."""
    _require("alert").alert(title, text, level, wait_duration)


def define_metric(name: str, step_metric: Optional[str] = None, summary: Optional[str] = None,
                  **options: Any) -> None:
    """Declares how a metric is summarized on the active run; see Run.define_metric."""
    _require("define_metric").define_metric(name, step_metric, summary, **options)

