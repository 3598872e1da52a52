"""The attack's table, part 1: the bad values, a good call of every package-level function,
functional and viz; each argument of a good call is replaced by each bad value in turn."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import microgradkr as mg
from microgradkr import Tensor, Value, nn, optim, transforms, viz
from microgradkr import functional as F


def bad_values() -> list[tuple[str, Any]]:
    """The bad arguments, each with a name for the report; built fresh for every call."""
    return [
        ("None", None),
        ("str", "a"),
        ("list", [1.0, 2.0]),
        ("dict", {"a": 1}),
        ("Value", Value(1.5)),
        ("Tensor", Tensor([1.0, 2.0])),
        ("objects", np.array([object(), object()], dtype=object)),
        ("-1", -1),
        ("0", 0),
        ("1.5", 1.5),
        ("True", True),
        ("nan", math.nan),
        ("inf", math.inf),
        ("1e308", 1e308),
        ("2**70", 2**70),
        ("-2**70", -(2**70)),
        ("7", 7),
        ("-7", -7),
        ("(0, 0)", (0, 0)),
        ("empty", Tensor(np.zeros((0,)))),
        # widened (errors2): values the first attack never tried
        ("-0.0", -0.0),
        ("np.float64", np.float64(1.5)),
        ("np.int64", np.int64(7)),
        ("0-d array", np.array(3)),
        ("generator", (x for x in (1.0, 2.0))),
        ("long str", "a" * 100_000),
        ("nested", [[1.0, 2.0], [3.0]]),
        ("int Tensor", Tensor(np.array([1, 2]), dtype=np.int64)),
        ("bool Tensor", Tensor(np.array([True, False]))),
        ("float32 Tensor", Tensor(np.ones((2, 3), dtype=np.float32))),
    ]


@dataclass
class Call:
    """fn(*args, **kwargs), a good call; ``names`` names the positional arguments."""

    label: str
    fn: Callable[..., Any]
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    names: tuple[str, ...] = ()
    op: tuple[str, ...] = ()  # more words that name the op in a message


def _graph() -> tuple[Value, Value, Value]:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    return a, b, (a * b + a.tanh()).relu()


def _tgraph() -> tuple[Tensor, Tensor]:
    x = Tensor(np.arange(6.0).reshape(2, 3) / 4, requires_grad=True, label="x")
    return x, (x.tanh() * x).sum()


def _x() -> Tensor:
    return Tensor(np.arange(1.0, 7.0).reshape(2, 3), requires_grad=True)


def _model() -> nn.Sequential:
    return nn.Sequential(nn.Linear(3, 2, rng=0), nn.ReLU())


def _saved(tmp: Path) -> Path:
    return mg.save_model(_model(), tmp / "m.npz")


def _stepped(opt_cls: type[optim.Optimizer], tensor: bool, **kw: Any) -> optim.Optimizer:
    p: Any = _x() if tensor else Value(1.0)
    opt = opt_cls([p], **kw)
    (p * p).sum().backward() if tensor else (p * p).backward()
    return opt


def module_calls(tmp: Path) -> Iterator[Call]:
    """The package's functions (mg.__all__), functional, transforms."""
    a, b, root = _graph()
    x, troot = _tgraph()
    t = _x()
    yield Call(
        "tensor", mg.tensor, ([1.0, 2.0],), {"requires_grad": True, "dtype": None}, ("data",)
    )
    yield Call(
        "Tensor",
        Tensor,
        ([1.0, 2.0],),
        {"requires_grad": True, "label": "x", "dtype": None},
        ("data",),
    )
    yield Call("Value", Value, (1.0,), {"label": "v"}, ("data",))
    yield Call("add_n", mg.add_n, ([a, b],), names=("values",))
    yield Call("affine", mg.affine, ([a, b], [1.0, 2.0], Value(0.5)), names=("ws", "xs", "b"))
    yield Call("arange", mg.arange, (0, 5), {"step": 1, "dtype": None}, ("start", "end"))
    yield Call("backward_steps", mg.backward_steps, (root,), {"grad": 1.0}, ("root",))
    yield Call("cat", mg.cat, ([t, t],), {"dim": 0}, ("tensors",))
    yield Call("stack", mg.stack, ([t, t],), {"dim": 0}, ("tensors",))
    yield Call("clamp", mg.clamp, (t,), {"min": 0.0, "max": 2.0}, ("input",))
    for name in ("cos", "sin", "sqrt", "exp", "log"):
        yield Call(name, getattr(mg, name), (t,), names=("input",))
    yield Call("eye", mg.eye, (3,), {"m": 2, "dtype": None}, ("n",))
    yield Call("format_trace", mg.format_trace, (root,), {"grad": 1.0, "digits": 5}, ("root",))
    yield Call("from_numpy", mg.from_numpy, (np.ones(3),), names=("array",))
    yield Call("full", mg.full, ((2, 3), 1.5), {"dtype": None}, ("size", "fill_value"))
    for name in ("full_like", "ones_like", "zeros_like", "rand_like", "randn_like"):
        extra = (1.5,) if name == "full_like" else ()
        yield Call(name, getattr(mg, name), (t, *extra), {"dtype": None}, ("x", "fill_value"))
    for name in ("ones", "zeros", "rand", "randn"):
        yield Call(name, getattr(mg, name), (2, 3), {"dtype": None}, ("size", "size"))
    yield Call("randint", mg.randint, (0, 5), {"size": (2,)}, ("low", "high"))
    yield Call("grad", mg.grad, (root, [a, b]), {"grad_outputs": None}, ("outputs", "inputs"))
    yield Call(
        "gradcheck",
        mg.gradcheck,
        (lambda u: u * u, [Value(1.0)]),
        {"eps": 1e-6, "atol": 1e-5, "rtol": 1e-3},
        ("f", "inputs"),
    )
    yield Call(
        "gradgradcheck",
        mg.gradgradcheck,
        (lambda u: u * u * u, [Value(1.0)]),
        {"eps": 1e-6, "atol": 1e-5, "rtol": 1e-3},
        ("f", "inputs"),
    )
    yield Call(
        "gradient_descent",
        mg.gradient_descent,
        (lambda v: (v**2).sum(), np.ones(2)),
        {"lr": 0.1, "step_num": 3},
        ("f", "init_x"),
    )
    yield Call(
        "gradients_after",
        mg.gradients_after,
        (mg.backward_steps(root), 1),
        {"grad": 1.0},
        ("steps", "k"),
    )
    yield Call("hessian", mg.hessian, (lambda u: (u * u).sum(), np.ones(2)), names=("f", "inputs"))
    yield Call("jacobian", mg.jacobian, (lambda u: u * u, np.ones(2)), names=("f", "x"))
    yield Call("vjp", mg.vjp, (lambda u: u * u, np.ones(2), np.ones(2)), names=("f", "x", "v"))
    for name in ("hvp", "vhp", "vjp", "jvp"):
        v = np.ones(2)
        yield Call(
            f"transforms.{name}",
            getattr(transforms, name),
            (lambda u, s=name in ("hvp", "vhp"): (u * u).sum() if s else u * u, Tensor(v)),
            {"v": Tensor(v)},
            ("func", "inputs"),
            (name,),
        )
    yield Call(
        "transforms.jacobian",
        transforms.jacobian,
        (lambda u: u * u, Tensor(np.ones(2))),
        names=("func", "inputs"),
        op=("jacobian",),
    )
    yield Call(
        "transforms.hessian",
        transforms.hessian,
        (lambda u: (u * u).sum(), Tensor(np.ones(2))),
        names=("func", "inputs"),
        op=("hessian",),
    )
    yield Call("linspace", mg.linspace, (0.0, 1.0, 5), {"dtype": None}, ("start", "end", "steps"))
    yield Call("manual_seed", mg.manual_seed, (0,), names=("seed",))
    yield Call("maximum", mg.maximum, (t, t), names=("a", "b"))
    yield Call("minimum", mg.minimum, (t, t), names=("a", "b"))
    yield Call("numerical_diff", mg.numerical_diff, (lambda u: u * u, 1.0), {"h": 1e-4}, ("f", "x"))
    yield Call(
        "numerical_gradient",
        mg.numerical_gradient,
        (lambda u: (u**2).sum(), np.ones(2)),
        {"h": 1e-4},
        ("f", "x"),
    )
    yield Call("save_model", mg.save_model, (_model(), tmp / "s.npz"), names=("module", "path"))
    yield Call("load_model", mg.load_model, (_model(), _saved(tmp)), names=("module", "path"))
    yield Call("set_language", mg.set_language, ("en",), {"glossary": "dlfs"}, ("lang",))
    yield Call("set_grad_enabled", mg.set_grad_enabled, (True,), names=("mode",))
    yield Call("sum_to", mg.sum_to, (np.ones((2, 3)), (3,)), names=("g", "shape"))
    yield Call("F.sum_to", F.sum_to, (t, (3,)), names=("x", "shape"), op=("sum_to",))
    yield Call("topological_order", mg.topological_order, (root,), names=("root",))
    yield Call("where", mg.where, (t > 2, t, t * 0), names=("condition", "input", "other"))
    yield Call("draw_dot", mg.draw_dot, (root,), {"rankdir": "LR"}, ("root",))
    yield Call("apply", mg.apply, (mg.ops.ADD, a, b) if hasattr(mg, "ops") else (), names=("op",))
    yield from functional_calls(t)
    yield from viz_calls(root, troot, x, tmp)


def functional_calls(t: Tensor) -> Iterator[Call]:
    """microgradkr.functional."""
    img = Tensor(np.arange(32.0).reshape(1, 2, 4, 4) / 8, requires_grad=True)
    w = Tensor(np.ones((3, 2, 2, 2)) / 8, requires_grad=True)
    labels = np.array([0, 2])
    yield Call(
        "F.avg_pool2d",
        F.avg_pool2d,
        (img, 2),
        {"stride": None, "padding": 0},
        ("x", "kernel_size"),
        ("avg_pool2d",),
    )
    yield Call(
        "F.max_pool2d",
        F.max_pool2d,
        (img, 2),
        {"stride": None, "padding": 0},
        ("x", "kernel_size"),
        ("max_pool2d",),
    )
    yield Call(
        "F.conv2d", F.conv2d, (img, w), {"b": None, "stride": 1, "pad": 0}, ("x", "W"), ("conv2d",)
    )
    yield Call(
        "F.im2col",
        F.im2col,
        (img, 2, 2),
        {"stride": 1, "pad": 0},
        ("x", "filter_h", "filter_w"),
        ("im2col",),
    )
    col = F.im2col(img, 2, 2)
    yield Call(
        "F.col2im",
        F.col2im,
        (col, (1, 2, 4, 4), 2, 2),
        {"stride": 1, "pad": 0},
        ("col", "input_shape", "filter_h", "filter_w"),
        ("col2im",),
    )
    yield Call(
        "F.batch_norm",
        F.batch_norm,
        (t, np.zeros(3), np.ones(3)),
        {"weight": None, "bias": None, "training": True, "momentum": 0.1, "eps": 1e-5},
        ("input", "running_mean", "running_var"),
        ("batch_norm",),
    )
    yield Call(
        "F.broadcast_to", F.broadcast_to, (t, (4, 2, 3)), names=("x", "shape"), op=("broadcast_to",)
    )
    yield Call(
        "F.cross_entropy",
        F.cross_entropy,
        (t, labels),
        names=("logits", "labels"),
        op=("cross_entropy",),
    )
    yield Call(
        "F.cross_entropy_error",
        F.cross_entropy_error,
        (t.softmax(1), labels),
        {"delta": 1e-7},
        ("y", "t"),
        ("cross_entropy_error",),
    )
    yield Call(
        "F.dropout",
        F.dropout,
        (t,),
        {"p": 0.5, "training": True, "generator": None},
        ("input",),
        ("dropout",),
    )
    yield Call("F.hinge", F.hinge, (t, labels), {"margin": 1.0}, ("scores", "labels"), ("hinge",))
    yield Call(
        "F.leaky_relu", F.leaky_relu, (t,), {"negative_slope": 0.01}, ("input",), ("leaky_relu",)
    )
    yield Call(
        "F.linear",
        F.linear,
        (t, Tensor(np.ones((4, 3)))),
        {"bias": None},
        ("input", "weight"),
        ("linear",),
    )
    for name in ("log_softmax", "softmax"):
        yield Call(f"F.{name}", getattr(F, name), (t,), {"dim": 1}, ("x",), (name,))
    yield Call("F.mse", F.mse, (t, t * 0), {"reduction": "half_sum"}, ("y", "t"), ("mse",))
    yield Call(
        "F.mse_loss",
        F.mse_loss,
        (t, t * 0),
        {"reduction": "mean"},
        ("input", "target"),
        ("mse_loss",),
    )
    for name in ("relu", "sigmoid", "tanh"):
        yield Call(f"F.{name}", getattr(F, name), (t,), names=("input",), op=(name,))


def viz_calls(root: Value, troot: Tensor, x: Tensor, tmp: Path) -> Iterator[Call]:
    """microgradkr.viz (and the package's names for the same functions)."""
    a = root._prev[0]
    common = {"lang": "en", "precision": 4, "rankdir": "LR", "modules": None, "check": False}
    yield Call(
        "draw",
        viz.draw,
        (root,),
        {
            **common,
            "max_nodes": 100,
            "step": None,
            "title": None,
            "legend": True,
            "collapse": False,
        },
        ("root",),
    )
    yield Call(
        "draw(Tensor)", viz.draw, (troot,), {"precision": 4, "modules": None}, ("root",), ("draw",)
    )
    yield Call(
        "explore",
        viz.explore,
        (root,),
        {**common, "path": None, "step": 0, "max_nodes": 100, "collapse": None},
        ("root",),
    )
    yield Call(
        "explore(Tensor)",
        viz.explore,
        (troot,),
        {"precision": 4, "step": 0},
        ("root",),
        ("explore",),
    )
    yield Call("explain", viz.explain, (a, root), {"lang": "en", "precision": 4}, ("value", "root"))
    yield Call(
        "explain(Tensor)",
        viz.explain,
        (x, troot),
        {"precision": 4},
        ("value", "root"),
        ("explain",),
    )
    yield Call("draw_steps", viz.draw_steps, (root,), {"precision": 4}, ("root",))
    yield Call("steps_html", viz.steps_html, (root,), {"precision": 4}, ("root",))
    yield Call(
        "write_steps", viz.write_steps, (root, tmp / "steps"), {"stem": "s"}, ("root", "directory")
    )
    yield Call("build_scene", viz.build_scene, (root,), {"precision": 4, "step": None}, ("root",))
    yield Call("layout_size", viz.layout_size, (root,), names=("root",))
    yield Call("words", viz.words, ("en",), {"glossary": "dlfs"}, ("lang",))
    yield Call(
        "viz.save",
        viz.save,
        (viz.draw(root), tmp / "d.svg"),
        {"format": None},
        ("diagram", "path"),
        ("save",),
    )
