"""Topic models (gensim LDA) over report units, with coherence-based choice of k.

Pipeline: texts → tokens (``nlp.text.tokenize.Tokenizer``: rjieba, domain dictionary, stop words) →
bigram phrases (gensim ``Phrases``, frozen) → gensim ``Dictionary`` with rare and ubiquitous
tokens filtered out → bag-of-words → ``LdaModel``.

Reproducibility is a design goal: everything runs in one process, ``LdaModel`` gets
``random_state=seed``, phrase and dictionary building only count (no randomness), and
``transform`` resets the inference random state before every call, so the same texts and seed
give bit-identical topics and document-topic matrices (gensim's own ``get_document_topics``
would advance a shared random state and drift from call to call).

Coherence uses ``gensim.models.CoherenceModel`` with its own default sliding windows
(c_v: 110 tokens, c_npmi: 10 tokens; gensim's ``SLIDING_WINDOW_SIZES``), the top 20 words per
topic (gensim's default ``topn``) and ``processes=1`` (determinism, and no process start-up
cost on small data). The values actually used are recorded in ``coherence_``.

At corpus scale two costs dominate: fitting one LDA per candidate k, and the sliding-window
coherence over every text. So when there are more texts than ``selection_sample``, k is chosen
on a seeded sample of that size and only the chosen k is then fitted on all texts; coherence
is always computed on a seeded sample of at most ``coherence_sample`` texts (recorded in
``coherence_["n_texts"]``).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence

import numpy as np
import pandas as pd

from nlp.params import Params

TokenizerLike = Callable[[str], list[str]]


# --------------------------------------------------------------------------- streamed corpus

class TokenStream:
    """Re-iterable stream of token lists: each pass re-reads ``texts`` and tokenizes lazily.

    ``texts`` must be re-iterable (a list, a Series, or a callable returning a fresh iterator)
    so gensim can make several passes without the token lists all living in memory.
    """

    def __init__(self, texts: Iterable[str] | Callable[[], Iterable[str]], tokenizer: TokenizerLike,
                 phrases: object | None = None) -> None:
        self.texts = texts
        self.tokenizer = tokenizer
        self.phrases = phrases

    def __iter__(self) -> Iterator[list[str]]:
        source = self.texts() if callable(self.texts) else self.texts
        for text in source:
            tokens = self.tokenizer(text if isinstance(text, str) else "")
            yield list(self.phrases[tokens]) if self.phrases is not None else tokens


class TopicTokenizer:
    """The tokenizer of topic models: the general one (stop words, user dictionary), without the
    genre's boilerplate (``nlp/data/topic_stopwords.txt``) when ``boilerplate`` is True, without
    place names when ``places`` is True, and without tokens shorter than ``min_len``.

    Why a second list: 深化, 强化, 确保, 不断 occur in most paragraphs of every report and say
    nothing of what a paragraph is about; the tagger keeps them. The list is short on purpose:
    dropping nouns every report has, or single characters, made topics less coherent
    (benchmarks/topic_engines.py). Why place names: each region's reports name their own places
    (陕西, 西安, 哈尔滨) in every paragraph, so topics become regions instead of themes; a
    researcher tracking emphasis over years groups by region through the metadata instead.
    Picklable, so topic fits can run in worker processes.
    """

    def __init__(self, boilerplate: bool = True, places: bool = True, min_len: int = 1,
                 boilerplate_path: str | None = None) -> None:
        self.boilerplate = boilerplate
        self.places = places
        self.min_len = min_len
        self.boilerplate_path = boilerplate_path

    def __call__(self, text: str) -> list[str]:
        drop = _boilerplate(self.boilerplate_path) if self.boilerplate else frozenset()
        if self.places:
            drop = drop | _place_names()
        return [t for t in _base_tokenizer()(text) if len(t) >= self.min_len and t not in drop]

    def __repr__(self) -> str:
        return (f"TopicTokenizer(boilerplate={self.boilerplate!r}, places={self.places!r}, "
                f"min_len={self.min_len}, boilerplate_path={self.boilerplate_path!r})")


@functools.cache
def _boilerplate(path: str | None) -> frozenset[str]:
    from nlp.resources import read_data_text

    lines = (ln.strip() for ln in read_data_text("topic_stopwords.txt", path).splitlines())
    return frozenset(ln for ln in lines if ln and not ln.startswith("#"))


@functools.cache
def _place_suffix() -> re.Pattern[str]:
    """A division name's generic tail: 省, 市, 县, 自治州 with its ethnic groups (土家族苗族自治州)."""
    from nlp.resources import read_data_text

    groups = [g.strip() for g in read_data_text("ethnic_groups.txt").splitlines()
              if g.strip() and not g.startswith("#")]
    ethnic = "|".join(sorted(map(re.escape, groups), key=len, reverse=True))
    return re.compile(rf"(?:(?:(?:{ethnic})族?)*自治(?:区|州|县|旗)|特别行政区|地区|省|市|盟|县|区|旗)$")


@functools.cache
def _place_names() -> frozenset[str]:
    """Every division name of the gazetteer, and short forms: of provinces and prefectures from two
    characters (陕西, 西安, 玉树 of 玉树藏族自治州), of counties from three (绥芬河, 格尔木) — two-character
    county short forms are often words (平安, 和平)."""
    from nlp.ingest.places import gazetteer

    names = set()
    suffix = _place_suffix()
    for name, places in gazetteer().items():
        names.add(name)
        m = suffix.search(name, 2)  # at least two characters stay
        big = any(p.level in ("province", "prefecture") for p in places)
        if m and m.start() >= (2 if big else 3):
            names.add(name[: m.start()])
    return frozenset(names)


@functools.cache
def _base_tokenizer():
    from nlp.text.tokenize import Tokenizer

    return Tokenizer()


class BowCorpus:
    """Re-iterable bag-of-words corpus over a ``TokenStream`` (what gensim models consume)."""

    def __init__(self, tokens: Iterable[list[str]], dictionary: object) -> None:
        self.tokens = tokens
        self.dictionary = dictionary

    def __iter__(self) -> Iterator[list[tuple[int, int]]]:
        for doc in self.tokens:
            yield self.dictionary.doc2bow(doc)  # type: ignore[attr-defined]


def build_phrases(tokens: Iterable[list[str]], min_count: int = 5, threshold: float = 10.0):
    """Frozen bigram detector (deterministic: pure counting over the stream, in order)."""
    from gensim.models.phrases import Phrases

    return Phrases(tokens, min_count=min_count, threshold=threshold, delimiter="_").freeze()


def build_dictionary(tokens: Iterable[list[str]], no_below: int = 5, no_above: float = 0.5):
    """gensim ``Dictionary`` without tokens in fewer than ``no_below`` units or more than
    ``no_above`` of them (boilerplate such as 工作 or 推进 carries no topic)."""
    from gensim.corpora import Dictionary

    dictionary = Dictionary(tokens)
    dictionary.filter_extremes(no_below=no_below, no_above=no_above, keep_n=None)
    return dictionary


# --------------------------------------------------------------------------- model

def _coherence(lda, texts: list[list[str]], dictionary, measure: str) -> tuple[float, int]:
    """gensim coherence of ``lda`` on ``texts``; returns (value, sliding window actually used)."""
    from gensim.models.coherencemodel import SLIDING_WINDOW_SIZES, CoherenceModel

    cm = CoherenceModel(model=lda, texts=texts, dictionary=dictionary, coherence=measure,
                        window_size=SLIDING_WINDOW_SIZES[measure], processes=1)
    value = float(cm.get_coherence())
    return value, int(cm.window_size)


class TopicModel(Params):
    """LDA topic model with the estimator protocol (``get_params``/``set_params``, so
    ``sklearn.base.clone`` works; ``fit`` / ``transform``; learned state in ``*_`` attributes).

    Parameters:
        k: number of topics, or "auto" to pick the k in ``k_grid`` with the best c_v coherence
           (ties go to the smaller k: fewer topics are easier to read).
        seed: random state of LDA and of inference; same inputs + seed → identical output.
        passes, iterations: LDA training passes over the corpus / inference iterations per doc.
        no_below, no_above: dictionary filters (min unit count, max unit fraction).
        phrases: detect bigrams (e.g. 行政_复议) before building the dictionary.
        phrase_min_count, phrase_threshold: gensim ``Phrases`` parameters.
        tokenizer: callable text → tokens; None for ``TopicTokenizer()`` (stop words and the
           genre's boilerplate dropped).
        term_weight: "one" (counts, classic LDA) or "idf" (each occurrence weighted by the term's
           inverse document frequency log(N/df), as tomotopy's ``TermWeight.IDF``): frequent,
           topic-less words weigh less in the fit, which gives more coherent and more distinct
           topics (benchmarks/README.md has the measurement).
        relevance_lambda: λ of the relevance ranking of topic words (Sievert & Shirley 2014, as in
           LDAvis): λ·log p(w|t) + (1-λ)·log(p(w|t)/p(w)); 1 ranks by probability, lower values
           favour words specific to the topic. 0.6 is the value their user study found best.

    Fitted attributes: ``dictionary_``, ``phrases_`` (None when phrases=False), ``lda_``,
    ``k_``, ``coherence_``, ``idf_`` (None unless term_weight="idf"), ``term_freq_`` (p(w)).
    """

    def __init__(self, k: int | str = "auto", k_grid: Sequence[int] = (5, 8, 10, 12, 15), seed: int = 0,
                 passes: int = 5, iterations: int = 100, no_below: int = 5, no_above: float = 0.5,
                 phrases: bool = True, tokenizer: TokenizerLike | None = None, phrase_min_count: int = 5,
                 phrase_threshold: float = 10.0, selection_sample: int = 30000,
                 coherence_sample: int = 20000, term_weight: str = "idf", relevance_lambda: float = 0.6) -> None:
        self.k = k
        self.k_grid = k_grid
        self.seed = seed
        self.passes = passes
        self.iterations = iterations
        self.no_below = no_below
        self.no_above = no_above
        self.phrases = phrases
        self.tokenizer = tokenizer
        self.phrase_min_count = phrase_min_count
        self.phrase_threshold = phrase_threshold
        self.selection_sample = selection_sample
        self.coherence_sample = coherence_sample
        self.term_weight = term_weight
        self.relevance_lambda = relevance_lambda

    # -- helpers
    def _tokenizer(self) -> TokenizerLike:
        return self.tokenizer if self.tokenizer is not None else TopicTokenizer()

    def _tokens(self, texts: Iterable[str]) -> TokenStream:
        return TokenStream(texts, self._tokenizer(), self.phrases_)

    def _new_lda(self, corpus: list, k: int):
        from gensim.models import LdaModel

        return LdaModel(corpus=corpus, id2word=self.dictionary_, num_topics=k, random_state=self.seed,
                        passes=self.passes, iterations=self.iterations, chunksize=2000, alpha="symmetric",
                        eval_every=None, dtype=np.float64)

    def _check_fitted(self) -> None:
        if not hasattr(self, "lda_"):
            raise RuntimeError("TopicModel is not fitted; call fit(texts) first")

    # -- public API
    def fit(self, texts: Iterable[str]) -> TopicModel:
        """Learn phrases, dictionary and LDA from ``texts`` (one string per unit).

        The phrased token lists are kept in memory during ``fit`` only, because the sliding
        window coherence measures need the texts themselves, not bags of words.
        """
        tok = self._tokenizer()
        raw = [tok(t if isinstance(t, str) else "") for t in texts]
        self.phrases_ = (build_phrases(raw, self.phrase_min_count, self.phrase_threshold)
                         if self.phrases else None)
        docs = [list(self.phrases_[d]) for d in raw] if self.phrases_ is not None else raw
        self.dictionary_ = build_dictionary(docs, self.no_below, self.no_above)
        if len(self.dictionary_) == 0:
            raise ValueError("no tokens left after filtering; lower no_below or raise no_above")
        if self.term_weight not in ("one", "idf"):
            raise ValueError(f"term_weight must be 'one' or 'idf', not {self.term_weight!r}")
        counts = [self.dictionary_.doc2bow(d) for d in docs]
        self.term_freq_ = _term_freq(self.dictionary_)
        self.idf_ = _idf(self.dictionary_) if self.term_weight == "idf" else None
        corpus = self._weighted(counts)
        grid = list(self.k_grid) if self.k == "auto" else [int(self.k)]
        rng = np.random.default_rng(self.seed)
        sel = (np.sort(rng.choice(len(docs), self.selection_sample, replace=False))
               if len(grid) > 1 and len(docs) > self.selection_sample else np.arange(len(docs)))
        coh = (np.sort(rng.choice(len(docs), self.coherence_sample, replace=False))
               if len(docs) > self.coherence_sample else np.arange(len(docs)))
        sel_corpus, sel_docs = [corpus[i] for i in sel], [docs[i] for i in sel]
        coh_docs = [docs[i] for i in coh]
        sel_coh = (np.sort(rng.choice(len(sel), self.coherence_sample, replace=False))
                   if len(sel) > self.coherence_sample else np.arange(len(sel)))
        sel_coh_docs = [sel_docs[i] for i in sel_coh]
        per_k: dict[int, float] = {}
        best = None
        for k in _progress(grid, "topics: fitting k"):
            lda = self._new_lda(sel_corpus, k)
            cv, cv_window = _coherence(lda, sel_coh_docs, self.dictionary_, "c_v")
            per_k[k] = cv
            if best is None or _better(cv, per_k[best[0]]):
                best = (k, lda)
        assert best is not None
        self.k_, self.lda_ = best
        final_cv = per_k[self.k_]
        if len(sel) < len(docs):  # k was chosen on a sample: fit the chosen k on everything
            self.lda_ = self._new_lda(corpus, self.k_)
            final_cv, cv_window = _coherence(self.lda_, coh_docs, self.dictionary_, "c_v")
        npmi, npmi_window = _coherence(self.lda_, coh_docs, self.dictionary_, "c_npmi")
        # per_k: c_v of each candidate on the selection sample; c_v/c_npmi: the final model
        self.coherence_ = {"c_v": final_cv, "c_npmi": npmi, "per_k": per_k,
                           "implementation": "gensim.models.CoherenceModel",
                           "window": {"c_v": cv_window, "c_npmi": npmi_window}, "topn": 20,
                           "n_texts": len(coh), "k_selected_on": len(sel)}
        self.n_docs_ = len(docs)
        return self

    def transform(self, texts: Iterable[str]) -> np.ndarray:
        """Document-topic matrix (n_texts x k_), rows sum to 1 (empty texts: uniform)."""
        self._check_fitted()
        corpus = self._weighted(list(BowCorpus(self._tokens(texts), self.dictionary_)))
        return self.transform_bow(corpus)

    def _weighted(self, corpus: list[list[tuple[int, int]]]) -> list[list[tuple[int, float]]]:
        """Bags of words with the fitted term weights (unchanged counts when term_weight="one")."""
        if getattr(self, "idf_", None) is None:
            return corpus
        idf = self.idf_
        return [[(i, c * idf[i]) for i, c in bow] for bow in corpus]

    def transform_bow(self, corpus: list[list[tuple[int, int]]]) -> np.ndarray:
        """``transform`` for an already vectorised and weighted corpus (bags over ``dictionary_``)."""
        self._check_fitted()
        if not corpus:
            return np.zeros((0, self.k_))
        self.lda_.random_state = np.random.RandomState(self.seed)  # identical inference each call
        parts = [self.lda_.inference(corpus[i:i + 2000])[0] for i in range(0, len(corpus), 2000)]
        gamma = np.vstack(parts).astype(float)
        return gamma / gamma.sum(axis=1, keepdims=True)

    def fit_transform(self, texts: Sequence[str]) -> np.ndarray:
        return self.fit(texts).transform(texts)

    def top_words(self, n: int = 10) -> pd.DataFrame:
        """Top ``n`` words per topic: columns topic, rank (1 = most probable), word, weight."""
        self._check_fitted()
        rows = [{"topic": t, "rank": r, "word": w, "weight": float(p)}
                for t in range(self.k_) for r, (w, p) in enumerate(self.lda_.show_topic(t, topn=n), start=1)]
        return pd.DataFrame(rows, columns=["topic", "rank", "word", "weight"])

    def relevant_words(self, n: int = 10, lam: float | None = None) -> pd.DataFrame:
        """Top ``n`` words per topic ranked by relevance (λ = ``relevance_lambda`` unless given).

        Columns: topic, rank (1 = most relevant), word, weight (p(w|t)), relevance, lift
        (p(w|t)/p(w)). Ranking by probability alone puts the corpus's most frequent words
        (经济, 改革) at the head of every topic; relevance demotes them.
        """
        self._check_fitted()
        lam = self.relevance_lambda if lam is None else lam
        phi = self.topic_word_matrix()
        with np.errstate(divide="ignore"):
            log_phi = np.log(phi)
            log_lift = log_phi - np.log(np.maximum(self.term_freq_, 1e-300))[None, :]
        relevance = lam * log_phi + (1.0 - lam) * log_lift
        rows = []
        for t in range(self.k_):
            order = np.argsort(-relevance[t], kind="stable")[:n]
            rows += [{"topic": t, "rank": r, "word": self.dictionary_[int(w)], "weight": float(phi[t, w]),
                      "relevance": float(relevance[t, w]), "lift": float(np.exp(log_lift[t, w]))}
                     for r, w in enumerate(order, start=1)]
        return pd.DataFrame(rows, columns=["topic", "rank", "word", "weight", "relevance", "lift"])

    def labels(self, n_words: int = 3) -> dict[str, str]:
        """``topic_i`` → its ``n_words`` most relevant words joined by "·" (a readable name)."""
        words = self.relevant_words(n_words)
        return {f"topic_{t}": "·".join(grp.sort_values("rank")["word"]) for t, grp in words.groupby("topic")}

    def topic_word_matrix(self) -> np.ndarray:
        """k_ x vocabulary matrix of word probabilities (rows sum to 1)."""
        self._check_fitted()
        return _normalise(self.lda_.get_topics())

    def summary_dict(self) -> dict:
        """JSON-ready summary for run reports: k, seed, coherence and parameters."""
        self._check_fitted()
        params = {"k": self.k, "k_grid": list(self.k_grid), "passes": self.passes, "iterations": self.iterations,
                  "no_below": self.no_below, "no_above": self.no_above, "phrases": self.phrases,
                  "phrase_min_count": self.phrase_min_count, "phrase_threshold": self.phrase_threshold,
                  "selection_sample": self.selection_sample, "coherence_sample": self.coherence_sample,
                  "tokenizer": repr(self._tokenizer()), "term_weight": self.term_weight,
                  "relevance_lambda": self.relevance_lambda,
                  "vocabulary": len(self.dictionary_), "n_docs": self.n_docs_}
        coherence = {**self.coherence_, "per_k": {str(k): v for k, v in self.coherence_["per_k"].items()}}
        return {"k": self.k_, "seed": self.seed, "coherence": coherence, "params": params}


def _progress(items: Sequence, desc: str):
    """A tqdm bar on stderr when it is a terminal; the plain sequence in pipes, logs and CI."""
    import sys

    if not sys.stderr.isatty():
        return items
    from tqdm import tqdm

    return tqdm(items, desc=desc, file=sys.stderr, leave=False)


def _better(value: float, incumbent: float) -> bool:
    """Strictly better coherence (NaN never wins), so ties keep the earlier, smaller k."""
    if math.isnan(value):
        return False
    return math.isnan(incumbent) or value > incumbent


def _term_freq(dictionary) -> np.ndarray:
    """p(w): each term's share of all token occurrences (the marginal of the relevance ranking),
    from the dictionary's collection frequencies (counted over the texts it was built from)."""
    freq = np.array([dictionary.cfs.get(i, 0) for i in range(len(dictionary))], dtype=float)
    total = freq.sum()
    return freq / total if total > 0 else freq


def _idf(dictionary) -> np.ndarray:
    """log(N/df) per term id; at least a small positive weight so no term vanishes."""
    n = max(int(dictionary.num_docs), 1)
    df = np.array([dictionary.dfs.get(i, 1) for i in range(len(dictionary))], dtype=float)
    return np.maximum(np.log(n / np.maximum(df, 1.0)), 1e-3)


def _normalise(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, dtype=float)
    s = m.sum(axis=1, keepdims=True)
    return np.divide(m, s, out=np.zeros_like(m), where=s > 0)


# --------------------------------------------------------------------------- tables

def _topic_cols(k: int) -> list[str]:
    return [f"topic_{i}" for i in range(k)]


def topic_prevalence(doc_topic: np.ndarray, units: pd.DataFrame, by: str | list[str] = "year") -> pd.DataFrame:
    """Mean topic weight per group (the content of ``topic_by_year.csv``).

    Wide: the group column(s) then ``topic_0 .. topic_{k-1}``; rows sorted by group. Units with
    a missing group value are dropped (count in ``attrs["dropped_no_group"]``).
    """
    by_cols = [by] if isinstance(by, str) else list(by)
    _check_rows(doc_topic, units)
    cols = _topic_cols(doc_topic.shape[1])
    df = pd.DataFrame(doc_topic, columns=cols, index=units.index)
    df[by_cols] = units[by_cols]
    missing = df[by_cols].isna().any(axis=1)
    out = df.loc[~missing].groupby(by_cols, sort=True)[cols].mean().reset_index()
    out.attrs["dropped_no_group"] = int(missing.sum())
    return out


def representative_units(doc_topic: np.ndarray, units: pd.DataFrame, n: int = 3) -> pd.DataFrame:
    """The ``n`` units with the highest weight on each topic, to read what a topic is about.

    Columns: topic, rank (1 = highest), unit_id, weight, text (first 120 characters).
    """
    _check_rows(doc_topic, units)
    ids = units["unit_id"].to_numpy()
    texts = units["text"].fillna("").astype(str).to_numpy()
    rows = []
    for t in range(doc_topic.shape[1]):
        order = np.argsort(-doc_topic[:, t], kind="stable")[:n]
        rows += [{"topic": t, "rank": r, "unit_id": ids[i], "weight": float(doc_topic[i, t]),
                  "text": texts[i][:120]} for r, i in enumerate(order, start=1)]
    return pd.DataFrame(rows, columns=["topic", "rank", "unit_id", "weight", "text"])


NO_DOMAIN = "(none)"
MAIN_SHARE = 0.25  # a topic is "mainly" a domain only when at least this share of it lies in the domain


def topic_domains(doc_topic: np.ndarray, units: pd.DataFrame, codes: Sequence[str]) -> pd.DataFrame:
    """How much of each topic lies in units tagged with each domain (``units["labels"]``).

    share(topic t, domain d) = Σ_i w_it·[d ∈ labels_i] / Σ_i w_it — the topic-weighted share of
    units carrying the domain, so a topic can be read as "mostly mediation". ``lift`` divides it
    by the domain's share among all units: a frequent domain (administrative_reform in work
    reports) has a large share in many topics, while a lift well above 1 marks the topic where a
    domain concentrates. A last row per topic, domain ``"(none)"``, is the share of the topic in
    units with no domain at all — in work reports most topics (the economy, farming, schools)
    lie mostly there, and a reader must see that before reading a domain into the topic.
    Long table: topic, domain, share, lift. See ``dominant_domain``.
    """
    from nlp.analysis.trends import label_matrix

    _check_rows(doc_topic, units)
    tagged = label_matrix(units, list(codes)).astype(float)  # units x codes
    tagged = np.hstack([tagged, (tagged.sum(axis=1) == 0)[:, None].astype(float)])
    names = [*codes, NO_DOMAIN]
    weights = np.asarray(doc_topic, dtype=float)
    totals = weights.sum(axis=0)
    shares = np.divide(weights.T @ tagged, totals[:, None], out=np.zeros((weights.shape[1], len(names))),
                       where=totals[:, None] > 0)
    k = weights.shape[1]
    overall = tagged.mean(axis=0) if len(tagged) else np.zeros(len(names))
    lift = np.divide(shares, overall[None, :], out=np.zeros_like(shares), where=overall[None, :] > 0)
    return pd.DataFrame({"topic": np.repeat(np.arange(k), len(names)), "domain": names * k,
                         "share": shares.ravel(), "lift": lift.ravel()})


def over_represented(topic_rows: pd.DataFrame, n: int = 3) -> list[tuple[str, float]]:
    """The ``n`` domains of one topic's ``topic_domains`` rows with the highest lift above 1, as
    (domain, lift), highest first; the no-domain row is not a domain."""
    over = topic_rows[(topic_rows["lift"] > 1.0) & (topic_rows["domain"] != NO_DOMAIN)]
    over = over.sort_values("lift", ascending=False, kind="stable").head(n)
    return [(str(d), float(v)) for d, v in zip(over["domain"], over["lift"], strict=True)]


def dominant_domain(topic_domain: pd.DataFrame, main_share: float = MAIN_SHARE) -> pd.DataFrame:
    """One row per topic, from ``topic_domains`` output: what the topic is, in domains, if anything.

    Columns:
        topic
        no_domain_share   share of the topic in units with no domain
        domain, share     the domain with the largest share, named only when that share is at
                          least ``main_share`` (else None: a "main domain" at 5% misleads)
        runner_up, runner_up_share   the second domain (a mix or one domain?)
        over_represented  the domains with lift above 1 (at most three, "code ×lift; ..."), "" if none
        top_lift_domain, top_lift    the most over-represented domain, only when its lift is above 1
    """
    rows = []
    for t, grp in topic_domain.groupby("topic", sort=True):
        none = grp[grp["domain"] == NO_DOMAIN]
        g = grp[grp["domain"] != NO_DOMAIN].sort_values("share", ascending=False, kind="stable")
        second = g.iloc[1] if len(g) > 1 else None
        top_share = float(g.iloc[0]["share"]) if len(g) else 0.0
        row = {"topic": t, "no_domain_share": float(none["share"].iloc[0]) if len(none) else np.nan,
               "domain": g.iloc[0]["domain"] if top_share >= main_share else None, "share": top_share,
               "runner_up": None if second is None else second["domain"],
               "runner_up_share": np.nan if second is None else float(second["share"])}
        if "lift" in g.columns:
            over = over_represented(g)
            row["over_represented"] = "; ".join(f"{d} ×{v:.1f}" for d, v in over)
            row["top_lift_domain"] = over[0][0] if over else None
            row["top_lift"] = over[0][1] if over else np.nan
        rows.append(row)
    cols = ["topic", "no_domain_share", "domain", "share", "runner_up", "runner_up_share"]
    if "lift" in topic_domain.columns:
        cols += ["over_represented", "top_lift_domain", "top_lift"]
    return pd.DataFrame(rows, columns=cols)


def _check_rows(doc_topic: np.ndarray, units: pd.DataFrame) -> None:
    if len(doc_topic) != len(units):
        raise ValueError(f"doc_topic has {len(doc_topic)} rows but units has {len(units)}")


# --------------------------------------------------------------------------- time view

def jensen_shannon(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Pairwise Jensen-Shannon distance (base 2, in [0, 1]) between rows of p and rows of q."""
    p = _normalise(p)[:, None, :]
    q = _normalise(q)[None, :, :]
    m = (p + q) / 2.0
    with np.errstate(divide="ignore", invalid="ignore"):
        kl_pm = np.where(p > 0, p * np.log2(p / m), 0.0).sum(axis=2)
        kl_qm = np.where(q > 0, q * np.log2(q / m), 0.0).sum(axis=2)
    return np.sqrt(np.clip((kl_pm + kl_qm) / 2.0, 0.0, 1.0))


def align_topics(global_topics: np.ndarray, period_topics: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Match period topics to global topics one-to-one (Hungarian assignment on JS distance).

    Returns (period topic index for each global topic, similarity = 1 - JS distance).
    """
    from scipy.optimize import linear_sum_assignment

    dist = jensen_shannon(global_topics, period_topics)
    g_idx, p_idx = linear_sum_assignment(dist)
    match = np.empty(len(global_topics), dtype=int)
    match[g_idx] = p_idx
    return match, 1.0 - dist[np.arange(len(global_topics)), match]


def _period_label(lo: int, hi: int) -> str:
    return str(lo) if lo == hi else f"{lo}-{hi}"


def dynamic_topics(model: TopicModel, texts: Sequence[str], years: Sequence[object],
                   bins: Sequence[tuple[int, int]], n: int = 10, passes: int | None = None,
                   min_docs: int = 20) -> pd.DataFrame:
    """How each global topic's vocabulary shifts over time, cheaply.

    For each period (``bins``: inclusive year ranges such as ``[(2014, 2016), (2017, 2019)]``) an
    LDA with ``model.k_`` topics is fitted on that period's texts over the global model's
    phrases and dictionary (so topic-word vectors share one vocabulary), and its topics are
    matched one-to-one to the global topics by Jensen-Shannon distance (Hungarian assignment).

    Why not gensim's ``LdaSeqModel`` (dynamic topic model)? Its variational inference over
    chained time slices is pure Python and takes hours on a few thousand documents; the
    per-period fits here cost about one ordinary LDA each and keep the global topic ids.
    The price: a period topic is only "the same topic" by similarity, so check ``similarity``
    (1 - JS distance) before reading a change of words as a change of emphasis.

    Periods with fewer than ``min_docs`` texts are skipped. Returns a long table: period,
    topic (global id), rank (1 = top), word, weight, similarity, n_docs.
    """
    from gensim.models import LdaModel

    model._check_fitted()
    if len(texts) != len(years):
        raise ValueError("texts and years must have the same length")
    corpus = model._weighted(list(BowCorpus(model._tokens(texts), model.dictionary_)))
    yrs = pd.array(list(years), dtype="Int64")
    global_topics = model.topic_word_matrix()
    frames = []
    for lo, hi in _progress(bins, "topics: periods"):
        mask = np.asarray(((yrs >= lo) & (yrs <= hi)).fillna(False), dtype=bool)
        sub = [corpus[i] for i in np.flatnonzero(mask)]
        if len(sub) < min_docs:
            continue
        lda = LdaModel(corpus=sub, id2word=model.dictionary_, num_topics=model.k_, random_state=model.seed,
                       passes=passes or model.passes, iterations=model.iterations, eval_every=None,
                       dtype=np.float64)
        period_topics = _normalise(lda.get_topics())
        match, sim = align_topics(global_topics, period_topics)
        frames.append(_period_words(period_topics, match, sim, model.dictionary_, n,
                                    _period_label(lo, hi), len(sub)))
    cols = ["period", "topic", "rank", "word", "weight", "similarity", "n_docs"]
    return pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)


def _period_words(period_topics: np.ndarray, match: np.ndarray, sim: np.ndarray, dictionary, n: int,
                  label: str, n_docs: int) -> pd.DataFrame:
    rows = []
    for g, p in enumerate(match):
        top = np.argsort(-period_topics[p], kind="stable")[:n]
        rows += [{"period": label, "topic": g, "rank": r, "word": dictionary[int(w)],
                  "weight": float(period_topics[p, w]), "similarity": float(sim[g]), "n_docs": n_docs}
                 for r, w in enumerate(top, start=1)]
    return pd.DataFrame(rows)


def year_bins(years: Iterable[object], width: int) -> list[tuple[int, int]]:
    """Consecutive inclusive year ranges of ``width`` years covering the observed years."""
    ys = sorted({int(y) for y in years if not pd.isna(y)})
    if not ys:
        return []
    return [(lo, min(lo + width - 1, ys[-1])) for lo in range(ys[0], ys[-1] + 1, width)]
