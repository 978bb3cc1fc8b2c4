"""A readable plain-text summary of what ingestion found, per report."""

from __future__ import annotations

import pandas as pd

SUMMARY_COLUMNS = ["doc_id", "year", "doc_type", "body", "region", "level", "script",
                   "n_paragraphs", "n_items"]


def role_counts(units: pd.DataFrame) -> pd.DataFrame:
    """Paragraph counts per document and section role (columns are role codes)."""
    paras = units[units["granularity"] == "paragraph"]
    if paras.empty:
        return pd.DataFrame()
    return paras.pivot_table(index="doc_id", columns="role", values="unit_id",
                             aggfunc="count", fill_value=0)


def summarize(documents: pd.DataFrame, units: pd.DataFrame) -> str:
    table = documents[SUMMARY_COLUMNS].copy()
    roles = role_counts(units)
    if not roles.empty:
        table = table.join(roles, on="doc_id")
    lines = [table.to_string(index=False)]
    for row in documents.itertuples():
        if row.warnings:
            lines.append(f"  {row.doc_id}: {row.warnings}")
    return "\n".join(lines)
