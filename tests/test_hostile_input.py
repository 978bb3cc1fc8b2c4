"""No input can stop a batch, hang, exhaust the machine or write where it should not.

Each case is generated here, small: hostile file names, files that are not files, bombs that
would inflate, loops, outputs that would clobber inputs, spreadsheet formulas, damaged models.
Property-based tests (Hypothesis) then throw arbitrary bytes and text at reading, cleaning and
span mapping: the result is either units whose spans point back into the source, or one clear
``ReadError`` — never a crash.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nlp.errors import ModelError, ReadError
from nlp.ingest.clean import clean
from nlp.ingest.pipeline import ingest, ingest_file
from nlp.ingest.read import expand_paths, read_bytes, read_file
from nlp.tables import read_table, read_units_jsonl, write_table

ROOT = Path(__file__).resolve().parents[1]
REPORT = ("某县司法局2022年法治政府建设工作情况报告\n一、主要工作\n"
          "（一）深化人民调解。一是健全调委会。二是开展矛盾纠纷排查。\n")
CLI = [sys.executable, "-m", "nlp.cli"]


def run(*args, timeout=60, **kw):
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, timeout=timeout, **kw)


def test_undecodable_file_name_is_read_and_named_escaped(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "ok.txt").write_text(REPORT, encoding="utf-8")
    bad = os.fsencode(folder) + b"/bad\xff\xfe.txt"
    with open(bad, "wb") as fh:
        fh.write(REPORT.encode("utf-8"))
    res = ingest(folder)
    assert len(res.documents) == 2 and not res.errors
    assert any("\\udcff" in s for s in res.units["source"])  # escaped, printable, JSON-safe
    p = run("ingest", folder, "--out", tmp_path / "u.jsonl")
    assert p.returncode == 0, p.stderr


def test_file_name_with_a_newline_gives_one_error_line(tmp_path):
    bad = tmp_path / "two\nlines.txt"
    bad.write_bytes(b"")
    p = run("ingest", bad, tmp_path / "missing.txt", "--out", tmp_path / "u.csv")
    lines = [line for line in p.stderr.splitlines() if line.startswith("fazhi:")]
    assert len(p.stderr.splitlines()) == len(lines) == 3  # two skipped files, one "nothing read"
    assert "two\\nlines.txt" in p.stderr


def test_fifo_and_devices_are_skipped_without_reading(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    with pytest.raises(ReadError, match="FIFO"):
        read_file(fifo)
    zero = tmp_path / "zero.txt"
    zero.symlink_to("/dev/zero")
    with pytest.raises(ReadError, match="device"):
        read_file(zero)
    t = time.perf_counter()
    p = run("tag", fifo, zero, "--out", tmp_path / "t.jsonl", "--jobs", "1", timeout=60)
    assert p.returncode == 1 and time.perf_counter() - t < 60 and "Traceback" not in p.stderr


def test_size_limit(tmp_path, monkeypatch):
    big = tmp_path / "big.txt"
    big.write_text(REPORT * 50, encoding="utf-8")
    monkeypatch.setattr("nlp.ingest.read.MAX_FILE_BYTES", 1000)
    with pytest.raises(ReadError, match="limit"):
        read_file(big)


def test_symlink_loop_and_repeated_files_are_read_once(tmp_path):
    a = tmp_path / "a"
    a.mkdir()
    (a / "r.txt").write_text(REPORT, encoding="utf-8")
    (a / "loop").symlink_to(a)
    (a / "again.txt").symlink_to(a / "r.txt")
    files = [p for p in expand_paths([a, a / "r.txt", str(a) + "/**/*.txt"]) if not isinstance(p, ReadError)]
    assert len(files) == 1


def test_unreadable_subfolder_is_reported(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root reads every folder")
    sub = tmp_path / "locked"
    sub.mkdir()
    sub.chmod(0)
    try:
        errors = [p for p in expand_paths([tmp_path]) if isinstance(p, ReadError)]
        assert errors and "cannot list" in errors[0].reason
    finally:
        sub.chmod(0o755)


def test_docx_bomb_is_refused_before_inflating():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/document.xml", "<w:document>" + " " * 3_000_000 + "</w:document>")
    t = time.perf_counter()
    with pytest.raises(ReadError, match="inflates"):
        read_bytes(buf.getvalue(), "bomb.docx")
    assert time.perf_counter() - t < 2


def test_yaml_alias_bomb_and_absurd_year(tmp_path):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(9))
    f = tmp_path / "bomb.md"
    f.write_text(f"---\n{bomb}year: 99999999999999999999\n---\n{REPORT}", encoding="utf-8")
    t = time.perf_counter()
    got = ingest_file(f)
    assert time.perf_counter() - t < 5 and got.units
    g = tmp_path / "year.md"
    g.write_text(f"---\ntitle: x\nyear: 99999999999999999999\n---\n{REPORT}", encoding="utf-8")
    res = ingest([g])
    assert not res.errors and pd.isna(res.documents["year"].iloc[0])
    assert "not a year" in res.documents["warnings"].iloc[0]


def test_unit_tables_gbk_deep_json_and_mixed_ids(tmp_path):
    gbk = tmp_path / "gbk.jsonl"
    gbk.write_bytes('{"id": 1, "text": "普法"}\n'.encode("gbk"))
    with pytest.raises(ReadError, match="UTF-8"):
        read_units_jsonl(gbk)
    deep = tmp_path / "deep.jsonl"
    deep.write_text('{"text": "x", "a": ' + "[" * 100_000 + "]" * 100_000 + "}\n", encoding="utf-8")
    with pytest.raises(ReadError, match="nested deeper"):
        read_units_jsonl(deep)
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text('{"id": 1, "text": "深入开展普法宣传"}\n{"id": "b", "text": "加强人民调解"}\n', encoding="utf-8")
    out = tmp_path / "out.parquet"
    p = run("tag", mixed, "--out", out)
    assert p.returncode == 0, p.stderr
    assert list(read_table(out)["id"]) == ["1", "b"]


def test_csv_cells_cannot_be_formulas(tmp_path):
    df = pd.DataFrame({"text": ["=HYPERLINK(\"http://x\")", "@SUM(A1)", "+1", "-2", "\tx", "正常文本"], "n": range(6)})
    write_table(df, tmp_path / "t.csv")
    raw = (tmp_path / "t.csv").read_text("utf-8-sig")
    assert "\n=" not in raw and "\n@" not in raw and "'=HYPERLINK" in raw
    assert list(read_table(tmp_path / "t.csv")["text"]) == list(df["text"])  # read back as written


def test_outputs_never_clobber_inputs(tmp_path):
    units = tmp_path / "in.jsonl"
    units.write_text('{"id": "a", "text": "加强人民调解", "labels": ["mine"], "scores": 3}\n', encoding="utf-8")
    p = run("tag", units, "--out", units)
    assert p.returncode == 2 and "also an input" in p.stderr
    assert units.read_text("utf-8").startswith('{"id": "a"')
    out = tmp_path / "out.jsonl"
    assert run("tag", units, "--out", out).returncode == 0
    row = json.loads(out.read_text("utf-8"))
    assert row["labels_input"] == ["mine"] and row["scores_input"] == 3 and isinstance(row["labels"], list)


def test_a_second_run_on_the_same_output_refuses(tmp_path, seeds_dir):
    from nlp.apply._partial import OutputLock
    from nlp.apply.batch import tag_batch

    out = tmp_path / "t.jsonl"
    with OutputLock(out), pytest.raises(ValueError, match="another run is writing"):
        tag_batch(seeds_dir, out, jobs=1)
    assert not out.exists()
    tag_batch(seeds_dir, out, jobs=1)  # the lock is gone with its holder
    assert out.exists() and not out.with_name("t.jsonl.lock").exists()


def test_analyze_never_reads_its_own_outputs(tmp_path):
    reports = tmp_path / "reports"
    reports.mkdir()
    for name in sorted(os.listdir(ROOT / "seeds"))[:2]:
        (reports / name).write_bytes((ROOT / "seeds" / name).read_bytes())
    from nlp.ingest.pipeline import ingest as run_ingest

    (reports / "analysis").mkdir()
    (reports / "analysis" / "report.html").write_text(f"<html><body><p>{REPORT}</p></body></html>", "utf-8")
    assert len(run_ingest(reports, exclude=[reports / "analysis"]).documents) == 2
    assert len(run_ingest(reports).documents) == 3


def test_damaged_or_mismatched_models_are_named(tmp_path):
    import shutil

    from nlp.tagger.serialize import DEFAULT_MODEL_DIR, load_predictor

    model = tmp_path / "m"
    shutil.copytree(DEFAULT_MODEL_DIR, model)
    arrays = (model / "arrays.npz").read_bytes()
    (model / "arrays.npz").write_bytes(arrays[: len(arrays) // 2])
    with pytest.raises(ModelError, match=re.escape(str(model))):
        load_predictor(model)
    (model / "arrays.npz").write_bytes(arrays)
    config = json.loads((model / "config.json").read_text("utf-8"))
    (model / "config.json").write_text(json.dumps({**config, "taxonomy_version": "0.0"}), "utf-8")
    with pytest.raises(ModelError, match=r"config\.json says taxonomy version"):
        load_predictor(model)


# -- property-based: any bytes in, either units that point back into the source or one ReadError

SUFFIXES = st.sampled_from([".txt", ".md", ".html", ".docx"])
CHUNKS = st.lists(st.one_of(
    st.text(alphabet=st.characters(codec="utf-8"), max_size=60),
    st.sampled_from(["一、主要工作\n", "（一）加强普法。", "一是", "二是", "---\ntitle: t\n---\n", "\r\n", "\u3000",
                     "<p>", "</p>", "相關(guān)", "法律援助", "\ufeff", "\x00", "？？"])), max_size=25)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chunks=CHUNKS, suffix=SUFFIXES, encoding=st.sampled_from(["utf-8", "gb18030", "utf-16", "big5"]))
def test_any_text_reads_to_units_that_point_into_the_source_or_one_error(chunks, suffix, encoding):
    data = "".join(chunks).encode(encoding, "ignore")
    try:
        raw = read_bytes(data, f"x{suffix}")
    except ReadError as err:
        assert "\n" not in str(err)
        return
    doc = clean(raw)
    from nlp.ingest.structure import structure

    for u in structure(doc) if doc.text.strip() else []:
        assert 0 <= u.start <= u.end <= len(raw.text)
        assert u.text.strip()


@settings(max_examples=80, deadline=None)
@given(data=st.binary(max_size=400), suffix=SUFFIXES)
def test_any_bytes_never_crash_reading(data, suffix):
    try:
        raw = read_bytes(data, f"x{suffix}")
    except ReadError:
        return
    clean(raw)


def test_deeply_nested_html_is_read_up_to_the_limit_and_named_beyond_it(tmp_path):
    """libxml2 stops at 256 levels unless told otherwise; the limit is ``MAX_HTML_DEPTH``."""
    from nlp.errors import ReadError
    from nlp.ingest.pipeline import ingest_file
    from nlp.limits import MAX_HTML_DEPTH

    para = "<p>2022年，昌乐县司法局推进法治政府建设，深入开展普法宣传教育，全面提升依法行政水平。</p>"
    deep, deeper = tmp_path / "deep.html", tmp_path / "deeper.html"
    deep.write_text("<html><body>" + "<div>" * 300 + para + "</div>" * 300 + "</body></html>", "utf-8")
    deeper.write_text("<html><body>" + "<div>" * (MAX_HTML_DEPTH + 10) + para + "</body></html>", "utf-8")
    assert "依法行政水平" in ingest_file(deep).units[0].text
    with pytest.raises(ReadError, match="nested deeper than"):
        ingest_file(deeper)
