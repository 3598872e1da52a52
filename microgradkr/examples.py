"""The worked examples of REFERENCE.md as graphs, for the demos, the CLI and the tests."""

from __future__ import annotations

from .engine import Value


def add_mul() -> tuple[Value, dict[str, Value]]:
    """1a: f = (x + y) * z at x = -2, y = 5, z = -4 (CS231n lecture 4)."""
    x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    q = x + y
    q.label = "q"
    f = q * z
    f.label = "f"
    return f, {"x": x, "y": y, "z": z, "q": q}


def sigmoid_neuron(fused: bool = False) -> tuple[Value, dict[str, Value]]:
    """1b: f = 1 / (1 + exp(-(w0 x0 + w1 x1 + w2))), from primitive gates or one sigmoid gate."""
    names = ("w0", "x0", "w1", "x1", "w2")
    w0, x0, w1, x1, w2 = (
        Value(v, n) for v, n in zip((2.0, -1.0, -3.0, -2.0, -3.0), names, strict=True)
    )
    z = w0 * x0 + w1 * x1 + w2
    f = z.sigmoid() if fused else 1 / (1 + (-z).exp())
    f.label = "f"
    return f, {"w0": w0, "x0": x0, "w1": w1, "x1": x1, "w2": w2}


def gate_patterns() -> tuple[Value, dict[str, Value]]:
    """1c: an add (distributor), a mul (switcher) and a max (router), with x used twice."""
    x, y, z, w = Value(3.0, "x"), Value(-4.0, "y"), Value(2.0, "z"), Value(-1.0, "w")
    a = x * y  # switcher: x gets y's value, y gets x's
    a.label = "a"
    m = z.max(w)  # router: all to z, 0 to w
    m.label = "m"
    s = a + m  # distributor: both get the upstream
    s.label = "s"
    f = s * 2.0 + x  # x fans out: its gradient is the sum over both uses
    f.label = "f"
    return f, {"x": x, "y": y, "z": z, "w": w}
