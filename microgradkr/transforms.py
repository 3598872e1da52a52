"""Transforms shaped as ``torch.autograd.functional``: jacobian, hessian, vjp, jvp, hvp, vhp.

``func`` takes Tensors (one per input) and returns a Tensor (or a tuple of them); ``inputs`` is
a Tensor or a tuple of them (arrays and numbers are taken as float64 Tensors). Shapes follow
torch: ``jacobian`` is ``out.shape + in.shape``; with a tuple of inputs (or outputs) the result
is a tuple (of tuples). An input the output does not depend on gets zeros (``strict=True``
raises instead). Every result is built by backprop, one pass per output element for a Jacobian;
``create_graph=True`` keeps the results differentiable.

``microgradkr.jacobian`` (the matrix view, out.size x in.size) stays as it was; these are the
torch-shaped ones.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import checks_args
from .function import CONSTANT
from .graph import grad
from .tensor import Tensor

Func = Callable[..., Any]


def _as_tuple(x: Any) -> tuple[bool, tuple[Any, ...]]:
    return (True, tuple(x)) if isinstance(x, (tuple, list)) else (False, (x,))


def _leaves(inputs: Any, create_graph: bool, what: str) -> tuple[bool, tuple[Tensor, ...]]:
    """The inputs as leaves that want a gradient (the caller's own Tensors with create_graph,
    so that the results stay connected to them, as torch)."""
    is_tuple, xs = _as_tuple(inputs)
    leaves = []
    for i, x in enumerate(xs):
        if isinstance(x, Tensor):
            checks_args.float_tensor(what, f"inputs[{i}]", x)
            leaves.append(x if create_graph and x.requires_grad else Tensor(x.data, True))
        elif isinstance(x, (np.ndarray, np.generic, float, int, list)):
            leaves.append(Tensor(checks_args.array(what, f"inputs[{i}]", x), requires_grad=True))
        else:
            raise TypeError(f"{what}: inputs[{i}] must be a Tensor, got {type(x).__name__}")
    if not leaves:
        raise ValueError(f"{what}: inputs is empty")
    return is_tuple, tuple(leaves)


def _outputs(func: Func, xs: tuple[Tensor, ...], what: str) -> tuple[bool, tuple[Tensor, ...]]:
    checks_args.function(what, "func", func)
    is_tuple, outs = _as_tuple(func(*xs))
    for i, out in enumerate(outs):
        if not isinstance(out, Tensor):
            raise TypeError(
                f"{what}: func must return a Tensor (or a tuple of them), "
                f"got {type(out).__name__} at output {i}"
            )
    return is_tuple, outs


def _reaches(out: Tensor, x: Tensor) -> bool:
    """Whether ``out`` is computed from ``x``; a 'constant' node (a gradient that stopped
    depending on its input, as d(2x)/dx) carries no dependence, as in torch's graph."""
    seen: set[int] = set()
    stack: list[Any] = [out]
    while stack:
        node = stack.pop()
        if node is x:
            return True
        if id(node) in seen or (node.op is not None and node.op.name == CONSTANT.name):
            continue
        seen.add(id(node))
        stack.extend(node._prev)
    return False


def _independent(out: Tensor, xs: tuple[Tensor, ...], what: str, about: str) -> None:
    """strict=True: an input ``out`` does not depend on raises, as torch.autograd.functional."""
    for i, x in enumerate(xs):
        if not _reaches(out, x):
            raise RuntimeError(f"{what}: {about} does not depend on inputs[{i}] (strict=True)")


def _grads(
    out: Tensor,
    xs: tuple[Tensor, ...],
    seed: Any,
    create_graph: bool,
    strict: bool,
    what: str,
    about: str = "the output",
) -> list[Any]:
    """d(seed . out)/dx for each x: a Tensor (create_graph) or an ndarray; zeros where unused
    (``strict``: an error, as torch.autograd.functional)."""
    if strict:
        _independent(out, xs, what, about)
    if out.requires_grad:
        gs = grad(out, list(xs), grad_outputs=seed, create_graph=create_graph)
    else:
        gs = (None,) * len(xs)
    result: list[Any] = []
    for x, g in zip(xs, gs, strict=True):
        if g is None:
            g = np.zeros_like(x.data)
        if create_graph:
            result.append(g if isinstance(g, Tensor) else Tensor(g))
        else:
            result.append(np.asarray(g.data if isinstance(g, Tensor) else g))
    return result


def _check_v(v: Any, like: tuple[Tensor, ...], name: str, what: str) -> list[Any]:
    is_tuple, vs = _as_tuple(v)
    if len(vs) != len(like):
        raise ValueError(f"{what}: {name} has {len(vs)} entries, expected {len(like)}")
    arrays = []
    for i, (a, t) in enumerate(zip(vs, like, strict=True)):
        arr = checks_args.array(
            what, f"{name}[{i}]", a.data if isinstance(a, Tensor) else a, t.data.dtype
        )
        if arr.shape != t.shape:
            raise ValueError(f"{what}: {name}[{i}] has shape {arr.shape}, expected {t.shape}")
        arrays.append(arr)
    return arrays


def _stack(rows: list[Any], shape: tuple[int, ...], create_graph: bool) -> Tensor:
    """rows (one per output element) as one Tensor of shape ``out.shape + row.shape``."""
    if not create_graph:
        return Tensor(np.stack(rows).reshape(shape + rows[0].shape))
    total: Any = None
    for k, row in enumerate(rows):  # sum_k e_k (x) row_k: stacking with ops that keep the graph
        e = np.zeros((len(rows),) + (1,) * row.ndim)
        e[k] = 1.0
        total = row * e if total is None else total + row * e
    return total.reshape(shape + rows[0].shape)  # type: ignore[no-any-return]


def _jacobian_of(
    out: Tensor,
    xs: tuple[Tensor, ...],
    create_graph: bool,
    strict: bool,
    what: str,
    about: str = "the output",
) -> list[Tensor]:
    """d out / d x for each x, of shape out.shape + x.shape: one backprop per output element."""
    if strict:  # once, not per element
        _independent(out, xs, what, about)
    if out.size == 0:  # no element to seed: an empty Jacobian (seed[0] failed before)
        return [Tensor(np.zeros(out.shape + x.shape)) for x in xs]
    rows: list[list[Any]] = [[] for _ in xs]
    for k in range(max(out.size, 1)):
        seed = np.zeros(out.size, dtype=out.data.dtype)
        seed[k] = 1.0
        seed = seed.reshape(out.shape)
        for j, g in enumerate(_grads(out, xs, seed, create_graph, False, what)):
            rows[j].append(g)
    return [_stack(r, out.shape, create_graph) for r in rows]


def _result(value: Any, outer: bool, inner: bool) -> Any:
    """Unwrap torch's way: a tuple only where the caller passed a tuple."""
    rows = [tuple(row) if inner else row[0] for row in value]
    return tuple(rows) if outer else rows[0]


def _detach(outs: tuple[Tensor, ...], is_tuple: bool, create_graph: bool) -> Any:
    kept = outs if create_graph else tuple(Tensor(o.data) for o in outs)
    return kept if is_tuple else kept[0]


def _strategy(value: str, name: str, what: str) -> None:
    """torch's strategy arguments: both give the same numbers here (always reverse mode)."""
    if value not in ("reverse-mode", "forward-mode"):
        raise ValueError(f"{what}: {name} must be 'reverse-mode' or 'forward-mode', got {value!r}")


def jacobian(
    func: Func,
    inputs: Any,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    strategy: str = "reverse-mode",
) -> Any:
    """J[i..., j...] = d func(x)[i...] / d x[j...], of shape out.shape + in.shape (as torch).

    ``vectorize`` and ``strategy`` are accepted for torch's signature; the result is the same.
    """
    _strategy(strategy, "strategy", "jacobian")
    in_tuple, xs = _leaves(inputs, create_graph, "jacobian")
    out_tuple, outs = _outputs(func, xs, "jacobian")
    blocks = [_jacobian_of(o, xs, create_graph, strict, "jacobian") for o in outs]
    return _result(blocks, out_tuple, in_tuple)


def _scalar(func: Func, xs: tuple[Tensor, ...], what: str) -> Tensor:
    is_tuple, outs = _outputs(func, xs, what)
    if is_tuple or outs[0].size != 1:
        raise ValueError(f"{what}: func must return a single Tensor with one element")
    return outs[0]


def hessian(
    func: Func,
    inputs: Any,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    outer_jacobian_strategy: str = "reverse-mode",
) -> Any:
    """H[i][j] = d^2 func / dx_i dx_j, of shape x_i.shape + x_j.shape (func returns one number).

    ``vectorize`` and ``outer_jacobian_strategy`` are accepted for torch's signature.
    """
    _strategy(outer_jacobian_strategy, "outer_jacobian_strategy", "hessian")
    in_tuple, xs = _leaves(inputs, create_graph, "hessian")
    out = _scalar(func, xs, "hessian")
    first = _grads(out.reshape(()), xs, None, True, strict, "hessian")
    about = "the gradient"
    blocks = [_jacobian_of(g, xs, create_graph, strict, "hessian", about) for g in first]
    return _result(blocks, in_tuple, in_tuple)


def vjp(
    func: Func, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False
) -> tuple[Any, Any]:
    """(func(x), v^T J): one backprop seeded with v (v may be omitted for a one-element output)."""
    in_tuple, xs = _leaves(inputs, create_graph, "vjp")
    out_tuple, outs = _outputs(func, xs, "vjp")
    if v is None:
        if len(outs) != 1 or outs[0].size != 1:
            raise ValueError("vjp: v is needed when func's output has more than one element")
        v = np.ones(outs[0].shape)
    vs = _check_v(v, outs, "v", "vjp")
    total: list[Any] = [0.0] * len(xs)
    for out, seed in zip(outs, vs, strict=True):
        for j, g in enumerate(_grads(out, xs, seed, create_graph, strict, "vjp")):
            total[j] = total[j] + g
    gs = [g if isinstance(g, Tensor) else Tensor(g) for g in total]
    return _detach(outs, out_tuple, create_graph), tuple(gs) if in_tuple else gs[0]


def jvp(
    func: Func, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False
) -> tuple[Any, Any]:
    """(func(x), J v): the Jacobian contracted with v over the input axes."""
    in_tuple, xs = _leaves(inputs, create_graph, "jvp")
    if v is None:
        if len(xs) != 1 or xs[0].size != 1:
            raise ValueError("jvp: v is needed when the input has more than one element")
        v = np.ones(xs[0].shape)
    vs = _check_v(v, xs, "v", "jvp")
    out_tuple, outs = _outputs(func, xs, "jvp")
    results = []
    for out in outs:
        total: Any = None
        for x, J, vj in zip(
            xs, _jacobian_of(out, xs, create_graph, strict, "jvp"), vs, strict=True
        ):
            axes = tuple(range(out.ndim, out.ndim + x.ndim))
            term = (J * vj).sum(axis=axes) if axes else J * vj
            total = term if total is None else total + term
        results.append(total if create_graph else Tensor(total.data))
    return _detach(outs, out_tuple, create_graph), tuple(results) if out_tuple else results[0]


def vhp(
    func: Func, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False
) -> tuple[Any, Any]:
    """(func(x), v^T H): backprop of (grad func . v), so the Hessian is never formed."""
    return _vhp(func, inputs, v, create_graph, strict, "vhp")


def _vhp(
    func: Func, inputs: Any, v: Any, create_graph: bool, strict: bool, what: str
) -> tuple[Any, Any]:
    in_tuple, xs = _leaves(inputs, create_graph, what)
    out = _scalar(func, xs, what)
    if v is None:
        if len(xs) != 1 or xs[0].size != 1:
            raise ValueError(f"{what}: v is needed when the input has more than one element")
        v = np.ones(xs[0].shape)
    vs = _check_v(v, xs, "v", what)
    first = _grads(out.reshape(()), xs, None, True, strict, what)
    dot: Any = None
    for g, vj in zip(first, vs, strict=True):
        term = (g * vj).sum()
        dot = term if dot is None else dot + term
    result = _grads(dot, xs, None, create_graph, strict, what, "the gradient . v")
    gs = [g if isinstance(g, Tensor) else Tensor(g) for g in result]
    return _detach((out,), False, create_graph), tuple(gs) if in_tuple else gs[0]


def hvp(
    func: Func, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False
) -> tuple[Any, Any]:
    """(func(x), H v); equal to v^T H because the Hessian of a twice-differentiable func is
    symmetric (torch's docs say the same), so it is computed as ``vhp``."""
    return _vhp(func, inputs, v, create_graph, strict, "hvp")
