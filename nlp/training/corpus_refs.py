"""Stable references to paragraphs of an external corpus.

The shared corpus may not be copied into the repository, so labeled corpus paragraphs are
stored as references: the file path relative to the corpus root, the paragraph index and a
short hash of the paragraph's raw text. The paragraph definition is deliberately simple and
independent of the cleaning pipeline, so that improving the cleaner never invalidates labels:

    paragraphs = the non-empty, whitespace-stripped lines of the file after its YAML
                 front matter, in order.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from nlp.ingest.read import split_front_matter


def corpus_paragraphs(text: str) -> list[str]:
    """Paragraphs of a corpus file as the reference format counts them."""
    _, body = split_front_matter(text)
    return [line.strip() for line in body.replace("\r\n", "\n").split("\n") if line.strip()]


def paragraph_hash(text: str) -> str:
    """Short content hash that detects a changed paragraph (16 hex digits of SHA-256)."""
    return hashlib.sha256(text.strip().encode("utf-8")).hexdigest()[:16]


def read_corpus_paragraphs(path: Path) -> list[str]:
    """Read one corpus file and return its paragraphs."""
    return corpus_paragraphs(path.read_text(encoding="utf-8"))
