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

TABLE_SUFFIXES = (".jsonl", ".csv", ".parquet")


class TableFormatError(ValueError):
    pass


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
            df.to_csv(tmp, index=False, encoding="utf-8-sig")
        else:
            with open(tmp, "w", encoding="utf-8") as fh:
                for rec in df.to_dict("records"):
                    fh.write(json.dumps(rec, ensure_ascii=False, default=_json_default) + "\n")


def _json_default(o: object) -> object:
    if o is pd.NA:
        return None
    if hasattr(o, "item"):
        return o.item()
    if hasattr(o, "tolist"):
        return o.tolist()
    return str(o)


def read_table(path: str | Path) -> pd.DataFrame:
    fmt = table_format(path)
    if fmt == ".parquet":
        return pd.read_parquet(path)
    if fmt == ".csv":
        return pd.read_csv(path, encoding="utf-8-sig")
    return pd.read_json(path, lines=True, dtype=False)


def sibling(path: str | Path, tag: str) -> Path:
    """``out/units.csv`` + 'documents' → ``out/units.documents.csv``."""
    p = Path(path)
    return p.with_name(f"{p.stem}.{tag}{p.suffix}")
