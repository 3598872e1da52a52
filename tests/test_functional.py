"""functional: docs/reference.md 2c (Softmax-with-Loss) and 3 (losses), for Tensors and Values."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from microgradkr import Tensor, Value, gradcheck
from microgradkr import functional as F


def test_softmax_of_the_notes_example() -> None:
    y = F.softmax(Tensor([0.3, 2.9, 4.0]))
    assert_allclose(y.data, [0.01821127, 0.24519181, 0.73659691], atol=5e-9)
    assert_allclose(y.data.sum(), 1.0)


def test_softmax_subtracts_the_max_so_large_inputs_do_not_overflow() -> None:
    y = F.softmax(Tensor([1010.0, 1000.0, 990.0]))
    assert not np.isnan(y.data).any()
    assert_allclose(y.data, [9.99954600e-01, 4.53978686e-05, 2.06106005e-09], rtol=1e-8)
    lse = 1010.0 + np.log1p(np.exp(-10.0) + np.exp(-20.0))
    assert_allclose(
        F.log_softmax(Tensor([1010.0, 1000.0, 990.0])).data, [1010 - lse, 1000 - lse, 990 - lse]
    )


def test_softmax_with_loss_backward_is_y_minus_t_over_n() -> None:
    rng = np.random.default_rng(0)
    a = Tensor(rng.standard_normal((4, 3)), requires_grad=True)
    labels = np.array([0, 2, 1, 2])
    t = np.eye(3)[labels]
    loss = F.cross_entropy(a, labels)
    loss.backward()
    y = F.softmax(Tensor(a.data)).data
    assert_allclose(a.grad, (y - t) / 4)
    # one-hot targets give the same loss and gradient
    b = Tensor(a.data, requires_grad=True)
    loss_onehot = F.cross_entropy(b, t)
    loss_onehot.backward()
    assert_allclose(loss_onehot.data, loss.data)
    assert_allclose(b.grad, (y - t) / 4)


def test_fused_softmax_with_loss_equals_the_two_step_graph() -> None:
    rng = np.random.default_rng(1)
    a1 = Tensor(rng.standard_normal((5, 4)), requires_grad=True)
    a2 = Tensor(a1.data.copy(), requires_grad=True)
    labels = np.array([3, 0, 1, 1, 2])
    F.cross_entropy(a1, labels).backward()
    (-F.log_softmax(a2)[np.arange(5), labels].mean()).backward()
    assert_allclose(a1.grad, a2.grad, atol=1e-15)


def test_cross_entropy_stays_finite_for_huge_logits() -> None:
    a = Tensor([[1010.0, 1000.0, 990.0]], requires_grad=True)
    loss = F.cross_entropy(a, np.array([2]))
    assert_allclose(loss.data, 20.0000454, rtol=1e-7)
    loss.backward()
    assert np.isfinite(a.grad).all()


def test_cross_entropy_on_one_example_and_gradcheck() -> None:
    assert_allclose(
        F.cross_entropy(Tensor([0.3, 2.9, 4.0]), np.array(2)).data, -np.log(0.73659691), rtol=1e-7
    )
    rng = np.random.default_rng(2)
    labels = np.array([1, 0, 2])
    assert gradcheck(lambda a: F.cross_entropy(a, labels), [rng.standard_normal((3, 3))])


def test_cross_entropy_error_dlfs_form() -> None:
    # DLfS ch.4: y from the book, t = one-hot "2" -> 0.510825457099338
    y = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])
    t = np.zeros(10)
    t[2] = 1
    assert_allclose(F.cross_entropy_error(Tensor(y), t).data, 0.510825457099338)
    assert_allclose(F.cross_entropy_error(Tensor(y), np.array(2)).data, 0.510825457099338)
    y7 = np.array([0.1, 0.05, 0.1, 0.0, 0.05, 0.1, 0.0, 0.6, 0.0, 0.0])
    assert_allclose(F.cross_entropy_error(Tensor(y7), t).data, 2.302584092994546)
    batch = Tensor(np.stack([y, y7]), requires_grad=True)
    loss = F.cross_entropy_error(batch, np.array([2, 2]))
    assert_allclose(loss.data, (0.510825457099338 + 2.302584092994546) / 2)
    loss.backward()
    expected = np.zeros((2, 10))
    expected[:, 2] = -1 / (2 * (np.array([0.6, 0.1]) + 1e-7))
    assert_allclose(batch.grad, expected)


def test_cross_entropy_error_log_zero_is_kept_away_by_delta() -> None:
    y = Tensor([[0.0, 1.0]])
    assert_allclose(F.cross_entropy_error(y, np.array([0])).data, -np.log(1e-7))


def test_mse_is_the_half_sum_of_squares() -> None:
    # DLfS ch.4: sum of squares error 0.0975 and 0.5975
    t = np.zeros(10)
    t[2] = 1
    y = Tensor([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0], requires_grad=True)
    loss = F.mse(y, t)
    assert_allclose(loss.data, 0.0975)
    loss.backward()
    assert_allclose(y.grad, y.data - t)  # d/dy 1/2 (y - t)^2 = y - t
    y7 = Tensor([0.1, 0.05, 0.1, 0.0, 0.05, 0.1, 0.0, 0.6, 0.0, 0.0])
    assert_allclose(F.mse(y7, t).data, 0.5975)
    assert_allclose(F.mse(y7, t, reduction="mean").data, 2 * 0.5975 / 10)


def test_hinge_cs231n_example() -> None:
    # CS231n lecture 3: scores of cat/car/frog for three images; losses 2.9, 0, 12.9, mean 5.27
    scores = Tensor([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]], requires_grad=True)
    loss = F.hinge(scores, np.array([0, 1, 2]))
    assert_allclose(loss.data, (2.9 + 0.0 + 12.9) / 3)
    loss.backward()
    # each positive margin sends +1 to its class and -1 to the correct one, over N = 3
    assert_allclose(scores.grad, np.array([[-1, 1, 0], [0, 0, 0], [1, 1, -2]]) / 3)


def test_value_lists_match_tensors() -> None:
    logits = [0.3, 2.9, 4.0]
    vs = [Value(v) for v in logits]
    ys = F.softmax(vs)
    assert_allclose([y.data for y in ys], [0.01821127, 0.24519181, 0.73659691], atol=5e-9)
    big = F.softmax([Value(1010.0), Value(1000.0), Value(990.0)])
    assert_allclose(
        [y.data for y in big], [9.99954600e-01, 4.53978686e-05, 2.06106005e-09], rtol=1e-8
    )
    loss = F.cross_entropy(vs, 1)
    loss.backward()
    t = Tensor(logits, requires_grad=True)
    tl = F.cross_entropy(t, np.array(1))
    tl.backward()
    assert_allclose(loss.data, tl.data)
    assert_allclose([v.grad for v in vs], t.grad)  # (y - t) / 1
    assert_allclose([v.data for v in F.log_softmax(vs)], F.log_softmax(Tensor(logits)).data)
    assert gradcheck(lambda a, b, c: F.cross_entropy([a, b, c], 2), logits)


def test_bad_targets_are_named() -> None:
    a = Tensor(np.zeros((2, 3)))
    with pytest.raises(IndexError, match=r"labels must lie in \[0, 3\)"):
        F.cross_entropy(a, np.array([0, 3]))
    with pytest.raises(IndexError, match=r"labels must lie"):
        F.cross_entropy(a, np.array([0, -1]))
    with pytest.raises(
        ValueError, match=r"labels of shape \(3,\) do not match logits of shape \(2, 3\)"
    ):
        F.cross_entropy(a, np.array([0, 1, 2]))
    with pytest.raises(TypeError, match="integer labels"):
        F.cross_entropy(a, np.array([0.5, 1.0]))
    with pytest.raises(ValueError, match="mse"):
        F.mse(a, np.zeros(3))
    with pytest.raises(ValueError, match="hinge"):
        F.hinge(a, np.array([0.0, 1.0]))
    with pytest.raises(IndexError, match=r"label 5 is not in \[0, 2\)"):
        F.cross_entropy([Value(1.0), Value(2.0)], 5)
    with pytest.raises(TypeError, match="softmax"):
        F.softmax(["a", "b"])
