"""Precision and recall of the indicator extractor on the hand annotations (nlp.indicators.evaluate).

    python tools/evaluate_indicators.py            # labels/indicators/annotations.jsonl
    python tools/evaluate_indicators.py --corpus   # the corpus's named rows read by hand
                                                   # (labels/indicators/corpus_checks.jsonl)

Needs ../shared/ingenre-dev (and for --corpus ../shared/corpus) beside the repository.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nlp.indicators.evaluate import DEFAULT_ANNOTATIONS, DEFAULT_CORPUS_CHECKS, check_corpus_sample, evaluate_extractor
from nlp.training.labels import LabelError

if __name__ == "__main__":
    args = sys.argv[1:]
    try:
        if args[:1] == ["--corpus"]:
            table = check_corpus_sample(args[1] if len(args) > 1 else DEFAULT_CORPUS_CHECKS)
        else:
            table = evaluate_extractor(args[0] if args else DEFAULT_ANNOTATIONS)
    except (LabelError, OSError) as err:  # a missing ../shared or a stale reference: one line, no traceback
        sys.exit(f"evaluate_indicators: {err}")
    print(table.round(3).to_string(index=False))
