"""jacobian, vjp and gradcheck on Tensors: CS231n's Jacobian view, built from VJPs."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from microgradkr import GradcheckError, Tensor, Value, gradcheck, jacobian, vjp
from microgradkr import functional as F

W = np.array([[0.1, 0.5], [-0.3, 0.8]])
X = np.array([0.2, 0.4])


@pytest.mark.parametrize(
    "op",
    [
        lambda x: x.exp(),
        lambda x: x.tanh(),
        lambda x: x.sigmoid(),
        lambda x: x.relu(),
        lambda x: x * x,
        lambda x: x**3,
        lambda x: 2.0 * x - 1.0,
    ],
)
def test_elementwise_ops_have_diagonal_jacobians(op: object) -> None:
    x = np.array([0.5, -1.2, 2.0, 0.3])
    J = jacobian(op, x)  # type: ignore[arg-type]
    assert J.shape == (4, 4)
    assert_allclose(J, np.diag(np.diag(J)))
    h = 1e-6
    numerical = (op(Tensor(x + h)).data - op(Tensor(x - h)).data) / (2 * h)  # type: ignore[operator]
    assert_allclose(np.diag(J), numerical, rtol=1e-6)


def test_jacobian_of_W_x_with_respect_to_x_is_W() -> None:
    assert_allclose(jacobian(lambda x: Tensor(W) @ x, X), W)
    rng = np.random.default_rng(0)
    A = rng.standard_normal((3, 5))
    assert_allclose(jacobian(lambda x: Tensor(A) @ x, rng.standard_normal(5)), A)


def test_jacobian_of_W_x_with_respect_to_W_holds_x_in_each_row() -> None:
    # q_i = sum_j W_ij x_j: dq_i / dW_kj = [i = k] x_j, W flattened row by row
    J = jacobian(lambda w: w @ Tensor(X), W)
    assert_allclose(J, [[0.2, 0.4, 0.0, 0.0], [0.0, 0.0, 0.2, 0.4]])


def test_l2_through_jacobians_reference_2a() -> None:
    q = W @ X
    df_dq = jacobian(lambda q: (q * q).sum(), q)  # 1 x 2: 2 q^T
    assert_allclose(df_dq, [[0.44, 0.52]], atol=1e-12)
    assert_allclose(df_dq @ jacobian(lambda x: Tensor(W) @ x, X), [[-0.112, 0.636]], atol=1e-12)
    dW = (df_dq @ jacobian(lambda w: w @ Tensor(X), W)).reshape(2, 2)
    assert_allclose(dW, [[0.088, 0.176], [0.104, 0.208]], atol=1e-12)


def test_vjp_equals_v_transpose_J() -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal(4)
    v = rng.standard_normal(3)
    A = rng.standard_normal((3, 4))

    def f(t: Tensor) -> Tensor:
        return (Tensor(A) @ t).tanh()

    out, g = vjp(f, x, v)
    assert_allclose(out, np.tanh(A @ x))
    assert_allclose(g, v @ jacobian(f, x))


def test_softmax_jacobian_is_diag_y_minus_y_yT() -> None:
    a = np.array([0.3, 2.9, 4.0])
    y = F.softmax(Tensor(a)).data
    assert_allclose(jacobian(F.softmax, a), np.diag(y) - np.outer(y, y), atol=1e-15)


def test_jacobian_of_a_matrix_output_and_input() -> None:
    x = np.arange(6.0).reshape(2, 3)
    J = jacobian(lambda t: t.T, x)
    assert J.shape == (6, 6)
    assert_allclose(J @ x.reshape(-1), x.T.reshape(-1))  # a permutation matrix


def test_jacobian_leaves_other_gradients_alone() -> None:
    w = Tensor(W, requires_grad=True)
    w.grad = np.full((2, 2), 7.0)
    J = jacobian(lambda x: w @ x, X)
    assert_allclose(J, W)
    assert_allclose(w.grad, 7.0)


def test_vjp_checks_the_shape_of_v() -> None:
    with pytest.raises(ValueError, match=r"v has shape \(3,\), but f\(x\) has shape \(2,\)"):
        vjp(lambda x: Tensor(W) @ x, X, np.ones(3))


def test_jacobian_needs_f_to_return_a_tensor() -> None:
    with pytest.raises(TypeError, match="return a Tensor"):
        jacobian(lambda x: 3.0, X)  # type: ignore[arg-type, return-value]


# -- gradcheck on Tensors --


def test_gradcheck_on_the_l2_example() -> None:
    assert gradcheck(lambda w, x: ((w @ x) ** 2).sum(), [Tensor(W, label="W"), X])
    assert gradcheck(lambda w, x: w @ x, [W, X])  # a vector output: every entry of J


def test_gradcheck_works_on_float32_inputs_in_float64() -> None:
    x = Tensor(X, dtype=np.float32)
    assert gradcheck(lambda t: (t.exp() * t).sum(), [x])
    assert x.dtype == np.float32


def test_gradcheck_reports_the_worst_element() -> None:
    def wrong(x: Tensor) -> Tensor:
        # x * stop_gradient(x) has derivative 2x, backprop sees only x
        return (x * x.detach()).sum()

    x = Tensor([[1.0, 2.0], [3.0, -4.0]], label="x")
    with pytest.raises(GradcheckError) as info:
        gradcheck(wrong, [x])
    message = str(info.value)
    assert "j=(1, 1)" in message and "<- mismatch" in message and "x" in message
    (row,) = info.value.rows
    assert row.element == (1, 1) and row.output == ()
    assert_allclose([row.analytic, row.numerical], [-4.0, -8.0], rtol=1e-6)
    assert gradcheck(wrong, [x], raise_exception=False) is False


def test_gradcheck_does_not_change_the_inputs() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    x.grad = np.array([5.0, 5.0])
    assert gradcheck(lambda t: (t * t).sum(), [x])
    assert_allclose(x.data, [1.0, 2.0])
    assert_allclose(x.grad, [5.0, 5.0])


def test_gradcheck_on_values_is_unchanged() -> None:
    assert gradcheck(lambda x, y: x * y + x.exp(), [Value(0.5), Value(-1.5)])
    with pytest.raises(TypeError, match=r"gradcheck: inputs\[1\] must be a Tensor or an array"):
        gradcheck(lambda a, b: a, [X, "b"])
