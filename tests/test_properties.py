"""Properties on random expressions over every op: backprop agrees with central differences."""

import pytest
from expressions import OP_NAMES, OPS, programs, resolve, run
from hypothesis import assume, given
from hypothesis import strategies as st

from microgradkr import Value, backward_steps, gradcheck, gradients_after


def checked(case):
    leaves, program = case
    resolved = resolve(leaves, program)
    assume(resolved is not None)
    return leaves, resolved


@given(programs())
def test_gradcheck_on_random_expressions(case):
    leaves, program = checked(case)
    assert gradcheck(lambda *xs: run(program, xs), [Value(x) for x in leaves], atol=1e-5)


@pytest.mark.parametrize("op", OP_NAMES)
@given(leaves=st.lists(st.floats(-2, 2), min_size=5, max_size=5))
def test_every_op_alone_passes_gradcheck(op, leaves):
    program = [(op, tuple(range(OPS[op][0])))]
    leaves, program = checked((leaves, program))
    assert gradcheck(lambda *xs: run(program, xs), [Value(x) for x in leaves])


@given(programs())
def test_steps_replay_backward(case):
    leaves, program = checked(case)
    xs = [Value(x) for x in leaves]
    out = run(program, xs)
    steps = backward_steps(out)
    out.backward()
    final = gradients_after(steps, len(steps))
    for x in xs:
        assert final.get(x, 0.0) == pytest.approx(x.grad, rel=1e-12, abs=1e-12)


@given(programs())
def test_backward_twice_doubles_leaf_gradients(case):
    leaves, program = checked(case)
    xs = [Value(x) for x in leaves]
    out = run(program, xs)
    out.backward()
    once = [x.grad for x in xs]
    out.backward()
    assert [x.grad for x in xs] == pytest.approx([2 * g for g in once], rel=1e-12, abs=1e-12)
