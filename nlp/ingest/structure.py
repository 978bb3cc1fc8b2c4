"""``Document`` → ``Unit``s: headings, section roles, paragraphs and items.

A report is read line by line. The top lines before the first prose line are front matter
(title, issuing body, dates). Numbered headings (一、 （一） 1. （1）) and short unnumbered
heading lines open sections; a numbered line that goes on after its first sentence is both a
heading and a paragraph (常见: "（一）深入贯彻…。制定…"). Paragraphs are split into items at
inline enumerations (一是…二是…, 1.…2.…). Patterns live in ``nlp/data/structure.yaml``.
"""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import yaml

from nlp.documents import Document, Unit
from nlp.resources import read_data_text

_LINE_RE = re.compile(r"[^\n]+")
_FIRST_SENTENCE_RE = re.compile(r"^.+?[。；！？]")


@dataclass
class StructureRules:
    heading_levels: list[re.Pattern[str]]
    unnumbered_max: int
    sentence_end: re.Pattern[str]
    not_heading: re.Pattern[str]
    front_max: int
    item_marker: re.Pattern[str]  # a marker at the start of a paragraph (use .match)
    item_marker_inner: re.Pattern[str]  # the punctuation character a later marker follows
    min_items: int
    role_patterns: dict[str, re.Pattern[str]]
    role_max_level: int
    default_role: str
    closing: re.Pattern[str]


@lru_cache(maxsize=4)
def load_structure_rules(path: str | None = None) -> StructureRules:
    d = yaml.safe_load(read_data_text("structure.yaml", path))
    return StructureRules(
        heading_levels=[re.compile(p) for p in d["heading_levels"]],
        unnumbered_max=int(d["unnumbered_heading_max_chars"]),
        sentence_end=re.compile(d["sentence_end"]),
        not_heading=re.compile(d["not_heading"]),
        front_max=int(d["front_max_chars"]),
        item_marker=re.compile(d["item_marker"]),
        # punctuation first, marker as a look-ahead: ``re`` skips quickly to the punctuation
        item_marker_inner=re.compile(f"{d['item_marker_after']}(?={d['item_marker']})"),
        min_items=int(d["min_items"]),
        role_patterns={k: re.compile(v) for k, v in d["role_patterns"].items()},
        role_max_level=int(d["role_max_level"]),
        default_role=d["default_section_role"],
        closing=re.compile(d["closing_pattern"]),
    )


@dataclass(slots=True)
class _Line:
    text: str
    start: int  # clean-text offsets
    end: int
    level: int = 0  # 0 = not a heading; 1.. = heading depth
    title: str = ""
    has_body: bool = True


def _classify(line: _Line, rules: StructureRules) -> None:
    t = line.text
    for depth, pat in enumerate(rules.heading_levels, start=1):
        if pat.match(t):
            line.level = depth + 1
            m = _FIRST_SENTENCE_RE.match(t)
            if m and len(t) - m.end() > 4:
                line.title = m.group(0).rstrip("。；！？")
                line.has_body = True
            else:
                line.title = t.rstrip("。；！？：")
                line.has_body = False
            return
    if (
        len(t) <= rules.unnumbered_max
        and not rules.sentence_end.search(t)
        and not rules.not_heading.match(t)
    ):
        line.level = 1
        line.title = t
        line.has_body = False


def _role_of(path: list[tuple[int, str]], rules: StructureRules) -> str:
    for level, title in reversed(path):
        if level > rules.role_max_level:
            continue
        for role, pat in rules.role_patterns.items():
            if pat.search(title):
                return role
    return rules.default_role


def _is_prose(t: str, rules: StructureRules) -> bool:
    return len(t) > rules.front_max or bool(rules.sentence_end.search(t))


def split_items(text: str, rules: StructureRules, inner: list[int] | None = None) -> list[tuple[int, int]]:
    """Item spans of a paragraph: the lead before the first marker, then one per marker.

    ``inner``: where the markers after sentence punctuation start, if already known
    (``structure`` finds them in the whole document at once).
    """
    if inner is None:
        inner = [m.end() for m in rules.item_marker_inner.finditer(text)]
    starts = ([0] if rules.item_marker.match(text) else []) + inner
    if len(starts) < rules.min_items:
        return [(0, len(text))]
    bounds = ([0] if starts[0] > 0 else []) + starts + [len(text)]
    spans = [(a, b) for a, b in itertools.pairwise(bounds) if text[a:b].strip()]
    return spans


def structure(doc: Document, rules: StructureRules | None = None) -> list[Unit]:
    """Split a cleaned document into paragraph and item units with headings and roles."""
    rules = rules or load_structure_rules()
    lines = []
    for m in _LINE_RE.finditer(doc.text):
        text = m.group(0).strip()
        if text:
            start = m.start() + len(m.group(0)) - len(m.group(0).lstrip())
            lines.append(_Line(text, start, start + len(text)))
    # Front matter: short top lines before the first prose line or numbered heading.
    n_front = 0
    for ln in lines:
        numbered = any(p.match(ln.text) for p in rules.heading_levels)
        if numbered or _is_prose(ln.text, rules):
            break
        n_front += 1
    if n_front == len(lines):  # a file of short lines only: nothing is front matter
        n_front = 0
    for ln in lines[n_front:]:
        _classify(ln, rules)
    # Closing: trailing unenumerated prose paragraphs that read like closing remarks.
    closing_from = len(lines)
    for i in range(len(lines) - 1, n_front, -1):
        ln = lines[i]
        if ln.level == 0 and not rules.item_marker.match(ln.text) and (
            rules.closing.search(ln.text) or rules.not_heading.match(ln.text)
        ):
            closing_from = i
        else:
            break
    # One record per unit first, then every clean span is mapped to the source in one array
    # pass: a Python call per unit for that was a noticeable share of batch ingest time.
    records: list[tuple] = []  # (p_idx, item index or -1, text, clean start, clean end, section, role, heading)
    # Markers after sentence punctuation, found in the whole text in one search (a search per
    # line cost more than the matching): the same positions, as no marker spans a line break.
    inner = [m.end() for m in rules.item_marker_inner.finditer(doc.text)]
    path: list[tuple[int, str]] = []
    section, path_role = "", rules.default_role  # recomputed only when the heading path changes
    seen_heading = False
    for p_idx, ln in enumerate(lines):
        if p_idx < n_front:
            role = "front_matter"
        elif p_idx >= closing_from:
            role = "closing"
        else:
            if ln.level:
                path = [(lvl, t) for lvl, t in path if lvl < ln.level] + [(ln.level, ln.title)]
                section = " > ".join(t for _, t in path)
                path_role = _role_of(path, rules)
                seen_heading = True
            role = path_role if seen_heading else "preamble"
        heading = bool(ln.level) and not ln.has_body
        records.append((p_idx, -1, ln.text, ln.start, ln.end, section, role, heading))
        lo, hi = bisect.bisect_right(inner, ln.start), bisect.bisect_right(inner, ln.end)
        if lo == hi and not rules.item_marker.match(ln.text):  # no marker: the paragraph is its one item
            records.append((p_idx, 0, ln.text, ln.start, ln.end, section, role, heading))
            continue
        for i_idx, (a, b) in enumerate(split_items(ln.text, rules, [x - ln.start for x in inner[lo:hi]])):
            piece = ln.text[a:b]
            lead = len(piece) - len(piece.lstrip())
            piece = piece.strip()
            start = ln.start + a + lead
            records.append((p_idx, i_idx, piece, start, start + len(piece), section, role, heading))
    if not records:
        return []
    starts = np.fromiter((r[3] for r in records), dtype=np.int64, count=len(records))
    ends = np.fromiter((r[4] for r in records), dtype=np.int64, count=len(records))
    src_start = doc.offsets[starts]
    src_end = np.where(ends > starts, doc.offsets[np.maximum(ends - 1, 0)] + 1, src_start)
    doc_id = doc.doc_id
    units: list[Unit] = []
    for (p_idx, i_idx, text, _, _, section, role, heading), s, e in zip(
            records, src_start.tolist(), src_end.tolist(), strict=True):
        if i_idx < 0:
            units.append(Unit(doc_id, f"{doc_id}:p{p_idx}", "paragraph", p_idx, 0, section, role, heading, text, s, e))
        else:
            units.append(Unit(doc_id, f"{doc_id}:p{p_idx}.i{i_idx}", "item", p_idx, i_idx, section, role, heading,
                              text, s, e))
    return units
