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
    """One file's JSON lines, already written by a worker: ``length`` bytes at ``offset`` of the partial
    (and ``side_length`` bytes, ``side_rows`` lines, at ``side_offset`` of the side partial, when
    there is one)."""

    offset: int
    length: int
    side_offset: int = 0
    side_length: int = 0
    side_rows: int = 0


def source_key(path: str | Path) -> str:
    """The identity of a source file across runs (absolute, so the cwd may change)."""
    return os.path.abspath(path)


def write_reserved(results: list[tuple], fd: int, next_offset, side_fd: int | None = None, side_next=None
                   ) -> list[tuple]:
    """Write a task's JSON lines into the partial at offsets reserved from ``next_offset``.

    Why: the output is ~5 bytes of JSON per input byte (676 MB for the corpus). Returned through
    the pool, it was pickled, copied through a pipe twice and unpickled, and the parent - which
    shares the cores with the workers - paid for most of it; copied from a hand-off file, it was
    written to the page cache twice. Here each byte is written once, by the worker that made
    it. ``next_offset`` is a shared ``multiprocessing.Value`` (the partial's reserved end);
    the parent learns each file's range and commits files in offset order.

    ``results`` are ``(source, bytes, units, reason)``, or with a side partial (the indicator rows,
    ``side_fd``) ``(source, bytes, units, reason, side_bytes)``: the side range is reserved from
    ``side_next`` under the same lock, so files stand in the same order in both partials and
    one ``.done`` offset pair records a consistent prefix of each.
    """
    side = side_fd is not None
    chosen = [r for r in results if r[1] or (side and r[4])]
    total = sum(len(r[1]) for r in chosen)
    side_total = sum(len(r[4]) for r in chosen) if side else 0
    if not chosen:
        return [r[:4] for r in results]
    with next_offset.get_lock():
        start = next_offset.value
        next_offset.value = start + total
        if side:
            side_start = side_next.value
            side_next.value = side_start + side_total
    _pwrite_all(fd, [r[1] for r in chosen if r[1]], start, total)
    if side:
        _pwrite_all(side_fd, [r[4] for r in chosen if r[4]], side_start, side_total)
    out: list[tuple] = []
    offset, side_offset = start, side_start if side else 0
    for r in results:
        src, data, n_units, reason = r[:4]
        side_data = r[4] if side else b""
        if data or side_data:
            out.append((src, Written(offset, len(data), side_offset, len(side_data), side_data.count(b"\n")),
                        n_units, reason))
            offset += len(data)
            side_offset += len(side_data)
        else:
            out.append((src, data, n_units, reason))
    return out


def _pwrite_all(fd: int, pieces: list[bytes], start: int, total: int) -> None:
    if not total:
        return
    done = os.pwritev(fd, pieces, start)
    if done < total:  # a short write (rare for a regular file): finish it piece by piece
        rest = memoryview(b"".join(pieces))
        while done < total:
            done += os.pwrite(fd, rest[done:], start + done)


# -- the partial and its .done sidecar -----------------------------------------------------

class Partial:
    """Appends finished files to the partial and records them in ``.done``, in that order.

    ``side``: a second output (the indicator rows of ``tag_batch(indicators=...)``) with its own
    partial, ``partial_path(side)``; every file has its bytes in both (or none in either), in the
    same order, and each ``.done`` line records the end of both (``offset``, ``side``).
    """

    def __init__(self, out: Path, header: dict, side: Path | None = None) -> None:
        self.partial = partial_path(out)
        self.done = done_path(out)
        self.side = partial_path(side) if side is not None else None
        self.header = header
        self.offset = 0
        self.side_offset = 0
        self.finished: dict[str, int] = {}  # source key -> units
        # (offset, side offset) -> (key, length, side length, units): ranges written by workers
        self._pending: dict[tuple[int, int], tuple[str, int, int, int]] = {}
        self._fh = None
        self._sfh = None
        self._dfh = None

    def start(self, resume: bool) -> None:
        if resume and (self.partial.exists() or self.done.exists()):
            self._recover()
        else:
            self.partial.parent.mkdir(parents=True, exist_ok=True)
            self.partial.write_bytes(b"")
            if self.side is not None:
                self.side.parent.mkdir(parents=True, exist_ok=True)
                self.side.write_bytes(b"")
            self.done.write_text(json.dumps(self.header, ensure_ascii=False) + "\n", "utf-8")
        # not "ab": workers write into the same file at reserved offsets (``write_reserved``), so
        # every write goes to an explicit offset
        self._fh = open(self.partial, "r+b")  # closed in close()
        self._sfh = open(self.side, "r+b") if self.side is not None else None
        self._dfh = open(self.done, "a", encoding="utf-8")

    def _recover(self) -> None:
        self.partial.touch()
        size = self.partial.stat().st_size
        if self.side is not None:
            self.side.touch()
        side_size = self.side.stat().st_size if self.side is not None else 0
        if self.side is not None and not self.done.exists():
            raise ValueError(f"{self.partial}: cannot resume: without {self.done.name} the indicator rows "
                             "cannot be matched to the finished files; run without resume")
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
                if rec["offset"] > size or rec.get("side", 0) > side_size:
                    break  # its rows never reached the disk
                self.finished[rec["source"]] = rec["units"]
                self.offset = rec["offset"]
                self.side_offset = rec.get("side", 0)
        else:
            self.offset, self.finished = _scan_partial(self.partial)
        with open(self.partial, "r+b") as fh:
            fh.truncate(self.offset)
        if self.side is not None:
            with open(self.side, "r+b") as fh:
                fh.truncate(self.side_offset)
        # Record the recovered state as one consistent prefix: every recovered file points at the
        # recovered end of the partial, which a later recovery accepts as a whole.
        lines = [json.dumps(self.header, ensure_ascii=False)]
        lines += [json.dumps(self._line(s, n), ensure_ascii=False) for s, n in self.finished.items()]
        with atomic_path(self.done) as tmp:
            tmp.write_text("\n".join(lines) + "\n", "utf-8")

    def commit(self, key: str, data: bytes | Written, n_units: int, side: bytes = b"") -> None:
        """A finished file: its bytes (appended here, and ``side`` to the side partial) or the ranges
        a worker wrote.

        Ranges can finish out of order; a file is recorded in ``.done`` once every byte before its
        range is written, so ``offset`` (and ``side_offset``) is always the end of a gap-free prefix.
        """
        if isinstance(data, Written):
            self._pending[data.offset, data.side_offset] = (key, data.length, data.side_length, n_units)
            while (self.offset, self.side_offset) in self._pending:
                k, length, side_length, n = self._pending.pop((self.offset, self.side_offset))
                self.offset += length
                self.side_offset += side_length
                self._record(k, n)
            return
        if (data or side) and self._pending:
            raise RuntimeError("bytes committed while worker ranges are pending")
        for fh, at, piece in ((self._fh, self.offset, data), (self._sfh, self.side_offset, side)):
            if piece:
                fh.seek(at)
                fh.write(piece)
                fh.flush()
        self.offset += len(data)
        self.side_offset += len(side)
        self._record(key, n_units)

    def _line(self, key: str, n_units: int) -> dict:
        line = {"source": key, "offset": self.offset, "units": n_units}
        if self.side is not None:
            line["side"] = self.side_offset
        return line

    def _record(self, key: str, n_units: int) -> None:
        self._dfh.write(json.dumps(self._line(key, n_units), ensure_ascii=False) + "\n")
        self._dfh.flush()
        self.finished[key] = n_units

    def pending(self) -> list[str]:
        """Files whose ranges were written but wait for an earlier range (none after a full run)."""
        return [key for key, _, _, _ in self._pending.values()]

    def rollback(self) -> None:
        """Cut the partials back to the last committed file (after an interruption)."""
        for fh, at in ((self._fh, self.offset), (self._sfh, self.side_offset)):
            if fh is not None and not fh.closed:
                try:
                    fh.flush()
                except OSError:
                    pass
                fh.truncate(at)
        self.close()

    def close(self) -> None:
        for fh in (self._fh, self._sfh, self._dfh):
            if fh is not None and not fh.closed:
                fh.close()

    def remove(self) -> None:
        self.partial.unlink(missing_ok=True)
        if self.side is not None:
            self.side.unlink(missing_ok=True)
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
