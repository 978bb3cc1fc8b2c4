"""TopicModel on the seed reports: determinism, k selection, tables, time view."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nlp.analysis.topics import (
    TopicModel,
    align_topics,
    dominant_domain,
    dynamic_topics,
    jensen_shannon,
    representative_units,
    topic_domains,
    topic_prevalence,
    year_bins,
)

GRID = (3, 5)
PARAMS = {"k_grid": GRID, "seed": 7, "passes": 3, "iterations": 50, "no_below": 2}


@pytest.fixture(scope="module")
def paragraphs(seed_result) -> pd.DataFrame:
    u = seed_result.units
    return u[(u["granularity"] == "paragraph") & ~u["is_heading"]].reset_index(drop=True)


@pytest.fixture(scope="module")
def fitted(paragraphs) -> tuple[TopicModel, np.ndarray]:
    model = TopicModel(**PARAMS).fit(paragraphs["text"])
    return model, model.transform(paragraphs["text"])


def test_init_has_no_logic():
    m = TopicModel(k=4, seed=3)
    assert m.k == 4 and m.seed == 3 and not hasattr(m, "lda_")
    with pytest.raises(RuntimeError):
        m.top_words()


def test_same_seed_bit_identical(fitted, paragraphs):
    model, doc_topic = fitted
    again = TopicModel(**PARAMS).fit(paragraphs["text"])
    pd.testing.assert_frame_equal(model.top_words(10), again.top_words(10))
    assert np.array_equal(doc_topic, again.transform(paragraphs["text"]))
    assert np.array_equal(doc_topic, model.transform(paragraphs["text"]))  # transform is repeatable
    assert model.coherence_ == again.coherence_


def test_auto_k_and_coherence(fitted):
    model, doc_topic = fitted
    assert model.k_ in GRID
    coh = model.coherence_
    assert set(coh) >= {"c_v", "c_npmi", "per_k", "implementation", "window"}
    assert set(coh["per_k"]) == set(GRID)
    assert coh["c_v"] == max(coh["per_k"].values())
    assert coh["implementation"] == "gensim.models.CoherenceModel"
    assert coh["window"] == {"c_v": 110, "c_npmi": 10}
    assert 0 <= coh["c_v"] <= 1 and -1 <= coh["c_npmi"] <= 1
    assert doc_topic.shape[1] == model.k_
    np.testing.assert_allclose(doc_topic.sum(axis=1), 1.0)


def test_fixed_k_and_summary(paragraphs):
    model = TopicModel(k=4, seed=1, passes=2, iterations=30, no_below=2, phrases=False).fit(paragraphs["text"])
    assert model.k_ == 4 and model.phrases_ is None
    s = model.summary_dict()
    assert s["k"] == 4 and s["seed"] == 1 and list(s["coherence"]["per_k"]) == ["4"]
    assert s["params"]["phrases"] is False


def test_top_words_table(fitted):
    model, _ = fitted
    tw = model.top_words(8)
    assert list(tw.columns) == ["topic", "rank", "word", "weight"]
    assert len(tw) == 8 * model.k_
    assert tw.groupby("topic")["rank"].apply(list).map(lambda r: r == list(range(1, 9))).all()
    assert (tw.groupby("topic")["weight"].apply(lambda w: w.is_monotonic_decreasing)).all()


def test_prevalence_and_representatives(fitted, paragraphs):
    model, doc_topic = fitted
    prev = topic_prevalence(doc_topic, paragraphs)
    assert list(prev.columns) == ["year", *[f"topic_{i}" for i in range(model.k_)]]
    assert prev["year"].is_monotonic_increasing
    np.testing.assert_allclose(prev.drop(columns="year").sum(axis=1), 1.0)
    rep = representative_units(doc_topic, paragraphs, n=2)
    assert list(rep.columns) == ["topic", "rank", "unit_id", "weight", "text"]
    assert len(rep) == 2 * model.k_ and rep["text"].str.len().max() <= 120
    top0 = rep[(rep["topic"] == 0) & (rep["rank"] == 1)].iloc[0]
    assert top0["weight"] == pytest.approx(doc_topic[:, 0].max())


def test_topic_domains_exact():
    doc_topic = np.array([[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]])
    units = pd.DataFrame({"labels": [["mediation"], ["legal_aid", "mediation"], []]})
    td = topic_domains(doc_topic, units, ["mediation", "legal_aid"])
    share = td.set_index(["topic", "domain"])["share"]
    assert share[(0, "mediation")] == pytest.approx(1.0)
    assert share[(0, "legal_aid")] == pytest.approx(0.5 / 1.5)
    assert share[(1, "mediation")] == pytest.approx(0.5 / 1.5)
    assert share[(1, "(none)")] == pytest.approx(1.0 / 1.5) and share[(0, "(none)")] == 0.0
    dom = dominant_domain(td)
    assert dom["domain"].tolist() == ["mediation", "mediation"]
    assert dom.loc[0, "runner_up"] == "legal_aid"
    assert dom["no_domain_share"].tolist() == pytest.approx([0.0, 1.0 / 1.5])


def test_main_domain_only_when_it_is_a_real_share_and_lift_only_above_one():
    """A "main domain" at 5% of a topic, or an "over-represented" domain at lift 0.4, misleads."""
    doc_topic = np.array([[1.0, 0.0]] * 10 + [[0.0, 1.0]] * 10)
    labels = [["legal_aid"]] + [[]] * 9 + [["mediation"]] * 6 + [["legal_aid"]] + [[]] * 3
    td = topic_domains(doc_topic, pd.DataFrame({"labels": labels}), ["mediation", "legal_aid"])
    dom = dominant_domain(td).set_index("topic")
    assert pd.isna(dom.loc[0, "domain"]) and dom.loc[0, "share"] == pytest.approx(0.1)  # 10%: no main domain
    assert dom.loc[0, "no_domain_share"] == pytest.approx(0.9)
    assert dom.loc[0, "over_represented"] == ""  # legal aid's lift there is 0.1/0.1 = 1.0, not above 1
    assert dom.loc[1, "domain"] == "mediation" and dom.loc[1, "over_represented"] == "mediation ×2.0"
    assert dom.loc[1, "top_lift_domain"] == "mediation" and np.isnan(dom.loc[0, "top_lift"])


def test_relevance_demotes_words_frequent_everywhere(fitted):
    model, _ = fitted
    lam1 = model.relevant_words(8, lam=1.0)
    by_prob = model.top_words(8)
    assert lam1["word"].tolist() == by_prob["word"].tolist()  # λ = 1 is ranking by probability
    rel = model.relevant_words(8, lam=0.0)  # λ = 0 ranks by lift alone
    assert all(grp["lift"].is_monotonic_decreasing for _, grp in rel.groupby("topic"))
    labels = model.labels()
    assert set(labels) == {f"topic_{t}" for t in range(model.k_)}
    assert all(len(label.split("·")) == 3 for label in labels.values())


def test_topic_tokens_drop_the_genre_boilerplate():
    from nlp.analysis.topics import TopicTokenizer
    from nlp.text.tokenize import Tokenizer

    text = "不断深化法律援助工作，全年调解纠纷，继续强化人民调解。"
    tokens = TopicTokenizer()(text)
    assert "法律援助" in tokens and "人民调解" in tokens
    assert not {"不断", "深化", "全年", "继续", "强化"} & set(tokens)
    assert "深化" in Tokenizer()(text)  # the tagger's tokens keep them
    assert all(len(t) > 1 for t in TopicTokenizer(min_len=2)(text))


def test_topic_tokens_drop_place_names_but_not_words_that_are_county_short_names():
    from nlp.analysis.topics import TopicTokenizer

    tokens = TopicTokenizer()("陕西省西安市加强人民调解，哈尔滨市推进平安建设，和平区开展普法，广西湘西玉树")
    dropped = {"陕西省", "陕西", "西安市", "西安", "哈尔滨市", "哈尔滨", "和平区", "广西", "湘西", "玉树"}
    assert not dropped & set(tokens)
    assert {"人民调解", "平安", "普法"} <= set(tokens)  # 平安县 and 和平区 exist; their short forms stay
    assert "陕西" in TopicTokenizer(places=False)("陕西加强人民调解")


def test_idf_weighting_is_deterministic_and_differs_from_counts(paragraphs):
    texts = paragraphs["text"]
    a = TopicModel(k=3, seed=2, passes=2, iterations=30, no_below=2, term_weight="idf").fit(texts)
    b = TopicModel(k=3, seed=2, passes=2, iterations=30, no_below=2, term_weight="idf").fit(texts)
    c = TopicModel(k=3, seed=2, passes=2, iterations=30, no_below=2, term_weight="one").fit(texts)
    np.testing.assert_array_equal(a.topic_word_matrix(), b.topic_word_matrix())
    np.testing.assert_array_equal(a.transform(texts), b.transform(texts))
    assert not np.allclose(a.topic_word_matrix(), c.topic_word_matrix())
    assert a.idf_ is not None and c.idf_ is None and (a.idf_ > 0).all()
    with pytest.raises(ValueError, match="term_weight"):
        TopicModel(k=3, term_weight="bm25").fit(texts)


def test_alignment_recovers_permutation():
    rng = np.random.default_rng(0)
    topics = rng.dirichlet(np.full(50, 0.1), size=4)
    perm = np.array([2, 0, 3, 1])
    match, sim = align_topics(topics, topics[perm])
    assert np.array_equal(perm[match], np.arange(4))
    np.testing.assert_allclose(sim, 1.0)
    d = jensen_shannon(topics, topics)
    assert np.allclose(np.diag(d), 0.0) and (d >= 0).all() and (d <= 1).all()


def test_dynamic_topics(fitted, paragraphs):
    model, _ = fitted
    bins = [(2000, 2022), (2023, 2030)]
    dyn = dynamic_topics(model, paragraphs["text"].tolist(), paragraphs["year"].tolist(), bins, n=4,
                         passes=2, min_docs=5)
    assert list(dyn.columns) == ["period", "topic", "rank", "word", "weight", "similarity", "n_docs"]
    assert set(dyn["period"]) <= {"2000-2022", "2023-2030"}
    for _, grp in dyn.groupby("period"):
        assert sorted(grp["topic"].unique()) == list(range(model.k_))
        assert len(grp) == 4 * model.k_
    assert set(dyn["word"]) <= set(model.dictionary_.token2id)
    assert year_bins([2014, 2016, 2019, None], 3) == [(2014, 2016), (2017, 2019)]
