"""Reading and writing tables by file extension, atomically.

Every output goes to a temporary file in the target folder and is renamed into place, so an
interrupted run never leaves a half-written table where a finished one is expected.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from nlp.errors import ReadError, TableFormatError
from nlp.schema import Column, arrow_schema, frame

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


def write_table(df: pd.DataFrame, path: str | Path, table: Sequence[Column] | None = None) -> None:
    """Write ``df`` as .jsonl, .csv (UTF-8 with BOM, so Excel shows Chinese) or .parquet, atomically."""
    write_chunks([df], path, table)


def write_chunks(chunks: Iterable[pd.DataFrame | list[dict]], path: str | Path,
                 table: Sequence[Column] | None = None, codes: Sequence[str] = ()) -> None:
    """The toolkit's one table writer: chunks of rows (DataFrames, or lists of dicts) → ``path``.

    Streams: one chunk in memory at a time, so a table of any length is written in flat memory.
    ``table`` (an ``nlp.schema`` table) gives list-of-dict chunks their columns and types (a
    chunk's missing years stay integers in CSV, not 2023.0) and Parquet its Arrow schema, whose
    ``scores`` struct has one field per domain code of ``codes``. CSV cells holding lists or dicts
    (``labels``, ``scores``) are JSON.
    """
    fmt = table_format(path)
    with atomic_path(path) as tmp:
        if fmt == ".jsonl":
            with open(tmp, "w", encoding="utf-8") as fh:
                for chunk in chunks:
                    for rec in _records(chunk):
                        fh.write(json.dumps(rec, ensure_ascii=False, default=json_default) + "\n")
        elif fmt == ".csv":
            with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
                header = True
                for chunk in chunks:
                    _json_cells(_frame(chunk, table)).to_csv(fh, index=False, header=header)
                    header = False
                if header and table is not None:  # no rows at all: still the header
                    pd.DataFrame(columns=[c.name for c in table]).to_csv(fh, index=False)
        else:
            _write_parquet(chunks, tmp, table, codes)


def _records(chunk: pd.DataFrame | list[dict]) -> list[dict]:
    return chunk.to_dict("records") if isinstance(chunk, pd.DataFrame) else chunk


def _frame(chunk: pd.DataFrame | list[dict], table: Sequence[Column] | None) -> pd.DataFrame:
    if isinstance(chunk, pd.DataFrame):
        return chunk
    return frame(chunk, table) if table is not None else pd.DataFrame(chunk)


def _write_parquet(chunks: Iterable[pd.DataFrame | list[dict]], tmp: Path, table: Sequence[Column] | None,
                   codes: Sequence[str]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = arrow_schema(table, codes) if table is not None else None
    writer = None
    try:
        for chunk in chunks:
            if isinstance(chunk, pd.DataFrame):  # pandas' own metadata kept, as DataFrame.to_parquet keeps it
                t = pa.Table.from_pandas(chunk, preserve_index=False)
            else:
                t = pa.Table.from_pylist(chunk, schema=schema)
            if writer is None:
                writer = pq.ParquetWriter(tmp, t.schema)
            writer.write_table(t)
        if writer is None and schema is not None:
            writer = pq.ParquetWriter(tmp, schema)
    finally:
        if writer is not None:
            writer.close()


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


def read_units_jsonl(path: str | Path) -> pd.DataFrame:
    """A ``.jsonl`` of ``{"id", "text", ...}`` units (every field is kept)."""
    rows = []
    for i, line in enumerate(Path(path).read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as err:
            raise ReadError(path, f"line {i}: invalid JSON ({err.msg})") from None
        if not isinstance(rec, dict) or not isinstance(rec.get("text"), str):
            raise ReadError(path, f"line {i}: each line needs a string 'text' field")
        rows.append(rec)
    if not rows:
        raise ReadError(path, "no units in the file")
    return pd.DataFrame(rows)
