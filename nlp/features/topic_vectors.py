"""The meaning of a unit's topic line and of its nearest heading as word vectors, in columns of
their own.

Why: what a unit of a 法治政府建设 report is about is said by its own heading or numbered opening
clause and by the heading above it (taxonomy rule 2, labeling brief rules 1 and 4), and those lines
are short: "（五）司法惠民服务更深" names no cue of public legal services, and the heading-path
n-grams of ~1,000 in-genre units have seen few of the words such lines use. The mean word vector
(``nlp.features.embeddings``, trained without labels on the corpus) of the line carries similarity
to the lines the labels did teach (司法惠民 near 公共法律服务) in ~100 dense columns. Off by default
(``DomainTagger(topic_vectors=False)``): in in-genre cross-validation the rarer domains gained and
the two largest lost, micro-F1 down on both fold splits (numbers in the estimator's docstring).

Input: ``(texts, context)`` (``nlp.features.context.Context``: heading flag and heading path).
Output: two blocks of the vectors' width: the l2-normalised mean vector of the unit's topic line
(``nlp.features.topic_line.topic_line``: a heading's text, a numbered paragraph's opening clause;
zeros when it has none), then of the nearest heading in its path (zeros when none). The vectors
are the word-vector block's (``w2v``): a model keeps them once.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from nlp.features.context import SECTION_SEP
from nlp.features.embeddings import MeanWordVectors
from nlp.features.topic_line import numbered_pattern, topic_line
from nlp.params import Transformer
from nlp.text.token_batch import segment_batch


class TopicLineVectors(Transformer):
    """[topic line's mean word vector | nearest heading's mean word vector] of each unit.

    Not fitted on data: ``use(vectors)`` hands it the fitted word-vector block (``UnitFeatures``
    does, after fitting or loading that block), so the vectors are stored once.
    """

    def __init__(self) -> None:
        pass

    def use(self, vectors: MeanWordVectors) -> TopicLineVectors:
        self.vectors_ = vectors
        return self

    def fit(self, X=None, y=None):
        return self

    def transform(self, X) -> sparse.csr_matrix:
        texts, ctx = X
        numbered = numbered_pattern()
        lines = []
        for text, is_heading in zip(texts, ctx.is_heading, strict=True):
            heading, opening = topic_line(text, bool(is_heading), numbered)
            lines.append(heading or opening)
        nearest = [s.rsplit(SECTION_SEP, 1)[-1] if s else "" for s in ctx.section]
        if not texts:
            return sparse.csr_matrix((0, self._n_features_out))
        # one segmentation for both kinds of line; a report has a handful of distinct headings
        distinct = list(dict.fromkeys(lines + nearest))
        index = {line: i for i, line in enumerate(distinct)}
        vecs = self.vectors_._directions(segment_batch(distinct), "unit")
        if "" in index:  # no line: zeros, whatever the segmenter makes of an empty text
            vecs[index[""]] = 0.0
        rows = np.hstack([vecs[[index[s] for s in lines]], vecs[[index[s] for s in nearest]]])
        return sparse.csr_matrix(rows)

    @property
    def width(self) -> int:
        return self.vectors_._n_features_out

    def to_arrays(self, name: str) -> tuple[dict, dict]:
        return {}, {}

    def from_arrays(self, name: str, arrays, vocabs: dict, terms: bool = True):
        return self  # the vectors come from the word-vector block (``use``)

    @property
    def _n_features_out(self) -> int:
        return 2 * self.width

    def get_feature_names_out(self, input_features=None):
        return np.array([f"{kind}:{i}" for kind in ("line", "heading") for i in range(self.width)], dtype=object)
