"""watch(): the dashboard's numbers (the engine's, measured with numpy), its throttle, its
last step, the replay's JSON. No browser here: tests/test_watch_browser.py and
tests/test_jupyterlab.py draw it."""

from __future__ import annotations

import json
import math
import random
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from i18n_scan import shown_literals

from microgradkr import Tensor, Value, nn, watch
from microgradkr.data import make_moons
from microgradkr.viz import watch_dashboard
from microgradkr.viz.watch_dashboard import safe_json
from microgradkr.viz.watch_record import GRID, accuracy, default_loss, histogram

X, LABELS = make_moons(40, noise=0.1, seed=3)
Y = LABELS * 2 - 1


def hinge(model: nn.MLP, x: np.ndarray = X, y: np.ndarray = Y) -> Value:
    scores = [model([Value(a), Value(b)]) for a, b in x]
    total = sum(((1 - yi * s).relu() for yi, s in zip(y, scores, strict=True)), Value(0.0))
    return total * (1.0 / len(x))


def train(w: Any, model: nn.MLP, steps: int) -> Value:
    for _ in range(steps):
        loss = hinge(model)
        model.zero_grad()
        loss.backward()
        w.update(loss)
        for p in model.parameters():
            p.data -= 0.3 * p.grad
    return loss


def mlp(seed: int = 0) -> nn.MLP:
    random.seed(seed)
    return nn.MLP(2, [8, 8, 1])


def test_every_kth_step_is_recorded_and_close_records_the_last() -> None:
    model = mlp()
    w = watch(model, every=5, data=(X, Y))
    loss = train(w, model, 13)
    assert [f["step"] for f in w.frames] == [1, 6, 11]
    w.close()
    assert [f["step"] for f in w.frames] == [1, 6, 11, 13]
    assert w.frames[-1]["loss"] == loss.data and w.losses[-1] == loss.data
    w.close()  # twice: nothing more
    assert len(w.frames) == 4


def test_a_with_block_draws_the_last_step() -> None:
    model = mlp()
    with watch(model, every=4, data=(X, Y)) as w:
        train(w, model, 6)
    assert [f["step"] for f in w.frames] == [1, 5, 6]


def test_the_frame_holds_the_engines_numbers() -> None:
    model = mlp(1)
    w = watch(model, every=1, data=(X, Y), val=(X[:10], Y[:10]))
    loss = hinge(model)
    loss.backward()
    w.update(loss)
    frame = w.frames[-1]
    scores = np.array([model([Value(a), Value(b)]).data for a, b in X])  # the engine's forward
    assert frame["acc"] == pytest.approx(np.mean(np.sign(scores) == Y), abs=1e-3)
    val = np.array([model([Value(a), Value(b)]).data for a, b in X[:10]])
    assert frame["val_loss"] == pytest.approx(np.mean(np.maximum(0, 1 - Y[:10] * val)), rel=1e-3)
    for layer, norm in zip(model.layers, frame["grads"], strict=True):
        assert norm == pytest.approx(math.sqrt(sum(p.grad**2 for p in layer.parameters())), 1e-3)
    hidden = np.array(
        [[v.data for v in model.layers[0]([Value(a), Value(b)])] for a, b in X]
    )  # the first layer's ReLU outputs, from the engine
    assert sum(frame["hists"][0]["counts"]) == hidden.size
    assert frame["hists"][0]["zeros"] == pytest.approx(np.mean(hidden == 0), abs=1e-3)
    assert frame["hists"][0]["hi"] == pytest.approx(hidden.max(), rel=1e-3)
    assert len(frame["grid"]) == GRID * GRID and w.setup["classes"] == 1
    corner = model([Value(w.setup["box"][0]), Value(w.setup["box"][3])]).data  # top left
    assert frame["grid"][0] == pytest.approx(math.tanh(corner), abs=1e-3)


def test_a_tensor_sequential_shows_each_layer_and_leaves_batchnorm_alone() -> None:
    model = nn.Sequential(
        nn.Affine(2, 6, rng=0), nn.BatchNorm1d(6), nn.Sigmoid(), nn.Affine(6, 2, rng=1)
    )
    loss_fn = nn.SoftmaxWithLoss()
    w = watch(model, every=1, data=(X, LABELS))
    loss = loss_fn(model(Tensor(X)), LABELS)
    loss.backward()
    running = model[1].running_mean.data.copy()
    w.update(loss)
    assert np.array_equal(model[1].running_mean.data, running) and model[1].training
    assert w.setup["hist_layers"] == ["2 Sigmoid", "3 Affine"]  # activations and the scores
    assert w.setup["grad_layers"] == ["0 Affine", "1 BatchNorm1d", "3 Affine"]
    frame = w.frames[-1]
    dw = np.sqrt(sum(np.sum(p.grad**2) for p in model[0].parameters()))
    assert frame["grads"][0] == pytest.approx(dw, rel=1e-3)
    sig = frame["hists"][0]
    assert 0 <= sig["lo"] <= sig["hi"] <= 1  # a sigmoid's outputs
    model.eval()
    scores = model(Tensor(X)).data
    assert frame["acc"] == pytest.approx(np.mean(scores.argmax(1) == LABELS), abs=1e-3)
    assert frame["grid"][0] is not None and -1 <= frame["grid"][0] <= 1


def test_default_losses_are_the_known_formulas() -> None:
    y = np.array([1, -1, 1])
    s = np.array([[2.0], [0.5], [-1.0]])
    assert default_loss(s, y) == pytest.approx((0 + 1.5 + 2.0) / 3)  # mean max(0, 1 - y s)
    t = np.array([1, 0, 1])
    bce = -np.mean(
        t * np.log(1 / (1 + np.exp(-s.ravel())))
        + (1 - t) * np.log(1 - 1 / (1 + np.exp(-s.ravel())))
    )
    assert default_loss(s, t) == pytest.approx(bce)
    z = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 5.0]])
    ce = -np.mean([np.log(np.exp(3) / np.exp(z[0]).sum()), np.log(1 / np.exp(z[1]).sum())])
    assert default_loss(z, np.array([2, 0])) == pytest.approx(ce)
    assert (
        accuracy(z, np.array([2, 0])) == 0.5 and accuracy(s, y) == 1 / 3
    )  # signs 1, 1, -1 against 1, -1, 1
    assert histogram(np.array([0.0, 0.0, 1.0, 2.0]))["zeros"] == 0.5


def test_bce_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    s, t = np.array([[2.0], [-0.3], [0.7]]), np.array([1, 0, 0])
    want = torch.nn.functional.binary_cross_entropy_with_logits(
        torch.tensor(s.ravel()), torch.tensor(t, dtype=torch.float64)
    )
    assert default_loss(s, t) == pytest.approx(float(want))


def test_the_widget_is_sent_at_most_fps_times_and_always_the_last_step() -> None:
    pytest.importorskip("anywidget")
    model = mlp()
    w = watch(model, every=2, data=(X, Y), fps=1e-9)  # one send per 30 years: none while training
    sent: list[int] = []
    w.widget.observe(lambda change: sent.append(change["new"]["step"]), names="frame")
    train(w, model, 7)
    assert sent == [1]  # the first frame, sent at once; the rest waits for the end
    w.close()
    assert sent == [1, 7] and w.widget.frame["step"] == 7
    assert w.widget.curve["losses"][-1] == pytest.approx(w.losses[-1], rel=1e-3)
    assert w.widget.status.startswith("step 7: loss ")
    assert len(json.dumps(w.widget.frame)) < 20_000  # a small message


def test_the_end_of_an_ipython_cell_draws_the_last_step(monkeypatch: pytest.MonkeyPatch) -> None:
    hooks: dict[str, list[Any]] = {"post_run_cell": []}

    class Events:
        def register(self, name: str, fn: Any) -> None:
            hooks[name].append(fn)

        def unregister(self, name: str, fn: Any) -> None:
            hooks[name].remove(fn)

    class Shell:
        events = Events()

    monkeypatch.setattr(watch_dashboard, "_ipython", lambda: Shell())
    model = mlp()
    w = watch(model, every=5, data=(X, Y))
    train(w, model, 3)
    for fn in hooks["post_run_cell"]:
        fn(None)
    assert [f["step"] for f in w.frames] == [1, 3]
    w.close()
    assert hooks["post_run_cell"] == []


def test_the_replay_is_one_page_with_every_frame(tmp_path: Path) -> None:
    model = mlp()
    with watch(model, every=3, data=(X, Y), lang="ko") as w:
        loss = train(w, model, 7)
    page = w.save(tmp_path / "training.html").read_text(encoding="utf-8")
    data = re.search(r'<script type="application/json" id="mgk-watch-data">(.*?)</script>', page)
    assert data is not None
    record = json.loads(data.group(1))
    assert [f["step"] for f in record["frames"]] == [1, 4, 7]
    assert record["frames"][-1]["loss"] == loss.data and len(record["losses"]) == 7
    assert record["setup"]["words"]["loss"] == "손실" and '<html lang="ko">' in page
    assert "mgkWatchReplay" in page and "http" not in page.replace("http://www.w3.org", "")


def test_the_replay_json_cannot_end_its_script() -> None:
    evil = {"a": "</script><script>alert(1)</script> & \u2028\u2029 <!--", "n": 1.5}
    out = safe_json(evil)
    assert not set(out) & {"<", ">", "&", "\u2028", "\u2029"}
    assert json.loads(out) == evil


def test_a_diverged_loss_is_a_gap_not_invalid_json(tmp_path: Path) -> None:
    model = mlp()
    w = watch(model, data=(X, Y))
    w.update(Value(float("nan")))
    w.update(Value(1.0))
    record = json.loads(safe_json(w.record()))
    assert record["losses"] == [None, 1.0] and record["frames"][0]["loss"] is None


def test_watch_says_what_is_wrong() -> None:
    model = mlp()
    with pytest.raises(ValueError, match="every"):
        watch(model, every=0)
    with pytest.raises(ValueError, match="fps"):
        watch(model, fps=0)
    with pytest.raises(TypeError, match="model"):
        watch([model])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="data must be a pair"):
        watch(model, data=X)
    with pytest.raises(ValueError, match=r"data must be finite X of shape \(N, D\)"):
        watch(model, data=(X, Y[:3]))
    with pytest.raises(TypeError, match="loss must be"):
        watch(model).update("0.5")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="loss must be one number"):
        watch(model).update(Tensor(np.ones(3)))


def test_without_data_the_dashboard_has_the_loss_and_the_gradient_norms() -> None:
    model = mlp()
    w = watch(model, every=2)
    train(w, model, 3)
    assert w.frames[-1]["grid"] is None and w.frames[-1]["acc"] is None
    assert len(w.frames[-1]["grads"]) == 3 and w.setup["hist_layers"] == []


def test_the_words_are_korean_when_asked() -> None:
    words = watch(mlp(), lang="ko").setup["words"]
    assert words["loss"] == "손실" and words["boundary"] == "결정 경계"
    assert "기울기" in words["grad_norm"] and "계층" in words["grad_norm"]


@pytest.mark.parametrize("name", ["watch.js", "watch_widget.js", "watch_replay.js"])
def test_the_dashboard_shows_no_word_past_the_catalogue(name: str) -> None:
    static = Path(watch_dashboard.__file__).parent / "static"
    assert shown_literals((static / name).read_text(encoding="utf-8")) == []


def test_the_demo_writes_the_replay_of_the_moons_net(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from microgradkr import examples
    from microgradkr.cli import main

    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # the replay needs no Graphviz
    main(["demo", "--out", str(tmp_path), "--lang", "ko"])
    assert str(tmp_path / "training.html") in capsys.readouterr().out
    page = (tmp_path / "training.html").read_text(encoding="utf-8")
    record = json.loads(re.search(r'id="mgk-watch-data">(.*?)</script>', page).group(1))  # type: ignore[union-attr]
    *_, (model, x, y, loss) = examples.moons_training(steps=30)
    assert record["losses"][-1] == loss.data and record["frames"][-1]["step"] == 30
    assert record["frames"][-1]["acc"] > 0.8 and record["setup"]["words"]["step"] == "단계"


def test_a_long_run_sends_thinned_curves() -> None:
    pytest.importorskip("anywidget")
    model = mlp()
    w = watch(model, every=2, fps=1e-9)
    w.widget  # noqa: B018
    for k in range(2500):
        w.update(Value(float(k)))
    w.close()
    curve = w.widget.curve
    assert curve["stride"] == 3 and len(curve["losses"]) == 834
    assert curve["losses"][:3] == [0.0, 3.0, 6.0]  # steps 1, 4, 7
    assert len(curve["summaries"]) <= 1001 and curve["summaries"][-1]["step"] == 2500
    assert (
        len(w.record()["losses"]) == 2500 and len(w.frames) == 1251
    )  # 1, 3, ... 2499 and the last; the replay keeps all
