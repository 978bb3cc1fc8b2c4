"""Limits on what one input may cost, so no file can stop a batch, hang it or exhaust the machine.

Each limit has a default that no real report comes near (the longest report of the shared corpus
is under 1 MB) and can be changed with an environment variable of the same name prefixed
``FAZHI_`` (e.g. ``FAZHI_MAX_FILE_BYTES=200000000``). A file over a limit is reported in one line
and skipped; the rest of the batch goes on.

| setting | default | what it bounds |
|---|---|---|
| ``MAX_FILE_BYTES`` | 50 MB | bytes read from one file (a symlink to /dev/zero stops there) |
| ``MAX_INFLATED_BYTES`` | 50 MB | the uncompressed size of a .docx's document.xml |
| ``MAX_INFLATE_RATIO`` | 200 | its uncompressed / compressed size (a zip bomb inflates far more) |
| ``MAX_FRONT_MATTER_BYTES`` | 64 KB | a Markdown file's YAML front matter (larger is ignored, with a warning) |
| ``MAX_JSON_DEPTH`` | 64 | nesting of one line of a .jsonl unit table |
| ``MAX_HTML_DEPTH`` | 2,000 | element nesting of an HTML page |
| ``MAX_PDF_PAGES`` | 500 | pages of a PDF read (a report has tens) |

YAML front matter is read without anchors and aliases (a report's front matter never needs them,
and an alias bomb expands a few KB into gigabytes).
"""

from __future__ import annotations

import os


def _setting(name: str, default: int) -> int:
    value = os.environ.get(f"FAZHI_{name}")
    try:
        return int(value) if value else default
    except ValueError:
        return default


MAX_FILE_BYTES = _setting("MAX_FILE_BYTES", 50_000_000)
MAX_INFLATED_BYTES = _setting("MAX_INFLATED_BYTES", 50_000_000)
MAX_INFLATE_RATIO = _setting("MAX_INFLATE_RATIO", 200)
MAX_FRONT_MATTER_BYTES = _setting("MAX_FRONT_MATTER_BYTES", 64_000)
MAX_JSON_DEPTH = _setting("MAX_JSON_DEPTH", 64)
MAX_HTML_DEPTH = _setting("MAX_HTML_DEPTH", 2_000)
MAX_PDF_PAGES = _setting("MAX_PDF_PAGES", 500)


def display_path(path: object) -> str:
    """A path as it can be printed on one line: control characters and undecodable bytes (file
    names from zips made on Chinese Windows) escaped, so an error message stays one line and
    never fails to encode."""
    s = str(path)
    return "".join(c if c.isprintable() and not 0xD800 <= ord(c) <= 0xDFFF else repr(c)[1:-1] for c in s)
