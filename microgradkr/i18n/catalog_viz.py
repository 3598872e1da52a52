"""The pictures', the page's and explain's words."""

from __future__ import annotations

EN: dict[str, str] = {}
KO: dict[str, str] = {}
