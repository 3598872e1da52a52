"""A Hessian-vector product on a small MLP, checked against the full Hessian.

Hv = d/dp (grad L(p) . v): differentiate the dot product of the gradient (built with
create_graph=True) and a fixed vector v. One extra backward pass, never the n x n matrix.
"""

import random

import numpy as np

from microgradkr import Value, add_n, grad, hessian
from microgradkr.nn import MLP


def loss_of(model, params):
    """Mean squared error of the MLP on four points, with its parameters set to ``params``."""
    it = iter(params)
    for layer in model.layers:
        for n in layer.neurons:
            n.w = [next(it) for _ in n.w]
            n.b = next(it)
    xs = [(0.5, -1.0), (1.5, 0.3), (-0.7, 0.8), (0.1, 0.1)]
    ys = [1.0, -1.0, 0.5, 0.0]
    errors = [
        (model([Value(a), Value(b)]).tanh() - y) ** 2 for (a, b), y in zip(xs, ys, strict=True)
    ]
    return add_n(errors) * (1 / len(errors))


def hvp(model, point, v):
    params = [Value(p) for p in point]
    g = grad(loss_of(model, params), params, create_graph=True)
    dot = add_n([gi * vi for gi, vi in zip(g, v, strict=True)])
    return np.array(grad(dot, params))


if __name__ == "__main__":
    random.seed(0)
    model = MLP(2, [3, 1])
    point = [p.data for p in model.parameters()]
    v = np.random.default_rng(0).normal(size=len(point))
    hv = hvp(model, point, v)
    full = hessian(lambda *ps: loss_of(model, ps), point)
    print(f"MLP(2, [3, 1]): {len(point)} parameters, Hessian {full.shape}")
    print("Hv by one extra backward pass:", np.round(hv, 6))
    print("H @ v from the full Hessian:  ", np.round(full @ v, 6))
    print(f"largest difference: {np.abs(hv - full @ v).max():.2e}")
