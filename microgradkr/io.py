"""Save and load a module's parameters as an ``.npz`` of plain numeric arrays, never a pickle.

Parameter i of ``module.parameters()`` is stored as the array ``param_i`` (a Value as a 0-d
array), and buffer j of ``module.buffers()`` (state that is not trained, such as BatchNorm's
running statistics) as ``buffer_j``. ``load`` checks the whole file against the module before
it changes anything: a zip archive holding exactly those arrays, each numeric and of the
parameter's shape. Arrays are read with ``allow_pickle=False``, so a file cannot run code.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["load", "save"]

_ZIP_MAGIC = b"PK\x03\x04"  # an .npz is a zip archive of .npy files
_NUMERIC = "fiu"  # float, signed and unsigned int: the dtype kinds a parameter can hold


def _params(module: Any) -> list[Any]:
    """The parameters of a module (anything with ``parameters()``) or of a list of them."""
    params = list(module.parameters() if hasattr(module, "parameters") else module)
    for i, p in enumerate(params):
        if not hasattr(p, "data"):
            raise TypeError(f"parameter {i} has no .data: got {type(p).__name__}")
    return params


def _state(module: Any) -> dict[str, Any]:
    """Everything saved, by array name: ``param_i`` for parameters, then ``buffer_j``."""
    state = {f"param_{i}": p for i, p in enumerate(_params(module))}
    buffers = module.buffers() if hasattr(module, "buffers") else []
    state.update({f"buffer_{j}": b for j, b in enumerate(buffers)})
    return state


def save(module: Any, path: str | Path) -> Path:
    """Write every parameter's data to ``path`` (which must end in .npz) as ``param_i`` arrays."""
    path = Path(path)
    if path.suffix != ".npz":
        raise ValueError(f"path must end in .npz, got {str(path)!r}")
    arrays: dict[str, Any] = {}
    for name, p in _state(module).items():
        arr = np.asarray(p.data)
        if arr.dtype.kind not in _NUMERIC:
            what = name.replace("param_", "parameter ").replace("buffer_", "buffer ")
            raise TypeError(f"{what} holds {arr.dtype} data; only numbers can be saved")
        arrays[name] = arr
    with path.open("wb") as f:  # a file object, so numpy never appends a second suffix
        np.savez(f, **arrays)
    return path


def load(module: Any, path: str | Path) -> None:
    """Copy the arrays of a file written by ``save`` into the module's parameters, in place."""
    path = Path(path)
    state = _state(module)
    arrays = _read_checked(path, {name: np.shape(p.data) for name, p in state.items()})
    for p, arr in zip(state.values(), arrays, strict=True):
        if isinstance(p.data, np.ndarray):
            p.data[...] = arr
        else:
            p.data = float(arr)


def _read_checked(path: Path, shapes: dict[str, tuple[int, ...]]) -> list[np.ndarray]:
    """The arrays of ``path`` named in ``shapes``, each checked against its shape."""
    with path.open("rb") as f:
        if f.read(4) != _ZIP_MAGIC:
            raise ValueError(
                f"{path} is not an .npz file (not a zip archive); load reads only files "
                "written by microgradkr.save"
            )
    try:
        npz = np.load(path, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile) as err:
        raise ValueError(f"{path} is not a readable .npz file: {err}") from None
    with npz:
        _check_names(path, set(npz.files), list(shapes))
        return [_read_one(path, npz, name, shape) for name, shape in shapes.items()]


def _check_names(path: Path, found: set[str], expected: list[str]) -> None:
    missing = [name for name in expected if name not in found]
    extra = sorted(found - set(expected))
    if missing or extra:
        n_params = sum(name.startswith("param_") for name in expected)
        n_buffers = len(expected) - n_params
        raise ValueError(
            f"{path} holds {len(found)} arrays, the module has {n_params} parameters"
            + (f" and {n_buffers} buffers" if n_buffers else "")
            + (f"; missing array(s): {', '.join(missing)}" if missing else "")
            + (f"; unexpected array(s): {', '.join(extra)}" if extra else "")
        )


def _read_one(path: Path, npz: Any, name: str, shape: tuple[int, ...]) -> np.ndarray:
    try:
        arr = np.asarray(npz[name])
    except ValueError as err:
        if "allow_pickle" in str(err):
            raise ValueError(
                f"{path}: array {name!r} is an object array (a pickle); load never unpickles"
            ) from None
        raise ValueError(f"{path}: array {name!r} is not a valid .npy array: {err}") from None
    if arr.dtype.kind not in _NUMERIC:
        raise ValueError(f"{path}: array {name!r} has dtype {arr.dtype}, expected numbers")
    if arr.shape != shape:
        raise ValueError(
            f"{path}: array {name!r} has the wrong shape {arr.shape}, the parameter has {shape}"
        )
    return arr
