"""A sample of the real corpus (skipped when ../shared/corpus is not present)."""

from __future__ import annotations

import random

from nlp.ingest.pipeline import ingest


def test_corpus_sample_ingests(corpus_dir):
    files = sorted(corpus_dir.rglob("*.md"))
    sample = random.Random(7).sample(files, 40)
    res = ingest(sample)
    assert not res.errors
    docs = res.documents
    assert (docs["doc_type"] == "gov_work_report").mean() > 0.9
    assert docs["year"].notna().all()
    assert (docs["region"] != "").all() and (docs["level"] != "").all()
    for row in docs.itertuples():
        assert str(row.year) in row.source or row.source.endswith(("part.md", "summary.md"))
    u = res.units[res.units["granularity"] == "paragraph"]
    assert (u["text"].str.len() > 0).all()
    assert not u["text"].str.contains(r"\*\*").any()
    # work reports have a review part and a plans part
    assert (u["role"] == "plans").groupby(u["doc_id"]).any().mean() > 0.5
