"""Package data, found through ``importlib.resources`` so that an installed package (not only a
checkout) has its data: the data files of ``nlp/data`` (taxonomy, patterns, dictionaries,
gazetteer) and the shipped model (``models/default``, installed as the package ``nlp.models``).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def read_data_text(name: str, path: str | Path | None = None) -> str:
    """Text of ``path`` when given, else of the packaged ``nlp/data/<name>``."""
    if path:
        return Path(path).read_text("utf-8")
    return resources.files("nlp.data").joinpath(name).read_text("utf-8")


def default_model_dir() -> Path:
    """The shipped model's directory (``models/default`` of the checkout, or of the installed
    package). A real directory in both cases: setuptools installs package data as files."""
    return Path(str(resources.files("nlp.models").joinpath("default")))
