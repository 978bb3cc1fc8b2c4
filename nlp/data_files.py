"""Access to the packaged data files (``nlp/data``), or a user's replacement file."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def read_data_text(name: str, path: str | Path | None = None) -> str:
    """Text of ``path`` when given, else of the packaged ``nlp/data/<name>``."""
    if path:
        return Path(path).read_text("utf-8")
    return resources.files("nlp.data").joinpath(name).read_text("utf-8")
