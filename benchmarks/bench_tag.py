"""End-to-end tagging throughput on the shared corpus (../shared/corpus/gov-work-reports).

For nested, seeded samples of the corpus files (10%, 25%, 50%, 100% by default) it measures:

- end-to-end tagging (``nlp.apply.batch.tag_batch`` to a temporary .jsonl): MB/s of input (UTF-8
  bytes of the decoded files) and units/s;
- peak memory: ``resource.getrusage`` max RSS of this process (``RUSAGE_SELF``) and of the
  largest finished worker process (``RUSAGE_CHILDREN``), taken right after each subset's
  tag_batch runs, with and without the indicators (all subsets are tagged first, before the
  segmentation and LDA measurements, so these are tag_batch's own). Both are high-water marks,
  so a row's figure covers that row and the smaller subsets before it (flat figures = memory
  does not grow with the batch);
- segmentation only (``Tokenizer("jieba").cut`` and ``Tokenizer("rjieba").cut``) on the same
  decoded file texts, MB/s;
- the same tagging with the indicators extracted in the workers as they tag
  (``tag_batch(..., indicators=...)``, what ``fazhi tag --indicators FILE`` runs; a .jsonl
  table beside the output), and the time that adds as a share of tagging alone (+ind). The
  two runs alternate (``--repeat N`` pairs per subset, medians printed, every run listed), as
  this machine's speed drifts between runs; an untimed warm-up on 8 files comes first, so
  neither pays the imports (before 2026-12-03 the 10% row included them, ~1.8 s);
- LDA fit time: ``nlp.analysis.topics.TopicModel(k=10, passes=...)`` fitted on the non-heading
  paragraphs of the tagged output (tokenizing, phrases, dictionary, LDA and the c_v/c_npmi
  coherence that ``fit`` computes are all inside this time).

    .venv/bin/python benchmarks/bench_tag.py --quick            # 10% only
    .venv/bin/python benchmarks/bench_tag.py --fractions 0.1,0.5 --jobs 2 --no-lda
    .venv/bin/python benchmarks/bench_tag.py --fractions 1.0 --jobs 2 --no-lda --no-jieba --repeat 3

The model is ``models/default`` (or ``--model DIR``); when there is none yet, a small model is
trained on ``labels/seeds.jsonl`` for the run (the timing of tagging hardly depends on it).
Exits 0 with a message when the corpus is missing.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
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
    ap.add_argument("--repeat", type=int, default=1,
                    help="pairs of runs (tagging alone, then with the indicators) per subset; medians printed")
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
        # a warm-up on a few files, untimed: imports (the indicators' too) are paid by neither timed run
        tag_batch(files[:8], tmp / "warm.jsonl", model_dir=model_dir, jobs=jobs, progress=False,
                  on_error=lambda e: None, indicators=tmp / "warm-indicators.jsonl")
        rows = []
        for frac in fractions:
            subset = sample(files, frac, args.seed)
            out, ind = tmp / f"tags-{frac}.jsonl", tmp / f"indicators-{frac}.jsonl"
            runs: dict[bool, list[float]] = {False: [], True: []}
            for i in range(max(1, args.repeat)):
                for with_ind in (False, True) if i % 2 == 0 else (True, False):  # alternate who goes first
                    t0 = time.perf_counter()
                    rep = tag_batch(subset, out, model_dir=model_dir, jobs=jobs, progress=False,
                                    on_error=lambda e: None, indicators=ind if with_ind else None)
                    runs[with_ind].append(time.perf_counter() - t0)
                    if with_ind:
                        n_ind = rep.n_indicators
                    else:
                        tag_rep = rep
            rows.append({"frac": frac, "subset": subset, "out": out, "rep": tag_rep, "runs": runs, "n_ind": n_ind,
                         "rss": maxrss_mb(resource.RUSAGE_SELF), "wrk": maxrss_mb(resource.RUSAGE_CHILDREN)})
            print(f"  tagged {frac:.0%}: {len(subset)} files in {' '.join(f'{x:.1f}' for x in runs[False])} s, "
                  f"with indicators {' '.join(f'{x:.1f}' for x in runs[True])} s", file=sys.stderr, flush=True)
        # Phase 2: segmentation only and LDA on the same files.
        header = (f"{'frac':>5} {'files':>6} {'MB':>7} {'units':>8} {'e2e s':>7} {'MB/s':>6} {'units/s':>8} "
                  f"{'rss MB':>7} {'wrk MB':>7} {'jieba':>6} {'rjieba':>7} {'+ind s':>7} {'+ind':>5} {'LDA s':>7}")
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
            rep, runs = r["rep"], r["runs"]
            e2e, with_ind = statistics.median(runs[False]), statistics.median(runs[True])
            print(f"{r['frac']:>5.0%} {len(r['subset']):>6} {n_bytes / MB:>7.1f} {rep.n_units:>8} {e2e:>7.1f} "
                  f"{n_bytes / MB / e2e:>6.2f} {rep.n_units / e2e:>8.0f} {r['rss']:>7.0f} {r['wrk']:>7.0f} "
                  f"{jieba:>6.2f} {rjieba:>7.2f} {with_ind:>7.1f} {with_ind / e2e - 1:>+5.0%} {lda_s:>7.1f}",
                  flush=True)
            if len(runs[False]) > 1:
                pairs = " ".join(f"{b / a - 1:+.0%}" for a, b in zip(runs[False], runs[True], strict=True))
                print(f"      runs: tag {' '.join(f'{x:.1f}' for x in runs[False])} s; with indicators "
                      f"{' '.join(f'{x:.1f}' for x in runs[True])} s; +ind per pair {pairs}")
            print(f"      {r['n_ind']} indicator rows")
            if rep.n_files_failed:
                print(f"      ({rep.n_files_failed} file(s) failed: {rep.errors[0]})")
    print("MB = 10^6 UTF-8 bytes of decoded input; e2e = read+clean+structure+tag+write (tag_batch); "
          "rss = max RSS of this process, wrk = max RSS of the largest worker (both high-water marks); "
          "jieba/rjieba = segmentation-only MB/s (Tokenizer(...).cut, one process); "
          "+ind s = e2e with the indicators extracted in the workers (tag_batch(indicators=...)), "
          "+ind = the time that adds, as a share of e2e (medians of --repeat alternating pairs); "
          f"LDA = TopicModel(k=10, passes={args.passes}).fit on non-heading paragraphs, coherence included.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
