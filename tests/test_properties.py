"""Properties on random expressions over every op: backprop agrees with central differences."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microgradkr import backward_steps, gradcheck, gradients_after
from microgradkr.testing import (
    BUILTIN_OPS,
    BUILTIN_TENSOR_OPS,
    expressions,
    op_cases,
    tensor_expressions,
    tensor_op_cases,
)


@given(expressions())
def test_gradcheck_on_random_expressions(case):
    f, inputs = case
    assert gradcheck(f, inputs)


@pytest.mark.parametrize("op", BUILTIN_OPS)
@given(data=st.data())
def test_every_op_alone_passes_gradcheck(op, data):
    assert gradcheck(*data.draw(op_cases(op)))


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


# Tensors: every op of tensor.py through the registry (test_testing.py checks it is all of them).


@pytest.mark.parametrize("op", BUILTIN_TENSOR_OPS)
@settings(max_examples=10)
@given(data=st.data())
def test_every_tensor_op_alone_passes_gradcheck(op, data):
    assert gradcheck(*data.draw(tensor_op_cases(op)))


@settings(max_examples=40)
@given(tensor_expressions())
def test_gradcheck_on_random_tensor_expressions(case):
    assert gradcheck(*case)
