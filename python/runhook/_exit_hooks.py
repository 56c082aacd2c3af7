"""How a script's end reaches the active run, as wandb reports it.

- An unhandled exception: sys.excepthook (chained: the previous hook still runs, after the run is
  marked failed with the exception's type, message and traceback tail). KeyboardInterrupt:
  killed.
- sys.exit(n): sys.exit is wrapped to remember n (then the original runs); at exit the run
  finishes with exit code n (0: finished, else failed).
- The script ends without finish(): atexit finishes the run (exit code 0, or sys.exit's code).
- SIGTERM: the C++ SDK's handler marks the run killed and ends the process by the signal
  (SIGINT is left to Python, whose KeyboardInterrupt arrives at the excepthook as `killed`).

Installed once per process, by the first runhook.init(); each hook acts on the run active then.
"""
from __future__ import annotations

import atexit
import sys
from typing import Any, Callable, Optional

from runhook._run import Run, exit_code_of


class ExitHooks:
    def __init__(self, active_run: Callable[[], Optional[Run]]) -> None:
        self._active_run = active_run
        self._installed = False
        self._exit_code: Any = None
        self._previous_excepthook = None
        self._original_exit = None

    def install(self) -> None:
        if self._installed:
            return
        self._installed = True
        self._previous_excepthook = sys.excepthook
        sys.excepthook = self._excepthook
        self._original_exit = sys.exit
        sys.exit = self._exit
        atexit.register(self._at_exit)

    def _excepthook(self, exception_type, exception, trace) -> None:
        run = self._active_run()
        try:
            if run is not None and not run.finished:
                if exception is not None and exception.__traceback__ is None:
                    exception = exception.with_traceback(trace)
                run._fail_with(exception)
        finally:
            self._previous_excepthook(exception_type, exception, trace)

    def _exit(self, code: Any = None) -> None:
        self._exit_code = code
        self._original_exit(code)

    def _at_exit(self) -> None:
        run = self._active_run()
        if run is not None and not run.finished:
            run._finish(exit_code_of(self._exit_code))
