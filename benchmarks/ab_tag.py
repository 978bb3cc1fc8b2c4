"""A/B of tagging speed between this checkout and another revision, in alternating runs.

This machine's speed moves by ±30% between identical runs (and up to 2x within a day), so two
benchmark runs minutes apart do not compare. This runs both versions in turn, several rounds,
each in a fresh process on the same seeded corpus sample with the same model, and reports the
CPU seconds of ``nlp.apply.batch.process_files`` (ingest + tag + JSON lines, one process, one BLAS
thread): compare the two columns of the same round.

    .venv/bin/python benchmarks/ab_tag.py --base HEAD~1 [--files 200] [--rounds 3]

The other revision is checked out with ``git worktree`` into a temporary folder and removed
afterwards; both sides use this checkout's model directory (so the model is the same).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_tag import CORPUS, corpus_files, default_model, sample  # noqa: E402

CHILD = """
import json, sys, time
root, files, model_dir = sys.argv[1], json.load(open(sys.argv[2])), sys.argv[3]
sys.path.insert(0, root)
try:
    from nlp.apply.batch import FILES_PER_TASK, process_files
    from nlp.tagger.serialize import load_model
except ImportError:  # a revision from before the sub-packages
    from nlp.batch import FILES_PER_TASK, process_files
    from nlp.model_io import load_model
model = load_model(model_dir)
process_files(model, files[:FILES_PER_TASK])  # warm: dictionaries, patterns, compiled kernels
t = time.process_time()
for i in range(0, len(files), FILES_PER_TASK):
    process_files(model, files[i : i + FILES_PER_TASK])
print(time.process_time() - t)
"""


def run_side(root: Path, file_list: Path, model_dir: str) -> float:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", CHILD, str(root), str(file_list), model_dir], env=env,
                         capture_output=True, text=True, check=True, cwd=root)
    return float(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", required=True, help="the other revision (e.g. HEAD~1, a commit)")
    ap.add_argument("--files", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--model", default=None)
    ap.add_argument("--corpus", default=str(CORPUS))
    args = ap.parse_args(argv)
    corpus = Path(args.corpus)
    if not corpus.is_dir():
        print(f"corpus not found: {corpus} (put ../shared beside the repository)", file=sys.stderr)
        return 2
    files = [str(p) for p in sample(corpus_files(corpus), 1.0, args.seed)[: args.files]]
    mb = sum(os.path.getsize(p) for p in files) / 1e6
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = str(Path(default_model(Path(tmp), args.model)[0]).resolve())
        base = Path(tmp) / "base"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(base), args.base], check=True)
        try:
            file_list = Path(tmp) / "files.json"
            file_list.write_text(json.dumps(files), "utf-8")
            print(f"{len(files)} files, {mb:.1f} MB; model {model_dir}; CPU seconds of process_files, one process")
            print(f"{'round':>5} {args.base[:14]:>14} {'this checkout':>14} {'ratio':>7}")
            for r in range(args.rounds):
                a = run_side(base, file_list, model_dir)
                b = run_side(ROOT, file_list, model_dir)
                print(f"{r + 1:>5} {a:>14.2f} {b:>14.2f} {a / b:>7.2f}")
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
