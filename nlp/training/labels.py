"""Labeled data: formats, references into a corpus, hashing.

Three formats, one table. Columns: ``text``, ``labels`` (list of codes), ``group`` (the
document a unit comes from: cross-validation never splits a group), ``origin``, ``ref``, and the
unit's context as ingest gives it: ``genre`` (``fazhi_report``, ``gov_work_report`` or '' when
unknown), ``section`` (heading path), ``role``, ``is_heading``, ``granularity`` and ``paragraph``
(the paragraph a unit belongs to, ``group#pN``; an item's paragraph is its parent).

- Unit references (``file``, ``line``, ``span``, ``sha``, optional ``text``): units of report files
  — the seeds (``labels/seeds.jsonl``, with their text) and ``../shared/ingenre-dev``
  (``labels/ingenre_dev.jsonl``, never the text) — found again by ingesting the file: the unit
  whose source span is ``span`` within line ``line`` (0-based, the file split on newlines), the
  line checked against its hash. Genre ``fazhi_report``.
- Corpus paragraph references (``path``, ``para``, ``sha``) into ``../shared/corpus``, joined with
  the corpus at load time; their context comes from ingesting the corpus file. Genre
  ``gov_work_report``.
- a user's JSONL with ``text`` and ``labels`` (optionally ``group``/``id``, ``genre``,
  ``section``, ``role``).

Loading fails clearly when a referenced file is missing or a text has changed, because silently
training on other text would corrupt the model. References are resolved inside their root
folder only.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

from nlp.errors import LabelError
from nlp.ingest.clean import clean_string
from nlp.ingest.read import split_front_matter
from nlp.taxonomy import load_taxonomy
from nlp.training.corpus_refs import paragraph_hash, read_corpus_paragraphs

DEFAULT_CORPUS = Path("../shared/corpus/gov-work-reports")
REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_ROOT = REPO_ROOT.parent / "shared"
CONTEXT_COLUMNS = ("genre", "section", "role", "is_heading", "granularity", "paragraph")
GENRE_IN = "fazhi_report"  # the users' genre: 法治政府建设 reports
GENRE_WORK = "gov_work_report"  # 政府工作报告


def _read_jsonl(path: Path) -> list[dict]:
    rows = []
    try:
        lines = path.read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise LabelError(f"{path}: cannot read ({err})") from None
    for i, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as err:
            raise LabelError(f"{path}:{i}: invalid JSON ({err.msg})") from None
    return rows


def _check_codes(labels: object, where: str) -> list[str]:
    codes = set(load_taxonomy().codes)
    if not isinstance(labels, list):
        raise LabelError(f"{where}: 'labels' must be a list of domain codes")
    bad = [c for c in labels if c not in codes]
    if bad:
        raise LabelError(f"{where}: unknown domain code(s) {bad}; known: {sorted(codes)}")
    return sorted(set(labels))


def load_label_file(path: str | Path, corpus_root: str | Path | None = None,
                    shared_root: str | Path | None = None) -> pd.DataFrame:
    """Load one label file in any of the three formats (see module docstring)."""
    path = Path(path)
    rows = _read_jsonl(path)
    if not rows:
        raise LabelError(f"{path}: no labeled rows")
    first = rows[0]
    if "path" in first and "para" in first:
        out = _corpus_rows(path, rows, Path(corpus_root) if corpus_root else _default_corpus())
    elif "file" in first and "span" in first:
        out = _unit_ref_rows(path, rows, [REPO_ROOT, Path(shared_root) if shared_root else SHARED_ROOT])
    else:
        out = []
        for i, r in enumerate(rows, 1):
            if not isinstance(r.get("text"), str) or not r["text"].strip():
                raise LabelError(f"{path}:{i}: a row needs a non-empty 'text'")
            if "sha" in r and paragraph_hash(r["text"]) != r["sha"]:
                raise LabelError(f"{path}:{i}: text does not match its hash")
            group = r.get("group") or r.get("source") or r.get("id") or f"{path.name}:{i}"
            ref = str(r.get("id") or r.get("unit_id") or i)
            out.append({"text": clean_string(r["text"]), "labels": _check_codes(r.get("labels"), f"{path}:{i}"),
                        "group": str(group), "origin": "user", "ref": ref, "genre": str(r.get("genre") or ""),
                        "section": str(r.get("section") or ""), "role": str(r.get("role") or ""),
                        "is_heading": bool(r.get("is_heading", False)), "granularity": "paragraph",
                        "paragraph": f"{group}#{ref}"})
    return pd.DataFrame(out)


def _inside(root: Path, rel: str, where: str) -> Path:
    """``root/rel``, refusing a reference that leaves ``root`` (absolute, ``..``, a symlink out);
    the message never says whether a file outside exists."""
    candidate = root / rel
    if Path(rel).is_absolute() or ".." in Path(rel).parts:
        raise LabelError(f"{where}: reference {rel!r} must be a relative path inside {root}")
    try:
        inside = candidate.resolve().is_relative_to(root.resolve())
    except OSError:
        inside = False
    if not inside:
        raise LabelError(f"{where}: reference {rel!r} must be a relative path inside {root}")
    return candidate


def _line_starts(text: str) -> list[int]:
    starts = [0]
    for i, ch in enumerate(text):
        if ch == "\n":
            starts.append(i + 1)
    return starts


def _ingested_units(f: Path):
    """The source text, its line starts and the units of a report file, ingested as ``fazhi``
    ingests it (so training sees the texts and contexts tagging will see)."""
    from nlp.ingest.pipeline import ingest_file
    from nlp.ingest.read import read_file

    text = read_file(f).text
    return text, _line_starts(text), ingest_file(f)


def find_units(path: str | Path, rows: list[dict], roots: list[Path] | None = None) -> list:
    """The ingested ``Unit`` each unit reference of ``rows`` (a reference file's rows: ``file``,
    ``line``, ``span``, ``sha``, optional ``granularity`` and ``text``) points at, in order.

    Raises ``LabelError`` for a file outside its root or missing, a changed line (hash mismatch)
    or a unit boundary that moved.
    """
    import bisect

    path = Path(path)
    roots = roots or [REPO_ROOT, SHARED_ROOT]
    cache: dict[str, tuple] = {}
    out = []
    for i, r in enumerate(rows, 1):
        where = f"{path}:{i}"
        rel = str(r.get("file", ""))
        if rel not in cache:
            found = [c for c in (_inside(root, rel, where) for root in roots) if c.is_file()]
            if not found:
                raise LabelError(f"{where}: labeled file {rel} not found (looked in {', '.join(map(str, roots))})")
            text, starts, ing = _ingested_units(found[0])
            index = {}
            for u in ing.units:
                line = bisect.bisect_right(starts, u.start) - 1
                index[(line, u.start - starts[line], u.end - starts[line], u.granularity)] = u
            cache[rel] = (text.split("\n"), index)
        lines, index = cache[rel]
        line, (a, b) = int(r["line"]), r["span"]
        if line >= len(lines) or hashlib.sha256(lines[line].encode("utf-8")).hexdigest()[:16] != r["sha"]:
            raise LabelError(f"{where}: line {line} of {rel} has changed (hash mismatch); the label is stale")
        u = index.get((line, a, b, r.get("granularity", "paragraph")))
        if u is None:
            raise LabelError(f"{where}: no unit of {rel} spans line {line} [{a}, {b}) any more "
                             "(the structure rules changed); relabel or re-anchor it")
        if "text" in r and r["text"] != u.text:
            raise LabelError(f"{where}: the unit's text differs from the label file's")
        out.append(u)
    return out


def _unit_ref_rows(path: Path, rows: list[dict], roots: list[Path]) -> list[dict]:
    out = []
    for i, (r, u) in enumerate(zip(rows, find_units(path, rows, roots), strict=True), 1):
        rel = str(r["file"])
        out.append({"text": u.text, "labels": _check_codes(r["labels"], f"{path}:{i}"), "group": rel,
                    "origin": "seed" if rel.startswith("seeds/") else "ingenre", "ref": f"{rel}#{u.unit_id}",
                    "genre": GENRE_IN, "section": u.section, "role": u.role, "is_heading": u.is_heading,
                    "granularity": u.granularity, "paragraph": f"{rel}#p{u.paragraph}"})
    return out


def _corpus_rows(path: Path, rows: list[dict], root: Path) -> list[dict]:
    if not root.is_dir():
        raise LabelError(f"{path}: labels reference corpus paragraphs but the corpus folder {root} is missing "
                         "(pass --corpus PATH)")
    cache: dict[str, tuple[list[str], list]] = {}
    out = []
    for i, r in enumerate(rows, 1):
        where = f"{path}:{i}"
        rel = str(r["path"])
        if rel not in cache:
            f = _inside(root, rel, where)
            if not f.is_file():
                raise LabelError(f"{where}: corpus file {rel} not found under {root}")
            cache[rel] = (read_corpus_paragraphs(f), _paragraph_contexts(f))
        paras, contexts = cache[rel]
        if r["para"] >= len(paras) or paragraph_hash(paras[r["para"]]) != r["sha"]:
            raise LabelError(f"{where}: paragraph {r['para']} of {rel} has changed "
                             "(hash mismatch); the label no longer matches the corpus")
        ctx = contexts[r["para"]]
        out.append({"text": clean_string(paras[r["para"]], "md"), "labels": _check_codes(r["labels"], where),
                    "group": rel, "origin": "corpus", "ref": f"{rel}#{r['para']}", "genre": GENRE_WORK,
                    "section": ctx.section if ctx else "", "role": ctx.role if ctx else "",
                    "is_heading": bool(ctx.is_heading) if ctx else False, "granularity": "paragraph",
                    "paragraph": f"{rel}#{r['para']}"})
    return out


def _paragraph_contexts(f: Path) -> list:
    """For each corpus paragraph (``corpus_paragraphs``' numbering), the paragraph unit ingest makes
    of its line (None where ingest dropped the line as furniture)."""
    import bisect

    text, starts, ing = _ingested_units(f)
    _, body = split_front_matter(text)
    offset = len(text) - len(body)
    first_line = bisect.bisect_right(starts, offset) - 1 if offset else 0
    by_line = {}
    for u in ing.units:
        if u.granularity == "paragraph":
            by_line.setdefault(bisect.bisect_right(starts, u.start) - 1, u)
    lines = text.split("\n")
    return [by_line.get(k) for k in range(first_line, len(lines)) if lines[k].strip()]


def _default_corpus() -> Path:
    for cand in (REPO_ROOT.parent / "shared" / "corpus" / "gov-work-reports", DEFAULT_CORPUS):
        if cand.is_dir():
            return cand
    return REPO_ROOT.parent / "shared" / "corpus" / "gov-work-reports"


def default_label_files() -> list[Path]:
    return sorted((REPO_ROOT / "labels").glob("*.jsonl"))


def load_labels(paths: list[str | Path] | None = None, corpus_root: str | Path | None = None,
                shared_root: str | Path | None = None) -> pd.DataFrame:
    """Load and concatenate label files (the project's own by default)."""
    files = [Path(p) for p in (paths or default_label_files())]
    frames = [load_label_file(p, corpus_root, shared_root) for p in files]
    return pd.concat(frames, ignore_index=True)


def data_hash(df: pd.DataFrame) -> str:
    """SHA-256 of the training data (texts and labels, order-independent)."""
    h = hashlib.sha256()
    for text, labels in sorted(zip(df["text"], df["labels"].map(tuple), strict=True)):
        h.update(text.encode("utf-8"))
        h.update(("|".join(labels) + "\n").encode("utf-8"))
    return h.hexdigest()
