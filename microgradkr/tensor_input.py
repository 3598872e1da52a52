"""What comes into a Tensor op from outside, checked once, at the boundary: data as arrays (the
dtype rules), torch's dtype promotion, the parts of an index, and the errors that name the op
(never numpy's insides). The ops' hot paths (tensor.py) trust what passed here.

The dtype rules, torch's with this library's default float (float64, where torch's is float32:
as after ``torch.set_default_dtype(torch.float64)``): int64 and bool tensors keep their dtype
through the ops that stay in integers (add, mul, neg of int64, relu, abs, maximum, max, sum,
matmul, clamp to int bounds, ``x ** 2``, shapes and indexing; a sum of bools is int64, ``bool
** 2`` too); ops with a float result (true division, exp, log, sqrt, sin, cos, tanh, sigmoid,
``x ** 0.5``, ``reciprocal``, an int tensor with a float number) compute them in float64; an
int or bool tensor against a float one takes the float's dtype. Where torch refuses a dtype,
a TypeError names the op and the dtype (``-`` of a bool tensor, mean, leaky_relu, softmax and
batch norm of int64 or bool, matmul of bools); int64 ** a negative int is a ValueError
("Integers to negative integer powers are not allowed"). Only float tensors require grad.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import checks_args, tensor_ops
from .graph import GraphNode
from .tensor_ops import MATMUL, Array, TensorOp

FLOATS = (np.dtype(np.float64), np.dtype(np.float32))
DTYPES = (*FLOATS, np.dtype(np.int64), np.dtype(np.bool_))


def as_array(data: Any, dtype: Any, what: str, keep_bool: bool = False) -> Array:
    """``data`` as a float ndarray (shared, not copied, when it already is one): with no dtype,
    float32 stays float32 and the rest becomes float64; with ``keep_bool`` and no dtype,
    booleans stay a bool array (a mask)."""
    try:
        arr = np.asarray(data)
    except ValueError as err:  # a ragged list
        raise TypeError(f"{what} needs a rectangular array of numbers: {err}") from None
    if arr.dtype.kind not in "biuf":
        if what.startswith("an operand"):  # of an operator or method: name the one called
            raise checks_args.operand_error("Tensor", data, f" (an array of dtype {arr.dtype})")
        raise TypeError(
            f"{what} needs numbers, got an array of dtype {arr.dtype}"
            + (" (Values? use Tensor for arrays, Value for scalars)" if arr.dtype == object else "")
        )
    if dtype is None:
        if keep_bool and arr.dtype.kind == "b":
            return arr
        # float32 data stays float32 (as numpy and torch): the float64 default is for the rest
        dt = arr.dtype if arr.dtype == FLOATS[1] else FLOATS[0]
    else:
        dt = checks_args.dtype(what, "dtype", dtype)
    if dt not in DTYPES:
        raise ValueError(f"{what}: dtype must be float64, float32, int64 or bool, got {dt}")
    return arr if arr.dtype == dt else arr.astype(dt)


def at_labels(nodes: Sequence[Any]) -> str:
    """ " at 'x', 'y'": the labels of the nodes, for an error message (empty if none)."""
    labels = [n.label for n in nodes if n.label]
    return " at " + ", ".join(repr(s) for s in labels) if labels else ""


def op_error(op: TensorOp, inputs: Sequence[Any], err: Exception) -> Exception:
    """The same kind of error, naming the op, the input shapes and labels, not numpy's insides."""
    shapes = " and ".join(str(t.data.shape) for t in inputs)
    if len(inputs) == 2 and isinstance(err, ValueError) and "broadcast" in str(err):
        return ValueError(f"{op.name}: shapes {shapes} do not broadcast{at_labels(inputs)}")
    if op is MATMUL and isinstance(err, ValueError):
        return ValueError(
            f"matmul: shapes {shapes} do not match (the last axis of the first must equal "
            f"the {'only' if inputs[1].data.ndim == 1 else 'second-to-last'} axis of the second)"
            f"{at_labels(inputs)}"
        )
    # the builtin kind: numpy's own subclasses take other arguments (_UFuncOutputCastingError)
    kind = next((k for k in (ValueError, IndexError, TypeError) if isinstance(err, k)), ValueError)
    return kind(f"{op.name} of a tensor of shape {shapes}{at_labels(inputs)}: {err}")


# torch's advice where it refuses a dtype
_HINTS = {
    "neg": "; to invert a mask use ~",
    "sub": "; use ^ for the difference of two masks",
}


def op_inputs(op: TensorOp, arrays: Sequence[Array]) -> list[Array]:
    """The arrays ``op`` computes on, some of them int64 or bool: as they are, in float64 for an
    op with a float result (``op.to_float``), or a TypeError where the op does not take one's
    dtype (``op.takes``), as torch's "not implemented for 'Long'" (or its bool - int64)."""
    for a in arrays:
        if a.dtype.kind not in op.takes and a.dtype not in FLOATS:
            kinds = " or ".join([{"i": "int64", "b": "bool"}[k] for k in op.takes] + ["float"])
            raise TypeError(
                f"{op.name} is not implemented for {a.dtype} tensors, as in torch: it takes"
                f" {kinds} tensors{_HINTS.get(op.name, '; cast with .double() first')}"
            )
    if op.to_float and np.result_type(*arrays).kind != "f":
        return [a.astype(FLOATS[0]) for a in arrays]
    return list(arrays)


def promote_types(a: Array, b: Array) -> np.dtype[Any]:
    """PyTorch's promotion, the dtype it computes ``a`` op ``b`` in: an integer or bool tensor
    against a float one takes the float's dtype (int64 * float32 is float32); a float 0-d
    tensor against a float tensor with dims: the one with dims decides (float32 * float64 0-d
    is float32), where numpy would widen; otherwise the wider one (int64 + bool is int64)."""
    fa, fb = a.dtype in FLOATS, b.dtype in FLOATS
    if fa and fb and (a.ndim == 0) != (b.ndim == 0):
        return b.dtype if a.ndim == 0 else a.dtype
    if fa != fb:
        return a.dtype if fa else b.dtype
    return np.promote_types(a.dtype, b.dtype)


def index_part(i: Any, x: Any) -> Any:
    """One part of an index as numpy takes it: a Tensor or list becomes its array (a bool mask
    stays a mask, never 0./1. positions); a float index is an IndexError, as in torch."""
    what = "a float Tensor" if isinstance(i, GraphNode) else f"a float index ({i!r})"
    if isinstance(i, GraphNode):
        i = i.data  # type: ignore[attr-defined]  # a Tensor's
    elif isinstance(i, list):  # [] gathers nothing, as numpy; a ragged list is refused
        i = checks_args.rectangular("getitem", "index", i) if i else np.zeros(0, dtype=np.intp)
    kind = i.dtype.kind if isinstance(i, (np.ndarray, np.generic)) else None
    if isinstance(i, float) or kind == "f":
        raise IndexError(
            f"getitem: {what} cannot index a tensor of shape {x.shape}"
            f"{at_labels((x,))}: use ints, slices, an integer array or a bool mask"
        )
    if kind is not None and kind not in "biu":
        raise IndexError(f"getitem: an index of dtype {i.dtype} cannot index a tensor")
    return i


def sum_to(g: Any, shape: Any) -> Array:
    """Sum ``g`` down to ``shape``, the backward of numpy broadcasting, its arguments checked
    (the backward pass calls tensor_ops.sum_to, which trusts them)."""
    return tensor_ops.sum_to(*checks_args.sum_to_args(g, shape))
