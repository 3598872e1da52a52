"""The DOT statements of one picture: tables, gates, labelled edges, clusters, legend."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import checks_args
from ..engine import Value
from ..graph import topological_order
from ..i18n import Words
from ..tensor import Tensor
from .checks import Check
from .fmt import Node, arr, norm, num, pattern_text, reduction
from .labels import (
    check_lines,
    coloured,
    edge_label,
    esc,
    grad_line,
    label_text,
    tensor_edge_label,
    value_table,
)
from .modules import Box
from .state import State
from .style import (
    BACKWARD_AREA,
    BACKWARD_COLOUR,
    BACKWARD_FILL,
    CHECK_COLOUR,
    COPY_COLOUR,
    FAR_EDGE,
    GLOBAL_COLOUR,
    LOCAL_COLOUR,
    LONG_EDGE,
    OTHER_COLOUR,
    PATTERN_COLOURS,
    PATTERNS,
    SMALL,
    UNKNOWN_COLOUR,
)

# -- the DOT statements ---------------------------------------------------------------------

BACKWARD = -1
"""The cluster of the nodes a backward(create_graph=True) built (modules are 0, 1, ...)."""


@dataclass
class Picture:
    """Everything one picture needs while its statements are written."""

    state: State
    t: Words
    precision: int
    owner: dict[Node, int]
    collapse: bool
    built: set[Node] = field(default_factory=set)
    checks: dict[tuple[Node, int], Check] = field(default_factory=dict)
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
            data = arr(d, p) if d.size <= SMALL else f"{t['norm']} {norm(d, p)}"
            rows.append(esc(f"{t['data']} {data}"))
            if not node.requires_grad:
                return rows
            if grad is None:
                return rows + [coloured(t["grad"] + " ?", UNKNOWN_COLOUR)]
            return rows + [coloured(esc(f"{t['grad']} {grad}"), GLOBAL_COLOUR)]
        rows = [f"{t['data']} {num(node.data, p)}"]
        return rows + [coloured(*grad_line(grad, node in self.state.partial, t))]

    def value(self, vid: str, node: Node, unit: int | None, highlight: bool) -> None:
        rows = self.rows(node)
        if vid in self.fixed:  # the one layout of a step page: the longest text of every frame
            rows[-1] = coloured(esc(self.fixed[vid][0]), self.fixed[vid][1])
        label = value_table(label_text(node.label), rows, highlight, node in self.built)
        self.put(unit, f'\t{vid} [label={label} id="{vid}"]\n')

    def gate(self, gid: str, node: Node, unit: int | None, highlight: bool) -> None:
        op = node.op
        assert op is not None
        detail = reduction(node, self.t) if isinstance(node, Tensor) else ""
        symbol = op.symbol
        if isinstance(node, Tensor) and len(node._args) == 1 and isinstance(node._args[0], float):
            symbol += num(node._args[0], self.precision)  # x ** k: the exponent, as **2
        look = self.gate_looks.get((op, symbol + detail))
        if look is None:  # one per op: a big graph has many gates and few ops
            pattern = f'<font point-size="9">{esc(pattern_text(op.pattern, self.t))}</font>'
            colour = PATTERN_COLOURS.get(op.pattern, OTHER_COLOUR)
            over = f'<br/><font point-size="9">{esc(detail)}</font>' if detail else ""
            label = f"<<b>{esc(symbol)}</b>{over}<br/>{pattern}>"
            look = f'label={label} shape=ellipse style=filled fillcolor="{colour}"'
            if op.in_backward:
                look += f' color="{BACKWARD_COLOUR}" penwidth=2'
            self.gate_looks[(op, symbol + detail)] = look
        extra = f' color="{GLOBAL_COLOUR}" penwidth=3' if highlight else ""
        self.put(unit, f'\t{gid} [{look}{extra} id="{gid}"]\n')

    def edge_label(self, node: Node, j: int, lit: bool) -> list[str]:
        edge = self.state.edges[(node, j)]
        if isinstance(node, Tensor):
            lines, summed = tensor_edge_label(edge, node in self.state.sent, self.t)
            self.summed = self.summed or summed
            return lines
        return edge_label(edge.local, self.state.edge(node, j), lit, self.t)

    def copy(self, cid: str, node: Node, unit: int | None, k: int, n: int) -> None:
        """The value again beside a far use: its name, its data, which use this is."""
        t, p = self.t, self.precision
        data = num(node.data, p) if isinstance(node, Value) else f"{t['shape']} {node.shape}"
        rows = [f"{t['data']} {esc(data)}", coloured(t["use"].format(k=k, n=n), COPY_COLOUR)]
        label = value_table(label_text(node.label), rows, False).replace(
            'color="#444444"', f'color="{COPY_COLOUR}"'
        )
        self.copied = True
        self.put(unit, f'\t{cid} [label={label} id="{cid}"]\n')

    def box(self, unit: int, name: str, parent: int | None) -> None:
        """A collapsed module: its name and its output's data and grad."""
        out = self.box_out.get(unit)
        rows = self.rows(out) if out is not None else [""]
        self.put(parent, f"\tm{unit} [label={value_table(label_text(name), rows, False)}]\n")


@dataclass
class Plan:
    """Which inputs are drawn from a copy beside their gate, and what Graphviz will lay out."""

    copies: dict[tuple[int, int], tuple[int, int]]  # (node, input j) -> (use k, of n uses)
    size: int  # drawn nodes and copies, plus the ranks every drawn edge crosses


def ranks(order: list[Node], gap: int) -> tuple[list[int], dict[int, list[tuple[int, int]]]]:
    """Each node's rank (an op ``gap`` after its latest input, a leaf ``gap`` before its first
    use), and each node's uses: its index -> [(user's index, input j), ...] in order."""
    index = {node: i for i, node in enumerate(order)}
    rank = [0] * len(order)
    uses: dict[int, list[tuple[int, int]]] = {}
    for i, node in enumerate(order):
        if node._prev:
            rank[i] = max(rank[index[q]] for q in node._prev) + gap
            for j, q in enumerate(node._prev):
                uses.setdefault(index[q], []).append((i, j))
    for i, node in enumerate(order):
        if not node._prev and i in uses:
            rank[i] = min(rank[k] for k, _ in uses[i]) - gap
    return rank, uses


def plan_copies(order: list[Node]) -> Plan:
    """Ranks as ``dot`` gives them (a gate, then its value); a use too far away gets a copy.

    An op's value is two ranks after its latest input; a leaf sits one rank before its first
    use. Any layout ``dot`` finds is no longer in total than this one, so ``size`` bounds its
    work: each edge adds one placed point per rank it crosses.
    """
    rank, uses = ranks(order, 2)
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
    return Plan(copies, size)


def layout_size(root: Value | Tensor) -> int:
    """What Graphviz lays out for ``draw(root)``: drawn nodes plus the ranks each edge crosses."""
    checks_args.node("layout_size", "root", root)
    return plan_copies(topological_order(root)).size


def walk(pic: Picture, order: list[Node], root: Node, plan: Plan | None = None) -> None:
    """One pass in forward order: a table per value, a gate per op, a labelled edge per input.

    An input used far from where it was made (``plan.copies``) is drawn again beside its gate,
    as 'x (use 3 of 50)': the picture stays readable and Graphviz fast.
    """
    ids: dict[Node, str] = {}
    state = pic.state
    tensors = isinstance(root, Tensor)
    copies = plan.copies if plan is not None and not pic.collapse else {}
    for i, node in enumerate(order):
        unit = pic.owner.get(node)
        if unit is None and node in pic.built:
            unit = BACKWARD
        boxed = pic.collapse and node in pic.owner
        ids[node] = vid = f"m{unit}" if boxed else f"v{i}"
        lit = state.active_node is node
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
                lines[1] = coloured(esc(fixed[0]), fixed[1])
            check = pic.checks.get((node, j))
            mark = style
            if check is not None:
                lines += check_lines(check, pic.t, pic.precision)
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


def clustered(pic: Picture, tree: list[Box], what: str) -> list[str]:
    """Top-level statements, the backward pass's cluster, one (nested) cluster per module."""
    if pic.collapse:
        for unit in sorted(set(pic.owner.values())):
            pic.box(unit, tree[unit].name, tree[unit].parent)
    out = list(pic.lines.get(None, []))
    if BACKWARD in pic.lines:
        title = esc(pic.t["backward_area"].format(what=what))
        out.append(
            f"\tsubgraph cluster_backward {{\n\t\tlabel=<{coloured(title, BACKWARD_COLOUR)}> "
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
            f"\tsubgraph cluster_m{i} {{\n\t\tlabel=<{label_text(tree[i].name)}> "
            'style="rounded,dashed" '
            'color="#888888" labeljust=l\n'
        )
        out += pic.lines.get(i, [])
        stack.append((True, i))
        stack += [(False, c) for c in reversed(tree[i].children)]
    return out


def legend_table(order: list[Node], pic: Picture, hidden: dict[Node, int], tensors: bool) -> str:
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
            sym = esc(" ".join(symbols[pattern]))
            rows.append(
                f'<tr><td bgcolor="{colour}">{sym}</td>'
                f'<td align="left">{t["legend_" + pattern]}</td></tr>'
            )

    for pattern in symbols:
        if pattern not in PATTERNS:  # an Op with a pattern of its own
            sym = esc(" ".join(symbols[pattern]))
            own = esc(t["legend_other"].format(pattern=pattern_text(pattern, t)))
            rows.append(
                f'<tr><td bgcolor="{OTHER_COLOUR}">{sym}</td><td align="left">{own}</td></tr>'
            )

    def row(key: str, text: str, colour: str | None = None) -> None:
        left, right = (coloured(key, colour), coloured(text, colour)) if colour else (key, text)
        rows.append(f'<tr><td>{left}</td><td align="left">{right}</td></tr>')

    if tensors:
        row(t["vjp"], esc(t["legend_vjp"]), LOCAL_COLOUR)
        row(t["global"], esc(t["legend_global_t"]), GLOBAL_COLOUR)
    else:
        row(t["local"], t["legend_local"], LOCAL_COLOUR)
        row(t["global"], t["legend_global"], GLOBAL_COLOUR)
    row("→", t["legend_arrow"])
    if fan_out:
        row("Σ", t["legend_sum"])
    if pic.copied:
        row(esc(t["use"].format(k="k", n="n")), esc(t["legend_copy"]), COPY_COLOUR)
    if pic.summed:
        row("Σ", t["legend_summed"])
    if pic.checks:
        verdicts = {c.verdict for c in pic.checks.values()}
        if "bad" in verdicts:
            row("✗", esc(t["legend_mismatch"]), CHECK_COLOUR)
        row("✓", esc(t["legend_checked"]))
        if "kink" in verdicts:
            row("", esc(t["legend_kink"]), UNKNOWN_COLOUR)
    if pic.built:
        rows.append(
            f'<tr><td bgcolor="{BACKWARD_FILL}" color="{BACKWARD_COLOUR}">▭</td>'
            f'<td align="left">{coloured(esc(t["legend_backward"]), BACKWARD_COLOUR)}</td></tr>'
        )
    table = (
        '<table border="0" cellborder="1" cellspacing="0" cellpadding="3" bgcolor="white">'
        + "".join(rows)
        + "</table>"
    )
    return f"\tlegend [label=<{table}> fontsize=10]\n"
