"""The Tensor ops' VJP notes, keyed by the note as the op writes it: ``note:g copied back {axis}``.

The op modules write their notes in English (``TensorOp(..., notes=(...))``); here each has its
Korean. A note that is only a formula reads the same in both. ``{a}``, ``{b}`` are the inputs'
names, ``{axis}`` the reduction's axes ('1번 축 방향으로'), ``{k}``, ``{power}`` a power's.
"""

from __future__ import annotations

_FORMULAS = (
    "0",
    "g",
    "-g",
    "g * {b}",
    "g * {a}",
    "g / {b}",
    "-g * out / {b}",
    "g {b}ᵀ",
    "{a}ᵀ g",
    "g * {k} {a}{power}",
    "g * out",
    "g / {a}",
    "g (1 - out²)",
    "g out (1 - out)",
    "g * sign({a})",
    "g / (2 out)",
    "g cos {a}",
    "-g sin {a}",
    "g {b} {a}^({b} - 1)",
    "g out log {a}",
    "im2col(g)",
    "col2im(g Wᵀ)",
    "colᵀ g",
)

_WORDS = {
    "g where {a} > 0": "{a} > 0 인 곳만 g",
    "g where {a} > {b}": "{a} > {b} 인 곳만 g",
    "g where {b} > {a}": "{b} > {a} 인 곳만 g",
    "g where {a} < {b}": "{a} < {b} 인 곳만 g",
    "g where {b} < {a}": "{b} < {a} 인 곳만 g",
    "g where min <= {a} <= max": "min <= {a} <= max 인 곳만 g",
    "g where cond": "cond가 참인 곳만 g",
    "g where not cond": "cond가 거짓인 곳만 g",
    "g where {a} > 0, else slope g": "{a} > 0 인 곳은 g, 나머지는 slope × g",
    "g copied back {axis}": "g를 {axis} 복사해 되돌림",
    "g / n copied back {axis}": "g / n을 {axis} 복사해 되돌림",
    "g to the maxima {axis}": "g를 {axis} 최댓값 자리로",
    "g to the minima {axis}": "g를 {axis} 최솟값 자리로",
    "g reshaped back": "g를 원래 모양으로 되돌림",
    "g transposed back": "g를 다시 전치해 되돌림",
    "g summed back": "g를 합해서 되돌림",
    "g copied back": "g를 복사해 되돌림",
    "g scattered back": "g를 원래 자리에 흩어 되돌림",
    "g cast back": "g를 원래 자료형으로 되돌림",
    "g gathered": "g를 모음",
    "col2im(g): each patch's row added back": "col2im(g): 패치마다 그 행을 원래 자리에 더함",
    "g summed over N, OH, OW": "g를 N, OH, OW에 걸쳐 합함",
    "g to each window's max": "g를 창마다 최댓값 자리로",
    "g / (FH FW) to each window": "g / (FH FW)를 창마다 나눠 줌",
    "{b} (g - mean g - x̂ mean(g x̂)) / σ": "{b} (g - 평균 g - x̂ 평균(g x̂)) / σ",
    "sum of g over the batch": "배치에 걸친 g의 합",
    "sum of g x̂ over the batch": "배치에 걸친 g x̂의 합",
    # std's square root (issue 20, wrong numbers)
    "g / (2 out), 0 where out = 0": "out = 0 인 곳은 0, 나머지는 g / (2 out)",
}

EN: dict[str, str] = {"note:" + n: n for n in (*_FORMULAS, *_WORDS)}
KO: dict[str, str] = {"note:" + n: n for n in _FORMULAS} | {
    "note:" + n: k for n, k in _WORDS.items()
}
