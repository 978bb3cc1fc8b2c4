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

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

import pandas as pd

from nlp.errors import ReadError
from nlp.indicators.extract import INDICATOR_COLUMNS, Rules, alternation, load_rules, quantities, type_domains
from nlp.schema import Column

PANEL_KEYS = ["doc_id", "region", "level", "body", "year"]
WORK_REPORT = "gov_work_report"  # the doc_type of a 政府工作报告 (``nlp.ingest.meta``)
# which stage of an indicator stated at several the panel shows first (``nlp/data/indicators.yaml``'s
# stage names): a caseload before the cases concluded, the laws or rules enacted before the others; any
# other stage ranks with none, so the first stated of those is shown (取消行政审批事项129项 before 下放326项)
PANEL_STAGE_ORDER = {"accepted": 0, "enacted": 0, "concluded": 2}
# The indicator table's columns and types, for the writers that stream it (``tag_batch(indicators=...)``:
# a chunk's missing years stay integers, an all-empty chunk keeps its column types).
INDICATOR_TABLE: tuple[Column, ...] = (
    Column("doc_id", "unit", "object", "string", "the report"),
    Column("unit_id", "unit", "object", "string", "the paragraph that states the quantity"),
    Column("domain", "indicator", "object", "string",
           "the indicator type's domain, else the paragraph's one label (in a 政府工作报告 only when the quantity's "
           "sentence names that domain)"),
    Column("indicator", "indicator", "object", "string", "the indicator type (nlp/data/indicators.yaml) or `other`"),
    Column("label", "indicator", "object", "string", "the type's readable name"),
    Column("stage", "indicator", "object", "string",
           "`accepted` or `concluded` for case counts; what was done to laws, rules and approval items "
           "(`enacted`, `amended`, `repealed`; `cancelled`, `delegated`, `kept`, `online`)"),
    Column("value", "indicator", "float64", "float64", "the number"),
    Column("value_max", "indicator", "float64", "float64", "the upper end of a range"),
    Column("unit", "indicator", "object", "string", "the measure word"),
    Column("qualifier", "indicator", "object", "string", "`change`, `cumulative`, `target` or empty"),
    Column("approx", "indicator", "bool", "bool", "an approximate number (余, 多, 近, 约, ...)"),
    Column("year", "meta", "Int64", "int64", "the report's year"),
    Column("region", "meta", "object", "string", "the report's place"),
    Column("level", "meta", "object", "string", "the place's level"),
    Column("body", "meta", "object", "string", "the reporting body"),
    Column("role", "unit", "object", "string", "the section role of the paragraph"),
    Column("sentence", "indicator", "object", "string", "the sentence that states it"),
    Column("text", "indicator", "object", "string", "the quantity as written"),
    Column("start", "indicator", "int64", "int64", "the quantity's span in the source (else the paragraph's)"),
    Column("end", "indicator", "int64", "int64", "end of that span"),
    Column("mentions", "indicator", "int64", "int64", "times the report states this value"),
    Column("conflict", "indicator", "bool", "bool", "the report states other values of the indicator"),
)
TABLE_COLUMNS = [c.name for c in INDICATOR_TABLE]  # INDICATOR_COLUMNS, mentions and conflict
# read per unit (``doc_type`` may be missing: a unit table of the users' own, read as their genre)
UNIT_FIELDS = ("doc_id", "unit_id", "text", "start", "end", "role", "year", "region", "level", "body", "doc_type")
_NO_TYPE = ("", "其他")  # the domain and label of a quantity of no indicator type
_DOC, _INDICATOR, _STAGE, _VALUE, _UNIT, _QUALIFIER = (
    INDICATOR_COLUMNS.index(c) for c in ("doc_id", "indicator", "stage", "value", "unit", "qualifier"))


def unit_indicators(units: pd.DataFrame, source_texts: dict[str, str] | None = None, rules: Rules | None = None
                    ) -> pd.DataFrame:
    """Indicator rows of tagged paragraph units (columns of the unit table plus ``labels``).

    ``source_texts`` (doc_id → decoded file) lets each row's ``start``/``end`` point at the quantity
    in the source; without it they are the unit's span. ``rules``: the indicator types
    (``nlp.indicators.extract.load_rules``; None: the packaged ones).

    Why columns as lists and not ``itertuples``: over an Arrow-backed frame each cell of a tuple
    is fetched one by one (a quarter of the time, whole corpus); here each column is read in one
    go, and only the paragraphs that state a quantity go on.
    """
    rules = rules or load_rules()
    paragraphs = units[units["granularity"] == "paragraph"] if "granularity" in units.columns else units
    found = [(i, qs) for i, text in enumerate(paragraphs["text"].tolist())
             if (qs := quantities(text if isinstance(text, str) else "", rules))]
    at = [i for i, _ in found]
    columns = [*UNIT_FIELDS, "labels"] if "labels" in paragraphs.columns else UNIT_FIELDS
    fields = [[values[i] for i in at] for values in (paragraphs[c].tolist() if c in paragraphs.columns
                                                      else [None] * len(paragraphs) for c in columns)]
    if "labels" not in paragraphs.columns:
        fields.append([None] * len(at))
    records = _records(zip(*fields, [qs for _, qs in found], strict=True), rules, source_texts)
    table = pd.DataFrame(records, columns=INDICATOR_COLUMNS)  # dtypes inferred from every row, kept or not
    if table.empty:
        return table.assign(mentions=pd.Series(dtype="int64"), conflict=pd.Series(dtype=bool))
    kept, mentions, conflict = _mentions_and_conflicts(records)
    return table.take(kept).assign(mentions=mentions, conflict=conflict).reset_index(drop=True)


def document_indicators(rows: Iterable[Mapping], labels: Iterable, source_texts: Mapping[str, str] | None = None,
                        rules: Rules | None = None) -> list[dict]:
    """``unit_indicators`` of unit rows given as dicts (``Ingested.unit_rows``) with their labels (one
    per row): the same rows, as dicts of ``INDICATOR_COLUMNS`` plus ``mentions`` and ``conflict``.

    Why: a batch worker has a file's rows as dicts and its labels from the tagger; it extracts
    the file's indicators there, with no DataFrame (``nlp.apply.batch``). Duplicates and
    conflicts are counted among the rows given, so give whole documents. ``rules`` as for
    ``unit_indicators``.
    """
    rules = rules or load_rules()
    stating = []
    for r, lab in zip(rows, labels, strict=True):
        if r.get("granularity", "paragraph") != "paragraph" or not isinstance(text := r["text"], str):
            continue
        qs = quantities(text, rules)
        if qs:  # UNIT_FIELDS, the labels, the quantities
            stating.append((*(r.get(f) for f in UNIT_FIELDS), lab, qs))
    records = _records(stating, rules, source_texts)
    return [dict(zip(INDICATOR_COLUMNS, records[i], strict=True), mentions=n, conflict=c)
            for i, n, c in zip(*_mentions_and_conflicts(records), strict=True)]


def _records(units: Iterable[tuple], rules: Rules, source_texts: Mapping[str, str] | None) -> list[tuple]:
    """One tuple (``INDICATOR_COLUMNS``) per quantity of ``units``: ``UNIT_FIELDS``, the unit's labels
    and its quantities (``nlp.indicators.extract.quantities``) each."""
    domains = type_domains(rules)
    out = []
    for doc_id, unit_id, text, u_start, u_end, role, year, region, level, body, doc_type, labels, found_in in units:
        source = (source_texts or {}).get(doc_id, "")
        labels = _label_list(labels)
        own = labels[0] if len(labels) == 1 else ""
        sentence_says = doc_type == WORK_REPORT  # a work report's paragraph covers many things
        u_start, u_end = int(u_start), int(u_end)
        cursor = u_start
        target = "target" if role == "plans" else ""
        for q_start, q_end, value, value_max, unit, approx, qualifier, indicator, stage, sentence in found_in:
            domain, label = domains.get(indicator, _NO_TYPE)
            if not domain and own and (not sentence_says or _names_domain(own, sentence)):
                domain = own
            surface = text[q_start:q_end]
            found = source.find(surface, cursor, u_end) if source else -1
            if found >= 0:
                start = found
                end = cursor = found + len(surface)
            else:
                start, end = u_start, u_end
            out.append((doc_id, unit_id, domain, indicator, label, stage, value, value_max, unit, qualifier or target,
                        approx, year, region, level, body, role, sentence, surface, start, end))
    return out


def _names_domain(code: str, sentence: str) -> bool:
    """Does ``sentence`` hold one of the taxonomy's cues of the domain ``code``?

    Why: an untyped quantity takes its paragraph's one label, which in a 法治政府建设 report says
    what the quantity is about; a 政府工作报告's paragraph runs through many things under one
    label (发行政府债券181.7亿元, 新建农家店5000家 in paragraphs tagged mediation and legal aid:
    of the corpus's untyped quantities given a domain that way, 92% stood in a sentence naming
    none of its cues), so there the sentence must name the domain too.
    """
    pattern = _domain_cues().get(code)
    return pattern is not None and pattern.search(sentence) is not None


@lru_cache(maxsize=1)
def _domain_cues() -> dict[str, re.Pattern[str]]:
    """Each taxonomy domain's cues as one pattern (``nlp/data/taxonomy.yaml``)."""
    from nlp.taxonomy import load_taxonomy

    return {d.code: re.compile(alternation(d.cues)) for d in load_taxonomy().domains if d.cues}


def _label_list(value: object) -> list[str]:
    """A unit's labels as a list, whether a list (JSON lines), an array (parquet) or missing."""
    if value is None or isinstance(value, float) or isinstance(value, str):
        return [value] if isinstance(value, str) and value else []
    return [str(v) for v in value]  # type: ignore[union-attr]


def _mentions_and_conflicts(records: list[tuple]) -> tuple[list[int], list[int], list[bool]]:
    """One row per (report, indicator, unit, qualifier, value) with its ``mentions`` (a stage word
    said once is kept); ``conflict`` where one indicator has several values in a report at the
    same stage, unit and qualifier. Returns the kept rows' positions (in order), mentions and
    conflict flags.

    Why dicts and not a pandas ``groupby``: the batch workers run it per file, where pandas'
    fixed cost per call (milliseconds) would exceed the extraction; over the whole corpus it is
    also faster. Same rows as the ``groupby``/``drop_duplicates`` it replaced (checked on the corpus).
    """
    # a duplicate's key -> [the row kept (the first with a stage, else the first), the rows]
    kept: dict[tuple, list[int]] = {}
    for i, r in enumerate(records):
        same = (r[_DOC], r[_INDICATOR], r[_UNIT], r[_QUALIFIER], r[_VALUE])
        entry = kept.get(same)
        if entry is None:
            kept[same] = [i, 1]
            continue
        entry[1] += 1
        if r[_STAGE] != "" and records[entry[0]][_STAGE] == "":
            entry[0] = i
    entries = sorted(kept.values())
    order, mentions = [i for i, _ in entries], [n for _, n in entries]
    rows = [records[i] for i in order]
    stated: dict[tuple, set] = {}  # a named indicator at one stage, unit and qualifier -> its values
    keys = [(r[_DOC], r[_INDICATOR], r[_STAGE], r[_UNIT], r[_QUALIFIER]) if r[_INDICATOR] != "other" else None
            for r in rows]
    for key, r in zip(keys, rows, strict=True):
        if key is not None:
            stated.setdefault(key, set()).add(r[_VALUE])
    conflict = [key is not None and len(stated[key]) > 1 for key in keys]
    return order, mentions, conflict


def indicators(paths: Iterable[str | Path] | str | Path, model_dir: str | Path | None = None,
               types: str | Path | None = None) -> tuple[pd.DataFrame, list[ReadError]]:
    """Read and tag reports; their indicator rows (see the module docstring) and the read errors.

    ``types``: a file of indicator types of one's own (``nlp.indicators.extract.rules_data``: a
    complete one, or one that ``extends: packaged``); None: the packaged ones. A bad file raises
    ``ValueError`` before any report is read."""
    from nlp.apply.tagging import tag_frame
    from nlp.ingest.pipeline import iter_ingested
    from nlp.schema import UNIT_TABLE, frame
    from nlp.tagger.serialize import load_predictor

    if isinstance(paths, (str, Path)):
        paths = [paths]
    rules = load_rules(types)
    model = load_predictor(model_dir)
    frames, errors = [], []
    for item in iter_ingested(paths):
        if isinstance(item, ReadError):
            errors.append(item)
            continue
        units = tag_frame(model, frame(item.unit_rows(), UNIT_TABLE))
        frames.append(unit_indicators(units, {item.meta.doc_id: item.source_text}, rules))
    rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=[*INDICATOR_COLUMNS, "mentions",
                                                                                       "conflict"])
    return rows, errors


def panel(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per report, one column per named indicator: its first stated level (no changes,
    targets or approximations; a case count's accepted stage, and the laws or rules enacted,
    first: the caseload, the year's new rules; a case count's concluded stage last)."""
    levels = rows[(rows["indicator"] != "other") & (rows["qualifier"] == "") & ~rows["approx"].astype(bool)]
    if levels.empty:
        return pd.DataFrame(columns=PANEL_KEYS)
    levels = levels.assign(order=levels["stage"].map(PANEL_STAGE_ORDER).fillna(1))
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


def indicators_by(rows: pd.DataFrame, by: str = "year", top: int = 8) -> pd.DataFrame:
    """The ``top`` indicators stated by most reports: per value of ``by`` (``year``, ``level``,
    ``region``…), the median of the reports' values and how many reports stand behind it
    (``label (unit)`` columns, ``n=`` beside). Levels go from national to township.

    Why medians of reports: a report states an indicator once per stage and qualifier (the first
    stated level is taken), and places differ by orders of magnitude, so a mean would follow the
    largest places; ``n`` says how far to trust a cell."""
    levels = rows[(rows["indicator"] != "other") & (rows["qualifier"] == "") & rows[by].notna()
                  & (rows[by].astype(str) != "")]
    if levels.empty:
        return pd.DataFrame()
    first = levels.drop_duplicates(["doc_id", "indicator", "unit"])
    common = first.groupby(["indicator", "unit"]).size().sort_values(ascending=False).head(top).index
    first = first.set_index(["indicator", "unit"]).loc[list(common)].reset_index()
    first["column"] = first["label"] + "（" + first["unit"] + "）"
    med = first.pivot_table(index=by, columns="column", values="value", aggfunc="median")
    n = first.pivot_table(index=by, columns="column", values="value", aggfunc="size")
    cells = med.round(1).astype(str) + " (n=" + n.astype("Int64").astype(str) + ")"
    out = cells.where(med.notna(), "").reset_index().rename_axis(columns=None)
    if by == "level":
        from nlp.ingest.places import LEVEL_ORDER

        out = out.sort_values(by, key=lambda s: s.map(LEVEL_ORDER).fillna(len(LEVEL_ORDER)), kind="stable")
    return out.reset_index(drop=True)


def indicators_by_year(rows: pd.DataFrame, top: int = 8) -> pd.DataFrame:
    """``indicators_by(rows, "year", top)``: the main indicators over the years."""
    return indicators_by(rows, "year", top)
