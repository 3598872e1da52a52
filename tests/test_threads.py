"""Several threads on one graph: backward, grad(), the memo tables and the grad-mode counters.

Each test starts its threads at a barrier and runs with a tiny switch interval, so the threads
really interleave inside a pass (before the fix these failed on most trials); a bounded number of
trials, and the numbers are compared with one pass run alone.
"""

from __future__ import annotations

import gc
import math
import sys
import threading
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import numpy as np
import pytest

import microgradkr as mg
from microgradkr import Function, Tensor, Value, anomaly, grad_mode, ops
from microgradkr.graph import TWIN_LIMIT, backward_twin

THREADS = 4
TRIALS = 4


@pytest.fixture(autouse=True)
def _switch_often() -> Iterator[None]:
    """Let the interpreter switch threads every microsecond: inside a pass, not between them."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


def in_threads(calls: list[Callable[[], Any]]) -> list[Any]:
    """Each call in a thread of its own, all started at a barrier; their results (or raises the
    first error)."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = calls[i]()
        except BaseException as err:  # re-raised in the test's thread
            errors.append(err)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


def value_graph() -> tuple[list[Value], Value]:
    """A loss over 10 leaves, ~2,000 nodes, every leaf used many times (fan-out everywhere)."""
    xs = [Value(0.1 * i - 0.4, label=f"x{i}") for i in range(10)]
    y = xs[0]
    for i in range(400):
        a, b = xs[i % 10], xs[(7 * i + 3) % 10]
        y = (y * a + b).tanh() if i % 2 else y * 0.9 + a.relu() - b
    return xs, y


def tensor_graph() -> tuple[list[Tensor], Tensor]:
    """A 60-layer tanh net sharing one W and b: every pass adds 60 terms to each."""
    rng = np.random.default_rng(0)
    w = Tensor(rng.normal(size=(6, 6)) * 0.5, requires_grad=True)
    b = Tensor(rng.normal(size=6) * 0.1, requires_grad=True)
    h = Tensor(rng.normal(size=(3, 6)))
    for _ in range(60):
        h = (h @ w + b).tanh()
    return [w, b], (h * h).sum()


def test_backward_from_threads_adds_each_pass_once_on_a_value_graph() -> None:
    for _ in range(TRIALS):
        xs, y = value_graph()
        y.backward()
        one = [x.grad for x in xs]
        inner = y._prev[0].grad
        for x in xs:
            x.grad = 0.0
        in_threads([y.backward] * THREADS)
        assert [x.grad for x in xs] == pytest.approx([THREADS * g for g in one], rel=1e-12)
        assert y._prev[0].grad == inner  # inner nodes: one pass's gradient, not compounded


def test_backward_from_threads_adds_each_pass_once_on_a_tensor_graph() -> None:
    for _ in range(TRIALS):
        params, loss = tensor_graph()
        loss.backward()
        one = [p.grad.copy() for p in params]
        for p in params:
            p.grad = None
        in_threads([loss.backward] * THREADS)
        for p, g in zip(params, one, strict=True):
            np.testing.assert_allclose(p.grad, THREADS * g, rtol=1e-12)


def test_backward_from_threads_on_graphs_sharing_only_their_weights() -> None:
    """Data parallel: each thread its own sample's graph, one set of weights (leaves)."""
    w = [Value(0.3), Value(-0.7), Value(0.2)]

    def loss(i: int) -> Value:
        h = w[2]
        for k in range(300):
            h = (h * w[0] + (0.01 * (k + i)) * w[1]).tanh()
        return h

    def backward_of(i: int) -> None:
        loss(i).backward()

    expected = [0.0] * 3
    for i in range(THREADS):
        for k, g in enumerate(mg.grad(loss(i), w)):
            expected[k] += g
    for _ in range(TRIALS):
        for p in w:
            p.grad = 0.0
        in_threads([partial(backward_of, i) for i in range(THREADS)])
        assert [p.grad for p in w] == pytest.approx(expected, rel=1e-12)


def test_grad_from_threads_is_each_thread_s_own_and_leaves_grad_alone() -> None:
    for _ in range(TRIALS):
        xs, y = value_graph()
        expected = mg.grad(y, xs)
        for x in xs:
            x.grad = 0.5  # a user's accumulated gradient, which grad() must not touch
        results = in_threads([partial(mg.grad, y, xs)] * THREADS)
        for got in results:
            assert got == pytest.approx(expected, rel=1e-12)
        assert [x.grad for x in xs] == [0.5] * len(xs)


def test_grad_from_threads_on_a_tensor_graph() -> None:
    for _ in range(TRIALS):
        params, loss = tensor_graph()
        expected = mg.grad(loss, params)
        results = in_threads([partial(mg.grad, loss, params)] * THREADS)
        for got in results:
            for g, e in zip(got, expected, strict=True):
                np.testing.assert_allclose(g, e, rtol=1e-12)
        assert all(p.grad is None for p in params)


def test_grad_and_backward_from_threads_at_once() -> None:
    """Two threads call backward, two call grad(): the grad() ones see their own pass only."""
    for _ in range(TRIALS):
        xs, y = value_graph()
        expected = mg.grad(y, xs)
        results = in_threads([partial(mg.grad, y, xs), y.backward] * (THREADS // 2))
        for got in results[::2]:
            assert got == pytest.approx(expected, rel=1e-12)
        half = THREADS // 2
        assert [x.grad for x in xs] == pytest.approx([half * g for g in expected], rel=1e-12)


def test_second_derivatives_from_threads() -> None:
    """create_graph=True in every thread: d2y/dx2 of a 40-deep chain, as one thread alone."""

    def second(x: Value, y: Value) -> float:
        (dx,) = mg.grad(y, [x], create_graph=True)
        (ddx,) = mg.grad(dx, [x])
        return ddx

    for _ in range(TRIALS):
        x = Value(0.7)
        y = x
        for _ in range(40):
            y = (y * x).tanh() + x**3
        expected = second(x, y)
        assert in_threads([partial(second, x, y)] * THREADS) == pytest.approx([expected] * THREADS)
        x.grad = 0.0
        y.backward(create_graph=True)
        one = x.grad.data
        x.grad = 0.0
        in_threads([partial(y.backward, create_graph=True)] * THREADS)
        assert x.grad.data == pytest.approx(THREADS * one, rel=1e-12)


def test_pow_memo_from_threads_past_its_limit() -> None:
    """pow_op(k) for 3,000 exponents per thread, four threads: each op raises to its own k."""

    def powers(start: float) -> bool:
        ks = [start + k * 1e-4 for k in range(3000)]
        return all(ops.pow_op(k).forward(1.0001) == 1.0001**k for k in ks)

    assert ops.MEMO_LIMIT < 1000
    for trial in range(TRIALS):
        starts = [trial + i + 0.5 for i in range(THREADS)]
        assert in_threads([partial(powers, k) for k in starts]) == [True] * THREADS
    assert (Value(1.0001) ** 2.5).data == 1.0001**2.5


def test_ones_memo_from_threads_past_its_limit() -> None:
    """ones(n) for 1,000 sizes per thread, four threads: n of them each, and add_n's gradients."""

    def tables(start: int) -> bool:
        return all(len(ops.ones(n)) == n for n in range(start, start + 1000))

    for _ in range(2 * TRIALS):
        starts = [1 + 1000 * i for i in range(THREADS)]
        assert in_threads([partial(tables, n) for n in starts]) == [True] * THREADS
    node = mg.add_n([Value(1.0)] * 300)
    assert node.data == 300 and node.local_grads == (1.0,) * 300


def test_backward_twins_from_threads_past_their_limit() -> None:
    """One twin per op from four threads at once, past the table's limit: each one right."""

    def twins(start: float) -> bool:
        ok = True
        for k in range(TWIN_LIMIT * 2):
            op = ops.pow_op(start + k * 1e-3)
            twin = backward_twin(op)
            ok &= twin.in_backward and twin.local is op.local and twin.symbol == op.symbol
        return ok

    for trial in range(TRIALS):
        starts = [10.0 * (i + THREADS * trial) for i in range(THREADS)]
        assert in_threads([partial(twins, k) for k in starts]) == [True] * THREADS
    x = Value(1.5)
    (dx,) = mg.grad(x**2.5, [x], create_graph=True)
    assert dx.op.in_backward and dx.data == pytest.approx(2.5 * 1.5**1.5, rel=1e-12)


class Sin(Function):
    differentiable_backward = True

    def forward(self, x: Any) -> Any:
        return np.sin(x)

    def backward(self, gy: Any) -> Any:
        return gy * Cos()(self.input)


class Cos(Function):
    differentiable_backward = True

    def forward(self, x: Any) -> Any:
        return np.cos(x)

    def backward(self, gy: Any) -> Any:
        return gy * -1.0 * Sin()(self.input)


class Square(Function):
    def forward(self, x: Any) -> Any:
        return x * x

    def backward(self, gy: Any) -> Any:
        return 2.0 * self.input.data * gy


def test_functions_from_threads() -> None:
    """One Function instance used by two threads, and a differentiable one beside it: the
    numbers-only mode of one thread's backward does not leak into another thread's nodes."""
    square = Square()

    def run(i: int) -> list[float]:
        errors = []
        for k in range(150):
            x = Value(0.01 * k + i)
            y = Sin()(x) if i % 2 else square(x)
            y.backward()
            expected = math.cos(x.data) if i % 2 else 2.0 * x.data
            errors.append(x.grad - expected)
        return errors

    for _ in range(TRIALS):
        for errors in in_threads([partial(run, i) for i in range(THREADS)]):
            assert max(map(abs, errors)) < 1e-12


def counts() -> tuple[int, int, int]:
    gc.collect()
    return grad_mode.OFF[0], grad_mode.DETOUR[0], anomaly.OPEN[0]


def test_a_thread_that_ends_with_grad_off_gives_its_count_back() -> None:
    assert counts() == (0, 0, 0)

    def end_inside(i: int) -> None:
        if i % 2:
            mg.set_grad_enabled(False)  # a plain call, never switched back
        else:
            mg.no_grad().__enter__()  # a block never left
        assert (Value(2.0) * 3.0).op is None

    in_threads([partial(end_inside, i) for i in range(THREADS)])
    assert counts() == (0, 0, 0)
    assert (Value(2.0) * 3.0).op is ops.MUL


def test_a_thread_that_ends_inside_detect_anomaly_gives_its_count_back() -> None:
    kept = []

    def end_inside() -> None:
        block = anomaly.detect_anomaly()
        block.__enter__()  # never left; the block outlives the thread
        kept.append(block)
        with pytest.raises(FloatingPointError):
            Value(math.inf) * 0.0

    in_threads([end_inside] * THREADS)
    assert counts() == (0, 0, 0)
    with anomaly.detect_anomaly():
        kept.clear()  # the blocks are collected here: they must not end this thread's block
        gc.collect()
        assert counts() == (0, 1, 1)
        with pytest.raises(FloatingPointError):
            Value(math.inf) * 0.0
    assert counts() == (0, 0, 0)


def test_counts_stay_exact_when_threads_switch_at_once() -> None:
    """Entering and leaving no_grad and detect_anomaly in four threads: no count is lost."""

    def toggle() -> bool:
        ok = True
        for _ in range(300):
            with mg.no_grad():
                ok &= (Value(1.0) + 1.0).op is None
            with anomaly.detect_anomaly():
                ok &= (Value(1.0) + 1.0).op is ops.ADD
        return ok

    assert in_threads([toggle] * THREADS) == [True] * THREADS
    assert counts() == (0, 0, 0)
