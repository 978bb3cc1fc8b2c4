"""Awkward and broken files: encodings, formats, and one-line errors that never stop a batch."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from nlp.errors import ReadError
from nlp.ingest.pipeline import ingest
from nlp.ingest.read import read_file

REPORT = ("昌乐县司法局2022年法治政府建设工作情况报告\n"
          "2022年，我县坚持以习近平法治思想为指导，现将有关情况报告如下：\n"
          "一、主要工作\n（一）深化人民调解。一是健全调委会。二是开展矛盾纠纷排查。\n"
          "二、存在的问题\n一是普法形式单一。\n三、2023年工作安排\n一是加强法律援助。\n")


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def make_docx(paragraphs: list[str]) -> bytes:
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    xml = ('<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxml'
           f'formats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", xml)
    return buf.getvalue()


@pytest.mark.parametrize("encoding,prefix", [
    ("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("utf-16", b""), ("gb18030", b""), ("gbk", b""),
])
def test_encodings_detected(tmp_path, encoding, prefix):
    f = _write(tmp_path / "r.txt", prefix + REPORT.replace("\n", "\r\n").encode(encoding))
    res = ingest(f)
    assert not res.errors
    assert res.documents.iloc[0]["year"] == 2022
    assert res.documents.iloc[0]["body"] == "昌乐县司法局"
    assert not res.units["text"].str.contains("\r").any()


def test_big5_traditional(tmp_path):
    import opencc

    trad = opencc.OpenCC("s2tw").convert(REPORT)
    f = _write(tmp_path / "r.txt", trad.encode("big5"))
    res = ingest(f)
    assert not res.errors
    d = res.documents.iloc[0]
    assert d["encoding"] == "big5" and d["script"] == "traditional"
    assert "调解" in "".join(res.units["text"])


def test_traditional_html_title_read_in_simplified(tmp_path):
    """A Traditional page's <title> is metadata in the text's script: its body and place are found
    (the title once stayed 昌樂縣司法局…, which no gazetteer entry matches)."""
    import opencc

    title = "昌乐县司法局2022年法治政府建设工作情况报告_昌乐县人民政府"
    body = "".join(f"<p>{ln}</p>" for ln in REPORT.strip().split("\n")[1:])
    page = f"<html><head><meta charset='utf-8'><title>{title}</title></head><body><div>{body}</div></body></html>"
    f = _write(tmp_path / "r.html", opencc.OpenCC("s2tw").convert(page).encode("utf-8"))
    d = ingest(f).documents.iloc[0]
    assert d["title"] == "昌乐县司法局2022年法治政府建设工作情况报告"
    assert (d["body"], d["region"]) == ("昌乐县司法局", "昌乐县")


def test_docx(tmp_path):
    f = _write(tmp_path / "r.docx", make_docx(REPORT.strip().split("\n")))
    res = ingest(f)
    assert not res.errors
    assert set(res.units["role"]) >= {"front_matter", "preamble", "achievements", "problems", "plans"}


def test_html_page_keeps_article_drops_furniture(tmp_path):
    page = f"""<html><head><meta charset="gb2312"><title>某某县司法局</title>
<script>var x = "当前位置";</script></head><body>
<div class="nav"><a href="/">首页</a> <a href="/a">政务公开</a> <a href="/b">新闻中心</a></div>
<div class="crumb">当前位置：首页 &gt; 政务公开 &gt; 正文</div>
<div class="main"><div class="info">发布日期：2023-02-10 发布机构：某某县司法局</div>
<div class="article">{''.join(f'<p>{ln}</p>' for ln in REPORT.strip().split(chr(10)))}</div>
<div>扫一扫在手机打开当前页</div></div>
<div class="footer">版权所有：某某县人民政府 <a href="/m">网站地图</a></div></body></html>"""
    f = _write(tmp_path / "r.html", page.encode("gb18030"))
    res = ingest(f)
    assert not res.errors
    text = "\n".join(res.units["text"])
    assert "健全调委会" in text
    for junk in ("当前位置", "网站地图", "版权所有", "扫一扫", "var x", "新闻中心"):
        assert junk not in text


def test_markdown_front_matter(tmp_path):
    f = _write(tmp_path / "2019.md", f"---\ntitle: 某某市政府工作报告\n---\n\n**各位代表：**\n\n{REPORT}".encode())
    d = ingest(f).documents.iloc[0]
    assert d["title"] == "某某市政府工作报告" and d["doc_type"] == "gov_work_report"


@pytest.mark.parametrize("name,data,reason", [
    ("empty.txt", b"", "empty"),
    ("blank.txt", b"  \n\t \r\n", "no text"),
    ("bin.txt", bytes(range(256)) * 20, "binary"),
    ("x.pdf", b"%PDF-1.4\n...", "PDF"),
    ("x.xlsx", b"PK\x03\x04junk", "spreadsheet"),
    ("broken.docx", b"PK\x03\x04 this is not a zip", "broken .docx"),
    ("latin.txt", bytes([0xC3, 0x28, 0xA0, 0xA1, 0xFF, 0xFE, 0xFD] * 50), "decode"),
])
def test_bad_files_give_one_line_reasons(tmp_path, name, data, reason):
    f = _write(tmp_path / name, data)
    with pytest.raises(ReadError) as err:
        read_file(f)
    msg = str(err.value)
    assert reason in msg and str(f) in msg and "\n" not in msg


def test_truncated_utf8_is_read_with_warning(tmp_path):
    data = REPORT.encode("utf-8") + "法".encode()[:2]
    res = ingest(_write(tmp_path / "cut.txt", data))
    assert "truncated" in res.documents.iloc[0]["warnings"]


def test_batch_survives_bad_files_and_cli_exit_codes(tmp_path):
    good = _write(tmp_path / "good.txt", REPORT.encode())
    _write(tmp_path / "empty.txt", b"")
    _write(tmp_path / "bad.docx", b"nonsense")
    out = tmp_path / "out" / "units.jsonl"
    cmd = [sys.executable, "-m", "nlp.cli", "ingest", str(tmp_path), "--out", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    errs = [ln for ln in proc.stderr.splitlines() if ln.startswith("fazhi: skipped")]
    assert len(errs) == 2 and any("empty.txt" in e for e in errs)
    assert out.exists() and (tmp_path / "out" / "units.documents.jsonl").exists()
    strict = subprocess.run([*cmd, "--strict"], capture_output=True, text=True)
    assert strict.returncode == 1
    none = subprocess.run([sys.executable, "-m", "nlp.cli", "ingest", str(tmp_path / "empty.txt"),
                           "--out", str(tmp_path / "n.csv")], capture_output=True, text=True)
    assert none.returncode == 1 and "Traceback" not in none.stderr
    missing = subprocess.run([sys.executable, "-m", "nlp.cli", "ingest", str(good), "--out",
                              str(tmp_path / "x.xml")], capture_output=True, text=True)
    assert missing.returncode == 2 and "unsupported output format" in missing.stderr


@pytest.mark.parametrize("ext", [".jsonl", ".csv", ".parquet"])
def test_output_formats_round_trip(tmp_path, seeds_dir, ext):
    from nlp.tables import read_table

    out = tmp_path / f"u{ext}"
    proc = subprocess.run([sys.executable, "-m", "nlp.cli", "ingest", str(seeds_dir / "002_537287280db083c9.txt"),
                           "--out", str(out), "--granularity", "item"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    df = read_table(out)
    for col in ("doc_id", "source", "unit_id", "granularity", "section", "role", "year", "region",
                "level", "body", "doc_type", "text", "start", "end"):
        assert col in df.columns
    assert set(df["granularity"]) == {"item"}


def test_globs_and_metadata_override(tmp_path, seeds_dir):
    meta = tmp_path / "meta.csv"
    meta.write_text("source,year,region\n003_c6387bfbf91cb0dc.txt,2024,鄂尔多斯市\n"
                    "002_537287280db083c9.txt,2022,\n", encoding="utf-8")
    res = ingest([str(seeds_dir / "00[23]_*.txt")], metadata=meta)
    years = dict(zip(res.documents["doc_id"].str[:3], res.documents["year"], strict=True))
    assert years == {"002": 2022, "003": 2024}


def test_front_matter_fields_override_inference(tmp_path):
    f = _write(tmp_path / "r.md", ("---\ntitle: 某某县2022年法治政府建设工作报告\nyear: 2021\nregion: 昌乐县\n---\n"
                                   + REPORT).encode())
    d = ingest(f).documents.iloc[0]
    assert d["year"] == 2021 and d["region"] == "昌乐县"
