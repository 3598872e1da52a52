"""The attack's table, part 2: nn, optim, Tensor's and Value's methods and operators, testing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from bad_calls_table import Call, _model, _stepped, _x

from microgradkr import Tensor, Value, nn, optim, testing


def nn_calls() -> Iterator[Call]:
    """microgradkr.nn: constructors, then each layer called on an input."""
    yield Call("MLP", nn.MLP, (3, [4, 1]), names=("nin", "nouts"))
    yield Call("Neuron", nn.Neuron, (3,), {"nonlin": True}, ("nin",))
    yield Call("Layer", nn.Layer, (3, 2), names=("nin", "nout"))
    for name in ("Affine", "Linear"):
        yield Call(
            name,
            getattr(nn, name),
            (3, 2),
            {"init": "he", "bias": True, "rng": 0, "dtype": np.float64},
            ("in_features", "out_features"),
        )
    yield Call(
        "BatchNorm1d", nn.BatchNorm1d, (3,), {"momentum": 0.1, "eps": 1e-5}, ("num_features",)
    )
    yield Call("Dropout", nn.Dropout, (), {"p": 0.5, "rng": 0})
    yield Call("Sequential", nn.Sequential, (nn.ReLU(), nn.Tanh()), names=("layers", "layers"))
    yield Call("init_std", nn.init_std, ("he", 3), names=("init", "fan_in"))
    for name in ("AvgPool2d", "MaxPool2d"):
        yield Call(name, getattr(nn, name), (2,), {"stride": None, "padding": 0}, ("kernel_size",))
    yield Call(
        "Conv2d",
        nn.Conv2d,
        (2, 3, 2),
        {"stride": 1, "padding": 0, "rng": 0},
        ("in_channels", "out_channels", "kernel_size"),
    )
    t = _x()
    img = Tensor(np.ones((1, 2, 4, 4)))
    layers: list[tuple[str, Any, Any]] = [
        ("Linear()", nn.Linear(3, 2, rng=0), t),
        ("Affine()", nn.Affine(3, 2, rng=0), t),
        ("BatchNorm1d()", nn.BatchNorm1d(3), t),
        ("Dropout()", nn.Dropout(0.5, rng=0), t),
        ("ReLU()", nn.ReLU(), t),
        ("Sigmoid()", nn.Sigmoid(), t),
        ("Tanh()", nn.Tanh(), t),
        ("Flatten()", nn.Flatten(), img),
        ("Conv2d()", nn.Conv2d(2, 3, 2, rng=0), img),
        ("MaxPool2d()", nn.MaxPool2d(2), img),
        ("AvgPool2d()", nn.AvgPool2d(2), img),
        ("Sequential()", _model(), t),
        ("MLP()", nn.MLP(3, [2, 1]), [1.0, 2.0, 3.0]),
        ("Neuron()", nn.Neuron(3), [1.0, 2.0, 3.0]),
        ("Layer()", nn.Layer(3, 2), [1.0, 2.0, 3.0]),
    ]
    for label, layer, inp in layers:
        yield Call(label, layer, (inp,), names=("x",), op=(type(layer).__name__,))
    loss = nn.SoftmaxWithLoss()
    yield Call(
        "SoftmaxWithLoss()", loss, (t, np.array([0, 2])), names=("x", "t"), op=("SoftmaxWithLoss",)
    )


def optim_calls() -> Iterator[Call]:
    """microgradkr.optim: constructors with each hyperparameter, then step() on bad gradients."""
    defaults: dict[str, dict[str, Any]] = {
        "SGD": {
            "lr": 0.1,
            "momentum": 0.0,
            "dampening": 0.0,
            "weight_decay": 0.0,
            "nesterov": False,
        },
        "AdaDelta": {"lr": 1.0, "rho": 0.9, "eps": 1e-6, "weight_decay": 0.0},
        "AdaGrad": {
            "lr": 0.01,
            "lr_decay": 0.0,
            "weight_decay": 0.0,
            "initial_accumulator_value": 0.0,
            "eps": 1e-10,
        },
        "Adam": {
            "lr": 0.001,
            "betas": (0.9, 0.999),
            "eps": 1e-8,
            "weight_decay": 0.0,
            "amsgrad": False,
        },
        "Momentum": {"lr": 0.01, "momentum": 0.9, "dampening": 0.0, "weight_decay": 0.0},
        "Nesterov": {"lr": 0.01, "momentum": 0.9, "weight_decay": 0.0},
        "RMSProp": {
            "lr": 0.01,
            "alpha": 0.99,
            "eps": 1e-8,
            "weight_decay": 0.0,
            "momentum": 0.0,
            "centered": False,
        },
    }
    for name, kw in defaults.items():
        cls = getattr(optim, name)
        yield Call(name, cls, ([_x()],), dict(kw), ("params",))
        yield Call(f"{name}.step", _stepper(cls, kw), (True,), names=("grad",), op=(name, "step"))


def _stepper(cls: Any, kw: dict[str, Any]) -> Callable[[Any], None]:
    """A step after backward, with the parameter's gradient replaced by ``grad``."""

    def step(grad: Any) -> None:
        for tensor in (True, False):
            opt = _stepped(cls, tensor, **kw)
            if grad is not True:
                opt.params[0].grad = grad
            opt.step()

    return step


def method_calls() -> Iterator[Call]:
    """Tensor's and Value's public methods, and the operators."""
    t = _x()
    int_t = Tensor(np.array([[0, 1, 2], [2, 1, 0]]), dtype=np.int64)
    one_dim = {"dim": 0, "keepdim": False}
    methods: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
        ("all", (), one_dim),
        ("any", (), one_dim),
        ("amax", (), one_dim),
        ("amin", (), one_dim),
        ("argmax", (), one_dim),
        ("argmin", (), one_dim),
        ("backward", (np.ones((2, 3)),), {}),
        ("bmm", (Tensor(np.ones((2, 3, 2))),), {}),
        ("broadcast_to", ((4, 2, 3),), {}),
        ("clamp", (), {"min": 0.0, "max": 2.0}),
        ("clip", (), {"min": 0.0, "max": 2.0}),
        ("dot", (Tensor(np.ones(3)),), {}),
        ("expand", (4, 2, 3), {}),
        ("expand_as", (Tensor(np.ones((4, 2, 3))),), {}),
        ("flatten", (), {"start_dim": 0, "end_dim": -1}),
        ("gather", (1, int_t), {}),
        ("log_softmax", (1,), {}),
        ("softmax", (1,), {}),
        ("matmul", (Tensor(np.ones(3)),), {}),
        ("mm", (Tensor(np.ones((3, 2))),), {}),
        ("max", (), {"dim": 1, "keepdim": False}),
        ("min", (), {"dim": 1, "keepdim": False}),
        ("mean", (), {"dim": 1, "keepdim": False}),
        ("sum", (), {"dim": 1, "keepdim": False}),
        ("std", (), {"dim": 1, "keepdim": False}),
        ("var", (), {"dim": 1, "keepdim": False}),
        ("maximum", (t,), {}),
        ("minimum", (t,), {}),
        ("permute", (1, 0), {}),
        ("pow", (2,), {}),
        ("requires_grad_", (True,), {}),
        ("reshape", (3, 2), {}),
        ("reshape_as", (Tensor(np.ones((3, 2))),), {}),
        ("view", (3, 2), {}),
        ("view_as", (Tensor(np.ones((3, 2))),), {}),
        ("squeeze", (), {"dim": 0}),
        ("sum_to", (3,), {}),
        ("to", (np.float32,), {}),
        ("transpose", (0, 1), {}),
        ("unsqueeze", (0,), {}),
        ("where", (t > 2, t * 0), {}),
    ]
    for name, args, kw in methods:
        src = _x()
        if name == "backward":
            src = src * 2
        if name in ("bmm", "dot"):  # torch's ranks: a batch of matrices, a vector
            src = Tensor(np.ones((2, 2, 3)) if name == "bmm" else np.ones(3), requires_grad=True)
        fn = getattr(src, name)
        try:
            import inspect

            params = [p for p in inspect.signature(fn).parameters][: len(args)]
        except (TypeError, ValueError):
            params = []
        names = tuple(params) + (name,) * (len(args) - len(params))
        yield Call(f"Tensor.{name}", fn, args, kw, names, (name,))
    ops = [
        ("add", lambda a, b: a + b),
        ("mul", lambda a, b: a * b),
        ("sub", lambda a, b: a - b),
        ("truediv", lambda a, b: a / b),
        ("matmul", lambda a, b: a @ b),
        ("pow", lambda a, b: a**b),
        ("getitem", lambda a, b: a[b]),
        ("lt", lambda a, b: a < b),
    ]
    for name, fn in ops:
        good = 1 if name == "getitem" else (Tensor(np.ones(3)) if name == "matmul" else 2.0)
        op = (name, "div") if name == "truediv" else (name,)  # torch's name for the op: div
        yield Call(f"Tensor.__{name}__", _bound(fn, _x()), (good,), names=("other",), op=op)
    v = Value(2.0)
    yield Call("Value.backward", (v * v).backward, (), {"grad": 1.0})
    yield Call("Value.max", v.max, (Value(1.0),), names=("other",), op=("max",))
    for name, fn in ops[:6]:
        if name != "matmul":
            op = (name, "reciprocal") if name == "truediv" else (name,)  # x / y: x * (1/y)
            yield Call(f"Value.__{name}__", _bound(fn, Value(2.0)), (3.0,), names=("other",), op=op)


def _bound(fn: Callable[[Any, Any], Any], a: Any) -> Callable[[Any], Any]:
    return lambda b: fn(a, b)


def testing_calls() -> Iterator[Call]:
    """microgradkr.testing: the strategies' parameters (built, not drawn) and check_op."""
    for name, kw in [
        ("tensors", {"shape": (2,), "min_value": -3.0, "max_value": 3.0, "margin": 1e-3}),
        ("values", {"min_value": -3.0, "max_value": 3.0, "margin": 1e-3}),
        ("shapes", {"min_dims": 0, "max_dims": 3, "min_side": 1, "max_side": 4}),
        ("broadcast_shapes", {"num_shapes": 2, "min_dims": 0, "max_dims": 3, "max_side": 4}),
        ("expressions", {"max_depth": 3, "max_leaves": 2}),
        ("tensor_expressions", {"max_depth": 3, "max_leaves": 2}),
    ]:
        yield Call(f"testing.{name}", _drawn(getattr(testing, name)), (), kw, op=(name,))
    yield Call("testing.op_cases", testing.op_cases, ("add",), names=("op",), op=("op_cases",))
    # check_op runs hypothesis: its max_examples is capped (2**70 ran for hours), so attacked,
    # with a registered op only (a bad op would be registered for the rest of the process)
    yield Call("testing.check_op", _check_add, (5,), names=("max_examples",), op=("check_op",))


def _check_add(max_examples: Any) -> None:
    testing.check_op("add", max_examples=max_examples)


def _drawn(strategy: Callable[..., Any]) -> Callable[..., Any]:
    """strategy(**kw), built (drawing examples is hypothesis's slow part, left to its tests)."""

    def build(*args: Any, **kw: Any) -> Any:
        return strategy(*args, **kw)

    build.__name__ = strategy.__name__
    return build
