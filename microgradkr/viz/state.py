"""What one DOT picture shows: which gradients are known at the moment drawn."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field

from ..i18n import Words
from .explain import readable
from .fmt import Node, pattern_text, short
from .scene import Scene, SceneEdge, SceneStep


@dataclass
class State:
    """The moment drawn, as the scene has it: each gradient and each edge's global gradient as
    text (the renderer formats nothing of its own), which steps ran and which one is lit."""

    grads: dict[Node, str]  # dL/d(node) as the node shows it; absent = not known
    done: dict[Node, SceneStep]  # Value op node -> its step, for the steps already run
    active: SceneStep | None = None
    partial: set[Node] = field(default_factory=set)  # fan-out nodes with uses still to come
    title: str = ""
    sent: set[Node] = field(default_factory=set)  # Tensor op nodes whose edges carry gradients
    edges: dict[tuple[Node, int], SceneEdge] = field(default_factory=dict)
    active_node: Node | None = None

    def edge(self, node: Node, j: int) -> SceneEdge | None:
        """Edge j into ``node`` if its gradient was sent by the moment drawn, else None."""
        if node in self.done or node in self.sent:
            return self.edges.get((node, j))
        return None


def scene_state(scene: Scene, order: list[Node], root: Node, t: Words) -> State:
    """The State of a scene: before backward nothing known; after it every grad; or k steps."""
    nodes = {n.id: order[n.id] for n in scene.nodes}
    edges = {(nodes[e.dst], e.index): e for e in scene.edges}
    name = _root_name(root)
    if scene.nodes[scene.root].grad is None:
        return State({}, {}, title=t["title_before"], edges=edges)
    grads = {nodes[n.id]: n.grad for n in scene.nodes if n.grad is not None}
    partial = {nodes[n.id] for n in scene.nodes if n.partial}
    if scene.tensors:
        sent = {nodes[n.id] for n in scene.nodes if n.op is not None}
        title = t["title_after"].format(root=name, seed=scene.seed)
        return State(grads, {}, title=title, sent=sent, edges=edges)
    k = len(scene.steps) if scene.step is None else scene.step
    done = {nodes[s.node]: s for s in scene.steps[:k]}
    if scene.step is None:
        title = t["title_after"].format(root=name, seed=scene.seed)
        return State(grads, done, title=title, edges=edges)
    n = len(scene.steps)
    if k == 0:
        title = t["title_step0"].format(n=n, root=name, seed=1)
        return State(grads, done, title=title, edges=edges)
    active = scene.steps[k - 1]
    pattern = pattern_text(active.pattern, t)  # first: it comes first in the title's words
    title = t["title_step"].format(
        k=k, n=n, gate=active.symbol, pattern=pattern, up=active.upstream
    )
    return State(grads, done, active, partial, title, edges=edges, active_node=nodes[active.node])


def _root_name(root: Node) -> str:
    """The root's name for 'dL/d<name>': 'f' if unlabelled, '(dy/dx)' for a gradient's label."""
    name = short(readable(root.label)) or "f"
    return f"({name})" if any(c in name for c in "/ ") else name


@dataclass
class Layout:
    """The one picture a step page restyles: a state with nothing lit, each text at its longest."""

    state: State
    texts: dict[str, tuple[str, str]]
    seen: set[str] = field(default_factory=set)  # the step page's terms already shown


LAYOUT: ContextVar[Layout | None] = ContextVar("LAYOUT", default=None)

Slots = tuple[dict[str, tuple[str, str]], dict[str, str]]
"""(slot id -> (text, colour), node or edge id -> class): what one frame shows."""
