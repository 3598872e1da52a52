"""``detect_anomaly()``: the first NaN or inf made in a forward or backward pass raises at once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np


class _Switch:
    enabled = False


switch = _Switch()


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Within this block, a NaN or inf made by an op or by backward raises FloatingPointError."""
    before = switch.enabled
    switch.enabled = True
    try:
        yield
    finally:
        switch.enabled = before


def _name(node: Any) -> str:
    return repr(node.label) if node.label else "an unlabelled node"


def _finite(x: Any) -> bool:
    return bool(np.all(np.isfinite(x)))


def check_forward(op_name: str, inputs: tuple[Any, ...], out: Any) -> None:
    """Raise if ``out`` (made by ``op_name`` from ``inputs``) holds a NaN or inf."""
    if not _finite(out):
        named = ", ".join(_name(p) for p in inputs)
        raise FloatingPointError(f"detect_anomaly: {op_name} of {named} made {out!r}")


def check_backward(node: Any) -> None:
    """Raise if backward through ``node`` gave one of its inputs a NaN or inf gradient."""
    for parent in node._prev:
        if parent.grad is not None and not _finite(parent.grad):
            raise FloatingPointError(
                f"detect_anomaly: backward of {node.op.name} at {_name(node)} gave "
                f"{parent.grad!r} to its input {_name(parent)}"
            )
