"""Properties on random expressions over every op: backprop agrees with central differences."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microgradkr import backward_steps, gradcheck, gradients_after
from microgradkr.testing import BUILTIN_OPS, REGISTRY, Expression, expressions, values


@given(expressions())
def test_gradcheck_on_random_expressions(case):
    f, inputs = case
    assert gradcheck(f, inputs)


@pytest.mark.parametrize("op", BUILTIN_OPS)
@given(xs=st.lists(values(-2, 2), min_size=5, max_size=5))
def test_every_op_alone_passes_gradcheck(op, xs):
    entry = REGISTRY[op]
    xs = xs[: entry.arity]
    if entry.safe is not None and not entry.safe(*(x.data for x in xs)):
        return  # at a kink or out of the domain: not a meaningful check
    assert gradcheck(Expression(entry.arity, [(op, tuple(range(entry.arity)))]), xs)


@given(expressions())
def test_steps_replay_backward(case):
    f, xs = case
    out = f(*xs)
    steps = backward_steps(out)
    out.backward()
    final = gradients_after(steps, len(steps))
    for x in xs:
        assert final.get(x, 0.0) == pytest.approx(x.grad, rel=1e-12, abs=1e-12)


@given(expressions())
def test_backward_twice_doubles_leaf_gradients(case):
    f, xs = case
    out = f(*xs)
    out.backward()
    once = [x.grad for x in xs]
    out.backward()
    assert [x.grad for x in xs] == pytest.approx([2 * g for g in once], rel=1e-12, abs=1e-12)

