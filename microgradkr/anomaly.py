"""``detect_anomaly()``: the first NaN or inf made in a forward or backward pass raises at once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from . import grad_mode

# threads with the switch on: the engine's hot paths read this plain list (a thread-local
# attribute costs ~5x more) and only when it is non-zero ask ``switch`` for this thread
OPEN = [0]


class _Switch(threading.local):
    """On or off per thread: one thread's block neither checks nor ends another thread's."""

    _on = False  # the class attribute is every thread's starting value
    _hold: grad_mode.Hold | None = None  # this thread's count in OPEN and DETOUR while on

    @property
    def enabled(self) -> bool:
        return self._on

    @enabled.setter
    def enabled(self, on: bool) -> None:
        if on != self._on:  # the count leaves with the thread's state if it ends inside a block
            self._hold = grad_mode.Hold(OPEN, grad_mode.DETOUR) if on else None
        self._on = on


switch = _Switch()


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Within this block, a NaN or inf made by an op or by backward raises FloatingPointError.

    The switch is per thread (other threads are not checked) and blocks nest.
    """
    before = switch.enabled
    switch.enabled = True
    owner = threading.get_ident()
    try:
        yield
    finally:
        # a block left open by a thread that ended is closed by whichever thread collects it:
        # that thread's switch is not this block's to restore
        if threading.get_ident() == owner:
            switch.enabled = before


def _name(node: Any, depth: int = 1) -> str:
    """The node's label; an unlabelled op node as its op over its inputs, e.g. sub('x', 1)."""
    if node.label:
        return repr(node.label)
    op, prev = getattr(node, "op", None), getattr(node, "_prev", ())
    if op is not None and prev:
        if depth <= 0:
            return f"an unlabelled {op.name} node"
        return f"{op.name}({', '.join(_name(p, depth - 1) for p in prev)})"
    data = np.asarray(node.data)
    if data.size == 1:
        return f"{data.item():g}"
    return f"an unlabelled node of shape {data.shape}"


def _finite(x: Any) -> bool:
    return bool(np.all(np.isfinite(getattr(x, "data", x))))


def _describe(x: Any) -> str:
    """A number as it is; an array by its first NaN or inf and where it is."""
    arr = np.asarray(getattr(x, "data", x))
    if arr.ndim == 0:
        return repr(float(arr))
    i = tuple(int(k) for k in np.unravel_index(int(np.argmax(~np.isfinite(arr))), arr.shape))
    return f"{float(arr[i])!r} at index {i}"


def check_forward(op_name: str, inputs: tuple[Any, ...], out: Any) -> None:
    """Raise if ``out`` (made by ``op_name`` from ``inputs``) holds a NaN or inf."""
    if not _finite(out):
        named = ", ".join(_name(p) for p in inputs)
        raise FloatingPointError(f"detect_anomaly: {op_name} of {named} made {_describe(out)}")


def check_backward(node: Any) -> None:
    """Raise if backward through ``node`` gave one of its inputs a NaN or inf gradient."""
    for parent in node._prev:
        if parent.grad is not None and not _finite(parent.grad):
            raise FloatingPointError(
                f"detect_anomaly: backward of {node.op.name} at {_name(node)} gave "
                f"{_describe(parent.grad)} to its input {_name(parent)}"
            )
