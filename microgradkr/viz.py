"""Diagrams of backpropagation: the local and the global gradient on every edge, step by step.

``draw(root)`` turns a Value's graph into Graphviz DOT: a small table per value (label, data,
grad), a coloured circle per gate (its symbol and its gate pattern), and on every edge into a gate
the two numbers of the chain rule: the local gradient d(out)/d(in), kept on the node since the
forward pass, and the global gradient dL/d(in) = upstream x local that flows along that edge.
The numbers come from ``trace.backward_steps``; nothing here re-does the chain rule.
"""

from __future__ import annotations

import html
import re
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import graphviz
from graphviz.backend import dot_command

from .engine import CHAIN, DISTRIBUTOR, ROUTER, SWITCHER, Op, Value
from .graph import topological_order
from .nn import Module
from .trace import Step, backward_steps, gradients_after

DEFAULT_MAX_NODES = 2000
"""Above this many values ``draw`` refuses: Graphviz takes minutes to lay out much more."""

PATTERNS = (DISTRIBUTOR, SWITCHER, ROUTER, CHAIN)
PATTERN_COLOURS = {
    DISTRIBUTOR: "#c8e6c9",  # green
    SWITCHER: "#ffe0b2",  # orange
    ROUTER: "#d1c4e9",  # purple
    CHAIN: "#cfe3f3",  # blue-grey
}
LOCAL_COLOUR = "#1565c0"  # blue: known from the forward pass
GLOBAL_COLOUR = "#c62828"  # red: what the backward pass sends
UNKNOWN_COLOUR = "#8a8a8a"
ACTIVE_FILL = "#fff3e0"
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
        "title_before": "forward pass done, backward not run: global gradients not known yet",
        "title_after": "backward pass done: ∂L/∂{root} = {seed}",
        "title_step0": "backward step 0 of {n}: ∂L/∂{root} = {seed}, nothing sent back yet",
        "title_step": "backward step {k} of {n}: the {gate} gate ({pattern}) sends {up} back",
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
        "title_before": "순전파 완료, 역전파 전: 전역 기울기는 아직 모름",
        "title_after": "역전파 완료: ∂L/∂{root} = {seed}",
        "title_step0": "역전파 0/{n}단계: ∂L/∂{root} = {seed}, 아직 보낸 기울기 없음",
        "title_step": "역전파 {k}/{n}단계: {gate} 게이트({pattern})가 기울기 {up}을(를) 보냄",
    },
}

INSTALL_HINT = (
    "Rendering a diagram needs Graphviz's `dot` command, and neither `dot` nor `graphviz-pure` "
    "is on PATH. Install either one: the system package (Debian/Ubuntu: `apt-get install "
    "graphviz`, macOS: `brew install graphviz`, Windows: `winget install graphviz`), or the "
    "standalone command `python -m pip install graphviz-pure`. The DOT text itself needs "
    "neither: it is in `.source`."
)


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


class Diagram(graphviz.Digraph):
    """A ``graphviz.Digraph`` that renders with ``dot`` or ``graphviz-pure``, or says how to."""

    def pipe(self, *args: Any, **kwargs: Any) -> Any:
        with _dot_executable():
            return super().pipe(*args, **kwargs)

    def render(self, *args: Any, **kwargs: Any) -> Any:
        with _dot_executable():
            return super().render(*args, **kwargs)


# -- what the picture shows: which gradients are known ---------------------------------------


@dataclass
class _State:
    """The gradients known at the moment drawn, and which step (if any) just ran."""

    grads: dict[Value, float]  # dL/d(node) shown in the node; absent = not known
    done: dict[Value, Step]  # op node -> its step, for the steps already run
    active: Step | None = None
    partial: set[Value] = field(default_factory=set)  # fan-out nodes with uses still to come
    title: str = ""


def _state(root: Value, order: list[Value], step: int | None, t: dict[str, str], p: int) -> _State:
    """Before backward (root.grad == 0): nothing known; after: every grad; or after ``step``."""
    name = root.label or "f"
    if step is None:
        if root.grad == 0.0:
            return _State({}, {}, title=t["title_before"])
        steps = backward_steps(root, root.grad)
        grads = {node: node.grad for node in order}
        title = t["title_after"].format(root=name, seed=_num(root.grad, p))
        return _State(grads, {s.node: s for s in steps}, title=title)
    steps = backward_steps(root)
    if not 0 <= step <= len(steps):
        raise ValueError(f"step must be between 0 and {len(steps)} for this graph, got {step}")
    grads = gradients_after(steps, step)
    done = {s.node: s for s in steps[:step]}
    if step == 0:
        return _State(grads, done, title=t["title_step0"].format(n=len(steps), root=name, seed=1))
    active = steps[step - 1]
    title = t["title_step"].format(
        k=step,
        n=len(steps),
        gate=active.op.symbol,
        pattern=t[active.pattern],
        up=_num(active.upstream, p),
    )
    return _State(grads, done, active, _partial(order, done), title)


def _partial(order: list[Value], done: dict[Value, Step]) -> set[Value]:
    """Nodes that got a gradient from some of their uses but not yet from all of them."""
    uses: dict[Value, int] = {}
    sent: dict[Value, int] = {}
    for node in order:
        for parent in node._prev:
            uses[parent] = uses.get(parent, 0) + 1
            if node in done:
                sent[parent] = sent.get(parent, 0) + 1
    return {node for node, n in sent.items() if n < uses[node]}


# -- labels ---------------------------------------------------------------------------------


def _num(x: float, precision: int) -> str:
    """x to ``precision`` significant digits; never '-0'."""
    return f"{x:.{precision}g}" if x != 0.0 else "0"


_PLAIN = re.compile(r"[\w .,:;+*/=()\-]*", re.ASCII)


def _esc(text: str) -> str:
    """Text safe inside a Graphviz HTML-like label: <, >, &, quotes escaped, newlines as breaks."""
    if _PLAIN.fullmatch(text):
        return text  # the common case, labels like 'x0' or 'w1'
    text = "".join(c if c.isprintable() or c == "\n" else "\ufffd" for c in text)
    text = html.escape(text, quote=False).replace('"', "&quot;").replace("'", "&#39;")
    return text.replace("\n", "<br/>")


def _font(text: str, colour: str) -> str:
    return f'<font color="{colour}">{text}</font>'


def _edge_label(
    local: float, step: Step | None, index: int, active: bool, t: dict[str, str], p: int
) -> str:
    """Two lines: the local gradient (blue) and the global one sent along the edge (red)."""
    line1 = _font(f"{t['local']} {_num(local, p)}", LOCAL_COLOUR)
    if step is None:
        return f"<{line1}<br/>{_font(t['unknown'], UNKNOWN_COLOUR)}>"
    text = f"{t['global']} {_num(step.edges[index].contribution, p)}"
    if active:  # the step being shown spells out the chain rule
        text += f" = {_num(step.upstream, p)} × {_num(local, p)}"
    return f"<{line1}<br/>{_font(text, GLOBAL_COLOUR)}>"


def _table(name: str, rows: list[str], highlight: bool) -> str:
    """The name in bold on the left, the rows (data, grad) stacked: narrow, for long graphs."""
    fill, border = (ACTIVE_FILL, GLOBAL_COLOUR) if highlight else ("white", "#444444")
    head = f'<td rowspan="{len(rows)}"><b>{name}</b></td>' if name else ""
    lines = [
        f'<tr>{head if i == 0 else ""}<td align="left">{row}</td></tr>'
        for i, row in enumerate(rows)
    ]
    return (
        f'<<table border="1" cellborder="0" cellspacing="0" cellpadding="2" color="{border}" '
        f'bgcolor="{fill}">{"".join(lines)}</table>>'
    )


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


def _owners(order: list[Value], objs: list[Module]) -> dict[Value, int]:
    """The innermost module each node was made in, from parameters and graph structure.

    A module holds its parameters, every gate that takes one of them as input, a gate all of
    whose non-constant inputs it holds (an add chain), and an activation applied to its nodes.
    """
    owner: dict[Value, int] = {}
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


@dataclass
class _Picture:
    """Everything one picture needs while its statements are written."""

    state: _State
    t: dict[str, str]
    precision: int
    owner: dict[Value, int]
    collapse: bool
    lines: dict[int | None, list[str]] = field(default_factory=dict)  # per cluster
    edges: list[str] = field(default_factory=list)
    box_out: dict[int, Value] = field(default_factory=dict)  # module -> its output node
    gate_looks: dict[Op, str] = field(default_factory=dict)

    def put(self, unit: int | None, statement: str) -> None:
        self.lines.setdefault(unit, []).append(statement)

    def value(self, vid: str, node: Value, unit: int | None, highlight: bool) -> None:
        t, p = self.t, self.precision
        rows = [f"{t['data']} {_num(node.data, p)}"]
        grad = self.state.grads.get(node)
        if grad is None:
            rows.append(_font(t["grad"] + " ?", UNKNOWN_COLOUR))
        else:
            so_far = f" ({t['so_far']})" if node in self.state.partial else ""
            rows.append(_font(f"{t['grad']} {_num(grad, p)}{so_far}", GLOBAL_COLOUR))
        label = _table(_esc(node.label), rows, highlight)
        self.put(unit, f"\t{vid} [label={label}]\n")

    def gate(self, gid: str, node: Value, unit: int | None, highlight: bool) -> None:
        op = node.op
        assert op is not None
        look = self.gate_looks.get(op)
        if look is None:  # one per op: a big graph has many gates and few ops
            pattern = f'<font point-size="9">{self.t[op.pattern]}</font>'
            colour = PATTERN_COLOURS.get(op.pattern, PATTERN_COLOURS[CHAIN])
            label = f"<<b>{_esc(op.symbol)}</b><br/>{pattern}>"
            look = f'label={label} shape=ellipse style=filled fillcolor="{colour}"'
            self.gate_looks[op] = look
        extra = f' color="{GLOBAL_COLOUR}" penwidth=3' if highlight else ""
        self.put(unit, f"\t{gid} [{look}{extra}]\n")

    def box(self, unit: int, name: str, parent: int | None) -> None:
        """A collapsed module: its name and its output's data and grad."""
        out = self.box_out.get(unit)
        rows = []
        if out is not None:
            grad = self.state.grads.get(out)
            g = "?" if grad is None else _num(grad, self.precision)
            rows.append(f"{self.t['data']} {_num(out.data, self.precision)}")
            rows.append(_font(f"{self.t['grad']} {g}", GLOBAL_COLOUR))
        self.put(parent, f"\tm{unit} [label={_table(_esc(name), rows or [''], False)}]\n")


def _walk(pic: _Picture, order: list[Value], root: Value) -> None:
    """One pass in forward order: a table per value, a gate per op, a labelled edge per input."""
    ids: dict[Value, str] = {}
    state, active = pic.state, pic.state.active
    for i, node in enumerate(order):
        unit = pic.owner.get(node)
        boxed = pic.collapse and unit is not None
        ids[node] = vid = f"m{unit}" if boxed else f"v{i}"
        lit = active is not None and active.node is node
        if not boxed:
            pic.value(vid, node, unit, lit)
        if node.op is None:
            continue
        gid = vid if boxed else f"g{i}"
        if not boxed:
            pic.gate(gid, node, unit, lit)
            pic.edges.append(f'\t{gid} -> {vid} [color="#666666"]\n')
        step = state.done.get(node)
        style = f' color="{GLOBAL_COLOUR}" penwidth=2' if lit else ""
        if step is None:
            style = f' color="{UNKNOWN_COLOUR}" style=dashed'
        for j, (parent, local) in enumerate(zip(node._prev, node._local, strict=True)):
            src = ids[parent]
            if src == gid:
                continue  # both ends inside one collapsed module
            if pic.collapse and parent in pic.owner:
                pic.box_out[pic.owner[parent]] = parent
            label = _edge_label(float(local), step, j, lit, pic.t, pic.precision)
            pic.edges.append(f"\t{src} -> {gid} [label={label}{style}]\n")
    if pic.collapse and root in pic.owner:
        pic.box_out[pic.owner[root]] = root


def _clustered(pic: _Picture, tree: list[_Module]) -> list[str]:
    """Top-level statements, then one (nested) cluster per module; collapsed leaves are boxes."""
    if pic.collapse:
        for unit in sorted(set(pic.owner.values())):
            pic.box(unit, tree[unit].name, tree[unit].parent)
    out = list(pic.lines.get(None, []))
    stack = [(False, i) for i in reversed(range(len(tree))) if tree[i].parent is None]
    while stack:
        close, i = stack.pop()
        if close:
            out.append("\t}\n")
            continue
        if pic.collapse and not tree[i].children:
            continue  # drawn as one box inside its parent's cluster
        out.append(
            f'\tsubgraph cluster_m{i} {{\n\t\tlabel=<{_esc(tree[i].name)}> style="rounded,dashed" '
            'color="#888888" labeljust=l\n'
        )
        out += pic.lines.get(i, [])
        stack.append((True, i))
        stack += [(False, c) for c in reversed(tree[i].children)]
    return out


def _legend(order: list[Value], t: dict[str, str], hidden: dict[Value, int]) -> str:
    """One table: the gate patterns drawn, the two edge colours, the arrows, fan-out."""
    symbols: dict[str, list[str]] = {}
    uses: set[Value] = set()
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
    rows.append(
        f"<tr><td>{_font(t['local'], LOCAL_COLOUR)}</td>"
        f'<td align="left">{_font(t["legend_local"], LOCAL_COLOUR)}</td></tr>'
    )
    rows.append(
        f"<tr><td>{_font(t['global'], GLOBAL_COLOUR)}</td>"
        f'<td align="left">{_font(t["legend_global"], GLOBAL_COLOUR)}</td></tr>'
    )
    rows.append(f'<tr><td>→</td><td align="left">{t["legend_arrow"]}</td></tr>')
    if fan_out:
        rows.append(f'<tr><td>Σ</td><td align="left">{t["legend_sum"]}</td></tr>')
    table = (
        '<table border="0" cellborder="1" cellspacing="0" cellpadding="3" bgcolor="white">'
        + "".join(rows)
        + "</table>"
    )
    return f"\tlegend [label=<{table}> fontsize=10]\n"


# -- the public functions --------------------------------------------------------------------


def _count(root: Value, limit: int | None) -> int:
    """How many nodes ``root`` depends on (itself included), stopping past ``limit``."""
    seen = {root}
    stack = [root]
    while stack and (limit is None or len(seen) <= limit):
        for parent in stack.pop()._prev:
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return len(seen)


def _order_within(root: Value, max_nodes: int) -> list[Value]:
    """The topological order, or a ValueError saying how big the graph is and what to do."""
    if _count(root, max_nodes) > max_nodes:
        total = _count(root, None)
        raise ValueError(
            f"the graph has {total} nodes, more than max_nodes={max_nodes}; draw it anyway with "
            f"draw(..., max_nodes={total}) (Graphviz may take long), or group an nn module's "
            "nodes with draw(..., modules=model, collapse=True)"
        )
    return topological_order(root)


def _text(lang: str) -> dict[str, str]:
    if lang not in TEXT:
        raise ValueError(f"lang must be one of {sorted(TEXT)}, got {lang!r}")
    return TEXT[lang]


def draw(
    root: Value,
    *,
    lang: str = "en",
    rankdir: str = "LR",
    precision: int = 4,
    max_nodes: int = DEFAULT_MAX_NODES,
    step: int | None = None,
    modules: Module | Sequence[Module] | None = None,
    collapse: bool = False,
    legend: bool = True,
    title: str | None = None,
) -> Diagram:
    """The graph of ``root``, every edge labelled: local d(out)/d(in), global dL/d(in) = up x local.

    ``step=None`` draws the graph as it is: before ``root.backward()`` (``root.grad == 0``) the
    global gradients are not known yet; after it, every node shows its ``grad``. ``step=k`` draws
    the pass of ``backward_steps(root)`` after its first k steps, the k-th gate highlighted.
    ``modules`` (an nn Module or a list of them) groups their nodes in clusters; ``collapse``
    draws each innermost module as one box.
    """
    t = _text(lang)
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"rankdir must be 'LR', 'RL', 'TB' or 'BT', got {rankdir!r}")
    if not isinstance(precision, int) or precision < 1:
        raise ValueError(
            f"precision must be a positive int (significant digits), got {precision!r}"
        )
    if not isinstance(root, Value):
        raise TypeError(f"draw needs a Value, got {type(root).__name__}")
    order = _order_within(root, max_nodes)
    state = _state(root, order, step, t, precision)
    tree: list[_Module] = []
    objs: list[Module] = []
    if modules is not None:
        tree, objs = _module_tree([modules] if isinstance(modules, Module) else list(modules))
    pic = _Picture(state, t, precision, _owners(order, objs) if objs else {}, collapse)
    _walk(pic, order, root)
    body = _clustered(pic, tree) + pic.edges
    if legend:
        body.append(_legend(order, t, pic.owner if collapse else {}))
    heading = state.title if title is None else f"{title}\n{state.title}"
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
    """One picture per moment of the backward pass: step 0 (only dL/dL = 1 known) to the last."""
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


_PROLOG = re.compile(r"<\?xml.*?\?>|<!DOCTYPE.*?>|\s+xmlns(:xlink)?=\"[^\"]*\"", re.DOTALL)


def _inline_svg(svg: str) -> str:
    """An SVG for inlining in HTML: no XML prolog, DTD or namespace URLs (HTML needs none)."""
    return _PROLOG.sub("", svg).strip()


def steps_html(root: Value, **options: Any) -> str:
    """One self-contained HTML page: every step's SVG inline and a slider (no network at all)."""
    svgs = [d.pipe(format="svg", encoding="utf-8") for d in draw_steps(root, **options)]
    return _page(svgs, options.get("lang", "en"))


def _page(svgs: list[str], lang: str) -> str:
    ko = lang == "ko"
    heading = "역전파 단계별 보기" if ko else "Backpropagation, step by step"
    divs = "\n".join(
        f'<div class="frame"{"" if k == 0 else " hidden"}>{_inline_svg(svg)}</div>'
        for k, svg in enumerate(svgs)
    )
    return _HTML.format(
        lang=lang, heading=heading, label="단계" if ko else "step", last=len(svgs) - 1, frames=divs
    )


_HTML = """<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<title>{heading}</title>
<style>
body {{ font-family: sans-serif; margin: 1em; }}
.frame svg {{ max-width: 100%; height: auto; }}
#controls {{ display: flex; gap: 0.6em; align-items: center; margin-bottom: 0.5em; }}
input[type=range] {{ width: 24em; }}
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
{frames}
<script>
(function () {{
  var slider = document.getElementById("slider");
  var number = document.getElementById("number");
  function show(k) {{
    k = Math.max(0, Math.min({last}, k));
    slider.value = k;
    number.textContent = k;
    document.querySelectorAll(".frame").forEach(function (f, i) {{ f.hidden = i !== k; }});
  }}
  slider.addEventListener("input", function () {{ show(Number(slider.value)); }});
  document.getElementById("prev").onclick = function () {{ show(Number(slider.value) - 1); }};
  document.getElementById("next").onclick = function () {{ show(Number(slider.value) + 1); }};
  document.addEventListener("keydown", function (e) {{
    if (e.key === "ArrowLeft") show(Number(slider.value) - 1);
    if (e.key === "ArrowRight") show(Number(slider.value) + 1);
  }});
}})();
</script>
</body>
</html>
"""


def write_steps(root: Value, directory: str | Path, stem: str = "steps", **options: Any) -> Path:
    """Write ``stem_00.svg`` ... (one per step) and ``stem.html`` (all of them, a slider)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    svgs = [d.pipe(format="svg", encoding="utf-8") for d in draw_steps(root, **options)]
    for k, svg in enumerate(svgs):
        (directory / f"{stem}_{k:02d}.svg").write_text(svg, encoding="utf-8")
    page = directory / f"{stem}.html"
    page.write_text(_page(svgs, options.get("lang", "en")), encoding="utf-8")
    return page


def mimebundle(value: Value, include: Any = None, exclude: Any = None) -> dict[str, Any]:
    """What Jupyter shows for a Value: its diagram as SVG, and ``repr`` as the text fallback."""
    bundle: dict[str, Any] = {"text/plain": repr(value)}
    # No Graphviz, or too big to draw: the text alone is still right.
    with suppress(GraphvizNotFoundError, ValueError, graphviz.CalledProcessError):
        bundle.update(draw(value)._repr_mimebundle_(include, exclude))
    return bundle
