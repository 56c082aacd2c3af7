"""runhook.hook(): a webhook the server sends when the run reaches a state.

A Hook is checked when it is created, by the same C++ code runhook.init() runs (states, method,
http(s) URL, timeout, attempts, and the Jinja2 syntax of url, body and header values), so a
mistake raises ValueError at the line that declares it, naming the hook, the field and, for a
template, the line and column.
"""
from __future__ import annotations

from typing import Dict, List, Mapping, Optional, Sequence, Union

from runhook import _runhook

Duration = Union[int, float, str]


def _seconds(value: Duration, field: str, hook_name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"hook {hook_name} field '{field}': expected seconds or a duration "
                         f"such as '500ms' or '5m', got {value!r}")
    if isinstance(value, str):
        try:
            return _runhook.parse_duration(value)
        except ValueError as error:
            raise ValueError(f"hook {hook_name} field '{field}': {error}") from None
    return float(value)


class Hook:
    """A webhook declared at runhook.init(hooks=[...]); see runhook.hook()."""

    __slots__ = ("run_state", "url", "method", "body", "headers", "name", "secret", "timeout",
                 "max_attempts", "when", "every", "strict")

    def __init__(self, *, run_state: List[str], url: str, method: str, body: str,
                 headers: Dict[str, str], name: str, secret: str, timeout: float,
                 max_attempts: Optional[int], when: str, every: str, strict: bool) -> None:
        self.run_state = run_state
        self.url = url
        self.method = method
        self.body = body
        self.headers = headers
        self.name = name
        self.secret = secret
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.when = when
        self.every = every
        self.strict = strict

    def to_native(self) -> dict:
        """The fields as the native module reads them."""
        fields = {slot: getattr(self, slot) for slot in self.__slots__}
        fields["headers"] = list(self.headers.items())
        return fields

    def __repr__(self) -> str:
        label = f"{self.name!r}, " if self.name else ""
        return f"runhook.Hook({label}run_state={self.run_state!r}, {self.method} {self.url})"


def hook(run_state: Union[str, Sequence[str], None] = None, url: str = "", method: str = "POST",
         body: Optional[str] = None, headers: Optional[Mapping[str, str]] = None,
         name: Optional[str] = None, secret: Optional[str] = None, timeout: Duration = 15.0,
         max_attempts: Optional[int] = None, when: Optional[str] = None,
         every: Optional[Duration] = None, strict: bool = False, **unknown) -> Hook:
    """Declares a webhook for runhook.init(hooks=[...]).

    run_state: "created", "running", "resumed", "finished", "failed", "alert", or a list of them
    (None with `when`). url, body and header values are Jinja2 templates over the run
    ({{run.id}}, {{run.url}}, {{run.project.name}}, {{run.summary.accuracy}}, ...), rendered by
    the server when the event happens. `secret` is a signing secret (whsec_...) or the name of
    one stored on the server. `timeout` is per attempt (seconds or '500ms', '3s', ...).

    Raises ValueError at once for an unknown state, a bad method or URL, or a template syntax
    error, naming the hook, the field and line:column.
    """
    label = f"'{name}'" if name else "(unnamed)"
    if unknown:
        raise TypeError(f"runhook.hook() got unexpected argument(s) {', '.join(sorted(unknown))}")
    if isinstance(run_state, str):
        states = [run_state]
    elif run_state is None:
        states = []
    else:
        states = list(run_state)
        for state in states:
            if not isinstance(state, str):
                raise ValueError(f"hook {label} field 'run_state': expected state names, got "
                                 f"{state!r}")
    header_map = dict(headers or {})
    for key, value in header_map.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise ValueError(f"hook {label} field 'headers': names and values must be str, got "
                             f"{key!r}: {value!r}")
    for field, value in (("url", url), ("method", method), ("body", body), ("name", name),
                         ("secret", secret), ("when", when)):
        if value is not None and not isinstance(value, str):
            raise ValueError(f"hook {label} field '{field}': expected a str, got {value!r}")
    if max_attempts is not None and (isinstance(max_attempts, bool)
                                     or not isinstance(max_attempts, int)):
        raise ValueError(f"hook {label} field 'max_attempts': expected an int, got "
                         f"{max_attempts!r}")
    every_text = ""
    if every is not None:
        every_text = every if isinstance(every, str) else repr(float(every))
        _seconds(every, "every", label)
    declared = Hook(run_state=states, url=url, method=method.upper(), body=body or "",
                    headers=header_map, name=name or "", secret=secret or "",
                    timeout=_seconds(timeout, "timeout", label), max_attempts=max_attempts,
                    when=when or "", every=every_text, strict=bool(strict))
    _runhook.validate_hook(declared.to_native())
    return declared
