"""Draw corpus paragraphs for hand labeling (how labels/corpus_*.jsonl were sampled).

Most of a government work report is about the economy, so a purely random sample holds few
rule-of-law paragraphs. The sample therefore mixes (a) for every domain, paragraphs that
contain one of its cue words, spread over levels, regions and years (at most one paragraph
per file and domain), and (b) random paragraphs from all files, which are mostly negatives.
Cue words only *select candidates*; every label is given by a person reading the paragraph.

Writes batches of ``{"path", "para", "sha", "text"}`` (text included, for the labelers) to a
directory outside the repository: corpus text must not be committed.

    python tools/sample_for_labeling.py ../shared/corpus/gov-work-reports /tmp/labeling

Round 2 (more paragraphs for the weakest domains, none already labeled):

    python tools/sample_for_labeling.py ../shared/corpus/gov-work-reports /tmp/labeling2 \
        --seed 20261122 --round 2 --exclude labels/corpus_gov_work_reports.jsonl --batches 4

Round 3 (core domains; round 3 excludes rounds 1 and 2):

    python tools/sample_for_labeling.py ../shared/corpus/gov-work-reports /tmp/labeling3 \
        --seed 20261123 --round 3 --exclude labels/corpus_gov_work_reports*.jsonl --batches 4

Round 4 (boundary cases of enforcement_supervision and mediation: paragraphs with words that
are often *not* the domain -- the stock pledge 严格规范公正文明执法, 风险化解, 矛盾, 信访 --
next to its cue words; excludes rounds 1-3):

    python tools/sample_for_labeling.py ../shared/corpus/gov-work-reports /tmp/labeling4 \
        --seed 20261124 --round 4 --exclude labels/corpus_gov_work_reports*.jsonl --batches 4
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nlp.taxonomy import load_taxonomy
from nlp.training.corpus_refs import paragraph_hash, read_corpus_paragraphs

PER_DOMAIN = {
    "community_corrections": 170,
    "legal_aid": 200,
    "reconsideration_litigation": 170,
    "public_legal_services": 170,
    "enforcement_supervision": 170,
    "legal_publicity": 170,
    "mediation": 170,
    "legality_review": 140,
    "leadership_accountability": 140,
    "administrative_reform": 110,
}
RANDOM = 430
# round 2 aims at the domains with the lowest cross-validated F1 after round 1
PER_DOMAIN_ROUND2 = {
    "enforcement_supervision": 130,
    "mediation": 130,
    "leadership_accountability": 130,
    "administrative_reform": 90,
    "public_legal_services": 90,
    "legality_review": 60,
    "legal_publicity": 60,
    "legal_aid": 40,
    "reconsideration_litigation": 30,
    "community_corrections": 30,
}
RANDOM_ROUND2 = 150
# round 3: the two core domains furthest from the target after round 2
PER_DOMAIN_ROUND3 = {
    "enforcement_supervision": 240,
    "mediation": 240,
    "legal_publicity": 100,
    "legal_aid": 80,
}
RANDOM_ROUND3 = 150
# round 4: boundary pools (words the core-domain errors came from) plus the two domains' cues
PER_DOMAIN_ROUND4 = {"enforcement_supervision": 100, "mediation": 100}
BOUNDARY_ROUND4 = {
    "pledge_or_enforcement_words": (
        ("严格规范公正文明执法", "严格执法", "执法规范化", "监管执法", "执法检查", "执法力度", "行政处罚"),
        260,
    ),
    "dispute_or_risk_words": (("风险化解", "化解风险", "矛盾", "纠纷", "信访", "调处", "维稳"), 260),
}
RANDOM_ROUND4 = 100
MIN_CHARS, MAX_CHARS = 12, 1200
BATCHES = 6


def labeled_refs(paths: list[Path]) -> set[tuple[str, int]]:
    """(path, para) of paragraphs already in label files (reference format)."""
    out = set()
    for p in paths:
        for line in p.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                if "path" in rec:
                    out.add((rec["path"], int(rec["para"])))
    return out


def main(corpus: Path, out: Path, seed: int = 20261121, per_domain: dict[str, int] | None = None,
         n_random: int = RANDOM, batches: int = BATCHES, exclude: set[tuple[str, int]] | None = None,
         boundary: dict[str, tuple[tuple[str, ...], int]] | None = None) -> None:
    """Write ``batches`` files of candidates: per-domain cue pools, ``boundary`` word pools
    (name -> (words, how many)), then random paragraphs; at most one paragraph per file and pool."""
    per_domain = per_domain or PER_DOMAIN
    boundary = boundary or {}
    exclude = exclude or set()
    rng = random.Random(seed)
    taxonomy = load_taxonomy()
    files = sorted(corpus.rglob("*.md"))
    pools: dict[str, list[tuple[str, int, str]]] = defaultdict(list)
    everything: list[tuple[str, int, str]] = []
    for f in files:
        rel = f.relative_to(corpus).as_posix()
        seen_domain: dict[str, list[tuple[str, int, str]]] = defaultdict(list)
        for i, p in enumerate(read_corpus_paragraphs(f)):
            if not MIN_CHARS <= len(p) <= MAX_CHARS or (rel, i) in exclude:
                continue
            everything.append((rel, i, p))
            for d in taxonomy.domains:
                if any(c in p for c in d.cues):
                    seen_domain[d.code].append((rel, i, p))
            for name, (words, _) in boundary.items():
                if any(w in p for w in words):
                    seen_domain[name].append((rel, i, p))
        for code, cands in seen_domain.items():
            pools[code].append(rng.choice(cands))
    chosen: dict[tuple[str, int], str] = {}
    quotas = {**per_domain, **{name: n for name, (_, n) in boundary.items()}}
    for code, n in quotas.items():
        # rounds 1-3 drew with overlaps allowed; keep them reproducible
        cands = [c for c in pools[code] if (c[0], c[1]) not in chosen] if boundary else pools[code]
        rng.shuffle(cands)
        for rel, i, p in cands[:n]:
            chosen[(rel, i)] = p
    rest = [c for c in everything if (c[0], c[1]) not in chosen] if boundary else everything
    for rel, i, p in rng.sample(rest, n_random):
        chosen[(rel, i)] = p
    items = [
        {"path": rel, "para": i, "sha": paragraph_hash(p), "text": p}
        for (rel, i), p in chosen.items()
    ]
    rng.shuffle(items)
    out.mkdir(parents=True, exist_ok=True)
    for b in range(batches):
        part = items[b::batches]
        with open(out / f"batch_{b}.jsonl", "w", encoding="utf-8") as fh:
            for it in part:
                fh.write(json.dumps(it, ensure_ascii=False) + "\n")
        print(f"batch_{b}: {len(part)} paragraphs, {sum(len(x['text']) for x in part)} chars")
    print(f"total {len(items)} paragraphs from {len({x['path'] for x in items})} files")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--seed", type=int, default=20261121)
    ap.add_argument("--round", type=int, choices=(1, 2, 3, 4), default=1)
    ap.add_argument("--batches", type=int, default=BATCHES)
    ap.add_argument("--exclude", type=Path, nargs="*", default=[], help="label files whose paragraphs to skip")
    args = ap.parse_args()
    quotas = {1: (PER_DOMAIN, RANDOM), 2: (PER_DOMAIN_ROUND2, RANDOM_ROUND2), 3: (PER_DOMAIN_ROUND3, RANDOM_ROUND3),
              4: (PER_DOMAIN_ROUND4, RANDOM_ROUND4)}
    per_domain, n_random = quotas[args.round]
    boundary = BOUNDARY_ROUND4 if args.round == 4 else None
    main(args.corpus, args.out, args.seed, per_domain, n_random, args.batches, labeled_refs(args.exclude), boundary)
