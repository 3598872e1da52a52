"""Optimizers of Deep Learning from Scratch ch.6, with PyTorch's update formulas and defaults.

A parameter is anything with ``.data`` and ``.grad``: a ``Value`` (floats) or a Tensor (numpy
arrays; ``grad is None`` means "no gradient this step" and the parameter is skipped, as in
PyTorch). Each optimizer's update is written once, with arithmetic that works on floats and on
arrays alike; state is kept per parameter, by position. ``weight_decay`` is PyTorch's L2 form:
g <- g + weight_decay * p before the update.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, Protocol, TypeAlias

import numpy as np

from . import checks_args

__all__ = [
    "SGD",
    "AdaDelta",
    "AdaGrad",
    "Adam",
    "Momentum",
    "Nesterov",
    "Optimizer",
    "Parameter",
    "RMSProp",
]

State = dict[str, Any]


class Parameter(Protocol):
    """What an optimizer updates: a Value (floats) or a Tensor (arrays, grad may be None)."""

    data: Any
    grad: Any


class HasParameters(Protocol):
    """A module: anything whose ``parameters()`` lists its parameters."""

    def parameters(self) -> list[Any]: ...


Params: TypeAlias = "Iterable[Parameter] | HasParameters"


def _check_params(params: Params) -> list[Any]:
    """A list of parameters from a list, a generator or a module with ``parameters()``."""
    if hasattr(params, "parameters") and callable(params.parameters):
        params = params.parameters()
    if not isinstance(params, Iterable) or getattr(params, "ndim", 1) == 0:
        raise TypeError(
            f"params must be a list of parameters or a module, got {type(params).__name__}"
        )
    found = list(params)
    if not found:
        raise ValueError("params is empty: the optimizer has nothing to update")
    seen: set[int] = set()
    for i, p in enumerate(found):
        if not (hasattr(p, "data") and hasattr(p, "grad")):
            raise TypeError(
                f"params[{i}] must have .data and .grad (a Value or a Tensor), "
                f"got {type(p).__name__}"
            )
        op = getattr(p, "op", None)
        if op is not None:
            raise ValueError(
                f"can't optimize a non-leaf {type(p).__name__}: params[{i}] was made by the op "
                f"{op.name!r}; pass the leaves it was computed from (as PyTorch)"
            )
        if id(p) in seen:
            raise ValueError(f"params[{i}] appears twice in params; it would be updated twice")
        seen.add(id(p))
    return found


def _check_number(name: str, value: Any, low: float = 0.0, high: float = math.inf) -> float:
    """``value`` as a float in [low, high], or an error naming the argument."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be in [{low:g}, {high:g}], got {value!r:.80}")
    return float(value)


def _check_beta(name: str, value: Any) -> float:
    """A decay rate in [0, 1): at 1 the bias correction 1 - beta^t would divide by zero."""
    beta = _check_number(name, value, 0.0, 1.0)
    if beta == 1.0:
        raise ValueError(f"{name} must be in [0, 1), got {value!r:.80}")
    return beta


def _check_grad(where: str, i: int, p: Any) -> Any:
    """A parameter's grad, before it is used: numbers of the parameter's own shape (a node's
    numbers for a create_graph gradient, which the update uses, not the node)."""
    g, shape = p.grad, np.shape(p.data)
    if not isinstance(g, (np.ndarray, float)):
        g = getattr(g, "data", g)  # a create_graph gradient is a node: its numbers
    if isinstance(p.data, np.ndarray):
        if not isinstance(g, np.ndarray) or g.dtype.kind not in "fiu" or g.shape != shape:
            got = f"shape {g.shape} {g.dtype}" if isinstance(g, np.ndarray) else type(g).__name__
            raise ValueError(
                f"{where}.step: params[{i}].grad must be a numeric array of the parameter's "
                f"shape {shape}, got {got}"
            )
    elif isinstance(g, bool) or not isinstance(g, (int, float, np.integer, np.floating)):
        raise TypeError(f"{where}.step: params[{i}].grad must be a number, got {type(g).__name__}")
    return g


def _zeros(x: Any) -> Any:
    return np.zeros_like(x) if isinstance(x, np.ndarray) else 0.0


def _copy(x: Any) -> Any:
    # State must not alias p.grad: a Tensor's backward may add into its grad in place.
    return np.array(x, copy=True) if isinstance(x, np.ndarray) else float(x)


def _write(p: Any, new: Any) -> None:
    """p.data <- new: a float for a Value, in place for an array (references stay valid)."""
    if isinstance(p.data, np.ndarray):
        p.data[...] = new
    else:
        p.data = float(new)


class Optimizer:
    """Base class: ``step()`` updates every parameter that has a gradient, ``zero_grad()`` clears.

    Subclasses write ``_update(p, g, state) -> new p`` once for floats and arrays.
    """

    def __init__(self, params: Params, lr: float, weight_decay: float = 0.0) -> None:
        self.params = _check_params(params)
        self.lr = _check_number("lr", lr)
        self.weight_decay = _check_number("weight_decay", weight_decay)
        self.state: list[State] = [{} for _ in self.params]

    def step(self) -> None:
        """One update of every parameter whose grad is not None (g += weight_decay * p first)."""
        for i, (p, state) in enumerate(zip(self.params, self.state, strict=True)):
            if p.grad is None:
                continue
            g = _check_grad(type(self).__name__, i, p)
            g = g + self.weight_decay * p.data if self.weight_decay else g
            state["step"] = state.get("step", 0) + 1
            _write(p, self._update(p.data, g, state))

    def zero_grad(self) -> None:
        """Value: grad = 0.0; array parameters: grad = None (PyTorch's set_to_none default)."""
        for p in self.params:
            p.grad = None if isinstance(p.data, np.ndarray) else 0.0

    def _update(self, p: Any, g: Any, state: State) -> Any:
        raise NotImplementedError

    def __repr__(self) -> str:
        hyper = {k: v for k, v in vars(self).items() if k not in ("params", "state")}
        args = ", ".join(f"{k}={v!r}" for k, v in hyper.items())
        return f"{type(self).__name__}({len(self.params)} params, {args})"


class SGD(Optimizer):
    """torch.optim.SGD: b = momentum * b + (1 - dampening) * g (b = g at step 1); p -= lr * b.

    With ``nesterov=True`` the step uses g + momentum * b instead of b. Defaults as PyTorch:
    lr=1e-3, momentum=0, dampening=0, weight_decay=0. DLfS's SGD is the plain p -= lr * g with
    lr=0.01.
    """

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        super().__init__(params, lr, weight_decay)
        self.momentum = _check_number("momentum", momentum)
        self.dampening = _check_number("dampening", dampening)
        checks_args.flag(type(self).__name__, "nesterov", nesterov)
        if nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError("nesterov=True needs momentum > 0 and dampening = 0 (as PyTorch)")
        self.nesterov = checks_args.flag(type(self).__name__, "nesterov", nesterov)

    def _update(self, p: Any, g: Any, state: State) -> Any:
        if self.momentum:
            if "momentum_buffer" not in state:
                b = _copy(g)
            else:
                b = self.momentum * state["momentum_buffer"] + (1 - self.dampening) * g
            state["momentum_buffer"] = b
            g = g + self.momentum * b if self.nesterov else b
        return p - self.lr * g


class Momentum(SGD):
    """torch.optim.SGD with momentum=0.9: b = momentum * b + g; p -= lr * b.

    DLfS writes it v = momentum * v - lr * g; p += v. With a constant lr that is the same
    trajectory (v = -lr * b); PyTorch's form keeps it the same when lr changes mid-training.
    Defaults: PyTorch's lr=1e-3 (DLfS uses lr=0.01), momentum=0.9 (DLfS and CS231n).
    """

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        momentum: float = 0.9,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr, momentum, dampening, weight_decay)


class Nesterov(SGD):
    """torch.optim.SGD(momentum=0.9, nesterov=True): b = momentum b + g; p -= lr (g + momentum b).

    Written as DLfS does (v = -lr * b): p += momentum^2 * v_old - (1 + momentum) * lr * g, then
    v = momentum * v - lr * g. DLfS's common/optimizer.py updates v *before* p, which applies
    the momentum once more than Nesterov's method; this class follows PyTorch.
    """

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        momentum: float = 0.9,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr, momentum, 0.0, weight_decay, nesterov=True)


class AdaGrad(Optimizer):
    """torch.optim.Adagrad: h += g^2; p -= lr / (1 + (t - 1) * lr_decay) * g / (sqrt(h) + eps).

    Defaults as PyTorch: lr=1e-2, eps=1e-10. DLfS: the same update with eps=1e-7 and no lr_decay.
    """

    def __init__(
        self,
        params: Params,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
    ) -> None:
        super().__init__(params, lr, weight_decay)
        self.lr_decay = _check_number("lr_decay", lr_decay)
        self.initial_accumulator_value = _check_number(
            "initial_accumulator_value", initial_accumulator_value
        )
        self.eps = _check_number("eps", eps)

    def _update(self, p: Any, g: Any, state: State) -> Any:
        h = state.get("sum", _zeros(p) + self.initial_accumulator_value) + g * g
        state["sum"] = h
        clr = self.lr / (1 + (state["step"] - 1) * self.lr_decay)
        return p - clr * g / (np.sqrt(h) + self.eps)


class RMSProp(Optimizer):
    """torch.optim.RMSprop: v = alpha * v + (1 - alpha) * g^2; p -= lr * g / (sqrt(v) + eps).

    ``centered`` divides by sqrt(v - m^2) with m = alpha * m + (1 - alpha) * g; ``momentum`` > 0
    keeps b = momentum * b + g / (sqrt(v) + eps) and steps p -= lr * b. Defaults as PyTorch:
    lr=1e-2, alpha=0.99, eps=1e-8. DLfS: decay_rate=0.99 and eps=1e-7, no centering or momentum.
    """

    def __init__(
        self,
        params: Params,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        super().__init__(params, lr, weight_decay)
        self.alpha = _check_number("alpha", alpha, 0.0, 1.0)
        self.eps = _check_number("eps", eps)
        self.momentum = _check_number("momentum", momentum)
        self.centered = checks_args.flag(type(self).__name__, "centered", centered)

    def _update(self, p: Any, g: Any, state: State) -> Any:
        v = self.alpha * state.get("square_avg", _zeros(p)) + (1 - self.alpha) * g * g
        state["square_avg"] = v
        if self.centered:
            m = self.alpha * state.get("grad_avg", _zeros(p)) + (1 - self.alpha) * g
            state["grad_avg"] = m
            v = v - m * m
        scaled = g / (np.sqrt(v) + self.eps)
        if self.momentum:
            scaled = self.momentum * state.get("momentum_buffer", _zeros(p)) + scaled
            state["momentum_buffer"] = scaled
        return p - self.lr * scaled


class AdaDelta(Optimizer):
    """torch.optim.Adadelta: v = rho v + (1 - rho) g^2; d = sqrt(u + eps) / sqrt(v + eps) * g;
    u = rho u + (1 - rho) d^2; p -= lr * d.

    Defaults as PyTorch: lr=1.0, rho=0.9, eps=1e-6 (DeZero: rho=0.95, no lr). Not in DLfS book 1.
    """

    def __init__(
        self,
        params: Params,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr, weight_decay)
        self.rho = _check_number("rho", rho, 0.0, 1.0)
        self.eps = _check_number("eps", eps)

    def _update(self, p: Any, g: Any, state: State) -> Any:
        v = self.rho * state.get("square_avg", _zeros(p)) + (1 - self.rho) * g * g
        u = state.get("acc_delta", _zeros(p))
        delta = np.sqrt(u + self.eps) / np.sqrt(v + self.eps) * g
        state["square_avg"] = v
        state["acc_delta"] = self.rho * u + (1 - self.rho) * delta * delta
        return p - self.lr * delta


class Adam(Optimizer):
    """torch.optim.Adam: m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
    p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).

    ``amsgrad`` uses the running maximum of v. Defaults as PyTorch: lr=1e-3, betas=(0.9, 0.999),
    eps=1e-8. DLfS folds the bias corrections into lr and adds eps=1e-7 to the uncorrected
    sqrt(v): p -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps).
    """

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(params, lr, weight_decay)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"betas must be a pair (beta1, beta2), got {betas!r:.80}")
        self.betas = (_check_beta("betas[0]", betas[0]), _check_beta("betas[1]", betas[1]))
        self.eps = _check_number("eps", eps)
        self.amsgrad = checks_args.flag(type(self).__name__, "amsgrad", amsgrad)

    def _update(self, p: Any, g: Any, state: State) -> Any:
        b1, b2 = self.betas
        t = state["step"]
        m = b1 * state.get("exp_avg", _zeros(p)) + (1 - b1) * g
        v = b2 * state.get("exp_avg_sq", _zeros(p)) + (1 - b2) * g * g
        state["exp_avg"], state["exp_avg_sq"] = m, v
        if self.amsgrad:
            v = np.maximum(state.get("max_exp_avg_sq", v), v)
            state["max_exp_avg_sq"] = v
        denom = np.sqrt(v) / math.sqrt(1 - b2**t) + self.eps
        return p - self.lr / (1 - b1**t) * m / denom
