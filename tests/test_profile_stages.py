"""The profiler's stage table names functions that exist: after a module moves, a stale path would
print 0.00 for its stage and hide where tagging time goes (it did, after the package was split)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_stage_names_a_function_of_its_module():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from profile_tag import STAGES
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    for label, path, func in STAGES:
        if path == "~":  # a built-in
            continue
        source = (ROOT / path).read_text("utf-8")
        assert re.search(rf"def {re.escape(func)}\(", source), f"{label}: no def {func} in {path}"
