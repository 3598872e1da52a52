"""PyTorch's autograd as the oracle: random expressions over every op, values and gradients."""

import pytest
from expressions import OP_NAMES, OPS, programs, resolve, run
from hypothesis import assume, given
from hypothesis import strategies as st

from microgradkr import Value

torch = pytest.importorskip("torch")


@given(programs(max_ops=10))
def test_random_expressions_match_torch_in_float64(case):
    leaves, program = case
    program = resolve(leaves, program)
    assume(program is not None)
    ours = [Value(x) for x in leaves]
    theirs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in leaves]
    out, ref = run(program, ours), run(program, theirs, torch=True)
    assert out.data == pytest.approx(ref.item(), rel=1e-12, abs=1e-12)
    out.backward()
    if ref.requires_grad:
        ref.backward()
    for v, t in zip(ours, theirs, strict=True):
        expected = 0.0 if t.grad is None else t.grad.item()
        assert v.grad == pytest.approx(expected, rel=1e-10, abs=1e-10)


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


@pytest.mark.parametrize("op", OP_NAMES)
@given(leaves=st.lists(st.floats(-2, 2), min_size=5, max_size=5))
def test_every_op_matches_torch(op, leaves):
    program = resolve(leaves, [(op, tuple(range(OPS[op][0])))])
    assume(program is not None and program[0][0] == op)
    ours = [Value(x) for x in leaves]
    theirs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in leaves]
    out, ref = run(program, ours), run(program, theirs, torch=True)
    out.backward()
    ref.backward()
    assert out.data == pytest.approx(ref.item(), rel=1e-12, abs=1e-12)
    for v, t in zip(ours, theirs, strict=True):
        expected = 0.0 if t.grad is None else t.grad.item()
        assert v.grad == pytest.approx(expected, rel=1e-10, abs=1e-10)
