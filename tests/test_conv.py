"""im2col, col2im, conv2d and pooling (microgradkr.conv) and their layers (microgradkr.nn).

Values and gradients against torch.nn.functional over hypothesis-drawn geometries (skipped
without torch); gradcheck and gradgradcheck, which need no torch; errors; layers; the demo.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microgradkr import Tensor, gradcheck, gradgradcheck, io, nn
from microgradkr import conv as conv_module
from microgradkr.functional import avg_pool2d, col2im, conv2d, cross_entropy, im2col, max_pool2d
from microgradkr.tensor import TensorOp
from microgradkr.testing import CONV_TENSOR_OPS, TENSOR_REGISTRY, check_op, tensor_op_cases

ROOT = Path(__file__).resolve().parent.parent
# drawing distinct tensors for max pooling is slow on a busy machine; that is not a failure
SLOW_DRAWS = [HealthCheck.too_slow, HealthCheck.filter_too_much]


def normal(seed: int, *shapes: tuple[int, ...]) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s) for s in shapes]


def test_every_conv_op_is_registered() -> None:
    from microgradkr import tensor as tensor_module

    def ops(module: Any) -> set[str]:
        return {v.name for v in vars(module).values() if isinstance(v, TensorOp)}

    defined = ops(conv_module) - ops(tensor_module)  # conv.py also imports SCATTER
    assert defined == set(CONV_TENSOR_OPS) <= set(TENSOR_REGISTRY)


# -- the book's layout ------------------------------------------------------------------------


def test_im2col_rows_are_patches_in_the_books_order() -> None:
    """Row (n, oy, ox) holds x[n, :, oy s + ky, ox s + kx] in (c, ky, kx) order."""
    (x,) = normal(0, (2, 3, 6, 4))
    col = im2col(x, 2, 3, stride=(3, 1), pad=(1, 0)).data
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (0, 0)))
    oh, ow = 3, 2
    assert col.shape == (2 * oh * ow, 3 * 2 * 3)
    for n in range(2):
        for oy in range(oh):
            for ox in range(ow):
                patch = xp[n, :, oy * 3 : oy * 3 + 2, ox : ox + 3]
                np.testing.assert_array_equal(col[(n * oh + oy) * ow + ox], patch.reshape(-1))


@settings(max_examples=30, deadline=None, suppress_health_check=SLOW_DRAWS)
@given(data=st.data())
def test_col2im_is_the_adjoint_of_im2col(data: Any) -> None:
    """<im2col(x), c> = <x, col2im(c)> for every x and c: col2im sums patches back."""
    f, inputs = data.draw(tensor_op_cases("col2im"))
    (_, _, (shape, kh, kw, s, p)) = f.steps[0]
    c = inputs[0].data
    (x,) = normal(1, shape)
    lhs = float((im2col(x, kh, kw, s, p).data * c).sum())
    rhs = float((x * col2im(c, shape, kh, kw, s, p).data).sum())
    assert lhs == pytest.approx(rhs, rel=1e-12, abs=1e-12)


def test_conv2d_is_im2col_times_the_filters() -> None:
    x, W, b = normal(2, (2, 3, 6, 6), (4, 3, 3, 3), (4,))
    out = conv2d(x, W, b, stride=1, pad=1).data
    col = im2col(x, 3, 3, 1, 1).data
    want = (col @ W.reshape(4, -1).T + b).reshape(2, 6, 6, 4).transpose(0, 3, 1, 2)
    np.testing.assert_allclose(out, want, rtol=0, atol=1e-12)


# -- against PyTorch --------------------------------------------------------------------------


def _torch_twin(name: str, args: tuple[Any, ...]) -> Any:
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    if name == "conv2d":
        return lambda x, w, b: F.conv2d(x, w, b, stride=args[0], padding=args[1])
    if name == "max_pool2d":
        return lambda x: F.max_pool2d(x, args[0], args[1], args[2])
    if name == "avg_pool2d":
        return lambda x: F.avg_pool2d(x, args[0], args[1], args[2])
    if name == "im2col":  # unfold: (N, C*kh*kw, L); im2col: (N*L, C*kh*kw)
        return lambda x: (
            F.unfold(x, args[:2], padding=args[3], stride=args[2])
            .transpose(1, 2)
            .reshape(-1, x.shape[1] * args[0] * args[1])
        )
    shape, kh, kw, s, p = args  # col2im = fold of the transposed rows

    def fold(c: Any) -> Any:
        cols = c.reshape(shape[0], -1, c.shape[1]).transpose(1, 2)
        return F.fold(cols, shape[2:], (kh, kw), padding=p, stride=s)

    return fold


@pytest.mark.parametrize("op", CONV_TENSOR_OPS)
@settings(max_examples=40, deadline=None, suppress_health_check=SLOW_DRAWS)
@given(data=st.data())
def test_values_and_gradients_equal_torch(op: str, data: Any) -> None:
    torch = pytest.importorskip("torch")
    f, inputs = data.draw(tensor_op_cases(op))
    (_, _, args) = f.steps[0]
    out = f(*inputs)
    (g,) = normal(3, out.shape)
    out.backward(g)
    ts = [torch.tensor(x.data, requires_grad=True) for x in inputs]
    tout = _torch_twin(op, args)(*ts)
    tout.backward(torch.tensor(g))
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=0, atol=1e-10)
    for x, t in zip(inputs, ts, strict=True):
        np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=0, atol=1e-10)


def test_max_pool_ties_go_to_the_first_maximum_as_torch() -> None:
    torch = pytest.importorskip("torch")
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 2:, 2:] = 1.0  # windows of equal values
    xt = Tensor(x, requires_grad=True)
    max_pool2d(xt, 2).sum().backward()
    tx = torch.tensor(x, requires_grad=True)
    torch.nn.functional.max_pool2d(tx, 2).sum().backward()
    np.testing.assert_array_equal(xt.grad, tx.grad.numpy())


# -- gradcheck and gradgradcheck (no torch) ---------------------------------------------------


@pytest.mark.parametrize("op", CONV_TENSOR_OPS)
@settings(max_examples=15, deadline=None, suppress_health_check=SLOW_DRAWS)
@given(data=st.data())
def test_gradcheck_and_gradgradcheck(op: str, data: Any) -> None:
    f, inputs = data.draw(tensor_op_cases(op))
    assert gradcheck(f, inputs)
    assert gradgradcheck(f, inputs)


def test_check_op_takes_a_conv_op_by_name() -> None:
    """Alone at drawn geometries; random expressions never fit it (their tensors are 2-D)."""
    check_op("conv2d", tensor=True, max_examples=10)


def test_second_derivative_of_a_conv_net() -> None:
    x, W = normal(4, (2, 2, 5, 5), (3, 2, 3, 3))
    xt, wt = Tensor(x, requires_grad=True), Tensor(W * 0.5, requires_grad=True)

    def f(x: Tensor, w: Tensor) -> Tensor:
        return (max_pool2d(conv2d(x, w, None, 1, 1).tanh(), 2, 1) ** 2).sum()

    assert gradgradcheck(f, [xt, wt])


# -- float32 ----------------------------------------------------------------------------------


def test_float32_stays_float32() -> None:
    x, W, b = (a.astype(np.float32) for a in normal(5, (2, 1, 6, 6), (3, 1, 3, 3), (3,)))
    xt, wt, bt = (Tensor(a, requires_grad=True, dtype=np.float32) for a in (x, W, b))
    h = avg_pool2d(max_pool2d(conv2d(xt, wt, bt, 1, 1), 2), 3, 1, 1)
    assert h.dtype == np.float32
    h.sum().backward()
    assert {xt.grad.dtype, wt.grad.dtype, bt.grad.dtype} == {np.dtype(np.float32)}
    assert im2col(x, 3, 3).dtype == np.float32


# -- errors name the shapes -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: conv2d(np.zeros((1, 1, 3, 3)), np.zeros((2, 1, 5, 5))),
            r"conv2d: the 5x5 kernel is larger than the padded 3x3 input"
            r" \(x of shape \(1, 1, 3, 3\)",
        ),
        (
            lambda: conv2d(np.zeros((1, 3, 6, 6)), np.zeros((2, 1, 3, 3))),
            r"x of shape \(1, 3, 6, 6\) has 3 channels, but W of shape \(2, 1, 3, 3\) expects 1",
        ),
        (
            lambda: conv2d(np.zeros((1, 1, 6, 6)), np.zeros((2, 1, 3, 3)), np.zeros(3)),
            r"b of shape \(3,\) does not fit W of shape \(2, 1, 3, 3\)",
        ),
        (
            lambda: conv2d(np.zeros((6, 6)), np.zeros((2, 1, 3, 3))),
            r"x must have 4 axes \(N, C, H, W\), got shape \(6, 6\)",
        ),
        (
            lambda: avg_pool2d(np.zeros((1, 1, 4, 4)), 2, 2, 2),
            r"padding \(2, 2\) must be at most half the 2x2 kernel",
        ),
        (
            lambda: col2im(np.zeros((5, 9)), (1, 1, 4, 4), 3, 3),
            r"col of shape \(5, 9\) does not fit input_shape \(1, 1, 4, 4\).*\(4, 9\)",
        ),
        (lambda: im2col(np.zeros((1, 1, 4, 4)), 0, 2), r"kernel_size must be >= 1"),
        (lambda: im2col(np.zeros((1, 1, 4, 4)), 2, 2, pad=-1), r"padding must be >= 0"),
    ],
)
def test_bad_shapes_raise_a_value_error_naming_them(call: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_bad_argument_types_raise_type_errors() -> None:
    with pytest.raises(TypeError, match="stride must be an int or a pair of ints"):
        conv2d(np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 3, 3)), stride=1.5)
    with pytest.raises(TypeError, match="kernel_size must be an int"):
        nn.MaxPool2d("2")  # type: ignore[arg-type]


# -- layers -----------------------------------------------------------------------------------


def simple_conv_net(dtype: Any = np.float64) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1, rng=0, dtype=dtype),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Affine(4 * 3 * 3, 5, rng=1, dtype=dtype),
        nn.ReLU(),
        nn.Affine(5, 3, rng=2, dtype=dtype),
    )


def test_conv2d_layer_shapes_init_and_parameters() -> None:
    layer = nn.Conv2d(3, 64, 5, stride=1, padding=2, rng=0)
    assert layer.W.shape == (64, 3, 5, 5) and layer.b is not None and layer.b.shape == (64,)
    assert layer.W.data.std() == pytest.approx(np.sqrt(2.0 / (3 * 25)), rel=0.05)  # He
    assert layer.parameters() == [layer.W, layer.b]
    assert repr(layer) == "Conv2d(3, 64, kernel_size=(5, 5), padding=(2, 2))"
    assert nn.Conv2d(1, 2, (3, 1), bias=False).parameters()[0].shape == (2, 1, 3, 1)
    out = layer(np.zeros((2, 3, 8, 8)))
    assert out.shape == (2, 64, 8, 8)
    with pytest.raises(ValueError, match=r"input of shape \(2, 1, 8, 8\) should be \(N, 3, H, W\)"):
        layer(np.zeros((2, 1, 8, 8)))


def test_pool_and_flatten_layers() -> None:
    (x,) = normal(6, (2, 3, 4, 6))
    assert nn.MaxPool2d(2)(x).shape == (2, 3, 2, 3)
    assert nn.AvgPool2d(3, stride=1, padding=1)(x).shape == (2, 3, 4, 6)
    np.testing.assert_allclose(nn.MaxPool2d(2)(x).data, max_pool2d(x, 2).data)
    assert nn.Flatten()(x).shape == (2, 72)
    assert repr(nn.MaxPool2d(2)) == "MaxPool2d(kernel_size=(2, 2))"
    assert (
        repr(nn.AvgPool2d(3, 1, 1))
        == "AvgPool2d(kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))"
    )
    assert nn.MaxPool2d(2).parameters() == []


def test_a_conv_net_trains_saves_and_loads(tmp_path: Path) -> None:
    from microgradkr import optim

    net = simple_conv_net(np.float32)
    (x,) = (a.astype(np.float32) for a in normal(7, (8, 1, 6, 6)))
    t = np.arange(8) % 3
    opt = optim.Adam(net, lr=1e-2)
    losses = []
    for _ in range(30):
        opt.zero_grad()
        loss = cross_entropy(net(x), t)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    assert all(p.dtype == np.float32 for p in net.parameters())
    path = io.save_model(net, tmp_path / "cnn.npz")
    other = simple_conv_net(np.float32)
    io.load_model(other, path)
    np.testing.assert_array_equal(other(x).data, net(x).data)


def test_the_diagram_shows_the_conv_vjp_rules() -> None:
    pytest.importorskip("graphviz")
    from microgradkr import draw

    net = simple_conv_net()
    (x,) = normal(8, (2, 1, 6, 6))
    loss = cross_entropy(net(x), np.array([0, 2]))
    loss.backward()
    source = draw(loss).source
    for text in ("<b>conv</b>", "col2im(g Wᵀ)", "colᵀ g", "<b>maxpool</b>", "window&#39;s max"):
        assert text in source, text


# -- the demo ---------------------------------------------------------------------------------


def load_demo(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(f"demo_{name}", ROOT / "demos" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_train_cnn_demo_runs_a_few_steps(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    pytest.importorskip("tqdm")
    pytest.importorskip("sklearn")
    demo = load_demo("train_cnn")
    results = demo.main(
        ["--dataset", "digits", "--epochs", "1", "--max-steps", "3", "--out", str(tmp_path)]
    )
    assert 0.0 <= results["digits"]["test_accuracy"] <= 1.0
    for name in ("cnn_digits_filters.png", "cnn_digits_feature_maps.png", "cnn_accuracy.png"):
        assert (tmp_path / name).stat().st_size > 0


def test_im2col_figure_demo(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    demo = load_demo("im2col_figure")
    assert demo.main(["--out", str(tmp_path)]).stat().st_size > 0


def test_max_pool_nan_wins_and_padding_never_does():
    # a NaN in a window is the window's max, its gradient to the last NaN (torch); an input of
    # -inf beside -inf padding still gets the gradient, since padding is not a position of x
    x = Tensor([[[[1.0, np.nan, 3.0, np.nan]]]], requires_grad=True)
    out = max_pool2d(x, (1, 4))
    out.backward(np.ones(out.shape))
    assert np.isnan(out.data).all() and x.grad.tolist() == [[[[0.0, 0.0, 0.0, 1.0]]]]
    y = Tensor([[[[-np.inf]]]], requires_grad=True)
    out = max_pool2d(y, (1, 3), stride=1, padding=(0, 1))
    out.backward(np.ones(out.shape))
    assert out.data.tolist() == [[[[-np.inf]]]] and y.grad.tolist() == [[[[1.0]]]]


def test_the_interactive_page_shows_the_conv_and_pool_vjp_rules() -> None:
    from microgradkr.viz import explore

    rng = np.random.default_rng(0)
    x = Tensor(rng.normal(size=(1, 1, 6, 6)), label="x")
    W = Tensor(rng.normal(size=(2, 1, 3, 3)), requires_grad=True, label="W")
    out = max_pool2d(conv2d(x, W, Tensor(np.zeros(2), requires_grad=True)).relu(), 2).sum()
    out.backward()
    page = explore(out)
    assert "col2im(g Wᵀ)" in page and "g to each window's max" in page and "maxpool" in page
