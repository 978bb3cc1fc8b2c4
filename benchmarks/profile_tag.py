"""Where end-to-end tagging time goes: cProfile over N corpus files, in one process (jobs=1).

Runs ``nlp.apply.batch.process_files`` (ingest_file + one model call per group + JSON lines) on a seeded
sample of files with the model already loaded, then prints each pipeline stage's share of the
total (cumulative time of the stage's entry function) and the top functions by own time.

    .venv/bin/python benchmarks/profile_tag.py [--files 20] [--model DIR] [--top 25]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_tag import CORPUS, corpus_files, default_model  # noqa: E402

# (label, module file suffix, function name): cumulative time of these entry points. Keep the paths in
# step with the package layout: a moved module shows as 0.00 here (tests/test_profile_stages.py checks them).
STAGES = [
    ("read (decode, front matter)", "nlp/ingest/read.py", "read_file"),
    ("clean (furniture, pinyin, T→S)", "nlp/ingest/clean.py", "clean"),
    ("meta (year, body, region)", "nlp/ingest/meta.py", "extract_meta"),
    ("structure (headings, items)", "nlp/ingest/structure.py", "structure"),
    ("unit rows", "nlp/ingest/pipeline.py", "unit_rows"),
    ("tagging total (tagged_jsonl_many)", "nlp/apply/_json_rows.py", "tagged_jsonl_many"),
    ("  pooled probabilities (_proba_texts)", "nlp/tagger/prediction.py", "_proba_texts"),
    ("    features × heads", "nlp/features/units.py", "decision_with_sentences"),
    ("      segmentation + token hashes", "nlp/text/token_batch.py", "segment_batch"),
    ("      word n-grams", "nlp/features/word_ngrams.py", "decision"),
    ("      char n-grams", "nlp/features/char_ngrams.py", "transform"),
    ("      cue counts", "nlp/features/cues.py", "transform"),
    ("      word vectors", "nlp/features/embeddings.py", "decision"),
    ("JSON lines (orjson.dumps)", "~", "orjson.dumps"),  # a built-in: its name as pstats spells it varies
]


def stage_times(stats: pstats.Stats) -> dict[str, float]:
    out = {}
    for label, fsuffix, func in STAGES:
        total = 0.0
        for (fname, _line, fn), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():
            if (fn == func and fname.endswith(fsuffix)) or (fsuffix == "~" == fname and func in fn):
                total = max(total, ct) if func in ("transform", "decision", "<listcomp>") else total + ct
        out[label] = total
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=20)
    ap.add_argument("--model", default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--corpus", default=str(CORPUS))
    args = ap.parse_args(argv)
    corpus = Path(args.corpus)
    if not corpus.is_dir():
        print(f"profile_tag: corpus not found at {corpus}; nothing to profile.")
        return 0
    files = corpus_files(corpus)
    random.Random(args.seed).shuffle(files)
    files = sorted(files[: args.files])

    from nlp.apply.batch import FILES_PER_TASK, process_file, process_files
    from nlp.tagger.serialize import load_model

    with tempfile.TemporaryDirectory() as tmpd:
        model_dir, model_name = default_model(Path(tmpd), args.model)
        model = load_model(model_dir)
    process_file(model, files[0])  # warm caches (dictionaries, OpenCC, patterns) outside the profile
    n_bytes = sum(len(p.read_bytes()) for p in files)
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    n_units = 0
    for i in range(0, len(files), FILES_PER_TASK):
        for p, _, n, reason in process_files(model, files[i : i + FILES_PER_TASK]):
            n_units += n
            if reason:
                print(f"  failed {p}: {reason}")
    prof.disable()
    wall = time.perf_counter() - t0
    stats = pstats.Stats(prof)
    total = sum(v[3] for k, v in stats.stats.items() if k[2] == "process_files") or wall
    print(f"model: {model_name}; {len(files)} files, {n_bytes / 1e6:.1f} MB, {n_units} units; "
          f"{wall:.1f} s under cProfile ({n_bytes / 1e6 / wall:.2f} MB/s with profiling overhead)")
    print(f"{'stage':<40} {'seconds':>8} {'share':>6}")
    for label, sec in stage_times(stats).items():
        print(f"{label:<40} {sec:>8.2f} {sec / total:>6.1%}")
    print(f"\ntop {args.top} functions by own time:")
    stats.sort_stats("tottime").print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
