"""PyTorch's autograd as the oracle: random expressions over every op, values and gradients."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microgradkr import Value
from microgradkr.testing import BUILTIN_OPS, REGISTRY, Expression, expressions, values

torch = pytest.importorskip("torch")

# Every built-in op of microgradkr.testing, written with torch.
TORCH = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "neg": lambda a: -a,
    "radd": lambda a: 1.5 + a,
    "rsub": lambda a: 2 - a,
    "rmul": lambda a: 3 * a,
    "rdiv": lambda a: 2 / a,
    "square": lambda a: a**2,
    "cube": lambda a: a**3,
    "sqrt": lambda a: a**0.5,
    "inverse": lambda a: a**-1,
    "powv": lambda a, b: a**b,
    "rpow": lambda a: 2**a,
    "exp": torch.exp,
    "log": torch.log,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "reciprocal": torch.reciprocal,
    "relu": torch.relu,
    "abs": torch.abs,
    "max": torch.maximum,
    "add_n": lambda a, b, c: a + b + c,
    "affine": lambda w0, x0, w1, x1, b: b + w0 * x0 + w1 * x1,
}


def in_torch(f: Expression, inputs):
    nodes = list(inputs)
    for name, args in f.steps:
        nodes.append(TORCH[name](*(nodes[i] for i in args)))
    return nodes[-1]


def compare(f, xs):
    theirs = [torch.tensor(x.data, dtype=torch.float64, requires_grad=True) for x in xs]
    out, ref = f(*xs), in_torch(f, theirs)
    assert out.data == pytest.approx(ref.item(), rel=1e-12, abs=1e-12)
    out.backward()
    if ref.requires_grad:
        ref.backward()
    for v, t in zip(xs, theirs, strict=True):
        expected = 0.0 if t.grad is None else t.grad.item()
        assert v.grad == pytest.approx(expected, rel=1e-10, abs=1e-10)


def test_every_builtin_op_has_a_torch_twin():
    assert set(TORCH) == set(BUILTIN_OPS)


@given(expressions(max_depth=10))
def test_random_expressions_match_torch_in_float64(case):
    compare(*case)


@pytest.mark.parametrize("op", BUILTIN_OPS)
@given(xs=st.lists(values(-2, 2), min_size=5, max_size=5))
def test_every_op_matches_torch(op, xs):
    entry = REGISTRY[op]
    xs = xs[: entry.arity]
    if entry.safe is not None and not entry.safe(*(x.data for x in xs)):
        return
    compare(Expression(entry.arity, [(op, tuple(range(entry.arity)))]), xs)


def test_micrograd_sanity_checks_against_torch():
    def expr(x):
        z = 2 * x + 2 + x
        q = z.relu() + z * x
        h = (z * z).relu()
        return h + q + q * x

    x = Value(-4.0)
    y = expr(x)
    y.backward()
    xt = torch.tensor(-4.0, dtype=torch.float64, requires_grad=True)
    yt = expr(xt)
    yt.backward()
    assert (y.data, x.grad) == (yt.item(), xt.grad.item())
