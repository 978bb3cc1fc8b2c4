"""Tagging units with a trained model: DataFrames in, DataFrames (or files) out.

``tag_frame`` adds ``labels`` (list of domain codes) and ``scores`` (code → probability) to any
table with a ``text`` column, keeping every input column; ``tag_unit_tables`` does it for
``.jsonl`` unit files. Report files at scale go through ``nlp.batch.tag_batch``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from nlp.errors import ReadError


def score_distinct(model, texts: Iterable[str]) -> tuple[dict[str, int], list[list[str]], np.ndarray]:
    """Score each distinct text once: ``(text → index, labels per index, probabilities per index)``.

    A paragraph without enumeration is also its own single item, so about half of a report's
    units repeat a text. Probabilities are rounded to 4 decimals (columns: ``model.classes_``).
    """
    index: dict[str, int] = {}
    for t in texts:
        index.setdefault(t or "", len(index))
    if not index:
        return index, [], np.zeros((0, len(model.classes_)))
    labels, proba = model.predict_labels(list(index))
    return index, labels, np.round(proba, 4)


def score_texts(model, texts: Iterable[str]) -> tuple[dict[str, int], list[list[str]], list[dict[str, float]]]:
    """``score_distinct`` with each text's scores as a dict, code → probability."""
    index, labels, proba = score_distinct(model, texts)
    codes = [str(c) for c in model.classes_]
    return index, labels, [dict(zip(codes, row, strict=True)) for row in proba.tolist()]


def scores_json(codes: list[str], proba: np.ndarray) -> list[bytes]:
    """Each row of ``proba`` as the JSON object code → probability, as ``orjson.dumps`` of that dict
    writes it.

    Why: a dict and a ``dumps`` call per text were a few percent of batch tagging; here the
    numbers are formatted in one ``orjson`` call over the matrix and each object is one
    ``bytes %`` of the row's numbers into a template of the pre-encoded keys (twice as fast as
    joining key and number pairs).
    """
    import orjson

    if proba.shape[0] == 0 or proba.shape[1] == 0:
        return [b"{}"] * proba.shape[0]
    template = b"{" + b",".join(orjson.dumps(c).replace(b"%", b"%%") + b":%b" for c in codes) + b"}"
    rows = orjson.dumps(np.ascontiguousarray(proba, dtype=np.float64), option=orjson.OPT_SERIALIZE_NUMPY)
    return [template % tuple(row.split(b",")) for row in rows[2:-2].split(b"],[")]


def tag_frame(model, units: pd.DataFrame) -> pd.DataFrame:
    out = units.copy()
    if out.empty:
        out["labels"] = pd.Series(dtype=object)
        out["scores"] = pd.Series(dtype=object)
        return out
    texts = out["text"].fillna("").tolist()
    index, labels, scores = score_texts(model, texts)
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


def tag_unit_tables(model, paths: Iterable[str | Path]) -> tuple[pd.DataFrame | None, list[ReadError]]:
    """Tag ``.jsonl`` unit tables (``{"id", "text", ...}``); texts are cleaned like reports'.

    Returns the tagged rows of every readable table (None when none was) and the errors.
    """
    from nlp.ingest.clean import clean_string

    frames, errors = [], []
    for p in paths:
        try:
            units = read_units_jsonl(p)
        except ReadError as err:
            errors.append(err)
            continue
        except OSError as err:
            errors.append(ReadError(p, f"cannot open: {err.strerror or err}"))
            continue
        units["text"] = units["text"].map(clean_string)
        frames.append(tag_frame(model, units))
    return (pd.concat(frames, ignore_index=True) if frames else None), errors
