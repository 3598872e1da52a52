"""Random expressions over every Value op, replayable on Values and on torch tensors.

A program is a list of (op name, argument indices) over the leaves and earlier results, so
results are reused (fan-out). Where an op's input is near a kink or outside its domain, the
op is replaced by tanh when the program is first evaluated; the replay uses the same choice.
"""

from __future__ import annotations

import math

from hypothesis import strategies as st

from microgradkr import Value, add_n, affine


def _away(x: float, margin: float = 0.1) -> bool:
    return abs(x) > margin


# name: (arity, guard on the inputs' data, microgradkr form, torch form)
OPS = {
    "add": (2, None, lambda a, b: a + b, lambda a, b: a + b),
    "sub": (2, None, lambda a, b: a - b, lambda a, b: a - b),
    "mul": (2, None, lambda a, b: a * b, lambda a, b: a * b),
    "div": (2, lambda a, b: _away(b), lambda a, b: a / b, lambda a, b: a / b),
    "neg": (1, None, lambda a: -a, lambda a: -a),
    "radd": (1, None, lambda a: 1.5 + a, lambda a: 1.5 + a),
    "rsub": (1, None, lambda a: 2 - a, lambda a: 2 - a),
    "rmul": (1, None, lambda a: 3 * a, lambda a: 3 * a),
    "rdiv": (1, _away, lambda a: 2 / a, lambda a: 2 / a),
    "square": (1, None, lambda a: a**2, lambda a: a**2),
    "cube": (1, None, lambda a: a**3, lambda a: a**3),
    "sqrt": (1, lambda a: a > 0.1, lambda a: a**0.5, lambda a: a**0.5),
    "inverse": (1, _away, lambda a: a**-1, lambda a: a**-1),
    "powv": (2, lambda a, b: a > 0.1, lambda a, b: a**b, lambda a, b: a**b),
    "rpow": (1, None, lambda a: 2**a, lambda a: 2**a),
    "exp": (1, None, lambda a: a.exp(), lambda a: a.exp()),
    "log": (1, lambda a: a > 0.1, lambda a: a.log(), lambda a: a.log()),
    "tanh": (1, None, lambda a: a.tanh(), lambda a: a.tanh()),
    "sigmoid": (1, None, lambda a: a.sigmoid(), lambda a: a.sigmoid()),
    "reciprocal": (1, _away, lambda a: a.reciprocal(), lambda a: a.reciprocal()),
    "relu": (1, lambda a: _away(a, 1e-3), lambda a: a.relu(), lambda a: a.relu()),
    "max": (2, lambda a, b: _away(a - b, 1e-3), lambda a, b: a.max(b), lambda a, b: a.maximum(b)),
    "add_n": (3, None, lambda a, b, c: add_n([a, b, c]), lambda a, b, c: a + b + c),
    "affine": (
        5,
        None,
        lambda w0, x0, w1, x1, b: affine([w0, w1], [x0, x1], b),
        lambda w0, x0, w1, x1, b: b + w0 * x0 + w1 * x1,
    ),
}
OP_NAMES = sorted(OPS)
LIMIT = 1e4  # values beyond this make central differences meaningless


@st.composite
def programs(draw, ops=OP_NAMES, max_ops=8):
    """(leaf values, program): the program uses every op of ``ops`` with equal chance."""
    n_leaves = draw(st.integers(1, 3))
    leaves = draw(st.lists(st.floats(-2, 2), min_size=n_leaves, max_size=n_leaves))
    program = []
    for i in range(draw(st.integers(1, max_ops))):
        name = draw(st.sampled_from(ops))
        arity = OPS[name][0]
        args = tuple(draw(st.integers(0, n_leaves + i - 1)) for _ in range(arity))
        program.append((name, args))
    return leaves, program


def resolve(leaves, program):
    """The program with unsafe ops replaced by tanh, or None if values grow past LIMIT."""
    nodes = list(leaves)
    resolved = []
    for name, args in program:
        arity, guard, value_op, _ = OPS[name]
        xs = [nodes[i] for i in args]
        if guard is not None and not guard(*xs):
            name, args = "tanh", args[:1]
            xs = xs[:1]
        out = OPS[name][2](*(Value(x) for x in xs)).data
        if not math.isfinite(out) or abs(out) > LIMIT:
            return None
        nodes.append(out)
        resolved.append((name, args))
    return resolved


def run(program, inputs, torch=False):
    """The program's output on Values (or torch tensors)."""
    nodes = list(inputs)
    for name, args in program:
        fn = OPS[name][3 if torch else 2]
        nodes.append(fn(*(nodes[i] for i in args)))
    return nodes[-1]
