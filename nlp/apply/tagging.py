"""Tagging units with a trained model: DataFrames in, DataFrames (or files) out.

``tag_frame`` adds ``labels`` (list of domain codes) and ``scores`` (code → probability) to any
table with a ``text`` column, keeping every input column; ``tag_unit_tables`` does it for
``.jsonl`` unit files (read by ``nlp.tables.read_units_jsonl``). Report files at scale go
through ``nlp.apply.batch.tag_batch``.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from nlp.errors import GenreHintWarning, ReadError
from nlp.features.context import genre_of
from nlp.features.units import CONTEXT_COLUMNS, as_units


def needs_context(model) -> bool:
    """Whether the model reads a unit's context (headings, role, genre), not only its text."""
    return bool(getattr(model.features_, "context", False) or getattr(model, "pool_genres", None) is not None
                or getattr(model, "genre_thresholds_", None) or getattr(model, "genre_estimators_", None))


def unit_key(unit: str | dict, with_context: bool, context_genres: Callable[[str], bool] | None = None
             ) -> str | tuple:
    """What a unit's scores depend on: its text; with a model that reads context, its genre, and
    its headings and role when its genre's heads read them (``context_genres``; None: every
    genre's do). A work report's units are read by context-free heads, so a corpus's repeated
    texts are still scored once."""
    if isinstance(unit, str):
        return unit
    text = unit.get("text") or ""
    if not with_context:
        return text
    genre = unit.get("genre") or genre_of(unit.get("doc_type"))
    if context_genres is not None and not context_genres(genre):
        return (text, genre)
    return (text, unit.get("section") or "", unit.get("role") or "", bool(unit.get("is_heading")), genre)


def key_function(model) -> Callable[[str | dict], str | tuple]:
    """``unit_key`` for this model's units."""
    with_context = needs_context(model)
    own = getattr(model, "genre_estimators_", None) or {}
    if not getattr(model.features_, "context", False):
        def reads(genre: str) -> bool:  # no context features at all
            return False
    elif own:
        def reads(genre: str) -> bool:  # only the genres with heads of their own read context
            return genre in own
    else:
        reads = None  # one head set reads every unit's context

    def key(unit: str | dict) -> str | tuple:
        return unit_key(unit, with_context, reads)

    return key


def _distinct(model, units: Iterable[str | dict]) -> tuple[dict, list, list]:
    """Each distinct unit (``unit_key``) once: ``(key → index, distinct units, every unit's key)``."""
    key_of = key_function(model)
    index: dict = {}
    distinct: list = []
    keys: list = []
    for u in units:
        key = key_of(u)
        keys.append(key)
        if key not in index:
            index[key] = len(index)
            distinct.append(u if not isinstance(key, str) else key)
    return index, distinct, keys


def score_distinct(model, units: Iterable[str | dict], keys_out: list | None = None
                   ) -> tuple[dict, list[list[str]], np.ndarray]:
    """Score each distinct unit once: ``(unit key → index, labels per index, probabilities per index)``.

    Units are texts or unit rows (dicts with ``text`` and the context columns); keys are
    ``unit_key``'s (``keys_out``, when given, receives every unit's key in order). A paragraph
    without enumeration is also its own single item, so about half of a report's units repeat
    one. Probabilities are rounded to 4 decimals (columns: ``model.classes_``). For a model that
    reads units in their document (``document_pooling``), use ``score_rows``.
    """
    index, distinct, keys = _distinct(model, units)
    if keys_out is not None:
        keys_out.extend(keys)
    if not index:
        return index, [], np.zeros((0, len(model.classes_)))
    labels, proba = model.predict_labels(distinct)
    return index, labels, np.round(proba, 4)


def score_rows(model, rows: list[str | dict]) -> tuple[list[list[str]], np.ndarray]:
    """Labels and probabilities (rounded to 4 decimals) of every unit row, in order.

    Each distinct unit is scored once; with document pooling (``nlp.tagger.document``) the
    rows' probabilities are then pooled along their documents before the thresholds.
    """
    if not rows:
        return [], np.zeros((0, len(model.classes_)))
    index, distinct, keys = _distinct(model, rows)
    proba = model.predict_proba(distinct)[[index[k] for k in keys]]
    genres = as_units(rows)[1].genre
    proba = model.pool_documents(proba, rows, genres)
    return model.labels_from(proba, genres, rows), np.round(proba, 4)


OUTPUT_COLUMNS = ("labels", "scores")  # what tagging adds; an input's own columns of these names become *_input


def pools_documents(model) -> bool:
    return bool(getattr(model, "document_pooling", False))


def needs_pooling(model, rows: list[dict]) -> bool:
    """Whether any unit of ``rows`` (one file's) is read in its document: its genre does not take
    sentence pooling (a work report's units never are)."""
    allowed = getattr(model, "pool_genres", None)
    if allowed is None:
        return False
    return any((r.get("genre") or genre_of(r.get("doc_type"))) not in allowed for r in rows)


def tag_frame(model, units: pd.DataFrame) -> pd.DataFrame:
    """``units`` with ``labels`` and ``scores`` added (every input column kept). Context columns
    (``section``, ``role``, ``is_heading``, ``doc_type`` or ``genre``) are read when present, and
    the document structure (``doc_id``, ``paragraph``, ``granularity``) by a model that pools
    along it."""
    out = units.rename(columns={c: f"{c}_input" for c in OUTPUT_COLUMNS if c in units.columns})  # kept, not clobbered
    if out.empty:
        out["labels"] = pd.Series(dtype=object)
        out["scores"] = pd.Series(dtype=object)
        return out
    with_context = needs_context(model)
    structure = ("doc_id", "paragraph", "granularity") if pools_documents(model) else ()
    cols = [c for c in ("text", *CONTEXT_COLUMNS, "doc_type", *structure) if c in out.columns]
    rows = (out[cols].astype(object).where(out[cols].notna(), None).to_dict("records") if with_context
            else out["text"].fillna("").tolist())
    codes = [str(c) for c in model.classes_]
    labels, proba = score_rows(model, rows)
    out["labels"] = labels
    out["scores"] = [dict(zip(codes, row, strict=True)) for row in proba.tolist()]
    return out


# Words of the users' genre: 59% of the paragraphs of 法治政府建设 reports (seeds and ingenre-dev, 949)
# name one, 3.1% of work-report paragraphs (the corpus, 229,592). In tables of 20 random paragraphs the
# share ranged 0.35-0.85 for the first and 0-0.15 for the second: a table of units that give no genre
# and name them this often is almost surely of the users' genre, read by the wrong heads.
_IN_GENRE_WORDS = re.compile(r"法治政府|依法行政|法治建设|法治思想|第一责任人|述法|普法")
GENRE_HINT_MIN_UNITS, GENRE_HINT_MIN_SHARE = 20, 0.3


def _genre_hint(units: pd.DataFrame, path: str | Path) -> None:
    """Warn (``GenreHintWarning``) when a table's units without a genre read like 法治政府建设 reports."""
    given = [units[c] for c in ("genre", "doc_type") if c in units.columns]
    unknown = pd.Series(True, index=units.index)
    for col in given:
        unknown &= col.isna() | (col.astype(str) == "")
    texts = units.loc[unknown, "text"]
    if len(texts) < GENRE_HINT_MIN_UNITS:
        return
    share = float(texts.map(lambda t: bool(_IN_GENRE_WORDS.search(t))).mean())
    if share >= GENRE_HINT_MIN_SHARE:
        warnings.warn(f"{path}: {len(texts)} units give no genre and {share:.0%} of them name 法治政府建设, 依法行政, "
                      "普法 or the like, as paragraphs of 法治政府建设 reports do; they were tagged as work-report "
                      "units (pass genre='fazhi_report', --genre fazhi_report, if they are of that genre)",
                      GenreHintWarning, stacklevel=3)


def tag_unit_tables(model, paths: Iterable[str | Path], genre: str | None = None
                    ) -> tuple[pd.DataFrame | None, list[ReadError]]:
    """Tag ``.jsonl`` unit tables (``{"id", "text", ...}``); texts are cleaned like reports'.

    Optional fields give context: ``section`` (heading path), ``heading``, ``role``,
    ``is_heading``, ``genre`` or ``doc_type``. ``genre`` fills the genre of units that do not
    say theirs (``fazhi_report`` for 法治政府建设 report units; without it, a unit of unknown
    genre is tagged as a work-report unit, with a ``GenreHintWarning`` when a table's such units read
    like 法治政府建设 reports). Returns the tagged rows of every readable table
    (None when none was) and the errors.
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
        for col in ("section", "heading"):  # context in the script and punctuation the model reads
            if col in units.columns:
                units[col] = units[col].map(lambda v: clean_string(v) if isinstance(v, str) and v else v)
        if "section" not in units.columns and "heading" in units.columns:
            units["section"] = units["heading"]
        if not genre:
            _genre_hint(units, p)
        else:
            given = units["genre"] if "genre" in units.columns else pd.Series([None] * len(units), index=units.index)
            units["genre"] = given.where(given.notna() & (given != ""), genre)
        frames.append(tag_frame(model, units))
    return (pd.concat(frames, ignore_index=True) if frames else None), errors
