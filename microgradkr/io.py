"""Save and load a module's parameters as an ``.npz`` of plain numeric arrays, never a pickle.

``save_model`` and ``load_model`` are the names; ``save`` and ``load`` are their deprecated old
names (the package's own ``microgradkr.save`` also takes a picture: see ``microgradkr/__init__``).

Parameter i of ``module.parameters()`` is stored as the array ``param_i`` (a Value as a 0-d
array), and buffer j of ``module.buffers()`` (state that is not trained, such as BatchNorm's
running statistics) as ``buffer_j``. ``load_model`` checks the whole file against the module before
it changes anything: a zip archive holding exactly those arrays, each numeric and of the
parameter's shape. Each array is decoded with ``np.frombuffer`` from a .npy header parsed and
checked here (dtype numeric, shape x itemsize equal to the member's size in the zip) before any of
its data is read: never through ``np.load`` or pickle, so a file cannot run code or make load
allocate more than the module's own size. Every refusal is a ``LoadError`` naming file and reason.
"""

from __future__ import annotations

import ast
import math
import os
import re
import stat
import struct
import warnings
import zipfile
import zlib
from collections import Counter
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from . import checks_args

__all__ = ["LoadError", "load", "load_model", "save", "save_model"]

_ZIP_MAGIC = b"PK\x03\x04"  # an .npz is a zip archive of .npy files
_NUMERIC = "fiu"  # float, signed and unsigned int: the dtype kinds a parameter can hold


def _params(module: Any) -> list[Any]:
    """The parameters of a module (anything with ``parameters()``) or of a list of them."""
    if not hasattr(module, "parameters") and not isinstance(module, (list, tuple)):
        raise TypeError(
            f"module must be an nn Module or a list of parameters, got {type(module).__name__}"
        )
    params = list(module.parameters() if hasattr(module, "parameters") else module)
    for i, p in enumerate(params):
        if not hasattr(p, "data"):
            raise TypeError(f"module: parameter {i} has no .data: got {type(p).__name__}")
    return params


def _state(module: Any) -> dict[str, Any]:
    """Everything saved, by array name: ``param_i`` for parameters, then ``buffer_j``."""
    state = {f"param_{i}": p for i, p in enumerate(_params(module))}
    buffers = module.buffers() if hasattr(module, "buffers") else []
    state.update({f"buffer_{j}": b for j, b in enumerate(buffers)})
    return state


def save_model(module: Any, path: str | Path) -> Path:
    """Write every parameter's data to ``path`` (which must end in .npz) as ``param_i`` arrays."""
    path = checks_args.path("save_model", "path", path)
    if path.suffix != ".npz":
        raise ValueError(f"path must end in .npz, got {str(path)!r:.80}")
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


def load_model(module: Any, path: str | Path) -> None:
    """Copy the arrays of a file written by ``save_model`` into the module's parameters, in place.

    Raises ``LoadError`` (a ValueError) naming the file and the reason for any file it cannot use,
    and then has changed nothing: every array is read and checked before the first is assigned.
    """
    path = checks_args.path("load_model", "path", path)
    state = _state(module)
    arrays = _read_checked(path, {name: np.shape(p.data) for name, p in state.items()})
    for p, arr in zip(state.values(), arrays, strict=True):
        if isinstance(p.data, np.ndarray):
            p.data[...] = arr
        else:
            p.data = float(arr)


def save(module: Any, path: str | Path) -> Path:
    """Deprecated: ``save_model(module, path)``."""
    warnings.warn(
        "microgradkr.save is deprecated: use microgradkr.save_model(model, path)",
        DeprecationWarning,
        stacklevel=2,
    )
    return save_model(module, path)


def load(module: Any, path: str | Path) -> None:
    """Deprecated: ``load_model(module, path)``."""
    warnings.warn(
        "microgradkr.load is deprecated: use microgradkr.load_model(model, path)",
        DeprecationWarning,
        stacklevel=2,
    )
    load_model(module, path)


class LoadError(ValueError):
    """A file ``load_model`` cannot use (not an .npz, damaged, oversized, another module's): why."""


# What a damaged or hostile archive can make zipfile, zlib and struct raise while it is read.
_DAMAGE = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    struct.error,
    EOFError,
    OSError,
    ValueError,
    OverflowError,
    NotImplementedError,
    RuntimeError,  # zipfile's "File is encrypted, password required"
)
_COMPRESSION = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}  # what np.savez(_compressed) writes
_NPY_MAGIC = b"\x93NUMPY"
_NPY_VERSIONS = {(1, 0): ("<H", "latin1"), (2, 0): ("<I", "latin1"), (3, 0): ("<I", "utf8")}
_MAX_HEADER = 10_000  # bytes, numpy's own limit; save writes about 120
_MEMBER_BYTES = 2 * _MAX_HEADER  # a member's zip headers and name plus its .npy header, at most
# A header is a small dict literal; refusing every other character (a '-', a '+', a '.' ...)
# keeps ast.literal_eval away from the long runs of signs that make it recurse deeply.
_HEADER_CHARS = re.compile(r"[A-Za-z0-9_ \n'\"<>|=:,(){}\[\]]*")


def _open_regular(path: Path) -> BinaryIO:
    """``path`` opened for reading if it is a regular file: never a FIFO or a device, which
    would block or never end (O_NONBLOCK: opening a FIFO with no writer returns at once)."""
    if path.is_dir():
        raise LoadError(f"{path} is a directory, not an .npz file written by save_model")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:  # the OS's words name neither the function nor the argument
        raise FileNotFoundError(f"load_model: no file at path {str(path)!r:.80}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = (
            "a FIFO"
            if stat.S_ISFIFO(mode)
            else "a device"
            if stat.S_ISCHR(mode) or (stat.S_ISBLK(mode))
            else "not a regular file"
        )
        raise LoadError(f"{path} is {kind}, not an .npz file written by save_model")
    return os.fdopen(fd, "rb")


def _byte_budget(shapes: dict[str, tuple[int, ...]]) -> int:
    """The most bytes a file written by save_model for these arrays can hold (16-byte numbers,
    generous headers), so a bigger file or archive is refused before it is read."""
    return sum(math.prod(s) for s in shapes.values()) * 16 + _MEMBER_BYTES * (len(shapes) + 1)


def _read_checked(path: Path, shapes: dict[str, tuple[int, ...]]) -> list[np.ndarray]:
    """The arrays of ``path`` named in ``shapes``, each checked against its shape."""
    budget = _byte_budget(shapes)
    with _open_regular(path) as f:
        size = os.fstat(f.fileno()).st_size
        if size > budget:
            raise LoadError(
                f"{path} is {size} bytes, more than the {budget} a file of this module's "
                f"{len(shapes)} arrays can be"
            )
        if f.read(4) != _ZIP_MAGIC:
            raise LoadError(
                f"{path} is not an .npz file (not a zip archive); load reads only files "
                "written by microgradkr.save_model"
            )
        f.seek(0)
        return _read_archive(path, f, shapes, budget)


def _read_archive(
    path: Path, f: BinaryIO, shapes: dict[str, tuple[int, ...]], budget: int
) -> list[np.ndarray]:
    try:
        with zipfile.ZipFile(f) as archive:
            infos = archive.infolist()
            if len(infos) > 2 * len(shapes) + 16:  # another module's file says which below
                raise LoadError(
                    f"{path} holds {len(infos)} members, the module has {len(shapes)} arrays"
                )
            total = sum(info.file_size for info in infos)
            if total > budget:
                raise LoadError(
                    f"{path} unpacks to {total} bytes, more than the {budget} the module's "
                    f"{len(shapes)} arrays can need"
                )
            members = _members(path, archive, list(shapes))
            return [
                _read_one(path, archive, members[name], shape) for name, shape in shapes.items()
            ]
    except LoadError:
        raise
    except _DAMAGE as err:
        raise LoadError(f"{path} is not a readable .npz file: {_reason(err)}") from None


def _reason(err: BaseException) -> str:
    """``zlib.error: Error -3 ...``: the error's qualified name, then its message."""
    kind = type(err)
    name = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"
    return f"{name}: {err}" if str(err) else name


def _members(path: Path, archive: zipfile.ZipFile, expected: list[str]) -> dict[str, Any]:
    """The archive's members by array name (np.savez stores array ``a`` as ``a.npy``)."""
    infos = archive.infolist()
    names = [info.filename.removesuffix(".npy") for info in infos]
    counts = Counter(names)
    twice = sorted(name for name, n in counts.items() if n > 1)
    if twice:
        raise LoadError(f"{path} holds the array(s) {', '.join(twice)} more than once")
    _check_names(path, set(names), expected)
    return dict(zip(names, infos, strict=True))


def _few(names: list[str], n: int = 8) -> list[str]:
    """At most n names, then how many more: an error message stays short."""
    return names if len(names) <= n else [*names[:n], f"... ({len(names) - n} more)"]


def _check_names(path: Path, found: set[str], expected: list[str]) -> None:
    missing = _few([name for name in expected if name not in found])
    extra = _few(sorted(found - set(expected)))
    if missing or extra:
        n_params = sum(name.startswith("param_") for name in expected)
        n_buffers = len(expected) - n_params
        raise LoadError(
            f"{path} holds {len(found)} arrays, the module has {n_params} parameters"
            + (f" and {n_buffers} buffers" if n_buffers else "")
            + (f"; missing array(s): {', '.join(missing)}" if missing else "")
            + (f"; unexpected array(s): {', '.join(extra)}" if extra else "")
        )


def _read_one(
    path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo, shape: tuple[int, ...]
) -> np.ndarray:
    """One member, checked from its header before its data is read (so never a huge read)."""
    where = f"{path}: array {info.filename.removesuffix('.npy')!r}"
    if info.compress_type not in _COMPRESSION:
        raise LoadError(
            f"{where} uses zip compression method {info.compress_type}; .npz files "
            "are stored or deflated"
        )
    try:
        with archive.open(info) as member:
            dtype, fortran, claimed, offset = _read_header(member, where)
            _check_dtype(where, dtype)
            nbytes = math.prod(claimed) * dtype.itemsize
            if info.file_size != offset + nbytes:
                raise LoadError(
                    f"{where} is damaged or truncated: its header claims shape {claimed} of "
                    f"{dtype} ({nbytes} bytes) but the archive holds {info.file_size - offset} "
                    "bytes of data"
                )
            if claimed != shape:
                raise LoadError(f"{where} has the wrong shape {claimed}, the parameter has {shape}")
            data = member.read(nbytes)
            if len(data) != nbytes or member.read(1):  # reading to the end checks the CRC
                raise LoadError(f"{where} is truncated: {len(data)} of {nbytes} bytes")
    except LoadError:
        raise
    except _DAMAGE as err:
        raise LoadError(f"{where} is damaged: {_reason(err)}") from None
    return np.frombuffer(data, dtype).reshape(shape, order="F" if fortran else "C")


def _read_header(member: Any, where: str) -> tuple[np.dtype[Any], bool, tuple[int, ...], int]:
    """dtype, Fortran order, shape and data offset from a .npy header of at most 10 kB."""
    magic = member.read(len(_NPY_MAGIC) + 2)
    version = tuple(magic[len(_NPY_MAGIC) :])
    if magic[: len(_NPY_MAGIC)] != _NPY_MAGIC or version not in _NPY_VERSIONS:
        raise LoadError(f"{where} is not a .npy array (its first bytes are {magic!r})")
    size_format, encoding = _NPY_VERSIONS[version]
    size_bytes = member.read(struct.calcsize(size_format))
    (size,) = struct.unpack(size_format, size_bytes)
    if size > _MAX_HEADER:
        raise LoadError(
            f"{where} has a header of {size} bytes, more than the {_MAX_HEADER} a .npy header "
            "may have: the file is damaged or hostile"
        )
    text = member.read(size)
    if len(text) != size:
        raise LoadError(f"{where} is truncated inside its header")
    shape, fortran, dtype = _parse_header(where, text.decode(encoding))
    return dtype, fortran, shape, len(magic) + len(size_bytes) + size


def _parse_header(where: str, header: str) -> tuple[tuple[int, ...], bool, np.dtype[Any]]:
    damaged = LoadError(f"{where} has a damaged .npy header: {header[:80]!r}")
    if not _HEADER_CHARS.fullmatch(header):
        raise damaged
    try:
        d = ast.literal_eval(header)
    except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError):
        raise damaged from None
    if not isinstance(d, dict) or set(d) != {"descr", "fortran_order", "shape"}:
        raise damaged
    shape, fortran, descr = d["shape"], d["fortran_order"], d["descr"]
    if not isinstance(shape, tuple) or not all(type(n) is int and n >= 0 for n in shape):
        raise damaged  # type(n) is int: a bool is no dimension
    if not isinstance(fortran, bool):
        raise damaged
    if not isinstance(descr, str):
        raise LoadError(f"{where} has a structured dtype {descr!r}, expected numbers")
    try:
        dtype = np.dtype(descr)
    except (TypeError, ValueError, OverflowError):
        raise damaged from None
    return shape, fortran, dtype


def _check_dtype(where: str, dtype: np.dtype[Any]) -> None:
    if dtype.hasobject:
        raise LoadError(f"{where} is an object array (a pickle); load never unpickles")
    if dtype.kind not in _NUMERIC:
        raise LoadError(f"{where} has dtype {dtype}, expected numbers")
