"""Write the notebook course, in English (notebooks/en) and Korean (notebooks/ko), from one source.

Every notebook is one list of cells below: markdown cells carry both texts, code cells are shared,
so the two languages run the same code (tests/test_notebooks.py checks it). The only code that
differs is the setup line ``LANG = "en"`` / ``LANG = "ko"``, which picks the diagram labels.
The notebooks are stored without outputs. Run from the repository root after editing:

    python notebooks/build.py
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent

SETUP = '''\
import html
import re
import tempfile
from pathlib import Path

import numpy as np
from IPython.display import HTML, SVG

from microgradkr import GraphvizNotFoundError, draw, set_language

LANG = "{lang}"  # the language of the diagrams, traces, explanations and errors
set_language(LANG)
OUT = Path(tempfile.gettempdir()) / "microgradkr-course"  # the pages explore() writes
OUT.mkdir(exist_ok=True)
np.set_printoptions(precision=5, suppress=True)


def _svg(root, options):
    return draw(root, lang=LANG, **options).pipe(format="svg", encoding="utf-8")


def show(root, **options):
    """The diagram of root as SVG; without Graphviz, what to install instead of the picture.

    A graph wider than the page (left to right) is drawn top to bottom, and shrunk if still wide.
    """
    try:
        svg = _svg(root, options)
        if "rankdir" not in options and _size(svg)[0] > 1000:
            svg = _svg(root, {{**options, "rankdir": "TB"}})
    except GraphvizNotFoundError as err:
        print(err)
        return None
    width, height = _size(svg)
    if width > 700:
        size = 'width="700pt" height="%.0fpt"' % (height * 700 / width)
        svg = re.sub(r'width="[.\\d]+pt" height="[.\\d]+pt"', size, svg, count=1)
    return SVG(svg)


def _size(svg):
    size = re.search(r'width="([.\\d]+)pt" height="([.\\d]+)pt"', svg)
    return float(size[1]), float(size[2])


def frame(page, height=460):
    """An interactive page (the HTML text explore returns) shown here, in a sandboxed frame."""
    style = f"width:100%;height:{{height}}px;border:1px solid #ddd"
    page = html.escape(page, quote=True)
    frame = f'<iframe srcdoc="{{page}}" sandbox="allow-scripts" style="{{style}}"></iframe>'
    return HTML(f"<div>{{frame}}</div>")  # in a div: a bare iframe makes IPython warn


def check(answer, expected, tol=1e-6):
    """The exercise's verdict: not answered yet, correct, or wrong (an AssertionError)."""
    if answer is None:
        print("아직 답이 없습니다 / No answer yet: fill in `answer` above and run both cells.")
        return
    if isinstance(expected, str):
        ok = answer == expected
    else:
        ok = np.shape(answer) == np.shape(expected) and np.allclose(answer, expected, atol=tol)
    assert ok, f"다시 해 보세요 / Not yet: got {{answer!r}}"
    print("정답! / Correct!")\
'''

SETUP_MD = (
    "`show(f)` draws the graph of `f` with `draw` (Graphviz). Every edge carries two numbers: the "
    "**local gradient** and the **global gradient** dL/d(input) that flows along it. Without "
    "Graphviz, `show` prints how to install it and the notebook still runs. A graph too wide for "
    "the page is drawn top to bottom. `frame(page)` shows an interactive page (from `explore`) "
    "in the notebook; the pages are written to the folder `OUT`. `check` grades the exercise at "
    "the end.",
    "`show(f)`는 `draw`(Graphviz)로 `f`의 계산 그래프를 그립니다. 모든 간선에 두 수가 적힙니다: "
    "**국소적 미분**(local gradient)과 그 간선을 따라 흐르는 **전역 "
    "기울기** dL/d(입력)(global gradient)입니다. Graphviz가 없으면 `show`는 설치 방법을 "
    "출력하고 노트북은 그대로 실행됩니다. 페이지보다 넓은 그래프는 위에서 아래로 그립니다. "
    "`frame(page)`는 `explore`가 만든 상호작용 페이지를 노트북 안에 보여 주고, 페이지 파일은 "
    "`OUT` 폴더에 저장됩니다. `check`는 마지막 연습 문제를 채점합니다.",
)


def md(en: str, ko: str) -> tuple[str, str, str]:
    return ("markdown", en, ko)


def code(source: str) -> tuple[str, str]:
    return ("code", source)


def exercise(source: str, solution: str) -> tuple[str, str, str]:
    return ("exercise", source, solution)


def hidden(source: str) -> tuple[str, str]:
    return ("check", source)


EXERCISE = md("## Exercise", "## 연습 문제")


def explained(call: str, en: str, ko: str) -> list[tuple[str, ...]]:
    """A markdown cell on ``explain`` and a cell printing ``call``'s chain-rule sum."""
    return [
        md(
            "## One gradient, explained\n\n`explain(v, root)` writes dL/dv by the chain rule: "
            "one line per use of v (local gradient × upstream gradient, summed), and for scalars "
            "every path to the output with the product of its local gradients. " + en,
            "## 기울기 하나를 풀어 쓰기\n\n`explain(v, root)`는 "
            "dL/dv를 연쇄법칙으로 풀어 씁니다: v가 "
            "쓰인 곳마다 한 줄씩(국소적 미분 × 상류 기울기, 그 합), 스칼라라면 출력까지의 경로마다 "
            "국소적 미분의 곱도 적습니다. " + ko,
        ),
        code(f"from microgradkr import explain\n\nprint(explain({call}, lang=LANG))"),
    ]


def explored(root: str, name: str, options: str = "") -> list[tuple[str, ...]]:
    """A markdown cell on ``explore`` and a cell writing ``root``'s page and showing it here."""
    return [
        md(
            "## The interactive page\n\n`explore(root, path, lang=LANG)` writes the same graph "
            "as one HTML file that works offline, and returns its text. Step through the "
            "backward pass with ← and → (only the gradients known so far are shown), hover an "
            "edge to read local × upstream, click a value to see its `explain`. `frame` shows "
            "the page right here.",
            "## 상호작용 페이지\n\n`explore(root, 경로, lang=LANG)`는 같은 그래프를 오프라인에서도 "
            "열리는 HTML 파일 하나로 쓰고, 그 내용을 돌려줍니다. ←와 "
            "→로 역전파를 한 단계씩 따라가고"
            "(그때까지 알려진 기울기만 보입니다), 간선에 마우스를 올리면 국소적 미분 × 상류 "
            "기울기를, 값을 누르면 그 값의 `explain`을 볼 수 있습니다. `frame`은 그 페이지를 "
            "여기에 보여 줍니다.",
        ),
        code(
            "from microgradkr import explore\n\n"
            f'page = explore({root}, OUT / "{name}.html", lang=LANG{options})\n'
            f'print("open in a browser / 브라우저에서 열기:", OUT / "{name}.html")\n'
            "frame(page)"
        ),
    ]


NOTEBOOKS: dict[str, list[tuple[str, ...]]] = {}

# -- 01: computational graph and chain rule (reference 1a) -------------------------------------
NOTEBOOKS["01_chain_rule"] = [
    md(
        "# 1. The computational graph and the chain rule\n\n"
        "Example 1a of `docs/reference.md`, as in CS231n lecture 4 and chapter 5 of *Deep "
        "Learning from Scratch*: f = (x + y) · z at x = -2, y = 5, z = -4. You will build the "
        "graph, run the **forward pass**, run the **backward pass**, and read every gradient off "
        "the picture.",
        "# 1. 계산 그래프와 연쇄법칙\n\n"
        "`docs/reference.md`의 예 1a입니다. CS231n 4강과 『밑바닥부터 시작하는 딥러닝』 5장처럼 "
        "x = -2, y = 5, z = -4에서 f = (x + y) · z를 계산합니다. **계산 그래프**(computational "
        "graph)를 만들고, **순전파**(forward propagation)와 **역전파**(backward propagation)를 "
        "실행한 뒤, 그림에서 모든 **기울기**(gradient)를 읽어 봅니다.",
    ),
    md(*SETUP_MD),
    code(SETUP),
    md(
        "## Forward\n\nEach `Value` is a node. `q = x + y` is an add node, `f = q * z` a mul "
        "node; the forward pass computes them left to right.",
        "## 순전파\n\n`Value` 하나가 노드 하나입니다. `q = x + y`는 덧셈 노드, `f = q * z`는 곱셈 "
        "노드이고, 순전파는 왼쪽에서 오른쪽으로 값을 계산합니다.",
    ),
    code(
        "from microgradkr import Value\n\n"
        'x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")\n'
        "q = x + y\n"
        'q.label = "q"\n'
        "f = q * z\n"
        'f.label = "f"\n'
        "print(q.data, f.data)"
    ),
    code("show(f)  # before backward: values only, no gradient is known yet"),
    md(
        "## Backward\n\n`f.backward()` starts with df/df = 1 and visits the nodes in reverse. At "
        "each node the **chain rule** multiplies the gradient arriving from above (upstream) by "
        "the node's **local gradient**: dL/d(input) = local × upstream.\n\n"
        "- mul node: df/dq = z = -4, df/dz = q = 3 (each input gets the *other* input)\n"
        "- add node: df/dx = df/dy = 1 × (-4) = -4 (the upstream passes unchanged)",
        "## 역전파\n\n`f.backward()`는 df/df = 1에서 시작해 노드를 거꾸로 방문합니다. 각 노드에서 "
        "**연쇄법칙**(chain rule)은 위에서 내려온 기울기(상류, upstream)에 그 노드의 **국소적 "
        "미분**(local gradient)을 곱합니다: dL/d(입력) = 국소적 미분 × 상류 기울기.\n\n"
        "- 곱셈 노드: df/dq = z = -4, df/dz = q = 3 (입력을 서로 바꿔 곱합니다)\n"
        "- 덧셈 노드: df/dx = df/dy = 1 × (-4) = -4 (상류 기울기를 그대로 흘려보냅니다)",
    ),
    code(
        "f.backward()\n"
        "for v in (f, q, x, y, z):\n"
        '    print(f"{v.label}: value {v.data:6g}   gradient df/d{v.label} = {v.grad:g}")'
    ),
    code("show(f)  # after backward: the local and the global gradient on every edge"),
    md(
        "The same numbers as text: `format_trace` lists the forward values, then one backward "
        "step per node, each edge as local × upstream.",
        "같은 수를 글로 보면: `format_trace`는 순전파 값을 적고, 노드마다 역전파 한 단계씩, 각 "
        "간선을 국소적 미분 × 상류 기울기로 적습니다.",
    ),
    code("from microgradkr import format_trace\n\nprint(format_trace(f))"),
    *explained(
        "x, f",
        "x is used once, by the add node, so its gradient is one term: 1 × (-4).",
        "x는 덧셈 노드에서 한 번 쓰였으므로 기울기는 항 하나입니다: 1 × (-4).",
    ),
    md(
        "## One step at a time\n\n`backward_steps(f)` is the backward pass as data, and "
        "`gradients_after(steps, k)` says which gradients are known after k steps. "
        "`show(f, step=k)` draws that moment.",
        "## 한 단계씩\n\n`backward_steps(f)`는 역전파를 데이터로 돌려주고, "
        "`gradients_after(steps, k)`는 k단계 뒤에 알려진 기울기를 알려 줍니다. `show(f, step=k)`는 "
        "그 순간을 그립니다.",
    ),
    code(
        "from microgradkr import backward_steps, gradients_after\n\n"
        "steps = backward_steps(f)\n"
        "for k in range(len(steps) + 1):\n"
        "    known = gradients_after(steps, k)\n"
        "    print(k, {node.label or node.data: g for node, g in known.items()})"
    ),
    code("show(f, step=1)"),
    *explored("f", "01_chain_rule"),
    md(
        "## Check it numerically\n\nA **numerical derivative** (수치 미분) nudges x by ±h and "
        "measures f. It agrees with backprop.",
        "## 수치 미분으로 확인\n\n**수치 미분**(numerical differentiation)은 x를 ±h만큼 움직여 "
        "f를 잽니다. 역전파의 결과와 같습니다.",
    ),
    code(
        "from microgradkr import numerical_diff\n\n"
        "print(numerical_diff(lambda t: (t + 5.0) * -4.0, -2.0), x.grad)"
    ),
    EXERCISE,
    md(
        "At x = 1, y = 2, z = 3, compute by hand (no code!) the gradients df/dx, df/dy, df/dz "
        "of f = (x + y) · z and write them as a tuple.",
        "x = 1, y = 2, z = 3에서 f = (x + y) · z의 기울기 df/dx, df/dy, df/dz를 (코드 없이) 손으로 "
        "계산해 튜플로 적으세요.",
    ),
    exercise("answer = None  # (df/dx, df/dy, df/dz)", "answer = (3.0, 3.0, 3.0)"),
    hidden(
        "x, y, z = Value(1.0), Value(2.0), Value(3.0)\n"
        "((x + y) * z).backward()\n"
        "check(answer, (x.grad, y.grad, z.grad))"
    ),
]

# -- 02: the sigmoid neuron (reference 1b) -------------------------------------------------------
NOTEBOOKS["02_sigmoid_neuron"] = [
    md(
        "# 2. A sigmoid neuron, gate by gate and fused\n\n"
        "Example 1b: f = σ(w0·x0 + w1·x1 + w2) with w0 = 2, x0 = -1, w1 = -3, x1 = -2, w2 = -3. "
        "First from primitive gates (·, +, ·(-1), exp, +1, 1/x), then with one fused sigmoid "
        "gate. Both must give the same gradients.",
        "# 2. 시그모이드 뉴런: 게이트 하나하나로, 그리고 하나로 묶어서\n\n"
        "예 1b: w0 = 2, x0 = -1, w1 = -3, x1 = -2, w2 = -3에서 f = σ(w0·x0 + w1·x1 + w2). 먼저 "
        "기본 게이트(·, +, ·(-1), exp, +1, 1/x)로 만들고, 다음에 시그모이드 게이트 하나로 "
        "묶습니다. 두 방법의 기울기는 같아야 합니다.",
    ),
    md(*SETUP_MD),
    code(SETUP),
    code(
        "from microgradkr import Value, format_trace\n\n\n"
        "def neuron(fused):\n"
        '    w0, x0 = Value(2.0, "w0"), Value(-1.0, "x0")\n'
        '    w1, x1 = Value(-3.0, "w1"), Value(-2.0, "x1")\n'
        '    w2 = Value(-3.0, "w2")\n'
        "    z = w0 * x0 + w1 * x1 + w2\n"
        "    f = z.sigmoid() if fused else 1 / (1 + (-z).exp())\n"
        '    f.label = "f"\n'
        "    return f, [w0, x0, w1, x1, w2]\n\n\n"
        "f, inputs = neuron(fused=False)\n"
        "f.backward()\n"
        'print(f"f = {f.data:.5f}")\n'
        "for v in inputs:\n"
        '    print(f"df/d{v.label} = {v.grad:.5f}")'
    ),
    code("show(f)"),
    md(
        "Read the backward pass from the right: the 1/x gate's local gradient is "
        "-1/1.36788² = -0.53445; the +1 gate passes it on; exp's local gradient e⁻¹ = 0.36788 "
        "turns it into -0.19661; the ·(-1) gate flips the sign to 0.19661; the add gates "
        "distribute 0.19661; the mul gates switch: df/dw0 = x0 · 0.19661 = -0.19661.",
        "오른쪽부터 역전파를 읽어 봅니다: 1/x 게이트의 국소적 미분은 -1/1.36788² = -0.53445, +1 "
        "게이트는 그대로 전달하고, exp의 국소적 미분 e⁻¹ = 0.36788이 이를 -0.19661로 바꾸며, "
        "·(-1) 게이트가 부호를 뒤집어 0.19661이 됩니다. 덧셈 노드는 0.19661을 그대로 나눠 주고, "
        "곱셈 노드는 입력을 바꿔 곱합니다: df/dw0 = x0 · 0.19661 = -0.19661.",
    ),
    code("print(format_trace(f))"),
    *explained(
        "inputs[0], f",
        "`inputs[0]` is w0: its one path to f passes seven gates, and the "
        "product of their local gradients is -0.19661.",
        "`inputs[0]`은 w0입니다. f까지의 경로 하나가 게이트 일곱 개를 "
        "지나고, 그 국소적 미분들의 곱이 -0.19661입니다.",
    ),
    *explored("f", "02_sigmoid_neuron"),
    md(
        "## The fused gate\n\nThe sigmoid's local gradient is σ(1 - σ); at σ = 0.73106 that is "
        "0.19661, the number the four primitive gates produced together. One gate, one step.",
        "## 하나로 묶은 게이트\n\n시그모이드의 국소적 미분은 σ(1 - "
        "σ)이고, σ = 0.73106에서 0.19661, "
        "기본 게이트 네 개가 함께 만든 바로 그 수입니다. 게이트 하나, 단계 하나.",
    ),
    code(
        "g, fused_inputs = neuron(fused=True)\n"
        "g.backward()\n"
        "print([round(v.grad, 5) for v in inputs])\n"
        "print([round(v.grad, 5) for v in fused_inputs])\n"
        "show(g)"
    ),
    code(
        "from microgradkr import gradcheck\n\n\n"
        "# backprop against central differences, for every input\n"
        "def neuron_f(w0, x0, w1, x1, w2):\n"
        "    return (w0 * x0 + w1 * x1 + w2).sigmoid()\n\n\n"
        "print(gradcheck(neuron_f, [2.0, -1.0, -3.0, -2.0, -3.0]))"
    ),
    EXERCISE,
    md(
        "What is the local gradient of the sigmoid gate when its input is 0? (σ(0) = 0.5.)",
        "시그모이드 게이트의 입력이 0일 때 국소적 미분은 얼마일까요? (σ(0) = 0.5)",
    ),
    exercise("answer = None  # a number", "answer = 0.25"),
    hidden("z0 = Value(0.0)\nz0.sigmoid().backward()\ncheck(answer, z0.grad)"),
]

# -- 03: gate patterns and fan-out (reference 1c) ------------------------------------------------
NOTEBOOKS["03_gate_patterns"] = [
    md(
        "# 3. What gates do to the gradient\n\n"
        "- **add** distributes: each input gets the upstream unchanged\n"
        "- **mul** switches: each input gets upstream × the *other* input\n"
        "- **max** routes: the larger input gets everything, the other 0\n"
        "- **fan-out** sums: a value used twice collects one contribution per use\n\n"
        "Example 1c puts all four in f = 2·(x·y + max(z, w)) + x at x = 3, y = -4, z = 2, w = -1.",
        "# 3. 게이트가 기울기에 하는 일\n\n"
        "- **덧셈 노드**(add)는 분배합니다: 입력마다 상류 기울기를 그대로\n"
        "- **곱셈 노드**(mul)는 바꿉니다: 입력마다 상류 기울기 × *다른* 입력\n"
        "- **max 노드**는 길을 정합니다: 큰 입력이 전부, 다른 입력은 0\n"
        "- **분기**(fan-out)는 더합니다: 두 번 쓰인 값은 쓰인 곳마다 기울기를 받아 합칩니다\n\n"
        "예 1c는 네 가지를 x = 3, y = -4, z = 2, w = -1에서 f = 2·(x·y + max(z, w)) + x 하나에 "
        "담았습니다.",
    ),
    md(*SETUP_MD),
    code(SETUP),
    code(
        "from microgradkr import format_trace\n"
        "from microgradkr.examples import gate_patterns\n\n"
        "f, inputs = gate_patterns()\n"
        "f.backward()\n"
        'print("f =", f.data)\n'
        "for name, v in inputs.items():\n"
        '    print(f"df/d{name} = {v.grad:g}")'
    ),
    code("show(f)"),
    md(
        "x is used twice: by the mul (it gets y · 2 = -8) and by the last add (it gets 1). "
        "Its gradient is the sum: x.grad = -8 + 1 = -7. The trace shows both contributions.",
        "x는 두 번 쓰였습니다: 곱셈 노드에서 y · 2 = -8을, 마지막 덧셈 노드에서 1을 받습니다. "
        "기울기는 그 합입니다: x.grad = -8 + 1 = -7. 추적 결과에 두 기여가 모두 보입니다.",
    ),
    code("print(format_trace(f))"),
    *explained(
        'inputs["x"], f',
        "x is used twice, so its gradient is a sum of two terms: -8 + 1 = -7.",
        "x는 두 번 쓰였으므로 기울기는 두 항의 합입니다: -8 + 1 = -7.",
    ),
    code(
        "from microgradkr import backward_steps\n\n"
        "for step in backward_steps(f):\n"
        "    sent = [(e.parent.label or e.parent.data, e.contribution) for e in step.edges]\n"
        "    print(step.node.label or step.node.op.name, step.pattern, sent)"
    ),
    *explored("f", "03_gate_patterns"),
    EXERCISE,
    md(
        "For f = x·y + max(x, y) at x = 2, y = 5, what is df/dx? Think: what does the mul send "
        "to x, and what does the max send?",
        "x = 2, y = 5에서 f = x·y + max(x, y)의 df/dx는 얼마일까요? 곱셈 노드가 x에 보내는 값과 "
        "max 노드가 보내는 값을 생각해 보세요.",
    ),
    exercise("answer = None  # a number", "answer = 5.0"),
    hidden(
        "from microgradkr import Value\n\n"
        "x, y = Value(2.0), Value(5.0)\n"
        "(x * y + x.max(y)).backward()\n"
        "check(answer, x.grad)"
    ),
]

# -- 04: Jacobians and the L2 example (reference 2a) ---------------------------------------------
NOTEBOOKS["04_jacobian_l2"] = [
    md(
        "# 4. Tensors, Jacobians and vector-Jacobian products\n\n"
        "For a vector function the local gradient is a **Jacobian**. The library never builds "
        "it: every op returns the vector-Jacobian product directly, and a gradient always has "
        "the shape of its variable. Example 2a: f = ‖W x‖² with W = [[0.1, 0.5], [-0.3, 0.8]], "
        "x = [0.2, 0.4].",
        "# 4. 텐서, 야코비 행렬, 벡터-야코비 곱\n\n"
        "벡터 함수의 국소적 미분은 **야코비 행렬**(Jacobian)입니다. 이 라이브러리는 그 행렬을 "
        "만들지 않습니다. 연산마다 벡터-야코비 곱(VJP)을 바로 돌려주고, 기울기는 언제나 그 "
        "변수와 모양이 같습니다. 예 2a: W = [[0.1, 0.5], [-0.3, 0.8]], x = [0.2, 0.4]에서 "
        "f = ‖W x‖².",
    ),
    md(*SETUP_MD),
    code(SETUP),
    code(
        "from microgradkr import Tensor\n\n"
        'W = Tensor([[0.1, 0.5], [-0.3, 0.8]], requires_grad=True, label="W")\n'
        'x = Tensor([0.2, 0.4], requires_grad=True, label="x")\n'
        "q = W @ x\n"
        'q.label = "q"\n'
        "f = (q**2).sum()\n"
        'f.label = "f"\n'
        "f.backward()\n"
        'print("q =", q.data, " f =", round(f.item(), 6))\n'
        'print("df/dq =", q.grad)\n'
        'print("df/dW =", W.grad)\n'
        'print("df/dx =", x.grad)'
    ),
    code("show(f)"),
    md(
        "By hand: df/dq = 2q, df/dW = 2 q xᵀ (an outer product, the shape of W), df/dx = 2 Wᵀ q.",
        "손으로 계산하면: df/dq = 2q, df/dW = 2 q xᵀ (외적이고 W와 모양이 같습니다), "
        "df/dx = 2 Wᵀ q.",
    ),
    code(
        "qv, xv, Wv = q.data, x.data, W.data\n"
        "print(np.allclose(W.grad, 2 * np.outer(qv, xv)), np.allclose(x.grad, 2 * Wv.T @ qv))"
    ),
    *explained(
        "x, f",
        "For a tensor each line names the rule instead of a number: "
        "the VJP Wᵀ g of the upstream gradient g.",
        "텐서에서는 국소적 미분 대신 규칙을 적습니다: 상류 기울기 g의 VJP Wᵀ g.",
    ),
    *explored("f", "04_jacobian_l2"),
    md(
        "## The Jacobian, for once\n\n`jacobian(fn, x)` builds the full matrix dq/dx numerically "
        "(it is W here). The VJP 2q · J is exactly x.grad, without ever storing J.",
        "## 야코비 행렬을 한 번만 만들어 보면\n\n`jacobian(fn, x)`는 dq/dx 전체 행렬을 수치로 "
        "만듭니다(여기서는 W입니다). VJP 2q · J는 J를 저장하지 않고 얻은 x.grad와 같습니다.",
    ),
    code(
        "from microgradkr import jacobian\n\n"
        "J = jacobian(lambda t: Tensor(Wv) @ t, xv)\n"
        "print(J)\n"
        "print(2 * qv @ J, x.grad)"
    ),
    EXERCISE,
    md(
        "With W = [[1, 0], [0, 2]] and x = [1, 1], what is df/dx for f = ‖W x‖²? Give a list or "
        "an array of two numbers.",
        "W = [[1, 0], [0, 2]], x = [1, 1]일 때 f = ‖W x‖²의 df/dx는? 두 수의 리스트나 배열로 "
        "적으세요.",
    ),
    exercise("answer = None  # [df/dx0, df/dx1]", "answer = [2.0, 8.0]"),
    hidden(
        "x2 = Tensor([1.0, 1.0], requires_grad=True)\n"
        "((Tensor([[1.0, 0.0], [0.0, 2.0]]) @ x2) ** 2).sum().backward()\n"
        "check(answer, x2.grad)"
    ),
]

# -- 05: Affine and Softmax-with-Loss (reference 2b, 2c) -----------------------------------------
NOTEBOOKS["05_affine_softmax"] = [
    md(
        "# 5. The Affine layer and Softmax-with-Loss\n\n"
        "Examples 2b and 2c, the **layers** (계층) of the book's chapter 5. Affine: Y = X·W + B "
        "for a batch X (N, D), W (D, M), B (M,): dX = dY·Wᵀ, dW = Xᵀ·dY, dB = dY summed over the "
        "batch. Softmax-with-Loss: dL/da = (y - t) / N.",
        "# 5. Affine 계층과 Softmax-with-Loss 계층\n\n"
        "예 2b와 2c, 책 5장의 **계층**(layer)입니다. Affine: 배치 X (N, D), W (D, M), B (M,)에 "
        "대해 Y = X·W + B, 역전파는 dX = dY·Wᵀ, dW = Xᵀ·dY, dB = 배치 축으로 더한 dY. "
        "Softmax-with-Loss: dL/da = (y - t) / N.",
    ),
    md(*SETUP_MD),
    code(SETUP),
    code(
        "from microgradkr import Tensor\n\n"
        "rng = np.random.default_rng(0)\n"
        'X = Tensor(rng.normal(size=(3, 2)), requires_grad=True, label="X")\n'
        'W = Tensor(rng.normal(size=(2, 4)), requires_grad=True, label="W")\n'
        'B = Tensor(np.zeros(4), requires_grad=True, label="B")\n'
        "Y = X @ W + B\n"
        'Y.label = "Y"\n'
        "dY = rng.normal(size=(3, 4))\n"
        "Y.backward(dY)\n"
        "print(np.allclose(X.grad, dY @ W.data.T), np.allclose(W.grad, X.data.T @ dY))\n"
        'print("dB =", B.grad, "= dY.sum(axis=0) =", dY.sum(axis=0))'
    ),
    code("show(Y)"),
    md(
        "B was broadcast to N rows in the forward pass, so its gradient is the sum of the N "
        "copies' gradients. The same layer, ready made: `nn.Affine`.",
        "순전파에서 B는 N개의 행으로 브로드캐스트되었으므로, 기울기는 N개 복사본의 기울기를 "
        "더한 값입니다. 같은 계층이 `nn.Affine`으로 준비되어 있습니다.",
    ),
    code(
        "from microgradkr import nn\n\n"
        "layer = nn.Affine(2, 4, rng=0)\n"
        "print(layer, layer.W.shape, layer.b.shape)"
    ),
    md(
        "## Softmax, safely\n\nSoftmax subtracts max(a) before exponentiating, so large scores "
        "give no overflow.",
        "## 오버플로 없는 소프트맥스\n\n소프트맥스는 지수를 취하기 전에 max(a)를 빼므로, 큰 "
        "점수에서도 오버플로가 나지 않습니다.",
    ),
    code(
        "from microgradkr import functional as F\n\n"
        "print(F.softmax(Tensor([1010.0, 1000.0, 990.0])).data)\n"
        "print(F.softmax(Tensor([0.3, 2.9, 4.0])).data)"
    ),
    md(
        "## Softmax-with-Loss\n\nThrough softmax and the **cross-entropy error** (교차 엔트로피 "
        "오차) together, the gradient of the scores is (y - t) / N: the prediction minus the "
        "answer.",
        "## Softmax-with-Loss\n\n소프트맥스와 **교차 엔트로피 "
        "오차**(cross-entropy error)를 한꺼번에 "
        "거치면 점수의 기울기는 (y - t) / N, 곧 예측에서 정답을 뺀 값입니다.",
    ),
    code(
        'a = Tensor([[0.3, 2.9, 4.0], [1.0, 0.0, -1.0]], requires_grad=True, label="a")\n'
        "t = np.array([2, 0])  # the correct classes\n"
        "loss_layer = nn.SoftmaxWithLoss()\n"
        "loss = loss_layer(a, t)\n"
        'loss.label = "L"\n'
        "loss.backward()\n"
        'print("loss =", loss.item())\n'
        "onehot = np.eye(3)[t]\n"
        "print(a.grad)\n"
        "print((loss_layer.y - onehot) / 2)"
    ),
    code("show(loss)"),
    *explained(
        "a, loss",
        "Softmax-with-Loss is one node, and its VJP is (y - t) / N.",
        "Softmax-with-Loss는 노드 하나이고, 그 VJP가 (y - t) / N입니다.",
    ),
    *explored("loss", "05_affine_softmax"),
    EXERCISE,
    md(
        "For one example (N = 1) with scores a = [0.3, 2.9, 4.0] and correct class 1, what is "
        "dL/da? Use `F.softmax` for y, then compute the rest yourself (an array of three).",
        "예 하나(N = 1), 점수 a = [0.3, 2.9, 4.0], 정답 클래스 1일 때 dL/da는? y는 `F.softmax`로 "
        "구하고 나머지는 직접 계산하세요(세 수의 배열).",
    ),
    exercise(
        "answer = None  # dL/da",
        "answer = F.softmax(Tensor([0.3, 2.9, 4.0])).data - np.array([0.0, 1.0, 0.0])",
    ),
    hidden(
        "a1 = Tensor([[0.3, 2.9, 4.0]], requires_grad=True)\n"
        "F.cross_entropy(a1, np.array([1])).backward()\n"
        "check(None if answer is None else np.ravel(answer), a1.grad[0])"
    ),
]

# -- 06: numerical differentiation and gradient descent (reference 4) ----------------------------
NOTEBOOKS["06_numerical_gradient_descent"] = [
    md(
        "# 6. Numerical differentiation and gradient descent\n\n"
        "Chapter 4 of the book: a **numerical derivative** by central difference, the "
        "**gradient** of a function of two variables, and **gradient descent** (경사 하강법) with "
        "a **learning rate** (학습률) too large, too small, and right. Then `gradcheck`: "
        "backprop against the numerical derivative.",
        "# 6. 수치 미분과 경사 하강법\n\n"
        "책 4장입니다: 중심 차분으로 구하는 **수치 미분**(numerical differentiation), 변수 두 "
        "개인 함수의 **기울기**(gradient), 그리고 **학습률**(learning rate)이 너무 클 때, 너무 "
        "작을 때, 알맞을 때의 **경사 하강법**(gradient descent). 마지막으로 `gradcheck`로 "
        "역전파를 수치 미분과 비교합니다.",
    ),
    md(*SETUP_MD),
    code(SETUP),
    code(
        "from microgradkr import numerical_diff\n\n\n"
        "def f(x):\n"
        "    return 0.01 * x**2 + 0.1 * x  # the book's function_1\n\n\n"
        "print(numerical_diff(f, 5.0), numerical_diff(f, 10.0))  # 0.2 and 0.3\n\n\n"
        "def cube(x):\n"
        "    return x**3  # its derivative at 2 is 3 * 2**2 = 12\n\n\n"
        "for h in (1e-1, 1e-4, 1e-8, 1e-12):\n"
        '    print(f"h = {h:g}: error {abs(numerical_diff(cube, 2.0, h) - 12):.1e}")'
    ),
    md(
        "h = 1e-4 is the book's choice: a larger h is a coarser slope, a smaller one loses "
        "digits to rounding in float64.",
        "h = 1e-4는 책의 선택입니다. h가 크면 기울기가 거칠고, 작으면 float64의 반올림으로 "
        "자릿수를 잃습니다.",
    ),
    code(
        "from microgradkr import numerical_gradient\n\n\n"
        "def function_2(x):\n"
        "    return x[0] ** 2 + x[1] ** 2\n\n\n"
        "for point in ([3.0, 4.0], [0.0, 2.0], [3.0, 0.0]):\n"
        "    print(point, numerical_gradient(function_2, np.array(point)))"
    ),
    code(
        "from microgradkr import gradient_descent\n\n"
        "for lr in (0.1, 10.0, 1e-10):\n"
        '    print(f"lr = {lr:g}:", gradient_descent(function_2, [-3.0, 4.0], lr=lr, step_num=100))'
    ),
    md(
        "lr = 0.1 reaches the minimum (0, 0); lr = 10 diverges; lr = 1e-10 hardly moves.",
        "lr = 0.1은 최솟값 (0, 0)에 도달하고, lr = 10은 발산하며, lr = 1e-10은 거의 움직이지 "
        "않습니다.",
    ),
    md(
        "## Backprop versus the numerical derivative\n\nThe numerical derivative needs two "
        "forward passes per input; backprop one backward pass for all of them. `gradcheck` "
        "compares the two on every input.",
        "## 역전파와 수치 미분\n\n수치 미분은 입력 하나마다 순전파를 두 번 해야 하지만, 역전파는 "
        "역전파 한 번으로 모든 입력의 기울기를 구합니다. `gradcheck`는 모든 입력에서 두 값을 "
        "비교합니다.",
    ),
    code(
        "from microgradkr import Value, gradcheck\n\n"
        'x0, x1 = Value(3.0, "x0"), Value(4.0, "x1")\n'
        "y = x0**2 + x1**2\n"
        'y.label = "y"\n'
        "y.backward()\n"
        "print(x0.grad, x1.grad)\n"
        "print(gradcheck(lambda a, b: a**2 + b**2, [3.0, 4.0]))\n"
        "show(y)"
    ),
    *explained(
        "x0, y",
        "x0 reaches y through the square (local gradient 2 · x0 = 6) and the add (1).",
        "x0은 제곱(국소적 미분 2 · x0 = 6)과 덧셈(1)을 지나 y에 닿습니다.",
    ),
    *explored("y", "06_numerical_gradient_descent"),
    EXERCISE,
    md(
        "Starting at (3, 4) with lr = 0.1, where is x after ONE step of gradient descent on "
        "f = x0² + x1²?",
        "(3, 4)에서 lr = 0.1로 f = x0² + x1²에 경사 하강법을 한 번 적용하면 x는 어디로 갈까요?",
    ),
    exercise("answer = None  # [x0, x1]", "answer = [2.4, 3.2]"),
    hidden("check(answer, gradient_descent(function_2, [3.0, 4.0], lr=0.1, step_num=1), 1e-6)"),
]

# -- 07: training, optimizers, overfitting (reference 5) -----------------------------------------
NOTEBOOKS["07_training"] = [
    md(
        "# 7. Training: optimizers and overfitting\n\n"
        "A two-layer net learns the two moons. We train it with each **optimizer** of the book "
        "(SGD, Momentum, AdaGrad, RMSProp, Adam, and AdaDelta), then make it **overfit** "
        "(오버피팅) on a tiny training set and watch the gap between training and test loss.",
        "# 7. 학습: 옵티마이저와 오버피팅\n\n"
        "2층 신경망이 두 개의 반달(moons) 데이터를 배웁니다. 책의 **옵티마이저**(optimizer) "
        "(SGD, 모멘텀, AdaGrad, RMSProp, Adam, 그리고 AdaDelta)로 하나씩 학습시킨 다음, 아주 작은 "
        "훈련 데이터로 **오버피팅**(overfitting)을 일으켜 훈련 손실과 시험 손실의 차이를 "
        "봅니다.",
    ),
    md(*SETUP_MD),
    code(SETUP),
    code(
        "from microgradkr import Tensor, nn, optim\n"
        "from microgradkr.data import make_moons, train_test_split\n\n"
        "x, t = make_moons(300, noise=0.2, seed=0)\n"
        "x_train, x_test, t_train, t_test = train_test_split(x, t, test_size=0.3)\n"
        "print(x_train.shape, x_test.shape)\n\n\n"
        "def net(seed=0, hidden=16):\n"
        "    layers = [nn.Affine(2, hidden, rng=seed), nn.ReLU(), "
        "nn.Affine(hidden, 2, rng=seed + 1)]\n"
        "    return nn.Sequential(*layers)\n\n\n"
        "def accuracy(model, x, t):\n"
        "    return float((model(Tensor(x)).data.argmax(axis=1) == t).mean())"
    ),
    md(
        "## One training step\n\nForward, loss, backward, update: `opt.zero_grad()`, "
        "`loss.backward()`, `opt.step()`.",
        "## 학습 한 단계\n\n순전파, 손실, 역전파, 갱신: `opt.zero_grad()`, `loss.backward()`, "
        "`opt.step()`.",
    ),
    code(
        "loss_layer = nn.SoftmaxWithLoss()\n\n\n"
        "def train(model, opt, x, t, epochs=200):\n"
        "    for _ in range(epochs):\n"
        "        opt.zero_grad()\n"
        "        loss = loss_layer(model(Tensor(x)), t)\n"
        "        loss.backward()\n"
        "        opt.step()\n"
        "    return loss.item()\n\n\n"
        "OPTIMIZERS = {\n"
        '    "SGD": lambda p: optim.SGD(p, lr=0.1),\n'
        '    "Momentum": lambda p: optim.Momentum(p, lr=0.1),\n'
        '    "AdaGrad": lambda p: optim.AdaGrad(p, lr=0.1),\n'
        '    "RMSProp": lambda p: optim.RMSProp(p, lr=0.01),\n'
        '    "Adam": lambda p: optim.Adam(p, lr=0.01),\n'
        '    "AdaDelta": lambda p: optim.AdaDelta(p),\n'
        "}\n"
        "results = {}\n"
        "for name, make in OPTIMIZERS.items():\n"
        "    model = net()\n"
        "    results[name] = train(model, make(model.parameters()), x_train, t_train)\n"
        "    acc = accuracy(model, x_test, t_test)\n"
        '    print(f"{name:9s} loss {results[name]:.4f}  test accuracy {acc:.2f}")'
    ),
    md(
        "Same net, same start, same data: only the update rule differs. AdaDelta has no real "
        "learning rate and its first steps are tiny, so 200 steps leave it far behind.",
        "같은 신경망, 같은 초깃값, 같은 데이터에서 갱신 규칙만 다릅니다. AdaDelta는 사실상 "
        "학습률이 없고 첫 걸음이 아주 작아서 200단계 뒤에도 한참 뒤처집니다.",
    ),
    md(
        "## A small graph of the whole step\n\nThe loss of a tiny net on two examples, drawn: "
        "every parameter's gradient is on an edge. (`show(small_loss, modules=tiny, "
        "collapse=True)` draws each layer as one box.)",
        "## 학습 한 단계의 작은 그래프\n\n예 두 개에 대한 작은 신경망의 손실을 그려 보면, 모든 "
        "매개변수의 기울기가 간선 위에 있습니다. (`show(small_loss, "
        "modules=tiny, collapse=True)`는 "
        "계층 하나를 상자 하나로 그립니다.)",
    ),
    code(
        "tiny = nn.Sequential(nn.Affine(2, 3, rng=0), nn.ReLU(), nn.Affine(3, 2, rng=1))\n"
        "small_loss = loss_layer(tiny(Tensor(x_train[:2])), t_train[:2])\n"
        'small_loss.label = "L"\n'
        "small_loss.backward()\n"
        'show(small_loss, rankdir="TB")  # top to bottom: a long chain fits the page better'
    ),
    *explained(
        "tiny.parameters()[0], small_loss",
        "`tiny.parameters()[0]` is the first Affine layer's W; the Affine node's VJP "
        "gives it xᵀ g.",
        "`tiny.parameters()[0]`은 첫 번째 Affine 계층의 W이고, Affine 노드의 VJP가 xᵀ g를 줍니다.",
    ),
    *explored("small_loss", "07_training", ", modules=tiny"),
    md(
        "## Overfitting\n\nTwenty training examples, a wide net (64 hidden units), many "
        "steps. The training loss goes to 0 and the training accuracy to 1, while the loss on "
        "the test data, which the net never sees, *rises*: the net memorises the twenty points "
        "instead of learning the moons. A widening gap between the two is overfitting.",
        "## 오버피팅\n\n훈련 데이터 20개, 넓은 신경망(은닉 뉴런 64개), 많은 학습 단계. 훈련 손실은 "
        "0으로, 훈련 정확도는 1로 가지만, 신경망이 한 번도 보지 못한 시험 데이터의 손실은 오히려 "
        "*올라갑니다*. 신경망이 반달 모양을 배우지 않고 점 20개를 외워 버린 것입니다. 두 값의 "
        "차이가 벌어지는 것이 오버피팅입니다.",
    ),
    code(
        "x_few, t_few = x_train[:20], t_train[:20]\n"
        "model = net(seed=3, hidden=64)\n"
        "opt = optim.Adam(model.parameters(), lr=0.01)\n"
        "for epoch in range(1, 501):\n"
        "    opt.zero_grad()\n"
        "    loss = loss_layer(model(Tensor(x_few)), t_few)\n"
        "    loss.backward()\n"
        "    opt.step()\n"
        "    if epoch in (10, 50, 100, 300, 500):\n"
        "        test_loss = loss_layer(model(Tensor(x_test)), t_test).item()\n"
        "        print(\n"
        '            f"epoch {epoch:3d}: train loss {loss.item():.3f}, '
        'test loss {test_loss:.3f},",\n'
        '            f"train acc {accuracy(model, x_few, t_few):.2f},",\n'
        '            f"test acc {accuracy(model, x_test, t_test):.2f}",\n'
        "        )"
    ),
    EXERCISE,
    md(
        "Which optimizer reached the lowest training loss in the table above? Write its name "
        'as a string, e.g. `"SGD"`.',
        '위 표에서 훈련 손실이 가장 낮은 옵티마이저는? 이름을 문자열로 적으세요(예: `"SGD"`).',
    ),
    exercise("answer = None  # a name", "answer = min(results, key=results.get)"),
    hidden("check(answer, min(results, key=results.get))"),
]

# -- 08: convolution (book ch.7, CS231n lecture 5) -------------------------------------------------
NOTEBOOKS["08_convolution"] = [
    md(
        "# 8. Convolution through im2col\n\n"
        "Chapter 7 of the book: `im2col` unrolls every filter-sized patch of the input into a "
        "row, so a **convolution** (합성곱) becomes one matrix product, and its backward is the "
        "Affine layer's backward followed by `col2im`. The output size is "
        "OH = (H + 2·pad - FH) / stride + 1.",
        "# 8. im2col로 하는 합성곱\n\n"
        "책 7장입니다: `im2col`은 입력에서 필터 크기의 영역을 하나씩 펼쳐 행으로 만들어, "
        "**합성곱**(convolution)을 행렬 곱 하나로 바꿉니다. 역전파는 Affine 계층의 역전파 "
        "다음에 `col2im`입니다. 출력 크기는 OH = (H + 2·pad - FH) / stride + 1.",
    ),
    md(*SETUP_MD),
    code(SETUP),
    code(
        "from microgradkr import Tensor\n"
        "from microgradkr.functional import conv2d, im2col\n\n"
        "x = np.arange(16, dtype=float).reshape(1, 1, 4, 4)\n"
        "col = im2col(x, 3, 3)\n"
        "print(col.shape)  # (N*OH*OW, C*FH*FW) = (4, 9)\n"
        "print(col.data)"
    ),
    code(
        "rng = np.random.default_rng(0)\n"
        'X = Tensor(rng.normal(size=(2, 1, 5, 5)), requires_grad=True, label="x")\n'
        'W = Tensor(rng.normal(size=(3, 1, 3, 3)), requires_grad=True, label="W")\n'
        'b = Tensor(np.zeros(3), requires_grad=True, label="b")\n'
        "out = conv2d(X, W, b, stride=1, pad=1)\n"
        "loss = (out**2).sum()\n"
        'loss.label = "L"\n'
        "loss.backward()\n"
        "print(out.shape, W.grad.shape, X.grad.shape, b.grad)"
    ),
    code("show(loss)"),
    *explained(
        "b, loss",
        "The bias is broadcast to every output position, so its VJP sums g over N, OH and OW.",
        "편향은 출력의 모든 위치로 브로드캐스트되므로 VJP는 g를 N, OH, OW 축으로 더합니다.",
    ),
    *explored("loss", "08_convolution"),
    md(
        "Check one weight's gradient numerically: nudge W[0, 0, 1, 1] by ±h.",
        "가중치 하나의 기울기를 수치 미분으로 확인합니다: W[0, 0, 1, 1]을 ±h만큼 움직입니다.",
    ),
    code(
        "def L(Wd):\n"
        "    return float((conv2d(X.data, Wd, b.data, pad=1).data ** 2).sum())\n\n\n"
        "h, Wd = 1e-5, W.data.copy()\n"
        "Wd[0, 0, 1, 1] += h\n"
        "up = L(Wd)\n"
        "Wd[0, 0, 1, 1] -= 2 * h\n"
        "print((up - L(Wd)) / (2 * h), W.grad[0, 0, 1, 1])"
    ),
    code(
        "from microgradkr import nn\n\n"
        "conv = nn.Conv2d(1, 4, kernel_size=3, stride=2, padding=1, rng=0)\n"
        "print(conv, conv(Tensor(np.zeros((1, 1, 7, 7)))).shape)"
    ),
    EXERCISE,
    md(
        "An input of 9 × 9 goes through a 3 × 3 filter with stride 2 and padding 0. What is "
        "(OH, OW)?",
        "9 × 9 입력에 3 × 3 필터를 스트라이드 2, 패딩 0으로 적용하면 (OH, OW)는?",
    ),
    exercise("answer = None  # (OH, OW)", "answer = (4, 4)"),
    hidden(
        "check(answer, conv2d(np.zeros((1, 1, 9, 9)), np.zeros((1, 1, 3, 3)), stride=2).shape[2:])"
    ),
]

# -- 09: higher-order gradients --------------------------------------------------------------------
NOTEBOOKS["09_higher_order"] = [
    md(
        "# 9. Higher-order gradients\n\n"
        "Every backward step is written with the library's own ops. With `create_graph=True`, "
        "`grad` returns dy/dx as a *graph* of its own, and that graph can be differentiated "
        "again: d²y/dx². For y = tanh x at x = 0.5: dy/dx = 1 - tanh²x, "
        "d²y/dx² = -2 tanh x (1 - tanh²x) = -0.72686.",
        "# 9. 고계 미분\n\n"
        "역전파의 모든 단계는 라이브러리 자신의 연산으로 쓰여 있습니다. `create_graph=True`로 "
        "`grad`를 부르면 dy/dx가 그 자체로 하나의 *계산 그래프*가 되고, 이 그래프를 다시 미분할 "
        "수 있습니다: d²y/dx². x = 0.5에서 y = tanh x이면 dy/dx = 1 - tanh²x, "
        "d²y/dx² = -2 tanh x (1 - tanh²x) = -0.72686.",
    ),
    md(*SETUP_MD),
    code(SETUP),
    code(
        "from microgradkr import Value, grad\n\n"
        'x = Value(0.5, "x")\n'
        "y = x.tanh()\n"
        "(dy,) = grad(y, [x], create_graph=True)\n"
        'dy.label = "dy/dx"\n'
        "(d2y,) = grad(dy, [x])\n"
        "print(dy.data, d2y)"
    ),
    code("dy.backward()\nshow(dy)  # the graph of dy/dx, with its own backward pass drawn"),
    *explained(
        "x, dy",
        "Here the root is dy/dx itself, so the sum is d²y/dx² = -0.72686: "
        "x reaches dy/dx along two paths through tanh.",
        "여기서 root는 dy/dx이므로 합은 d²y/dx² = -0.72686입니다. x는 "
        "tanh를 지나는 두 경로로 dy/dx에 닿습니다.",
    ),
    *explored("dy", "09_higher_order"),
    md(
        "## Newton's method\n\nWith the second derivative, x ← x - f'(x) / f''(x) jumps to the "
        "minimum of f(x) = x⁴ - 2x² in a few steps, where gradient descent needs hundreds.",
        "## 뉴턴 방법\n\n2계 미분이 있으면 x ← x - f'(x) / f''(x)로 f(x) = x⁴ - 2x²의 최솟값에 몇 "
        "단계 만에 도달합니다. 경사 하강법은 수백 단계가 필요합니다.",
    ),
    code(
        "xn = 2.0\n"
        "for step in range(6):\n"
        "    v = Value(xn)\n"
        "    (g1,) = grad(v**4 - 2 * v**2, [v], create_graph=True)\n"
        "    (g2,) = grad(g1, [v])\n"
        "    xn -= g1.data / g2\n"
        "    print(step + 1, xn)"
    ),
    code(
        "from microgradkr import hessian\n\n"
        "print(hessian(lambda a, b: a**2 * b + b**3, [1.0, 2.0]))  # [[2b, 2a], [2a, 6b]]"
    ),
    EXERCISE,
    md("What is d²/dx² of x³ at x = 2?", "x = 2에서 x³의 2계 미분 d²/dx²은?"),
    exercise("answer = None  # a number", "answer = 12.0"),
    hidden(
        "v = Value(2.0)\n"
        "(g1,) = grad(v**3, [v], create_graph=True)\n"
        "check(answer, grad(g1, [v])[0])"
    ),
]

# -- 10: a whole network learning (the network view; its cells in lesson_network.py) ----------
NET = runpy.run_path(str(HERE / "lesson_network.py"))
NOTEBOOKS["10_network"] = [
    *NET["INTRO"],
    md(*SETUP_MD),
    code(SETUP),
    *NET["BEFORE"],
    *NET["TRAINING"],
    *NET["ONE_POINT"],
    *explained(
        "neuron.w[3], one",
        "Here v is the output neuron's weight L3.n0.w3 and the root is that one point's loss: "
        "one use, in the neuron's w·x+b gate, whose local gradient is the input w3 multiplies "
        "(the output of L2.n3 for that point).",
        "여기서 v는 출력 뉴런의 가중치 L3.n0.w3이고 root는 그 점 하나의 손실입니다. 뉴런의 w·x+b "
        "게이트에서 한 번 쓰였고, 그 국소적 미분은 w3에 곱해지는 입력(그 점에 대한 L2.n3의 "
        "출력)입니다.",
    ),
    *explored("one", "10_network", ", modules=model"),
    md(
        "The boxes are named as the parameters: `L2 · layer`, `L2.n3 · neuron`, as in the network "
        "view above.",
        "상자 이름은 매개변수 이름과 같습니다: `L2 · 계층`, `L2.n3 · 뉴런`, 위의 신경망 그림과 "
        "같습니다.",
    ),
    EXERCISE,
    *NET["EXERCISE"],
    exercise("answer = None  # a number", NET["SOLUTION"]),
    hidden(NET["CHECK"]),
    *NET["WATCH"],
]


def notebook(cells: list[tuple[str, ...]], lang: str) -> nbformat.NotebookNode:
    """One language's notebook: the shared code, the text in ``lang``, no outputs."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    }
    for cell in cells:
        kind = cell[0]
        if kind == "markdown":
            nb.cells.append(nbformat.v4.new_markdown_cell(cell[1 if lang == "en" else 2]))
        elif kind == "code":
            source = cell[1].format(lang=lang) if cell[1] is SETUP else cell[1]
            nb.cells.append(nbformat.v4.new_code_cell(source))
        elif kind == "exercise":
            new = nbformat.v4.new_code_cell(cell[1])
            new.metadata = {"tags": ["exercise"], "solution": cell[2]}
            nb.cells.append(new)
        else:  # the check: hidden in Jupyter (source_hidden), tagged for the tests
            new = nbformat.v4.new_code_cell(cell[1])
            new.metadata = {"tags": ["check", "hide-input"], "jupyter": {"source_hidden": True}}
            nb.cells.append(new)
    for i, c in enumerate(nb.cells):  # stable ids, so a rebuild changes nothing
        c.id = f"c{i:02d}"
    return nb


def main() -> int:
    for lang in ("en", "ko"):
        folder = HERE / lang
        folder.mkdir(exist_ok=True)
        for name, cells in NOTEBOOKS.items():
            nbformat.write(notebook(cells, lang), folder / f"{name}.ipynb")
    print(f"wrote {2 * len(NOTEBOOKS)} notebooks to {HERE}/en and {HERE}/ko")
    return 0


if __name__ == "__main__":
    sys.exit(main())
