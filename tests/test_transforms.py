"""microgradkr.transforms against torch.autograd.functional: the same functions (written once,
with operators both libraries have), float64, the same shapes and values."""

import numpy as np
import pytest

from microgradkr import Function, Tensor, hessian, hvp, vhp
from microgradkr import transforms as T

torch = pytest.importorskip("torch")
F = torch.autograd.functional

rng = np.random.default_rng(0)
W = rng.standard_normal((4, 3))
A = rng.standard_normal((2, 3))
B = rng.standard_normal((3,))
V = rng.standard_normal((3,))


def const(like, array):
    """The same constant in the library of ``like``."""
    return torch.tensor(array) if isinstance(like, torch.Tensor) else Tensor(array)


def vec_to_vec(x):
    return (const(x, W) @ x).tanh() * 2.0 + (const(x, W) @ (x * x))


def mat_to_mat(X):
    return (X @ X.T).exp() * 0.1


def two_to_vec(a, b):
    return a * b.sum() + a.exp() * b


def unused_second(a, b):
    return a * a


def two_outputs(x):
    return x**2, (x * x.exp()).sum()


def two_by_two(a, b):
    return a * b, (a + b.tanh()).sum()


def scalar_of_vec(x):
    return ((const(x, W) @ x).tanh() ** 2).sum() + (x**3).sum()


def scalar_of_mat(X):
    return (X @ X.T).tanh().sum() + (X * X * X).sum()


def scalar_of_two(a, b):
    return (a.exp() * b).sum() + (a * a * b * b).sum()


def both(inputs):
    """The inputs as our Tensors and as torch float64 tensors."""
    xs = inputs if isinstance(inputs, tuple) else (inputs,)
    ours = tuple(Tensor(x) for x in xs)
    theirs = tuple(torch.tensor(x) for x in xs)
    if isinstance(inputs, tuple):
        return ours, theirs
    return ours[0], theirs[0]


def assert_same(ours, theirs, rtol=1e-12):
    """Same nesting of tuples, same shapes, same numbers."""
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for o, t in zip(ours, theirs, strict=True):
            assert_same(o, t, rtol)
        return
    assert isinstance(ours, Tensor)
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=rtol, atol=1e-12)


JACOBIAN_CASES = [
    (vec_to_vec, V),
    (mat_to_mat, A),
    (two_to_vec, (V, B)),
    (unused_second, (V, B)),
    (two_outputs, V),
    (two_by_two, (V, B)),
    (scalar_of_mat, A),
]


@pytest.mark.parametrize(("f", "x"), JACOBIAN_CASES)
def test_jacobian_matches_torch(f, x):
    ours, theirs = both(x)
    assert_same(T.jacobian(f, ours), F.jacobian(f, theirs))


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # torch's vectorize uses torch.jit
def test_torchs_strategy_arguments_are_accepted():
    ours, theirs = both(V)
    kw = {"vectorize": True, "strategy": "forward-mode"}
    assert_same(T.jacobian(vec_to_vec, ours, **kw), F.jacobian(vec_to_vec, theirs, **kw))
    assert_same(
        T.hessian(scalar_of_vec, ours, vectorize=True, outer_jacobian_strategy="forward-mode"),
        F.hessian(scalar_of_vec, theirs, vectorize=True, outer_jacobian_strategy="forward-mode"),
    )
    with pytest.raises(ValueError, match="strategy"):
        T.jacobian(vec_to_vec, ours, strategy="sideways")


def test_jacobian_shape_is_out_shape_plus_in_shape():
    assert T.jacobian(mat_to_mat, A).shape == (2, 2, 2, 3)
    assert T.jacobian(lambda x: x.sum(), A).shape == (2, 3)


@pytest.mark.parametrize(
    ("f", "x"), [(scalar_of_vec, V), (scalar_of_mat, A), (scalar_of_two, (V, B))]
)
def test_hessian_matches_torch(f, x):
    ours, theirs = both(x)
    assert_same(T.hessian(f, ours), F.hessian(f, theirs))


def test_top_level_hessian_takes_a_function_of_a_tensor():
    assert_same(hessian(scalar_of_mat, Tensor(A)), F.hessian(scalar_of_mat, torch.tensor(A)))


def test_hessian_of_a_linear_function_is_zero_as_torch():
    ours, theirs = both((V, B))
    f = lambda a, b: (a * 3.0).sum() + b.sum()  # noqa: E731
    assert_same(T.hessian(f, ours), F.hessian(f, theirs))


@pytest.mark.parametrize(
    ("f", "x", "v"),
    [
        (vec_to_vec, V, rng.standard_normal(4)),
        (mat_to_mat, A, rng.standard_normal((2, 2))),
        (two_to_vec, (V, B), rng.standard_normal(3)),
        (two_outputs, V, (rng.standard_normal(3), np.array(1.5))),
    ],
)
def test_vjp_matches_torch(f, x, v):
    ours, theirs = both(x)
    tv = tuple(map(torch.tensor, v)) if isinstance(v, tuple) else torch.tensor(v)
    assert_same(T.vjp(f, ours, v), F.vjp(f, theirs, tv))


@pytest.mark.parametrize(
    ("f", "x", "v"),
    [
        (vec_to_vec, V, rng.standard_normal(3)),
        (mat_to_mat, A, rng.standard_normal((2, 3))),
        (two_to_vec, (V, B), (rng.standard_normal(3), rng.standard_normal(3))),
        (two_outputs, V, rng.standard_normal(3)),
    ],
)
def test_jvp_matches_torch(f, x, v):
    ours, theirs = both(x)
    tv = tuple(map(torch.tensor, v)) if isinstance(v, tuple) else torch.tensor(v)
    assert_same(T.jvp(f, ours, v), F.jvp(f, theirs, tv))


@pytest.mark.parametrize("transform", ["hvp", "vhp"])
@pytest.mark.parametrize(
    ("f", "x", "v"),
    [
        (scalar_of_vec, V, rng.standard_normal(3)),
        (scalar_of_mat, A, rng.standard_normal((2, 3))),
        (scalar_of_two, (V, B), (rng.standard_normal(3), rng.standard_normal(3))),
    ],
)
def test_hvp_and_vhp_match_torch(transform, f, x, v):
    ours, theirs = both(x)
    tv = tuple(map(torch.tensor, v)) if isinstance(v, tuple) else torch.tensor(v)
    assert_same(getattr(T, transform)(f, ours, v), getattr(F, transform)(f, theirs, tv))


def test_hvp_vhp_are_exported():
    assert hvp is T.hvp and vhp is T.vhp


def test_create_graph_keeps_the_jacobian_differentiable():
    x = Tensor(V, requires_grad=True)
    t = torch.tensor(V, requires_grad=True)
    J = T.jacobian(vec_to_vec, x, create_graph=True)
    Jt = F.jacobian(vec_to_vec, t, create_graph=True)
    assert_same(J, Jt)
    (J * J).sum().backward()
    (Jt * Jt).sum().backward()
    np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-12)


def test_create_graph_keeps_hvp_differentiable():
    x = Tensor(V, requires_grad=True)
    t = torch.tensor(V, requires_grad=True)
    _, h = T.hvp(scalar_of_vec, x, B, create_graph=True)
    _, ht = F.hvp(scalar_of_vec, t, torch.tensor(B), create_graph=True)
    h.sum().backward()
    ht.sum().backward()
    np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-12)


def test_strict_names_the_unused_input():
    with pytest.raises(RuntimeError, match=r"inputs\[1\]"):
        T.jacobian(unused_second, (Tensor(V), Tensor(B)), strict=True)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: T.jacobian(lambda x: 1.0, V), TypeError, "must return a Tensor"),
        (lambda: T.hessian(vec_to_vec, V), ValueError, "one element"),
        (lambda: T.vjp(vec_to_vec, V), ValueError, "v is needed"),
        (lambda: T.vjp(vec_to_vec, V, np.ones(3)), ValueError, r"v\[0\] has shape"),
        (lambda: T.jacobian(vec_to_vec, "x"), TypeError, r"inputs\[0\]"),
    ],
)
def test_errors_name_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_transforms_of_a_user_function():
    """A DeZero-style Function inside a transform: its numpy backward serves the Jacobian."""

    class Cube(Function):
        def forward(self, x):
            return x**3

        def backward(self, gy):
            return 3 * self.inputs[0].data ** 2 * gy

    J = T.jacobian(lambda x: Cube()(x), Tensor(V))
    np.testing.assert_allclose(J.data, np.diag(3 * V**2), rtol=1e-14)


def test_create_graph_keeps_the_hessian_differentiable():
    """d/dx of sum(H(x)): a third derivative, against torch's."""
    x = Tensor(V, requires_grad=True)
    t = torch.tensor(V, requires_grad=True)
    H = T.hessian(scalar_of_vec, x, create_graph=True)
    Ht = F.hessian(scalar_of_vec, t, create_graph=True)
    assert_same(H, Ht)
    H.sum().backward()
    Ht.sum().backward()
    np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-12)
