"""Diagrams of backpropagation: the local and the global gradient on every edge, step by step.

``draw(root)`` turns a Value's graph into Graphviz DOT: a small table per value (label, data,
grad), a coloured circle per gate (its symbol and its gate pattern), and on every edge into a gate
the two numbers of the chain rule: the local gradient d(out)/d(in), kept on the node since the
forward pass, and the global gradient dL/d(in) = upstream x local that flows along that edge.
The numbers come from ``trace.backward_steps``; nothing here re-does the chain rule.

A Tensor graph is drawn the same way, with shapes, the numbers of small tensors, and on each
edge the op's VJP rule and the gradient it sent (``Tensor.edge_grads()``). ``check=True`` puts
each edge's gradient against a central difference of its own op. Nodes that a
``backward(create_graph=True)`` built (their op is an ``in_backward`` twin) are drawn apart:
the graph of a gradient is the backward pass itself.
"""

from __future__ import annotations

import html
import importlib.util
import json
import math
import os
import re
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import graphviz
import numpy as np
from graphviz.backend import dot_command

from .engine import CHAIN, DISTRIBUTOR, ROUTER, SWITCHER, Value
from .graph import topological_order
from .nn import Module
from .tensor import Tensor, sum_to
from .trace import Step, backward_steps, gradients_after

DEFAULT_MAX_NODES = 2000
"""Above this many values ``draw`` refuses: Graphviz takes minutes to lay out much more."""
LONG_EDGE = 4
"""An input used more ranks than this before its gate is drawn again (a copy) next to the gate.

Graphviz routes a long edge through every rank it crosses, and orders every rank to keep the
edges from crossing; a value used at 50 depths (``x * x * ... * x``) took it minutes. A value
used only twice keeps its two edges up to ``FAR_EDGE`` ranks: the picture of a fan-out, two
edges meeting in one node, is what teaches that gradients add up."""
FAR_EDGE = 16
DEFAULT_MAX_LAYOUT = 2000
"""Above this layout size (what Graphviz places: drawn nodes plus the ranks each edge crosses,
see ``layout_size``) ``draw`` refuses: a few seconds of ``dot`` on one core."""
MAX_LABEL = 120
"""A node's label or a title longer than this is cut with an ellipsis in the picture."""

PATTERNS = (DISTRIBUTOR, SWITCHER, ROUTER, CHAIN)
PATTERN_COLOURS = {
    DISTRIBUTOR: "#c8e6c9",  # green
    SWITCHER: "#ffe0b2",  # orange
    ROUTER: "#d1c4e9",  # purple
    CHAIN: "#cfe3f3",  # blue-grey
}
OTHER_COLOUR = "#eeeeee"  # an Op with a pattern of its own: neutral grey
COPY_COLOUR = "#777777"
LOCAL_COLOUR = "#1565c0"  # blue: known from the forward pass
GLOBAL_COLOUR = "#c62828"  # red: what the backward pass sends
UNKNOWN_COLOUR = "#8a8a8a"
ACTIVE_FILL = "#fff3e0"
CHECK_COLOUR = "#d81b60"  # magenta: an edge whose gradient fails the numerical check
BACKWARD_COLOUR = "#00796b"  # teal: nodes built by backward(create_graph=True)
BACKWARD_FILL = "#e0f2f1"
BACKWARD_AREA = "#f4fbfa"
SMALL = 16
"""Tensors of at most this many elements show their numbers; larger ones their shape and norm."""
FONTS = {
    "en": "Helvetica,Arial,sans-serif",
    "ko": "DejaVu Sans,NanumGothic,Noto Sans CJK KR,sans-serif",
}

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "local": "local",
        "global": "global",
        "unknown": "global: not known yet",
        "data": "data",
        "grad": "grad",
        "so_far": "so far",
        "const": "const",
        DISTRIBUTOR: "distributor",
        SWITCHER: "switcher",
        ROUTER: "router",
        CHAIN: "chain rule",
        "legend": "Legend",
        "legend_" + DISTRIBUTOR: "add gate = gradient distributor: each input gets the upstream",
        "legend_" + SWITCHER: "mul gate = gradient switcher: upstream × the other input",
        "legend_" + ROUTER: "max gate = gradient router: all of the upstream to the larger input",
        "legend_" + CHAIN: "other gates: upstream × local gradient (chain rule)",
        "legend_local": "local gradient ∂out/∂in (known in the forward pass)",
        "legend_global": "global gradient ∂L/∂in = upstream × local",
        "legend_arrow": "arrows: forward pass; gradients flow back against them (backward pass)",
        "legend_sum": "a value used twice: its grad is the sum over its edges",
        "use": "use {k} of {n}",
        "legend_copy": "the value again, next to a far use; its grad (on the original) "
        "is the sum over all its uses",
        "legend_other": "a gate of its own kind ({pattern}): upstream × local gradient",
        "title_before": "forward pass done, backward not run: global gradients not known yet",
        "title_after": "backward pass done: ∂L/∂{root} = {seed}",
        "title_step0": "backward step 0 of {n}: ∂L/∂{root} = {seed}, nothing sent back yet",
        "title_step": "backward step {k} of {n}: the {gate} gate ({pattern}) sends {up} back",
        "shape": "shape",
        "vjp": "VJP",
        "norm": "norm",
        "no_grad": "no gradient (a constant)",
        "legend_vjp": "VJP: how the upstream g becomes this input's gradient (no Jacobian built)",
        "legend_global_t": "gradient ∂L/∂in sent on the edge (the input's shape; large: its norm)",
        "summed": "Σ over {axes}: broadcast in the forward pass",
        "legend_summed": "an input broadcast in the forward pass: its gradient is summed back",
        "axis": "axis {n}",
        "axes": "axes {n}",
        "all_axes": "all axes",
        "over": "over {axes}",
        "mismatch": "✗ numerical {n}",
        "kink": "kink: not checked",
        "unchecked": "not checked: {why}",
        "legend_mismatch": "✗ this op's recorded gradient disagrees with the numerical one "
        "(central difference of its forward): suspect its backward",
        "legend_checked": "every other edge: analytic = numerical (check=True)",
        "legend_kink": "kink: one-sided differences disagree here, so it is not checked",
        "backward_area": "backward pass (builds {what})",
        "the_gradient": "the gradient",
        "legend_backward": "built by backward(create_graph=True): backprop is just another graph",
    },
    "ko": {
        "local": "국소 기울기",
        "global": "전역 기울기",
        "unknown": "전역 기울기: 아직 모름",
        "data": "값",
        "grad": "기울기",
        "so_far": "지금까지",
        "const": "상수",
        DISTRIBUTOR: "기울기 분배기",
        SWITCHER: "기울기 스위처",
        ROUTER: "기울기 라우터",
        CHAIN: "연쇄법칙",
        "legend": "범례",
        "legend_" + DISTRIBUTOR: "덧셈 게이트 = 기울기 분배기: 상류 기울기를 모든 입력에 그대로",
        "legend_" + SWITCHER: "곱셈 게이트 = 기울기 스위처: 상류 기울기 × 다른 입력의 값",
        "legend_" + ROUTER: "max 게이트 = 기울기 라우터: 상류 기울기 전부를 큰 입력으로",
        "legend_" + CHAIN: "그 밖의 게이트: 상류 기울기 × 국소 기울기 (연쇄법칙)",
        "legend_local": "국소 기울기 ∂출력/∂입력 (순전파 때 계산)",
        "legend_global": "전역 기울기 ∂L/∂입력 = 상류 기울기 × 국소 기울기",
        "legend_arrow": "화살표: 순전파 방향, 기울기는 거꾸로 흐름 (역전파)",
        "legend_sum": "두 번 쓰인 값: 기울기는 각 간선의 합",
        "use": "{n}번 중 {k}번째 사용",
        "legend_copy": "멀리서 쓰인 값을 그 게이트 옆에 다시 그림; 기울기(원래 노드)는 "
        "모든 사용의 합",
        "legend_other": "사용자 정의 게이트 ({pattern}): 상류 기울기 × 국소 기울기",
        "title_before": "순전파 완료, 역전파 전: 전역 기울기는 아직 모름",
        "title_after": "역전파 완료: ∂L/∂{root} = {seed}",
        "title_step0": "역전파 0/{n}단계: ∂L/∂{root} = {seed}, 아직 보낸 기울기 없음",
        "title_step": "역전파 {k}/{n}단계: {gate} 게이트({pattern})가 기울기 {up}을(를) 보냄",
        "shape": "모양",
        "vjp": "VJP",
        "norm": "노름",
        "no_grad": "기울기 없음 (상수)",
        "legend_vjp": "VJP: 상류 기울기 g로 이 입력의 기울기를 만드는 식 "
        "(야코비 행렬은 만들지 않음)",
        "legend_global_t": "간선으로 보내는 기울기 ∂L/∂입력 (입력과 같은 모양, 크면 노름)",
        "summed": "{axes}으로 Σ: 순전파의 브로드캐스트",
        "legend_summed": "순전파에서 브로드캐스트된 입력: 기울기를 합해서 되돌림",
        "axis": "{n}번 축",
        "axes": "{n}번 축들",
        "all_axes": "모든 축",
        "over": "{axes} 방향",
        "mismatch": "✗ 수치 미분 {n}",
        "kink": "꺾이는 점: 검사 안 함",
        "unchecked": "검사 안 함: {why}",
        "legend_mismatch": "✗ 기록된 기울기가 수치 미분(순전파의 중앙 차분)과 다름: "
        "이 연산의 역전파를 의심하세요",
        "legend_checked": "나머지 간선: 해석적 기울기 = 수치 미분 (check=True)",
        "legend_kink": "꺾이는 점: 양쪽 차분이 달라서 검사하지 않음",
        "backward_area": "역전파 ({what}을(를) 계산하는 그래프)",
        "the_gradient": "기울기",
        "legend_backward": "backward(create_graph=True)가 만든 노드: "
        "역전파도 또 하나의 계산 그래프",
    },
}

INSTALL_HINT = (
    "Rendering a diagram needs Graphviz's `dot` command, and neither `dot` nor `graphviz-pure` "
    "is on PATH. Install either one: the system package (Debian/Ubuntu: `apt-get install "
    "graphviz`, macOS: `brew install graphviz`, Windows: `winget install graphviz`), or the "
    "standalone command `python -m pip install graphviz-pure`. The DOT text itself needs "
    "neither: it is in `.source`."
)


class DiagramTooLargeError(ValueError):
    """The graph would take Graphviz too long to lay out; says how big, and which option."""

    def __init__(self, message: str, count: int, option: str) -> None:
        super().__init__(message)
        self.count = count  # the graph's nodes (max_nodes) or its layout size (max_layout)
        self.option = option


class GraphvizNotFoundError(graphviz.ExecutableNotFound):
    """Neither Graphviz's ``dot`` nor ``graphviz-pure`` is installed; says how to install one."""

    def __init__(self) -> None:
        RuntimeError.__init__(self, INSTALL_HINT)


@contextmanager
def _dot_executable() -> Iterator[None]:
    """Run Graphviz as ``dot`` if it is on PATH, else as ``graphviz-pure``, else explain."""
    if shutil.which("dot") or Path("dot") != dot_command.DOT_BINARY:
        yield  # the system's dot, or one the user chose by setting graphviz's DOT_BINARY
        return
    pure = shutil.which("graphviz-pure")
    if pure is None:
        raise GraphvizNotFoundError()
    saved = dot_command.DOT_BINARY
    dot_command.DOT_BINARY = Path(pure)  # same command line as dot: -K, -T, stdin
    try:
        yield
    finally:
        dot_command.DOT_BINARY = saved


# -- Hangul in pictures Graphviz draws itself (PNG, PDF): a font that has it, or a clear error

KO_HINT = (
    "this picture has Korean text, and no font with Hangul is installed for Graphviz: it would "
    'come out as empty boxes. Install one: `pip install "microgradkr[ko]"` (a NanumGothic '
    "font in a Python package, used automatically) or the system's (Debian/Ubuntu: `apt install "
    "fonts-nanum`, macOS has one). Or save as SVG: a browser draws it with its own fonts."
)
FONT_PACKAGES = (("koreanize_matplotlib", "fonts"), ("pylopdf_fonts_ko", ""))
"""Python packages that ship a Hangul font (OFL): (import name, folder of the fonts)."""
RASTER = frozenset({"png", "jpg", "jpeg", "gif", "bmp", "tif", "tiff", "webp", "pdf", "ps", "eps"})
_HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")


class KoreanFontMissingError(FileNotFoundError):
    """A PNG or PDF with Hangul, and no font that has it; says what to install."""

    def __init__(self) -> None:
        super().__init__(KO_HINT)


def _has_hangul_font(env: dict[str, str]) -> bool | None:
    """Whether fontconfig (which Graphviz draws text with) knows a font with Hangul; None: no
    ``fc-list`` to ask."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    try:
        out = subprocess.run(
            [fc_list, ":lang=ko", "file"], env=env, capture_output=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return bool(out.stdout.strip())


def packaged_korean_font() -> Path | None:
    """The folder of a Hangul font shipped by a pip package (``microgradkr[ko]``), not imported."""
    for name, folder in FONT_PACKAGES:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        for where in (spec.submodule_search_locations or []) if spec else []:
            fonts = Path(where) / folder
            if any(fonts.glob("*.[ot]tf")):
                return fonts
    return None


_FONT_ENV: dict[tuple[str, str], dict[str, str] | None] = {}


def _korean_env() -> dict[str, str] | None:
    """Environment changes that give Graphviz a Hangul font: none needed ({}), a fontconfig
    file adding a packaged font's folder to the usual ones, or None: no font to be found."""
    env = dict(os.environ)
    key = (env.get("FONTCONFIG_FILE", ""), env.get("PATH", ""))
    if key in _FONT_ENV:
        return _FONT_ENV[key]
    found = _has_hangul_font(env)
    result: dict[str, str] | None = {}
    if not found:
        fonts = packaged_korean_font()
        if fonts is None:
            result = None if found is False else {}  # no fc-list: cannot tell, draw anyway
        else:
            base = env.get("FONTCONFIG_FILE") or "/etc/fonts/fonts.conf"
            folder = Path(tempfile.mkdtemp(prefix="microgradkr-fonts-"))
            conf = folder / "fonts.conf"
            conf.write_text(
                '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
                f'  <include ignore_missing="yes">{html.escape(base)}</include>\n'
                f"  <dir>{html.escape(str(fonts))}</dir>\n"
                f"  <cachedir>{html.escape(str(folder / 'cache'))}</cachedir>\n"
                "</fontconfig>\n",
                encoding="utf-8",
            )
            result = {"FONTCONFIG_FILE": str(conf)}
    _FONT_ENV[key] = result
    return result


@contextmanager
def _fonts_for(source: str, fmt: str | None) -> Iterator[None]:
    """A PNG or PDF with Hangul gets a Hangul font, or KoreanFontMissingError; SVG keeps the
    viewer's fonts."""
    if (fmt or "").lower() not in RASTER or not _HANGUL.search(source):
        yield
        return
    env = _korean_env()
    if env is None:
        raise KoreanFontMissingError()
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # the graphviz package runs dot with this process's environment
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class Diagram(graphviz.Digraph):
    """A ``graphviz.Digraph`` that renders with ``dot`` or ``graphviz-pure``, or says how to.

    A PNG or PDF with Korean text is drawn with a Hangul font: the system's, or the one of
    ``pip install "microgradkr[ko]"``; with neither it raises ``KoreanFontMissingError``.
    """

    def pipe(self, *args: Any, **kwargs: Any) -> Any:
        fmt = kwargs.get("format") or (args[0] if args else None) or self.format
        with _dot_executable(), _fonts_for(self.source, fmt):
            return super().pipe(*args, **kwargs)

    def render(self, *args: Any, **kwargs: Any) -> Any:
        with _dot_executable(), _fonts_for(self.source, kwargs.get("format") or self.format):
            return super().render(*args, **kwargs)


# -- what the picture shows: which gradients are known ---------------------------------------

Node = Any  # a Value or a Tensor: the two node kinds draw the same way


@dataclass
class _State:
    """The gradients known at the moment drawn, and which step (if any) just ran."""

    grads: dict[Node, Any]  # dL/d(node) shown in the node (float or ndarray); absent = not known
    done: dict[Node, Step]  # Value op node -> its step, for the steps already run
    active: Step | None = None
    partial: set[Node] = field(default_factory=set)  # fan-out nodes with uses still to come
    title: str = ""
    sent: dict[Node, tuple[Any, ...]] = field(default_factory=dict)  # Tensor: edge_grads()


def _state(root: Value, order: list[Value], step: int | None, t: dict[str, str], p: int) -> _State:
    """Before backward (root.grad == 0): nothing known; after: every grad; or after ``step``."""
    name = _root_name(root)
    if step is None:
        if type(root.grad) is float and root.grad == 0.0:
            return _State({}, {}, title=t["title_before"])
        seed = float(root.grad)
        steps = backward_steps(root, seed)
        grads = {node: float(node.grad) for node in order}
        title = t["title_after"].format(root=name, seed=_num(seed, p))
        return _State(grads, {s.node: s for s in steps}, title=title)
    steps = backward_steps(root)
    if not 0 <= step <= len(steps):
        raise ValueError(f"step must be between 0 and {len(steps)} for this graph, got {step}")
    grads = dict(gradients_after(steps, step))
    done = {s.node: s for s in steps[:step]}
    if step == 0:
        return _State(grads, done, title=t["title_step0"].format(n=len(steps), root=name, seed=1))
    active = steps[step - 1]
    title = t["title_step"].format(
        k=step,
        n=len(steps),
        gate=active.op.symbol,
        pattern=_pattern_text(active.pattern, t),
        up=_num(active.upstream, p),
    )
    return _State(grads, done, active, _partial(order, done), title)


def _tensor_state(root: Tensor, order: list[Tensor], t: dict[str, str], p: int) -> _State:
    """Before backward (root.grad is None): nothing known; after: every grad and edge_grads()."""
    if root.grad is None:
        return _State({}, {}, title=t["title_before"])
    grads = {n: _plain(n.grad) for n in order if n.grad is not None}
    sent = {n: n.edge_grads() for n in order if n.op is not None}
    title = t["title_after"].format(root=_root_name(root), seed=_arr(grads[root], p))
    return _State(grads, {}, title=title, sent=sent)


def _root_name(root: Node) -> str:
    """The root's name for 'dL/d<name>': 'f' if unlabelled, '(dy/dx)' for a gradient's label."""
    name = _short(root.label) or "f"
    return f"({name})" if any(c in name for c in "/ ") else name


def _partial(order: list[Value], done: dict[Node, Step]) -> set[Node]:
    """Nodes that got a gradient from some of their uses but not yet from all of them."""
    uses: dict[Value, int] = {}
    sent: dict[Value, int] = {}
    for node in order:
        for parent in node._prev:
            uses[parent] = uses.get(parent, 0) + 1
            if node in done:
                sent[parent] = sent.get(parent, 0) + 1
    return {node for node, n in sent.items() if n < uses[node]}


def _built(order: list[Node]) -> set[Node]:
    """The nodes a backward(create_graph=True) built, and the constants only they use."""
    built = {n for n in order if n.op is not None and n.op.in_backward}
    if not built:
        return built
    users: dict[Node, list[Node]] = {}
    for node in order:
        for parent in node._prev:
            users.setdefault(parent, []).append(node)
    for node in order:  # the seed dL/dL = 1 and the numbers in the local rules (1 - out^2)
        used_by = users.get(node)
        if node.op is None and not node.label and used_by and all(u in built for u in used_by):
            built.add(node)
    return built


# -- labels ---------------------------------------------------------------------------------


def _num(x: float, precision: int) -> str:
    """x to ``precision`` significant digits; never '-0'."""
    return f"{x:.{precision}g}" if x != 0.0 else "0"


def _plain(x: Any) -> Any:
    """The numbers of a gradient: a Tensor's ndarray (after create_graph), else x itself."""
    return x.data if isinstance(x, Tensor) else x


def _arr(a: Any, p: int) -> str:
    """A small array to ``p`` significant digits, rows on their own lines; a scalar as a number."""
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 0:
        return _num(float(a), p)
    return np.array2string(
        a,
        separator=", ",
        threshold=SMALL + 1,
        max_line_width=60,
        formatter={"float_kind": lambda v: _num(float(v), p)},
    )


def _norm(a: Any, p: int) -> str:
    return _num(float(np.linalg.norm(np.asarray(a, dtype=np.float64))), p)


def _grad_text(g: Any, p: int, t: dict[str, str]) -> str:
    """A gradient's numbers when small, else its shape and norm: '(100, 50), norm 3.2'."""
    g = np.asarray(g)
    return _arr(g, p) if g.size <= SMALL else f"{g.shape}, {t['norm']} {_norm(g, p)}"


_PLAIN = re.compile(r"[\w .,:;+*/=()\-]*", re.ASCII)


def _esc(text: str) -> str:
    """Text safe inside a Graphviz HTML-like label: <, >, &, quotes escaped, newlines as breaks."""
    if _PLAIN.fullmatch(text):
        return text  # the common case, labels like 'x0' or 'w1'
    text = "".join(c if c.isprintable() or c == "\n" else "\ufffd" for c in text)
    text = html.escape(text, quote=False).replace('"', "&quot;").replace("'", "&#39;")
    return text.replace("\n", "<br/>")


def _short(label: Any, limit: int = MAX_LABEL) -> str:
    """Any label as text (``str()`` of a number), cut to ``limit`` characters with an ellipsis."""
    text = label if isinstance(label, str) else str(label)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _name(label: Any) -> str:
    """A node's or module's label for the picture: text, cut if long, escaped."""
    return _esc(_short(label))


def _pattern_text(pattern: str, t: dict[str, str]) -> str:
    """The gate pattern's name in the language; an Op's own pattern by its own name."""
    return t[pattern] if pattern in PATTERNS else _short(pattern, 40)


def _font(text: str, colour: str) -> str:
    return f'<font color="{colour}">{text}</font>'


def _edge_label(
    local: float, step: Step | None, index: int, active: bool, t: dict[str, str], p: int
) -> list[str]:
    """Two lines: the local gradient (blue) and the global one sent along the edge (red)."""
    line1 = _font(f"{t['local']} {_num(local, p)}", LOCAL_COLOUR)
    return [line1, _font(*_global_line(local, step, index, active, t, p))]


def _global_line(
    local: float, step: Step | None, index: int, active: bool, t: dict[str, str], p: int
) -> tuple[str, str]:
    """The global gradient sent along an edge, and its colour: 'global -8 = -4 × 2' if active."""
    if step is None:
        return t["unknown"], UNKNOWN_COLOUR
    text = f"{t['global']} {_num(step.edges[index].contribution, p)}"
    if active:  # the step being shown spells out the chain rule
        text += f" = {_num(step.upstream, p)} × {_num(local, p)}"
    return text, GLOBAL_COLOUR


def _grad_line(node: Value, state: _State, t: dict[str, str], p: int) -> tuple[str, str]:
    """A value's gradient as known in ``state`` and its colour: 'grad 1 (so far)', 'grad ?'."""
    grad = state.grads.get(node)
    if grad is None:
        return t["grad"] + " ?", UNKNOWN_COLOUR
    so_far = f" ({t['so_far']})" if node in state.partial else ""
    return f"{t['grad']} {_num(grad, p)}{so_far}", GLOBAL_COLOUR


def _axes_text(axes: tuple[int, ...] | None, t: dict[str, str]) -> str:
    if axes is None:
        return t["all_axes"]
    if len(axes) == 1:
        return t["axis"].format(n=axes[0])
    return t["axes"].format(n=", ".join(map(str, axes)))


def _reduction(node: Tensor, t: dict[str, str]) -> str:
    """'over axis 1' for a reduction (sum, mean, max: args = (axes, keepdims)), else ''."""
    args = node._args
    if len(args) == 2 and isinstance(args[1], bool) and isinstance(args[0], tuple | None):
        return t["over"].format(axes=_axes_text(args[0], t))
    return ""


def _input_name(node: Tensor, j: int, n: int, p: int) -> str:
    """How a VJP formula names input j: its label, its number if it has one, else a or b."""
    if node.label:
        return _short(node.label, 40)
    if node.data.size == 1:
        return _num(float(node.data.reshape(-1)[0]), p)
    return "x" if n == 1 else "ab"[j] if j < 2 else f"x{j}"


def _summed_axes(node: Tensor, j: int) -> tuple[int, ...]:
    """The axes the VJP on edge j was summed over because input j was broadcast forward."""
    g = node.grad if node.grad is not None else np.zeros_like(node.data)
    xs = [q.data for q in node._prev]
    assert node.op is not None
    raw = np.shape(node.op.vjps[j](_plain(g), *xs, node.data, *node._args))
    shape = xs[j].shape
    lead = len(raw) - len(shape)
    if lead < 0 or raw == shape:
        return ()
    return tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and raw[lead + i] != 1
    )


class _Fields(dict[str, str]):
    """The names a VJP note may use; any other {name} is left as it is written."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _tensor_edge_label(
    node: Tensor, j: int, state: _State, t: dict[str, str], p: int
) -> tuple[list[str], bool]:
    """The VJP rule of the edge (blue), the gradient it sends (red), any broadcast sum (True)."""
    op = node.op
    assert op is not None
    n = len(node._prev)
    if j < len(op.notes):
        names = [_input_name(q, i, n, p) for i, q in enumerate(node._prev[:2])]
        names += [""] * (2 - len(names))
        k = node._args[0] if len(node._args) == 1 else None
        power = {}
        if isinstance(k, float | int):  # x ** k: 'g * 2 q' for a square, 'g * 3 q^2' for a cube
            power = {"k": _num(k, p), "power": "" if k == 2 else f"^{_num(k - 1, p)}"}
        fields = _Fields(a=names[0], b=names[1], axis=_reduction(node, t), **power)
        rule = op.notes[j].format_map(fields).strip()
    else:
        rule = f"{op.symbol}"
    lines = [_font(_esc(f"{t['vjp']} {rule}"), LOCAL_COLOUR)]
    if not node._prev[j].requires_grad:
        return lines + [_font(t["no_grad"], UNKNOWN_COLOUR)], False
    sent = state.sent.get(node)
    g = sent[j] if sent else None
    if g is None:
        lines.append(_font(t["unknown"], UNKNOWN_COLOUR))
    else:
        lines.append(_font(_esc(f"{t['global']} {_grad_text(g, p, t)}"), GLOBAL_COLOUR))
    axes = _summed_axes(node, j)
    if axes:
        lines.append(_esc(t["summed"].format(axes=_axes_text(axes, t))))
    return lines, bool(axes)


def _table(name: str, rows: list[str], highlight: bool, built: bool = False) -> str:
    """The name in bold on the left, the rows (data, grad) stacked: narrow, for long graphs."""
    fill, border = (ACTIVE_FILL, GLOBAL_COLOUR) if highlight else ("white", "#444444")
    if built and not highlight:
        fill, border = BACKWARD_FILL, BACKWARD_COLOUR
    head = f'<td rowspan="{len(rows)}"><b>{name}</b></td>' if name else ""
    lines = [
        f'<tr>{head if i == 0 else ""}<td align="left">{row}</td></tr>'
        for i, row in enumerate(rows)
    ]
    return (
        f'<<table border="1" cellborder="0" cellspacing="0" cellpadding="2" color="{border}" '
        f'bgcolor="{fill}">{"".join(lines)}</table>>'
    )


# -- check=True: each edge's gradient against a central difference of its op's forward -------

EPS = 1e-6
ATOL = 1e-5
RTOL = 1e-3
MAX_CHECKED = 64
"""A tensor input's entries checked per edge at most (evenly spread): two forwards each."""


@dataclass(frozen=True)
class _Check:
    """One edge's verdict: 'ok', 'bad' (with the numerical value), 'kink' or 'skip' (why)."""

    verdict: str
    numerical: Any = None
    why: str = ""


def _close(analytic: Any, numerical: Any) -> bool:
    return bool(np.all(np.abs(analytic - numerical) <= ATOL + RTOL * np.abs(numerical)))


def _check_value(node: Value, j: int) -> _Check:
    """node._local[j] against (f(x_j + eps) - f(x_j - eps)) / 2 eps, f = the op's forward."""
    op = node.op
    assert op is not None
    xs = [p.data for p in node._prev]

    def f(h: float) -> float:
        ys = list(xs)
        ys[j] += h
        return float(op.forward(*ys))

    try:
        up, mid, down = f(EPS), f(0.0), f(-EPS)
    except (ArithmeticError, ValueError) as err:
        return _Check("skip", why=type(err).__name__)
    numerical = (up - down) / (2 * EPS)
    if not math.isfinite(numerical):
        return _Check("skip", why=f"numerical {numerical}")
    if op.kinked and not _close((up - mid) / EPS, (mid - down) / EPS):
        return _Check("kink", numerical)
    return _Check("ok" if _close(float(node._local[j]), numerical) else "bad", numerical)


def _nudged(
    forward: Any, xs: list[Any], j: int, k: int, h: float, args: tuple[Any, ...], g: Any
) -> float:
    """sum(g * f(x)) with entry k of input j moved by h."""
    ys = list(xs)
    ys[j] = xs[j].copy()
    ys[j].reshape(-1)[k] += h
    return float(np.sum(g * forward(*ys, *args)))


def _check_tensor(node: Tensor, j: int) -> _Check:
    """The VJP on edge j against a numerical VJP: d/dx_j of sum(g * f(x)) by central differences.

    g is the node's gradient (ones before backward); float64 throughout.
    """
    op = node.op
    assert op is not None
    if not node._prev[j].requires_grad:
        return _Check("ok")
    xs = [q.data.astype(np.float64) for q in node._prev]
    args = node._args
    with np.errstate(all="ignore"):
        out = np.asarray(op.forward(*xs, *args), dtype=np.float64)
        g = np.ones_like(out) if node.grad is None else np.asarray(_plain(node.grad), np.float64)
        raw = np.asarray(op.vjps[j](g, *xs, out, *args), dtype=np.float64)
        analytic = raw if raw.shape == xs[j].shape else sum_to(raw, xs[j].shape)
        numerical = np.full(xs[j].shape, np.nan)
        mid = float(np.sum(g * out))
        size = xs[j].size
        picks = range(size) if size <= MAX_CHECKED else np.linspace(0, size - 1, MAX_CHECKED)
        kinks = 0
        for k in (int(i) for i in picks):
            try:
                up, down = (_nudged(op.forward, xs, j, k, h, args, g) for h in (EPS, -EPS))
            except (ArithmeticError, ValueError, IndexError, TypeError) as err:
                return _Check("skip", why=type(err).__name__)
            if op.kinked and not _close((up - mid) / EPS, (mid - down) / EPS):
                kinks += 1
                continue
            numerical.reshape(-1)[k] = (up - down) / (2 * EPS)
    checked = np.isfinite(numerical)
    if not checked.any():
        return _Check("kink") if kinks else _Check("skip", why="no finite difference")
    if _close(analytic[checked], numerical[checked]):
        return _Check("ok")
    return _Check("bad", numerical)


def _check_lines(check: _Check, t: dict[str, str], p: int) -> list[str]:
    """What an edge says about its check: nothing when it agrees."""
    if check.verdict == "bad":
        n = check.numerical
        text = _grad_text(n, p, t)
        return [_font(_esc(t["mismatch"].format(n=text)), CHECK_COLOUR)]
    if check.verdict == "kink":
        return [_font(_esc(t["kink"]), UNKNOWN_COLOUR)]
    if check.verdict == "skip":
        return [_font(_esc(t["unchecked"].format(why=check.why)), UNKNOWN_COLOUR)]
    return []


# -- modules (neurons, layers) as clusters ---------------------------------------------------

ACTIVATIONS = frozenset({"relu", "tanh", "sigmoid"})


@dataclass
class _Module:
    name: str
    parent: int | None
    children: list[int] = field(default_factory=list)


def _submodules(module: Module) -> list[Module]:
    """The modules held by ``module``'s attributes, directly or in a list (Layer.neurons)."""
    found: list[Module] = []
    for value in getattr(module, "__dict__", {}).values():
        if isinstance(value, Module):
            found.append(value)
        elif isinstance(value, list | tuple):
            found += [v for v in value if isinstance(v, Module)]
    return found


def _module_tree(modules: Sequence[Module]) -> tuple[list[_Module], list[Module]]:
    """Every module and sub-module, parents first, named by class and position (Neuron 0.1)."""
    tree: list[_Module] = []
    objs: list[Module] = []
    Frame = tuple[tuple[int, ...], Module, "int | None"]  # (position path, module, parent)
    top: tuple[int, ...] = ()
    stack: list[Frame] = [
        ((i,) if len(modules) > 1 else top, m, None) for i, m in enumerate(modules)
    ]
    stack.reverse()
    while stack:
        path, module, parent = stack.pop()
        name = type(module).__name__ + (" " + ".".join(map(str, path)) if path else "")
        index = len(tree)
        tree.append(_Module(name, parent))
        objs.append(module)
        if parent is not None:
            tree[parent].children.append(index)
        subs = _submodules(module)
        stack += [((*path, j), sub, index) for j, sub in reversed(list(enumerate(subs)))]
    return tree, objs


def _owners(order: list[Node], objs: list[Module]) -> dict[Node, int]:
    """The innermost module each node was made in, from parameters and graph structure.

    A module holds its parameters, every gate that takes one of them as input, a gate all of
    whose non-constant inputs it holds (an add chain), and an activation applied to its nodes.
    """
    owner: dict[Node, int] = {}
    for index in reversed(range(len(objs))):  # children before parents: innermost wins
        for p in objs[index].parameters():
            owner.setdefault(p, index)
    params = set(owner)
    for node in order:
        if node.op is None or node in owner:
            continue
        direct = [owner[p] for p in node._prev if p in params]
        if direct:
            owner[node] = direct[0]
            continue
        inner = [owner.get(p) for p in node._prev if p._prev or p in params]
        first = inner[0] if inner else None
        same = first is not None and all(u == first for u in inner)
        if same and first is not None and (len(inner) > 1 or node.op.name in ACTIVATIONS):
            owner[node] = first
    return owner


# -- the DOT statements ---------------------------------------------------------------------

BACKWARD = -1
"""The cluster of the nodes a backward(create_graph=True) built (modules are 0, 1, ...)."""


@dataclass
class _Picture:
    """Everything one picture needs while its statements are written."""

    state: _State
    t: dict[str, str]
    precision: int
    owner: dict[Node, int]
    collapse: bool
    built: set[Node] = field(default_factory=set)
    checks: dict[tuple[Node, int], _Check] = field(default_factory=dict)
    lines: dict[int | None, list[str]] = field(default_factory=dict)  # per cluster
    edges: list[str] = field(default_factory=list)
    box_out: dict[int, Node] = field(default_factory=dict)  # module -> its output node
    gate_looks: dict[tuple[Any, str], str] = field(default_factory=dict)
    summed: bool = False  # some edge carries a gradient summed over broadcast axes
    copied: bool = False  # some input is drawn again beside a far use
    fixed: dict[str, tuple[str, str]] = field(default_factory=dict)  # slot id -> (text, colour)

    def put(self, unit: int | None, statement: str) -> None:
        self.lines.setdefault(unit, []).append(statement)

    def rows(self, node: Node) -> list[str]:
        """data and grad for a Value; shape, data (or its norm) and grad for a Tensor."""
        t, p = self.t, self.precision
        grad = self.state.grads.get(node)
        if isinstance(node, Tensor):
            rows = [f"{t['shape']} {node.shape}"]
            d = node.data
            data = _arr(d, p) if d.size <= SMALL else f"{t['norm']} {_norm(d, p)}"
            rows.append(_esc(f"{t['data']} {data}"))
            if not node.requires_grad:
                return rows
            if grad is None:
                return rows + [_font(t["grad"] + " ?", UNKNOWN_COLOUR)]
            g = _arr(grad, p) if np.size(grad) <= SMALL else f"{t['norm']} {_norm(grad, p)}"
            return rows + [_font(_esc(f"{t['grad']} {g}"), GLOBAL_COLOUR)]
        rows = [f"{t['data']} {_num(node.data, p)}"]
        return rows + [_font(*_grad_line(node, self.state, t, p))]

    def value(self, vid: str, node: Node, unit: int | None, highlight: bool) -> None:
        rows = self.rows(node)
        if vid in self.fixed:  # the one layout of a step page: the longest text of every frame
            rows[-1] = _font(_esc(self.fixed[vid][0]), self.fixed[vid][1])
        label = _table(_name(node.label), rows, highlight, node in self.built)
        self.put(unit, f'\t{vid} [label={label} id="{vid}"]\n')

    def gate(self, gid: str, node: Node, unit: int | None, highlight: bool) -> None:
        op = node.op
        assert op is not None
        detail = _reduction(node, self.t) if isinstance(node, Tensor) else ""
        symbol = op.symbol
        if isinstance(node, Tensor) and len(node._args) == 1 and isinstance(node._args[0], float):
            symbol += _num(node._args[0], self.precision)  # x ** k: the exponent, as **2
        look = self.gate_looks.get((op, symbol + detail))
        if look is None:  # one per op: a big graph has many gates and few ops
            pattern = f'<font point-size="9">{_esc(_pattern_text(op.pattern, self.t))}</font>'
            colour = PATTERN_COLOURS.get(op.pattern, OTHER_COLOUR)
            over = f'<br/><font point-size="9">{_esc(detail)}</font>' if detail else ""
            label = f"<<b>{_esc(symbol)}</b>{over}<br/>{pattern}>"
            look = f'label={label} shape=ellipse style=filled fillcolor="{colour}"'
            if op.in_backward:
                look += f' color="{BACKWARD_COLOUR}" penwidth=2'
            self.gate_looks[(op, symbol + detail)] = look
        extra = f' color="{GLOBAL_COLOUR}" penwidth=3' if highlight else ""
        self.put(unit, f'\t{gid} [{look}{extra} id="{gid}"]\n')

    def edge_label(self, node: Node, j: int, lit: bool) -> list[str]:
        if isinstance(node, Tensor):
            lines, summed = _tensor_edge_label(node, j, self.state, self.t, self.precision)
            self.summed = self.summed or summed
            return lines
        step = self.state.done.get(node)
        return _edge_label(float(node._local[j]), step, j, lit, self.t, self.precision)

    def copy(self, cid: str, node: Node, unit: int | None, k: int, n: int) -> None:
        """The value again beside a far use: its name, its data, which use this is."""
        t, p = self.t, self.precision
        data = _num(node.data, p) if isinstance(node, Value) else f"{t['shape']} {node.shape}"
        rows = [f"{t['data']} {_esc(data)}", _font(t["use"].format(k=k, n=n), COPY_COLOUR)]
        label = _table(_name(node.label), rows, False).replace(
            'color="#444444"', f'color="{COPY_COLOUR}"'
        )
        self.copied = True
        self.put(unit, f'\t{cid} [label={label} id="{cid}"]\n')

    def box(self, unit: int, name: str, parent: int | None) -> None:
        """A collapsed module: its name and its output's data and grad."""
        out = self.box_out.get(unit)
        rows = self.rows(out) if out is not None else [""]
        self.put(parent, f"\tm{unit} [label={_table(_name(name), rows, False)}]\n")


@dataclass
class _Plan:
    """Which inputs are drawn from a copy beside their gate, and what Graphviz will lay out."""

    copies: dict[tuple[int, int], tuple[int, int]]  # (node, input j) -> (use k, of n uses)
    size: int  # drawn nodes and copies, plus the ranks every drawn edge crosses


def _plan(order: list[Node]) -> _Plan:
    """Ranks as ``dot`` gives them (a gate, then its value); a use too far away gets a copy.

    An op's value is two ranks after its latest input; a leaf sits one rank before its first
    use. Any layout ``dot`` finds is no longer in total than this one, so ``size`` bounds its
    work: each edge adds one placed point per rank it crosses.
    """
    index = {node: i for i, node in enumerate(order)}
    rank = [0] * len(order)
    uses: dict[int, list[tuple[int, int]]] = {}
    for i, node in enumerate(order):
        if node._prev:
            rank[i] = max(rank[index[q]] for q in node._prev) + 2
            for j, q in enumerate(node._prev):
                uses.setdefault(index[q], []).append((i, j))
    for i, node in enumerate(order):
        if not node._prev and i in uses:
            rank[i] = min(rank[k] for k, _ in uses[i]) - 2
    copies: dict[tuple[int, int], tuple[int, int]] = {}
    size = 2 * len(order)
    for q, used in uses.items():
        for k, (i, j) in enumerate(used, start=1):
            span = rank[i] - 1 - rank[q]
            if span > (LONG_EDGE if len(used) > 2 else FAR_EDGE):
                copies[(i, j)] = (k, len(used))
                size += 2
            else:
                size += span
    return _Plan(copies, size)


def layout_size(root: Value | Tensor) -> int:
    """What Graphviz lays out for ``draw(root)``: drawn nodes plus the ranks each edge crosses."""
    return _plan(topological_order(root)).size


def _walk(pic: _Picture, order: list[Node], root: Node, plan: _Plan | None = None) -> None:
    """One pass in forward order: a table per value, a gate per op, a labelled edge per input.

    An input used far from where it was made (``plan.copies``) is drawn again beside its gate,
    as 'x (use 3 of 50)': the picture stays readable and Graphviz fast.
    """
    ids: dict[Node, str] = {}
    state, active = pic.state, pic.state.active
    tensors = isinstance(root, Tensor)
    copies = plan.copies if plan is not None and not pic.collapse else {}
    for i, node in enumerate(order):
        unit = pic.owner.get(node)
        if unit is None and node in pic.built:
            unit = BACKWARD
        boxed = pic.collapse and node in pic.owner
        ids[node] = vid = f"m{unit}" if boxed else f"v{i}"
        lit = active is not None and active.node is node
        if not boxed:
            pic.value(vid, node, unit, lit)
        if node.op is None:
            continue
        gid = vid if boxed else f"g{i}"
        if not boxed:
            pic.gate(gid, node, unit, lit)
            pic.edges.append(f'\t{gid} -> {vid} [color="#666666" id="o{i}"]\n')
        known = node in state.sent if tensors else node in state.done
        style = f' color="{GLOBAL_COLOUR}" penwidth=2' if lit else ""
        if not known:
            style = f' color="{UNKNOWN_COLOUR}" style=dashed'
        for j, parent in enumerate(node._prev):
            src = ids[parent]
            if src == gid:
                continue  # both ends inside one collapsed module
            if pic.collapse and parent in pic.owner:
                pic.box_out[pic.owner[parent]] = parent
            lines = pic.edge_label(node, j, lit)
            fixed = pic.fixed.get(f"e{i}_{j}")
            if fixed is not None:
                lines[1] = _font(_esc(fixed[0]), fixed[1])
            check = pic.checks.get((node, j))
            mark = style
            if check is not None:
                lines += _check_lines(check, pic.t, pic.precision)
                if check.verdict == "bad":
                    mark = f' color="{CHECK_COLOUR}" penwidth=3'
            label = "<" + "<br/>".join(lines) + ">"
            use = copies.get((i, j))
            if use is not None:
                src = f"c{i}_{j}"
                pic.copy(src, parent, unit, *use)
            pic.edges.append(f'\t{src} -> {gid} [label={label}{mark} id="e{i}_{j}"]\n')
    if pic.collapse and root in pic.owner:
        pic.box_out[pic.owner[root]] = root


def _clustered(pic: _Picture, tree: list[_Module], what: str) -> list[str]:
    """Top-level statements, the backward pass's cluster, one (nested) cluster per module."""
    if pic.collapse:
        for unit in sorted(set(pic.owner.values())):
            pic.box(unit, tree[unit].name, tree[unit].parent)
    out = list(pic.lines.get(None, []))
    if BACKWARD in pic.lines:
        title = _esc(pic.t["backward_area"].format(what=what))
        out.append(
            f"\tsubgraph cluster_backward {{\n\t\tlabel=<{_font(title, BACKWARD_COLOUR)}> "
            f'style="rounded,dashed,filled" color="{BACKWARD_COLOUR}" '
            f'fillcolor="{BACKWARD_AREA}" labeljust=l\n'
        )
        out += pic.lines[BACKWARD]
        out.append("\t}\n")
    stack = [(False, i) for i in reversed(range(len(tree))) if tree[i].parent is None]
    while stack:
        close, i = stack.pop()
        if close:
            out.append("\t}\n")
            continue
        if pic.collapse and not tree[i].children:
            continue  # drawn as one box inside its parent's cluster
        out.append(
            f'\tsubgraph cluster_m{i} {{\n\t\tlabel=<{_name(tree[i].name)}> style="rounded,dashed" '
            'color="#888888" labeljust=l\n'
        )
        out += pic.lines.get(i, [])
        stack.append((True, i))
        stack += [(False, c) for c in reversed(tree[i].children)]
    return out


def _legend(order: list[Node], pic: _Picture, hidden: dict[Node, int], tensors: bool) -> str:
    """One table: the gate patterns drawn, the edge colours, the arrows, fan-out, the marks."""
    t = pic.t
    symbols: dict[str, list[str]] = {}
    uses: set[Node] = set()
    fan_out = False
    for node in order:
        if node.op is not None and node not in hidden:
            seen = symbols.setdefault(node.op.pattern, [])
            if node.op.symbol not in seen:
                seen.append(node.op.symbol)
        for parent in node._prev:
            fan_out = fan_out or parent in uses
            uses.add(parent)
    rows = [f'<tr><td colspan="2"><b>{t["legend"]}</b></td></tr>']
    for pattern in PATTERNS:
        if pattern in symbols:
            colour = PATTERN_COLOURS[pattern]
            sym = _esc(" ".join(symbols[pattern]))
            rows.append(
                f'<tr><td bgcolor="{colour}">{sym}</td>'
                f'<td align="left">{t["legend_" + pattern]}</td></tr>'
            )

    for pattern in symbols:
        if pattern not in PATTERNS:  # an Op with a pattern of its own
            sym = _esc(" ".join(symbols[pattern]))
            own = _esc(t["legend_other"].format(pattern=_pattern_text(pattern, t)))
            rows.append(
                f'<tr><td bgcolor="{OTHER_COLOUR}">{sym}</td><td align="left">{own}</td></tr>'
            )

    def row(key: str, text: str, colour: str | None = None) -> None:
        left, right = (_font(key, colour), _font(text, colour)) if colour else (key, text)
        rows.append(f'<tr><td>{left}</td><td align="left">{right}</td></tr>')

    if tensors:
        row(t["vjp"], _esc(t["legend_vjp"]), LOCAL_COLOUR)
        row(t["global"], _esc(t["legend_global_t"]), GLOBAL_COLOUR)
    else:
        row(t["local"], t["legend_local"], LOCAL_COLOUR)
        row(t["global"], t["legend_global"], GLOBAL_COLOUR)
    row("→", t["legend_arrow"])
    if fan_out:
        row("Σ", t["legend_sum"])
    if pic.copied:
        row(_esc(t["use"].format(k="k", n="n")), _esc(t["legend_copy"]), COPY_COLOUR)
    if pic.summed:
        row("Σ", t["legend_summed"])
    if pic.checks:
        verdicts = {c.verdict for c in pic.checks.values()}
        if "bad" in verdicts:
            row("✗", _esc(t["legend_mismatch"]), CHECK_COLOUR)
        row("✓", _esc(t["legend_checked"]))
        if "kink" in verdicts:
            row("", _esc(t["legend_kink"]), UNKNOWN_COLOUR)
    if pic.built:
        rows.append(
            f'<tr><td bgcolor="{BACKWARD_FILL}" color="{BACKWARD_COLOUR}">▭</td>'
            f'<td align="left">{_font(_esc(t["legend_backward"]), BACKWARD_COLOUR)}</td></tr>'
        )
    table = (
        '<table border="0" cellborder="1" cellspacing="0" cellpadding="3" bgcolor="white">'
        + "".join(rows)
        + "</table>"
    )
    return f"\tlegend [label=<{table}> fontsize=10]\n"


# -- the public functions --------------------------------------------------------------------


def _count(root: Node, limit: int | None) -> int:
    """How many nodes ``root`` depends on (itself included), stopping past ``limit``."""
    seen = {root}
    stack = [root]
    while stack and (limit is None or len(seen) <= limit):
        for parent in stack.pop()._prev:
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return len(seen)


def _order_within(root: Node, max_nodes: int) -> list[Node]:
    """The topological order, or a ValueError saying how big the graph is and what to do."""
    if _count(root, max_nodes) > max_nodes:
        total = _count(root, None)
        raise DiagramTooLargeError(
            f"the graph has {total} nodes, more than max_nodes={max_nodes}; draw it anyway with "
            f"draw(..., max_nodes={total}) (Graphviz may take long), or group an nn module's "
            "nodes with draw(..., modules=model, collapse=True)",
            total,
            "max_nodes",
        )
    return topological_order(root)


def _planned(order: list[Node], max_layout: int) -> _Plan:
    """The layout plan, or a DiagramTooLargeError naming its size and ``max_layout=``."""
    plan = _plan(order)
    if plan.size > max_layout:
        raise DiagramTooLargeError(
            f"the graph's layout size is {plan.size} (drawn nodes plus the ranks its edges "
            f"cross), more than max_layout={max_layout}; Graphviz would take long. Draw it "
            f"anyway with draw(..., max_layout={plan.size}), or draw a smaller part of it",
            plan.size,
            "max_layout",
        )
    return plan


def _text(lang: str) -> dict[str, str]:
    if lang not in TEXT:
        raise ValueError(f"lang must be one of {sorted(TEXT)}, got {lang!r}")
    return TEXT[lang]


def _checks(order: list[Node]) -> dict[tuple[Node, int], _Check]:
    """Every edge into an op node, checked against a central difference of the op's forward."""
    out: dict[tuple[Node, int], _Check] = {}
    for node in order:
        if node.op is not None:
            for j in range(len(node._prev)):
                out[(node, j)] = (
                    _check_tensor(node, j) if isinstance(node, Tensor) else _check_value(node, j)
                )
    return out


def draw(
    root: Value | Tensor,
    *,
    lang: str = "en",
    rankdir: str = "LR",
    precision: int = 4,
    max_nodes: int = DEFAULT_MAX_NODES,
    max_layout: int = DEFAULT_MAX_LAYOUT,
    step: int | None = None,
    modules: Module | Sequence[Module] | None = None,
    collapse: bool = False,
    legend: bool = True,
    title: str | None = None,
    check: bool = False,
) -> Diagram:
    """The graph of ``root``, every edge labelled: local d(out)/d(in), global dL/d(in) = up x local.

    ``step=None`` draws the graph as it is: before ``root.backward()`` (``root.grad == 0``) the
    global gradients are not known yet; after it, every node shows its ``grad``. ``step=k`` draws
    the pass of ``backward_steps(root)`` after its first k steps, the k-th gate highlighted.
    ``modules`` (an nn Module or a list of them) groups their nodes in clusters; ``collapse``
    draws each innermost module as one box. A Tensor graph shows shapes, the numbers of small
    tensors, and on each edge its VJP rule and the gradient sent (``edge_grads()``).
    ``check=True`` marks every edge whose gradient disagrees with a central difference of its
    op's forward (eps 1e-6, float64). The nodes a ``backward(create_graph=True)`` built (draw
    ``x.grad`` after it) are drawn apart, as the backward pass's own graph.
    A value used far from where it was made is drawn again beside that use ('x (use 3 of 50)').
    Labels longer than ``MAX_LABEL`` characters are cut with an ellipsis. Above ``max_nodes``
    values or a ``layout_size`` of ``max_layout``, ``DiagramTooLargeError`` says how big.
    """
    t = _text(lang)
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"rankdir must be 'LR', 'RL', 'TB' or 'BT', got {rankdir!r}")
    if not isinstance(precision, int) or precision < 1:
        raise ValueError(
            f"precision must be a positive int (significant digits), got {precision!r}"
        )
    if not isinstance(root, Value | Tensor):
        hint = (
            " (a gradient is a number after backward(); backward(create_graph=True) makes it a "
            "node with a graph to draw)"
            if isinstance(root, float | np.ndarray)
            else ""
        )
        raise TypeError(f"draw needs a Value or a Tensor, got {type(root).__name__}{hint}")
    tensors = isinstance(root, Tensor)
    if tensors and step is not None:
        raise ValueError("step= is for Value graphs; a Tensor graph is drawn as it is (step=None)")
    order = _order_within(root, max_nodes)
    plan = _planned(order, max_layout)
    if isinstance(root, Tensor):
        state = _tensor_state(root, order, t, precision)
    else:
        state = _state(root, order, step, t, precision)
    layout = _LAYOUT.get()
    if layout is not None:
        state = layout.state
    tree: list[_Module] = []
    objs: list[Module] = []
    if modules is not None:
        tree, objs = _module_tree([modules] if isinstance(modules, Module) else list(modules))
    pic = _Picture(state, t, precision, _owners(order, objs) if objs else {}, collapse)
    pic.built = _built(order)
    if layout is not None:
        pic.fixed = layout.texts
    if check:
        pic.checks = _checks(order)
    _walk(pic, order, root, plan)
    what = _short(root.label) if root in pic.built and root.label else t["the_gradient"]
    body = _clustered(pic, tree, what) + pic.edges
    if legend:
        body.append(_legend(order, pic, pic.owner if collapse else {}, tensors))
    now = pic.fixed["title"][0] if "title" in pic.fixed else state.title
    heading = now if title is None else f"{_short(title)}\n{now}"
    font = FONTS[lang]
    return Diagram(
        name="microgradkr",
        graph_attr={
            "rankdir": rankdir,
            "label": f"<{_esc(heading)}>",
            "labelloc": "t",
            "fontname": font,
            "fontsize": "14",
            "nodesep": "0.3",
            "ranksep": "0.45",
            "bgcolor": "white",
        },
        node_attr={"shape": "plain", "fontname": font, "fontsize": "11"},
        edge_attr={"fontname": font, "fontsize": "10", "arrowsize": "0.7"},
        body=body,
    )


def draw_steps(root: Value, **options: Any) -> list[Diagram]:
    """One picture per moment of the backward pass: step 0 (only dL/dL = 1 known) to the last.

    n + 1 whole pictures of n gates each, so their size (and rendering them all) grows as n^2;
    ``steps_html`` and ``write_steps`` lay the graph out once instead.
    """
    if isinstance(root, Tensor):
        raise ValueError("step frames are for Value graphs; draw a Tensor graph with draw(root)")
    n = len(backward_steps(root))
    return [draw(root, step=k, **options) for k in range(n + 1)]


def save(diagram: graphviz.Digraph, path: str | Path, format: str | None = None) -> Path:
    """Render ``diagram`` to exactly ``path``, format from the suffix (svg, png; dot: the text)."""
    path = Path(path)
    fmt = (format or path.suffix.lstrip(".") or "svg").lower()
    if fmt in ("dot", "gv"):
        path.write_text(diagram.source, encoding="utf-8")
    else:
        path.write_bytes(diagram.pipe(format=fmt))
    return path


@dataclass
class _Layout:
    """The one picture a step page restyles: a state with nothing lit, each text at its longest."""

    state: _State
    texts: dict[str, tuple[str, str]]


_LAYOUT: ContextVar[_Layout | None] = ContextVar("_LAYOUT", default=None)

Slots = tuple[dict[str, tuple[str, str]], dict[str, str]]
"""(slot id -> (text, colour), node or edge id -> class): what one frame shows."""


def _slots(order: list[Value], state: _State, t: dict[str, str], p: int) -> Slots:
    """What changes from frame to frame: each grad, each edge's global gradient, the title
    (text, colour), and which nodes and edges are lit or not known yet (class)."""
    texts: dict[str, tuple[str, str]] = {"title": (state.title, "")}
    classes: dict[str, str] = {}
    active = state.active.node if state.active is not None else None
    for i, node in enumerate(order):
        texts[f"v{i}"] = _grad_line(node, state, t, p)
        lit = "lit" if node is active else ""
        classes[f"v{i}"] = lit
        if node.op is None:
            continue
        classes[f"g{i}"] = lit
        step = state.done.get(node)
        for j, local in enumerate(node._local):
            texts[f"e{i}_{j}"] = _global_line(float(local), step, j, bool(lit), t, p)
            classes[f"e{i}_{j}"] = lit or ("" if step is not None else "unknown")
    return texts, classes


def _step_frames(root: Value, options: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """One SVG laid out once, and per frame only what changes in it (texts, colours, classes).

    Frame 0 lists every slot; frame k only the slots step k changed. Before, every frame was a
    whole picture of its own: n frames of n nodes, 43 MB for tanh nested 150 deep.
    """
    if isinstance(root, Tensor):
        raise ValueError("step frames are for Value graphs; draw a Tensor graph with draw(root)")
    if not isinstance(root, Value):
        raise TypeError(f"step frames need a Value, got {type(root).__name__}")
    t = _text(options.get("lang", "en"))
    p = options.get("precision", 4)
    order = _order_within(root, options.get("max_nodes", DEFAULT_MAX_NODES))
    steps = backward_steps(root)
    texts, classes = _slots(order, _state(root, order, 0, t, p), t, p)
    frames: list[dict[str, Any]] = [
        {"t": [[key, *v] for key, v in texts.items()], "c": [list(c) for c in classes.items()]}
    ]
    longest = dict(texts)
    index = {node: i for i, node in enumerate(order)}
    uses: dict[Value, int] = {}
    for node in order:
        for q in node._prev:
            uses[q] = uses.get(q, 0) + 1
    sent: dict[Value, int] = {}
    live = _State(dict(gradients_after(steps, 0)), {})
    for k, step in enumerate(steps, start=1):  # only what step k changes: linear in all
        changed: dict[str, tuple[str, str]] = {}
        lit: dict[str, str] = {}
        if k > 1:  # the gate before goes back to plain, its edges to 'known'
            before = steps[k - 2]
            b = index[before.node]
            lit[f"v{b}"] = lit[f"g{b}"] = ""
            for j, local in enumerate(before.node._local):
                lit[f"e{b}_{j}"] = ""
                changed[f"e{b}_{j}"] = _global_line(float(local), before, j, False, t, p)
        i = index[step.node]
        lit[f"v{i}"] = lit[f"g{i}"] = "lit"
        for j, (edge, local) in enumerate(zip(step.edges, step.node._local, strict=True)):
            lit[f"e{i}_{j}"] = "lit"
            changed[f"e{i}_{j}"] = _global_line(float(local), step, j, True, t, p)
            q = edge.parent
            live.grads[q] = live.grads.get(q, 0.0) + edge.contribution
            sent[q] = sent.get(q, 0) + 1
        for edge in step.edges:
            q = edge.parent
            live.partial.discard(q)
            if sent[q] < uses[q]:
                live.partial.add(q)
            changed[f"v{index[q]}"] = _grad_line(q, live, t, p)
        title = t["title_step"].format(
            k=k,
            n=len(steps),
            gate=step.op.symbol,
            pattern=_pattern_text(step.pattern, t),
            up=_num(step.upstream, p),
        )
        changed["title"] = (title, "")
        for key, value in changed.items():
            if len(value[0]) > len(longest.get(key, ("", ""))[0]):
                longest[key] = value
        frames.append(
            {"t": [[key, *v] for key, v in changed.items()], "c": list(map(list, lit.items()))}
        )
    n = len(steps)
    still = _state(root, order, n, t, p)
    still.active, still.partial = None, set()
    token = _LAYOUT.set(_Layout(still, longest))
    try:
        diagram = draw(root, **options)
    finally:
        _LAYOUT.reset(token)
    return diagram.pipe(format="svg", encoding="utf-8"), frames


_STYLE = f"""
g.node.lit polygon[fill="white"] {{ fill: {ACTIVE_FILL}; }}
g.node.lit polygon[fill="none"] {{ stroke: {GLOBAL_COLOUR}; stroke-width: 2; }}
g.node.lit ellipse {{ stroke: {GLOBAL_COLOUR}; stroke-width: 3; }}
g.edge.lit path {{ stroke: {GLOBAL_COLOUR}; stroke-width: 2; }}
g.edge.lit polygon {{ stroke: {GLOBAL_COLOUR}; fill: {GLOBAL_COLOUR}; }}
g.edge.unknown path {{ stroke: {UNKNOWN_COLOUR}; stroke-dasharray: 5,2; }}
g.edge.unknown polygon {{ stroke: {UNKNOWN_COLOUR}; fill: {UNKNOWN_COLOUR}; }}
"""

_PROLOG = re.compile(r"<\?xml.*?\?>|<!DOCTYPE.*?>|\s+xmlns(:xlink)?=\"[^\"]*\"", re.DOTALL)


def _inline_svg(svg: str) -> str:
    """An SVG for inlining in HTML: no XML prolog, DTD or namespace URLs (HTML needs none)."""
    return _PROLOG.sub("", svg).strip()


def steps_html(root: Value, **options: Any) -> str:
    """One self-contained HTML page: the graph laid out once, a slider restyles it step by step.

    Its size grows with the graph, not with graph x steps: the frames are the JSON of what each
    step changes. No network at all.
    """
    svg, frames = _step_frames(root, options)
    return _page(svg, frames, options.get("lang", "en"))


def _page(svg: str, frames: list[dict[str, Any]], lang: str) -> str:
    ko = lang == "ko"
    heading = "역전파 단계별 보기" if ko else "Backpropagation, step by step"
    data = json.dumps(frames, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    # Each step's title as text too (screen readers, find in page), the current one shown.
    titles = [dict((key, text) for key, text, _ in f["t"]).get("title", "") for f in frames]
    captions = "\n".join(
        f'<p class="frame"{"" if k == 0 else " hidden"}>{html.escape(title)}</p>'
        for k, title in enumerate(titles)
    )
    return (
        _HTML.replace("{lang}", lang)
        .replace("{heading}", heading)
        .replace("{label}", "단계" if ko else "step")
        .replace("{last}", str(len(frames) - 1))
        .replace("{style}", _STYLE)
        .replace("{captions}", captions)
        .replace("{svg}", _inline_svg(svg))
        .replace("{frames}", data)
    )


_HTML = """<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<title>{heading}</title>
<style>
body { font-family: sans-serif; margin: 1em; }
#picture { overflow: auto; }
#picture svg { max-width: 100%; height: auto; }
#picture.wide svg { max-width: none; }
#controls { display: flex; gap: 0.6em; align-items: center; margin-bottom: 0.5em; }
input[type=range] { width: 24em; }
#captions { margin: 0 0 0.5em 0; }
{style}
</style>
</head>
<body>
<h1>{heading}</h1>
<div id="controls">
<button id="prev" type="button">&#9664;</button>
<input id="slider" type="range" min="0" max="{last}" value="0" step="1">
<button id="next" type="button">&#9654;</button>
<span>{label} <output id="number">0</output> / {last}</span>
</div>
<div id="captions" aria-live="polite">
{captions}
</div>
<div id="picture">{svg}</div>
<script type="application/json" id="frames">{frames}</script>
<script>
(function () {
  var frames = JSON.parse(document.getElementById("frames").textContent);
  var slider = document.getElementById("slider");
  var number = document.getElementById("number");
  var titles = document.querySelectorAll("#picture svg > g > text");
  var title = titles[titles.length - 1];
  var picture = document.getElementById("picture");
  var svg = picture.querySelector("svg");
  // Shrunk to under 60% the text is unreadable: scroll instead, the active gate kept in view.
  var wide = svg.width.baseVal.value > 1.6 * picture.clientWidth;
  picture.classList.toggle("wide", wide);
  // A value's grad is its last line; an edge's global gradient its second (after 'local').
  function line(id) {
    if (id === "title") return title;
    var g = document.getElementById(id);
    if (!g) return null;
    var texts = g.getElementsByTagName("text");
    if (!texts.length) return null;
    return id.charAt(0) === "e" ? texts[Math.min(1, texts.length - 1)] : texts[texts.length - 1];
  }
  function apply(frame) {
    frame.t.forEach(function (s) {
      var el = line(s[0]);
      if (!el) return;
      el.textContent = s[1];
      if (s[2]) el.setAttribute("fill", s[2]);
    });
    frame.c.forEach(function (s) {
      var g = document.getElementById(s[0]);
      if (!g) return;
      g.classList.remove("lit", "unknown");
      if (s[1]) g.classList.add(s[1]);
    });
  }
  function show(k) {
    k = Math.max(0, Math.min({last}, k));
    slider.value = k;
    number.textContent = k;
    for (var i = 0; i <= k; i++) apply(frames[i]);  // frame 0 sets every slot
    document.querySelectorAll("#captions .frame").forEach(function (f, i) { f.hidden = i !== k; });
    var lit = wide && picture.querySelector("g.node.lit");
    if (lit) lit.scrollIntoView({ block: "nearest", inline: "center" });
  }
  slider.addEventListener("input", function () { show(Number(slider.value)); });
  document.getElementById("prev").onclick = function () { show(Number(slider.value) - 1); };
  document.getElementById("next").onclick = function () { show(Number(slider.value) + 1); };
  document.addEventListener("keydown", function (e) {
    if (e.key === "ArrowLeft") show(Number(slider.value) - 1);
    if (e.key === "ArrowRight") show(Number(slider.value) + 1);
  });
  show(0);
})();
</script>
</body>
</html>
"""

STEP_FILES_BUDGET = 4_000_000
"""write_steps writes one SVG per step only while they all fit in this many bytes."""


def _frame_svgs(svg: str, frames: list[dict[str, Any]], every: bool = True) -> Iterator[str]:
    """Each frame (or only the last) as a standalone SVG: the one layout, restyled."""
    svg_ns = "http://www.w3.org/2000/svg"
    ET.register_namespace("", svg_ns)
    ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    tree = ET.fromstring(svg)
    style = ET.SubElement(tree, f"{{{svg_ns}}}style")
    style.text = _STYLE
    by_id = {el.get("id"): el for el in tree.iter() if el.get("id")}
    graph = tree.find(f"{{{svg_ns}}}g")
    titles = [] if graph is None else graph.findall(f"{{{svg_ns}}}text")

    def line(key: str) -> ET.Element | None:
        if key == "title":
            return titles[-1] if titles else None
        g = by_id.get(key)
        texts = [] if g is None else list(g.iter(f"{{{svg_ns}}}text"))
        if not texts:
            return None
        return texts[min(1, len(texts) - 1)] if key.startswith("e") else texts[-1]

    for k, frame in enumerate(frames):
        for key, text, colour in frame["t"]:
            el = line(key)
            if el is not None:
                el.text = text
                if colour:
                    el.set("fill", colour)
        for key, cls in frame["c"]:
            g = by_id.get(key)
            if g is not None:
                kind = (g.get("class") or "").split()[0:1]
                g.set("class", " ".join(kind + ([cls] if cls else [])))
        if every or k == len(frames) - 1:
            yield ET.tostring(tree, encoding="unicode")


def write_steps(root: Value, directory: str | Path, stem: str = "steps", **options: Any) -> Path:
    """Write ``stem.html`` (the graph laid out once, a slider through the steps) and the frames.

    The frames are ``stem_00.svg`` ... (one per step) while they fit in ``STEP_FILES_BUDGET``
    bytes together; for a bigger graph only ``stem.svg``, the picture after the last step.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    svg, frames = _step_frames(root, options)
    if len(svg) * len(frames) <= STEP_FILES_BUDGET:
        for k, frame in enumerate(_frame_svgs(svg, frames)):
            (directory / f"{stem}_{k:02d}.svg").write_text(frame, encoding="utf-8")
    else:
        (last,) = _frame_svgs(svg, frames, every=False)
        (directory / f"{stem}.svg").write_text(last, encoding="utf-8")
    page = directory / f"{stem}.html"
    page.write_text(_page(svg, frames, options.get("lang", "en")), encoding="utf-8")
    return page


def mimebundle(value: Value, include: Any = None, exclude: Any = None) -> dict[str, Any]:
    """What Jupyter shows for a Value: its diagram as SVG, and ``repr`` as the text fallback."""
    bundle: dict[str, Any] = {"text/plain": repr(value)}
    # No Graphviz, or too big to draw: the text alone is still right.
    with suppress(GraphvizNotFoundError, ValueError, graphviz.CalledProcessError):
        bundle.update(draw(value)._repr_mimebundle_(include, exclude))
    return bundle
