"""Tagging on a Dask cluster: a ``dask.bag`` over report files, one JSONL part file per partition.

``tag_with_dask`` is the multi-machine counterpart of ``nlp.apply.batch.tag_batch``. The file list
becomes a ``dask.bag``; each partition is ingested and tagged by one task, which writes its rows
(the columns of ``nlp.apply.batch.TAG_COLUMNS``) to ``out_dir/part-NNNNN.jsonl`` atomically (a temporary
file in ``out_dir`` renamed into place, so a part is either complete or absent). Each worker
process loads the model once and keeps it in a module-level cache keyed by the model directory.
Read them back with ``pandas.read_json(part, lines=True)`` for each part, or
``dask.dataframe.read_json(out_dir + '/part-*.jsonl', lines=True)``.

Running on a real cluster
-------------------------

1. Install the project (``pip install -e '.[dask]'``) in the same Python environment on every
   machine, so the workers can import ``nlp`` and its data files.
2. Put the report files, the model directory and ``out_dir`` on a filesystem every machine
   sees under the **same path** (NFS, a cluster filesystem, a mounted share). Workers open the
   files themselves: only paths travel over the network, never the texts or the model.
3. On one machine start the scheduler::

       dask scheduler                      # listens on tcp://<host>:8786, dashboard on :8787

4. On each machine start workers pointed at it (one process per core keeps the GIL out of the
   way; each process loads the model once)::

       dask worker tcp://<scheduler-host>:8786 --nworkers auto --nthreads 1

5. From any machine that sees the shared filesystem::

       from nlp.apply.dask_tag import tag_with_dask
       parts = tag_with_dask(["/shared/reports"], "/shared/out/tags",
                             model_dir="/shared/models/default",
                             scheduler="tcp://<scheduler-host>:8786")

   or pass an existing ``distributed.Client`` as ``scheduler``. With ``scheduler=None`` the
   local multiprocessing scheduler is used (``"threads"``/``"sync"`` select the others).

Paths are made absolute on the client before they are sent, so relative paths only work
where the client's working directory is also on the shared filesystem at the same place.
"""

from __future__ import annotations

import math
import os
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from nlp.errors import ReadError
from nlp.ingest.pipeline import GRANULARITIES
from nlp.ingest.read import expand_paths

_MODELS: dict[str, object] = {}
_MODELS_LOCK = threading.Lock()
LOCAL_SCHEDULERS = ("processes", "threads", "sync", "synchronous", "single-threaded")


def cached_model(model_dir: str | None):
    """The model for ``model_dir`` (None: the default), loaded once per worker process."""
    key = str(Path(model_dir).resolve()) if model_dir else ""
    with _MODELS_LOCK:  # threaded workers: one load, not one per thread
        if key not in _MODELS:
            from nlp.tagger.serialize import load_predictor

            _MODELS[key] = load_predictor(model_dir)
        return _MODELS[key]


def write_part(files: list[str], index: int, out_dir: str, model_dir: str | None,
               granularity: tuple[str, ...]) -> dict:
    """Tag one partition's files into ``out_dir/part-<index>.jsonl`` (atomically).

    Returns ``{"path", "n_files", "n_units", "errors": [(path, reason), ...]}``.
    """
    from nlp.apply.batch import FILES_PER_TASK, process_files
    from nlp.tables import atomic_path

    model = cached_model(model_dir)
    target = Path(out_dir) / f"part-{index:05d}.jsonl"
    n_units = 0
    errors: list[tuple[str, str]] = []
    with atomic_path(target) as tmp, open(tmp, "wb") as fh:
        groups = (process_files(model, files[i : i + FILES_PER_TASK], granularity)
                  for i in range(0, len(files), FILES_PER_TASK))
        for src, text, n, reason in (r for group in groups for r in group):
            if reason is not None:
                errors.append((src, reason))
            else:
                fh.write(text)
                n_units += n
    return {"path": str(target), "n_files": len(files), "n_units": n_units, "errors": errors}


def _default_npartitions(n_files: int, client) -> int:
    workers = sum(client.nthreads().values()) if client is not None else (os.cpu_count() or 1)
    return max(1, min(n_files, 4 * max(1, workers)))


def tag_with_dask(paths: Iterable[str | Path] | str | Path, out_dir: str | Path, model_dir: str | Path | None = None,
                  scheduler=None, granularity: Iterable[str] = GRANULARITIES, npartitions: int | None = None,
                  on_error: Callable[[ReadError], None] | None = None) -> list[Path]:
    """Tag report files with Dask; returns the part files written (in partition order).

    Args:
        paths: files, folders (recursive) and globs (expanded on the client).
        out_dir: folder for ``part-NNNNN.jsonl`` files (created; stale parts of an earlier run
            with more partitions are removed, other files are left alone).
        model_dir: model directory as the *workers* see it (None: each worker's ``models/default``).
        scheduler: a distributed scheduler address (``"tcp://host:8786"``), a
            ``distributed.Client``, a local scheduler name (``"processes"``, ``"threads"``,
            ``"sync"``) or None (local processes). See the module docstring for a real cluster.
        granularity: unit levels to keep.
        npartitions: number of tasks/part files (default: 4 per worker thread, at most one per file).
        on_error: called with each unreadable file's ``ReadError`` (default: one line on stderr).
    """
    import dask
    import dask.bag as db

    from nlp.apply.batch import print_error

    on_error = on_error or print_error
    if isinstance(paths, (str, Path)):
        paths = [paths]
    granularity = tuple(granularity)
    files: list[str] = []
    for p in expand_paths(paths):
        if isinstance(p, ReadError):
            on_error(p)
        else:
            files.append(os.path.abspath(p))
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    model_dir = str(Path(model_dir).resolve()) if model_dir is not None else None

    client, own_client = None, False
    if isinstance(scheduler, str) and scheduler not in LOCAL_SCHEDULERS:
        from distributed import Client

        client, own_client = Client(scheduler), True
    elif scheduler is not None and not isinstance(scheduler, str):
        client = scheduler
    try:
        if not files:
            return []
        n = npartitions or _default_npartitions(len(files), client)
        n = max(1, min(int(n), len(files)))
        bag = db.from_sequence(files, partition_size=math.ceil(len(files) / n))
        tasks = [dask.delayed(write_part)(part, i, str(out), model_dir, granularity)
                 for i, part in enumerate(bag.to_delayed())]
        if client is not None:
            results = client.gather(client.compute(tasks))
        else:
            results = dask.compute(*tasks, scheduler=scheduler or "processes")
    finally:
        if own_client:
            client.close()
    written = [Path(r["path"]) for r in results]
    keep = {p.name for p in written}
    for stale in out.glob("part-*.jsonl"):
        if stale.name not in keep:
            stale.unlink()
    for r in results:
        for src, reason in r["errors"]:
            on_error(ReadError(src, reason))
    return written


if __name__ == "__main__":  # python -m nlp.apply.dask_tag OUT_DIR PATH... [--scheduler tcp://host:8786]
    args = sys.argv[1:]
    sched = None
    if "--scheduler" in args:
        i = args.index("--scheduler")
        sched = args[i + 1]
        del args[i:i + 2]
    if len(args) < 2:
        sys.exit("usage: python -m nlp.apply.dask_tag OUT_DIR PATH... [--scheduler tcp://host:8786]")
    for part in tag_with_dask(args[1:], args[0], scheduler=sched):
        print(part)
