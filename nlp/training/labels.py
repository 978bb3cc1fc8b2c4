"""Labeled data: formats, references into a corpus, hashing.

Three sources, one table (columns ``text``, ``labels`` (list of codes), ``group`` (the
document a unit comes from: cross-validation never splits a group), ``origin``):

- ``labels/seeds.jsonl``: item units of the seed reports, with text (the seeds are ours).
- ``labels/corpus_*.jsonl``: corpus paragraphs by reference (``path``, ``para``, ``sha``), joined
  with the corpus at load time; loading fails clearly when the corpus is missing or a
  paragraph has changed, because silently training on other text would corrupt the model.
- a user's JSONL with ``text`` and ``labels`` (and optionally ``group``/``id``).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

from nlp.errors import LabelError
from nlp.ingest.clean import clean_string
from nlp.taxonomy import load_taxonomy
from nlp.training.corpus_refs import paragraph_hash, read_corpus_paragraphs

DEFAULT_CORPUS = Path("../shared/corpus/gov-work-reports")
REPO_ROOT = Path(__file__).resolve().parents[2]


def _read_jsonl(path: Path) -> list[dict]:
    rows = []
    try:
        lines = path.read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise LabelError(f"{path}: cannot read ({err})") from None
    for i, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as err:
            raise LabelError(f"{path}:{i}: invalid JSON ({err.msg})") from None
    return rows


def _check_codes(labels: object, where: str) -> list[str]:
    codes = set(load_taxonomy().codes)
    if not isinstance(labels, list):
        raise LabelError(f"{where}: 'labels' must be a list of domain codes")
    bad = [c for c in labels if c not in codes]
    if bad:
        raise LabelError(f"{where}: unknown domain code(s) {bad}; known: {sorted(codes)}")
    return sorted(set(labels))


def load_label_file(path: str | Path, corpus_root: str | Path | None = None) -> pd.DataFrame:
    """Load one label file in any of the three formats (see module docstring)."""
    path = Path(path)
    rows = _read_jsonl(path)
    if not rows:
        raise LabelError(f"{path}: no labeled rows")
    out = []
    first = rows[0]
    if "path" in first and "para" in first:
        root = Path(corpus_root) if corpus_root else _default_corpus()
        if not root.is_dir():
            raise LabelError(f"{path}: labels reference corpus paragraphs but the corpus folder {root} is missing "
                             "(pass --corpus PATH)")
        cache: dict[str, list[str]] = {}
        for i, r in enumerate(rows, 1):
            f = root / r["path"]
            if r["path"] not in cache:
                if not f.is_file():
                    raise LabelError(f"{path}:{i}: corpus file {r['path']} not found under {root}")
                cache[r["path"]] = read_corpus_paragraphs(f)
            paras = cache[r["path"]]
            if r["para"] >= len(paras) or paragraph_hash(paras[r["para"]]) != r["sha"]:
                raise LabelError(f"{path}:{i}: paragraph {r['para']} of {r['path']} has changed "
                                 "(hash mismatch); the label no longer matches the corpus")
            out.append({"text": clean_string(paras[r["para"]], "md"),
                        "labels": _check_codes(r["labels"], f"{path}:{i}"),
                        "group": r["path"], "origin": "corpus", "ref": f"{r['path']}#{r['para']}"})
    else:
        for i, r in enumerate(rows, 1):
            if not isinstance(r.get("text"), str) or not r["text"].strip():
                raise LabelError(f"{path}:{i}: a row needs a non-empty 'text'")
            if "sha" in r and paragraph_hash(r["text"]) != r["sha"]:
                raise LabelError(f"{path}:{i}: text does not match its hash")
            group = r.get("group") or r.get("source") or r.get("id") or f"{path.name}:{i}"
            out.append({"text": clean_string(r["text"]), "labels": _check_codes(r.get("labels"), f"{path}:{i}"),
                        "group": str(group), "origin": "seed" if "source" in r else "user",
                        "ref": str(r.get("id") or r.get("unit_id") or i)})
    return pd.DataFrame(out)


def _default_corpus() -> Path:
    for cand in (REPO_ROOT.parent / "shared" / "corpus" / "gov-work-reports", DEFAULT_CORPUS):
        if cand.is_dir():
            return cand
    return REPO_ROOT.parent / "shared" / "corpus" / "gov-work-reports"


def default_label_files() -> list[Path]:
    return sorted((REPO_ROOT / "labels").glob("*.jsonl"))


def load_labels(paths: list[str | Path] | None = None, corpus_root: str | Path | None = None) -> pd.DataFrame:
    """Load and concatenate label files (the project's own by default)."""
    files = [Path(p) for p in (paths or default_label_files())]
    frames = [load_label_file(p, corpus_root) for p in files]
    return pd.concat(frames, ignore_index=True)


def data_hash(df: pd.DataFrame) -> str:
    """SHA-256 of the training data (texts and labels, order-independent)."""
    h = hashlib.sha256()
    for text, labels in sorted(zip(df["text"], df["labels"].map(tuple), strict=True)):
        h.update(text.encode("utf-8"))
        h.update(("|".join(labels) + "\n").encode("utf-8"))
    return h.hexdigest()
