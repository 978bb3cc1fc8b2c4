"""Indicator rows of whole reports, their duplicates and conflicts, and the panel.

``indicators(paths)`` reads and tags reports and returns one row per quantity statement
(``nlp.indicators.extract.INDICATOR_COLUMNS`` plus ``mentions`` and ``conflict``): the same
indicator stated twice in one report with the same value is one row with ``mentions`` 2; one
indicator stated with different values in one report (same stage, unit and qualifier) has
``conflict`` True on each of its rows — a contradiction, or counts of parts (opinions on
contracts, on decisions): read the ``sentence`` to tell. ``panel(rows)`` is the wide table a comparison needs: one
row per report (region, level, body, year) and one column per indicator (its first stated
level; changes, targets and approximations are left out of the panel but kept in the rows).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from nlp.errors import ReadError
from nlp.indicators.extract import INDICATOR_COLUMNS, find_quantities, load_rules, type_domains

PANEL_KEYS = ["doc_id", "region", "level", "body", "year"]


def unit_indicators(units: pd.DataFrame, source_texts: dict[str, str] | None = None) -> pd.DataFrame:
    """Indicator rows of tagged paragraph units (columns of the unit table plus ``labels``).

    ``source_texts`` (doc_id → decoded file) lets each row's ``start``/``end`` point at the quantity
    in the source; without it they are the unit's span.
    """
    rules = load_rules()
    domains = type_domains(rules)
    rows = []
    paragraphs = units[units["granularity"] == "paragraph"] if "granularity" in units.columns else units
    for u in paragraphs.itertuples(index=False):
        text = u.text if isinstance(u.text, str) else ""
        quantities = find_quantities(text, rules)
        if not quantities:
            continue
        source = (source_texts or {}).get(u.doc_id, "")
        labels = list(getattr(u, "labels", []) or [])
        cursor = int(u.start)
        for q in quantities:
            domain, label = domains.get(q.indicator, ("", "其他"))
            if not domain and len(labels) == 1:
                domain = labels[0]
            surface = text[q.start : q.end]
            found = source.find(surface, cursor, int(u.end)) if source else -1
            start, end = (found, found + len(surface)) if found >= 0 else (int(u.start), int(u.end))
            cursor = end if found >= 0 else cursor
            qualifier = q.qualifier or ("target" if u.role == "plans" else "")
            rows.append({"doc_id": u.doc_id, "unit_id": u.unit_id, "domain": domain, "indicator": q.indicator,
                         "label": label, "stage": q.stage, "value": q.value, "value_max": q.value_max,
                         "unit": q.unit, "qualifier": qualifier, "approx": q.approx, "year": u.year,
                         "region": u.region, "level": u.level, "body": u.body, "role": u.role,
                         "sentence": _sentence(text, q.start), "text": surface, "start": start, "end": end})
    return _mentions_and_conflicts(pd.DataFrame(rows, columns=INDICATOR_COLUMNS))


def _sentence(text: str, pos: int) -> str:
    lo = max(text.rfind(ch, 0, pos) for ch in "。；！？") + 1
    hi = min((i for i in (text.find(ch, pos) for ch in "。；！？") if i >= 0), default=len(text) - 1)
    return text[lo : hi + 1].strip()


def _mentions_and_conflicts(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per (report, indicator, unit, qualifier, value) with its ``mentions`` (a stage word
    said once is kept); ``conflict`` where one indicator has several values in a report at the
    same stage, unit and qualifier."""
    if rows.empty:
        return rows.assign(mentions=pd.Series(dtype="int64"), conflict=pd.Series(dtype=bool))
    same = ["doc_id", "indicator", "unit", "qualifier", "value"]
    rows = rows.copy()
    rows["mentions"] = rows.groupby(same, dropna=False)["value"].transform("size")
    staged = rows.assign(_unstaged=rows["stage"] == "").sort_values("_unstaged", kind="stable")
    rows = staged.drop_duplicates(subset=same, keep="first").sort_index().drop(columns="_unstaged")
    key = ["doc_id", "indicator", "stage", "unit", "qualifier"]
    named = rows["indicator"] != "other"
    values = rows[named].groupby(key, dropna=False)["value"].transform("nunique")
    rows["conflict"] = False
    rows.loc[named, "conflict"] = values > 1
    return rows.reset_index(drop=True)


def indicators(paths: Iterable[str | Path] | str | Path, model_dir: str | Path | None = None
               ) -> tuple[pd.DataFrame, list[ReadError]]:
    """Read and tag reports; their indicator rows (see the module docstring) and the read errors."""
    from nlp.apply.tagging import tag_frame
    from nlp.ingest.pipeline import iter_ingested
    from nlp.schema import UNIT_TABLE, frame
    from nlp.tagger.serialize import load_predictor

    if isinstance(paths, (str, Path)):
        paths = [paths]
    model = load_predictor(model_dir)
    frames, errors = [], []
    for item in iter_ingested(paths):
        if isinstance(item, ReadError):
            errors.append(item)
            continue
        units = tag_frame(model, frame(item.unit_rows(), UNIT_TABLE))
        frames.append(unit_indicators(units, {item.meta.doc_id: item.source_text}))
    rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=[*INDICATOR_COLUMNS, "mentions",
                                                                                       "conflict"])
    return rows, errors


def panel(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per report, one column per named indicator: its first stated level (no changes,
    targets or approximations; a case count's accepted stage before the others)."""
    levels = rows[(rows["indicator"] != "other") & (rows["qualifier"] == "") & ~rows["approx"].astype(bool)]
    if levels.empty:
        return pd.DataFrame(columns=PANEL_KEYS)
    levels = levels.assign(order=levels["stage"].map({"accepted": 0, "": 1, "concluded": 2}).fillna(3))
    first = levels.sort_values(["order"], kind="stable").drop_duplicates(["doc_id", "indicator"])
    wide = first.set_index([*PANEL_KEYS, "indicator"])["value"].unstack("indicator")
    return wide.reset_index().rename_axis(columns=None)


def indicator_summary(rows: pd.DataFrame) -> pd.DataFrame:
    """Per named indicator (stated levels only, no changes or targets): its domain, label, unit,
    how many reports state it, and the median, lowest and highest value."""
    levels = rows[(rows["indicator"] != "other") & (rows["qualifier"] == "")]
    if levels.empty:
        return pd.DataFrame(columns=["domain", "indicator", "label", "unit", "reports", "median", "min", "max"])
    first = levels.drop_duplicates(["doc_id", "indicator", "unit"])
    out = first.groupby(["domain", "indicator", "label", "unit"], dropna=False)["value"].agg(
        reports="size", median="median", min="min", max="max").reset_index()
    return out.sort_values(["domain", "reports"], ascending=[True, False], kind="stable").reset_index(drop=True)


def indicators_by_year(rows: pd.DataFrame, top: int = 8) -> pd.DataFrame:
    """The ``top`` indicators stated by most reports: per year, the median of the reports' values
    and how many reports stand behind it (``label (unit)`` columns, ``n=`` beside)."""
    levels = rows[(rows["indicator"] != "other") & (rows["qualifier"] == "") & rows["year"].notna()]
    if levels.empty:
        return pd.DataFrame()
    first = levels.drop_duplicates(["doc_id", "indicator", "unit"])
    common = first.groupby(["indicator", "unit"]).size().sort_values(ascending=False).head(top).index
    first = first.set_index(["indicator", "unit"]).loc[list(common)].reset_index()
    first["column"] = first["label"] + "（" + first["unit"] + "）"
    med = first.pivot_table(index="year", columns="column", values="value", aggfunc="median")
    n = first.pivot_table(index="year", columns="column", values="value", aggfunc="size")
    cells = med.round(1).astype(str) + " (n=" + n.astype("Int64").astype(str) + ")"
    return cells.where(med.notna(), "").reset_index().rename_axis(columns=None)
