"""The toolkit's tables: the unit table, the documents table and the tagged unit table.

One declaration per column (name, where its value comes from, pandas and Arrow type, meaning)
serves every writer and reader: the ingest DataFrames (``frame``), the rows a batch worker
serializes (``unit_rows``), the Arrow schema of streamed .csv/.parquet output
(``arrow_schema``) and the column tables of the README (a test keeps them in step). Adding a
column is one line here, plus the field of ``nlp.documents.Unit`` or ``Meta`` that holds it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

GRANULARITIES = ("paragraph", "item")


@dataclass(frozen=True)
class Column:
    """One column: ``source`` is the object its value is read from ('unit': ``nlp.documents.Unit``,
    'meta': ``nlp.documents.Meta``, 'document': counted per document, 'tagger': added by tagging);
    ``dtype`` its pandas dtype ('Int64': integers with missing values); ``arrow`` its Arrow type
    name ('string', 'int64', 'float64', 'bool', 'labels', 'scores')."""

    name: str
    source: str
    dtype: str
    arrow: str
    meaning: str


# Report metadata columns, declared once: the unit table repeats them on every unit (so a unit
# table groups by place and year on its own) and the documents table holds them once per report.
_META = {c.name: c for c in (
    Column("source", "meta", "object", "string", "the file path"),
    Column("title", "meta", "object", "string", "the report's title"),
    Column("doc_type", "meta", "object", "string",
           "`fazhi_report` (法治政府建设 report), `gov_work_report` (政府工作报告), `other`"),
    Column("year", "meta", "Int64", "int64",
           "the year reported on (for a 政府工作报告: the year it was delivered, as the corpus names it)"),
    Column("pub_date", "meta", "object", "string", "publication date (YYYY-MM-DD) when the file gives it"),
    Column("body", "meta", "object", "string",
           "the issuing body's full name, when the report spells it out or names its organ (市司法局, 省政府) "
           "and its place at that level ('' for 我局, 市人社局)"),
    Column("body_type", "meta", "object", "string",
           "`government`, `party_and_government` (jointly), `department`, `street_office`, "
           "`party_committee`, `other`; '' when unknown"),
    Column("department", "meta", "object", "string",
           "for a department, its normalized name (司法局, 人社局, 卫健委, …; nlp/data/departments.yaml)"),
    Column("region", "meta", "object", "string", "the reporting government's place (the most specific known)"),
    Column("level", "meta", "object", "string",
           "its administrative level (`national`, `province`, `prefecture`, `county`, `township`)"),
    Column("province", "meta", "object", "string", "the province-level unit the place is in"),
    Column("prefecture", "meta", "object", "string",
           "the prefecture-level unit the place is in ('' under 北京/天津/上海/重庆)"),
    Column("county", "meta", "object", "string", "the county-level unit (县, 县级市, 市辖区) the place is or is in"),
    Column("township", "meta", "object", "string", "the township (镇, 乡, 街道, 苏木) when the report is one's"),
    Column("adcode", "meta", "object", "string",
           "the place's 12-digit administrative code (nlp/data/gazetteer.csv; '' for townships)"),
    Column("script", "meta", "object", "string", "`simplified`/`traditional`/`mixed` — the original script"),
    Column("encoding", "meta", "object", "string", "the detected encoding of the file"),
    Column("warnings", "meta", "object", "string",
           "inferred fields, repaired and unrepairable text (`; `-joined)"),
)}
_DOC_ID = "file stem + short hash of the file's bytes"

UNIT_TABLE: tuple[Column, ...] = (
    Column("doc_id", "unit", "object", "string", _DOC_ID),
    _META["source"],
    Column("unit_id", "unit", "object", "string", "`doc_id:pN` (paragraph) or `doc_id:pN.iM` (item)"),
    Column("granularity", "unit", "object", "string",
           "`paragraph`, or `item` (a paragraph split at 一是…二是…, 1.…2.…; a paragraph without "
           "enumeration is one item)"),
    Column("paragraph", "unit", "int64", "int64", "paragraph index within the document"),
    Column("item", "unit", "int64", "int64", "item index within its paragraph (0 for paragraph units)"),
    Column("section", "unit", "object", "string", "heading path, ` > `-joined"),
    Column("role", "unit", "object", "string",
           "section role (`front_matter`, `preamble`, `achievements`, `problems`, `plans`, `closing`; "
           "see shared taxonomy)"),
    Column("is_heading", "unit", "bool", "bool", "the unit is a heading line with no body text"),
    *(_META[name] for name in ("year", "region", "level", "province", "prefecture", "body", "doc_type")),
    Column("text", "unit", "object", "string",
           "clean text: Simplified (from standard, Hong Kong or Taiwan Traditional forms: 衞生 → 卫生, 著力 → 着力), "
           "furniture and inline pinyin removed, punctuation normalized"),
    Column("start", "unit", "int64", "int64",
           "start of the unit's character span in the source text (the decoded file; for HTML/.docx/.pdf, "
           "the extracted text)"),
    Column("end", "unit", "int64", "int64", "end of that span"),
)

TAG_TABLE: tuple[Column, ...] = (
    *UNIT_TABLE,
    Column("labels", "tagger", "object", "labels", "the unit's domain codes (a list; JSON in CSV cells)"),
    Column("scores", "tagger", "object", "scores", "domain code → probability (JSON in CSV cells)"),
)

DOCUMENT_TABLE: tuple[Column, ...] = (
    Column("doc_id", "meta", "object", "string", _DOC_ID),
    *_META.values(),
    Column("n_paragraphs", "document", "int64", "int64", "paragraph units of the report"),
    Column("n_items", "document", "int64", "int64", "item units of the report"),
)


def names(table: Sequence[Column]) -> list[str]:
    return [c.name for c in table]


UNIT_COLUMNS = names(UNIT_TABLE)
TAG_COLUMNS = names(TAG_TABLE)
DOCUMENT_COLUMNS = names(DOCUMENT_TABLE)


def frame(rows: list[dict], table: Sequence[Column]):
    """Rows → a DataFrame with the table's columns in order and its nullable integer types
    (an empty frame gets every declared dtype)."""
    import pandas as pd

    df = pd.DataFrame(rows, columns=names(table))
    for c in table:
        if c.dtype == "Int64" or (df.empty and c.dtype != "object"):
            df[c.name] = df[c.name].astype(c.dtype)
    return df


def arrow_schema(table: Sequence[Column], codes: Sequence[str] = (), flat: bool = False):
    """The Arrow schema of a table. ``codes`` are the domain codes of a ``scores`` struct; ``flat``
    (for CSV) keeps ``labels`` and ``scores`` as JSON text."""
    import pyarrow as pa

    simple = {"string": pa.string(), "int64": pa.int64(), "float64": pa.float64(), "bool": pa.bool_()}
    labels = pa.string() if flat else pa.list_(pa.string())
    scores = pa.string() if flat else pa.struct([pa.field(c, pa.float64()) for c in codes])
    types = {**simple, "labels": labels, "scores": scores}
    return pa.schema([pa.field(c.name, types[c.arrow]) for c in table])


def _compile_unit_rows() -> Callable:
    """``unit_rows(units, meta, keep)``: one dict per unit whose granularity is in ``keep``, keys in
    ``UNIT_TABLE`` order (so a row serializes as it is).

    Generated from ``UNIT_TABLE`` as one list comprehension over a dict display, as dataclasses
    generate their methods: ``asdict`` deep-copies every row and a per-column loop costs a
    look-up per cell, each a noticeable share of batch tagging time.
    """
    var = {"unit": "u", "meta": "m"}
    cells = ", ".join(f"{c.name!r}: {var[c.source]}.{c.name}" for c in UNIT_TABLE)
    src = f"def unit_rows(units, m, keep):\n    return [{{{cells}}} for u in units if u.granularity in keep]\n"
    namespace: dict = {}
    exec(compile(src, "<nlp.schema.unit_rows>", "exec"), namespace)  # source built above from literals only
    return namespace["unit_rows"]


unit_rows: Callable[[Iterable, object, set], list[dict]] = _compile_unit_rows()


def markdown_table(table: Sequence[Column], skip: Iterable[str] = ()) -> str:
    """A ``| column | meaning |`` table for documentation."""
    skip = set(skip)
    lines = ["| column | meaning |", "|---|---|"]
    lines += [f"| `{c.name}` | {c.meaning} |" for c in table if c.name not in skip]
    return "\n".join(lines)
