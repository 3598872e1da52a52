"""The library's default random source, and ``manual_seed`` (as ``torch.manual_seed``).

Everything random that is not given a seed or a Generator of its own draws from here: layer
initialization, Dropout masks, DataLoader shuffling, ``randn``/``rand``, ``make_moons`` without
a seed, and (through Python's ``random``) the scalar MLP's weights, as in micrograd. So after
``manual_seed(n)`` a script runs the same, number for number, every time.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np


class _State:
    generator = np.random.default_rng()
    seed: int | None = None


_state = _State()


def manual_seed(seed: int) -> np.random.Generator:
    """Seed every default random source of the library; returns the new default Generator.

    Python's ``random`` is seeded too, because the scalar ``Neuron`` draws its weights there
    (micrograd's ``random.uniform(-1, 1)``), so ``random.seed(n)`` keeps working for it alone.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"manual_seed: seed must be an int, got {type(seed).__name__} {seed!r:.80}")
    n = int(seed) % 2**64  # torch takes negative seeds as well
    random.seed(n)
    # reseeded in place, as torch's: layers and loaders made before the call hold this object
    _state.generator.bit_generator.state = np.random.default_rng(n).bit_generator.state
    _state.seed = n
    return _state.generator


def initial_seed() -> int | None:
    """The seed last given to ``manual_seed`` (None before any)."""
    return _state.seed


def default_generator() -> np.random.Generator:
    """The Generator that unseeded randomness in the library draws from."""
    return _state.generator


def generator(seed: Any = None, name: str = "seed") -> np.random.Generator:
    """A Generator for ``seed``: the default one for None, ``seed`` itself if it is one, else a
    new one seeded with it (an int >= 0; ``name`` is the argument's, for the error)."""
    if seed is None:
        return _state.generator
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise TypeError(f"{name} must be None, an int >= 0 or a numpy Generator, got {seed!r:.60}")
    return np.random.default_rng(seed)


def draw_seed() -> int:
    """A 32-bit seed drawn from the default Generator (for legacy ``RandomState`` users)."""
    return int(_state.generator.integers(2**32))
