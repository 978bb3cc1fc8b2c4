"""Cue counts: log(1 + number of a domain's cue words in the text), one column per domain.

The cues are the taxonomy's (``nlp/data/taxonomy.yaml``) and, optionally, the labeling
conventions' (``nlp/data/convention_cues.yaml``), matched in one compiled pass (``_trie``).
"""

from __future__ import annotations

import numpy as np
import yaml
from scipy import sparse

from nlp.features._trie import CueTrie
from nlp.params import Transformer
from nlp.resources import read_data_text
from nlp.taxonomy import load_taxonomy
from nlp.text.token_batch import SENTENCE_END, TokenBatch, code_points

STOCK_PHRASES = "stock_phrases"  # convention_cues.yaml: phrases that alone signal no domain


def taxonomy_cue_owners(tax) -> dict[str, list[int]]:
    """Each taxonomy cue → the columns (domain indices) it counts in."""
    owners: dict[str, list[int]] = {}
    for j, d in enumerate(tax.domains):
        for cue in d.cues:
            owners.setdefault(cue, []).append(j)
    return owners


def add_stock_phrases(codes: list[str], owners: dict[str, list[int]], phrases) -> list[str]:
    """Stock phrases in one column of their own (appended to ``codes``); matched whole, they also
    hide the shorter cues inside them (文明执法 in 严格规范公正文明执法). Returns the phrases."""
    stock = [str(c) for c in phrases or []]
    if stock:
        codes.append(STOCK_PHRASES)
        for cue in stock:
            owners[cue] = [len(codes) - 1]
    return stock


def add_domain_cues(owners: dict[str, list[int]], extra: dict, tax, source: str, stock: list[str] = ()) -> None:
    """Add a data file's ``{domain: [phrases]}`` to ``owners``; an unknown domain, or a phrase that
    is also a stock phrase, is an error naming ``source``."""
    for code, cues in extra.items():
        if code not in tax.codes:
            raise ValueError(f"{source}: unknown domain {code!r} (not in the taxonomy)")
        for cue in cues or []:
            if str(cue) in stock:
                raise ValueError(f"{source}: {cue!r} is both a stock phrase and a {code} cue")
            if tax.codes.index(code) not in owners.setdefault(str(cue), []):
                owners[str(cue)].append(tax.codes.index(code))


class CueCounter(Transformer):
    """log(1 + number of a domain's cue words in the text), one column per domain.

    All cues are matched in one pass (``CueTrie``: longest cue first), so a cue inside a
    longer cue (执法监督 in 行政执法监督) counts once, for the longer one.

    Parameters: ``taxonomy_path``; ``conventions`` also counts the labeling-convention cues of
    ``nlp/data/convention_cues.yaml`` (or ``conventions_path``) in their domain's column, and
    its ``stock_phrases`` (set phrases the conventions say are no domain by themselves, such as
    the pledge 严格规范公正文明执法) in one extra column: the model can learn what they do not
    signal, and a cue inside one (文明执法) no longer counts for its domain there.
    Learned: ``codes_``, ``cue_domains_`` (cue → column indices; saved with a model, so a
    later edit of the data files does not change a trained model).
    """

    def __init__(self, taxonomy_path: str | None = None, conventions: bool = False,
                 conventions_path: str | None = None) -> None:
        self.taxonomy_path = taxonomy_path
        self.conventions = conventions
        self.conventions_path = conventions_path

    def fit(self, X=None, y=None):
        tax = load_taxonomy(self.taxonomy_path)
        owners = taxonomy_cue_owners(tax)
        codes = list(tax.codes)
        if self.conventions:
            extra = yaml.safe_load(read_data_text("convention_cues.yaml", self.conventions_path)) or {}
            stock = add_stock_phrases(codes, owners, extra.pop(STOCK_PHRASES, None))
            add_domain_cues(owners, extra, tax, "convention cues", stock)
        return self.set_cues(codes, owners)

    def to_arrays(self, name: str) -> tuple[dict, dict]:
        """The cue lists the model was trained with (vocabulary entries; no arrays)."""
        return {}, {f"cues__{name}": {"codes": self.codes_, "cues": self.cue_domains_}}

    def from_arrays(self, name: str, arrays, vocabs: dict, terms: bool = True):
        saved = vocabs[f"cues__{name}"]
        return self.set_cues(saved["codes"], saved["cues"])

    def set_cues(self, codes: list[str], cue_domains: dict[str, list[int]]):
        """Use these cues (as saved with a model) instead of the data files'."""
        self.codes_ = list(codes)
        self.cue_domains_ = {c: list(js) for c, js in cue_domains.items()}
        bad = [c for c in self.cue_domains_ if not c or any(ch in c for ch in SENTENCE_END + "\n\x00 ")]
        if bad:
            raise ValueError(f"cue {bad[0]!r} is empty or contains a sentence end, space or newline")
        cues = list(self.cue_domains_)
        self.trie_ = CueTrie(cues)
        lengths = np.array([len(self.cue_domains_[c]) for c in cues], dtype=np.int64)
        self._cue_columns = (np.cumsum(lengths) - lengths, lengths,
                             np.array([j for c in cues for j in self.cue_domains_[c]], dtype=np.int64))
        return self

    def _matches(self, cp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Start offset and domain column of every cue match in code points ``cp`` (one pass)."""
        pos, cue = self.trie_.matches(cp)
        first, lengths, columns = self._cue_columns
        n = lengths[cue]  # a cue of several domains counts in each, at the same position
        within = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
        return np.repeat(pos, n), columns[np.repeat(first[cue], n) + within]

    def _counts(self, rows: np.ndarray, doms: np.ndarray, n_rows: int) -> sparse.csr_matrix:
        m = sparse.csr_matrix((np.ones(len(rows)), (rows, doms)), shape=(n_rows, len(self.codes_)))
        m.sum_duplicates()
        m.data = np.log1p(m.data)
        return m

    def transform(self, X, level: str = "unit"):
        """Cue counts of texts, or of a ``TokenBatch``'s units or (``level="sentence"``) sentences.

        Texts are matched in one pass (joined by NUL, which no cue contains). A batch is
        matched once (kept in ``batch.memo``) and each match goes to the sentence it starts
        in: no cue contains a sentence end, so that equals matching each sentence alone.
        """
        if not isinstance(X, TokenBatch):
            texts = list(X)
            pos, doms = self._matches(code_points("\x00".join(texts)))
            bounds = np.cumsum([len(t) + 1 for t in texts])
            return self._counts(np.searchsorted(bounds, pos, side="right"), doms, len(texts))
        batch = X
        key = ("cues", id(self))
        if key not in batch.memo:
            batch.memo[key] = self._matches(batch.code_points)
        pos, doms = batch.memo[key]
        if level == "unit":
            return self._counts(np.searchsorted(batch.doc_starts, pos, side="right") - 1, doms, batch.n_docs)
        if level != "sentence":
            raise ValueError(f"unknown level {level!r} (use 'unit' or 'sentence')")
        spans = batch.sentence_spans
        row = np.searchsorted(spans[:, 0], pos, side="right") - 1
        inside = row >= 0
        inside[inside] = pos[inside] < spans[row[inside], 1]
        return self._counts(row[inside], doms[inside], len(spans))

    @property
    def _n_features_out(self) -> int:
        return len(self.codes_)

    def get_feature_names_out(self, input_features=None):
        return np.array([f"cue:{c}" for c in self.codes_], dtype=object)
