"""End-to-end tagging throughput on the shared corpus (../shared/corpus/gov-work-reports).

For nested, seeded samples of the corpus files (10%, 25%, 50%, 100% by default) it measures:

- end-to-end tagging (``nlp.apply.batch.tag_batch`` to a temporary .jsonl): MB/s of input (UTF-8
  bytes of the decoded files) and units/s;
- peak memory: ``resource.getrusage`` max RSS of this process (``RUSAGE_SELF``) and of the
  largest finished worker process (``RUSAGE_CHILDREN``), taken right after each subset's
  tag_batch (all subsets are tagged first, before the segmentation and LDA measurements, so
  these are tag_batch's own). Both are high-water marks, so a row's figure covers that row and
  the smaller subsets before it (flat figures = memory does not grow with the batch);
- segmentation only (``Tokenizer("jieba").cut`` and ``Tokenizer("rjieba").cut``) on the same
  decoded file texts, MB/s;
- indicator extraction (``nlp.indicators.table.unit_indicators``, one process) over the tagged
  paragraphs of the same output, and its time as a share of the end-to-end tagging time;
- LDA fit time: ``nlp.analysis.topics.TopicModel(k=10, passes=...)`` fitted on the non-heading
  paragraphs of the tagged output (tokenizing, phrases, dictionary, LDA and the c_v/c_npmi
  coherence that ``fit`` computes are all inside this time).

    .venv/bin/python benchmarks/bench_tag.py --quick            # 10% only
    .venv/bin/python benchmarks/bench_tag.py --fractions 0.1,0.5 --jobs 2 --no-lda

The model is ``models/default`` (or ``--model DIR``); when there is none yet, a small model is
trained on ``labels/seeds.jsonl`` for the run (the timing of tagging hardly depends on it).
Exits 0 with a message when the corpus is missing.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPUS = ROOT.parent / "shared" / "corpus" / "gov-work-reports"
MB = 1_000_000


def corpus_files(root: Path) -> list[Path]:
    from nlp.ingest.read import SUPPORTED_SUFFIXES

    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)


def sample(files: list[Path], fraction: float, seed: int) -> list[Path]:
    """Nested seeded samples: a fixed shuffle, then its first ``fraction`` of the files."""
    order = files[:]
    random.Random(seed).shuffle(order)
    return sorted(order[: max(1, round(len(order) * fraction))])


def default_model(tmp: Path, model: str | None) -> tuple[str, str]:
    from nlp.tagger.serialize import DEFAULT_MODEL_DIR

    if model:
        return model, model
    if (DEFAULT_MODEL_DIR / "card.json").is_file() and (DEFAULT_MODEL_DIR / "arrays.npz").is_file():
        return str(DEFAULT_MODEL_DIR), "models/default"
    from nlp.tagger.estimator import DomainTagger
    from nlp.tagger.serialize import save_model
    from nlp.training.labels import load_label_file

    df = load_label_file(ROOT / "labels" / "seeds.jsonl")
    m = DomainTagger(threshold_folds=2).fit(df["text"], df["labels"])
    save_model(m, tmp / "model", {})
    return str(tmp / "model"), "tiny seeds model (models/default missing)"


def maxrss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: KiB


def segment_mbps(texts: list[str], segmenter: str) -> float:
    from nlp.text.tokenize import Tokenizer

    tok = Tokenizer(segmenter)
    tok.cut("预热分词器")  # load the dictionary outside the timing
    n = sum(len(t.encode("utf-8")) for t in texts)
    t0 = time.perf_counter()
    for t in texts:
        tok.cut(t)
    return n / MB / (time.perf_counter() - t0)


def paragraphs(jsonl: Path) -> list[str]:
    import json

    out = []
    with open(jsonl, encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            if r["granularity"] == "paragraph" and not r["is_heading"]:
                out.append(r["text"])
    return out


def indicator_seconds(jsonl: Path) -> tuple[float, int]:
    """Seconds (one process) to extract the indicators of a tagged output's paragraphs (reading the
    JSON lines is not timed), and how many quantities."""
    import pandas as pd

    from nlp.indicators.table import unit_indicators

    units = pd.read_json(jsonl, lines=True, dtype=False)
    units = units[units["granularity"] == "paragraph"]
    t0 = time.perf_counter()
    rows = unit_indicators(units)
    return time.perf_counter() - t0, len(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fractions", default="0.1,0.25,0.5,1.0", help="comma-separated file fractions")
    ap.add_argument("--jobs", type=int, default=None, help="tag_batch worker processes (default: all cores)")
    ap.add_argument("--quick", action="store_true", help="stop after the 10%% subset")
    ap.add_argument("--no-lda", action="store_true", help="skip the LDA fit")
    ap.add_argument("--no-jieba", action="store_true", help="skip the (slow) pure-Python jieba segmentation")
    ap.add_argument("--passes", type=int, default=2, help="LDA passes")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--model", default=None, help="model directory (default: models/default)")
    ap.add_argument("--corpus", default=str(CORPUS))
    args = ap.parse_args(argv)

    corpus = Path(args.corpus)
    if not corpus.is_dir():
        print(f"bench_tag: corpus not found at {corpus}; nothing to measure.")
        return 0
    fractions = [float(f) for f in args.fractions.split(",") if f.strip()]
    if args.quick:
        fractions = [f for f in fractions if f <= 0.1] or [0.1]
    files = corpus_files(corpus)
    jobs = args.jobs or os.cpu_count() or 1

    from nlp.apply.batch import tag_batch
    from nlp.errors import ReadError
    from nlp.ingest.read import read_file

    with tempfile.TemporaryDirectory(prefix="bench_tag.") as tmpd:
        tmp = Path(tmpd)
        model_dir, model_name = default_model(tmp, args.model)
        print(f"corpus: {corpus} ({len(files)} files); jobs={jobs}; model: {model_name}; "
              f"cpu cores: {os.cpu_count()}")
        # Phase 1: end-to-end tagging for every subset, first, so the RSS high-water marks are
        # tag_batch's own (not the benchmark's jieba dictionaries or LDA below).
        rows = []
        for frac in fractions:
            subset = sample(files, frac, args.seed)
            out = tmp / f"tags-{frac}.jsonl"
            t0 = time.perf_counter()
            rep = tag_batch(subset, out, model_dir=model_dir, jobs=jobs, progress=False, on_error=lambda e: None)
            e2e = time.perf_counter() - t0
            rows.append({"frac": frac, "subset": subset, "out": out, "rep": rep, "e2e": e2e,
                         "rss": maxrss_mb(resource.RUSAGE_SELF), "wrk": maxrss_mb(resource.RUSAGE_CHILDREN)})
            print(f"  tagged {frac:.0%}: {len(subset)} files in {e2e:.1f} s", file=sys.stderr, flush=True)
        # Phase 2: segmentation only and LDA on the same files.
        header = (f"{'frac':>5} {'files':>6} {'MB':>7} {'units':>8} {'e2e s':>7} {'MB/s':>6} {'units/s':>8} "
                  f"{'rss MB':>7} {'wrk MB':>7} {'jieba':>6} {'rjieba':>7} {'ind s':>6} {'+ind':>5} {'LDA s':>7}")
        print(header)
        print("-" * len(header))
        for r in rows:
            texts = []
            for p in r["subset"]:
                try:
                    texts.append(read_file(p).text)
                except ReadError:
                    pass
            n_bytes = sum(len(t.encode("utf-8")) for t in texts)
            jieba = float("nan") if args.no_jieba else segment_mbps(texts, "jieba")
            rjieba = segment_mbps(texts, "rjieba")
            del texts
            lda_s = float("nan")
            if not args.no_lda:
                from nlp.analysis.topics import TopicModel

                paras = paragraphs(r["out"])
                t0 = time.perf_counter()
                TopicModel(k=10, passes=args.passes, seed=args.seed).fit(paras)
                lda_s = time.perf_counter() - t0
                del paras
            rep, e2e = r["rep"], r["e2e"]
            ind_s, _ = indicator_seconds(r["out"])
            print(f"{r['frac']:>5.0%} {len(r['subset']):>6} {n_bytes / MB:>7.1f} {rep.n_units:>8} {e2e:>7.1f} "
                  f"{n_bytes / MB / e2e:>6.2f} {rep.n_units / e2e:>8.0f} {r['rss']:>7.0f} {r['wrk']:>7.0f} "
                  f"{jieba:>6.2f} {rjieba:>7.2f} {ind_s:>6.1f} {ind_s / e2e:>5.0%} {lda_s:>7.1f}", flush=True)
            if rep.n_files_failed:
                print(f"      ({rep.n_files_failed} file(s) failed: {rep.errors[0]})")
    print("MB = 10^6 UTF-8 bytes of decoded input; e2e = read+clean+structure+tag+write (tag_batch); "
          "rss = max RSS of this process, wrk = max RSS of the largest worker (both high-water marks); "
          "jieba/rjieba = segmentation-only MB/s (Tokenizer(...).cut, one process); "
          "ind s = indicator extraction over the tagged paragraphs (one process), +ind = that / e2e; "
          f"LDA = TopicModel(k=10, passes={args.passes}).fit on non-heading paragraphs, coherence included.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
