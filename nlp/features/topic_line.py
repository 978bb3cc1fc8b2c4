"""What a unit's own topic line names: cue counts of its heading, or of the opening clause of a
numbered paragraph, in columns of their own.

Why: in a 法治政府建设 report almost every paragraph names 执法, 复议 or 普法 somewhere, and what a
unit is about is said by its heading ("（三）深入推进严格规范公正文明执法") or its opening clause
("（一）加强组织领导，压实普法责任。…", "一是落实第一责任人责任。…"). The same word counts for
little in a body and for much in a topic line, which a linear head can only learn when the topic
line has columns of its own; dense per-domain counts generalize from ~1,000 in-genre labels where
n-grams of the line would not. Phrases: ``nlp/data/topic_cues.yaml`` beside the taxonomy's cues.

Input: ``(texts, context)`` (``nlp.features.context.Context``: the heading flag is read). Output:
2 × domains columns — the counts in a heading unit's text, then in a numbered body unit's opening
clause — log(1 + count); a unit that is neither has zeros. Units of both genres fill them: the
in-genre heads learn from both (in-genre units weighted higher), and filling them only for 法治政府建设
reports scored lower in in-genre cross-validation (paragraphs micro-F1 0.8827 -> 0.8753), and so did
reading the pledge (严格规范公正文明执法, a stock phrase) as enforcement in those reports' topic lines and
as nothing in work reports' (macro-F1 0.8392 -> 0.8386, enforcement 0.771 -> 0.764). The work-report
heads never read these columns (``nlp.features.units.CONTEXT_PARTS``).

With ``coverage``, two more columns per domain say how much of the unit is about it (taxonomy rule 2:
a unit is labeled with what it develops, not with what it mentions in passing): the share of the
unit's sentences that name the domain, and the domain's share of all the unit's phrase matches (the
same phrases: taxonomy cues and topic cues). In-genre out-of-fold scores (5 folds by document, shipped
settings, two fold seeds): paragraphs micro-F1 0.8924 -> 0.8936 and 0.8910 -> 0.8942, macro-F1 (10+)
0.8544 -> 0.8559 and 0.8380 -> 0.8590 (units macro 0.8639 -> 0.8680, 0.8481 -> 0.8714); work reports
unchanged (their heads do not read the block). Counted with the conventions' cues instead: 0.8928 /
0.8546 (seed 0).
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import yaml
from scipy import sparse

from nlp.features.cues import CueCounter, add_domain_cues, taxonomy_cue_owners
from nlp.ingest.structure import load_structure_rules
from nlp.params import Transformer
from nlp.resources import read_data_text
from nlp.taxonomy import load_taxonomy
from nlp.text.token_batch import SENTENCE_END

CLAUSE_END = re.compile(r"[。；：！？]")
SENTENCE_SPLIT = re.compile(f"[{SENTENCE_END}]")  # the token batch's sentence ends
MIN_SENTENCE = 4  # characters: shorter pieces (a stray "。" or "等。") are not sentences of their own
MAX_CLAUSE = 60  # characters: a longer "opening clause" is a body sentence, not a topic line


def topic_line(text: str, is_heading: bool, numbered: re.Pattern[str]) -> tuple[str, str]:
    """``(heading text, opening clause)`` of a unit; either may be ''."""
    text = text.strip()
    if is_heading:
        return text, ""
    m = numbered.match(text)
    if not m:
        return "", ""
    end = CLAUSE_END.search(text, m.end())
    clause = text[m.end() : end.start() if end else len(text)]
    return "", clause[:MAX_CLAUSE]


@lru_cache(maxsize=1)
def numbered_pattern() -> re.Pattern[str]:
    """A numbered heading's or item's marker at the start of a unit (``nlp/data/structure.yaml``)."""
    rules = load_structure_rules()
    return re.compile("|".join(f"(?:{p})" for p in [*(h.pattern for h in rules.heading_levels),
                                                       rules.item_marker.pattern]))


class TopicLineCues(Transformer):
    """Cue counts of each unit's heading or numbered opening clause (see the module docstring).

    Parameters: ``taxonomy_path``, ``cues_path`` (None: the packaged ``topic_cues.yaml``),
    ``coverage`` (also each domain's share of the unit's sentences and of its phrase matches).
    Learned: ``counter_`` (a ``CueCounter`` holding the phrase lists, saved with a model).
    """

    def __init__(self, taxonomy_path: str | None = None, cues_path: str | None = None,
                 coverage: bool = False) -> None:
        self.taxonomy_path = taxonomy_path
        self.cues_path = cues_path
        self.coverage = coverage

    def fit(self, X=None, y=None):
        tax = load_taxonomy(self.taxonomy_path)
        owners = taxonomy_cue_owners(tax)
        add_domain_cues(owners, yaml.safe_load(read_data_text("topic_cues.yaml", self.cues_path)) or {}, tax,
                        "topic cues")
        self.counter_ = CueCounter(self.taxonomy_path).set_cues(list(tax.codes), owners)
        return self

    def transform(self, X) -> sparse.csr_matrix:
        texts, ctx = X
        numbered = numbered_pattern()
        lines = [topic_line(t, bool(h), numbered) for t, h in zip(texts, ctx.is_heading, strict=True)]
        heads = self.counter_.transform([h for h, _ in lines])
        opening = self.counter_.transform([c for _, c in lines])
        blocks = [heads, opening, *self.coverage_columns(texts)] if self.coverage else [heads, opening]
        return sparse.hstack(blocks, format="csr", dtype=np.float64)

    def coverage_columns(self, texts: list[str]) -> list[sparse.csr_matrix]:
        """(units × domains) twice: the share of each unit's sentences that name a domain, and the
        domain's share of the unit's phrase matches (see the module docstring)."""
        sentences: list[str] = []
        owner: list[int] = []
        for i, text in enumerate(texts):
            pieces = [p for p in SENTENCE_SPLIT.split(text) if len(p.strip()) >= MIN_SENTENCE] or [text]
            sentences += pieces
            owner += [i] * len(pieces)
        counts = self.counter_.transform(sentences).tocsr()  # log(1 + count) per sentence and domain
        to_unit = sparse.csr_matrix((np.ones(len(owner)), (owner, np.arange(len(owner)))),
                                    shape=(len(texts), len(owner)))
        named = counts.copy()
        named.data = (named.data > 0).astype(np.float64)
        n_sentences = np.asarray(to_unit.sum(axis=1)).ravel()
        covered = sparse.diags(1 / np.maximum(n_sentences, 1)) @ (to_unit @ named)
        raw = counts.copy()
        raw.data = np.expm1(raw.data)
        matches = to_unit @ raw
        total = np.asarray(matches.sum(axis=1)).ravel()
        share = sparse.diags(1 / np.maximum(total, 1)) @ matches
        return [sparse.csr_matrix(covered), sparse.csr_matrix(share)]

    def named(self, texts: list[str], is_heading: list[bool]) -> np.ndarray:
        """(units × domains) bool: the domains whose phrases stand in each unit's topic line (its
        heading text or numbered opening clause) — what the unit says it is about."""
        numbered = numbered_pattern()
        lines = [topic_line(t, bool(h), numbered) for t, h in zip(texts, is_heading, strict=True)]
        counts = self.counter_.transform([h or c for h, c in lines])
        return counts.toarray() > 0

    def to_arrays(self, name: str) -> tuple[dict, dict]:
        return {}, {f"topic__{name}": {"codes": self.counter_.codes_, "cues": self.counter_.cue_domains_}}

    def from_arrays(self, name: str, arrays, vocabs: dict, terms: bool = True):
        saved = vocabs[f"topic__{name}"]
        self.counter_ = CueCounter(self.taxonomy_path).set_cues(saved["codes"], saved["cues"])
        return self

    @property
    def _n_features_out(self) -> int:
        return (4 if self.coverage else 2) * len(self.counter_.codes_)

    def get_feature_names_out(self, input_features=None):
        codes = self.counter_.codes_
        kinds = ("heading", "opening", "coverage", "share") if self.coverage else ("heading", "opening")
        return np.array([f"{kind}:{c}" for kind in kinds for c in codes], dtype=object)
