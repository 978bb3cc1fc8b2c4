"""Build nlp/data/gazetteer.csv from the administrative-division table shipped by `cpca`.

Run once by a maintainer (``pip install cpca``); the output is committed so the toolkit does not
depend on cpca at run time. Columns: adcode, name, level (province/prefecture/county),
province, prefecture (the enclosing units' names, '' where none).
"""

from __future__ import annotations

import csv
import sys
from importlib import resources
from pathlib import Path


def level_of(code: str) -> str:
    if code[2:] == "0" * 10:
        return "province"
    if code[4:] == "0" * 8:
        return "prefecture"
    return "county"


def main(out: Path) -> None:
    src = resources.files("cpca").joinpath("resources/adcodes.csv").read_text("utf-8")
    rows = list(csv.DictReader(src.splitlines()))
    by_code = {r["adcode"]: r["name"] for r in rows}
    table = []
    for r in sorted(rows, key=lambda r: r["adcode"]):
        code = r["adcode"]
        lvl = level_of(code)
        prov = by_code.get(code[:2] + "0" * 10, "") if lvl != "province" else ""
        pref = by_code.get(code[:4] + "0" * 8, "") if lvl == "county" else ""
        table.append([code, r["name"], lvl, prov, pref])
    with open(out, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["adcode", "name", "level", "province", "prefecture"])
        w.writerows(table)
    print(f"{len(table)} rows -> {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "nlp/data/gazetteer.csv"))
