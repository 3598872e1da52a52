"""DeZero's step-by-step examples (밑바닥부터 시작하는 딥러닝 3) with the book's numbers:
``Function`` subclasses, ``cleargrad``, ``name``, and higher-order gradients."""

import math

import numpy as np
import pytest

from microgradkr import Diagram, Function, NotDifferentiableError, Tensor, Value, draw, grad
from microgradkr.testing import check_op


def variable(x):
    """DeZero's Variable(np.array(x)): a leaf that wants its gradient."""
    return Tensor(np.array(x), requires_grad=True)


class Square(Function):
    def forward(self, x):
        return x**2

    def backward(self, gy):
        x = self.inputs[0].data
        return 2 * x * gy


class Exp(Function):
    def forward(self, x):
        return np.exp(x)

    def backward(self, gy):
        x = self.input.data  # step 7's single-input spelling
        return np.exp(x) * gy


class Add(Function):
    def forward(self, x0, x1):
        return x0 + x1

    def backward(self, gy):
        return gy, gy


class Sin(Function):
    """Step 27/34: backward written with the library's ops, so it differentiates again."""

    differentiable_backward = True

    def forward(self, x):
        return np.sin(x)

    def backward(self, gy):
        (x,) = self.inputs
        return gy * Cos()(x)


class Cos(Function):
    differentiable_backward = True

    def forward(self, x):
        return np.cos(x)

    def backward(self, gy):
        (x,) = self.inputs
        return gy * -Sin()(x)


def square(x):
    return Square()(x)


def exp(x):
    return Exp()(x)


def add(x0, x1):
    return Add()(x0, x1)


@pytest.mark.parametrize("leaf", [variable, Value])
def test_step9_square_exp_square(leaf):
    """Steps 7-9: y = (e^(x^2))^2 at x = 0.5; the book prints x.grad = 3.297442541400256."""
    x = leaf(0.5)
    y = square(exp(square(x)))
    y.backward()
    assert float(x.grad) == pytest.approx(3.297442541400256, rel=1e-14)


def test_step3_square_of_a_tensor_on_x_squared():
    x = variable(3.0)
    y = x**2
    y.backward()
    assert float(x.grad) == 6.0


@pytest.mark.parametrize("leaf", [variable, Value])
def test_step14_cleargrad_between_two_backward_passes(leaf):
    """Step 14: x.grad is 2 after add(x, x); cleargrad(), then add(add(x, x), x) gives 3."""
    x = leaf(3.0)
    y = add(x, x)
    y.backward()
    assert float(x.grad) == 2.0
    x.cleargrad()
    y = add(add(x, x), x)
    y.backward()
    assert float(x.grad) == 3.0


def test_without_cleargrad_gradients_accumulate():
    x = variable(3.0)
    add(x, x).backward()
    add(add(x, x), x).backward()
    assert float(x.grad) == 5.0


@pytest.mark.parametrize("leaf", [variable, Value])
def test_step16_a_diamond_graph(leaf):
    """Step 16: a = x^2, y = a^2 + a^2 at x = 2: y = 32, dy/dx = 64."""
    x = leaf(2.0)
    a = square(x)
    y = add(square(a), square(a))
    y.backward()
    assert float(y.data) == 32.0 and float(x.grad) == 64.0


def test_name_is_the_label():
    x = Value(1.0, "x")
    assert x.name == "x"
    x.name = "w"
    assert x.label == "w"
    t = Tensor([1.0], label="t")
    t.name = "input"
    assert t.label == "input" and t.name == "input"


def sphere(x, y):
    return x**2 + y**2


def matyas(x, y):
    return 0.26 * (x**2 + y**2) - 0.48 * x * y


def goldstein(x, y):
    return (1 + (x + y + 1) ** 2 * (19 - 14 * x + 3 * x**2 - 14 * y + 6 * x * y + 3 * y**2)) * (
        30 + (2 * x - 3 * y) ** 2 * (18 - 32 * x + 12 * x**2 + 48 * y - 36 * x * y + 27 * y**2)
    )


@pytest.mark.parametrize("leaf", [variable, Value])
@pytest.mark.parametrize(
    ("f", "expected"),
    [(sphere, (2.0, 2.0)), (matyas, (0.04, 0.04)), (goldstein, (-5376.0, 8064.0))],
)
def test_step24_test_functions_at_1_1(leaf, f, expected):
    """Step 24's sphere, matyas, Goldstein-Price at (1, 1), with the book's gradients."""
    x, y = leaf(1.0), leaf(1.0)
    z = f(x, y)
    z.backward()
    assert (float(x.grad), float(y.grad)) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("leaf", [variable, Value])
def test_step33_second_derivative_and_newtons_method(leaf):
    """Step 33: f = x^4 - 2x^2; at x = 2, f' = 24 and f'' = 44; Newton reaches 1 in 7 steps."""

    def f(x):
        return x**4 - 2 * x**2

    x = leaf(2.0)
    y = f(x)
    y.backward(create_graph=True)
    gx = x.grad
    assert float(gx.data) == 24.0
    x.cleargrad()
    gx.backward()
    assert float(x.grad) == 44.0

    x = leaf(2.0)
    seen = []
    for _ in range(7):
        seen.append(float(x.data))
        y = f(x)
        x.cleargrad()
        y.backward(create_graph=True)
        gx = x.grad
        x.cleargrad()
        gx.backward()
        x.data = x.data - gx.data / x.grad
    assert seen[:3] == pytest.approx([2.0, 1.4545454545454546, 1.1510467893775467])
    assert float(x.data) == pytest.approx(1.0)


@pytest.mark.parametrize("leaf", [variable, Value])
def test_step34_higher_derivatives_of_a_user_sin(leaf):
    """Step 34: sin's derivatives at 1 by repeated backward, the book's -0.841..., -0.540...,
    0.841... (and cos 1 first), through a Function whose backward uses Functions."""
    x = leaf(1.0)
    y = Sin()(x)
    y.backward(create_graph=True)
    got = [float(x.grad.data)]
    for _ in range(3):
        gx = x.grad
        x.cleargrad()
        gx.backward(create_graph=True)
        got.append(float(x.grad.data))
    assert got == pytest.approx(
        [0.5403023058681398, -0.8414709848078965, -0.5403023058681398, 0.8414709848078965],
        rel=1e-14,
    )


def test_step34_against_torch():
    torch = pytest.importorskip("torch")
    xs = np.linspace(-2, 2, 5)
    x = Tensor(xs, requires_grad=True)
    t = torch.tensor(xs, requires_grad=True)
    ours, theirs = Sin()(x).sum(), torch.sin(t).sum()
    for _ in range(4):
        (ours,) = grad(ours, [x], create_graph=True)
        (theirs,) = torch.autograd.grad(theirs, t, create_graph=True)
        np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-14)
        ours, theirs = ours.sum(), theirs.sum()


def test_a_numpy_backward_refuses_a_second_derivative():
    """A numpy backward has no graph: its gradient is usable, differentiating it raises."""
    for x in (variable(3.0), Value(3.0)):
        y = square(x)
        y.backward(create_graph=True)
        assert float(x.grad.data) == 6.0
        gx = x.grad
        x.cleargrad()
        with pytest.raises(NotDifferentiableError, match="Square.backward"):
            gx.backward()


def test_fifth_derivative_of_x4_is_zero_as_torch():
    """Repeated differentiation never raises: once the derivative is a constant, the next is 0."""
    torch = pytest.importorskip("torch")
    t = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    x = variable(2.0)
    ours, theirs = x**4, t**4
    for _ in range(5):
        x.grad = None
        ours.backward(create_graph=True)
        (theirs,) = torch.autograd.grad(theirs, t, create_graph=True)
        ours = x.grad
        assert float(ours.data) == theirs.item()
    assert float(ours.data) == 0.0
    for _ in range(3):  # and on, where torch stops
        x.grad = None
        ours.backward(create_graph=True)
        ours = x.grad
        assert float(ours.data) == 0.0


def test_constant_gradient_of_a_linear_function_differentiates_to_zero():
    x = Tensor([1.0, 2.0], requires_grad=True)
    (g,) = grad((3 * x).sum(), [x], create_graph=True)
    np.testing.assert_array_equal(g.data, [3.0, 3.0])
    (gg,) = grad(g.sum(), [x])
    np.testing.assert_array_equal(gg, [0.0, 0.0])


def test_function_with_several_inputs_and_a_parameter():
    class Pow(Function):
        def __init__(self, c):
            self.c = c

        def forward(self, x):
            return x**self.c

        def backward(self, gy):
            x = self.inputs[0].data
            return self.c * x ** (self.c - 1) * gy

    class Mul(Function):
        def forward(self, x0, x1):
            return x0 * x1

        def backward(self, gy):
            x0, x1 = self.inputs[0].data, self.inputs[1].data
            return gy * x1, gy * x0

    a, b = Value(3.0), Value(2.0)
    y = add(Mul()(a, b), Pow(3)(b))  # ab + b^3
    y.backward()
    assert (y.data, a.grad, b.grad) == (14.0, 2.0, 15.0)
    ta, tb = Tensor([3.0, 1.0], requires_grad=True), Tensor([2.0], requires_grad=True)
    y = Mul()(ta, tb).sum()  # broadcasting: b's gradient is summed back to its shape
    y.backward()
    np.testing.assert_array_equal(ta.grad, [2.0, 2.0])
    np.testing.assert_array_equal(tb.grad, [4.0])


def test_a_backward_returning_the_wrong_count_is_named():
    class Bad(Function):
        def forward(self, x0, x1):
            return x0 + x1

        def backward(self, gy):
            return gy

    with pytest.raises(ValueError, match="Bad.backward returned 1 gradients for 2 inputs"):
        Bad()(Value(1.0), Value(2.0))


def test_a_function_is_drawn_with_its_name():
    x = Value(0.5, "x")
    y = square(exp(x))
    y.backward()
    source = draw(y).source
    assert isinstance(draw(y), Diagram)
    assert "Square" in source and "Exp" in source
    assert y.local_grads == (pytest.approx(2 * math.exp(0.5)),)


def test_check_op_fuzzes_a_function():
    check_op(Exp(), max_examples=15)
    check_op(Add(), max_examples=15)
    check_op(Square(), tensor=True, max_examples=15)


@pytest.mark.parametrize("leaf", [Value, lambda x: Tensor([x], requires_grad=True)])
def test_repeated_grad_never_raises(leaf):
    """grad() of a derivative that became a constant (or a number) is 0, however many times."""
    x = leaf(2.0)
    y = 3 * x * x
    got = []
    for _ in range(5):
        (y,) = grad(y.sum() if isinstance(y, Tensor) else y, [x], create_graph=True)
        got.append(float(np.sum(getattr(y, "data", y))))
    assert got == [12.0, 6.0, 0.0, 0.0, 0.0]


def test_grad_of_an_unused_tensor_input_with_create_graph_is_zeros():
    torch = pytest.importorskip("torch")
    x, w = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0], requires_grad=True)
    tx, tw = (torch.tensor(a, requires_grad=True) for a in ([1.0, 2.0], [3.0]))
    ours = grad((x * x).sum(), [x, w], create_graph=True)
    theirs = torch.autograd.grad(
        (tx * tx).sum(), [tx, tw], create_graph=True, materialize_grads=True
    )
    for o, t in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(o.data, t.detach().numpy())
    assert grad((x * x).sum(), [x, w])[1] is None  # without create_graph: None, as before


def test_gradient_graphs_of_functions_and_constants_can_be_drawn():
    """A numpy backward's gradient node draws (its unknown local gradient as nan) and still
    refuses a backward through it; a constant gradient draws as a node of its input."""
    x = Value(3.0, "x")
    square(x).backward(create_graph=True)
    assert "Square" in draw(x.grad).source
    t = variable([3.0, 1.0])
    square(t).sum().backward(create_graph=True)
    assert "Square" in draw(t.grad).source
    with pytest.raises(NotDifferentiableError):
        t.grad.sum().backward()
    u = variable([1.0, 2.0])
    (3 * u).sum().backward(create_graph=True)
    assert "const" in draw(u.grad).source


def test_a_function_with_two_outputs_is_refused_by_name():
    class Split(Function):
        def forward(self, x):
            return x, 2 * x

        def backward(self, gy0):
            return gy0

    for x in (Value(1.0), variable([1.0, 2.0])):
        with pytest.raises(TypeError, match="Split.forward returned 2 outputs"):
            Split()(x)
