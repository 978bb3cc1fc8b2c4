"""Files → clean documents → metadata → units (paragraphs and items).

Readers (``read``: txt, md, html, docx) → ``clean`` (furniture, pinyin, Traditional →
Simplified; its speed code in ``_fast_clean``) → ``meta`` (year, body, place, doc type) →
``structure`` (headings, section roles, paragraphs, items) → ``pipeline`` (the stream and the
DataFrames, whose columns ``nlp.schema`` defines).
"""

from nlp.ingest.pipeline import (
    Ingested,
    IngestResult,
    ingest,
    ingest_file,
    iter_ingested,
    load_metadata_table,
    warm_up,
)

__all__ = ["IngestResult", "Ingested", "ingest", "ingest_file", "iter_ingested", "load_metadata_table", "warm_up"]
