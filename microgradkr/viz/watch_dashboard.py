"""``watch(model, data=(X, y))``: a live training dashboard in Jupyter, and its HTML replay.

Every ``update(loss)`` keeps the loss (one float); every ``every``-th step records a frame (the
accuracy, the validation loss and accuracy, each layer's activation histogram and gradient norm,
the decision boundary of 2-D inputs: ``watch_record``); the widget is sent the newest frame at
most ``fps`` times a second, so training never waits for the browser. The last step is always
drawn: ``close()``, the end of a ``with`` block and, in IPython, the end of each cell flush it.
``save(path)`` writes every recorded frame as one offline page with a scrubber.
"""

from __future__ import annotations

import html
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..engine import Value
from ..i18n import current, text
from ..nn import Module
from ..tensor import Tensor
from . import watch_record as rec
from .watch_network import NetRecorder, drawable, net_setup

STATIC = Path(__file__).parent / "static"
WORDS = (
    "title", "step", "loss", "train", "val", "accuracy", "boundary", "activations",
    "grad_norm", "zeros", "waiting", "replay", "network",
)  # fmt: skip
"""The dashboard's words, catalogue keys ``watch.<word>``."""
MAX_POINTS = 500
"""Data points drawn over the decision boundary, at most."""
MAX_CURVE = 1000
"""Points of each curve sent to the widget, at most: a message stays small however long the run."""

LossFn = Callable[[np.ndarray, np.ndarray], float]


def _widget_class() -> Any:
    """The anywidget class, made on first use: anywidget is the optional 'notebook' extra."""
    try:
        import anywidget
        import traitlets
    except ImportError:
        raise ImportError(
            "watch() needs anywidget: pip install 'microgradkr[notebook]' (or: pip install "
            "anywidget)"
        ) from None

    class Watch(anywidget.AnyWidget):
        """The dashboard: ``setup`` once, then the newest ``frame`` and the ``curve`` so far."""

        _esm = script(widget=True)
        _css = styles()
        setup = traitlets.Dict().tag(sync=True)
        frame = traitlets.Dict().tag(sync=True)
        curve = traitlets.Dict().tag(sync=True)
        status = traitlets.Unicode("").tag(sync=True)

    return Watch


def script(widget: bool) -> str:
    """The dashboard's script: anywidget's ES module (exports ``render``) or the replay's; the
    network view's (``mgkNetwork``) first."""
    tail = "watch_widget.js" if widget else "watch_replay.js"
    names = ("network.js", "watch.js", tail)
    return "".join((STATIC / name).read_text(encoding="utf-8") for name in names)


def styles() -> str:
    """The dashboard's style and the network view's."""
    return "".join((STATIC / n).read_text(encoding="utf-8") for n in ("network.css", "watch.css"))


def _xy(pair: Any, name: str) -> tuple[np.ndarray, np.ndarray] | None:
    """(X, y) as arrays, checked: X of shape (N, D), y of N labels."""
    if pair is None:
        return None
    if not isinstance(pair, tuple | list) or len(pair) != 2:
        raise TypeError(f"watch: {name} must be a pair (X, y), got {type(pair).__name__}")
    x, y = np.asarray(pair[0], dtype=float), np.asarray(pair[1])
    if x.ndim != 2 or y.ndim != 1 or len(x) != len(y) or len(x) == 0 or not np.isfinite(x).all():
        raise ValueError(
            f"watch: {name} must be finite X of shape (N, D) and y of N labels, got X {x.shape} "
            f"and y {y.shape}"
        )
    return x, y


def _loss_value(loss: Any) -> float:
    """The loss as a float: a Value's data, a one-element Tensor's item, or a number."""
    if isinstance(loss, Value):
        return float(loss.data)
    if isinstance(loss, Tensor):
        if loss.data.size != 1:
            raise ValueError(f"update: loss must be one number, got a Tensor of shape {loss.shape}")
        return float(loss.item())
    if isinstance(loss, int | float | np.floating | np.integer) and not isinstance(loss, bool):
        return float(loss)
    raise TypeError(
        f"update: loss must be a Value, a Tensor or a number, got {type(loss).__name__}"
    )


def _finite(v: float | None) -> float | None:
    """JSON has no NaN or inf: a diverged loss is drawn as a gap (null)."""
    return v if v is not None and np.isfinite(v) else None


class Watcher:
    """Training, watched: ``update(loss)`` every step, ``close()`` (or ``with``) at the end."""

    def __init__(
        self,
        model: Module,
        every: int,
        data: Any = None,
        val: Any = None,
        loss_fn: LossFn | None = None,
        fps: float = 4.0,
        lang: str | None = None,
        glossary: str | None = None,
    ) -> None:
        if not isinstance(model, Module):
            raise TypeError(f"watch: model must be an nn.Module, got {type(model).__name__}")
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be a positive int (steps between redraws), got {every!r}")
        if isinstance(fps, bool) or not isinstance(fps, int | float) or not fps > 0:
            raise ValueError(f"watch: fps must be a positive number (sends a second), got {fps!r}")
        self.model, self.every, self.fps = model, every, float(fps)
        self.data, self.val = _xy(data, "data"), _xy(val, "val")
        self.loss_fn = loss_fn or rec.default_loss
        self.lang, self.glossary = current(lang, glossary)
        self.forward = rec.layer_outputs(model) if self.data is not None else None
        self.groups = rec.layer_groups(model)
        layers = drawable(model)
        nin = None if layers is None else layers[0].W.shape[1]
        x0 = self.data[0][0] if self.data is not None and self.data[0].shape[1] == nin else None
        self.net = None if layers is None else NetRecorder(model, x0)
        self.setup = self._setup()
        if layers is not None:
            self.setup["network"] = net_setup(layers, x0, self.glossary)
        self.losses: list[float] = []
        self.frames: list[dict[str, Any]] = []
        self._widget: Any = None
        self._sent_at, self._sent_step = -np.inf, 0
        self._shell = _ipython()
        if self._shell is not None:  # the end of each cell draws the last step
            self._shell.events.register("post_run_cell", self._cell_ran)

    @property
    def step(self) -> int:
        """Training steps seen: calls of ``update``."""
        return len(self.losses)

    @property
    def widget(self) -> Any:
        """The Jupyter widget (anywidget), made on first use."""
        if self._widget is None:
            self._widget = _widget_class()(setup=self.setup, status=self._status())
            self._send()
        return self._widget

    def update(self, loss: Value | Tensor) -> bool:
        """Count a training step and keep its loss; record a frame on every ``every``-th."""
        self.losses.append(_loss_value(loss))
        recorded = (self.step - 1) % self.every == 0
        if recorded:
            self.frames.append(self._frame())
        if self._widget is not None and time.monotonic() - self._sent_at >= 1.0 / self.fps:
            self._send()
        return recorded

    def flush(self) -> None:
        """Record the last step if no frame has it yet, and draw it."""
        if self.step and (not self.frames or self.frames[-1]["step"] != self.step):
            self.frames.append(self._frame())
        if self._widget is not None:
            self._send()

    def close(self) -> None:
        """Draw the last step; stop listening for the ends of cells."""
        self.flush()
        if self._shell is not None:
            self._shell.events.unregister("post_run_cell", self._cell_ran)
            self._shell = None

    def __enter__(self) -> Watcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _cell_ran(self, *result: object) -> None:
        self.flush()

    def _setup(self) -> dict[str, Any]:
        """What never changes while training: the words, the layers' names, the data's points."""
        words = {k: text(f"watch.{k}", self.lang, self.glossary) for k in WORDS}
        out: dict[str, Any] = {"lang": self.lang, "words": words, "every": self.every}
        out["grad_layers"] = [name for name, _ in self.groups]
        out["box"], out["points"], out["hist_layers"], out["grid"] = None, [], [], rec.GRID
        out["classes"] = 1
        if self.data is not None and self.forward is not None:
            x, y = self.data
            first = self.forward(x[:1])
            out["hist_layers"] = [name for name, _ in first]
            out["classes"] = int(np.prod(first[-1][1].shape[1:]))
            if x.shape[1] == 2:
                out["box"] = rec.bounds(x)
                step = max(1, len(x) // MAX_POINTS)
                pts = zip(x[::step], y[::step], strict=True)
                out["points"] = [[rec.rounded(a), rec.rounded(b), float(c)] for (a, b), c in pts]
        out["val"] = self.val is not None
        out["network"] = None  # the network view's setup (watch_network) if it can draw the model
        return out

    def _frame(self) -> dict[str, Any]:
        """The dashboard at this step, measured from the model (numpy, no graph built)."""
        frame: dict[str, Any] = {"step": self.step, "loss": _finite(self.losses[-1])}
        frame["grads"] = [rec.rounded(rec.grad_norm(ps)) for _, ps in self.groups]
        frame["acc"] = frame["val_loss"] = frame["val_acc"] = frame["grid"] = None
        frame["hists"] = []
        frame["net"] = None if self.net is None else self.net.frame()
        if self.forward is None or self.data is None:
            return frame
        x, y = self.data
        outs = self.forward(x)
        frame["hists"] = [rec.histogram(a) for _, a in outs]
        frame["acc"] = rec.rounded(rec.accuracy(outs[-1][1], y))
        if self.val is not None:
            scores = self.forward(self.val[0])[-1][1]
            frame["val_loss"] = rec.rounded(self.loss_fn(scores, self.val[1]))
            frame["val_acc"] = rec.rounded(rec.accuracy(scores, self.val[1]))
        if self.setup["box"] is not None:
            frame["grid"] = rec.grid_values(self.forward(rec.grid_points(self.setup["box"]))[-1][1])
        return frame

    def _status(self) -> str:
        if not self.step:
            return text("watch.waiting", self.lang, self.glossary)
        loss = f"{self.losses[-1]:.6g}"
        return text("viz.watch_status", self.lang, self.glossary, k=self.step, loss=loss)

    def _send(self) -> None:
        """The newest frame and the curves so far, in one message."""
        w = self._widget
        if not self.frames or self._sent_step == self.frames[-1]["step"] == self.step:
            return
        self._sent_at = time.monotonic()
        stride = -(-len(self.losses) // MAX_CURVE)  # a long run's curves thinned to MAX_CURVE
        losses = [rec.rounded(v) for v in self.losses[::stride]]
        frames = self.frames[:-1][:: -(-len(self.frames) // MAX_CURVE)] + self.frames[-1:]
        curve = {"losses": losses, "stride": stride, "summaries": [summary(f) for f in frames]}
        with w.hold_sync():
            w.status = self._status()
            w.curve = curve
            w.frame = self.frames[-1]
        self._sent_step = self.frames[-1]["step"]

    def record(self) -> dict[str, Any]:
        """Everything recorded: the setup, every step's loss, every frame."""
        losses = [_finite(v) for v in self.losses]
        return {"setup": self.setup, "losses": losses, "frames": self.frames}

    def save(self, path: str | Path) -> Path:
        """One offline HTML page replaying every recorded frame, with a scrubber."""
        self.flush()
        target = Path(path)
        target.write_text(replay_html(self.record()), encoding="utf-8")
        return target

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


def summary(frame: dict[str, Any]) -> dict[str, Any]:
    """A frame's numbers for the curves (no grid, no histograms)."""
    keys = ("step", "loss", "acc", "val_loss", "val_acc", "grads")
    return {k: frame[k] for k in keys}


def safe_json(data: Any) -> str:
    """JSON that cannot end its <script> or be read as markup: <, >, & and U+2028/9 escaped."""
    out = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for ch in "<>&\u2028\u2029":
        out = out.replace(ch, f"\\u{ord(ch):04x}")
    return out


def replay_html(record: dict[str, Any]) -> str:
    """The replay page: the style, the record as JSON data, the dashboard's script."""
    setup = record["setup"]
    title = html.escape(setup["words"]["replay"])
    css = styles()
    return (
        f'<!DOCTYPE html><html lang="{setup["lang"]}"><head><meta charset="utf-8">'
        f"<title>{title}</title><style>{css}</style></head><body>"
        '<div id="mgk-watch-replay"></div>'
        f'<script type="application/json" id="mgk-watch-data">{safe_json(record)}</script>'
        f"<script>{script(widget=False)}</script></body></html>"
    )


def _ipython() -> Any:
    """The running IPython shell, if any (IPython is not imported for this)."""
    module = sys.modules.get("IPython")
    return module.get_ipython() if module is not None else None


def watch(
    model: Module,
    every: int = 1,
    *,
    data: Any = None,
    val: Any = None,
    loss_fn: LossFn | None = None,
    fps: float = 4.0,
    lang: str | None = None,
    glossary: str | None = None,
) -> Watcher:
    """A live dashboard of training: call ``.update(loss)`` each step; every ``every`` steps it
    records the loss and accuracy curves, each layer's activations and gradient norm and, for
    2-D ``data=(X, y)``, the decision boundary; ``val=(Xv, yv)`` adds validation curves
    (``loss_fn(scores, y)``, by default hinge, BCE or cross-entropy by the labels).

    Show it as a cell's last line (needs ``pip install 'microgradkr[notebook]'``); ``.save(path)``
    writes the replay page (no Jupyter needed).
    """
    return Watcher(model, every, data, val, loss_fn, fps, lang, glossary)
