"""Tensor: docs/reference.md 2a and 2b, broadcasting, gradient bookkeeping, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from microgradkr import (
    CHAIN,
    DISTRIBUTOR,
    ROUTER,
    SWITCHER,
    Tensor,
    Value,
    gradcheck,
    maximum,
    sum_to,
    topological_order,
)


def l2_example() -> tuple[Tensor, Tensor, Tensor, Tensor]:
    W = Tensor([[0.1, 0.5], [-0.3, 0.8]], requires_grad=True, label="W")
    x = Tensor([0.2, 0.4], requires_grad=True, label="x")
    q = W @ x
    f = (q * q).sum()
    return f, q, W, x


# -- docs/reference.md 2a: f = ||W x||^2 ----------------------------------------------------


def test_l2_forward_and_gradients_match_reference_2a() -> None:
    f, q, W, x = l2_example()
    f.backward()
    assert_allclose(q.data, [0.22, 0.26], atol=1e-12)
    assert_allclose(f.data, 0.116, atol=1e-12)
    assert_allclose(q.grad, [0.44, 0.52], atol=1e-12)
    assert_allclose(W.grad, [[0.088, 0.176], [0.104, 0.208]], atol=1e-12)
    assert_allclose(x.grad, [-0.112, 0.636], atol=1e-12)


def test_l2_gradient_has_the_variables_shape() -> None:
    f, q, W, x = l2_example()
    f.backward()
    assert W.grad is not None and x.grad is not None
    assert W.grad.shape == W.shape and x.grad.shape == x.shape
    assert f.shape == () and f.grad is not None and f.grad.shape == ()


def test_l2_gradients_are_2qxT_and_2WTq() -> None:
    f, q, W, x = l2_example()
    f.backward()
    assert_allclose(W.grad, 2 * np.outer(q.data, x.data))
    assert_allclose(x.grad, 2 * W.data.T @ q.data)


# -- docs/reference.md 2b: the Affine layer on a batch --


def test_affine_backward_matches_dlfs_formulas() -> None:
    rng = np.random.default_rng(0)
    N, D, M = 5, 4, 3
    X = Tensor(rng.standard_normal((N, D)), requires_grad=True)
    W = Tensor(rng.standard_normal((D, M)), requires_grad=True)
    B = Tensor(rng.standard_normal(M), requires_grad=True)
    dY = rng.standard_normal((N, M))
    Y = X @ W + B
    Y.backward(dY)
    assert_allclose(Y.data, X.data @ W.data + B.data)
    assert_allclose(X.grad, dY @ W.data.T)
    assert_allclose(W.grad, X.data.T @ dY)
    assert_allclose(B.grad, dY.sum(axis=0))  # broadcast forward, sum backward


# -- construction --


def test_float64_by_default_and_float32_on_request() -> None:
    assert Tensor([1, 2]).dtype == np.float64
    t = Tensor([1.0, 2.0], dtype=np.float32, requires_grad=True)
    assert t.dtype == np.float32
    y = (t * 2.0 + 1).exp().sum()
    assert y.dtype == np.float32
    y.backward()
    assert t.grad is not None and t.grad.dtype == np.float32


def test_properties() -> None:
    t = Tensor(np.arange(6.0).reshape(2, 3))
    assert t.shape == (2, 3) and t.ndim == 2 and t.size == 6
    assert t.T.shape == (3, 2)
    assert t.numpy() is t.data
    assert len(t) == 2
    assert "Tensor(" in repr(t)
    assert float(Tensor(3.0)) == 3.0


def test_tensor_stays_hashable_by_identity() -> None:
    a, b = Tensor([1.0]), Tensor([1.0])
    assert len({a, b}) == 2


# -- bookkeeping --


def test_constants_get_no_gradient_and_record_no_graph() -> None:
    x = Tensor([1.0, 2.0])
    w = Tensor([3.0, 4.0], requires_grad=True)
    c = x * 2.0
    assert not c.requires_grad and c._prev == ()
    y = (w * c).sum()
    y.backward()
    assert x.grad is None and c.grad is None
    assert_allclose(w.grad, [2.0, 4.0])


def test_fan_out_sums_gradients() -> None:
    x = Tensor([1.0, -2.0, 3.0], requires_grad=True)
    (x * x + x).sum().backward()
    assert_allclose(x.grad, 2 * x.data + 1)


def test_leaves_accumulate_and_none_clears() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * 3.0).sum()
    y.backward()
    y.backward()
    assert_allclose(x.grad, [6.0, 6.0])
    x.grad = None
    y.backward()
    assert_allclose(x.grad, [3.0, 3.0])


def test_leaf_gradients_never_share_memory() -> None:
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 4.0], requires_grad=True)
    y = a + b
    g = np.array([1.0, 1.0])
    y.backward(g)
    assert a.grad is not None and b.grad is not None
    a.grad[0] = 100.0
    assert b.grad[0] == 1.0 and g[0] == 1.0


def test_zero_grad_clears_the_graph() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    y.zero_grad()
    assert x.grad is None and y.grad is None


def test_inner_gradients_are_not_compounded_across_passes() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 2.0
    y = (h * h).sum()
    y.backward()
    y.backward()
    assert_allclose(h.grad, 2 * h.data)  # an inner node holds this pass's gradient only
    assert_allclose(x.grad, 2 * 8 * x.data)


def test_numpy_operands_on_the_left_defer_to_tensor() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    for y in (np.array([2.0, 3.0]) * x, 2.0 * x, np.array([[1.0, 0.0], [0.0, 1.0]]) @ x):
        assert isinstance(y, Tensor)
    (np.array([2.0, 3.0]) - x).sum().backward()
    assert_allclose(x.grad, [-1.0, -1.0])


def test_deep_chain_needs_no_recursion() -> None:
    x = Tensor([1.0], requires_grad=True)
    y = x
    for _ in range(20_000):
        y = y + 1.0
    y.sum().backward()
    assert_allclose(x.grad, [1.0])


def test_nodes_carry_what_a_diagram_needs() -> None:
    f, q, W, x = l2_example()
    assert q._op == "@" and q.pattern == SWITCHER and q.parents == (W, x)
    assert (W + W).pattern == DISTRIBUTOR
    assert W.relu().pattern == ROUTER and W.exp().pattern == CHAIN
    assert W.pattern is None and W._op == ""
    order = topological_order(f)
    assert order[-1] is f and {W, x} <= set(order)
    assert [n.shape for n in order if n.op is not None] == [(2,), (2,), ()]


def test_sum_to_undoes_broadcasting() -> None:
    g = np.ones((4, 2, 3))
    assert_allclose(sum_to(g, (3,)), np.full(3, 8.0))
    assert_allclose(sum_to(g, (2, 1)), np.full((2, 1), 12.0))
    assert_allclose(sum_to(g, ()), 24.0)


def test_scalar_broadcast_gradient_is_summed() -> None:
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    b = Tensor(0.5, requires_grad=True)
    (x * b).sum().backward()
    assert b.grad is not None and b.grad.shape == ()
    assert_allclose(b.grad, 6.0)


# -- ops whose gradient has a convention --


def test_maximum_splits_ties_evenly() -> None:
    a = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = Tensor([3.0, 2.0, 1.0], requires_grad=True)
    maximum(a, b).sum().backward()
    assert_allclose(a.grad, [0.0, 0.5, 1.0])
    assert_allclose(b.grad, [1.0, 0.5, 0.0])


def test_max_reduction_splits_ties_evenly() -> None:
    x = Tensor([[1.0, 3.0, 3.0], [2.0, 0.0, -1.0]], requires_grad=True)
    x.max(axis=1).sum().backward()
    assert_allclose(x.grad, [[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]])


def test_relu_gradient_is_zero_at_zero() -> None:
    x = Tensor([-1.0, 0.0, 2.0], requires_grad=True)
    x.relu().sum().backward()
    assert_allclose(x.grad, [0.0, 0.0, 1.0])


def test_gather_with_repeated_indices_adds_up() -> None:
    x = Tensor([10.0, 20.0, 30.0], requires_grad=True)
    x[np.array([0, 2, 0, 0])].sum().backward()
    assert_allclose(x.grad, [3.0, 0.0, 1.0])


def test_indexing_rows_and_labels() -> None:
    x = Tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    y = x[np.arange(3), [1, 0, 3]]
    assert_allclose(y.data, [1.0, 4.0, 11.0])
    y.sum().backward()
    expected = np.zeros((3, 4))
    expected[[0, 1, 2], [1, 0, 3]] = 1.0
    assert_allclose(x.grad, expected)
    x.grad = None
    x[1:, ::2].sum().backward()
    assert_allclose(x.grad, [[0, 0, 0, 0], [1, 0, 1, 0], [1, 0, 1, 0]])


def test_sigmoid_does_not_overflow() -> None:
    x = Tensor([-1000.0, 0.0, 1000.0], requires_grad=True)
    y = x.sigmoid()
    assert_allclose(y.data, [0.0, 0.5, 1.0])
    y.sum().backward()
    assert_allclose(x.grad, [0.0, 0.25, 0.0])


def test_gradcheck_passes_on_a_small_network() -> None:
    rng = np.random.default_rng(1)
    X = rng.standard_normal((4, 3))

    def net(W1: Tensor, b1: Tensor, W2: Tensor) -> Tensor:
        return ((Tensor(X) @ W1 + b1).tanh() @ W2).sigmoid().mean()

    W1, b1, W2 = rng.standard_normal((3, 5)), rng.standard_normal(5), rng.standard_normal((5, 2))
    assert gradcheck(net, [W1, b1, W2])


# -- bad input --


def test_mismatched_shapes_name_the_op_and_both_shapes() -> None:
    a, b = Tensor(np.ones((2, 3))), Tensor(np.ones((4,)))
    for op, name in ((a.__add__, "add"), (a.__mul__, "mul"), (a.__sub__, "sub")):
        with pytest.raises(ValueError, match=rf"{name}.*\(2, 3\).*\(4,\)"):
            op(b)
    with pytest.raises(ValueError, match=r"matmul.*\(2, 3\).*\(2, 3\)"):
        a @ a
    with pytest.raises(ValueError, match=r"maximum.*\(2, 3\).*\(4,\)"):
        maximum(a, b)


def test_non_numeric_arrays_raise_type_error() -> None:
    with pytest.raises(TypeError, match="numbers"):
        Tensor(["a", "b"])
    with pytest.raises(TypeError, match="numbers"):
        Tensor([object(), object()])
    with pytest.raises(TypeError, match="Value"):
        Tensor([Value(1.0), Value(2.0)])
    with pytest.raises(TypeError, match="rectangular"):
        Tensor([[1.0, 2.0], [3.0]])
    with pytest.raises(TypeError):
        Tensor([1.0]) + "a"
    with pytest.raises(TypeError, match="number"):
        Tensor([1.0]) ** "2"  # a tensor exponent is an op of its own (pow_tensor)


def test_unsupported_dtype_is_refused() -> None:
    with pytest.raises(ValueError, match="float64, float32, int64 or bool"):
        Tensor([1.0], dtype=np.int32)  # int64 is the one integer dtype (labels, indices)


def test_backward_on_non_scalar_says_what_to_pass() -> None:
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(ValueError, match=r"pass an array of shape \(2, 3\)"):
        (x * 2.0).backward()


def test_backward_with_wrong_grad_shape_names_both_shapes() -> None:
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(ValueError, match=r"\(3,\).*\(2, 3\)"):
        (x * 2.0).backward(np.ones(3))


def test_backward_without_requires_grad_says_so() -> None:
    with pytest.raises(RuntimeError, match="requires_grad=True"):
        Tensor([1.0]).sum().backward()


def test_log_of_negative_names_the_value_and_the_node() -> None:
    x = Tensor([1.0, -2.0], label="x")
    with pytest.raises(ValueError, match=r"log of -2.0 at index \(1,\) at 'x'"):
        x.log()
    assert Tensor([0.0]).log().data[0] == -np.inf


def test_bad_axis_and_index_name_the_op() -> None:
    x = Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match="sum: axis 2"):
        x.sum(axis=2)
    with pytest.raises(IndexError, match="getitem"):
        x[5]
    with pytest.raises(ValueError, match="reshape"):
        x.reshape(4, 2)


def test_boolean_masks_none_and_ellipsis_index_like_numpy() -> None:
    x = Tensor([[1.0, -2.0, 3.0], [-4.0, 5.0, 6.0]], requires_grad=True)
    x[x.data > 0].sum().backward()
    assert_allclose(x.grad, [[1, 0, 1], [0, 1, 1]])
    x.grad = None
    x[None, ..., 1].sum().backward()
    assert_allclose(x.grad, [[0, 1, 0], [0, 1, 0]])
    x.grad = None
    x[:, [0, 0]].sum().backward()
    assert_allclose(x.grad, [[2, 0, 0], [2, 0, 0]])


def test_zero_dim_tensors_and_iteration() -> None:
    s = Tensor(3.0, requires_grad=True)
    (s * s).backward()
    assert_allclose(s.grad, 6.0)
    assert [float(e) for e in Tensor([1.0, 2.0])] == [1.0, 2.0]


def test_operator_rules_also_run_on_tensors() -> None:
    """Rules written with operators build a graph when given Tensors (higher order, later)."""
    from microgradkr import tensor as T
    from microgradkr.functional import SOFTMAX

    rng = np.random.default_rng(4)
    a, b, g2 = rng.random((2, 3)) + 0.5, rng.random((3, 2)) + 0.5, rng.standard_normal((2, 2))
    g = rng.standard_normal((2, 3))
    cases = [
        (T.ADD, (a, a), g, ()),
        (T.SUB, (a, a), g, ()),
        (T.MUL, (a, a), g, ()),
        (T.DIV, (a, a), g, ()),
        (T.MATMUL, (a, b), g2, ()),
        (T.NEG, (a,), g, ()),
        (T.POW, (a,), g, (3.0,)),
        (T.EXP, (a,), g, ()),
        (T.LOG, (a,), g, ()),
        (T.TANH, (a,), g, ()),
        (T.SIGMOID, (a,), g, ()),
        (T.RESHAPE, (a,), g.reshape(6), ((6,),)),
        (T.TRANSPOSE, (a,), g.T, ((1, 0),)),
        (SOFTMAX, (a,), g, (1,)),
    ]
    for op, xs, up, args in cases:
        out = op.forward(*xs, *args)
        tensors = [Tensor(x, requires_grad=True) for x in (up, *xs, out)]
        for vjp in op.vjps:
            on_arrays = vjp(up, *xs, out, *args)
            on_tensors = vjp(*tensors, *args)
            assert isinstance(on_tensors, Tensor) and on_tensors.requires_grad, op.name
            assert_allclose(on_tensors.data, on_arrays, err_msg=op.name)


def test_edge_grads_show_what_flows_on_each_edge() -> None:
    x = Tensor([1.0, -2.0], requires_grad=True)
    b = Tensor(0.5, requires_grad=True)
    c = Tensor([3.0, 3.0])
    sq = x * x
    xb = x * b
    y = sq + xb + c
    y.sum().backward()
    to_x, to_x_again = sq.edge_grads()
    assert_allclose(to_x, x.data)  # each use of x in x * x sends g * x
    assert_allclose(to_x_again, x.data)
    via_xb, to_b = xb.edge_grads()
    assert to_b is not None and to_b.shape == ()  # summed back to the broadcast input's shape
    assert_allclose(to_b, x.data.sum())
    assert_allclose(to_x + to_x_again + via_xb, x.grad)  # fan-out: the edges add up
    assert y.edge_grads()[1] is None  # c needs no gradient
    assert x.edge_grads() == ()


def test_create_graph_gives_higher_order_gradients() -> None:
    x = Tensor([0.5, -1.2, 2.0], requires_grad=True)
    (x**3).sum().backward(create_graph=True)
    first = x.grad
    assert isinstance(first, Tensor) and first.requires_grad
    assert_allclose(first.data, 3 * x.data**2)
    x.grad = None
    first.sum().backward(create_graph=True)
    second = x.grad
    assert isinstance(second, Tensor)
    assert_allclose(second.data, 6 * x.data)
    x.grad = None
    second.sum().backward()
    assert_allclose(x.grad, [6.0, 6.0, 6.0])  # third derivative, as an ndarray again


def test_create_graph_through_a_layer_matches_central_differences() -> None:
    rng = np.random.default_rng(5)
    X, W0, v = rng.standard_normal((4, 3)), rng.standard_normal((3, 2)), rng.standard_normal((3, 2))

    def grad_dot_v(w: np.ndarray) -> float:
        W = Tensor(w, requires_grad=True)
        (Tensor(X) @ W).sigmoid().sum().backward()
        return float((W.grad * v).sum())

    W = Tensor(W0, requires_grad=True)
    (Tensor(X) @ W).sigmoid().sum().backward(create_graph=True)
    gW = W.grad
    W.grad = None
    (gW * v).sum().backward()  # Hessian-vector product H v
    h = 1e-5
    numerical = np.zeros_like(W0)
    for i in np.ndindex(W0.shape):
        e = np.zeros_like(W0)
        e[i] = h
        numerical[i] = (grad_dot_v(W0 + e) - grad_dot_v(W0 - e)) / (2 * h)
    assert_allclose(W.grad, numerical, rtol=1e-6, atol=1e-9)
