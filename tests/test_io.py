"""save_model / load_model: a round trip, every kind of file load_model must refuse, and the
old names save / load, deprecated."""

from __future__ import annotations

import io as bytes_io
import pickle
import random
import struct
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microgradkr
from microgradkr import Value, io
from microgradkr.nn import MLP, Module


class ArrayParam:
    """A stand-in for a Tensor parameter: ndarray ``data`` and ``grad``."""

    def __init__(self, data: Any) -> None:
        self.data = np.array(data, dtype=np.float64)
        self.grad = None


class Mixed(Module):
    """One Value and two array parameters."""

    def __init__(self, seed: int) -> None:
        rng = np.random.default_rng(seed)
        self.w = ArrayParam(rng.normal(size=(3, 2)))
        self.b = ArrayParam(rng.normal(size=2))
        self.scale = Value(float(rng.normal()))

    def parameters(self) -> list[Any]:
        return [self.w, self.b, self.scale]


def test_round_trip_of_an_mlp(tmp_path):
    random.seed(0)
    a = MLP(3, [4, 2])
    random.seed(1)
    b = MLP(3, [4, 2])
    path = microgradkr.save_model(a, tmp_path / "mlp.npz")
    assert path == tmp_path / "mlp.npz"
    microgradkr.load_model(b, path)
    assert [p.data for p in b.parameters()] == [p.data for p in a.parameters()]
    assert all(type(p.data) is float for p in b.parameters())
    x = [0.5, -1.0, 2.0]
    assert [o.data for o in b(x)] == [o.data for o in a(x)]


def test_round_trip_of_arrays_is_in_place(tmp_path):
    a, b = Mixed(0), Mixed(1)
    ref = b.w.data
    microgradkr.save_model(a, tmp_path / "m.npz")
    microgradkr.load_model(b, tmp_path / "m.npz")
    assert b.w.data is ref
    np.testing.assert_array_equal(b.w.data, a.w.data)
    np.testing.assert_array_equal(b.b.data, a.b.data)
    assert b.scale.data == a.scale.data
    with np.load(tmp_path / "m.npz", allow_pickle=False) as f:
        assert f.files == ["param_0", "param_1", "param_2"]
        assert f["param_0"].shape == (3, 2) and f["param_2"].shape == ()


def test_save_needs_the_npz_suffix(tmp_path):
    with pytest.raises(ValueError, match=r"must end in \.npz"):
        microgradkr.save_model(Mixed(0), tmp_path / "weights.pkl")


def write_npz(path, **arrays):
    np.savez(path, **arrays)
    return path


def good_arrays() -> dict[str, np.ndarray]:
    m = Mixed(0)
    return {f"param_{i}": np.asarray(p.data) for i, p in enumerate(m.parameters())}


def make_pickle(tmp):
    path = tmp / "evil.npz"
    path.write_bytes(pickle.dumps({"param_0": np.zeros((3, 2))}))
    return path


def make_text(tmp):
    path = tmp / "weights.npz"
    path.write_text("param_0 = 1.0\n")
    return path


def make_npy(tmp):
    path = tmp / "w.npy"
    np.save(path, np.zeros((3, 2)))
    return path


def make_missing(tmp):
    arrays = good_arrays()
    del arrays["param_2"]
    return write_npz(tmp / "m.npz", **arrays)


def make_extra(tmp):
    return write_npz(tmp / "m.npz", **good_arrays(), param_3=np.zeros(1))


def make_renamed(tmp):
    arrays = good_arrays()
    arrays["W1"] = arrays.pop("param_0")
    return write_npz(tmp / "m.npz", **arrays)


def make_misshaped(tmp):
    return write_npz(tmp / "m.npz", **{**good_arrays(), "param_1": np.zeros(3)})


def make_object(tmp):
    return write_npz(
        tmp / "m.npz", **{**good_arrays(), "param_1": np.array([{}, []], dtype=object)}
    )


def make_strings(tmp):
    return write_npz(tmp / "m.npz", **{**good_arrays(), "param_1": np.array(["a", "b"])})


def make_bad_zip(tmp):
    path = tmp / "m.npz"
    path.write_bytes(b"PK\x03\x04 and then nothing of a zip archive")
    return path


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (make_pickle, "not an .npz file"),
        (make_text, "not an .npz file"),
        (make_npy, "not an .npz file"),
        (make_bad_zip, "not a readable .npz file"),
        (make_missing, "2 arrays, the module has 3 parameters; missing array(s): param_2"),
        (make_extra, "4 arrays, the module has 3 parameters; unexpected array(s): param_3"),
        (make_renamed, "missing array(s): param_0; unexpected array(s): W1"),
        (make_misshaped, "'param_1' has the wrong shape (3,), the parameter has (2,)"),
        (make_object, "'param_1' is an object array (a pickle); load never unpickles"),
        (make_strings, "'param_1' has dtype <U1, expected numbers"),
    ],
)
def test_load_refuses_with_a_message_and_changes_nothing(tmp_path, make, words):
    assert words in refused(make(tmp_path))


def refused(path: Path) -> str:
    """Load ``path`` into a fresh model: a LoadError naming the file, the model unchanged."""
    m = Mixed(5)
    before = [np.array(p.data, copy=True) for p in m.parameters()]
    with pytest.raises(microgradkr.LoadError) as err:
        microgradkr.load_model(m, path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)
    for p, old in zip(m.parameters(), before, strict=True):
        np.testing.assert_array_equal(p.data, old)
    return str(err.value)


def test_load_never_reaches_numpy_load_or_pickle(tmp_path, monkeypatch):
    # Arrays are decoded with np.frombuffer from headers checked by io.py: no loader that can
    # unpickle is ever called, whatever the file holds.
    def forbidden(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("load must not call np.load or pickle")

    monkeypatch.setattr(io.np, "load", forbidden)
    monkeypatch.setattr(pickle, "load", forbidden)
    monkeypatch.setattr(pickle, "loads", forbidden)
    ok = microgradkr.save_model(Mixed(0), tmp_path / "ok.npz")
    microgradkr.load_model(Mixed(1), ok)
    for make in (make_object, make_missing, make_bad_zip, make_pickle):
        refused(make(tmp_path))


def test_save_refuses_non_numeric_parameters(tmp_path):
    p = ArrayParam([1.0])
    p.data = np.array(["x"])
    with pytest.raises(TypeError, match="parameter 0 holds <U1 data"):
        microgradkr.save_model([p], tmp_path / "x.npz")


def test_load_error_is_one_exported_value_error():
    assert microgradkr.LoadError is io.LoadError and issubclass(io.LoadError, ValueError)
    assert "LoadError" in microgradkr.__all__ and "LoadError" in io.__all__


# -- the names: save_model / load_model; save / load are deprecated ---------------------------


def test_save_model_and_load_model_are_the_exported_names():
    for name in ("save_model", "load_model"):
        assert name in microgradkr.__all__ and name in io.__all__
        assert getattr(microgradkr, name) is getattr(io, name)
        assert getattr(microgradkr, name).__doc__


def test_the_new_names_warn_nothing(tmp_path, recwarn):
    a, b = Mixed(0), Mixed(1)
    microgradkr.load_model(b, microgradkr.save_model(a, tmp_path / "m.npz"))
    assert not [w for w in recwarn if issubclass(w.category, DeprecationWarning)]
    np.testing.assert_array_equal(b.w.data, a.w.data)


def test_save_and_load_still_work_and_name_the_new_names(tmp_path):
    a, b = Mixed(0), Mixed(1)
    with pytest.warns(DeprecationWarning, match=r"use microgradkr\.save_model\(model, path\)"):
        path = microgradkr.save(a, tmp_path / "old.npz")
    assert path == tmp_path / "old.npz"
    with pytest.warns(DeprecationWarning, match=r"use microgradkr\.load_model\(model, path\)"):
        microgradkr.load(b, path)
    np.testing.assert_array_equal(b.w.data, a.w.data)
    np.testing.assert_array_equal(b.b.data, a.b.data)
    assert b.scale.data == a.scale.data
    with pytest.warns(DeprecationWarning, match=r"save_model"):  # the module's own old names
        io.save(a, tmp_path / "io.npz")
    with pytest.warns(DeprecationWarning, match=r"load_model"):
        io.load(b, tmp_path / "io.npz")


def test_the_warning_points_at_the_callers_line(tmp_path):
    with pytest.warns(DeprecationWarning) as record:
        microgradkr.save(Mixed(0), tmp_path / "m.npz")
    assert record[0].filename == __file__


@pytest.fixture
def diagram():
    from microgradkr import draw

    x, y = Value(-2.0, "x"), Value(5.0, "y")
    f = x * y
    f.backward()
    return draw(f)


def test_old_save_given_a_diagram_saves_the_picture_and_says_where_pictures_go(tmp_path, diagram):
    with pytest.warns(DeprecationWarning, match=r"microgradkr\.viz\.save\(diagram, path\)") as w:
        path = microgradkr.save(diagram, tmp_path / "f.dot")
    assert "save_model" in str(w[0].message)
    assert path == tmp_path / "f.dot"
    assert path.read_text(encoding="utf-8") == diagram.source  # the format from the suffix


def test_old_save_given_a_diagram_writes_what_viz_save_writes(tmp_path, diagram):
    from microgradkr.viz import GraphvizNotFoundError, save

    try:
        expected = save(diagram, tmp_path / "new.svg").read_bytes()
    except GraphvizNotFoundError:
        pytest.skip("neither dot nor graphviz-pure")
    with pytest.warns(DeprecationWarning):
        old = microgradkr.save(diagram, tmp_path / "old.svg")
    assert old.read_bytes() == expected and b"<svg" in expected
    with pytest.warns(DeprecationWarning):
        png = microgradkr.save(diagram, tmp_path / "f.png")
    assert png.read_bytes()[:4] == b"\x89PNG"


# -- damaged, truncated, oversized and hostile files, built by hand --------------------------


def npy(
    shape: Any,
    descr: str = "<f8",
    data: bytes | None = None,
    header: str | None = None,
    version: tuple[int, int] = (1, 0),
    size: int | None = None,
) -> bytes:
    """A .npy file's bytes; ``header`` and ``size`` override what a real one would hold."""
    if header is None:
        header = f"{{'descr': {descr!r}, 'fortran_order': False, 'shape': {tuple(shape)!r}, }}"
    text = header.encode("latin1") + b"\n"
    fmt = "<H" if version == (1, 0) else "<I"
    head = b"\x93NUMPY" + bytes(version) + struct.pack(fmt, len(text) if size is None else size)
    if data is None:
        data = np.zeros(shape, dtype=descr).tobytes()
    return head + text + data


def zip_of(path: Path, members: dict[str, bytes], method: int = zipfile.ZIP_STORED) -> Path:
    with zipfile.ZipFile(path, "w", method) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def good_members() -> dict[str, bytes]:
    out = {}
    for name, arr in good_arrays().items():
        buf = bytes_io.BytesIO()
        np.save(buf, arr)
        out[f"{name}.npy"] = buf.getvalue()
    return out


def with_param_0(tmp_path: Path, member: bytes, method: int = zipfile.ZIP_STORED) -> Path:
    return zip_of(tmp_path / "m.npz", {**good_members(), "param_0.npy": member}, method)


def saved(tmp_path: Path, compressed: bool = False) -> bytes:
    path = tmp_path / "good.npz"
    if compressed:
        np.savez_compressed(path, **good_arrays())
    else:
        microgradkr.save_model(Mixed(0), path)
    return path.read_bytes()


def test_good_hand_built_and_compressed_files_load(tmp_path):
    for method in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        m = Mixed(5)
        microgradkr.load_model(m, zip_of(tmp_path / "m.npz", good_members(), method))
        np.testing.assert_array_equal(m.w.data, Mixed(0).w.data)
    fortran = np.asfortranarray(good_arrays()["param_0"])
    buf = bytes_io.BytesIO()
    np.save(buf, fortran)
    m = Mixed(5)
    microgradkr.load_model(m, with_param_0(tmp_path, buf.getvalue()))
    np.testing.assert_array_equal(m.w.data, Mixed(0).w.data)


@pytest.mark.parametrize("fraction", [0.0, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99])
@pytest.mark.parametrize("compressed", [False, True])
def test_truncated_files_are_refused(tmp_path, fraction, compressed):
    data = saved(tmp_path, compressed)
    path = tmp_path / "cut.npz"
    path.write_bytes(data[: int(len(data) * fraction)])
    refused(path)


@pytest.mark.parametrize("cut", [1, 2, 22, 23, 60])
def test_files_cut_near_the_end_are_refused(tmp_path, cut):
    path = tmp_path / "cut.npz"
    path.write_bytes(saved(tmp_path)[:-cut])
    refused(path)


@pytest.mark.parametrize("where", [0.0, 0.2, 0.5, 0.8])
def test_flipped_bytes_in_the_compressed_stream_are_refused(tmp_path, where):
    path = tmp_path / "flip.npz"
    path.write_bytes(saved(tmp_path, compressed=True))
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("param_0.npy")
    data = bytearray(path.read_bytes())
    name_len, extra_len = struct.unpack(
        "<HH", data[info.header_offset + 26 : info.header_offset + 30]
    )
    start = info.header_offset + 30 + name_len + extra_len
    at = start + min(int(info.compress_size * where), info.compress_size - 1)
    data[at] ^= 0xFF
    data[min(at + 1, start + info.compress_size - 1)] ^= 0x55
    path.write_bytes(bytes(data))
    assert "damaged" in refused(path)


def test_a_header_claiming_1e12_elements_is_refused_before_any_allocation(tmp_path):
    member = npy((10**12,), data=np.zeros(6).tobytes())
    message = refused(with_param_0(tmp_path, member))
    assert "claims shape (1000000000000,) of float64 (8000000000000 bytes)" in message
    assert "the archive holds 48 bytes of data" in message


def test_a_1mb_header_is_refused_as_oversized_not_as_a_pickle(tmp_path):
    member = npy((3, 2), header=" " * 1_000_000, version=(2, 0))
    message = refused(with_param_0(tmp_path, member))
    # refused by the file's size (more than the module's arrays can need), or by the header's
    assert "1000657 bytes, more than the" in message or "header of 1000001 bytes" in message
    assert "pickle" not in message


def test_a_zip_bomb_member_is_refused_without_inflating_it(tmp_path):
    # 40 MB of zeros after a correct header deflate to ~40 kB; the zip says the member is 40 MB,
    # more than the 48 bytes of data its header (3, 2) float64 needs, so it is never inflated.
    path = tmp_path / "bomb.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in good_members().items():
            if name != "param_0.npy":
                z.writestr(name, data)
        with z.open("param_0.npy", "w", force_zip64=True) as member:
            member.write(npy((3, 2)))
            for _ in range(40):
                member.write(bytes(1 << 20))
    assert path.stat().st_size < 1 << 20
    tracemalloc.start()
    try:
        message = refused(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "damaged or truncated" in message or "unpacks to 41943438 bytes" in message
    assert peak < 4 << 20


def test_a_member_longer_than_the_zip_says_is_refused(tmp_path):
    # The central directory says 48 bytes of data, the deflated stream holds 4 MB more: only the
    # size the directory gives is read, and then the CRC does not match.
    path = tmp_path / "m.npz"
    good = good_members()
    zip_of(
        path, {**good, "param_0.npy": good["param_0.npy"] + bytes(4 << 20)}, zipfile.ZIP_DEFLATED
    )
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("param_0.npy")
    true_size = len(good["param_0.npy"])
    packed = struct.pack("<I", info.file_size)
    for at in (info.header_offset + 22, data.rindex(packed)):  # local header, central directory
        data[at : at + 4] = struct.pack("<I", true_size)
    path.write_bytes(bytes(data))
    assert "damaged" in refused(path)


@pytest.mark.parametrize(
    ("member", "words"),
    [
        (
            npy((3, 2), header="{'descr': '<f8', 'fortran_order': False, 'shape': (-3, -2), }"),
            "damaged .npy header",
        ),
        (npy((3, 2), header="{'descr': '<f8', 'shape': (3, 2), }"), "damaged .npy header"),
        (
            npy((3, 2), header="{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), "),
            "damaged .npy header",
        ),
        (npy((3, 2), header="(" * 150 + ")" * 150), "damaged .npy header"),
        (npy((3, 2), header="-" * 5000 + "1"), "damaged .npy header"),
        (npy((3, 2), descr="<c16"), "has dtype complex128, expected numbers"),
        (npy((3, 2), descr="|b1"), "has dtype bool, expected numbers"),
        (npy((3, 2), descr="|O", data=b""), "is an object array (a pickle)"),
        (
            npy(
                (3, 2),
                header="{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (3, 2), }",
            ),
            "structured dtype",
        ),
        (npy((3, 2), descr="<f8", data=bytes(40)), "claims shape (3, 2) of float64 (48 bytes)"),
        (npy((3, 2), size=60_000), "header of 60000 bytes"),
        (npy((3, 2), version=(9, 9)), "is not a .npy array"),
        (b"\x93NUMPY\x01\x00", "damaged"),
        (b"", "is not a .npy array"),
        (pickle.dumps(np.zeros((3, 2))), "is not a .npy array"),
    ],
    ids=[
        "negative-shape",
        "missing-key",
        "unclosed-dict",
        "nested-parens",
        "deep-unary",
        "complex",
        "bool",
        "object",
        "structured",
        "short-data",
        "60kB-header",
        "version-9",
        "cut-after-magic",
        "empty-member",
        "pickle-member",
    ],
)
def test_hostile_members_are_refused(tmp_path, member, words):
    assert words in refused(with_param_0(tmp_path, member))


def test_unusual_compression_and_duplicate_members_are_refused(tmp_path):
    path = tmp_path / "lzma.npz"
    with zipfile.ZipFile(path, "w") as z:
        for name, data in good_members().items():
            z.writestr(name, data, compress_type=zipfile.ZIP_LZMA)
    assert "compression method 14" in refused(path)
    path = tmp_path / "twice.npz"
    with zipfile.ZipFile(path, "w") as z, pytest.warns(UserWarning, match="Duplicate name"):
        for name, data in [*good_members().items(), ("param_0.npy", npy((3, 2)))]:
            z.writestr(name, data)
    assert "holds the array(s) param_0 more than once" in refused(path)


def test_non_zip_empty_and_directory_paths_are_refused(tmp_path):
    junk = tmp_path / "junk.npz"
    junk.write_bytes(bytes(range(256)) * 10)
    assert "not an .npz file" in refused(junk)
    empty = tmp_path / "empty.npz"
    empty.write_bytes(b"")
    assert "not an .npz file" in refused(empty)
    folder = tmp_path / "folder.npz"
    folder.mkdir()
    assert "is a directory" in refused(folder)
    with pytest.raises(FileNotFoundError):  # no file at all is not a damaged file
        microgradkr.load_model(Mixed(5), tmp_path / "nowhere.npz")


_GOOD: dict[bool, bytes] = {}


@settings(max_examples=300)
@given(
    compressed=st.booleans(),
    edits=st.lists(
        st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), min_size=1, max_size=6
    ),
    cut=st.none() | st.floats(0, 1),
)
def test_random_damage_loads_right_or_raises_load_error(tmp_path_factory, compressed, edits, cut):
    folder = tmp_path_factory.getbasetemp()
    if compressed not in _GOOD:
        _GOOD[compressed] = saved(tmp_path_factory.mktemp("good"), compressed)
    data = bytearray(_GOOD[compressed])
    for where, byte in edits:
        data[int(where * len(data))] = byte
    if cut is not None:
        data = data[: int(cut * len(data))]
    path = folder / "mutated.npz"
    path.write_bytes(bytes(data))
    m = Mixed(5)
    before = [np.array(p.data, copy=True) for p in m.parameters()]
    try:
        microgradkr.load_model(m, path)
    except microgradkr.LoadError as err:
        assert str(path) in str(err)
        for p, old in zip(m.parameters(), before, strict=True):
            np.testing.assert_array_equal(p.data, old)
    else:
        assert m.w.data.shape == (3, 2) and m.b.data.shape == (2,)
        assert type(m.scale.data) is float
