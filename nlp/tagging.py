"""Tagging units with a trained model: DataFrames in, DataFrames (or files) out.

``tag_frame`` adds ``labels`` (list of domain codes) and ``scores`` (code → probability) to any
table with a ``text`` column, keeping every input column. ``iter_tagged_reports`` streams
report files through ingestion and tagging in chunks, so memory stays flat on large batches.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd

from nlp.ingest import iter_ingested
from nlp.read import ReadError


def tag_frame(model, units: pd.DataFrame) -> pd.DataFrame:
    out = units.copy()
    if out.empty:
        out["labels"] = pd.Series(dtype=object)
        out["scores"] = pd.Series(dtype=object)
        return out
    # Each distinct text is scored once: a paragraph without enumeration is also its own item,
    # so about half of a report's units repeat a text.
    texts = out["text"].fillna("").tolist()
    index: dict[str, int] = {}
    for t in texts:
        index.setdefault(t, len(index))
    labels, proba = model.predict_labels(list(index))
    codes = list(model.classes_)
    scores = [{c: round(float(p), 4) for c, p in zip(codes, row, strict=True)} for row in proba]
    out["labels"] = [list(labels[index[t]]) for t in texts]
    out["scores"] = [dict(scores[index[t]]) for t in texts]
    return out


def read_units_jsonl(path: str | Path) -> pd.DataFrame:
    """A ``.jsonl`` of ``{"id", "text", ...}`` units (every field is kept)."""
    rows = []
    for i, line in enumerate(Path(path).read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as err:
            raise ReadError(path, f"line {i}: invalid JSON ({err.msg})") from None
        if not isinstance(rec, dict) or not isinstance(rec.get("text"), str):
            raise ReadError(path, f"line {i}: each line needs a string 'text' field")
        rows.append(rec)
    if not rows:
        raise ReadError(path, "no units in the file")
    return pd.DataFrame(rows)


def iter_tagged(model, paths: Iterable[str | Path], granularity: tuple[str, ...] = ("paragraph", "item"),
                chunk_docs: int = 32, metadata: dict | None = None) -> Iterator[pd.DataFrame | ReadError]:
    """Stream tagged unit tables, one chunk of documents at a time; errors pass through.

    A path ending in ``.jsonl`` is a table of ``{"id", "text"}`` units (its fields are kept);
    anything else is report files, folders or globs, ingested as by ``fazhi ingest``.
    """
    from nlp.clean import clean_string
    from nlp.ingest import UNIT_COLUMNS

    paths = [str(p) for p in paths]
    for p in (p for p in paths if p.endswith(".jsonl")):
        try:
            units = read_units_jsonl(p)
        except (ReadError, OSError) as err:
            yield err if isinstance(err, ReadError) else ReadError(p, str(err))
            continue
        units["text"] = units["text"].map(clean_string)
        yield tag_frame(model, units)
    buf: list[dict] = []
    n_docs = 0
    for item in iter_ingested([p for p in paths if not p.endswith(".jsonl")], metadata):
        if isinstance(item, ReadError):
            yield item
            continue
        buf.extend(item.unit_rows(granularity))
        n_docs += 1
        if n_docs >= chunk_docs:
            yield tag_frame(model, pd.DataFrame(buf, columns=UNIT_COLUMNS))
            buf, n_docs = [], 0
    if buf:
        yield tag_frame(model, pd.DataFrame(buf, columns=UNIT_COLUMNS))
