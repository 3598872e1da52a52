"""The terms that Korean sources translate differently, by source.

- ``dlfs``: 밑바닥부터 시작하는 딥러닝 (the Korean Deep Learning from Scratch), the default;
- ``pytorch-ko``: PyTorch Korea's tutorials (PyTorch 한국 사용자 모임, its TRANSLATION_GUIDE);
- ``d2l-ko``: the Korean Dive into Deep Learning (its TERMINOLOGY table).

Where a source has no entry for a term, its column is built from its own word for the parts
(its "gradient", its "layer"); docs/glossary.md marks those. docs/glossary.md shows this table.
"""

from __future__ import annotations

GLOSSARIES = ("dlfs", "pytorch-ko", "d2l-ko")


def _term(en: str, dlfs: str, pytorch_ko: str, d2l_ko: str) -> dict[str, str]:
    return {"en": en, "dlfs": dlfs, "pytorch-ko": pytorch_ko, "d2l-ko": d2l_ko}


TERMS: dict[str, dict[str, str]] = {
    "gradient": _term("gradient", "기울기", "변화도", "그래디언트"),
    "local_gradient": _term("local gradient", "국소적 미분", "국소 변화도", "국소 그래디언트"),
    "global_gradient": _term("global gradient", "전역 기울기", "전역 변화도", "전역 그래디언트"),
    "upstream": _term("upstream gradient", "상류 기울기", "상류 변화도", "상류 그래디언트"),
    "chain_rule": _term("chain rule", "연쇄법칙", "연쇄 법칙", "연쇄 법칙"),
    "backprop": _term("backpropagation", "역전파", "역전파", "역전파"),
    "forward": _term("forward pass", "순전파", "순전파", "순전파"),
    "graph": _term("computational graph", "계산 그래프", "연산 그래프", "계산 그래프"),
    "numerical": _term("numerical differentiation", "수치 미분", "수치 미분", "수치 미분"),
    "layer": _term("layer", "계층", "계층", "층"),
    "loss": _term("loss", "손실", "손실", "손실"),
    "loss_function": _term("loss function", "손실 함수", "손실 함수", "손실 함수"),
    "weight": _term("weight", "가중치", "가중치", "가중치"),
    "bias": _term("bias", "편향", "편향", "편향"),
    "parameter": _term("parameter", "매개변수", "매개변수", "파라미터"),
    "learning_rate": _term("learning rate", "학습률", "학습률", "학습 속도"),
    "optimizer": _term("optimizer", "옵티마이저", "옵티마이저", "최적화 알고리즘"),
    "broadcast": _term("broadcasting", "브로드캐스트", "브로드캐스팅", "브로드캐스팅"),
    "jacobian": _term("Jacobian", "야코비 행렬", "야코비안", "야코비 행렬"),
    "vjp": _term("vector-Jacobian product", "벡터-야코비 곱", "벡터-야코비안 곱", "벡터-야코비 곱"),
    "leaf": _term("leaf", "잎 노드", "잎", "잎 노드"),
    "edge": _term("edge", "에지", "엣지", "에지"),
}
"""term id -> its word in English and in each glossary; Korean messages name it «id»."""
