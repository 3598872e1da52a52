"""The built-in ops of microgradkr.testing written with torch, to replay an Expression there."""

import torch

# Every built-in op of microgradkr.testing, written with torch.
TORCH = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "neg": lambda a: -a,
    "radd": lambda a: 1.5 + a,
    "rsub": lambda a: 2 - a,
    "rmul": lambda a: 3 * a,
    "rdiv": lambda a: 2 / a,
    "square": lambda a: a**2,
    "cube": lambda a: a**3,
    "sqrt": lambda a: a**0.5,
    "inverse": lambda a: a**-1,
    "powv": lambda a, b: a**b,
    "rpow": lambda a: 2**a,
    "exp": torch.exp,
    "log": torch.log,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "reciprocal": torch.reciprocal,
    "relu": torch.relu,
    "abs": torch.abs,
    "max": torch.maximum,
    "add_n": lambda a, b, c: a + b + c,
    "affine": lambda w0, x0, w1, x1, b: b + w0 * x0 + w1 * x1,
}


def in_torch(f, inputs):
    """The Expression f evaluated on torch tensors."""
    nodes = list(inputs)
    for name, args in f.steps:
        nodes.append(TORCH[name](*(nodes[i] for i in args)))
    return nodes[-1]
