"""Batch-scale tagging: report files → one tagged unit table, in parallel, incrementally, resumably.

``tag_batch`` runs ``ingest_file`` + ``tag_frame`` over many files and writes one table with the
unit columns (``nlp.schema.UNIT_COLUMNS``) plus ``labels`` and ``scores``:

- **Parallel.** ``jobs`` worker processes (default: all cores) share one model, loaded by the
  parent before it forks them (``shared_predictor``; each loads its own under the ``forkserver``
  start method), and take a few files per task (``FILES_PER_TASK``, tagged in one model call);
  ``jobs=1`` runs in-process with no pool. Workers serialize a task's rows as JSON lines,
  reserve that many bytes at the end of the partial (a shared counter) and write them there
  themselves (``os.pwrite``); the parent only receives each file's byte range and records
  finished files, in partial order, as the ranges before them complete. The output bytes never
  travel through a pipe or the parent. Files are written in the order workers finish them, so
  one large file never holds the others back in memory; the rows of one file stay in document
  order, and ``jobs=1`` keeps input order. Memory does not grow with the batch.
- **Incremental and atomic.** While running, rows go to ``<out>.partial.jsonl`` (one complete JSON
  line per unit, flushed after each file) and each finished file gets one line in ``<out>.done``
  (``{"source": absolute path, "offset": bytes of the partial after its rows, "units": n}``; the
  first line records the granularity and model so a resume cannot mix settings). At the end the
  partial is converted to the requested format (.jsonl: renamed; .csv/.parquet: streamed through
  pyarrow in chunks of ``CHUNK_ROWS`` rows, so memory stays flat) and atomically moved to ``out``;
  then the sidecars are removed. ``out`` itself is never half-written.
- **Resumable.** ``resume=True`` continues from the sidecars: the partial is cut back to the last
  file recorded in ``.done`` (dropping any torn tail) and those files are not processed again.
  Without a ``.done`` (only a partial), finished files are derived from the ``source`` field of
  the partial's complete lines. ``resume=False`` starts over (existing sidecars are replaced).
  Files that failed are not recorded as done, so a resume retries them.
- **Interruptible.** Ctrl-C (``KeyboardInterrupt``) terminates the pool, cuts the partial back to
  the end of the finished files with nothing unfinished before them (only complete lines
  remain), keeps the sidecars for ``resume=True`` and re-raises, so the CLI can exit 130.
- **Robust.** A file that cannot be read or processed is reported through ``on_error(err)``
  (default: one line ``fazhi: skipped PATH: REASON`` on stderr), counted and listed in
  ``BatchReport.errors``; it never stops the batch. A model that cannot be loaded does.

CSV cells of ``labels`` and ``scores`` are JSON (``["JUD", "LEGIS"]``, ``{"JUD": 0.91, ...}``);
Parquet keeps them typed (``list<string>`` and a struct with one float per domain code).
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from nlp.apply._json_rows import tagged_jsonl_many
from nlp.apply._partial import OutputLock, Partial, Written, done_path, partial_path, source_key, write_reserved
from nlp.apply.tagging import pools_documents
from nlp.errors import ReadError
from nlp.ingest.pipeline import ingest_file
from nlp.ingest.read import expand_paths
from nlp.schema import GRANULARITIES, TAG_COLUMNS, TAG_TABLE
from nlp.tables import table_format, write_chunks

__all__ = ["TAG_COLUMNS", "BatchReport", "convert_partial", "done_path", "partial_path", "process_file",
           "process_files", "tag_batch"]
CHUNK_ROWS = 5000  # rows per chunk when converting the partial to .csv/.parquet
FILES_PER_TASK = 8  # files a worker ingests and tags in one model call (results still per file)
BATCH_FORMAT = 1  # version of the .done sidecar format


@dataclass
class BatchReport:
    """What a ``tag_batch`` run did.

    ``n_units`` counts the rows of the output table (including those kept from an interrupted
    run, of which there were ``n_units_resumed``); ``seconds`` is this call's wall time.
    """

    n_files_ok: int = 0
    n_files_failed: int = 0
    n_files_skipped_resumed: int = 0
    n_units: int = 0
    seconds: float = 0.0
    errors: list[ReadError] = field(default_factory=list)
    n_units_resumed: int = 0
    out: Path | None = None


def print_error(err: ReadError) -> None:
    """The default ``on_error``: one line on stderr, as ``fazhi ingest`` prints it."""
    print(f"fazhi: skipped {err.path}: {err.reason}", file=sys.stderr, flush=True)


# -- one file ------------------------------------------------------------------------------

def process_files(model, paths: list[str | Path], granularity: Iterable[str] = GRANULARITIES
                  ) -> list[tuple[str, bytes, int, str | None]]:
    """Ingest and tag a group of files: ``(path, jsonl_bytes, n_units, error_reason_or_None)`` each.

    Never raises for a bad file (the reason is returned as a string, because ``ReadError``
    does not pickle across processes).
    """
    granularity = tuple(granularity)
    # a model that reads units in their document needs every unit of it, whatever is written
    keep = set(granularity) if pools_documents(model) and set(granularity) != set(GRANULARITIES) else None
    read = GRANULARITIES if keep is not None else granularity
    results: list[list] = []
    good: list[int] = []
    rows_of: list[list[dict]] = []
    for path in paths:
        try:
            rows = ingest_file(path).unit_rows(read)
        except ReadError as err:
            results.append([str(path), b"", 0, err.reason])
            continue
        except Exception as err:  # defensive: one odd file must never kill a batch
            results.append([str(path), b"", 0, f"failed to process ({type(err).__name__}: {err})"])
            continue
        n_written = len(rows) if keep is None else sum(r["granularity"] in keep for r in rows)
        results.append([str(path), b"", n_written, None])
        good.append(len(results) - 1)
        rows_of.append(rows)
    try:
        texts = tagged_jsonl_many(model, rows_of, keep)
    except Exception:
        if len(rows_of) <= 1:
            raise
        texts = []  # tag file by file, so one odd file cannot fail its neighbours
        for rows in rows_of:
            try:
                texts.append(tagged_jsonl_many(model, [rows], keep)[0])
            except Exception as err:
                texts.append(err)
    for i, text in zip(good, texts, strict=True):
        if isinstance(text, Exception):
            results[i][1:] = [b"", 0, f"failed to process ({type(text).__name__}: {text})"]
        else:
            results[i][1] = text
    return [tuple(r) for r in results]


def process_file(model, path: str | Path, granularity: Iterable[str] = GRANULARITIES
                 ) -> tuple[str, bytes, int, str | None]:
    """Ingest and tag one file (see ``process_files``)."""
    try:
        return process_files(model, [path], granularity)[0]
    except Exception as err:  # defensive: one odd file must never kill a batch
        return str(path), b"", 0, f"failed to process ({type(err).__name__}: {err})"


# -- pool workers ----------------------------------------------------------------------------

_WORKER: dict = {}


def _init_worker(model_dir: str | None, granularity: tuple[str, ...], partial: str | None = None,
                 next_offset=None) -> None:
    """Pool initializer: ignore Ctrl-C (the parent handles it), one BLAS thread, load the model once,
    open the partial for writing at reserved offsets (``write_reserved``).

    The pool already has a process per core; BLAS threads on top of it only spin against the
    other workers (measured 20% slower at jobs=2 when the word-vector block still used BLAS;
    prediction now avoids BLAS, this keeps any library call from doing it again).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from threadpoolctl import threadpool_limits

    from nlp.tagger.serialize import load_predictor

    threadpool_limits(1)

    _WORKER["granularity"] = granularity
    try:
        if "model" not in _WORKER:  # else inherited from the parent (``shared_predictor``)
            _WORKER["model"] = load_predictor(model_dir)
        if partial is not None:
            _WORKER["fd"] = os.open(partial, os.O_WRONLY)
            _WORKER["next_offset"] = next_offset
    except Exception as err:  # raising here would make the pool respawn workers forever
        _WORKER["error"] = err


WARM_UP_TEXT = "推进严格规范公正文明执法，完善行政执法监督制度。深入开展普法宣传，健全人民调解和法律援助工作机制。"


def shared_predictor(model_dir: str | None):
    """The predictor, loaded and used once in the parent, for ``fork`` workers to inherit.

    Why: every worker loaded its own copy - compiled kernels from numba's cache, the arrays,
    the segmenter's dictionary: about 0.6 CPU seconds and a private copy of each in memory per
    worker, paid again on every run. A forked child reads the parent's pages until it writes
    them, and prediction only reads, so one load serves all workers (measured on 10% of the
    corpus, jobs=2: 7.7 → 6.5 CPU seconds in all, first result after 2.0 s instead of 3.1 s,
    workers' peak RSS 328 → 253 MB). The warm-up call builds what is built lazily (look-up
    tables, the segmenter, the stacked heads) before the fork, so the children share those too.
    """
    from nlp.ingest.pipeline import warm_up
    from nlp.tagger.serialize import load_predictor

    model = load_predictor(model_dir)
    model.predict_labels([WARM_UP_TEXT])
    warm_up()  # the ingest side's lazily built rules and tables, for the workers to inherit too
    return model


def _worker_task(paths: list[str]) -> list[tuple[str, bytes | Written, int, str | None]]:
    if "error" in _WORKER:
        raise _WORKER["error"]
    results = process_files(_WORKER["model"], paths, _WORKER["granularity"])
    if "fd" not in _WORKER:
        return results
    return write_reserved(results, _WORKER["fd"], _WORKER["next_offset"])


def _pool_context():
    """``fork`` when the parent runs no other thread (fast, and scripts need no ``__main__`` guard);
    otherwise ``forkserver`` (forking a threaded process - a Dask client, a progress monitor,
    pyarrow - can deadlock), which preloads the heavy imports once so each worker starts cheaply."""
    methods = mp.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return mp.get_context("fork")
    if "forkserver" in methods:
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["nlp.apply.batch", "nlp.apply.tagging", "nlp.tagger.serialize",
                                    "nlp.tagger.prediction", "nlp.features.units"])
        return ctx
    return mp.get_context("spawn")


# -- the partial and its .done sidecar -----------------------------------------------------

def model_fingerprint(model_dir: str | Path | None) -> str:
    """A short hash of the model card (same model → same fingerprint)."""
    from nlp.tagger.serialize import DEFAULT_MODEL_DIR, load_card

    card = load_card(Path(model_dir) if model_dir else DEFAULT_MODEL_DIR)
    blob = json.dumps(card, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()[:16]


# -- conversion --------------------------------------------------------------------------

def _iter_chunks(partial: Path, size: int = CHUNK_ROWS) -> Iterator[list[dict]]:
    chunk: list[dict] = []
    with open(partial, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                chunk.append(json.loads(line))
                if len(chunk) >= size:
                    yield chunk
                    chunk = []
    if chunk:
        yield chunk


def convert_partial(partial: str | Path, out: str | Path, codes: list[str]) -> None:
    """Turn a partial JSONL into ``out`` (.jsonl: renamed; .csv/.parquet: streamed through the one
    table writer, ``nlp.tables.write_chunks``, in chunks of ``CHUNK_ROWS`` rows), atomically, in
    flat memory."""
    partial, out = Path(partial), Path(out)
    if table_format(out) == ".jsonl":
        os.replace(partial, out)
        return
    write_chunks(_iter_chunks(partial), out, TAG_TABLE, codes)


# -- the batch --------------------------------------------------------------------------

def _want_progress(progress: bool | None) -> bool:
    if progress is not None:
        return bool(progress)
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def tag_batch(paths: Iterable[str | Path] | str | Path, out: str | Path, model_dir: str | Path | None = None,
              jobs: int | None = None, granularity: Iterable[str] = GRANULARITIES, resume: bool = False,
              progress: bool | None = None, on_error: Callable[[ReadError], None] | None = None) -> BatchReport:
    """Tag report files, folders and globs into one table ``out`` (.jsonl, .csv or .parquet).

    Args:
        paths: files, folders (recursive) and glob patterns, as ``fazhi ingest`` takes them.
        out: the output table; its suffix picks the format.
        model_dir: a model directory (None: ``models/default``).
        jobs: worker processes (None: ``os.cpu_count()``; 1: in-process, no pool).
        granularity: unit levels to keep ('paragraph', 'item').
        resume: continue an interrupted run from ``<out>.partial.jsonl`` / ``<out>.done``.
        progress: a tqdm bar on stderr (None: only when stderr is a terminal).
        on_error: called with each ``ReadError`` (default: one line on stderr).

    Raises ``TableFormatError`` (bad suffix), ``ModelError`` (unusable model), ``ValueError``
    (bad arguments, or resuming a run made with other settings) and ``KeyboardInterrupt``
    (after leaving the partial resumable). See the module docstring for the files written.
    """
    from nlp.tagger.serialize import DEFAULT_MODEL_DIR, load_card

    t0 = time.perf_counter()
    out = Path(out)
    table_format(out)
    if isinstance(paths, (str, Path)):
        paths = [paths]
    granularity = tuple(granularity)
    bad = [g for g in granularity if g not in GRANULARITIES]
    if bad or not granularity:
        raise ValueError(f"granularity must be a non-empty subset of {GRANULARITIES}, not {granularity}")
    jobs = (os.cpu_count() or 1) if jobs is None else int(jobs)
    if jobs < 1:
        raise ValueError(f"jobs must be >= 1, not {jobs}")
    on_error = on_error or print_error
    model_dir = str(model_dir) if model_dir is not None else None
    card = load_card(Path(model_dir) if model_dir else DEFAULT_MODEL_DIR)  # fail fast, before any pool
    codes = [str(c) for c in card.get("domains", [])]

    report = BatchReport(out=out)

    def failed(err: ReadError) -> None:
        report.n_files_failed += 1
        report.errors.append(err)
        on_error(err)

    files: dict[str, Path] = {}
    for p in expand_paths(paths):
        if isinstance(p, ReadError):
            failed(p)
        else:
            files.setdefault(source_key(p), p)
    own = {source_key(f) for f in (out, partial_path(out), done_path(out))}
    if own & set(files):
        raise ValueError(f"{out}: the output is also an input; choose another --out")
    with OutputLock(out):
        return _run_batch(files, out, model_dir, jobs, granularity, resume, progress, codes, report, failed, t0)


def _run_batch(files: dict[str, Path], out: Path, model_dir: str | None, jobs: int, granularity: tuple[str, ...],
               resume: bool, progress: bool | None, codes: list[str], report: BatchReport, failed, t0: float
               ) -> BatchReport:
    """The batch of ``tag_batch`` once its inputs are known and its output locked."""

    header = {"fazhi_batch": BATCH_FORMAT, "granularity": list(granularity), "model": model_fingerprint(model_dir)}
    state = Partial(out, header)
    state.start(resume)
    todo = [p for k, p in files.items() if k not in state.finished]
    report.n_files_skipped_resumed = len(files) - len(todo)
    report.n_units_resumed = sum(state.finished.values())
    report.n_units = report.n_units_resumed

    parallel = jobs > 1 and len(todo) > 1
    ctx = _pool_context() if parallel else None  # chosen before tqdm starts its monitor thread
    bar = None
    if _want_progress(progress):
        from tqdm import tqdm

        bar = tqdm(total=len(files), initial=report.n_files_skipped_resumed, unit="file", file=sys.stderr,
                   desc="tagging")

    def consume(groups: Iterator[list[tuple[str, bytes | Written, int, str | None]]]) -> None:
        for src, data, n_units, reason in (r for group in groups for r in group):
            if reason is not None:
                failed(ReadError(src, reason))
            else:
                state.commit(source_key(src), data, n_units)
                report.n_files_ok += 1
                report.n_units += n_units
            if bar is not None:
                bar.update(1)

    pool = None
    try:
        if not parallel:
            if todo:
                from nlp.tagger.serialize import load_predictor

                model = load_predictor(model_dir)
                consume(process_files(model, todo[i : i + FILES_PER_TASK], granularity)
                        for i in range(0, len(todo), FILES_PER_TASK))
        else:
            next_offset = ctx.Value("q", state.offset)  # the partial's reserved end (write_reserved)
            if ctx.get_start_method() == "fork":
                _WORKER["model"] = shared_predictor(model_dir)
            pool = ctx.Pool(min(jobs, len(todo)), initializer=_init_worker,
                            initargs=(model_dir, granularity, str(state.partial), next_offset))
            # groups of files per task, but never so few tasks that a worker sits idle
            per_task = max(1, min(FILES_PER_TASK, len(todo) // (4 * jobs)))
            tasks = [[str(p) for p in todo[i : i + per_task]] for i in range(0, len(todo), per_task)]
            consume(pool.imap_unordered(_worker_task, tasks, chunksize=1))
            pool.close()
            pool.join()
            pool = None
            if state.pending():
                raise RuntimeError(f"{state.partial}: worker ranges left unfinished: {state.pending()}")
    except BaseException:
        if pool is not None:
            pool.terminate()
            pool.join()
        state.rollback()  # only complete files' lines remain; the sidecars stay for resume=True
        raise
    finally:
        _WORKER.pop("model", None)
        if bar is not None:
            bar.close()
    state.close()
    convert_partial(state.partial, out, codes)
    state.remove()
    report.seconds = time.perf_counter() - t0
    return report
