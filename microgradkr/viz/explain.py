"""Why is x.grad -7? The chain rule for one value: a sum over its uses, a product along paths.

``explain(x, f)`` reads the engine's own record (``backward_steps`` for Values, ``edge_grads``
for Tensors): dL/dx = sum over the uses of x of local x upstream, and, for Values, the same
number as a sum over every path from x to the output of the product of the local gradients.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import checks_args
from ..engine import Value
from ..graph import topological_order
from ..i18n import LANGS, Words, current
from ..tensor import Tensor
from ..trace import backward_steps
from .fmt import grad_text, num, plain, vjp_rule
from .words import words

MAX_PATHS = 12
"""Paths listed at most; the rest are counted (an MLP's input has one path per neuron chain)."""


@dataclass(frozen=True)
class Use:
    """One use of the value: into gate ``op`` making ``out``; local x upstream = contribution."""

    op: str
    out: str
    local: str  # the number (Value) or the VJP rule (Tensor)
    up: str
    c: str
    edge: tuple[Any, int]  # (the node using the value, the input's position): the scene's edge
    rules: dict[str, str] = field(default_factory=dict)  # a Tensor's VJP rule in each language


@dataclass(frozen=True)
class Path:
    """One path to the output: the names along it, its local gradients and their product."""

    names: tuple[str, ...]
    factors: tuple[str, ...]
    product: str


@dataclass
class Explanation:
    """dL/d(node) as the sum over its uses (and, for Values, over its paths), with numbers."""

    node: str
    root: str
    total: str
    kind: str = "sum"  # 'sum', 'root', 'unused' or 'unknown'
    tensor: bool = False
    uses: list[Use] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    more_paths: int = 0
    lang: str = "en"
    glossary: str = "dlfs"

    def lines(self, lang: str | None = None, glossary: str | None = None) -> list[str]:
        """The explanation as text lines, in English or Korean (default: the one asked for).

        One document: a Korean term reads "기울기(gradient)" at its first use in these lines.
        """
        t = Words("explain.", lang or self.lang, glossary or self.glossary)
        lang = t.lang
        was, now = words(self.lang)["norm"], words(lang)["norm"]  # a large Tensor's numbers

        def nums(s: str) -> str:
            return s.replace(was, now)

        node, root, total = paren(self.node), paren(self.root), nums(self.total)
        if self.kind != "sum":
            return [t[self.kind].format(node=node, root=root, total=total)]
        head = t["head" if len(self.uses) > 1 else "head1"]
        out = [head.format(node=node, root=root, sum=nums(self.sum()), total=total)]
        out.append(t["uses"].format(n=len(self.uses)) if len(self.uses) > 1 else t["use1"])
        for i, u in enumerate(self.uses, 1):
            key = "use_t" if self.tensor else "use"
            rule = u.local if lang == self.lang else u.rules.get(lang, u.local)
            out.append(
                "  "
                + t[key].format(
                    i=i,
                    op=u.op,
                    out=paren(u.out),
                    node=node,
                    root=root,
                    local=u.local,
                    rule=rule,
                    up=nums(u.up),
                    c=nums(u.c),
                )
            )
        if self.paths:
            out.append(t["paths"].format(root=root))
            for path in self.paths:
                out.append(
                    f"  {' → '.join(path.names)}: {' × '.join(path.factors)} = {path.product}"
                )
            if self.more_paths:
                out.append("  " + t["more"].format(n=self.more_paths))
        return out

    def sum(self) -> str:
        """The contributions written as a sum: '-8 + 1', negatives after the first bracketed."""
        parts = [
            u.c if i == 0 or not u.c.startswith("-") else f"({u.c})"
            for i, u in enumerate(self.uses)
        ]
        return " + ".join(parts)

    def __str__(self) -> str:
        return "\n".join(self.lines())


def readable(label: Any) -> str:
    """A label as text every view can show and save: str() of it, a lone surrogate as U+FFFD."""
    text = label if isinstance(label, str) else str(label)
    return text if text.isascii() else _SURROGATE.sub("\ufffd", text)


_SURROGATE = re.compile("[\ud800-\udfff]")


def paren(name: str) -> str:
    """A name as it reads inside ∂: '(dy/dx)' for one with a slash or a space."""
    return f"({name})" if any(c in name for c in "/ ") else name


def names(order: list[Any], const: str = "const") -> dict[Any, str]:
    """A readable name for every node: its label, a constant's value (or ``const``, the word for
    a constant tensor), or op#n in forward order."""
    out: dict[Any, str] = {}
    count = 0
    for node in order:
        if node.label:
            out[node] = readable(node.label)
        elif node.op is None:
            out[node] = num(float(np.sum(node.data)), 4) if np.size(node.data) == 1 else const
        else:
            count += 1
            out[node] = f"{node.op.name}#{count}"
    return out


def seed_of(root: Value) -> float:
    """The seed of the backward pass drawn: root.grad after backward(), else 1."""
    g = root.grad
    return float(g) if isinstance(g, float | int) and g != 0.0 else 1.0


def path_counts(order: list[Any], root: Any) -> dict[Any, int]:
    """How many paths lead from each node to ``root`` (reverse forward order, no recursion)."""
    count: dict[Any, int] = {root: 1}
    for node in reversed(order):
        c = count.get(node, 0)
        for parent in node._prev:
            count[parent] = count.get(parent, 0) + c
    return count


class Graph:
    """What explaining needs once per graph: order, names, users, steps, path counts."""

    def __init__(
        self, root: Any, precision: int = 4, order: list[Any] | None = None, const: str = "const"
    ) -> None:
        self.root = root
        self.p = precision
        self.order = topological_order(root) if order is None else order
        self.names = names(self.order, const)
        self.users: dict[Any, list[tuple[Any, int]]] = {}
        for node in self.order:  # forward order: x's first use comes first
            for j, parent in enumerate(node._prev):
                self.users.setdefault(parent, []).append((node, j))
        self.tensor = isinstance(root, Tensor)
        self.upstream: dict[Any, float] = {}
        self.grads: dict[Any, Any] = {}
        if self.tensor:
            if root.grad is not None:
                self.grads = {n: plain(n.grad) for n in self.order if n.grad is not None}
                self.sent = {n: n.edge_grads() for n in self.order if n.op is not None}
        else:
            try:
                self.steps = backward_steps(root, seed_of(root), order=self.order)
            except RuntimeError:  # a local gradient that refuses (a numpy backward's): unknown
                self.steps = []
            if self.steps or root.op is None:
                self.grads[root] = seed_of(root)
            for step in self.steps:
                self.upstream[step.node] = step.upstream
                for e in step.edges:
                    self.grads[e.parent] = self.grads.get(e.parent, 0.0) + e.contribution
        self._counts: dict[Any, int] | None = None

    @property
    def counts(self) -> dict[Any, int]:
        """Paths from each node to the root, counted on first use (only explaining needs it)."""
        if self._counts is None:
            self._counts = path_counts(self.order, self.root)
        return self._counts

    def text(self, g: Any, t: Words) -> str:
        if self.tensor:
            return grad_text(g, self.p, t)
        return num(float(g), self.p)

    def explain(self, node: Any, t: Words, paths: bool = True) -> Explanation:
        """The explanation of ``node``'s gradient (``t``: the scene's words, for VJP notes);
        without its paths if not ``paths`` (the page finds them itself, on a click)."""
        n, r = self.names.get(node, readable(node.label) or "?"), self.names[self.root]
        kind, total = "sum", "0"
        if node not in self.grads:
            kind = "unknown" if self.tensor else "unused"
        else:
            total = self.text(self.grads[node], t)
            kind = "root" if node is self.root else kind
        ex = Explanation(n, r, total, kind, self.tensor, lang=t.lang, glossary=t.glossary)
        if kind != "sum":
            return ex
        for user, j in self.users.get(node, []):
            op = user.op.symbol
            if self.tensor:
                sent = self.sent.get(user)
                g = sent[j] if sent else None
                c = "?" if g is None else self.text(g, t)
                rule = vjp_rule(user, j, t, self.p)
                # the page and lines() switch language: the rule in the other one too
                rules = {k: vjp_rule(user, j, words(k, t.glossary), self.p) for k in LANGS}
                ex.uses.append(Use(op, self.names[user], rule, "", c, (user, j), rules))
            else:
                up = self.upstream.get(user, 0.0)
                local = float(user._local[j])
                ex.uses.append(
                    Use(
                        op,
                        self.names[user],
                        num(local, self.p),
                        num(up, self.p),
                        num(local * up, self.p),
                        (user, j),
                    )
                )
        if paths and not self.tensor:
            self.add_paths(node, ex)
        return ex

    def add_paths(self, start: Value, ex: Explanation) -> None:
        """The first MAX_PATHS paths from ``start`` to the root, depth first; the rest counted.

        Each stack entry links to the one it came from (no copy of the path so far): linear in
        the graph, however long the paths."""
        total = self.counts.get(start, 0)
        # (node, index of the entry it was reached from, the local gradient of that edge)
        entries: list[tuple[Value, int, float]] = [(start, -1, 1.0)]
        stack = [0]
        while stack and len(ex.paths) < MAX_PATHS:
            at = stack.pop()
            node = entries[at][0]
            if node is self.root:
                ex.paths.append(self.path(entries, at))
                continue
            for user, j in reversed(self.users.get(node, [])):
                stack.append(len(entries))
                entries.append((user, at, float(user._local[j])))
        ex.more_paths = max(0, total - len(ex.paths))

    def path(self, entries: list[tuple[Value, int, float]], at: int) -> Path:
        """The path ending at entry ``at``: names from the start, factors, their product."""
        names_, factors = [], []
        while at >= 0:
            node, at, factor = entries[at]
            names_.append(self.names[node])
            factors.append(factor)
        factors = factors[-2::-1]  # the start's entry has no edge into it
        product = 1.0
        for f in factors:
            product *= f
        texts = tuple(num(f, self.p) if f >= 0 else f"({num(f, self.p)})" for f in factors)
        return Path(tuple(reversed(names_)), texts, num(product, self.p))


def explain(
    value: Value | Tensor,
    root: Value | Tensor,
    lang: str | None = None,
    precision: int = 4,
    *,
    glossary: str | None = None,
) -> Explanation:
    """dL/d(value) for L = ``root`` by the chain rule: sum over uses of local × upstream.

    ``str()`` of the result is the text: 'x.grad = ∂f/∂x = -8 + 1 = -7', one line per use, and
    for Values every path to the output with its product of local gradients. ``lang``,
    ``glossary``: None = the ones ``microgradkr.i18n.set_language`` set.
    """
    lang, glossary = current(lang, glossary)
    if not isinstance(value, Value | Tensor) or not isinstance(root, Value | Tensor):
        raise TypeError("explain needs a Value or Tensor and the output (root) it feeds")
    checks_args.integer("explain", "precision", precision, 1, 30)
    t = words(lang, glossary)
    graph = Graph(root, precision, const=t["const"])
    return graph.explain(value, t)
