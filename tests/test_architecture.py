"""The package's shape: imports flow one way along the data flow, and private modules stay private.

Layers, bottom to top (``nlp/__init__.py`` lists them): a module may import its own layer's
modules and those of lower layers, never a higher layer's. Every import counts, including the
ones inside functions (the deferred imports that keep start-up cheap), so a stage can never
reach back into a later one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from nlp.documents import Meta
from nlp.schema import DOCUMENT_TABLE, TAG_TABLE, UNIT_TABLE

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "nlp"

LAYERS = [
    {"nlp", "nlp._jit", "nlp.errors", "nlp.limits", "nlp.documents", "nlp.schema", "nlp.spans", "nlp.resources",
     "nlp.taxonomy", "nlp.tables", "nlp.params", "nlp.data", "nlp.models"},
    {"nlp.text"},
    {"nlp.ingest"},
    {"nlp.features"},
    {"nlp.tagger"},
    {"nlp.training", "nlp.apply", "nlp.indicators"},  # batches extract indicators; `indicators()` tags
    {"nlp.analysis"},
    {"nlp.cli"},
]


def layer_of(module: str) -> int:
    parts = module.split(".")
    for n in range(len(parts), 1 if len(parts) > 1 else 0, -1):  # "nlp" alone is not a catch-all
        prefix = ".".join(parts[:n])
        for i, layer in enumerate(LAYERS):
            if prefix in layer:
                return i
    raise AssertionError(f"{module} is in no layer: add it to LAYERS (and to nlp/__init__.py's list)")


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imports(path: Path) -> list[tuple[str, int]]:
    out = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.module, node.lineno))
            out += [(f"{node.module}.{a.name}", node.lineno) for a in node.names]
        elif isinstance(node, ast.Import):
            out += [(a.name, node.lineno) for a in node.names]
    return [(m, line) for m, line in out if m == "nlp" or m.startswith("nlp.")]


SOURCES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_flow_one_way(path):
    here = module_name(path)
    mine = layer_of(here)
    upward = []
    for target, line in imports(path):
        if (ROOT / Path(*target.split("."))).with_suffix(".py").exists() or (ROOT / Path(*target.split("."))).is_dir():
            if layer_of(target) > mine:
                upward.append(f"line {line}: {target}")
    assert not upward, f"{here} (layer {mine}) imports a later stage: {upward}"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_private_modules_are_used_only_beside_them(path):
    """``_name`` modules (speed code) are imported only from their own sub-package (``nlp._jit``,
    the compilation helper, by the kernels of every stage)."""
    here = module_name(path)
    for target, line in imports(path):
        parts = target.split(".")
        private = [i for i, p in enumerate(parts) if p.startswith("_") and not p.startswith("__")]
        if not private or target.startswith("nlp._jit"):
            continue
        owner = ".".join(parts[: private[0]])
        assert here.startswith(owner + ".") or here == owner or (
            target.startswith("nlp.text._kernels") and here.startswith("nlp.features._kernels")
        ), f"{here} line {line} imports private {target}"


def test_every_module_is_in_a_layer():
    for path in SOURCES:
        layer_of(module_name(path))


def test_schema_matches_the_data_types():
    """The documents table's metadata columns are ``Meta``'s fields, in order; the tagged table is
    the unit table plus labels and scores."""
    assert [c.name for c in DOCUMENT_TABLE if c.source == "meta"] == list(Meta.__dataclass_fields__)
    assert [c.name for c in TAG_TABLE] == [c.name for c in UNIT_TABLE] + ["labels", "scores"]


def test_readme_column_tables_come_from_the_schema():
    """Every unit-table column is documented in the README with the schema's meaning."""
    readme = (ROOT / "README.md").read_text("utf-8")
    for c in UNIT_TABLE:
        assert f"| `{c.name}` | {c.meaning} |" in readme, f"README lacks the schema row of {c.name}"
