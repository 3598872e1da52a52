"""``no_grad()`` and ``enable_grad()``: whether ops record a graph, per thread (as PyTorch).

Inside ``no_grad()`` an op's output is a constant: it keeps no parents and does not require a
gradient, so evaluation and optimizer updates build no graph. Both work as a ``with`` block or
as a decorator, and nest.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from . import checks_args

F = TypeVar("F", bound=Callable[..., Any])


# How many threads have recording off now: while 0, the scalar engine's inline add, mul and
# relu skip reading the thread-local switch (a plain list read is cheaper on the hot path).
OFF = [0]
# OFF plus the threads with detect_anomaly on: while 0, the scalar engine's inline add, mul and
# relu need no other check (one list read per node instead of two)
DETOUR = [0]
# += on a list item is a read then a write: another thread may write in between (free-threaded
# Python), and a count lost would keep a thread's no_grad from being seen
_COUNTING = threading.RLock()


class Hold:
    """One count in each of ``counters`` for as long as it lives.

    A thread's switch keeps its Hold in thread-local state, which Python drops when the thread
    ends: a thread that dies inside ``no_grad`` (or after ``set_grad_enabled(False)``) gives its
    count back, instead of leaving every thread on the slow path for good.
    """

    __slots__ = ("counters",)

    def __init__(self, *counters: list[int]) -> None:
        with _COUNTING:
            for counter in counters:
                counter[0] += 1
        self.counters = counters

    def __del__(self) -> None:
        with _COUNTING:
            for counter in self.counters:
                counter[0] -= 1


class _Switch(threading.local):
    """On or off per thread: one thread's ``no_grad`` block leaves the others recording."""

    _on = True  # the class attribute is every thread's starting value
    _hold: Hold | None = None  # this thread's count in OFF and DETOUR while it is off

    @property
    def enabled(self) -> bool:
        return self._on

    @enabled.setter
    def enabled(self, on: bool) -> None:
        if on != self._on:
            self._hold = None if on else Hold(OFF, DETOUR)
        self._on = on


switch = _Switch()


def is_grad_enabled() -> bool:
    """True when ops record the graph (the default), as ``torch.is_grad_enabled``."""
    return switch.enabled


class set_grad_enabled:
    """Record the graph or not: ``with set_grad_enabled(False):``, a decorator, or a call."""

    def __init__(self, mode: bool) -> None:
        self.before = switch.enabled
        self.mode = checks_args.flag("set_grad_enabled", "mode", mode)
        switch.enabled = self.mode  # a plain call switches at once, as torch.set_grad_enabled

    def __enter__(self) -> None:
        switch.enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        switch.enabled = self.before

    def __call__(self, fn: F) -> F:
        switch.enabled = self.before  # used as a decorator: nothing switches until a call
        mode = self.mode

        @functools.wraps(fn)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            with _mode(mode):
                return fn(*args, **kwargs)

        return wrapped  # type: ignore[return-value]


@contextmanager
def _mode(mode: bool) -> Iterator[None]:
    before = switch.enabled
    switch.enabled = mode
    try:
        yield
    finally:
        switch.enabled = before


class no_grad:
    """Within this block (or decorated function) ops record no graph: outputs are constants."""

    mode = False

    def __enter__(self) -> None:
        self.before = switch.enabled
        switch.enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        switch.enabled = self.before

    def __call__(self, fn: F) -> F:
        mode = self.mode

        @functools.wraps(fn)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            with _mode(mode):
                return fn(*args, **kwargs)

        return wrapped  # type: ignore[return-value]


class enable_grad(no_grad):
    """Record the graph again inside a ``no_grad`` block (or decorated function)."""

    mode = True
