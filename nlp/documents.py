"""The documents and units that pass between the ingest stages (reading → cleaning → metadata →
structure), in one place so that no stage imports another's module for its data type.

``RawDocument`` (decoded, format stripped) → ``Document`` (clean text with an offset map back to
the source) → ``Meta`` (one row of the documents table) and ``Unit`` (one row of the unit table;
its columns and their meanings are ``nlp.schema``'s).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from nlp.spans import source_span


@dataclass
class RawDocument:
    """A decoded report before cleaning.

    Attributes:
        source: the file path as given.
        doc_id: stable id: file stem plus a short hash of the bytes.
        text: the source text (spans of all later units index into it).
        fmt: 'txt', 'md', 'html', 'docx', 'pdf', 'doc' or 'wps'.
        encoding: the detected encoding ('' for formats that carry their own).
        front_matter: YAML front-matter fields of a Markdown file.
        html_meta: key/value metadata found in an HTML page's <meta> tags and title.
        body_start: offset where the report body starts (after front matter).
    """

    source: str
    doc_id: str
    text: str
    fmt: str
    encoding: str = ""
    front_matter: dict = field(default_factory=dict)
    html_meta: dict = field(default_factory=dict)
    body_start: int = 0
    warnings: list[str] = field(default_factory=list)



@dataclass
class Document:
    """A cleaned report.

    ``text`` is the analysis text (Simplified, normalized, furniture removed); ``offsets``
    maps each of its positions to ``source_text``. ``fields`` holds metadata found in the file
    itself (front matter, furniture lines, HTML meta), for ``nlp.ingest.meta`` to interpret.
    """

    doc_id: str
    source: str
    source_text: str
    text: str
    offsets: np.ndarray
    fmt: str
    encoding: str = ""
    script: str = "simplified"
    fields: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        return source_span(self.offsets, start, end)



@dataclass
class Meta:
    """Metadata of one report; columns of the ``documents`` table."""

    doc_id: str
    source: str
    title: str = ""
    doc_type: str = "other"
    year: int | None = None
    pub_date: str = ""
    body: str = ""
    body_type: str = ""
    department: str = ""
    region: str = ""
    level: str = ""
    province: str = ""
    prefecture: str = ""
    county: str = ""
    township: str = ""
    adcode: str = ""
    script: str = "simplified"
    encoding: str = ""
    warnings: list[str] = field(default_factory=list)

    def as_row(self) -> dict:
        row = asdict(self)
        row["warnings"] = "; ".join(self.warnings)
        return row



@dataclass(slots=True)
class Unit:
    """One paragraph or item of a document; ``start``/``end`` index the source text."""

    doc_id: str
    unit_id: str
    granularity: str  # 'paragraph' | 'item'
    paragraph: int  # paragraph index within the document
    item: int  # item index within its paragraph (0 for paragraph units)
    section: str  # heading path, ' > '-joined
    role: str
    is_heading: bool
    text: str
    start: int
    end: int
