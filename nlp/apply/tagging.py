"""Tagging units with a trained model: DataFrames in, DataFrames (or files) out.

``tag_frame`` adds ``labels`` (list of domain codes) and ``scores`` (code → probability) to any
table with a ``text`` column, keeping every input column; ``tag_unit_tables`` does it for
``.jsonl`` unit files (read by ``nlp.tables.read_units_jsonl``). Report files at scale go
through ``nlp.apply.batch.tag_batch``.
"""

from __future__ import annotations

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


def tag_unit_tables(model, paths: Iterable[str | Path]) -> tuple[pd.DataFrame | None, list[ReadError]]:
    """Tag ``.jsonl`` unit tables (``{"id", "text", ...}``); texts are cleaned like reports'.

    Returns the tagged rows of every readable table (None when none was) and the errors.
    """
    from nlp.ingest.clean import clean_string
    from nlp.tables import read_units_jsonl

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
