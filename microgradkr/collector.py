"""The cyclic garbage collector and live graphs: pace it so it stops re-scanning them.

A scalar graph is tens of thousands of small objects that are freed by reference counting (no
node points back at itself), yet CPython's cyclic collector, at its default thresholds
(700, 10, 10), walks them hundreds of times per training step: it ate 56% of micrograd's demo
step built gate by gate. ``backward()`` on a graph of at least ``PACE_MIN`` nodes raises the
collector's first threshold to ``PACE_FACTOR`` times the graph's size (at most ``PACE_CAP``):
a training step's graph is then mostly freed by reference counting before the collector ever
scans it, instead of being scanned every 700 allocations and promoted to full collections.
Nothing is frozen or disabled: cycles (yours) are still collected, only in larger batches, so
memory stays bounded. ``restore()`` puts the thresholds back as they were; ``auto = False``
turns pacing off; ``paced()`` is the same as a context manager, for code that wants it scoped.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

PACE_MIN = 1_000  # below this a graph costs the collector little: leave its thresholds alone
PACE_FACTOR = 4  # a graph lives ~2 steps and allocates ~2 tracked objects per node
PACE_CAP = 500_000  # allocations between two young scans at most: bounds how long cycles wait

auto = True  # backward() paces the collector for big graphs; set False to leave gc alone
_saved: tuple[int, int, int] | None = None  # the thresholds pacing replaced
_ours: tuple[int, int, int] | None = None  # the thresholds pacing set last


def pace(nodes: int) -> None:
    """Raise gc's first threshold to PACE_FACTOR x ``nodes`` (at most PACE_CAP); never lower it."""
    global _saved, _ours
    if not auto or nodes < PACE_MIN:
        return
    current = gc.get_threshold()
    target = min(PACE_FACTOR * nodes, PACE_CAP)
    if current[0] == 0 or current[0] >= target:  # collection off, or already paced enough
        return
    if current != _ours:  # the thresholds are someone else's (the user's): the ones to restore
        _saved = current
    _ours = (target, *current[1:])
    gc.set_threshold(*_ours)


def restore() -> None:
    """Give gc back the thresholds pacing replaced, unless changed since (no-op if never paced)."""
    global _saved, _ours
    if _saved is not None and gc.get_threshold() == _ours:
        gc.set_threshold(*_saved)
    _saved = _ours = None


@contextmanager
def paced(nodes: int = 100_000) -> Iterator[None]:
    """Within the block gc scans young objects every ``nodes`` allocations; restored after."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], nodes), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
