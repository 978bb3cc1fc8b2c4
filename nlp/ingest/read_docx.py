"""Text of a .docx file, one line per Word paragraph (stdlib only: zip + XML)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

from nlp.errors import ReadError
from nlp.limits import MAX_INFLATE_RATIO, MAX_INFLATED_BYTES

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def docx_text(data: bytes, source: str | Path) -> str:
    """Return the document's paragraphs joined by newlines; tables row by row."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            info = zf.getinfo("word/document.xml")
            if info.file_size > MAX_INFLATED_BYTES or info.file_size > MAX_INFLATE_RATIO * max(info.compress_size, 1):
                raise ReadError(source, f"document.xml inflates to {info.file_size:,} bytes from "
                                        f"{info.compress_size:,} (over the limits: FAZHI_MAX_INFLATED_BYTES, "
                                        "FAZHI_MAX_INFLATE_RATIO)")
            xml = zf.read("word/document.xml")
    except zipfile.BadZipFile:
        raise ReadError(source, "broken .docx (not a valid zip archive)") from None
    except KeyError:
        raise ReadError(source, "broken .docx (word/document.xml missing)") from None
    except (OSError, EOFError, zipfile.LargeZipFile) as err:
        raise ReadError(source, f"broken .docx ({err})") from None
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as err:
        raise ReadError(source, f"broken .docx (document.xml: {err})") from None
    lines = []
    for para in root.iter(f"{W}p"):
        parts = []
        for node in para.iter():
            if node.tag == f"{W}t" and node.text:
                parts.append(node.text)
            elif node.tag == f"{W}tab":
                parts.append("\t")
            elif node.tag in (f"{W}br", f"{W}cr"):
                parts.append("\n")
        lines.append("".join(parts))
    return "\n".join(lines)
