"""Numbers that were silently wrong or odd next to torch: each case against torch where it is
installed, and against the known value where it is not (issue 20, "Trust, round three")."""

from __future__ import annotations

import numpy as np
import pytest

import microgradkr.functional as F
from microgradkr import Tensor, Value, conv, nn
from microgradkr import functional_torch as FT
from microgradkr import transforms as T
from microgradkr.function import Function

NAN = float("nan")


def _torch() -> object:
    return pytest.importorskip("torch", reason="torch is the oracle here")


# -- std / var of a constant, and float32 sums -----------------------------------------------------


def test_std_of_a_constant_has_gradient_zero() -> None:
    x = Tensor([2.0, 2.0, 2.0], requires_grad=True)
    x.std().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]  # was nan nan nan
    rows = Tensor([[2.0, 2.0], [1.0, 3.0]], requires_grad=True)
    rows.std(1).sum().backward()
    np.testing.assert_allclose(rows.grad, [[0, 0], [-(0.5**0.5), 0.5**0.5]])


def test_var_of_a_constant_has_gradient_zero() -> None:
    x = Tensor([2.0, 2.0, 2.0], requires_grad=True)
    x.var().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


def test_std_of_a_constant_against_torch() -> None:
    torch = _torch()
    data = np.array([[2.0, 2.0, 2.0], [1.0, 4.0, 0.0]])
    for dim, unbiased in ((None, True), (1, True), (1, False), (0, True)):
        x = Tensor(data, requires_grad=True)
        tx = torch.tensor(data, requires_grad=True)  # type: ignore[attr-defined]
        x.std(dim, unbiased=unbiased).sum().backward()
        args = () if dim is None else (dim,)
        tx.std(*args, unbiased=unbiased).sum().backward()
        np.testing.assert_allclose(x.grad, tx.grad.numpy())


def test_float32_std_sums_in_float64() -> None:
    x = Tensor(np.array([1e20, -1e20, 0.0], dtype=np.float32))
    s = x.std()
    assert s.dtype == np.float32
    np.testing.assert_allclose(s.data, 1e20, rtol=1e-6)  # was inf
    with np.errstate(over="ignore"):
        assert np.isinf(x.var().data)  # 1e40 does not fit a float32, as torch


def test_float32_std_against_torch() -> None:
    torch = _torch()
    data = np.array([[1e20, -1e20, 0.0], [1.0, 2.0, 4.0]], dtype=np.float32)
    x = Tensor(data, requires_grad=True)
    tx = torch.tensor(data, requires_grad=True)  # type: ignore[attr-defined]
    s, ts = x.std(1), tx.std(1)
    np.testing.assert_allclose(s.data, ts.detach().numpy(), rtol=1e-6)
    s[1].backward()
    ts[1].backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-5)


# -- max / min with a NaN --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "reduce",
    [
        lambda x: x.max(),
        lambda x: x.min(),
        lambda x: x.max(axis=0),
        lambda x: x.min(0),
        lambda x: x.amax(),
        lambda x: x.amin(0),
        lambda x: x.max(dim=0).values,
    ],
)
def test_the_gradient_of_max_goes_to_the_nan(reduce: object) -> None:
    x = Tensor([1.0, NAN, 2.0], requires_grad=True)
    y = reduce(x)  # type: ignore[operator]
    assert np.isnan(y.data)
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 0.0]  # was nan nan nan


def test_max_with_nan_over_an_axis() -> None:
    x = Tensor([[1.0, NAN, NAN], [3.0, 2.0, 3.0]], requires_grad=True)
    x.max(axis=1).sum().backward()
    assert x.grad.tolist() == [[0.0, 0.5, 0.5], [0.5, 0.0, 0.5]]  # NaNs tie as maxima do


def test_max_with_nan_against_torch() -> None:
    torch = _torch()
    data = np.array([1.0, NAN, NAN, 2.0])
    for name in ("max", "min"):
        x = Tensor(data, requires_grad=True)
        tx = torch.tensor(data, requires_grad=True)  # type: ignore[attr-defined]
        getattr(x, name)().backward()
        getattr(tx, name)().backward()
        np.testing.assert_array_equal(x.grad, tx.grad.numpy())


# -- index arguments that took -1 ------------------------------------------------------------------


def test_gather_refuses_a_negative_index() -> None:
    x = Tensor([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(IndexError, match=r"gather: index must lie in \[0, 2\)"):
        x.gather(1, np.array([[-1], [0]]))
    with pytest.raises(IndexError, match=r"index must lie in \[0, 2\)"):
        x.gather(0, np.array([[2, 0]]))
    assert x.gather(1, np.array([[1], [0]])).tolist() == [[2.0], [3.0]]


def test_gather_negative_index_torch_refuses_too() -> None:
    torch = _torch()
    with pytest.raises((IndexError, RuntimeError)):
        torch.tensor([[1.0, 2.0]]).gather(1, torch.tensor([[-1]]))  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("loss", "name"),
    [
        (F.cross_entropy_error, "t"),
        (F.cross_entropy, "labels"),
        (F.hinge, "labels"),
    ],
)
def test_losses_refuse_label_minus_one(loss: object, name: str) -> None:
    y = Tensor([[0.2, 0.8], [0.5, 0.5]])
    for bad in ([-1, 0], [0, 2]):
        with pytest.raises(IndexError, match=rf"{name} must lie in \[0, 2\)"):
            loss(y, np.array(bad))  # type: ignore[operator]
    with pytest.raises(IndexError, match=r"\[0, 2\)"):
        loss(Tensor([0.2, 0.8]), np.array(-1))  # type: ignore[operator]


def test_cross_entropy_label_minus_one_torch_refuses_too() -> None:
    torch = _torch()
    with pytest.raises(IndexError):
        torch.nn.functional.cross_entropy(  # type: ignore[attr-defined]
            torch.zeros(2, 2),  # type: ignore[attr-defined]
            torch.tensor([-1, 0]),  # type: ignore[attr-defined]
        )


# -- 0-d tensors have no length -----------------------------------------------------------------


def test_a_0d_tensor_has_no_len_nor_iteration() -> None:
    x = Tensor(3.0)
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        list(x)  # was []
    with pytest.raises(TypeError, match="len.. of a 0-d tensor"):
        len(x)
    with pytest.raises(IndexError):
        x[0]
    assert x[None].shape == (1,) and x[...].item() == 3.0


def test_iteration_gives_rows_with_gradients() -> None:
    x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    rows = list(x)
    assert [r.tolist() for r in rows] == [[1.0, 2.0], [3.0, 4.0]]
    (rows[0] * 2 + rows[1]).sum().backward()
    assert x.grad.tolist() == [[2.0, 2.0], [1.0, 1.0]]


def test_0d_iteration_against_torch() -> None:
    torch = _torch()
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        list(torch.tensor(3.0))  # type: ignore[attr-defined]


# -- softmax takes one dim -----------------------------------------------------------------------


@pytest.mark.parametrize("fn", [F.softmax, F.log_softmax])
@pytest.mark.parametrize("kw", [{"dim": (0, 1)}, {"axis": (1,)}, {"dim": True}, {"dim": 1.0}])
def test_softmax_dim_must_be_an_int(fn: object, kw: dict[str, object]) -> None:
    with pytest.raises(TypeError, match="dim must be an int"):
        fn(Tensor(np.ones((2, 3))), **kw)  # type: ignore[operator]


def test_softmax_method_dim_must_be_an_int() -> None:
    with pytest.raises(TypeError, match="softmax: dim must be an int"):
        Tensor(np.ones((2, 3))).softmax((0, 1))  # type: ignore[arg-type]
    np.testing.assert_allclose(Tensor(np.ones((2, 3))).softmax(np.int64(0)).data, 0.5)


# -- batch_norm checks before it changes the running statistics ---------------------------------


@pytest.mark.parametrize(
    ("kw", "error", "match"),
    [
        ({"running_var": np.ones(4)}, ValueError, "running_var must have 3 values"),
        ({"running_var": [1.0, 1.0, 1.0]}, TypeError, "running_var is updated in place"),
        ({"running_var": np.ones(3, dtype=np.int64)}, TypeError, "float ndarray"),
        ({"weight": np.ones(2)}, ValueError, "weight must have 3 values"),
        ({"bias": np.ones((3, 2))}, ValueError, "bias must have 3 values"),
    ],
)
def test_batch_norm_changes_nothing_before_it_raises(
    kw: dict[str, object], error: type[Exception], match: str
) -> None:
    x = Tensor(np.arange(12.0).reshape(4, 3))
    rm = np.zeros(3)
    args: dict[str, object] = {"running_mean": rm, "running_var": np.ones(3), **kw}
    with pytest.raises(error, match=match):
        FT.batch_norm(x, training=True, **args)  # type: ignore[arg-type]
    assert rm.tolist() == [0.0, 0.0, 0.0]  # was moved towards the batch mean


def test_batch_norm_eval_names_a_wrong_running_shape() -> None:
    with pytest.raises(ValueError, match="running_mean must have 3 values"):
        FT.batch_norm(Tensor(np.ones((4, 3))), np.zeros(2), np.ones(3))


# -- a user Function's backward and forward outputs are checked ----------------------------------


class _Twice(Function):
    """y = 2x, with a backward that returns whatever it is given."""

    def __init__(self, grad: object = None, out: object = None) -> None:
        self.grad, self.out = grad, out

    def forward(self, x: object) -> object:
        return x * 2 if self.out is None else self.out(x)  # type: ignore[operator]

    def backward(self, gy: object) -> object:
        return self.grad(gy)  # type: ignore[operator]


def test_function_backward_of_the_wrong_shape_is_named() -> None:
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = _Twice(lambda gy: np.ones(4))(x)
    msg = r"_Twice.backward returned an invalid gradient at index 0 - got \[4\] but expected"
    with pytest.raises(ValueError, match=msg):
        y.sum().backward()  # x.grad was of shape (4,)
    assert x.grad is None or x.grad.shape == (3,)


def test_function_backward_none_is_no_gradient() -> None:
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = Tensor([1.0, 1.0, 1.0], requires_grad=True)

    class Scale(Function):
        def forward(self, a: object, b: object) -> object:
            return a * b  # type: ignore[operator]

        def backward(self, gy: object) -> object:
            return gy * self.inputs[1].data, None  # type: ignore[operator]

    (Scale()(x, w) + 2 * w).sum().backward()  # was a reshape error
    assert x.grad.tolist() == [1.0, 1.0, 1.0] and w.grad.tolist() == [2.0, 2.0, 2.0]
    v = Value(3.0)
    _Twice(lambda gy: None)(v).backward()
    assert v.grad == 0.0


@pytest.mark.parametrize(
    "bad", [lambda gy: np.array([1, None, 2], dtype=object), lambda gy: gy * 1j]
)
def test_function_backward_of_object_or_complex_is_refused(bad: object) -> None:
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(TypeError, match="_Twice.backward returned .* for input 0, expected real"):
        _Twice(bad)(x).sum().backward()  # was NaN / zeros
    with pytest.raises(TypeError, match="expected real numbers"):
        _Twice(bad)(Value(2.0)).backward()


def test_function_backward_broadcast_shape_is_summed_and_ints_cast() -> None:
    x = Tensor(np.array([1.0, 2.0, 3.0], dtype=np.float32), requires_grad=True)
    _Twice(lambda gy: np.ones((2, 3), dtype=np.int64))(x).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0] and x.grad.dtype == np.float32
    with pytest.raises(ValueError, match=r"expected one number"):
        _Twice(lambda gy: np.ones(3))(Value(2.0)).backward()


@pytest.mark.parametrize(
    "out", [lambda x: x * 1j, lambda x: np.array([None], dtype=object), lambda x: None]
)
def test_function_forward_output_is_checked(out: object) -> None:
    with pytest.raises(TypeError, match="_Twice.forward returned .* expected real numbers"):
        _Twice(out=out)(Tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match="_Twice.forward returned"):
        _Twice(out=out)(Value(1.0))


def test_function_wrong_shape_against_torch() -> None:
    torch = _torch()

    class Twice(torch.autograd.Function):  # type: ignore[attr-defined,name-defined,misc]
        @staticmethod
        def forward(ctx: object, x: object) -> object:
            return x * 2  # type: ignore[operator]

        @staticmethod
        def backward(ctx: object, gy: object) -> object:
            return torch.ones(4)  # type: ignore[attr-defined]

    x = torch.ones(3, requires_grad=True)  # type: ignore[attr-defined]
    with pytest.raises(RuntimeError, match="invalid gradient at index 0 - got .4. but expected"):
        Twice.apply(x).sum().backward()


# -- strict=True in the transforms ---------------------------------------------------------------


def _sq_plus_sum(x: Tensor, y: Tensor) -> Tensor:
    return (x * x).sum() + y.sum()  # the gradient in y is a constant


def _sq_times(x: Tensor, y: Tensor) -> Tensor:
    return (x * x * y).sum()  # d/dy = x^2 does not depend on y


_XY = (np.array([1.0, 2.0]), np.array([1.0, 1.0]))
_STRICT_CASES = [
    ("vhp", lambda: T.vhp(_sq_plus_sum, _XY, _XY, strict=True), r"inputs\[1\]"),
    ("hvp", lambda: T.hvp(lambda x: (2 * x).sum(), _XY[0], _XY[1], strict=True), r"inputs\[0\]"),
    ("hessian", lambda: T.hessian(lambda x: (2 * x).sum(), _XY[0], strict=True), r"inputs\[0\]"),
    ("hessian", lambda: T.hessian(_sq_times, _XY, strict=True), r"inputs\[1\]"),
    ("jacobian", lambda: T.jacobian(lambda x, y: 2 * x, _XY, strict=True), r"inputs\[1\]"),
    ("vjp", lambda: T.vjp(lambda x, y: 2 * x, _XY, _XY[0], strict=True), r"inputs\[1\]"),
    ("jvp", lambda: T.jvp(lambda x, y: 2 * x, _XY, _XY, strict=True), r"inputs\[1\]"),
]


@pytest.mark.parametrize(("name", "call", "which"), _STRICT_CASES)
@pytest.mark.parametrize("create_graph", [False, True])
def test_strict_raises_where_an_input_is_unused(
    name: str, call: object, which: str, create_graph: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if create_graph:  # the same call with create_graph=True: the gradients are constant nodes
        for fn in ("vhp", "hvp", "hessian", "jacobian", "vjp", "jvp"):
            original = getattr(T, fn)

            def with_graph(*a: object, _f: object = original, **k: object) -> object:
                return _f(*a, create_graph=True, **k)  # type: ignore[operator]

            monkeypatch.setattr(T, fn, with_graph)
    with pytest.raises(RuntimeError, match=rf"{name}: .* does not depend on {which} \(strict"):
        call()  # type: ignore[operator]


def test_strict_passes_where_every_input_is_used() -> None:
    _, hv = T.vhp(_sq_times, _XY, _XY, strict=True)
    np.testing.assert_allclose(hv[0].data, [4.0, 8.0])  # 2y v_x + 2x v_y, v = (x, y)
    np.testing.assert_allclose(hv[1].data, [2.0, 8.0])  # 2x v_x
    J = T.jacobian(lambda x, y: x * y, _XY, strict=True)
    np.testing.assert_allclose(J[1].data, np.diag([1.0, 2.0]))


@pytest.mark.parametrize("case", _STRICT_CASES, ids=[c[0] for c in _STRICT_CASES])
def test_strict_cases_raise_in_torch_too(case: tuple[str, object, str]) -> None:
    torch = _torch()
    fn = getattr(torch.autograd.functional, case[0])  # type: ignore[attr-defined]
    xy = tuple(torch.tensor(a) for a in _XY)  # type: ignore[attr-defined]
    funcs = {
        "vhp": (_sq_plus_sum, xy, xy),
        "hvp": (lambda x: (2 * x).sum(), xy[0], xy[1]),
        "jacobian": (lambda x, y: 2 * x, xy),
        "vjp": (lambda x, y: 2 * x, xy, xy[0]),
        "jvp": (lambda x, y: 2 * x, xy, xy),
    }
    args = funcs.get(case[0]) or (
        (lambda x: (2 * x).sum(), xy[0]) if case[2] == r"inputs\[0\]" else (_sq_times, xy)
    )
    with pytest.raises(RuntimeError, match="strict mode"):
        fn(*args, strict=True)


# -- layer sizes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((-1, [3]), ValueError, r"MLP: nin must be >= 1, got -1"),
        ((0, [3]), ValueError, r"MLP: nin must be >= 1, got 0"),
        ((2.5, [3]), TypeError, r"MLP: nin must be an int, got float"),
        ((True, [3]), TypeError, r"MLP: nin must be an int, got bool"),
        ((2, []), ValueError, r"MLP: nouts must name at least one layer"),
        ((2, [3, 0]), ValueError, r"MLP: nouts\[1\] must be >= 1, got 0"),
        ((2, [3, 1.0]), TypeError, r"MLP: nouts\[1\] must be an int"),
        ((2, 3), TypeError, r"MLP: nouts must be a list of layer sizes"),
    ],
)
def test_mlp_sizes_are_checked(
    args: tuple[object, ...], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        nn.MLP(*args)  # type: ignore[arg-type]  # MLP(-1, [3]) was built


def test_scalar_layer_sizes_are_checked() -> None:
    with pytest.raises(ValueError, match="Neuron: nin must be >= 1"):
        nn.Neuron(-2)
    with pytest.raises(ValueError, match="Layer: nout must be >= 1"):
        nn.Layer(2, 0)
    assert len(nn.MLP(2, (3, 1)).parameters()) == 3 * 3 + 4


def test_tensor_layer_sizes_are_checked() -> None:
    with pytest.raises(ValueError, match="in_features must be >= 1"):
        nn.Linear(-1, 3)
    with pytest.raises(ValueError, match="out_channels must be >= 1"):
        nn.Conv2d(1, 0, 3)
    with pytest.raises(ValueError, match="num_features must be >= 1"):
        nn.BatchNorm1d(0)
    for p in (-0.1, 1.5):
        with pytest.raises(ValueError, match=r"p must be in \[0, 1\]"):
            nn.Dropout(p)
    with pytest.raises(ValueError, match="kernel_size must be >= 1"):
        nn.MaxPool2d(0)


def test_linear_minus_one_torch_refuses_too() -> None:
    torch = _torch()
    with pytest.raises(RuntimeError, match="negative dimension"):
        torch.nn.Linear(-1, 3)  # type: ignore[attr-defined]


# -- pooling and convolution floor the output size, and take an empty batch ------------------------


def test_max_pool_floors_the_output_size() -> None:
    x = Tensor(np.arange(42.0).reshape(1, 1, 7, 6), requires_grad=True)
    y = conv.max_pool2d(x, 2, stride=2)  # was "stride does not fit"
    assert y.shape == (1, 1, 3, 3)
    assert y.data[0, 0].tolist() == [[7, 9, 11], [19, 21, 23], [31, 33, 35]]
    y.sum().backward()
    assert x.grad[0, 0, 6].tolist() == [0.0] * 6  # the dropped row
    assert x.grad.sum() == 9.0


def test_layers_floor_as_well() -> None:
    x = np.ones((1, 1, 7, 6))
    assert nn.MaxPool2d(2)(x).shape == (1, 1, 3, 3)
    assert nn.AvgPool2d(3, stride=2)(x).shape == (1, 1, 3, 2)
    assert nn.Conv2d(1, 2, 3, stride=2, rng=0)(x).shape == (1, 2, 3, 2)


_FLOOR_CASES = [
    ("max_pool2d", (2, 2, 0)),
    ("max_pool2d", (3, 2, 1)),
    ("avg_pool2d", (3, 2, 0)),
    ("avg_pool2d", (3, 2, 1)),
]


@pytest.mark.parametrize(("name", "args"), _FLOOR_CASES)
def test_pooling_floor_against_torch(name: str, args: tuple[int, int, int]) -> None:
    torch = _torch()
    rng = np.random.default_rng(0)
    data = rng.standard_normal((2, 3, 7, 6))
    x = Tensor(data, requires_grad=True)
    tx = torch.tensor(data, requires_grad=True)  # type: ignore[attr-defined]
    y = getattr(conv, name)(x, *args)
    ty = getattr(torch.nn.functional, name)(tx, *args)  # type: ignore[attr-defined]
    np.testing.assert_allclose(y.data, ty.detach().numpy(), atol=1e-12)
    g = rng.standard_normal(y.shape)
    (y * g).sum().backward()
    (ty * torch.tensor(g)).sum().backward()  # type: ignore[attr-defined]
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), atol=1e-12)


@pytest.mark.parametrize(("stride", "pad"), [(2, 0), (2, 1), (3, 0)])
def test_conv_floor_against_torch(stride: int, pad: int) -> None:
    torch = _torch()
    rng = np.random.default_rng(1)
    xs, Ws, bs = rng.standard_normal((2, 3, 7, 6)), rng.standard_normal((4, 3, 3, 2)), rng.random(4)
    ours = [Tensor(a, requires_grad=True) for a in (xs, Ws, bs)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (xs, Ws, bs)]  # type: ignore[attr-defined]
    y = conv.conv2d(*ours, stride=stride, pad=pad)
    ty = torch.nn.functional.conv2d(*theirs, stride=stride, padding=pad)  # type: ignore[attr-defined]
    np.testing.assert_allclose(y.data, ty.detach().numpy(), atol=1e-12)
    g = rng.standard_normal(y.shape)
    (y * g).sum().backward()
    (ty * torch.tensor(g)).sum().backward()  # type: ignore[attr-defined]
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), atol=1e-12)


def test_conv_of_an_empty_batch() -> None:
    x = Tensor(np.zeros((0, 3, 7, 6)), requires_grad=True)
    W = Tensor(np.ones((4, 3, 3, 2)), requires_grad=True)
    b = Tensor(np.ones(4), requires_grad=True)
    y = conv.conv2d(x, W, b, stride=2)  # was a reshape error
    assert y.shape == (0, 4, 3, 3)
    y.sum().backward()
    assert x.grad.shape == (0, 3, 7, 6)
    assert W.grad.shape == (4, 3, 3, 2) and not W.grad.any() and b.grad.tolist() == [0.0] * 4
    assert conv.max_pool2d(x, 2).shape == (0, 3, 3, 3)
    assert nn.Conv2d(3, 4, 3, rng=0)(np.zeros((0, 3, 5, 5))).shape == (0, 4, 3, 3)


def test_conv_of_an_empty_batch_against_torch() -> None:
    torch = _torch()
    x, W = np.zeros((0, 3, 7, 6)), np.ones((4, 3, 3, 2))
    ty = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(W), stride=2)  # type: ignore[attr-defined]
    assert conv.conv2d(x, W, stride=2).shape == tuple(ty.shape)


# -- more of the same kind -------------------------------------------------------------------------


def test_value_cross_entropy_label_minus_one() -> None:
    logits = [Value(0.2), Value(0.8)]
    with pytest.raises(IndexError, match=r"label -1 is not in \[0, 2\)"):
        F.cross_entropy(logits, -1)


def test_gather_index_larger_than_the_tensor_outside_dim() -> None:
    with pytest.raises(IndexError, match=r"index of shape \(2, 1\) is larger"):
        Tensor([[1.0, 2.0]]).gather(1, np.array([[0], [1]]))  # torch: "Size does not match"


def test_int_of_many_elements_is_named() -> None:
    with pytest.raises(ValueError, match=r"int\(\) needs a one-element tensor, got shape \(2,\)"):
        int(Tensor([1.0, 2.0]))
    assert int(Tensor([[3.7]])) == 3


def test_0d_size_of_a_dim_and_gather() -> None:
    x = Tensor(3.0, requires_grad=True)
    with pytest.raises(IndexError, match="size: dim 0 of a 0-d tensor"):
        x.size(0)  # was 1
    assert x.size() == ()
    y = x.gather(0, np.array(0))  # was an IndexError from a list assignment
    y.backward()
    assert y.item() == 3.0 and x.grad == 1.0
    with pytest.raises(IndexError, match=r"index must lie in \[0, 1\)"):
        x.gather(0, np.array(1))


def test_0d_size_against_torch() -> None:
    torch = _torch()
    with pytest.raises(IndexError):
        torch.tensor(3.0).size(0)  # type: ignore[attr-defined]
    assert torch.tensor(3.0).gather(0, torch.tensor(0)).item() == 3.0  # type: ignore[attr-defined]


def test_softmax_of_values_takes_dim_0_or_minus_1() -> None:
    xs = [Value(1.0), Value(2.0)]
    for fn in (F.softmax, F.log_softmax):
        with pytest.raises(IndexError, match="dim 1 is out of range for a list of Values"):
            fn(xs, dim=1)  # was silently dim 0
        with pytest.raises(TypeError, match="dim must be an int"):
            fn(xs, dim=(0,))  # type: ignore[arg-type]
    assert F.softmax(xs, dim=0)[1].data == pytest.approx(1 / (1 + np.exp(-1.0)))
