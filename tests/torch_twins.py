"""The built-in ops of microgradkr.testing written with torch, to replay an Expression there."""

import numpy as np
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


def _index(index):
    return torch.as_tensor(index) if isinstance(index, np.ndarray) else index


def _dims(x, axis):
    return tuple(range(x.ndim)) if axis is None else axis


def _extreme(x, axis, keep, name):
    """torch.amax's (amin's) values with the gradient of torch's full ``max()``: ties share it
    and a NaN, the maximum, takes it (amax's own backward gives NaN everywhere there). Row by
    row over the reduced dims, since only the full reduction has that backward."""
    if not x.ndim:
        return getattr(x, name)()
    if not x.numel():  # nothing to share: amax's values and (empty) gradient
        return getattr(torch, f"a{name}")(x, dim=_dims(x, axis), keepdim=keep)
    axes = _dims(x, axis)
    dims = sorted(d % x.ndim for d in ((axes,) if isinstance(axes, int) else axes))
    rest = [d for d in range(x.ndim) if d not in dims]
    rows = x.permute(*rest, *dims).reshape(-1, max(1, int(np.prod([x.shape[d] for d in dims]))))
    out = torch.stack([getattr(row, name)() for row in rows])
    shape = (
        [1 if d in dims else x.shape[d] for d in range(x.ndim)]
        if keep
        else [x.shape[d] for d in rest]
    )
    return out.reshape(shape)


# Every built-in Tensor op of microgradkr.testing, written with torch (inputs, then extra args).
TORCH_TENSOR = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "neg": lambda a: -a,
    "pow": lambda a, k: a**k,
    "exp": torch.exp,
    "log": torch.log,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "relu": torch.relu,
    "maximum": torch.maximum,
    "sum": lambda x, axis, keep: x.sum(dim=_dims(x, axis), keepdim=keep),
    "mean": lambda x, axis, keep: x.mean(dim=_dims(x, axis), keepdim=keep),
    "max": lambda x, axis, keep: _extreme(x, axis, keep, "max"),
    "matmul": lambda a, b: a @ b,
    "reshape": lambda x, shape: x.reshape(shape),
    "transpose": lambda x, perm: x.permute(perm),
    "getitem": lambda x, index: x[_index(index)],
    "scatter_add": lambda g, shape, i: torch.zeros(shape, dtype=g.dtype).index_add(
        0, torch.tensor([i % shape[0]]), g.unsqueeze(0)
    ),
    "cast": lambda x, dtype: x.to(getattr(torch, np.dtype(dtype).name)),
    "abs": torch.abs,
    "sqrt": torch.sqrt,
    "sin": torch.sin,
    "cos": torch.cos,
    "clamp": lambda x, lo, hi: torch.clamp(x, lo, hi),
    "where": lambda a, b, cond: torch.where(torch.as_tensor(cond), a, b),
    "minimum": torch.minimum,
    "min": lambda x, axis, keep: _extreme(x, axis, keep, "min"),
    "leaky_relu": lambda x, slope: torch.nn.functional.leaky_relu(x, slope),
    "clone": torch.clone,
    "broadcast_to": lambda x, shape: x.broadcast_to(shape),
    "sum_to": lambda x, shape: _sum_to(x, shape),
    "pow_tensor": lambda a, b: a**b,
    "affine": lambda x, W, b: x @ W + b,
    "batch_norm": lambda x, gamma, beta, eps: torch.nn.functional.batch_norm(
        x, None, None, gamma, beta, training=True, eps=eps
    ),
    "softmax_cross_entropy": lambda x, t: torch.nn.functional.cross_entropy(x, torch.as_tensor(t)),
}


def _im2col(x, kh, kw, stride, pad):
    """F.unfold's (N, C*FH*FW, L) as the book's col: one row per patch (n, oy, ox)."""
    col = torch.nn.functional.unfold(x, (kh, kw), padding=pad, stride=stride)
    return col.transpose(1, 2).reshape(-1, col.shape[1])


def _col2im(col, shape, kh, kw, stride, pad):
    """The book's col back to F.fold's (N, C*FH*FW, L), then folded: overlaps summed."""
    n = shape[0]
    cols = col.reshape(n, -1, col.shape[1]).transpose(1, 2)
    return torch.nn.functional.fold(cols, shape[2:], (kh, kw), padding=pad, stride=stride)


# The convolution ops of microgradkr.conv, written with torch.nn.functional.
TORCH_TENSOR.update(
    {
        "im2col": _im2col,
        "col2im": _col2im,
        "conv2d": lambda x, w, b, s, p: torch.nn.functional.conv2d(x, w, b, stride=s, padding=p),
        "max_pool2d": lambda x, k, s, p: torch.nn.functional.max_pool2d(x, k, s, p),
        "avg_pool2d": lambda x, k, s, p: torch.nn.functional.avg_pool2d(x, k, s, p),
    }
)


def _sum_to(x, shape):
    """x summed down to ``shape`` with torch's sum (leading dims, then the size-1 ones)."""
    lead = x.ndim - len(shape)
    if lead:
        x = x.sum(dim=tuple(range(lead)))
    dims = tuple(i for i, n in enumerate(shape) if n == 1 and x.shape[i] != 1)
    return x.sum(dim=dims, keepdim=True) if dims else x


def in_torch_tensor(f, inputs):
    """The TensorExpression f evaluated on torch tensors."""
    nodes = list(inputs)
    for name, idx, args in f.steps:
        nodes.append(TORCH_TENSOR[name](*(nodes[i] for i in idx), *args))
    return nodes[-1]
