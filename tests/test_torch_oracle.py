"""PyTorch's autograd as the oracle: random expressions over every op, values and gradients."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microgradkr import Value
from microgradkr.testing import BUILTIN_OPS, expressions, op_cases

torch = pytest.importorskip("torch")
from torch_twins import TORCH, in_torch  # noqa: E402 (needs torch)


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
@given(data=st.data())
def test_every_op_matches_torch(op, data):
    compare(*data.draw(op_cases(op)))


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
