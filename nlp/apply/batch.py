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
- **Indicators alongside.** ``indicators=FILE`` (``fazhi tag --indicators``) also writes the
  indicator rows of the tagged paragraphs (``nlp.indicators.table.document_indicators``, the
  rows ``fazhi indicators`` gives) to ``FILE``: each worker extracts a file's rows right after
  tagging it, from the units and labels it holds, and writes them to ``<FILE>.partial.jsonl``
  at offsets reserved under the same lock as the tagged rows', so files stand in the same
  order in both partials (the order of the output) and each ``.done`` line records both ends.
  Both partials are cut back, resumed and converted together; a resume must ask for the same
  ``FILE`` (it is in the ``.done`` header), and needs the ``.done`` file. Why in the workers:
  extracting after tagging is one more process over the whole output (measured at 176% of the
  tagging time on the corpus); in the workers it is spread over the cores and the texts are
  already in memory.
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
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from nlp.apply._json_rows import tagged_jsonl_many
from nlp.apply._partial import OutputLock, Partial, Written, done_path, partial_path, source_key, write_reserved
from nlp.apply.tagging import pools_documents
from nlp.errors import ReadError
from nlp.ingest.pipeline import ingest_file
from nlp.ingest.read import expand_paths
from nlp.schema import GRANULARITIES, TAG_COLUMNS, TAG_TABLE, Column
from nlp.tables import json_default, table_format, write_chunks

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
    indicators: Path | None = None  # the indicator table written, if asked for
    n_indicators: int = 0  # its rows


def print_error(err: ReadError) -> None:
    """The default ``on_error``: one line on stderr, as ``fazhi ingest`` prints it."""
    print(f"fazhi: skipped {err.path}: {err.reason}", file=sys.stderr, flush=True)


# -- one file ------------------------------------------------------------------------------

def process_files(model, paths: list[str | Path], granularity: Iterable[str] = GRANULARITIES,
                  indicators: bool = False, indicator_types: str | None = None) -> list[tuple]:
    """Ingest and tag a group of files: ``(path, jsonl_bytes, n_units, error_reason_or_None)`` each,
    and with ``indicators`` a fifth element, the JSON lines of the file's indicator rows
    (``nlp.indicators.table.document_indicators`` of its paragraphs, as ``fazhi indicators``
    extracts them: ``start``/``end`` point into the source; ``indicator_types``: a user's file of
    indicator types, ``nlp.indicators.extract.load_rules``).

    Never raises for a bad file (the reason is returned as a string, because ``ReadError``
    does not pickle across processes). A file whose indicators cannot be extracted fails whole,
    so a resume retries it.
    """
    granularity = tuple(granularity)
    # a model that reads units in their document needs every unit of it, whatever is written;
    # the indicators are the paragraphs' (written or not)
    read = set(GRANULARITIES) if pools_documents(model) else set(granularity)
    if indicators:
        read.add("paragraph")
    keep = set(granularity) if read != set(granularity) else None
    results: list[list] = []
    good: list[int] = []
    rows_of: list[list[dict]] = []
    sources: list[dict[str, str]] = []
    for path in paths:
        try:
            ingested = ingest_file(path)
            rows = ingested.unit_rows(read)
        except ReadError as err:
            results.append([str(path), b"", 0, err.reason, b""])
            continue
        except Exception as err:  # defensive: one odd file must never kill a batch
            results.append([str(path), b"", 0, f"failed to process ({type(err).__name__}: {err})", b""])
            continue
        n_written = len(rows) if keep is None else sum(r["granularity"] in keep for r in rows)
        results.append([str(path), b"", n_written, None, b""])
        good.append(len(results) - 1)
        rows_of.append(rows)
        sources.append({ingested.meta.doc_id: ingested.source_text} if indicators else {})
    labels_of: list | None = [] if indicators else None
    try:
        texts = tagged_jsonl_many(model, rows_of, keep, labels_of)
    except Exception:
        if len(rows_of) <= 1:
            raise
        texts = []  # tag file by file, so one odd file cannot fail its neighbours
        labels_of = [] if indicators else None
        for rows in rows_of:
            try:
                texts.append(tagged_jsonl_many(model, [rows], keep, labels_of)[0])
            except Exception as err:
                texts.append(err)
                if labels_of is not None:
                    labels_of.append(None)
    for j, (i, text) in enumerate(zip(good, texts, strict=True)):
        if isinstance(text, Exception):
            results[i][1:4] = [b"", 0, f"failed to process ({type(text).__name__}: {text})"]
            continue
        results[i][1] = text
        if labels_of is not None:
            try:
                results[i][4] = _indicator_lines(rows_of[j], labels_of[j], sources[j], indicator_types)
            except Exception as err:  # defensive: the file fails, the batch goes on
                results[i][1:4] = [b"", 0, f"failed to extract indicators ({type(err).__name__}: {err})"]
    return [tuple(r) if indicators else tuple(r[:4]) for r in results]


def _indicator_lines(rows: list[dict], labels: list, source_texts: dict[str, str], types: str | None = None) -> bytes:
    """One file's indicator rows as JSON lines (the side partial's bytes)."""
    import orjson

    from nlp.indicators.extract import load_rules
    from nlp.indicators.table import document_indicators

    found = document_indicators(rows, labels, source_texts, load_rules(types))
    return b"".join([orjson.dumps(r, default=json_default, option=orjson.OPT_APPEND_NEWLINE) for r in found])


def process_file(model, path: str | Path, granularity: Iterable[str] = GRANULARITIES, indicators: bool = False,
                 indicator_types: str | None = None) -> tuple:
    """Ingest and tag one file (see ``process_files``)."""
    try:
        return process_files(model, [path], granularity, indicators, indicator_types)[0]
    except Exception as err:  # defensive: one odd file must never kill a batch
        return (str(path), b"", 0, f"failed to process ({type(err).__name__}: {err})") + ((b"",) if indicators else ())


# -- pool workers ----------------------------------------------------------------------------

_WORKER: dict = {}


def _init_worker(model_dir: str | None, granularity: tuple[str, ...], partial: str | None = None,
                 next_offset=None, side: str | None = None, side_next=None, indicator_types: str | None = None
                 ) -> None:
    """Pool initializer: ignore Ctrl-C (the parent handles it), one BLAS thread, load the model once,
    open the partial (and the indicators' side partial, ``side``) for writing at reserved offsets
    (``write_reserved``).

    The pool already has a process per core; BLAS threads on top of it only spin against the
    other workers (measured 20% slower at jobs=2 when the word-vector block still used BLAS;
    prediction now avoids BLAS, this keeps any library call from doing it again).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from threadpoolctl import threadpool_limits

    from nlp.tagger.serialize import load_predictor

    threadpool_limits(1)

    _WORKER["granularity"] = granularity
    _WORKER["indicator_types"] = indicator_types
    try:
        if "model" not in _WORKER:  # else inherited from the parent (``shared_predictor``)
            _WORKER["model"] = load_predictor(model_dir)
        if partial is not None:
            _WORKER["fd"] = os.open(partial, os.O_WRONLY)
            _WORKER["next_offset"] = next_offset
        if side is not None:
            _WORKER["side_fd"] = os.open(side, os.O_WRONLY)
            _WORKER["side_next"] = side_next
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


def _worker_task(paths: list[str]) -> list[tuple]:
    if "error" in _WORKER:
        raise _WORKER["error"]
    side_fd = _WORKER.get("side_fd")
    results = process_files(_WORKER["model"], paths, _WORKER["granularity"], indicators=side_fd is not None,
                            indicator_types=_WORKER.get("indicator_types"))
    if "fd" not in _WORKER:
        return results
    return write_reserved(results, _WORKER["fd"], _WORKER["next_offset"], side_fd, _WORKER.get("side_next"))


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


def convert_partial(partial: str | Path, out: str | Path, codes: list[str], table: Sequence[Column] = TAG_TABLE
                    ) -> None:
    """Turn a partial JSONL into ``out`` (.jsonl: renamed; .csv/.parquet: streamed through the one
    table writer, ``nlp.tables.write_chunks``, in chunks of ``CHUNK_ROWS`` rows), atomically, in
    flat memory. ``table``: the columns and types (the tagged units', or the indicators')."""
    partial, out = Path(partial), Path(out)
    if table_format(out) == ".jsonl":
        os.replace(partial, out)
        return
    write_chunks(_iter_chunks(partial), out, table, codes)


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
              progress: bool | None = None, on_error: Callable[[ReadError], None] | None = None,
              indicators: str | Path | None = None, indicator_types: str | Path | None = None) -> BatchReport:
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
        indicators: also write the indicator rows of the tagged paragraphs to this table (.jsonl,
            .csv or .parquet; ``nlp.indicators.table.TABLE_COLUMNS``), extracted by the workers
            as they tag (see the module docstring).
        indicator_types: with ``indicators``, a file of indicator types of one's own
            (``nlp.indicators.extract.rules_data``); None: the packaged ones.

    Raises ``TableFormatError`` (bad suffix), ``ModelError`` (unusable model), ``ValueError``
    (bad arguments, or resuming a run made with other settings) and ``KeyboardInterrupt``
    (after leaving the partial resumable). See the module docstring for the files written.
    """
    from nlp.tagger.serialize import DEFAULT_MODEL_DIR, load_card

    t0 = time.perf_counter()
    out = Path(out)
    table_format(out)
    side = Path(indicators) if indicators is not None else None
    if side is not None:
        table_format(side)
    if indicator_types is not None:
        if side is None:
            raise ValueError("indicator types are read only with an indicator table to write (indicators=FILE)")
        from nlp.indicators.extract import load_rules

        indicator_types = str(indicator_types)
        load_rules(indicator_types)  # a bad file: one line now, not one per worker
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
    if side is not None:
        side_own = {source_key(f) for f in (side, partial_path(side))}
        if side_own & (own | set(files)):
            raise ValueError(f"{side}: the indicator table is also an input or the tagged output; choose another file")
        report.indicators = side
    with OutputLock(out), (OutputLock(side) if side is not None else nullcontext()):
        return _run_batch(files, out, model_dir, jobs, granularity, resume, progress, codes, report, failed, t0, side,
                          indicator_types)


def _run_batch(files: dict[str, Path], out: Path, model_dir: str | None, jobs: int, granularity: tuple[str, ...],
               resume: bool, progress: bool | None, codes: list[str], report: BatchReport, failed, t0: float,
               side: Path | None = None, indicator_types: str | None = None) -> BatchReport:
    """The batch of ``tag_batch`` once its inputs are known and its outputs locked."""
    header = {"fazhi_batch": BATCH_FORMAT, "granularity": list(granularity), "model": model_fingerprint(model_dir)}
    if side is not None:  # a resume must write the same indicator table, or none
        header["indicators"] = source_key(side)
    if indicator_types is not None:  # and with the same types
        header["indicator_types"] = hashlib.sha256(Path(indicator_types).read_bytes()).hexdigest()[:16]
    state = Partial(out, header, side)
    state.start(resume)
    todo = [p for k, p in files.items() if k not in state.finished]
    report.n_files_skipped_resumed = len(files) - len(todo)
    report.n_units_resumed = sum(state.finished.values())
    report.n_units = report.n_units_resumed
    if state.side is not None and state.finished:
        report.n_indicators = _count_lines(state.side)  # the resumed files' rows

    parallel = jobs > 1 and len(todo) > 1
    ctx = _pool_context() if parallel else None  # chosen before tqdm starts its monitor thread
    bar = None
    if _want_progress(progress):
        from tqdm import tqdm

        bar = tqdm(total=len(files), initial=report.n_files_skipped_resumed, unit="file", file=sys.stderr,
                   desc="tagging")

    def consume(groups: Iterator[list[tuple]]) -> None:
        for src, data, n_units, reason, *rest in (r for group in groups for r in group):
            if reason is not None:
                failed(ReadError(src, reason))
            else:
                side_data = rest[0] if rest else b""
                state.commit(source_key(src), data, n_units, side_data)
                report.n_files_ok += 1
                report.n_units += n_units
                report.n_indicators += data.side_rows if isinstance(data, Written) else side_data.count(b"\n")
            if bar is not None:
                bar.update(1)

    pool = None
    try:
        if not parallel:
            if todo:
                from nlp.tagger.serialize import load_predictor

                model = load_predictor(model_dir)
                consume(process_files(model, todo[i : i + FILES_PER_TASK], granularity, side is not None,
                                      indicator_types) for i in range(0, len(todo), FILES_PER_TASK))
        else:
            next_offset = ctx.Value("q", state.offset)  # the partial's reserved end (write_reserved)
            # the side partial's, reserved under next_offset's lock
            side_next = ctx.RawValue("q", state.side_offset) if side is not None else None
            if ctx.get_start_method() == "fork":
                _WORKER["model"] = shared_predictor(model_dir)
                if side is not None:  # the indicator rules too, for the workers to inherit
                    from nlp.indicators.extract import load_rules

                    load_rules(indicator_types)
            pool = ctx.Pool(min(jobs, len(todo)), initializer=_init_worker,
                            initargs=(model_dir, granularity, str(state.partial), next_offset,
                                      str(state.side) if state.side is not None else None, side_next,
                                      indicator_types))
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
    if state.side is not None:
        from nlp.indicators.table import INDICATOR_TABLE

        convert_partial(state.side, side, [], INDICATOR_TABLE)
    state.remove()
    report.seconds = time.perf_counter() - t0
    return report


def _count_lines(path: Path) -> int:
    """Lines of a partial (its rows): for the indicator rows a resumed run keeps, which no reply
    of this run counts."""
    n = 0
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            n += block.count(b"\n")
    return n
