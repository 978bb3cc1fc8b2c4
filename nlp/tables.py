"""Reading and writing tables by file extension, atomically.

Every output goes to a temporary file in the target folder and is renamed into place, so an
interrupted run never leaves a half-written table where a finished one is expected.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from nlp.errors import TableFormatError

TABLE_SUFFIXES = (".jsonl", ".csv", ".parquet")


def table_format(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise TableFormatError(
            f"{path}: unsupported output format {suffix or '(none)'!r}; use .jsonl, .csv or .parquet"
        )
    return suffix


@contextmanager
def atomic_path(path: str | Path, mode: str = "w") -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it over ``path`` on success."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600 files; outputs get the usual mode
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomic(path: str | Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_table(df: pd.DataFrame, path: str | Path) -> None:
    """Write ``df`` as .jsonl, .csv (UTF-8 with BOM, so Excel shows Chinese) or .parquet."""
    fmt = table_format(path)
    with atomic_path(path) as tmp:
        if fmt == ".parquet":
            df.to_parquet(tmp, index=False)
        elif fmt == ".csv":
            _json_cells(df).to_csv(tmp, index=False, encoding="utf-8-sig")
        else:
            with open(tmp, "w", encoding="utf-8") as fh:
                for rec in df.to_dict("records"):
                    fh.write(json.dumps(rec, ensure_ascii=False, default=json_default) + "\n")


def json_default(o: object) -> object:
    if o is pd.NA:
        return None
    if hasattr(o, "item"):
        return o.item()
    if hasattr(o, "tolist"):
        return o.tolist()
    return str(o)


JSON_COLUMNS = ("labels", "scores")


def _json_cells(df: pd.DataFrame) -> pd.DataFrame:
    """Lists and dicts (labels, scores) as JSON text in CSV cells, not Python reprs."""
    cols = [c for c in df.columns if df[c].map(lambda v: isinstance(v, (list, dict, tuple))).any()]
    if not cols:
        return df
    out = df.copy()
    for c in cols:
        out[c] = out[c].map(lambda v: json.dumps(list(v) if isinstance(v, tuple) else v, ensure_ascii=False)
                            if isinstance(v, (list, dict, tuple)) else v)
    return out


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a table written by the toolkit (JSON cells of CSV files are parsed back)."""
    fmt = table_format(path)
    if fmt == ".parquet":
        df = pd.read_parquet(path)
        for c in JSON_COLUMNS:
            if c in df.columns:
                df[c] = df[c].map(_from_arrow)
        return df
    if fmt == ".csv":
        df = pd.read_csv(path, encoding="utf-8-sig")
        for c in JSON_COLUMNS:
            if c in df.columns:
                df[c] = df[c].map(lambda v: json.loads(v) if isinstance(v, str) and v[:1] in "[{" else v)
        return df
    return pd.read_json(path, lines=True, dtype=False)


def _from_arrow(v: object) -> object:
    if hasattr(v, "tolist"):
        return v.tolist()
    if isinstance(v, dict):
        return {k: x for k, x in v.items() if x is not None}
    return v


def sibling(path: str | Path, tag: str) -> Path:
    """``out/units.csv`` + 'documents' → ``out/units.documents.csv``."""
    p = Path(path)
    return p.with_name(f"{p.stem}.{tag}{p.suffix}")
