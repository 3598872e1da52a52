"""nn modules (layers, neurons) as nested boxes: the tree, and each node's module."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..i18n import Words
from ..nn import Layer, Module, Neuron
from .fmt import Node
from .words import words

# -- modules (neurons, layers) as clusters ---------------------------------------------------

ACTIVATIONS = frozenset({"relu", "tanh", "sigmoid"})
# the catalogue's word, and how many parts of a parameter's label lie below the module
KINDS: dict[type, tuple[str, int]] = {Neuron: ("box_neuron", 1), Layer: ("box_layer", 2)}


@dataclass
class Box:
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


def label_prefix(module: Module, below: int = 1) -> str:
    """The dotted prefix its parameters' labels share, less ``below`` parts (L2.n3 of L2.n3.w0)."""
    labels = [p.label.split(".") for p in module.parameters() if isinstance(p.label, str)]
    if not labels or any(len(parts) <= below for parts in labels):
        return ""
    common = labels[0][:-below]
    for parts in labels[1:]:
        n = 0
        while n < min(len(common), len(parts) - below) and common[n] == parts[n]:
            n += 1
        common = common[:n]
    return ".".join(common)


def box_name(module: Module, path: tuple[int, ...], t: Words) -> str:
    """'L2.n3 · neuron': where its parameters' labels say it lives; else class and position."""
    key, below = KINDS.get(type(module), ("", 1))
    where = label_prefix(module, below)
    if where:
        return f"{where} · {t[key] if key else type(module).__name__}"
    return type(module).__name__ + (" " + ".".join(map(str, path)) if path else "")


def module_tree(
    modules: Sequence[Module], lang: str | None = None
) -> tuple[list[Box], list[Module]]:
    """Every module and sub-module, parents first, named as their parameters (L2.n3 · neuron)."""
    t = words(lang, seen=set())  # a term reads "계층(layer)" at its first box only
    tree: list[Box] = []
    objs: list[Module] = []
    Frame = tuple[tuple[int, ...], Module, "int | None"]  # (position path, module, parent)
    top: tuple[int, ...] = ()
    stack: list[Frame] = [
        ((i,) if len(modules) > 1 else top, m, None) for i, m in enumerate(modules)
    ]
    stack.reverse()
    while stack:
        path, module, parent = stack.pop()
        index = len(tree)
        tree.append(Box(box_name(module, path, t), parent))
        objs.append(module)
        if parent is not None:
            tree[parent].children.append(index)
        subs = _submodules(module)
        stack += [((*path, j), sub, index) for j, sub in reversed(list(enumerate(subs)))]
    return tree, objs


def owners(order: list[Node], objs: list[Module]) -> dict[Node, int]:
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
