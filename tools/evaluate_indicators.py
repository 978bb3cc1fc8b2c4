"""Precision and recall of the indicator extractor on the hand annotations (nlp.indicators.evaluate).

    python tools/evaluate_indicators.py            # labels/indicators/annotations.jsonl
    python tools/evaluate_indicators.py --corpus   # the corpus's named rows read by hand
                                                   # (labels/indicators/corpus_checks.jsonl)

Needs ../shared/ingenre-dev and ../shared/corpus beside the repository.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nlp.indicators.evaluate import DEFAULT_ANNOTATIONS, DEFAULT_CORPUS_CHECKS, check_corpus_sample, evaluate_extractor
from nlp.training.labels import LabelError

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", help="an annotations file (or with --corpus a corpus checks file)")
    parser.add_argument("--corpus", action="store_true",
                        help="the corpus's named rows read by hand, against the extractor as it is now")
    args = parser.parse_args()
    try:
        if args.corpus:
            table = check_corpus_sample(args.path or DEFAULT_CORPUS_CHECKS)
        else:
            table = evaluate_extractor(args.path or DEFAULT_ANNOTATIONS)
    except (LabelError, OSError) as err:  # a missing ../shared or a stale reference: one line, no traceback
        sys.exit(f"evaluate_indicators: {err}")
    print(table.round(3).to_string(index=False))
