"""Text of a PDF with a text layer (pdfminer.six), in reading order and by paragraph.

pdfminer.six is the maintained pure-Python extractor with the Adobe CJK character maps, so
Chinese text in non-embedded fonts (STSong-Light, UniGB-UCS2-H) comes out as Unicode; its layout
analysis groups characters into text boxes and orders them column by column, so a two-column page
reads left column first. A box is a paragraph: its lines, wrapped by the typesetter, are joined
(without a space between two Chinese characters). A PDF with no text at all is a scan: it is
reported as needing OCR, not read as an empty report. Installed with ``pip install 'fazhi[pdf]'``.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from nlp.errors import ReadError
from nlp.limits import MAX_PDF_PAGES

_CJK_END = re.compile(r"[\u3000-\u9fff\uff00-\uffef]$")
_CJK_START = re.compile(r"^[\u3000-\u9fff\uff00-\uffef]")


def pdf_text(data: bytes, source: str | Path) -> str:
    """One paragraph per line; raises ``ReadError`` for a scan, an encrypted or a broken PDF."""
    try:
        from pdfminer.high_level import extract_pages
        from pdfminer.layout import LAParams, LTTextContainer
    except ImportError:
        raise ReadError(source, "reading PDF needs pdfminer.six: pip install 'fazhi[pdf]'") from None
    paragraphs: list[str] = []
    try:
        for n, page in enumerate(extract_pages(io.BytesIO(data), laparams=LAParams())):
            if n >= MAX_PDF_PAGES:
                raise ReadError(source, f"more than {MAX_PDF_PAGES} pages (FAZHI_MAX_PDF_PAGES)")
            lines = [line for box in page if isinstance(box, LTTextContainer) for line in box
                     if line.get_text().strip()]
            for column in _columns(lines) if lines else ():
                paragraphs.extend(_paragraphs(column))
    except ReadError:
        raise
    except Exception as err:  # pdfminer raises many kinds (PDFSyntaxError, PSEOF, encryption errors)
        reason = str(err).splitlines()[0][:120] if str(err) else type(err).__name__
        raise ReadError(source, f"not a readable PDF ({reason})") from None
    if not paragraphs:
        raise ReadError(source, "a scanned PDF (no text layer): run OCR first")
    return "\n".join(paragraphs)


def _columns(lines: list) -> list[list]:
    """The page's lines by column, in reading order: lines spanning the gutter (a title) first,
    then the left column, then the right; one column when no gutter is crossed by at most one line
    with three lines or more on each side."""
    best = None
    for g in sorted({round(line.x1) + 1 for line in lines}):
        left = [ln for ln in lines if ln.x1 < g]
        right = [ln for ln in lines if ln.x0 > g]
        across = len(lines) - len(left) - len(right)
        if len(left) >= 3 and len(right) >= 3 and across <= 1 and (best is None or across < best[0]):
            best = (across, g, left, right)
    if best is None:
        return [lines]
    _, g, left, right = best
    across = [ln for ln in lines if ln.x0 <= g <= ln.x1]
    return [col for col in (across, *_columns(left), *_columns(right)) if col]


def _paragraphs(lines: list) -> list[str]:
    """A column's paragraphs, top to bottom: a new one where a line starts indented (首行缩进) or
    the line before stopped short of the column's right edge (a paragraph's last line, a heading);
    wrapped lines are joined (without a space between two Chinese characters)."""
    lines = sorted(lines, key=lambda ln: (-round(ln.y1), ln.x0))
    x0, x1 = min(ln.x0 for ln in lines), max(ln.x1 for ln in lines)
    paragraphs: list[str] = []
    current = ""
    previous = None
    for line in lines:
        text = line.get_text().strip()
        em = max(line.height, 1.0)
        indented = line.x0 - x0 > 1.5 * em
        ended = previous is not None and x1 - previous.x1 > 2 * em
        if current and (indented or ended):
            paragraphs.append(current)
            current = ""
        sep = "" if not current or (_CJK_END.search(current) and _CJK_START.search(text)) else " "
        current += sep + text
        previous = line
    if current:
        paragraphs.append(current)
    return paragraphs

