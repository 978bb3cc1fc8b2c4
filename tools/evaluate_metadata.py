"""How often ingest's document metadata is right, wrong or empty, against hand-read metadata.

    python tools/evaluate_metadata.py                 # ../shared/ingenre-dev and the seeds
    python tools/evaluate_metadata.py --errors        # also list every wrong value

Gold: ``../shared/ingenre-dev/docs.jsonl`` (hand-read year, body, region, province, prefecture,
level of 121 real reports) and ``labels/metadata/seeds.jsonl`` (the five seeds, read the same way).
A field counts only on the reports whose gold value is not null (the text shows it); "empty" is
ingest leaving the field blank, "wrong" is any other value. Wrong is worse than empty.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nlp.errors import ReadError  # noqa: E402
from nlp.ingest.pipeline import ingest_file  # noqa: E402

FIELDS = ("year", "region", "province", "prefecture", "level", "body")


def gold_sets(shared: Path) -> dict[str, list[tuple[Path, dict]]]:
    """{set name: [(file, gold row)]} for the sets present on this machine."""
    sets: dict[str, list[tuple[Path, dict]]] = {}
    dev = shared / "ingenre-dev"
    if (dev / "docs.jsonl").exists():
        rows = [json.loads(line) for line in (dev / "docs.jsonl").read_text("utf-8").splitlines() if line]
        sets["ingenre-dev"] = [(dev / "docs" / f"{r['id']}.txt", r) for r in rows]
    seeds = ROOT / "labels" / "metadata" / "seeds.jsonl"
    rows = [json.loads(line) for line in seeds.read_text("utf-8").splitlines() if line]
    sets["seeds"] = [(ROOT / "seeds" / f"{r['id']}.txt", r) for r in rows]
    return sets


def score(items: list[tuple[Path, dict]]) -> tuple[dict[str, dict[str, int]], list[str]]:
    """Per field: right / wrong / empty counts over reports with a gold value; the wrong values."""
    table = {f: {"right": 0, "wrong": 0, "empty": 0, "shown": 0} for f in FIELDS}
    errors = []
    for path, gold in items:
        try:
            meta = ingest_file(path).meta
        except ReadError as exc:
            errors.append(f"{path.name}: unreadable ({exc})")
            meta = None
        for f in FIELDS:
            want = gold.get(f)
            if want is None:
                continue
            got = getattr(meta, f, None) if meta is not None else None
            table[f]["shown"] += 1
            if got in (None, ""):
                table[f]["empty"] += 1
            elif got == want:
                table[f]["right"] += 1
            else:
                table[f]["wrong"] += 1
                errors.append(f"{path.name} {f}: got {got!r}, want {want!r}")
    return table, errors


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--errors", action="store_true", help="list every wrong value")
    args = ap.parse_args()
    for name, items in gold_sets(Path(args.shared)).items():
        table, errors = score(items)
        print(f"\n{name} ({len(items)} reports)\n")
        print("| field | right | wrong | empty |\n|---|---|---|---|")
        for f, c in table.items():
            share = c["right"] / c["shown"] if c["shown"] else float("nan")
            print(f"| {f} | {c['right']} / {c['shown']} ({share:.1%}) | {c['wrong']} | {c['empty']} |")
        if args.errors:
            print("\n" + "\n".join(errors))


if __name__ == "__main__":
    main()
