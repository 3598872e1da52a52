"""Neural-net modules: micrograd's scalar Neuron/Layer/MLP and DLfS's tensor layers, one base.

The tensor layers (DLfS ch.5-6) are built from Tensor ops, so their backward passes (dx from
dout, dW, db) come from the engine's VJP rules and show up in the graph; Softmax-with-Loss
(``functional.cross_entropy``, backward (y - t) / N) and BatchNorm in training are fused nodes,
each one op with a closed-form backward. Weights follow DLfS's shapes: ``Affine`` computes
x @ W + b with W of shape (in_features, out_features), the transpose of ``torch.nn.Linear.weight``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from typing import Any, TypeAlias

import numpy as np

from . import checks_args, functional, seeding
from .engine import Value, affine, affines
from .tensor import Tensor
from .tensor_ops_fused import affine as fused_affine
from .tensor_ops_fused import batch_norm_train

__all__ = [
    "MLP",
    "Affine",
    "BatchNorm1d",
    "Dropout",
    "Layer",
    "Linear",
    "Module",
    "Neuron",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "SoftmaxWithLoss",
    "Tanh",
    "init_std",
]

Seed: TypeAlias = "int | np.random.Generator | None"


class Module:
    """Base class for scalar and tensor modules: parameters, gradients, train/eval, ``__call__``.

    ``parameters()`` lists what an optimizer updates: by default the Tensors that require grad
    among the module's attributes, then those of its child modules (attributes, or lists of
    them), in the order they were assigned. ``training`` is True until ``eval()``.
    """

    training: bool = True  # a class default, so subclasses need not call __init__

    def children(self) -> list[Module]:
        """The modules held by this one, directly or in a list or tuple attribute."""
        found: list[Module] = []
        for value in vars(self).values():
            if isinstance(value, Module):
                found.append(value)
            elif isinstance(value, (list, tuple)):
                found.extend(v for v in value if isinstance(v, Module))
        return found

    def parameters(self) -> list[Any]:
        """This module's Tensors that require grad, then its children's; each one once."""
        own = [v for v in vars(self).values() if isinstance(v, Tensor) and v.requires_grad]
        return _unique(own + [p for child in self.children() for p in child.parameters()])

    def buffers(self) -> list[Tensor]:
        """State that is saved with the parameters but not trained (BatchNorm's running stats)."""
        return _unique([b for child in self.children() for b in child.buffers()])

    def zero_grad(self) -> None:
        """Value parameters: grad = 0.0; array (Tensor) parameters: grad = None, as PyTorch."""
        for p in self.parameters():
            p.grad = None if isinstance(p.data, np.ndarray) else 0.0

    def train(self, mode: bool = True) -> Module:
        """Set ``training`` on this module and every child (Dropout and BatchNorm read it)."""
        self.training = bool(mode)
        for child in self.children():
            child.train(mode)
        return self

    def eval(self) -> Module:
        """train(False): Dropout passes x through, BatchNorm uses its running statistics."""
        return self.train(False)

    def forward(self, *args: Any) -> Any:
        """The layer's computation; ``module(x)`` calls it."""
        raise NotImplementedError(f"{type(self).__name__} has no forward()")

    def __call__(self, *args: Any) -> Any:
        return self.forward(*args)


def _unique(items: list[Any]) -> list[Any]:
    """``items`` without repeats, in order: a shared (tied) layer is updated and saved once."""
    return list({id(x): x for x in items}.values())


class Neuron(Module):
    """relu(w . x + b), or linear with ``nonlin=False``; w ~ U(-1, 1), b = 0 (as micrograd).

    The weighted sum is one ``affine`` gate rather than n mul and n add gates: the same numbers,
    a graph 5x smaller. ``sum((wi * xi for wi, xi in zip(w, x)), b)`` builds the gate-level one.
    """

    def __init__(self, nin: int, nonlin: bool = True) -> None:
        self.w = [
            Value(random.uniform(-1, 1)) for _ in range(checks_args.layer_size("Neuron: nin", nin))
        ]
        self.b = Value(0)
        self.nonlin = checks_args.flag("Neuron", "nonlin", nonlin)

    def __call__(self, x: Sequence[Value | float]) -> Value:
        _check_inputs("Neuron", x, len(self.w))  # a Layer of Neurons calls affines, not this
        act = affine(self.w, x, self.b)
        return act.relu() if self.nonlin else act

    def parameters(self) -> list[Any]:
        return self.w + [self.b]

    def __repr__(self) -> str:
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


_JUST_NEURON = {Neuron}


def _check_inputs(layer: str, x: Any, n: int) -> None:
    """x: a list of n inputs (Values or numbers), once per call, not per neuron."""
    if not isinstance(x, list | tuple | np.ndarray) or getattr(x, "ndim", 1) == 0:
        raise TypeError(
            f"{layer}: x must be a list of {n} Values or numbers, got {type(x).__name__}"
        )
    if len(x) != n:
        raise ValueError(
            f"{layer}: x has {len(x)} inputs; affine needs as many weights as inputs ({n})"
        )


class Layer(Module):
    """``nout`` neurons over the same inputs; a single output is returned bare, as micrograd."""

    def __init__(self, nin: int, nout: int, **kwargs: Any) -> None:
        self.neurons = [
            Neuron(nin, **kwargs) for _ in range(checks_args.layer_size("Layer: nout", nout))
        ]

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        neurons = self.neurons
        _check_inputs("Layer", x, len(neurons[0].w))
        if set(map(type, neurons)) == _JUST_NEURON:  # one pass over x for all the neurons
            acts = affines([(n.w, n.b) for n in neurons], x)
            out = [a.relu() if n.nonlin else a for a, n in zip(acts, neurons, strict=True)]
        else:  # a neuron of another kind computes its own way
            out = [n(x) for n in neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Any]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """Layers of sizes ``nouts`` on ``nin`` inputs: ReLU hidden layers, a linear last layer.

    Parameters are labelled by where they live: ``L1.n0.w2`` is layer 1, neuron 0, weight 2.
    """

    def __init__(self, nin: int, nouts: Sequence[int]) -> None:
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence):
            raise TypeError(f"MLP: nouts must be a list of layer sizes, got {nouts!r:.80}")
        named = [("nin", nin), *((f"nouts[{i}]", n) for i, n in enumerate(nouts))]
        sizes = [checks_args.layer_size(f"MLP: {name}", n) for name, n in named]
        if len(sizes) < 2:
            raise ValueError("MLP: nouts must name at least one layer, got []")
        checks_args.value_count("MLP", sizes)
        self.layers = [
            Layer(sizes[i], sizes[i + 1], nonlin=i != len(nouts) - 1) for i in range(len(nouts))
        ]
        for i, layer in enumerate(self.layers, 1):
            for j, neuron in enumerate(layer.neurons):
                for k, w in enumerate(neuron.w):
                    w.label = f"L{i}.n{j}.w{k}"
                neuron.b.label = f"L{i}.n{j}.b"

    def __call__(self, x: Any) -> Any:
        _check_inputs("MLP", x, len(self.layers[0].neurons[0].w))
        if isinstance(x, list | tuple):  # numbers become input nodes once: one node per input
            x = [xi if isinstance(xi, Value) else Value(xi, f"x{i}") for i, xi in enumerate(x)]
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self) -> list[Any]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"


# -- tensor layers (DLfS ch.5-6) ------------------------------------------------------------------


def _rng(seed: Seed) -> np.random.Generator:
    return seeding.generator(seed, "rng")  # None: the library's default, seeded by manual_seed


def _as_tensor(x: Any, layer: str) -> Tensor:
    """x as a constant Tensor; a float32 array stays float32 (anything else becomes float64)."""
    if isinstance(x, Tensor):
        return x
    try:
        return Tensor(x, dtype=np.float32 if getattr(x, "dtype", None) == np.float32 else None)
    except TypeError as err:
        raise TypeError(f"{layer}: x {err}") from None


def init_std(init: str | float, fan_in: int) -> float:
    """The weights' standard deviation: He sqrt(2/n), Xavier sqrt(1/n) (DLfS), "std" 0.01."""
    fan_in = checks_args.layer_size("fan_in", fan_in)
    if isinstance(init, str):
        stds = {"he": math.sqrt(2.0 / fan_in), "xavier": math.sqrt(1.0 / fan_in), "std": 0.01}
        if init not in stds:
            raise ValueError(f'init must be "he", "xavier", "std" or a float std, got {init!r:.80}')
        return stds[init]
    if isinstance(init, bool) or not isinstance(init, (int, float)) or init < 0:
        raise ValueError(
            f'init must be "he", "xavier", "std" or a float std >= 0, got {init!r:.80}'
        )
    return float(init)


class Affine(Module):
    """out = x @ W + b; backward dx = dout @ W^T, dW = x^T @ dout, db = sum of dout over the batch.

    W (in_features, out_features) ~ N(0, std^2) and b = 0, with std from ``init``: "he"
    sqrt(2 / in_features), the default, for ReLU nets; "xavier" sqrt(1 / in_features) for
    sigmoid and tanh (DLfS's Xavier); "std" 0.01, the book's first nets; or a float std.
    An input with more than two axes is flattened to (N, -1) first, as DLfS's Affine does.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        init: str | float = "he",
        bias: bool = True,
        rng: Seed = None,
        dtype: Any = np.float64,
    ) -> None:
        self.in_features = checks_args.layer_size("in_features", in_features)
        self.out_features = checks_args.layer_size("out_features", out_features)
        self.init = init
        std = init_std(init, self.in_features)
        w = _rng(rng).standard_normal((self.in_features, self.out_features)) * std
        self.W = Tensor(w, requires_grad=True, label="W", dtype=dtype)
        self.b: Tensor | None = (
            Tensor(np.zeros(self.out_features), requires_grad=True, label="b", dtype=dtype)
            if checks_args.flag(type(self).__name__, "bias", bias)
            else None
        )

    def forward(self, x: Any) -> Tensor:
        xt = x if type(x) is Tensor else _as_tensor(x, repr(self))
        if xt.data.ndim > 2:
            xt = xt.reshape(xt.data.shape[0], -1)
        shape = xt.data.shape
        if not shape or shape[-1] != self.in_features:
            raise ValueError(
                f"{self!r}: input of shape {xt.shape} does not fit W of shape {self.W.shape}:"
                f" x's last axis must have {self.in_features} features"
            )
        return xt @ self.W if self.b is None else fused_affine(xt, self.W, self.b)

    def __repr__(self) -> str:
        bias = "" if self.b is not None else ", bias=False"
        return f"{type(self).__name__}({self.in_features}, {self.out_features}{bias})"


Linear = Affine


class ReLU(Module):
    """out = max(x, 0); backward dx = dout where x > 0, else 0 (DLfS's mask)."""

    def forward(self, x: Any) -> Tensor:
        return _as_tensor(x, "ReLU").relu()

    def __repr__(self) -> str:
        return "ReLU()"


class Sigmoid(Module):
    """out = 1 / (1 + e^-x); backward dx = dout * out * (1 - out)."""

    def forward(self, x: Any) -> Tensor:
        return _as_tensor(x, "Sigmoid").sigmoid()

    def __repr__(self) -> str:
        return "Sigmoid()"


class Tanh(Module):
    """out = tanh x; backward dx = dout * (1 - out^2)."""

    def forward(self, x: Any) -> Tensor:
        return _as_tensor(x, "Tanh").tanh()

    def __repr__(self) -> str:
        return "Tanh()"


class Dropout(Module):
    """Inverted dropout: out = x * mask / (1 - p), mask_i ~ Bernoulli(1 - p), in training only.

    In eval mode out = x. Backward dx = dout * mask / (1 - p). Dividing at training time keeps
    the expected activation the same, so eval needs no rescaling (PyTorch's form; DLfS instead
    multiplies by 1 - p at test time). ``rng`` (a seed or a Generator) fixes the masks: each
    forward pass draws the next one and keeps it as ``mask``.
    """

    def __init__(self, p: float = 0.5, rng: Seed = None) -> None:
        self.p = checks_args.fraction("p", p)
        self.rng = _rng(rng)
        self.mask: np.ndarray | None = None

    def forward(self, x: Any) -> Tensor:
        xt = _as_tensor(x, "Dropout")
        if not self.training or self.p == 0.0:
            return xt
        self.mask = self.rng.random(xt.shape) >= self.p
        if self.p == 1.0:  # every unit dropped; 1 / (1 - p) would divide by zero
            return xt * np.zeros(xt.shape)
        return xt * (self.mask / (1.0 - self.p))

    def __repr__(self) -> str:
        return f"Dropout(p={self.p:g})"


class BatchNorm1d(Module):
    """out = gamma * (x - mu) / sqrt(var + eps) + beta, per feature over the batch (PyTorch's).

    Training: mu and var are the batch's mean and biased variance; running_mean and
    running_var move towards mu and the unbiased variance (N / (N - 1) var) by ``momentum``:
    r = (1 - momentum) r + momentum * stat. Eval: the running statistics are used instead.
    x is (N, num_features); gamma = 1 and beta = 0 are the parameters, dgamma and dbeta
    their gradients. In training the layer is one fused node (``batch_norm``) whose backward
    is DLfS's dx through the mean and variance in closed form.
    """

    def __init__(
        self, num_features: int, momentum: float = 0.1, eps: float = 1e-5, dtype: Any = np.float64
    ) -> None:
        self.num_features = checks_args.layer_size("num_features", num_features)
        self.momentum = checks_args.fraction("momentum", momentum)
        if isinstance(eps, bool) or not isinstance(eps, (int, float)) or eps <= 0:
            raise ValueError(f"eps must be a number > 0, got {eps!r:.80}")
        self.eps = float(eps)
        n = self.num_features
        # four arrays of their own: a Tensor shares a float64 array it is given, and the running
        # statistics are updated in place
        self.gamma = Tensor(np.ones(n), requires_grad=True, label="gamma", dtype=dtype)
        self.beta = Tensor(np.zeros(n), requires_grad=True, label="beta", dtype=dtype)
        self.running_mean = Tensor(np.zeros(n), label="running_mean", dtype=dtype)
        self.running_var = Tensor(np.ones(n), label="running_var", dtype=dtype)

    def buffers(self) -> list[Tensor]:
        return [self.running_mean, self.running_var]

    def forward(self, x: Any) -> Tensor:
        xt = _as_tensor(x, "BatchNorm1d")
        if xt.ndim != 2 or xt.shape[1] != self.num_features:
            raise ValueError(
                f"{self!r}: input of shape {xt.shape} should be (N, {self.num_features})"
            )
        if not self.training:
            scale = 1.0 / np.sqrt(self.running_var.data + self.eps)
            return (xt - self.running_mean.data) * scale * self.gamma + self.beta
        n = xt.shape[0]
        if n < 2:
            raise ValueError(
                f"{self!r}: a batch of {n} has no variance; training needs N >= 2 (or call eval())"
            )
        out, mu, var = batch_norm_train(xt, self.gamma, self.beta, self.eps)
        self._update_running(mu, var, n)
        return out

    def _update_running(self, mu: np.ndarray, var: np.ndarray, n: int) -> None:
        m = self.momentum
        # in place, so that references (and an optimizer-free load) keep pointing at them
        self.running_mean.data[...] = (1 - m) * self.running_mean.data + m * mu
        self.running_var.data[...] = (1 - m) * self.running_var.data + m * var * n / (n - 1)

    def __repr__(self) -> str:
        return f"BatchNorm1d({self.num_features}, momentum={self.momentum:g}, eps={self.eps:g})"


class Sequential(Module):
    """Layers applied in order: out = layers[-1](... layers[0](x))."""

    def __init__(self, *layers: Module) -> None:
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise TypeError(
                    f"Sequential: layer {i} must be a Module, got {type(layer).__name__}"
                )
        self.layers = list(layers)

    def forward(self, x: Any) -> Any:
        for layer in self.layers:
            x = layer(x)
        return x

    def __getitem__(self, i: int) -> Module:
        return self.layers[i]

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[Module]:
        return iter(self.layers)

    def __repr__(self) -> str:
        body = "".join(f"\n  ({i}): {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential({body}\n)"


class SoftmaxWithLoss(Module):
    """L = -(1/N) sum_n log softmax(x_n)[t_n]; backward dx = (y - t) / N (DLfS ch.5).

    ``forward(x, t)`` takes scores x (N, C) and integer labels t (N,) or one-hot t (N, C) and
    returns the loss as one fused node (``functional.cross_entropy``); y = softmax(x) and t
    are kept as ``y`` and ``t``, as in the book.
    """

    def __init__(self) -> None:
        self.y: np.ndarray | None = None
        self.t: np.ndarray | None = None

    def forward(self, x: Any, t: Any) -> Tensor:
        loss: Tensor = functional.cross_entropy(_as_tensor(x, "SoftmaxWithLoss"), t)
        # the fused node keeps y = softmax(x) for its backward; reuse it rather than recompute
        self.y = loss._args[0] if loss._args else functional.softmax(_as_tensor(x, "y")).data
        self.t = np.asarray(t.data if isinstance(t, Tensor) else t)
        return loss

    def __repr__(self) -> str:
        return "SoftmaxWithLoss()"


# the convolution layers (DLfS ch.7) live in their own module; here so that nn.Conv2d works
from .conv_layers import AvgPool2d, Conv2d, Flatten, MaxPool2d  # noqa: E402

__all__ += ["AvgPool2d", "Conv2d", "Flatten", "MaxPool2d"]
