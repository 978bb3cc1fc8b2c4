"""How often ingest's document metadata is right, wrong or empty, against hand-read metadata.

    python tools/evaluate_metadata.py                 # ../shared/ingenre-dev and the seeds
    python tools/evaluate_metadata.py --errors        # also list every wrong value

Gold: ``../shared/ingenre-dev/docs.jsonl`` (hand-read year, body, region, province, prefecture,
level of 121 real reports) and ``labels/metadata/seeds.jsonl`` (the five seeds, read the same way).
A field counts only on the reports whose gold value is not null; "empty" is ingest leaving the
field blank, "wrong" is any other value. Wrong is worse than empty.

The hand-read values of ingenre-dev come from the excerpt *or its web address* (which ingest never
sees: ``https://hrss.sz.gov.cn/…`` is how 深圳市 is known for a report that says only 市人社局). The
issue's target counts the reports whose *text* shows a value, so each table has a second column,
"text names it": the reports whose cleaned text contains the gold value's name — for the year its
four digits, for a place its name or its name without 省/市/县/区, for province and prefecture also
a gold unit below them that has no namesake (the geography places it), for level the region. A
proxy, stated as one:
it counts 天津市 named only in a street address as shown, and a township's 我镇 as not.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import re  # noqa: E402

from nlp.errors import ReadError  # noqa: E402
from nlp.ingest.clean import clean  # noqa: E402
from nlp.ingest.meta import extract_meta  # noqa: E402
from nlp.ingest.places import gazetteer, townships  # noqa: E402
from nlp.ingest.read import read_file  # noqa: E402

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


def _named(name: str | None, text: str) -> bool:
    if not name:
        return False
    short = re.sub(r"(?:省|市|县|区|自治州|自治县|地区|盟)$", "", name)
    return name in text or (len(short) >= 2 and short in text)


def text_names(field: str, gold: dict, text: str) -> bool:
    """Whether the report's text shows the gold value of ``field`` (the proxy of the module doc)."""
    if field == "year":
        return str(gold["year"]) in text
    if field == "level":
        return _named(gold.get("region"), text)
    if field in ("province", "prefecture"):
        # named itself, or through a place below it that has no namesake (东溪镇 is four townships)
        below = ("prefecture", "region") if field == "province" else ("region",)
        return _named(gold.get(field), text) or any(
            _named(gold.get(f), text) and _unique(gold.get(f)) for f in below)
    return _named(gold.get(field), text)


def _unique(name: str | None) -> bool:
    return len(gazetteer().get(name or "", [])) + len(townships().get(name or "", [])) == 1


def score(items: list[tuple[Path, dict]]) -> tuple[dict[str, dict[str, int]], list[str]]:
    """Per field: right / wrong / empty counts over reports with a gold value, and right / shown over
    the reports whose text names it; the wrong values."""
    table = {f: {"right": 0, "wrong": 0, "empty": 0, "shown": 0, "named": 0, "named_right": 0} for f in FIELDS}
    errors = []
    for path, gold in items:
        try:
            doc = clean(read_file(path))  # read and cleaned once: the metadata and the text it came from
            meta, text = extract_meta(doc), doc.text
        except ReadError as exc:
            errors.append(f"{path.name}: unreadable ({exc})")
            meta, text = None, ""
        for f in FIELDS:
            want = gold.get(f)
            if want is None:
                continue
            got = getattr(meta, f, None) if meta is not None else None
            named = text_names(f, gold, text)
            table[f]["shown"] += 1
            table[f]["named"] += named
            table[f]["named_right"] += named and got == want
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
        print("| field | right | wrong | empty | text names it: right |\n|---|---|---|---|---|")
        for f, c in table.items():
            share = c["right"] / c["shown"] if c["shown"] else float("nan")
            named = c["named_right"] / c["named"] if c["named"] else float("nan")
            print(f"| {f} | {c['right']} / {c['shown']} ({share:.1%}) | {c['wrong']} | {c['empty']} | "
                  f"{c['named_right']} / {c['named']} ({named:.1%}) |")
        if args.errors:
            print("\n" + "\n".join(errors))


if __name__ == "__main__":
    main()
