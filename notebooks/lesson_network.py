"""Lesson 10 of the course, "see a whole network learn": its cells, for notebooks/build.py.

Cells are tuples as build.py's: ("markdown", en, ko), ("code", source), ("exercise", source,
solution), ("check", source). build.py puts the setup cells after ``INTRO`` and the explain and
explore cells where ``BODY`` leaves them; kept here because build.py is long already.
"""

from __future__ import annotations


def md(en: str, ko: str) -> tuple[str, str, str]:
    return ("markdown", en, ko)


def code(source: str) -> tuple[str, str]:
    return ("code", source)


INTRO = [
    md(
        "# 10. See a whole network learn\n\n"
        "micrograd's moons demo: an MLP(2, [16, 16, 1]) of `Value` neurons learns to separate "
        "two half moons. `network(model, x)` draws the whole net on one page: the **layers** "
        "as columns, the neurons as tiles, every weight as an edge, orange when positive and "
        "blue when negative, as wide as |w|. Every name is the parameter's label: `L2.n3.w0` is "
        "layer 2, neuron 3, its weight from unit 0 of the layer before. We look at the net "
        "before and after training, switch between three overlays (the weights, their "
        "**gradients** dL/dw, the last update Δw), and check one neuron's gradients by the "
        "chain rule.",
        "# 10. 신경망 전체가 학습하는 모습 보기\n\n"
        "micrograd의 moons 예제입니다. `Value` 뉴런으로 된 MLP(2, [16, 16, 1])가 두 개의 반달을 "
        "나누는 법을 배웁니다. `network(model, x)`는 신경망 전체를 한 페이지에 그립니다: "
        "**계층**(layer)은 열, 뉴런은 타일, 가중치 하나하나는 간선이고, 양수면 주황, 음수면 "
        "파랑, 굵기는 |w|에 비례합니다. 모든 이름은 매개변수의 이름표와 같습니다: `L2.n3.w0`은 "
        "2번째 계층의 뉴런 3이 앞 계층의 0번 단위에서 받는 가중치입니다. 학습 전과 후의 "
        "신경망을 보고, 세 가지 보기(가중치, 그 **기울기**(gradient) dL/dw, 마지막 갱신 Δw)를 "
        "바꿔 가며 비교하고, 뉴런 하나의 기울기를 연쇄법칙으로 확인합니다.",
    ),
]

BEFORE = [
    md(
        "## The data, the net, the loss\n\n"
        "As `demos/train_moons.py`: 100 points with labels y = ±1, and micrograd's loss, the "
        "max-margin loss mean(relu(1 - y · score)) plus 1e-4 · Σ p² (weight decay).",
        "## 데이터, 신경망, 손실\n\n"
        "`demos/train_moons.py`와 같습니다: 점 100개와 레이블 y = ±1, 그리고 micrograd의 손실 "
        "함수인 최대 마진 손실 mean(relu(1 - y · score))에 1e-4 · Σ p²(가중치 감소)를 더한 "
        "값입니다.",
    ),
    code(
        "import random\n\n"
        "from microgradkr import Value, network, optim\n"
        "from microgradkr.data import make_moons\n"
        "from microgradkr.nn import MLP\n"
        "from microgradkr.viz import network_state\n\n"
        "x, t = make_moons(100, noise=0.1, seed=1)\n"
        "y = 2 * t - 1  # the labels 0/1 as -1/+1\n"
        "random.seed(1337)\n"
        "model = MLP(2, [16, 16, 1])\n\n\n"
        "def loss_of(model):\n"
        '    """The max-margin loss over all 100 points plus weight decay, and the accuracy."""\n'
        "    scores = [model([Value(a), Value(b)]) for a, b in x]\n"
        "    losses = [(1 - yi * s).relu() for yi, s in zip(y, scores, strict=True)]\n"
        "    data_loss = sum(losses, Value(0.0)) * (1.0 / len(losses))\n"
        "    reg_loss = 1e-4 * sum((p * p for p in model.parameters()), Value(0.0))\n"
        "    loss = data_loss + reg_loss\n"
        '    loss.label = "L"\n'
        "    right = [(yi > 0) == (s.data > 0) for yi, s in zip(y, scores, strict=True)]\n"
        "    return loss, np.mean(right)\n\n\n"
        "loss, acc = loss_of(model)\n"
        "loss.backward()\n"
        'print(f"{len(model.parameters())} parameters, loss {loss.data:.4f}, accuracy {acc:.0%}")'
    ),
    md(
        "## Before training\n\n"
        "`network(model, x[0], lang=LANG, loss=loss, points=x, labels=t)` returns the page; "
        "`frame` shows it here (nothing is written to a file). The buttons above the net switch "
        "the overlay (weights, gradients, last update, activations for x[0]); hover an edge for "
        "its weight and its dL/dw as a chain-rule sum, "
        "click a neuron to open its gates for the sample x[0]. Each tile is a heat map of that "
        "neuron's output over the plane of the two inputs; the last tile has the data points.",
        "## 학습 전\n\n"
        "`network(model, x[0], lang=LANG, loss=loss, points=x, labels=t)`는 페이지를 돌려주고, "
        "`frame`이 그 페이지를 여기에 보여 줍니다(파일은 쓰지 않습니다). 신경망 위의 단추로 "
        "보기를 바꾸세요. 간선에 마우스를 올리면 그 가중치와 dL/dw를 연쇄법칙의 합으로 볼 수 "
        "있고, 뉴런을 누르면 표본 x[0]에 대한 그 뉴런의 게이트가 열립니다. 타일 하나하나는 두 "
        "입력의 평면 위에서 그 뉴런의 출력을 색으로 나타낸 지도이고, 마지막 타일에는 데이터 "
        "점이 있습니다.",
    ),
    code(
        "net_page = network(model, x[0], lang=LANG, loss=loss, points=x, labels=t)\n"
        "frame(net_page, height=640)"
    ),
    md(
        "At the start the weights are random (uniform in (-1, 1)): edges of every width, the "
        "output tile's boundary is nowhere near the moons. The **update** overlay is empty: no "
        "step has been taken yet.",
        "처음에는 가중치가 무작위(-1과 1 사이 균등 분포)입니다: 간선의 굵기가 제각각이고, 출력 "
        "타일의 경계는 반달과 전혀 맞지 않습니다. 아직 한 단계도 학습하지 않았으므로 **갱신** "
        "보기는 비어 있습니다.",
    ),
]

TRAINING = [
    md(
        "## Training\n\n"
        "Full-batch SGD, W ← W - η · dL/dW, with the **learning rate** η falling from 1.0 to "
        "0.1 as micrograd's demo. Just before the last step we keep `network_state(model)`: "
        "given as `previous=`, it lets the page show that step's update Δw.",
        "## 학습\n\n"
        "전체 배치 SGD, W ← W - η · dL/dW입니다. micrograd의 예제처럼 **학습률**(learning "
        "rate) η는 1.0에서 0.1로 줄어듭니다. 마지막 단계 바로 전에 `network_state(model)`을 "
        "저장해 두면, `previous=`로 넘겨 그 단계의 갱신 Δw를 페이지에서 볼 수 있습니다.",
    ),
    code(
        "opt = optim.SGD(model, lr=1.0)\n"
        "steps = 60\n"
        "for k in range(steps):\n"
        "    loss, acc = loss_of(model)\n"
        "    opt.zero_grad()\n"
        "    loss.backward()\n"
        "    opt.lr = 1.0 - 0.9 * k / steps\n"
        "    before = network_state(model)  # the weights and dL/dw of this step, before it\n"
        "    opt.step()\n"
        "    if k % 10 == 9:\n"
        '        print(f"step {k + 1:2d}  loss {loss.data:.4f}  accuracy {acc:.0%}")\n'
        "last_lr = opt.lr"
    ),
    md(
        "## After training\n\n"
        "The trained net, with the gradient at its final weights (one more backward, no step) "
        "and the last step's update.",
        "## 학습 후\n\n"
        "학습된 신경망입니다. 마지막 가중치에서의 기울기(역전파 한 번 더, 갱신은 하지 않음)와 "
        "마지막 단계의 갱신을 함께 봅니다.",
    ),
    code(
        "loss, acc = loss_of(model)\n"
        "opt.zero_grad()\n"
        "loss.backward()\n"
        'print(f"loss {loss.data:.4f}, accuracy {acc:.0%}")\n'
        "after_page = network(\n"
        "    model, x[0], lang=LANG, loss=loss, previous=before, points=x, labels=t\n"
        ")\n"
        "frame(after_page, height=640)"
    ),
    md(
        "## What to notice\n\n"
        "- **Weights**: a few thick edges now carry the decision; the output tile's boundary "
        "follows the moons, and the hidden tiles are the pieces (each ReLU bends the plane "
        "along one line in the first layer) that the next **layer** adds up.\n"
        "- **dL/dw**: about 40 times smaller than before training (compare the two pages): "
        "near a minimum the loss is flat. An edge into a neuron whose ReLU is off for every "
        "point gets no gradient at all (a dead neuron; this net has none): the chain rule "
        "multiplies by relu's local gradient 0.\n"
        "- **Last update**: Δw = -η · dL/dw of the last step. The gradient overlay shows "
        "dL/dw one step later (at the final weights), so the two pictures are nearly each other "
        "with the colours swapped (the sign flips), not exactly. Widths are scaled per layer: the "
        "learning rate shows in the numbers (hover an edge), and the cell below checks it.",
        "## 눈여겨볼 것\n\n"
        "- **가중치**: 이제 굵은 간선 몇 개가 결정을 맡습니다. 출력 타일의 경계는 반달을 따라가고, "
        "은닉 타일들은 다음 **계층**이 더할 조각입니다(첫 계층에서는 ReLU 하나가 평면을 직선 "
        "하나를 따라 꺾습니다).\n"
        "- **dL/dw**: 학습 전보다 40배쯤 작습니다(두 페이지를 비교해 보세요). 최솟값 근처에서 "
        "손실은 평평하기 때문입니다. 모든 점에서 ReLU가 꺼진 뉴런(죽은 뉴런, 이 신경망에는 "
        "없음)으로 들어가는 간선은 기울기를 전혀 받지 못합니다: 연쇄법칙이 relu의 국소적 미분 "
        "0을 곱하기 때문입니다.\n"
        "- **마지막 갱신**: Δw = -η · dL/dw(마지막 단계의 기울기)입니다. 기울기 보기는 한 단계 "
        "뒤(마지막 가중치)의 dL/dw이므로, 두 그림은 색이 뒤바뀐(부호가 바뀐) 모습에 "
        "가깝지만 똑같지는 않습니다. 굵기는 계층마다 맞춰 그리므로 학습률은 수에서 "
        "보이고(간선에 마우스를 올려 보세요), 아래 셀이 이를 확인합니다.",
    ),
    code(
        "now = network_state(model, previous=before)\n"
        'for i, (row, old) in enumerate(zip(now["layers"], before["layers"], strict=True), 1):\n'
        '    w, grad, update = (np.array(a) for a in (row["w"], old["grad_w"], row["update_w"]))\n'
        "    same = np.allclose(update, -last_lr * grad, rtol=1e-4, atol=1e-9)\n"
        "    print(\n"
        '        f"L{i}: mean |w| {np.abs(w).mean():.3f},",\n'
        '        f"mean |dL/dw| {np.abs(grad).mean():.5f},",\n'
        '        f"mean |Δw| {np.abs(update).mean():.6f}, Δw = -η·dL/dw: {same}",\n'
        "    )"
    ),
    md(
        "## One neuron, by the chain rule\n\n"
        "The output neuron `L3.n0` (hover its edges in the page above). Its weight `L3.n0.w3` "
        "is used once per training point, so dL/dw is a sum of 100 terms, local gradient × "
        "upstream gradient, plus two terms 1e-4 · w from the weight decay's w · w. "
        "`explain(p, loss)` "
        "returns those terms (`.uses`); their sum is `p.grad`, for every parameter of the "
        "neuron:",
        "## 뉴런 하나를 연쇄법칙으로\n\n"
        "출력 뉴런 `L3.n0`입니다(위 페이지에서 그 간선에 마우스를 올려 보세요). 가중치 "
        "`L3.n0.w3`은 훈련 점마다 한 번씩 쓰이므로, dL/dw는 항 100개(국소적 미분 × 상류 "
        "기울기)에 가중치 감소 w · w에서 온 두 항 1e-4 · w를 더한 합입니다. `explain(p, loss)`는 "
        "그 항들(`.uses`)을 돌려주고, 뉴런의 모든 매개변수에서 그 합이 `p.grad`입니다:",
    ),
    code(
        "from microgradkr import explain\n\n"
        "neuron = model.layers[2].neurons[0]\n"
        "for p in neuron.parameters():\n"
        "    terms = [float(u.c) for u in explain(p, loss, precision=12).uses]\n"
        '    print(f"{p.label:9s} {len(terms)} terms, sum {sum(terms): .10f},", end=" ")\n'
        '    print(f"p.grad {p.grad: .10f}")'
    ),
]

ONE_POINT = [
    md(
        "One point's loss is short enough to read whole: the point the net is least sure of "
        "(smallest margin y · score), and its loss relu(1 - y · score).",
        "점 하나의 손실은 통째로 읽을 만큼 짧습니다: 신경망이 가장 덜 확신하는 점(마진 y · score가 "
        "가장 작은 점)과 그 손실 relu(1 - y · score)입니다.",
    ),
    code(
        "scores = [model([Value(a), Value(b)]).data for a, b in x]\n"
        "margins = y * np.array(scores)\n"
        "i = int(np.argmin(margins))\n"
        "opt.zero_grad()\n"
        "one = (1 - y[i] * model([Value(x[i, 0]), Value(x[i, 1])])).relu()\n"
        'one.label = "L"\n'
        "one.backward()\n"
        'print(f"point {i}: margin {margins[i]:.4f}, loss {one.data:.4f}")'
    ),
]

EXERCISE = [
    md(
        "The last step's learning rate was `last_lr`, and the gradient of the bias `L3.n0.b` "
        'just before it was `before["layers"][2]["grad_b"][0]`. By how much did that step '
        "change the bias? (SGD: Δb = -η · dL/db.)",
        "마지막 단계의 학습률은 `last_lr`이고, 그 직전 편향 `L3.n0.b`의 기울기는 "
        '`before["layers"][2]["grad_b"][0]`입니다. 그 단계에서 편향은 얼마나 바뀌었을까요? '
        "(SGD: Δb = -η · dL/db.)",
    ),
]

SOLUTION = 'answer = -last_lr * before["layers"][2]["grad_b"][0]'
CHECK = 'check(answer, neuron.b.data - before["layers"][2]["b"][0], 1e-6)'

WATCH = [
    md(
        "## Watching it learn\n\n"
        "`watch(model, data=(x, t), every=k)` records every k-th step while the net trains: the "
        "**loss** and accuracy curves, the decision boundary, each **layer**'s activation "
        "histogram and **gradient** norm, and the network view. In JupyterLab (with the "
        "`notebook` extra: `pip install 'microgradkr[notebook]'`) put `w` as a cell's last line "
        "to watch it live; here we train a fresh net and replay the record: drag the slider "
        "under the dashboard to move through the steps.",
        "## 학습하는 모습 보기\n\n"
        "`watch(model, data=(x, t), every=k)`는 신경망이 학습하는 동안 k단계마다 기록합니다: "
        "**손실**과 정확도 곡선, 결정 경계, 각 **계층**의 활성화값 분포와 **기울기**의 노름, "
        "그리고 신경망 그림입니다. JupyterLab에서는(`notebook` 추가 패키지: `pip install "
        "'microgradkr[notebook]'`) `w`를 셀의 마지막 줄에 두면 실시간으로 볼 수 있습니다. "
        "여기서는 새 신경망을 학습시키고 기록을 다시 재생합니다: 대시보드 아래의 슬라이더를 "
        "끌어 단계를 옮겨 보세요.",
    ),
    code(
        "from microgradkr import watch\n\n"
        "random.seed(1337)\n"
        "fresh = MLP(2, [16, 16, 1])\n"
        "w = watch(fresh, data=(x, t), every=5, lang=LANG)\n"
        "opt2 = optim.SGD(fresh, lr=1.0)\n"
        "for k in range(40):\n"
        "    loss2, acc2 = loss_of(fresh)\n"
        "    opt2.zero_grad()\n"
        "    loss2.backward()\n"
        "    opt2.lr = 1.0 - 0.9 * k / 40\n"
        "    opt2.step()\n"
        "    w.update(loss2)\n"
        "replay = w.save(OUT / \"10_training.html\")\n"
        "print(f\"{len(w.frames)} frames recorded, last loss {w.frames[-1]['loss']:.4f}\")\n"
        "frame(replay.read_text(encoding=\"utf-8\"), height=900)"
    ),
]
