"""The terms that Korean sources translate differently, by source.

- ``dlfs``: 밑바닥부터 시작하는 딥러닝 (the Korean Deep Learning from Scratch), the default;
- ``pytorch-ko``: PyTorch Korea's translation (PyTorch 한국 사용자 모임);
- ``d2l-ko``: the Korean Dive into Deep Learning.

docs/glossary.md shows this table.
"""

from __future__ import annotations

GLOSSARIES = ("dlfs", "pytorch-ko", "d2l-ko")

TERMS: dict[str, dict[str, str]] = {
    "gradient": {
        "en": "gradient",
        "dlfs": "기울기",
        "pytorch-ko": "변화도",
        "d2l-ko": "그래디언트",
    },
}

# cli terms: the trace's words; a term the table above already has keeps its words
for _name, _words in {
    "local_gradient": {
        "en": "local gradient",
        "dlfs": "국소적 미분",
        "pytorch-ko": "국소 변화도",
        "d2l-ko": "국소 그래디언트",
    },
}.items():
    TERMS.setdefault(_name, _words)
