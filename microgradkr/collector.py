"""The cyclic garbage collector and live graphs: pace it so it stops re-scanning them.

A scalar graph is tens of thousands of small objects that are freed by reference counting (no
node points back at itself), yet CPython's cyclic collector, at its default thresholds
(700, 10, 10), walks them hundreds of times per training step: it ate 56% of micrograd's demo
step built gate by gate. ``backward()`` on a graph of at least ``PACE_MIN`` nodes raises the
collector's first threshold to about the graph's size (capped at ``PACE_CAP``), so the
young generation is scanned once per graph instead of once per 700 objects. Nothing is frozen
or disabled: cycles (yours) are still collected, only in larger batches, so memory stays
bounded. ``restore()`` puts the thresholds back as they were; ``auto = False`` turns pacing off;
``paced()`` is the same as a context manager, for code that wants it scoped.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

PACE_MIN = 10_000  # smaller graphs cost the collector little: leave its thresholds alone
PACE_CAP = 200_000  # a young generation at most this large between two scans (~20 MB of nodes)

auto = True  # backward() paces the collector for big graphs; set False to leave gc alone
_saved: tuple[int, int, int] | None = None  # the thresholds before the first pacing


def pace(nodes: int) -> None:
    """Raise gc's first threshold to ``nodes`` (within PACE_MIN..PACE_CAP); never lower it."""
    global _saved
    if not auto or nodes < PACE_MIN:
        return
    current = gc.get_threshold()
    target = min(nodes, PACE_CAP)
    if current[0] == 0 or current[0] >= target:  # collection off, or already paced enough
        return
    if _saved is None:
        _saved = current
    gc.set_threshold(target, *current[1:])


def restore() -> None:
    """Give gc back the thresholds it had before the first pacing (no-op if never paced)."""
    global _saved
    if _saved is not None:
        gc.set_threshold(*_saved)
        _saved = None


@contextmanager
def paced(nodes: int = 100_000) -> Iterator[None]:
    """Within the block gc scans young objects every ``nodes`` allocations; restored after."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], nodes), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
