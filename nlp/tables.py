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
from nlp.limits import MAX_FILE_BYTES, MAX_JSON_DEPTH
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
                    _formula_safe(_json_cells(_frame(chunk, table))).to_csv(fh, index=False, header=header)
                    header = False
                if header and table is not None:  # no rows at all: still the header
                    pd.DataFrame(columns=[c.name for c in table]).to_csv(fh, index=False)
        else:
            _write_parquet(chunks, tmp, table, codes)


def _records(chunk: pd.DataFrame | list[dict]) -> list[dict]:
    """Rows as dicts; a missing value (NaN, NA, NaT) becomes null, as JSON has no NaN."""
    rows = chunk.to_dict("records") if isinstance(chunk, pd.DataFrame) else chunk
    return [{k: (None if _missing(v) else v) for k, v in r.items()} for r in rows]


def _missing(v: object) -> bool:
    return v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v)


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
                try:
                    t = pa.Table.from_pandas(chunk, preserve_index=False)
                except (pa.ArrowInvalid, pa.ArrowTypeError):  # a column of mixed types (ids 1 and "a"): as text
                    t = pa.Table.from_pandas(_mixed_as_text(chunk), preserve_index=False)
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


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _formula_safe(df: pd.DataFrame) -> pd.DataFrame:
    """Text cells a spreadsheet would run as a formula (starting with = + - @, tab or CR) get a
    leading apostrophe, as OWASP recommends against CSV injection; ``read_table`` removes it."""
    out = None
    for c in df.columns:
        col = df[c]
        if col.dtype != object and not pd.api.types.is_string_dtype(col):
            continue
        risky = col.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_START))
        if risky.any():
            out = df.copy() if out is None else out
            out.loc[risky, c] = "'" + col[risky]
    return df if out is None else out


def _mixed_as_text(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object and out[c].map(type).nunique() > 1:
            out[c] = out[c].map(lambda v: None if v is None or (isinstance(v, float) and v != v)
                                else v if isinstance(v, (list, dict)) else str(v))
    return out


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
        for c in df.columns:
            if df[c].dtype == object or pd.api.types.is_string_dtype(df[c]):
                df[c] = df[c].map(lambda v: v[1:] if isinstance(v, str) and v[:1] == "'" and v[1:2]
                                  and v[1] in "=+-@\t\r" else v)
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
    """A ``.jsonl`` of ``{"id", "text", ...}`` units (every field is kept). UTF-8 only; a line nested
    deeper than ``MAX_JSON_DEPTH`` (``nlp.limits``) is refused before it is parsed."""
    try:
        text = _read_limited(path)
    except UnicodeDecodeError:
        raise ReadError(path, "not UTF-8 (save the .jsonl as UTF-8)") from None
    rows = []
    for i, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if _depth(line) > MAX_JSON_DEPTH:
            raise ReadError(path, f"line {i}: nested deeper than {MAX_JSON_DEPTH} levels (FAZHI_MAX_JSON_DEPTH)")
        try:
            rec = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as err:
            raise ReadError(path, f"line {i}: invalid JSON ({getattr(err, 'msg', type(err).__name__)})") from None
        if not isinstance(rec, dict) or not isinstance(rec.get("text"), str):
            raise ReadError(path, f"line {i}: each line needs a string 'text' field")
        rows.append(rec)
    if not rows:
        raise ReadError(path, "no units in the file")
    return pd.DataFrame(rows)


def _read_limited(path: str | Path) -> str:
    """A regular file's text (UTF-8), at most ``MAX_FILE_BYTES``."""
    import stat

    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode):
        raise ReadError(path, "not a regular file: skipped without reading")
    with open(path, "rb") as fh:
        data = fh.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ReadError(path, f"larger than the {MAX_FILE_BYTES:,}-byte limit (FAZHI_MAX_FILE_BYTES)")
    return data.decode("utf-8-sig")


def _depth(line: str) -> int:
    """The deepest nesting of brackets outside strings (a cheap scan, before any recursion)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in line:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest
