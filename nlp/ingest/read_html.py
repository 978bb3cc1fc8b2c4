"""The article of a government web page saved from a browser.

Navigation, scripts, styles, headers and footers are dropped structurally; the article is the
deepest block that still holds most of the page's non-link Chinese text (a density heuristic
that works on the CMS templates these sites use without a per-site rule). The page title and
``<meta>`` fields (publication date, source) are kept for ``nlp.ingest.meta``.
"""

from __future__ import annotations

import re
from pathlib import Path

import lxml.html
from lxml import etree

from nlp.errors import ReadError
from nlp.ingest.read import decode_bytes
from nlp.limits import MAX_HTML_DEPTH

DROP_TAGS = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form",
             "iframe", "select", "button", "svg", "template")
BLOCK_TAGS = {"p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "table",
              "section", "article", "blockquote", "pre", "dd", "dt", "ul", "ol", "td"}
CANDIDATE_TAGS = ("article", "div", "td", "section", "main")
META_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_-]+)""", re.I)
CJK = re.compile(r"[\u4e00-\u9fff]")


def _decode(data: bytes, source: str | Path) -> str:
    m = META_CHARSET.search(data[:4096])
    if m and not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        enc = m.group(1).decode("ascii").lower()
        enc = {"gb2312": "gb18030", "gbk": "gb18030"}.get(enc, enc)
        try:
            return data.decode(enc)
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_bytes(data, source)[0]


def _cjk_len(text: str) -> int:
    return len(CJK.findall(text))


def _score(el: etree._Element) -> int:
    text = el.text_content()
    links = sum(_cjk_len(a.text_content()) for a in el.iter("a"))
    return _cjk_len(text) - 2 * links


def _block_text(el: etree._Element) -> str:
    """The element's text, one line per block element; iterative, so a page nested thousands of
    levels deep (up to ``MAX_HTML_DEPTH``) cannot exhaust Python's recursion limit."""
    out: list[str] = []
    stack: list[tuple[etree._Element, bool]] = [(el, False)]
    while stack:
        node, closing = stack.pop()
        tag = node.tag if isinstance(node.tag, str) else ""
        if closing:
            if tag in BLOCK_TAGS:
                out.append("\n")
            if node.tail:
                out.append(node.tail)
            continue
        if tag in BLOCK_TAGS:
            out.append("\n")
        if node.text and tag:
            out.append(node.text)
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(node))
    text = "".join(out).replace("\xa0", " ")
    lines = [ln.strip() for ln in text.split("\n")]
    return "\n".join(ln for ln in lines if ln)


def _depth(root: etree._Element) -> int:
    deepest, stack = 0, [(root, 1)]
    while stack:
        node, d = stack.pop()
        deepest = max(deepest, d)
        stack.extend((child, d + 1) for child in node)
    return deepest


_PARSER = lxml.html.HTMLParser(huge_tree=True)  # libxml2 otherwise stops reading at 256 levels


def html_article(data: bytes, source: str | Path) -> tuple[str, dict]:
    """Return ``(article_text, meta)`` for a saved web page."""
    text = _decode(data, source)
    try:
        doc = lxml.html.document_fromstring(text, parser=_PARSER)
    except (etree.ParserError, ValueError) as err:
        raise ReadError(source, f"cannot parse HTML ({err})") from None
    if _depth(doc) > MAX_HTML_DEPTH:
        raise ReadError(source, f"HTML nested deeper than {MAX_HTML_DEPTH:,} levels (FAZHI_MAX_HTML_DEPTH)")
    meta: dict[str, str] = {}
    for m in doc.iter("meta"):
        name = (m.get("name") or m.get("property") or "").strip()
        if name and m.get("content"):
            meta[name] = m.get("content").strip()
    for link in doc.iter("link"):  # the page's own address (canonical), kept for the document table
        if (link.get("rel") or "").strip().lower() == "canonical" and link.get("href"):
            meta.setdefault("canonical_url", link.get("href").strip())
    if meta.get("og:url"):
        meta.setdefault("canonical_url", meta["og:url"])
    title_el = doc.find(".//title")
    if title_el is not None and title_el.text_content().strip():
        meta.setdefault("title", title_el.text_content().strip())
    for tag in DROP_TAGS:
        for el in list(doc.iter(tag)):
            el.drop_tree()
    body = doc.find("body")
    root = body if body is not None else doc
    best = _score(root)
    if best <= 0:
        raise ReadError(source, "HTML page holds no Chinese article text")
    chosen = root
    for el in root.iter(*CANDIDATE_TAGS):
        if _score(el) >= 0.8 * best:
            chosen = el  # iter() is document order, so later hits are nested deeper
    article = _block_text(chosen)
    heading = next((h.text_content().strip() for h in doc.iter("h1", "h2")
                    if _cjk_len(h.text_content()) >= 4), "")
    heading = heading or meta.get("ArticleTitle", "")
    if heading and heading not in article[:500]:
        article = heading + "\n" + article
    return article, meta
