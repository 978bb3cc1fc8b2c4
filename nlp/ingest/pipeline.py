"""Report files → tables of documents and units (the foundation of every other command).

``iter_ingested`` streams one file at a time (memory does not grow with the batch);
``ingest`` collects the stream into pandas DataFrames. A file that cannot be read becomes a
``ReadError`` in the stream and an entry in ``IngestResult.errors``; it never stops a batch.

The columns of both tables and their meanings are ``nlp.schema``'s (``UNIT_TABLE``,
``DOCUMENT_TABLE``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from nlp.documents import Meta, Unit
from nlp.errors import ReadError
from nlp.ingest.clean import clean
from nlp.ingest.meta import extract_meta
from nlp.ingest.read import expand_paths, read_file
from nlp.ingest.structure import structure
from nlp.schema import DOCUMENT_TABLE, GRANULARITIES, UNIT_TABLE, frame, unit_rows


@dataclass
class Ingested:
    """One successfully read report: its metadata and its units."""

    meta: Meta
    units: list[Unit]
    source_text: str = ""  # the decoded file (units' start/end index it)

    def unit_rows(self, granularity: Iterable[str] = GRANULARITIES) -> list[dict]:
        """One dict per unit, keys in the unit table's column order (``nlp.schema.unit_rows``)."""
        return unit_rows(self.units, self.meta, set(granularity))

    def doc_row(self) -> dict:
        row = self.meta.as_row()
        row["n_paragraphs"] = sum(u.granularity == "paragraph" for u in self.units)
        row["n_items"] = sum(u.granularity == "item" for u in self.units)
        return row


@dataclass
class IngestResult:
    units: pd.DataFrame
    documents: pd.DataFrame
    errors: list[ReadError] = field(default_factory=list)


def load_metadata_table(path: str | Path) -> dict[str, dict]:
    """A user metadata table (CSV/Parquet/JSONL) keyed by ``source`` file name or ``doc_id``.

    Its columns (any of year, region, level, body, doc_type, pub_date, title) override what
    the tool infers.
    """
    from nlp.tables import read_table

    df = read_table(path)
    key = "source" if "source" in df.columns else "doc_id" if "doc_id" in df.columns else None
    if key is None:
        raise ValueError(f"{path}: a metadata table needs a 'source' or 'doc_id' column")
    out = {}
    for row in df.to_dict("records"):
        k = str(row.pop(key))
        out[Path(k).name if key == "source" else k] = {
            c: v for c, v in row.items() if not (isinstance(v, float) and pd.isna(v))
        }
    return out


def ingest_file(path: str | Path, overrides: dict | None = None) -> Ingested:
    """Read, clean, describe and structure one file (raises ``ReadError``)."""
    doc = clean(read_file(path))
    if not doc.text.strip():
        raise ReadError(path, "no report text left after removing web-page furniture")
    meta = extract_meta(doc, overrides)
    return Ingested(meta, structure(doc), doc.source_text)


WARM_UP_REPORT = ("---\ntitle: 预热\n---\n# 法治政府建设情况\n一、主要举措\n"
                  "一是推进严格规范公正文明执法。二是深入开展普法。\n")


def warm_up() -> None:
    """Build what ingesting builds on first use: cleaning and structure rules, the gazetteer, its
    place patterns and the township table, OpenCC and its table of converted characters.

    Why: a batch's forked workers inherit what the parent has built; without this each worker
    built its own on its first file (about 0.2 s each), and a notebook that tags batch after
    batch paid it again in every run. Built once per process, so later calls cost nothing.
    """
    from nlp.documents import RawDocument
    from nlp.ingest.places import townships

    doc = clean(RawDocument("warm-up.md", "warm-up", WARM_UP_REPORT, "md"))
    extract_meta(doc)
    structure(doc)
    townships()


def iter_ingested(paths: Iterable[str | Path], metadata: dict[str, dict] | None = None,
                  exclude: Iterable[str | Path] = ()) -> Iterator[Ingested | ReadError]:
    """Stream ``Ingested`` documents (or ``ReadError``s) for files, folders and globs (files under
    an ``exclude`` folder left out)."""
    metadata = metadata or {}
    for p in expand_paths(paths, exclude):
        if isinstance(p, ReadError):
            yield p
            continue
        try:
            yield ingest_file(p, metadata.get(p.name))
        except ReadError as err:
            yield err
        except Exception as err:  # whatever the exception, one file never stops a batch
            yield ReadError(p, f"failed to process ({type(err).__name__}: {str(err)[:200]})")


def ingest(paths: Iterable[str | Path] | str | Path,
           granularity: Iterable[str] = GRANULARITIES,
           metadata: dict[str, dict] | str | Path | None = None, progress: bool | None = None,
           exclude: Iterable[str | Path] = ()) -> IngestResult:
    """Ingest reports into DataFrames (see the module docstring for the columns).

    ``progress`` shows a bar on stderr (None: only when stderr is a terminal, so pipes, logs
    and CI stay quiet).
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    if isinstance(metadata, (str, Path)):
        metadata = load_metadata_table(metadata)
    granularity = tuple(granularity)
    rows: list[dict] = []
    docs: list[dict] = []
    errors: list[ReadError] = []
    stream = iter_ingested(paths, metadata, exclude)
    if progress or (progress is None and sys.stderr.isatty()):
        from tqdm import tqdm

        stream = tqdm(stream, desc="reading", unit="file", file=sys.stderr)
    for item in stream:
        if isinstance(item, ReadError):
            errors.append(item)
            continue
        rows.extend(item.unit_rows(granularity))
        docs.append(item.doc_row())
    return IngestResult(frame(rows, UNIT_TABLE), frame(docs, DOCUMENT_TABLE), errors)
