"""Precision and recall of the indicator extractor on the hand annotations (nlp.indicators.evaluate).

    python tools/evaluate_indicators.py            # labels/indicators/annotations.jsonl

Needs ../shared/ingenre-dev beside the repository for its annotated paragraphs.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nlp.indicators.evaluate import DEFAULT_ANNOTATIONS, evaluate_extractor

if __name__ == "__main__":
    table = evaluate_extractor(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_ANNOTATIONS)
    print(table.round(3).to_string(index=False))
