"""The pictures', the page's, the step pages' and explain's words.

Keys: ``viz.*`` (the DOT pictures and the page's labels, legend and titles; ``viz.<pattern>`` a
gate pattern's name), ``explain.*`` (the chain-rule sum of one value), ``page.*`` (the
interactive page's own controls and panels), ``steps.*`` (the step-by-step page).
"""

from __future__ import annotations

EN: dict[str, str] = {
    # -- edges and values ------------------------------------------------------------------
    "viz.local": "local",
    "viz.global": "global",
    "viz.unknown": "global: not known yet",
    "viz.data": "data",
    "viz.grad": "grad",
    "viz.so_far": "so far",
    "viz.const": "const",
    "viz.use": "use {k} of {n}",
    "viz.shape": "shape",
    "viz.vjp": "VJP",
    "viz.norm": "norm",
    "viz.no_grad": "no gradient (a constant)",
    "viz.summed": "Σ over {axes}: broadcast in the forward pass",
    "viz.axis": "axis {n}",
    "viz.axes": "axes {n}",
    "viz.all_axes": "all axes",
    "viz.over": "over {axes}",
    "viz.mismatch": "✗ numerical {n}",
    "viz.kink": "kink: not checked",
    "viz.unchecked": "not checked: {why}",
    "viz.why_nonfinite": "numerical {n}",
    "viz.why_no_difference": "no finite difference",
    "viz.backward_area": "backward pass (builds {what})",
    "viz.the_gradient": "the gradient",
    # -- gate patterns ---------------------------------------------------------------------
    "viz.distributor": "distributor",
    "viz.switcher": "switcher",
    "viz.router": "router",
    "viz.chain": "chain rule",
    # -- titles ----------------------------------------------------------------------------
    "viz.title_before": "forward pass done, backward not run: global gradients not known yet",
    "viz.title_after": "backward pass done: ∂L/∂{root} = {seed}",
    "viz.title_step0": "backward step 0 of {n}: ∂L/∂{root} = {seed}, nothing sent back yet",
    "viz.title_step": "backward step {k} of {n}: the {gate} gate ({pattern}) sends {up} back",
    # -- legend ----------------------------------------------------------------------------
    "viz.legend": "Legend",
    "viz.legend_distributor": "add gate = gradient distributor: each input gets the upstream",
    "viz.legend_switcher": "mul gate = gradient switcher: upstream × the other input",
    "viz.legend_router": "max gate = gradient router: all of the upstream to the larger input",
    "viz.legend_chain": "other gates: upstream × local gradient (chain rule)",
    "viz.legend_local": "local gradient ∂out/∂in (known in the forward pass)",
    "viz.legend_global": "global gradient ∂L/∂in = upstream × local",
    "viz.legend_arrow": "arrows: forward pass; gradients flow back against them (backward pass)",
    "viz.legend_sum": "a value used twice: its grad is the sum over its edges",
    "viz.legend_copy": "the value again, next to a far use; its grad (on the original) "
    "is the sum over all its uses",
    "viz.legend_other": "a gate of its own kind ({pattern}): upstream × local gradient",
    "viz.legend_vjp": "VJP: how the upstream g becomes this input's gradient (no Jacobian built)",
    "viz.legend_global_t": "gradient ∂L/∂in sent on the edge (the input's shape; large: its norm)",
    "viz.legend_summed": "an input broadcast in the forward pass: its gradient is summed back",
    "viz.legend_mismatch": "✗ this op's recorded gradient disagrees with the numerical one "
    "(central difference of its forward): suspect its backward",
    "viz.legend_checked": "every other edge: analytic = numerical (check=True)",
    "viz.legend_kink": "kink: one-sided differences disagree here, so it is not checked",
    "viz.legend_backward": "built by backward(create_graph=True): backprop is just another graph",
    # -- explain ---------------------------------------------------------------------------
    "explain.head": "{node}.grad = ∂{root}/∂{node} = {sum} = {total}",
    "explain.head1": "{node}.grad = ∂{root}/∂{node} = {total}",
    "explain.uses": "{n} uses, their gradients summed (fan-out):",
    "explain.use1": "one use:",
    "explain.use": "{i}. into {op} → {out}: local ∂{out}/∂{node} = {local} × upstream "
    "∂{root}/∂{out} = {up} → {c}",
    "explain.use_t": "{i}. into {op} → {out}: VJP {rule} of upstream ∂{root}/∂{out} → {c}",
    "explain.paths": "paths to {root} (chain rule: the local gradients multiplied along each):",
    "explain.more": "… and {n} more paths",
    "explain.root": "{node} is the output: ∂{node}/∂{node} = {total} (the seed of backward)",
    "explain.unused": "{node} does not reach {root}: its gradient is 0",
    "explain.unknown": "{node}: run backward() first, the gradients are not known yet",
    # -- the interactive page --------------------------------------------------------------
    "page.heading": "Backpropagation, explored",
    "page.step": "step",
    "page.first": "first step (Home)",
    "page.prev": "step back (←)",
    "page.next": "step forward (→)",
    "page.last": "last step (End)",
    "page.zoom_in": "zoom in (+)",
    "page.zoom_out": "zoom out (−)",
    "page.fit": "fit",
    "page.fold": "one box per neuron",
    "page.unfold": "open every module",
    "page.layout": "layout",
    "page.hint": "The graph is larger than the window: it opens on the output. Drag to move,"
    " scroll or +/− to zoom, F to see all.",
    "page.edge": "local ∂{out}/∂{input} = {local} · upstream ∂{root}/∂{out} = {up} = global {g}",
    "page.edge_t": "VJP {rule} · upstream ∂{root}/∂{out} = {up} → global {g}",
    "page.not_yet": "(not sent yet: step forward)",
    "page.more_edges": "… and {n} more edges",
    "page.op": "made by {op} ({symbol}): {pattern}",
    "page.param": "a parameter (leaf)",
    "page.leaf": "an input (leaf)",
    "page.click": "click for the chain-rule sum",
    "page.no_explain": "no gradient to explain",
    "page.final": "(the gradient after the whole backward pass)",
    "page.lang": "한국어",  # the toggle names the other language, in that language
    # -- the step-by-step page -------------------------------------------------------------
    "steps.heading": "Backpropagation, step by step",
    "steps.step": "step",
    # -- the notebook's live view (watch) --------------------------------------------------
    "viz.watch_status": "step {k}: loss {loss}",
    # -- what to install (errors a learner meets before the first picture) -------------------
    "viz.err.too_many_nodes": "the graph has {total} nodes, more than max_nodes={max_nodes}; "
    "draw it anyway with draw(..., max_nodes={total}) (Graphviz may take long), or group an nn "
    "module's nodes with draw(..., modules=model, collapse=True)",
    "viz.err.layout_too_large": "the graph's layout size is {size} (drawn nodes plus the ranks "
    "its edges cross), more than max_layout={max_layout}; Graphviz would take long. Draw it "
    "anyway with draw(..., max_layout={size}), or draw a smaller part of it",
    "viz.err.install": "Rendering a diagram needs Graphviz's `dot` command, and neither `dot` "
    "nor `graphviz-pure` is on PATH. Install either one: the system package (Debian/Ubuntu: "
    "`apt-get install graphviz`, macOS: `brew install graphviz`, Windows: `winget install "
    "graphviz`), or the standalone command `python -m pip install graphviz-pure`. The DOT text "
    "itself needs neither: it is in `.source`.",
    "viz.err.ko_font": "this picture has Korean text, and no font with Hangul is installed for "
    'Graphviz: it would come out as empty boxes. Install one: `pip install "microgradkr[ko]"` '
    "(a NanumGothic font in a Python package, used automatically) or the system's "
    "(Debian/Ubuntu: `apt install fonts-nanum`, macOS has one). Or save as SVG: a browser draws "
    "it with its own fonts.",
    "viz.err.pure_ko_font": "this picture has Korean text, and it would be drawn by "
    "graphviz-pure (no `dot` is installed), whose PNG and PDF fonts have no Hangul: it would "
    "come out as empty boxes. Install Graphviz (Debian/Ubuntu: `apt install graphviz "
    "fonts-nanum`, macOS: `brew install graphviz`), or save as SVG: a browser draws it with its "
    "own fonts.",
    # -- the network view (network.py): columns of neurons, down to one neuron's gates ------
    "net.heading": "Network",
    "net.overlay": "Edges and tiles show",
    "net.mode_w": "weights w",
    "net.mode_grad": "gradients ∂L/∂w",
    "net.mode_update": "last update Δw",
    "net.mode_act": "activations (this sample)",
    "net.lang": "한국어",
    "net.numbering": "Numbering, as the parameters' labels: {x} input 0 · {n} neuron 1 of "
    "layer 2 · {w} its weight from unit 0 of the layer before",
    "net.colours": "orange: positive, blue: negative; width ∝ |value| (in each layer the "
    "widest edge has the layer's largest |value|)",
    "net.hidden": "{layer}: the strongest {k} of {n} edges per neuron drawn, {share} hidden",
    "net.weight": "«weight» {name} = {v}",
    "net.grad": "«gradient» ∂L/∂{name} = {v}",
    "net.update": "last update Δ{name} = {v}",
    "net.signal": "signal {name} × {src} = {v}",
    "net.act": "activation {name} = {v}",
    "net.bias": "«bias» {name} = {v}",
    "net.function": "activation function: {f}",
    "net.linear": "none (linear)",
    "net.element": "element W[{k}, {j}] of the «layer»'s W",
    "net.no_grad": "«gradient»: not known yet (call backward() first)",
    "net.no_update": "no update known: pass `previous=network_state(model)` from before the step",
    "net.no_sample": "no sample: pass one as `network(model, x)`",
    "net.no_loss": "pass `loss=` (what backward() ran from) to see the «chain_rule» sum",
    "net.click": "click: this neuron's gates for the sample",
    "net.too_wide": "{n} inputs: too many to draw its gates here (at most {max})",
    "net.back": "← network ({key})",
    "net.drill": "{name}: its gates for the sample x = ({x}); the «gradient» of {name}'s output",
    # -- the training dashboard (watch) and its replay page -------------------------------
    "watch.title": "training",
    "watch.step": "step",
    "watch.loss": "«loss»",
    "watch.train": "training",
    "watch.val": "validation",
    "watch.accuracy": "accuracy",
    "watch.boundary": "decision boundary",
    "watch.activations": "activations of",
    "watch.grad_norm": "«gradient» norm of each «layer» (log scale)",
    "watch.zeros": "zeros",
    "watch.waiting": "waiting for the first step: call `update(loss)` after `backward()`",
    "watch.replay": "training replay",
    "watch.network": "the network",
    # -- module boxes (modules.py): named as the parameters' labels, "L2.n3 · neuron" ------
    "viz.box_layer": "layer",
    "viz.box_neuron": "neuron",
    # -- the page's hint, its sentence on modules only where there are modules (pages) -------
    "page.hint_modules": "Click a dashed box to open a module.",
    # -- explore's layout budget (layout) ----------------------------------------------------
    "viz.err.page_too_large": "the graph's page layout size is {size} (values plus the ranks "
    "its edges cross), more than max_layout={max_layout}; the browser would take long to lay "
    "it out. Make it anyway with explore(..., max_layout={size}), or explore the loss of one "
    "sample",
}

KO: dict[str, str] = {
    # -- edges and values ------------------------------------------------------------------
    "viz.local": "«local_gradient»",
    "viz.global": "«global_gradient»",
    "viz.unknown": "«global_gradient»: 아직 모름",
    "viz.data": "값",
    "viz.grad": "«gradient»",
    "viz.so_far": "지금까지",
    "viz.const": "상수",
    "viz.use": "{n}번 중 {k}번째 사용",
    "viz.shape": "모양",
    "viz.vjp": "VJP",
    "viz.norm": "노름",
    "viz.no_grad": "«gradient» 없음 (상수)",
    "viz.summed": "{axes}으로 Σ: «forward»의 «broadcast»",
    "viz.axis": "{n}번 축",
    "viz.axes": "{n}번 축들",
    "viz.all_axes": "모든 축",
    "viz.over": "{axes} 방향으로",
    "viz.mismatch": "✗ «numerical» {n}",
    "viz.kink": "꺾이는 점: 검사 안 함",
    "viz.unchecked": "검사 안 함: {why}",
    "viz.why_nonfinite": "«numerical» 값이 {n}",
    "viz.why_no_difference": "유한한 차분이 하나도 없음",
    "viz.backward_area": "«backprop» ({what}을(를) 계산하는 그래프)",
    "viz.the_gradient": "«gradient»",
    # -- gate patterns ---------------------------------------------------------------------
    "viz.distributor": "«gradient» 분배기",
    "viz.switcher": "«gradient» 스위처",
    "viz.router": "«gradient» 라우터",
    "viz.chain": "«chain_rule»",
    # -- titles ----------------------------------------------------------------------------
    "viz.title_before": "«forward» 완료, «backprop» 전: «global_gradient»는 아직 모름",
    "viz.title_after": "«backprop» 완료: ∂L/∂{root} = {seed}",
    "viz.title_step0": "«backprop» 0/{n}단계: ∂L/∂{root} = {seed}, 아직 보낸 «gradient» 없음",
    "viz.title_step": "«backprop» {k}/{n}단계: {gate} 게이트({pattern})가 «gradient» {up}을(를) "
    "보냄",
    # -- legend ----------------------------------------------------------------------------
    "viz.legend": "범례",
    "viz.legend_distributor": "덧셈 게이트 = «gradient» 분배기: «upstream»를 모든 입력에 그대로",
    "viz.legend_switcher": "곱셈 게이트 = «gradient» 스위처: «upstream» × 다른 입력의 값",
    "viz.legend_router": "max 게이트 = «gradient» 라우터: «upstream» 전부를 큰 입력으로",
    "viz.legend_chain": "그 밖의 게이트: «upstream» × «local_gradient» («chain_rule»)",
    "viz.legend_local": "«local_gradient» ∂출력/∂입력 («forward» 때 계산)",
    "viz.legend_global": "«global_gradient» ∂L/∂입력 = «upstream» × «local_gradient»",
    "viz.legend_arrow": "화살표: «forward» 방향, «gradient»는 거꾸로 흐름 («backprop»)",
    "viz.legend_sum": "두 번 쓰인 값: «gradient»는 «edge»마다 온 값의 합",
    "viz.legend_copy": "멀리서 쓰인 값을 그 게이트 옆에 다시 그림; 원래 노드의 «gradient»는 "
    "모든 사용의 합",
    "viz.legend_other": "사용자 정의 게이트 ({pattern}): «upstream» × «local_gradient»",
    "viz.legend_vjp": "VJP = «vjp»: «upstream» g로 이 입력의 «gradient»를 만드는 식 "
    "(«jacobian»은 만들지 않음)",
    "viz.legend_global_t": "«global_gradient» ∂L/∂입력: «edge»로 보내는 «gradient» "
    "(입력과 같은 모양, 크면 노름)",
    "viz.legend_summed": "«forward»에서 «broadcast»된 입력: «gradient»를 합해서 되돌림",
    "viz.legend_mismatch": "✗ 기록된 «gradient»가 «numerical»(«forward»의 중앙 차분)과 다름: "
    "이 연산의 «backprop»를 의심하세요",
    "viz.legend_checked": "나머지 «edge»: 해석적 «gradient» = «numerical» (check=True)",
    "viz.legend_kink": "꺾이는 점: 양쪽 차분이 달라서 검사하지 않음",
    "viz.legend_backward": "backward(create_graph=True)가 만든 노드: «backprop»도 또 하나의 "
    "«graph»",
    # -- explain ---------------------------------------------------------------------------
    "explain.head": "{node}의 «gradient» ∂{root}/∂{node} = {sum} = {total}",
    "explain.head1": "{node}의 «gradient» ∂{root}/∂{node} = {total}",
    "explain.uses": "쓰인 곳 {n}곳에서 온 «gradient»의 합 (분기):",
    "explain.use1": "쓰인 곳 1곳:",
    "explain.use": "{i}. {op} 노드 → {out}: «local_gradient» ∂{out}/∂{node} = {local} × "
    "«upstream» ∂{root}/∂{out} = {up} → {c}",
    "explain.use_t": "{i}. {op} 노드 → {out}: «upstream» ∂{root}/∂{out}의 VJP {rule} → {c}",
    "explain.paths": "{root}까지의 경로 («chain_rule»: 경로마다 «local_gradient»을(를) 곱함):",
    "explain.more": "… 그 밖의 경로 {n}개",
    "explain.root": "{node}은(는) 출력: ∂{node}/∂{node} = {total} («backprop»의 시작)",
    "explain.unused": "{node}은(는) {root}에 닿지 않음: «gradient» 0",
    "explain.unknown": "{node}: 먼저 backward()를 실행하세요, «gradient»를 아직 모름",
    # -- the interactive page --------------------------------------------------------------
    "page.heading": "«backprop» 살펴보기",
    "page.step": "단계",
    "page.first": "처음 단계 (Home)",
    "page.prev": "이전 단계 (←)",
    "page.next": "다음 단계 (→)",
    "page.last": "마지막 단계 (End)",
    "page.zoom_in": "확대 (+)",
    "page.zoom_out": "축소 (−)",
    "page.fit": "전체 보기",
    "page.fold": "뉴런마다 상자 하나",
    "page.unfold": "모든 모듈 펼치기",
    "page.layout": "배치",
    "page.hint": "그래프가 창보다 커서 출력 쪽부터 보여 줍니다. 끌어서 이동,"
    " 휠이나 +/−로 확대·축소, F로 전체 보기.",
    "page.edge": "«local_gradient» ∂{out}/∂{input} = {local} · «upstream» ∂{root}/∂{out} = {up}"
    " = «global_gradient» {g}",
    "page.edge_t": "VJP {rule} · «upstream» ∂{root}/∂{out} = {up} → «global_gradient» {g}",
    "page.not_yet": "(아직 보내지 않음: 다음 단계로)",
    "page.more_edges": "… 그 밖의 «edge» {n}개",
    "page.op": "{op} ({symbol}) 노드의 출력: {pattern}",
    "page.param": "«parameter» («leaf»)",
    "page.leaf": "입력 («leaf»)",
    "page.click": "누르면 «chain_rule»의 합을 보여 줌",
    "page.no_explain": "설명할 «gradient» 없음",
    "page.final": "(«backprop»를 끝까지 마친 뒤의 «gradient»)",
    "page.lang": "English",  # the toggle names the other language, in that language
    # -- the step-by-step page -------------------------------------------------------------
    "steps.heading": "«backprop» 단계별 보기",
    "steps.step": "단계",
    # -- the notebook's live view (watch) --------------------------------------------------
    "viz.watch_status": "{k}단계: «loss» {loss}",
    # -- what to install (errors a learner meets before the first picture) -------------------
    "viz.err.too_many_nodes": "그래프의 노드가 {total}개로 `max_nodes={max_nodes}`보다 "
    "많습니다. 그래도 그리려면 `draw(..., max_nodes={total})` (Graphviz가 오래 걸릴 수 있음), "
    "아니면 `nn` 모듈의 노드를 `draw(..., modules=model, collapse=True)`로 묶어 그리세요",
    "viz.err.layout_too_large": "그래프의 배치 크기가 {size}(그릴 노드 수 더하기 간선이 건너는 "
    "단의 수)로 `max_layout={max_layout}`보다 커서 Graphviz가 오래 걸립니다. 그래도 그리려면 "
    "`draw(..., max_layout={size})`, 아니면 그래프의 작은 부분만 그리세요",
    "viz.err.install": "그림을 그리려면 Graphviz의 `dot` 명령이 필요한데, `dot`도 "
    "`graphviz-pure`도 PATH에 없습니다. 둘 중 하나를 설치하세요: 시스템 패키지(Debian/Ubuntu: "
    "`apt-get install graphviz`, macOS: `brew install graphviz`, Windows: `winget install "
    "graphviz`) 또는 단독 명령 `python -m pip install graphviz-pure`. DOT 텍스트 자체는 둘 다 "
    "필요 없습니다: `.source`에 있습니다.",
    "viz.err.ko_font": "이 그림에는 한글이 있는데 Graphviz가 쓸 한글 글꼴이 설치되어 있지 "
    '않아 빈 네모로 나옵니다. 글꼴을 설치하세요: `pip install "microgradkr[ko]"` (파이썬 '
    "패키지에 든 나눔고딕 글꼴, 자동으로 씀) 또는 시스템 글꼴(Debian/Ubuntu: `apt install "
    "fonts-nanum`, macOS에는 이미 있음). 아니면 SVG로 저장하세요: 브라우저가 자기 글꼴로 "
    "그립니다.",
    "viz.err.pure_ko_font": "이 그림에는 한글이 있는데, `dot`이 설치되어 있지 않아 "
    "`graphviz-pure`가 그리게 됩니다. 그 PNG와 PDF 글꼴에는 한글이 없어 빈 네모로 나옵니다. "
    "Graphviz를 설치하거나(Debian/Ubuntu: `apt install graphviz fonts-nanum`, macOS: `brew "
    "install graphviz`) SVG로 저장하세요: 브라우저가 자기 글꼴로 그립니다.",
    # -- the network view (network.py): columns of neurons, down to one neuron's gates ------
    "net.heading": "신경망",
    "net.overlay": "«edge»와 타일에 보일 값",
    "net.mode_w": "«weight» w",
    "net.mode_grad": "«gradient» ∂L/∂w",
    "net.mode_update": "마지막 갱신 Δw",
    "net.mode_act": "활성화 값 (이 표본)",
    "net.lang": "English",
    "net.numbering": "번호는 매개변수 이름과 같음: {x} 입력 0 · {n} 2번째 «layer»의 뉴런 1 · "
    "{w} 그 뉴런이 앞 «layer»의 0번 단위에서 받는 «weight»",
    "net.colours": "주황: 양수, 파랑: 음수; 굵기는 |값|에 비례 («layer»마다 가장 굵은 «edge»가 "
    "그 «layer»에서 가장 큰 |값|)",
    "net.hidden": "{layer}: 뉴런마다 «edge» {n}개 중 가장 강한 {k}개만 그림, {share} 숨김",
    "net.weight": "«weight» {name} = {v}",
    "net.grad": "«gradient» ∂L/∂{name} = {v}",
    "net.update": "마지막 갱신 Δ{name} = {v}",
    "net.signal": "신호 {name} × {src} = {v}",
    "net.act": "활성화 값 {name} = {v}",
    "net.bias": "«bias» {name} = {v}",
    "net.function": "활성화 함수: {f}",
    "net.linear": "없음 (선형)",
    "net.element": "이 «layer»의 W에서 W[{k}, {j}] 원소",
    "net.no_grad": "«gradient»: 아직 모름 (먼저 backward()를 실행하세요)",
    "net.no_update": "갱신을 모름: 단계 전의 `previous=network_state(model)`를 주세요",
    "net.no_sample": "표본이 없음: `network(model, x)`로 표본 하나를 주세요",
    "net.no_loss": "`loss=`(backward()를 실행한 출력)를 주면 «chain_rule»의 합을 보여 줌",
    "net.click": "누르면 이 표본에 대한 이 뉴런의 게이트",
    "net.too_wide": "입력이 {n}개: 게이트를 여기 그리기엔 너무 많음 (최대 {max}개)",
    "net.back": "← 신경망 ({key})",
    "net.drill": "{name}: 표본 x = ({x})에 대한 게이트; {name} 출력의 «gradient»",
    # -- the training dashboard (watch) and its replay page -------------------------------
    "watch.title": "학습",
    "watch.step": "단계",
    "watch.loss": "«loss»",
    "watch.train": "훈련",
    "watch.val": "검증",
    "watch.accuracy": "정확도",
    "watch.boundary": "결정 경계",
    "watch.activations": "활성화값 분포:",
    "watch.grad_norm": "«layer»별 «gradient»의 노름(로그 눈금)",
    "watch.zeros": "0인 값",
    "watch.waiting": "첫 단계를 기다리는 중: `backward()` 뒤에 `update(loss)`를 부르세요",
    "watch.replay": "학습 다시 보기",
    "watch.network": "신경망",
    # -- module boxes (modules.py): named as the parameters' labels, "L2.n3 · neuron" ------
    "viz.box_layer": "«layer»",
    "viz.box_neuron": "뉴런",
    # -- the page's hint, its sentence on modules only where there are modules (pages) -------
    "page.hint_modules": "점선 상자를 누르면 모듈이 열립니다.",
    # -- explore's layout budget (layout) ----------------------------------------------------
    "viz.err.page_too_large": "그래프의 페이지 배치 크기가 {size}(값의 수 더하기 간선이 건너는 "
    "단의 수)로 `max_layout={max_layout}`보다 커서 브라우저가 배치하는 데 오래 걸립니다. "
    "그래도 만들려면 `explore(..., max_layout={size})`, 아니면 샘플 하나의 «loss»를 살펴보세요",
}
