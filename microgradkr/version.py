"""The package's version, in this one place: setuptools reads it into the wheel's metadata."""

from __future__ import annotations

__version__ = "0.2.0"
