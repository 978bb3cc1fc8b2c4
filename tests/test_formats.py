"""Report formats governments publish: PDF with a text layer, scanned PDF, legacy .doc/.wps, and
folders holding files fazhi does not read.

The PDFs are written here byte by byte: Chinese text in Adobe's non-embedded STSong-Light font with
the UniGB-UCS2-H encoding (what PDF writers of government offices use for GB text), so no font file
is needed to make them and pdfminer.six decodes them through its bundled CJK maps.
"""

from __future__ import annotations

import pytest

from nlp.errors import ReadError
from nlp.ingest.pipeline import ingest, ingest_file
from nlp.ingest.read import expand_paths

pytest.importorskip("pdfminer")

_FONT = (b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
         b"/DescendantFonts [4 0 R] >>",
         b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo "
         b"<< /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> /FontDescriptor 5 0 R /DW 1000 >>",
         b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [0 -200 1000 900] "
         b"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>")


def make_pdf(pages: list[list[tuple[int, int, str]]], image_pages: int = 0) -> bytes:
    """A PDF whose pages hold the given (x, y, text) lines, then ``image_pages`` image-only pages."""
    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b"", *_FONT,
                            b"<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray "
                            b"/BitsPerComponent 8 /Length 1 >>\nstream\n\x80\nendstream"]
    kids = []
    for lines in [*pages, *([None] * image_pages)]:
        if lines is None:
            content = b"q 500 0 0 700 50 50 cm /Im1 Do Q"
        else:
            content = b"".join(b"BT /F1 12 Tf %d %d Td <%s> Tj ET\n" % (x, y, text.encode("utf-16-be").hex().encode())
                               for x, y, text in lines)
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
                       b"/Resources << /Font << /F1 3 0 R >> /XObject << /Im1 6 0 R >> >> >>" % len(objects))
        kids.append(len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (i, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


REPORT_LINES = [
    (60, 780, "昌乐县司法局2022年法治政府建设工作情况报告"),
    (60, 740, "2022年，县司法局坚持以习近平法治思想为指导，深入推进法治政府建设。"),
    (60, 700, "一、主要举措"),
    (60, 670, "一是严格规范公正文明执法，开展行政执法案卷评查。二是深入开展普法。"),
]


def test_a_pdf_with_a_text_layer_is_read_with_its_metadata(tmp_path):
    f = tmp_path / "report.pdf"
    f.write_bytes(make_pdf([REPORT_LINES]))
    got = ingest_file(f)
    assert got.meta.title == "昌乐县司法局2022年法治政府建设工作情况报告"
    assert (got.meta.year, got.meta.body, got.meta.region, got.meta.level) == (2022, "昌乐县司法局", "昌乐县", "county")
    texts = [u.text for u in got.units if u.granularity == "paragraph"]
    assert any("案卷评查" in t for t in texts) and any(t.startswith("2022年") for t in texts)


def _column(x: int, name: str) -> list[tuple[int, int, str]]:
    """Two paragraphs of three lines, 15 pt apart, each paragraph's first line indented two characters."""
    lines, y = [], 780
    for p in range(2):
        for i in range(3):
            text = f"{name}第{p}段第{i}行推进严格规范公正文明执法" + ("。" if i == 2 else "")
            lines.append((x + (24 if i == 0 else 0), y, text))
            y -= 15
    return lines


def test_a_two_column_pdf_reads_column_by_column_and_paragraph_by_paragraph(tmp_path):
    f = tmp_path / "two.pdf"
    f.write_bytes(make_pdf([[*_column(320, "右栏"), *_column(40, "左栏")]]))  # right column written first
    paragraphs = ingest_file(f).source_text.split("\n")
    assert paragraphs == [
        "".join(f"{name}第{p}段第{i}行推进严格规范公正文明执法" + ("。" if i == 2 else "") for i in range(3))
        for name in ("左栏", "右栏") for p in range(2)]


def test_a_scanned_pdf_asks_for_ocr_and_a_broken_one_is_named(tmp_path):
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(make_pdf([], image_pages=2))
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog")
    good = tmp_path / "good.pdf"
    good.write_bytes(make_pdf([REPORT_LINES]))
    res = ingest([tmp_path])
    reasons = {e.path.rsplit("/", 1)[-1]: e.reason for e in res.errors}
    assert "OCR" in reasons["scan.pdf"]
    assert "PDF" in reasons["broken.pdf"] and "\n" not in reasons["broken.pdf"]
    assert len(res.documents) == 1  # the good file's results are kept


def test_legacy_word_without_a_converter_gets_one_clear_line(tmp_path, monkeypatch):
    from nlp.ingest import read_legacy

    monkeypatch.setattr(read_legacy, "converter", lambda: None)
    f = tmp_path / "old.doc"
    f.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    with pytest.raises(ReadError) as err:
        ingest_file(f)
    assert "LibreOffice" in str(err.value) and "old.doc" in str(err.value)


def test_a_folder_says_what_it_left_out(tmp_path):
    (tmp_path / "r.txt").write_text("2022年，昌乐县司法局推进法治政府建设。", "utf-8")
    for name in ("a.xlsx", "b.xlsx", "c.zip", "notes.py"):
        (tmp_path / name).write_bytes(b"x")
    found = list(expand_paths([tmp_path]))
    notes = [f for f in found if isinstance(f, ReadError)]
    assert len(notes) == 1 and "3 file(s)" in notes[0].reason and ".xlsx 2" in notes[0].reason
    assert [f.name for f in found if not isinstance(f, ReadError)] == ["r.txt"]
