"""The partial file of a batch and its ``.done`` sidecar: how workers write at reserved offsets, how
finished files are recorded in order, and how an interrupted run is recovered.

Speed and robustness code of ``nlp.apply.batch`` (see its docstring for the files' formats and
guarantees), kept apart from the pool and the workflow.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from nlp.tables import atomic_path


def partial_path(out: str | Path) -> Path:
    """``out/tags.parquet`` → ``out/tags.parquet.partial.jsonl``."""
    p = Path(out)
    return p.with_name(p.name + ".partial.jsonl")


def done_path(out: str | Path) -> Path:
    """``out/tags.parquet`` → ``out/tags.parquet.done``."""
    p = Path(out)
    return p.with_name(p.name + ".done")


@dataclass(frozen=True)
class Written:
    """One file's JSON lines, already written by a worker: ``length`` bytes at ``offset`` of the partial."""

    offset: int
    length: int


def source_key(path: str | Path) -> str:
    """The identity of a source file across runs (absolute, so the cwd may change)."""
    return os.path.abspath(path)


def write_reserved(results: list[tuple[str, bytes, int, str | None]], fd: int, next_offset
                   ) -> list[tuple[str, bytes | Written, int, str | None]]:
    """Write a task's JSON lines into the partial at offsets reserved from ``next_offset``.

    Why: the output is ~5 bytes of JSON per input byte (676 MB for the corpus). Returned through
    the pool, it was pickled, copied through a pipe twice and unpickled, and the parent - which
    shares the cores with the workers - paid for most of it; copied from a hand-off file, it was
    written to the page cache twice. Here each byte is written once, by the worker that made
    it. ``next_offset`` is a shared ``multiprocessing.Value`` (the partial's reserved end);
    the parent learns each file's range and commits files in offset order.
    """
    pieces = [data for _, data, _, _ in results if data]
    total = sum(map(len, pieces))
    if not total:
        return results
    with next_offset.get_lock():
        start = next_offset.value
        next_offset.value = start + total
    done = os.pwritev(fd, pieces, start)
    if done < total:  # a short write (rare for a regular file): finish it piece by piece
        rest = memoryview(b"".join(pieces))
        while done < total:
            done += os.pwrite(fd, rest[done:], start + done)
    out: list[tuple[str, bytes | Written, int, str | None]] = []
    offset = start
    for src, data, n_units, reason in results:
        if data:
            out.append((src, Written(offset, len(data)), n_units, reason))
            offset += len(data)
        else:
            out.append((src, data, n_units, reason))
    return out


# -- the partial and its .done sidecar -----------------------------------------------------

class Partial:
    """Appends finished files to the partial and records them in ``.done``, in that order."""

    def __init__(self, out: Path, header: dict) -> None:
        self.partial = partial_path(out)
        self.done = done_path(out)
        self.header = header
        self.offset = 0
        self.finished: dict[str, int] = {}  # source key -> units
        self._pending: dict[int, tuple[str, int, int]] = {}  # offset -> (key, length, units), written by workers
        self._fh = None
        self._dfh = None

    def start(self, resume: bool) -> None:
        if resume and (self.partial.exists() or self.done.exists()):
            self._recover()
        else:
            self.partial.parent.mkdir(parents=True, exist_ok=True)
            self.partial.write_bytes(b"")
            self.done.write_text(json.dumps(self.header, ensure_ascii=False) + "\n", "utf-8")
        # not "ab": workers write into the same file at reserved offsets (``write_reserved``), so
        # every write goes to an explicit offset
        self._fh = open(self.partial, "r+b")  # closed in close()
        self._dfh = open(self.done, "a", encoding="utf-8")

    def _recover(self) -> None:
        self.partial.touch()
        size = self.partial.stat().st_size
        if self.done.exists():
            lines = self.done.read_text("utf-8").splitlines()
            header = _loads(lines[0]) if lines else None
            if header is not None and header != self.header:
                raise ValueError(f"{self.done}: cannot resume: the interrupted run used other settings "
                                 f"({header}) than this one ({self.header}); run without resume")
            for line in lines[1:]:
                rec = _loads(line)
                if rec is None or not {"source", "offset", "units"} <= rec.keys():
                    break  # a torn last line
                if rec["offset"] > size:
                    break  # its rows never reached the disk
                self.finished[rec["source"]] = rec["units"]
                self.offset = rec["offset"]
        else:
            self.offset, self.finished = _scan_partial(self.partial)
        with open(self.partial, "r+b") as fh:
            fh.truncate(self.offset)
        # Record the recovered state as one consistent prefix: every recovered file points at the
        # recovered end of the partial, which a later recovery accepts as a whole.
        lines = [json.dumps(self.header, ensure_ascii=False)]
        lines += [json.dumps({"source": s, "offset": self.offset, "units": n}, ensure_ascii=False)
                  for s, n in self.finished.items()]
        with atomic_path(self.done) as tmp:
            tmp.write_text("\n".join(lines) + "\n", "utf-8")

    def commit(self, key: str, data: bytes | Written, n_units: int) -> None:
        """A finished file: its bytes (appended here) or the range a worker wrote.

        Ranges can finish out of order; a file is recorded in ``.done`` once every byte before its
        range is written, so ``offset`` is always the end of a gap-free prefix.
        """
        if isinstance(data, Written):
            self._pending[data.offset] = (key, data.length, n_units)
            while self.offset in self._pending:
                k, length, n = self._pending.pop(self.offset)
                self.offset += length
                self._record(k, n)
            return
        if data and self._pending:
            raise RuntimeError("bytes committed while worker ranges are pending")
        self._fh.seek(self.offset)
        self._fh.write(data)
        self._fh.flush()
        self.offset += len(data)
        self._record(key, n_units)

    def _record(self, key: str, n_units: int) -> None:
        self._dfh.write(json.dumps({"source": key, "offset": self.offset, "units": n_units},
                                   ensure_ascii=False) + "\n")
        self._dfh.flush()
        self.finished[key] = n_units

    def pending(self) -> list[str]:
        """Files whose ranges were written but wait for an earlier range (none after a full run)."""
        return [key for key, _, _ in self._pending.values()]

    def rollback(self) -> None:
        """Cut the partial back to the last committed file (after an interruption)."""
        if self._fh is not None and not self._fh.closed:
            try:
                self._fh.flush()
            except OSError:
                pass
            self._fh.truncate(self.offset)
        self.close()

    def close(self) -> None:
        for fh in (self._fh, self._dfh):
            if fh is not None and not fh.closed:
                fh.close()

    def remove(self) -> None:
        self.partial.unlink(missing_ok=True)
        self.done.unlink(missing_ok=True)


def _loads(line: str) -> dict | None:
    try:
        rec = json.loads(line)
    except json.JSONDecodeError:
        return None
    return rec if isinstance(rec, dict) else None


def _scan_partial(partial: Path) -> tuple[int, dict[str, int]]:
    """Finished files of a partial without ``.done``: every source with complete lines.

    A torn last line belongs to the file being written when the run stopped. If its ``source``
    can still be read and differs from the previous line's, the previous file is complete;
    otherwise that previous file's rows are all dropped too (it is redone).
    """
    offset = 0
    finished: dict[str, int] = {}
    starts: dict[str, int] = {}
    last = None
    with open(partial, "rb") as fh:
        for raw in fh:
            rec = _loads(raw.decode("utf-8", "replace")) if raw.endswith(b"\n") else None
            if rec is None or "source" not in rec:
                if last is not None and _torn_source(raw) != last:
                    break
                if last is not None:
                    offset = starts[last]
                    del finished[last]
                break
            key = source_key(rec["source"])
            starts.setdefault(key, offset)
            finished[key] = finished.get(key, 0) + 1
            offset += len(raw)
            last = key
    return offset, finished


_SOURCE_FIELD = re.compile(r'"source": ?("(?:[^"\\]|\\.)*")')


def _torn_source(raw: bytes) -> str | None:
    m = _SOURCE_FIELD.search(raw.decode("utf-8", "replace"))
    if not m:
        return None
    try:
        return source_key(json.loads(m.group(1)))
    except json.JSONDecodeError:
        return None


class OutputLock:
    """An exclusive lock on an output path for the length of a run (``<out>.lock``, ``flock``).

    Why: two runs writing the same partial at reserved offsets would interleave their rows (NUL
    bytes, torn lines) while each reports success. The second run refuses at once, naming the
    file; the operating system releases the lock when a run ends or dies, so no stale lock is
    ever left to clear by hand.
    """

    def __init__(self, out: str | Path) -> None:
        self.path = Path(out).with_name(Path(out).name + ".lock")
        self._fd: int | None = None

    def __enter__(self) -> OutputLock:
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise ValueError(f"{self.path.with_suffix('')}: another run is writing this output now; wait for it "
                             "or choose another --out") from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self._fd is not None:
            self.path.unlink(missing_ok=True)  # while still holding it: a waiting run never sees a half state
            os.close(self._fd)
            self._fd = None
