"""nn modules (layers, neurons) as nested boxes: the tree, and each node's module."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..nn import Module
from .fmt import Node

# -- modules (neurons, layers) as clusters ---------------------------------------------------

ACTIVATIONS = frozenset({"relu", "tanh", "sigmoid"})


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


def module_tree(modules: Sequence[Module]) -> tuple[list[Box], list[Module]]:
    """Every module and sub-module, parents first, named by class and position (Neuron 0.1)."""
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
        name = type(module).__name__ + (" " + ".".join(map(str, path)) if path else "")
        index = len(tree)
        tree.append(Box(name, parent))
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
