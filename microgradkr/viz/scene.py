"""One description of a picture of backpropagation, read by every renderer.

``build_scene(root)`` walks the graph once and records, from the engine's own data
(``backward_steps`` for Values, ``edge_grads`` for Tensors, the numerical check): every node
(name, data, grad, gate symbol and pattern, shape, module), every edge (local gradient or VJP
rule, the global gradient it carries = local x upstream, the check), the backward steps with the
gradients each one makes known, the modules and the legend. Renderers (DOT, the page, text) only
format what is here; none of them redoes the chain rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np

from .. import checks_args
from ..engine import Value
from ..graph import topological_order
from ..i18n import LANGS, Words
from ..nn import Module
from ..tensor import Tensor
from .checks import Check, check_edges
from .explain import Explanation, Graph, readable, seed_of
from .fmt import arr, axes_text, grad_text, norm, num, reduction, summed_axes, vjp_rule
from .modules import module_tree, owners
from .style import (
    BACKWARD_COLOUR,
    CHECK_COLOUR,
    GLOBAL_COLOUR,
    LOCAL_COLOUR,
    PATTERN_COLOURS,
    PATTERNS,
    SMALL,
    UNKNOWN_COLOUR,
)
from .words import words


@dataclass
class SceneNode:
    """A value: its name, data and gradient as text; the gate that made it (op, pattern)."""

    id: int
    name: str
    label: str
    data: str
    grad: str | None  # dL/d(node) at the moment drawn; None: not known (or needs no gradient)
    op: str | None = None
    symbol: str | None = None
    pattern: str | None = None
    detail: str = ""  # a reduction's axes ('over axis 1') or a power's exponent
    shape: tuple[int, ...] | None = None
    module: int | None = None
    built: bool = False  # made by backward(create_graph=True)
    param: bool = False
    partial: bool = False  # a fan-out node that has the gradient of some of its uses only
    explain: Explanation | None = None
    by_lang: dict[str, dict[str, str]] = field(default_factory=dict)  # detail per language


@dataclass
class SceneEdge:
    """Input ``index`` of node ``dst`` is node ``src``: local ∂dst/∂src, and what flows back."""

    id: int
    src: int
    dst: int
    index: int
    local: str  # the local gradient (Value) or the VJP rule (Tensor)
    sent: str | None  # the global gradient it carries, local x upstream; None: not sent yet
    up: str | None  # the upstream dL/d(dst) it was made from
    summed: str = ""  # the broadcast axes a Tensor's gradient was summed over ('axis 0')
    check: str = ""  # '', 'ok', 'bad', 'kink', 'skip'
    numerical: str = ""  # the numerical gradient (bad) or why not checked (skip)
    no_grad: bool = False  # the input needs no gradient (a Tensor constant)
    by_lang: dict[str, dict[str, str]] = field(default_factory=dict)  # local, summed per lang
    exact: str = ""  # a Value's local gradient in full (repr), for the products along paths


@dataclass
class SceneStep:
    """Backward step ``index``: gate ``node`` sends ``upstream`` back along ``edges``."""

    index: int
    node: int
    symbol: str
    pattern: str
    upstream: str
    edges: list[int]
    grads: list[tuple[int, str, bool]]  # (node, its gradient after this step, still partial)


@dataclass
class SceneModule:
    """An nn module drawn as a box: its name, parent, children, and its output node."""

    name: str
    parent: int | None
    children: list[int]
    out: int | None
    tag: str = ""  # what its parameters' labels share: 'L1.n0' for an MLP's first neuron


@dataclass
class Scene:
    """Everything a picture shows, in one language; see the module docstring."""

    lang: str
    tensors: bool
    root: int
    seed: str | None  # dL/dL, None before backward (Tensor) ; Values always have their steps
    step: int | None  # the moment drawn: None = as the graph is, k = after k backward steps
    nodes: list[SceneNode]
    edges: list[SceneEdge]
    steps: list[SceneStep]
    modules: list[SceneModule] = field(default_factory=list)
    legend: list[tuple[str, str, str]] = field(default_factory=list)  # (mark, text key, colour)
    title: str = ""
    glossary: str = "dlfs"
    norm: str = ""  # the word a large Tensor's number texts use (the page swaps it on a toggle)
    precision: int = 4  # significant digits of the number texts

    def to_dict(self) -> dict[str, Any]:
        """The scene as JSON-ready data; an explanation as its fields (no engine objects)."""
        d = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "nodes"}
        d["edges"] = [asdict(e) for e in self.edges]
        d["steps"] = [asdict(s) for s in self.steps]
        d["modules"] = [asdict(m) for m in self.modules]
        d["nodes"] = []
        for node in self.nodes:
            out = {f.name: getattr(node, f.name) for f in fields(node) if f.name != "explain"}
            ex = node.explain
            if ex is not None:
                out["explain"] = {
                    "kind": ex.kind,
                    "total": ex.total,
                    "sum": ex.sum() if ex.uses else "",
                    "uses": [[u.op, u.out, u.local, u.up, u.c, u.rules] for u in ex.uses],
                }
            d["nodes"].append(out)
        return d


def value_rows(node: Any, p: int, t: Words) -> tuple[str, tuple[int, ...] | None]:
    """A node's data as text (a Tensor's numbers when small, else its norm) and its shape."""
    if isinstance(node, Tensor):
        d = node.data
        return (arr(d, p) if d.size <= SMALL else f"{t['norm']} {norm(d, p)}"), node.shape
    return num(node.data, p), None


def grad_shown(g: Any, p: int, t: Words) -> str:
    """A gradient as the node shows it: a number, small numbers, or the norm."""
    if isinstance(g, float | int):
        return num(float(g), p)
    g = np.asarray(g)
    return arr(g, p) if g.size <= SMALL else f"{t['norm']} {norm(g, p)}"


def why(check: Check, t: Words, p: int) -> str:
    """Why an edge was not checked, in words: an error's name, or the catalogue's reason."""
    if check.why == "nonfinite":
        return t["why_nonfinite"].format(n=grad_text(check.numerical, p, t))
    if check.why == "no_difference":
        return t["why_no_difference"]
    return check.why


def built_nodes(order: list[Any]) -> set[Any]:
    """The nodes a backward(create_graph=True) built, and the constants only they use."""
    built = {n for n in order if n.op is not None and n.op.in_backward}
    if not built:
        return built
    users: dict[Any, list[Any]] = {}
    for node in order:
        for parent in node._prev:
            users.setdefault(parent, []).append(node)
    for node in order:
        used_by = users.get(node)
        if node.op is None and not node.label and used_by and all(u in built for u in used_by):
            built.add(node)
    return built


def build_scene(
    root: Value | Tensor,
    *,
    lang: str | None = None,
    glossary: str | None = None,
    seen: set[str] | None = None,
    precision: int = 4,
    step: int | None = None,
    modules: Module | Sequence[Module] | None = None,
    check: bool = False,
    explain: bool = True,
    order: list[Any] | None = None,
) -> Scene:
    """The scene of ``root``'s graph at one moment: as it is (``step=None``) or after k steps.

    ``step=-1``: after the last step (what the page needs: it shows the steps itself).

    Values: the steps are ``backward_steps(root, seed)`` (seed = root.grad after backward(),
    else 1); a node's gradient after k steps is the sum of the contributions sent so far
    (``gradients_after``). Tensors: the gradients of ``backward()`` and ``edge_grads()``.
    ``lang``, ``glossary``: None = the ones ``microgradkr.i18n.set_language`` set; ``seen``: the
    document's terms already shown (see ``microgradkr.i18n.text``).
    """
    checks_args.view("build_scene", Module, locals())
    t, p = words(lang, glossary, seen), precision
    lang = t.lang
    order = topological_order(root) if order is None else order
    g = Graph(root, p, order, const=t["const"])
    tensors = isinstance(root, Tensor)
    ids = {node: i for i, node in enumerate(order)}
    built = built_nodes(order)
    checks: dict[tuple[Any, int], Check] = check_edges(order) if check else {}
    mods = [modules] if isinstance(modules, Module) else list(modules or [])
    tree, objs = module_tree(mods, lang) if mods else ([], [])
    owner = owners(order, objs) if objs else {}
    params = {id(q) for m in objs for q in m.parameters()}

    ran = (root.grad is not None) if tensors else not (root.grad == 0.0 and step is None)
    nodes = []
    for i, node in enumerate(order):
        data, shape = value_rows(node, p, t)
        n = SceneNode(i, g.names[node], readable(node.label), data, None, shape=shape)
        n.module = owner.get(node)
        n.built = node in built
        n.param = id(node) in params
        if node.op is not None:
            n.op, n.symbol, n.pattern = node.op.name, node.op.symbol, node.op.pattern
            if isinstance(node, Tensor):
                n.detail = reduction(node, t)
                n.by_lang = {k: {"detail": reduction(node, words(k, t.glossary))} for k in LANGS}
                if len(node._args) == 1 and isinstance(node._args[0], float):
                    n.detail = num(node._args[0], p)  # x ** k: the exponent
                    n.by_lang = {}
        if explain and (not tensors or (ran and node.requires_grad)):
            n.explain = g.explain(node, t, paths=False)  # one node's paths: O(graph) each
        nodes.append(n)

    edges: list[SceneEdge] = []
    for node in order:
        if node.op is None:
            continue
        for j, parent in enumerate(node._prev):
            e = SceneEdge(len(edges), ids[parent], ids[node], j, "", None, None)
            if isinstance(node, Tensor):
                e.local = vjp_rule(node, j, t, p)
                e.no_grad = not parent.requires_grad
                try:
                    axes = summed_axes(node, j)
                except RuntimeError:  # a VJP that refuses to run (a numpy backward's gradient)
                    axes = ()
                e.summed = axes_text(axes, t) if axes else ""
                # the page switches language in place: it needs the other language's texts too
                for k in LANGS:
                    tk = words(k, t.glossary)
                    e.by_lang[k] = {"local": vjp_rule(node, j, tk, p)}
                    e.by_lang[k]["summed"] = axes_text(axes, tk) if axes else ""
            else:
                e.local = num(float(node._local[j]), p)
                e.exact = repr(float(node._local[j]))  # the page multiplies along paths
            c = checks.get((node, j))
            if c is not None:
                e.check = c.verdict
                e.numerical = grad_text(c.numerical, p, t) if c.verdict == "bad" else why(c, t, p)
            edges.append(e)

    steps = value_steps(g, ids, edges, p) if not tensors else tensor_steps(g, ids, edges, p, t)
    scene = Scene(lang, tensors, ids[root], None, step, nodes, edges, steps)
    scene.glossary, scene.norm, scene.precision = t.glossary, t["norm"], int(p)
    if isinstance(root, Value):
        scene.seed = num(seed_of(root), p)
    elif root.grad is not None:
        scene.seed = grad_shown(g.grads[root], p, t)
    moment(scene, step, ran)
    outs = module_outputs(order, owner, ids, root)
    scene.modules = [
        SceneModule(b.name, b.parent, list(b.children), outs.get(k), _new_tag(b.name, objs[k]))
        for k, b in enumerate(tree)
    ]
    scene.legend = legend(scene, order, checks, t)
    return scene


def value_steps(g: Graph, ids: dict[Any, int], edges: list[SceneEdge], p: int) -> list[SceneStep]:
    """The steps of backward_steps, each with the edges it fills and the gradients it makes."""
    by_key = {(e.dst, e.index): e for e in edges}
    uses: dict[int, int] = {}
    for e in edges:
        uses[e.src] = uses.get(e.src, 0) + 1
    known: dict[int, float] = {ids[g.root]: seed_of(g.root)}
    got: dict[int, int] = {}
    out = []
    for s in g.steps:
        dst = ids[s.node]
        eids, grads = [], []
        for j, edge in enumerate(s.edges):
            e = by_key[(dst, j)]
            e.up, e.sent = num(s.upstream, p), num(edge.contribution, p)
            eids.append(e.id)
            src = ids[edge.parent]
            known[src] = known.get(src, 0.0) + edge.contribution
            got[src] = got.get(src, 0) + 1
        for src in dict.fromkeys(ids[e.parent] for e in s.edges):
            grads.append((src, num(known[src], p), got[src] < uses[src]))
        out.append(SceneStep(s.index, dst, s.op.symbol, s.pattern, num(s.upstream, p), eids, grads))
    return out


def tensor_steps(
    g: Graph, ids: dict[Any, int], edges: list[SceneEdge], p: int, t: Words
) -> list[SceneStep]:
    """A Tensor graph's backward as steps (reverse forward order), from backward()'s record."""
    if not g.grads:
        return []
    by_key = {(e.dst, e.index): e for e in edges}
    uses: dict[int, int] = {}
    for e in edges:
        uses[e.src] = uses.get(e.src, 0) + 1
    known: dict[int, Any] = {}
    got: dict[int, int] = {}
    out: list[SceneStep] = []
    for node in reversed(g.order):
        if node.op is None or node not in g.grads:
            continue
        dst = ids[node]
        eids, grads = [], []
        for j, (parent, sent) in enumerate(zip(node._prev, g.sent[node], strict=True)):
            e = by_key[(dst, j)]
            eids.append(e.id)
            if sent is None:
                continue
            e.up, e.sent = grad_text(g.grads[node], p, t), grad_text(sent, p, t)
            src = ids[parent]
            known[src] = known[src] + sent if src in known else sent
            got[src] = got.get(src, 0) + 1
            grads.append((src, grad_shown(known[src], p, t), got[src] < uses[src]))
        up = grad_text(g.grads[node], p, t)
        out.append(SceneStep(len(out) + 1, dst, node.op.symbol, node.op.pattern, up, eids, grads))
    return out


def moment(scene: Scene, step: int | None, ran: bool) -> None:
    """Fill each node's grad and each edge's sent gradient for the moment drawn."""
    n = len(scene.steps)
    if step == -1:  # after the whole pass, whether or not backward() ran
        step = scene.step = n
    if step is not None and not 0 <= step <= n:
        raise ValueError(f"step must be between 0 and {n} for this graph, got {step}")
    k = n if step is None else step
    if not ran:
        k = -1
    sent_edges: set[int] = set()
    if k >= 0:
        scene.nodes[scene.root].grad = scene.seed
        for s in scene.steps[:k]:
            sent_edges.update(s.edges)
            for nid, text, partial in s.grads:
                scene.nodes[nid].grad = text
                scene.nodes[nid].partial = partial and step is not None
    for e in scene.edges:
        if e.id not in sent_edges:
            e.sent = e.up = None


def _new_tag(name: str, module: Module) -> str:
    """The module's place, unless its box's name says it already (L2.n3 · neuron)."""
    place = tag(module)
    return "" if name.split(" · ")[0] == place else place


def tag(module: Module) -> str:
    """The common dotted prefix of a module's parameter labels ('L1.n0' of 'L1.n0.w0', ...)."""
    labels = [readable(p.label).split(".") for p in module.parameters() if isinstance(p.label, str)]
    if not labels or any(len(parts) < 2 for parts in labels):
        return ""
    common = labels[0][:-1]
    for parts in labels[1:]:
        n = 0
        while n < min(len(common), len(parts) - 1) and common[n] == parts[n]:
            n += 1
        common = common[:n]
    return ".".join(common)


def module_outputs(
    order: list[Any], owner: dict[Any, int], ids: dict[Any, int], root: Any
) -> dict[int, int]:
    """Each module's output: its node used outside it (or the root), the last such in order."""
    out: dict[int, int] = {}
    for node in order:
        for parent in node._prev:
            m = owner.get(parent)
            if m is not None and owner.get(node) != m:
                out[m] = ids[parent]
    if root in owner:
        out[owner[root]] = ids[root]
    return out


def legend(
    scene: Scene, order: list[Any], checks: dict[tuple[Any, int], Check], t: Words
) -> list[tuple[str, str, str]]:
    """The legend rows: the gate patterns drawn, the edge colours, fan-out, the marks."""
    symbols: dict[str, list[str]] = {}
    for n in scene.nodes:
        if n.pattern is not None and n.symbol is not None:
            seen = symbols.setdefault(n.pattern, [])
            if n.symbol not in seen:
                seen.append(n.symbol)
    rows = [
        (" ".join(symbols[q]), "legend_" + q, PATTERN_COLOURS[q]) for q in PATTERNS if q in symbols
    ]
    if scene.tensors:
        rows += [("vjp", "legend_vjp", LOCAL_COLOUR), ("global", "legend_global_t", GLOBAL_COLOUR)]
    else:
        rows += [
            ("local", "legend_local", LOCAL_COLOUR),
            ("global", "legend_global", GLOBAL_COLOUR),
        ]
    rows.append(("→", "legend_arrow", ""))
    uses: dict[int, int] = {}
    for e in scene.edges:
        uses[e.src] = uses.get(e.src, 0) + 1
    if any(c > 1 for c in uses.values()):
        rows.append(("Σ", "legend_sum", ""))
    if any(e.summed for e in scene.edges):
        rows.append(("Σ", "legend_summed", ""))
    if checks:
        verdicts = {c.verdict for c in checks.values()}
        if "bad" in verdicts:
            rows.append(("✗", "legend_mismatch", CHECK_COLOUR))
        rows.append(("✓", "legend_checked", ""))
        if "kink" in verdicts:
            rows.append(("", "legend_kink", UNKNOWN_COLOUR))
    if any(n.built for n in scene.nodes):
        rows.append(("▭", "legend_backward", BACKWARD_COLOUR))
    return rows
