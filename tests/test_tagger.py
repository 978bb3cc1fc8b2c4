"""The tagger estimator, the keyword baseline, model files and the tag/train/evaluate commands.

These tests train small models on the seed labels (which ship with the repo), so they do not
need the shared corpus.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import Pipeline

from nlp.errors import LabelError, ModelError
from nlp.tagger.estimator import DomainTagger, best_threshold, to_matrix
from nlp.tagger.keywords import KeywordTagger
from nlp.tagger.serialize import load_model, render_card, save_model
from nlp.taxonomy import load_taxonomy
from nlp.training.evaluate import cross_val_predict_grouped, metrics_table
from nlp.training.labels import load_label_file

ROOT = Path(__file__).resolve().parents[1]
SEED_LABELS = ROOT / "labels" / "seeds.jsonl"


@pytest.fixture(scope="module")
def seed_labels():
    return load_label_file(SEED_LABELS)


@pytest.fixture(scope="module")
def small_model(seed_labels):
    return DomainTagger(threshold_folds=3, C=4.0).fit(list(seed_labels["text"]), list(seed_labels["labels"]),
                                                      groups=seed_labels["group"].to_numpy())


def test_estimator_contract(small_model, seed_labels):
    assert DomainTagger().get_params()["C"] == 8.0
    assert list(small_model.classes_) == load_taxonomy().codes
    P = small_model.predict_proba(["深化人民调解，化解矛盾纠纷1200件"])
    assert P.shape == (1, 10) and ((P >= 0) & (P <= 1)).all()
    pipe = Pipeline([("tagger", clone(small_model))])
    assert pipe.get_params()["tagger__C"] == 4.0


def test_deterministic(seed_labels):
    X, y, g = list(seed_labels["text"]), list(seed_labels["labels"]), seed_labels["group"].to_numpy()
    a = DomainTagger(threshold_folds=3, random_state=3).fit(X, y, groups=g)
    b = DomainTagger(threshold_folds=3, random_state=3).fit(X, y, groups=g)
    np.testing.assert_array_equal(a.predict_proba(X[:20]), b.predict_proba(X[:20]))
    np.testing.assert_array_equal(a.thresholds_, b.thresholds_)


def test_tags_obvious_units(small_model):
    labels, _ = small_model.predict_labels(["全年受理法律援助案件405件，值班律师提供法律帮助",
                                            "开展宪法宣传周和民法典普法宣传活动，落实谁执法谁普法责任制"])
    assert "legal_aid" in labels[0]
    assert "legal_publicity" in labels[1]


def test_explanations_name_terms(small_model):
    """An explanation names the sentence, the cue phrases and the terms that raised the score, and
    each feature block's share; no opaque column ids (w2v:42) among the terms."""
    text = "全面推进依法行政，各项工作稳步开展。全年受理法律援助案件405件，挽回损失120万元。"
    ex = small_model.explain(text, domains=["legal_aid"])["legal_aid"]
    assert "法律援助" in ex["sentence"] and ex["sentence"] in text
    assert "法律援助" in ex["cues"]
    terms = [t for t, _ in ex["terms"]]
    assert terms and any("援助" in t for t in terms) and not any(":" in t for t in terms)
    assert set(ex["blocks"]) == {name for name, _ in small_model.features_.parts_}
    assert 0 < ex["score"] <= 1


def test_threshold_choice():
    y = np.array([0, 0, 1, 1, 1])
    p = np.array([0.1, 0.3, 0.35, 0.6, 0.9])
    assert 0.3 < best_threshold(y, p) <= 0.35


def test_keyword_baseline_and_grouped_cv(seed_labels):
    codes = load_taxonomy().codes
    Y = to_matrix(list(seed_labels["labels"]), codes)
    P = cross_val_predict_grouped(KeywordTagger(), list(seed_labels["text"]), Y,
                                  seed_labels["group"].to_numpy(), n_splits=5)
    table = metrics_table(Y, P, codes, list(load_taxonomy().core))
    assert {"macro_core4", "macro_all", "micro"} <= set(table["domain"])
    assert 0.3 < table.set_index("domain").loc["micro", "f1"] < 1.0


def test_feature_blocks_follow_the_estimator_protocol(seed_labels):
    """The blocks implement scikit-learn's conventions themselves (nlp.params): clone, nested
    parameters and a Pipeline work as with any estimator."""
    from sklearn.linear_model import LogisticRegression

    from nlp.features.units import UnitFeatures

    feats = UnitFeatures(word_ngrams=(1, 1), min_df=1, char_ngrams=None)
    assert feats.get_params()["word_ngrams"] == (1, 1)
    twin = clone(feats)
    assert twin is not feats and twin.get_params() == feats.get_params()
    assert "word_ngrams=(1, 1)" in repr(feats)
    with pytest.raises(ValueError, match="invalid parameter"):
        feats.set_params(no_such=1)
    texts = list(seed_labels["text"])
    y = np.array(["mediation" in ls for ls in seed_labels["labels"]])
    pipe = Pipeline([("features", feats), ("clf", LogisticRegression(max_iter=500))]).fit(texts, y)
    assert pipe.set_params(features__min_df=2).get_params()["features__min_df"] == 2
    assert pipe.predict(texts[:3]).shape == (3,)


def test_naive_bayes_scale_favours_separating_word_ngrams(small_model):
    """nb_alpha: a word n-gram column seen only in a domain's positive rows is scaled up, one
    spread evenly is scaled towards 0, and columns of the other blocks keep scale 1."""
    from scipy import sparse

    n_word = small_model.features_.parts_[0][1]._n_features_out
    n_all = sum(part._n_features_out for _, part in small_model.features_.parts_)
    X = sparse.lil_matrix((4, n_all))
    X[0, 0] = X[1, 0] = 1.0  # column 0: positives only
    X[:, 1] = 1.0  # column 1: everywhere
    X[:, n_word] = 1.0  # first column after the word block
    scale = small_model._nb_scale(X.tocsr(), np.array([1, 1, 0, 0]), None)
    assert scale[0] > 1.0 and scale[1] < 0.01 and scale[n_word] == 1.0
    assert DomainTagger(nb_alpha=None).get_params()["nb_alpha"] is None


def test_predictor_tags_as_the_model_without_scikit_learn(tmp_path, small_model):
    """What batch workers load: the same probabilities as the full model, and scikit-learn
    (about 1.2 s of imports per process) never imported."""
    from nlp.tagger.serialize import load_predictor

    d = save_model(small_model, tmp_path / "m", {})
    X = ["深化人民调解，化解矛盾纠纷1200件。开展宪法宣传周活动。", "行政复议案件", "", "发展经济"]
    np.testing.assert_array_equal(load_predictor(d).predict_proba(X), load_model(d).predict_proba(X))
    assert load_predictor(d).predict_labels(X)[0] == load_model(d).predict_labels(X)[0]
    code = ("import sys; from nlp.tagger.serialize import load_predictor; "
            f"m = load_predictor({str(d)!r}); m.predict_labels(['深化人民调解']); "
            "print(sorted(k for k in sys.modules if k.split('.')[0] == 'sklearn'))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    config = json.loads((d / "config.json").read_text())
    del config["params"]["sentence_pooling"]  # as an older version of the code might have saved it
    (d / "config.json").write_text(json.dumps(config))
    for load in (load_model, load_predictor):
        with pytest.raises(ModelError, match="lack sentence_pooling"):
            load(d)
    card = json.loads((d / "card.json").read_text())
    card["taxonomy_version"] = "1999.01-0"
    (d / "card.json").write_text(json.dumps(card))
    with pytest.raises(ModelError, match="taxonomy version"):
        load_predictor(d)


def test_save_load_and_taxonomy_guard(tmp_path, small_model):
    d = save_model(small_model, tmp_path / "m", {"data_hash": "x", "n_train": 1})
    card = json.loads((d / "card.json").read_text())
    for key in ("taxonomy_version", "data_hash", "libraries", "thresholds", "created"):
        assert key in card
    loaded = load_model(d)
    X = ["深化人民调解", "行政复议案件"]
    np.testing.assert_array_equal(loaded.predict_proba(X), small_model.predict_proba(X))
    card["taxonomy_version"] = "1999.01-0"
    (d / "card.json").write_text(json.dumps(card))
    with pytest.raises(ModelError, match="taxonomy version"):
        load_model(d)


def test_label_file_errors(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "调解", "labels": ["not_a_domain"]}\n', encoding="utf-8")
    with pytest.raises(LabelError, match="unknown domain"):
        load_label_file(bad)
    ref = tmp_path / "ref.jsonl"
    ref.write_text('{"path": "x/2020.md", "para": 1, "sha": "abc", "labels": []}\n', encoding="utf-8")
    with pytest.raises(LabelError, match="missing"):
        load_label_file(ref, corpus_root=tmp_path / "nowhere")
    corpus = tmp_path / "corpus" / "x"
    corpus.mkdir(parents=True)
    (corpus / "2020.md").write_text("---\ntitle: t\n---\n第一段\n\n第二段\n", encoding="utf-8")
    with pytest.raises(LabelError, match="changed"):
        load_label_file(ref, corpus_root=tmp_path / "corpus")


def test_train_tag_evaluate_commands(tmp_path):
    labels = tmp_path / "mine.jsonl"
    rows = [json.loads(line) for line in SEED_LABELS.read_text("utf-8").splitlines()]
    labels.write_text("".join(json.dumps({"text": r["text"], "labels": r["labels"], "group": r["file"]},
                                         ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    model_dir = tmp_path / "model"
    run = [sys.executable, "-m", "nlp.cli"]
    p = subprocess.run(run + ["train", str(labels), "--out", str(model_dir), "--folds", "3"],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert "macro_core4" in p.stdout and (model_dir / "arrays.npz").exists()
    units = tmp_path / "units.jsonl"
    units.write_text('{"id": "u1", "text": "全年办理法律援助案件300件", "extra": 7}\n'
                     '{"id": "u2", "text": "加强人民调解委员会建设"}\n', encoding="utf-8")  # u2 lacks "extra"
    out = tmp_path / "tagged.jsonl"
    p = subprocess.run(run + ["tag", str(units), "--out", str(out), "--model", str(model_dir)],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    lines = out.read_text("utf-8").splitlines()
    assert "NaN" not in lines[1]  # a field one row lacks is null, not the invalid bare NaN
    rows = [json.loads(line) for line in lines]
    assert rows[1]["extra"] is None
    first = rows[0]
    assert first["id"] == "u1" and first["extra"] == 7 and isinstance(first["labels"], list)
    assert set(first["scores"]) == set(load_taxonomy().codes)
    reports = tmp_path / "reports.csv"
    p = subprocess.run(run + ["tag", str(ROOT / "seeds"), "--out", str(reports), "--model", str(model_dir),
                              "--jobs", "1", "--granularity", "both"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    from nlp.tables import read_table

    tagged = read_table(reports)
    assert set(tagged["granularity"]) == {"paragraph", "item"} and isinstance(tagged["labels"].iat[0], list)
    p = subprocess.run(run + ["tag", str(units), str(ROOT / "seeds"), "--out", str(out)], capture_output=True,
                       text=True)
    assert p.returncode == 2 and "not both" in p.stderr
    p = subprocess.run(run + ["evaluate", str(labels), "--model", str(model_dir), "--folds", "3", "--json"],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert {r["model"] for r in json.loads(p.stdout)} == {"model", "keywords"}
    p = subprocess.run(run + ["evaluate", str(labels), "--model", str(model_dir), "--holdout", "--json"],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    micro = next(r for r in json.loads(p.stdout) if r["model"] == "model" and r["domain"] == "micro")
    assert micro["f1"] > 0.8  # scored on its own training data here: only checks the plumbing
    assert "warning: the model was trained on mine.jsonl" in p.stderr  # and says so
    p = subprocess.run(run + ["tag", str(units), "--out", str(out), "--model", str(tmp_path / "nope")],
                       capture_output=True, text=True)
    assert p.returncode == 2 and "card.json missing" in p.stderr and "Traceback" not in p.stderr
    nothing = tmp_path / "nothing.csv"
    p = subprocess.run(run + ["tag", str(tmp_path / "nonexistent"), "--out", str(nothing), "--model",
                              str(model_dir)], capture_output=True, text=True)
    assert p.returncode == 1 and "wrote" not in p.stdout and not nothing.exists()
    p = subprocess.run(run + ["trends", str(ROOT / "seeds"), "--out", str(tmp_path / "t"), "--by", "city"],
                       capture_output=True, text=True, timeout=20)
    assert p.returncode == 2 and "--by 'city'" in p.stderr and not (tmp_path / "t").exists()


def test_a_loaded_model_refits_from_the_vectors_it_keeps(tmp_path, seed_labels, monkeypatch):
    """clone(load_model()).fit(...) works on a fresh clone: the word vectors come from the model."""
    from nlp.features.embeddings import save_word_vectors

    words = np.array(["法律援助", "人民调解", "执法"])
    save_word_vectors(tmp_path / "wv.npz", words, np.eye(3, 8, dtype=np.float32))
    X, y = list(seed_labels["text"]), list(seed_labels["labels"])
    model = DomainTagger(threshold_folds=0, sentence_instances=False, word_vectors=str(tmp_path / "wv.npz")).fit(X, y)
    save_model(model, tmp_path / "m", {})
    (tmp_path / "wv.npz").unlink()  # as on a fresh clone, where the training-time file is absent
    refit = clone(load_model(tmp_path / "m")).fit(X, y)
    np.testing.assert_allclose(refit.predict_proba(X[:5]), model.predict_proba(X[:5]), atol=1e-6)


def test_fast_char_ngrams_match_scikit_learn():
    from sklearn.feature_extraction.text import TfidfVectorizer

    from nlp.features.char_ngrams import CharNgramTfidf

    texts = [json.loads(line)["text"] for line in SEED_LABELS.read_text("utf-8").splitlines()]
    texts += ["a", "", "法 律  援助"]
    ref = TfidfVectorizer(analyzer="char", ngram_range=(2, 3), min_df=2, sublinear_tf=True, lowercase=False).fit(texts)
    fast = CharNgramTfidf((2, 3), min_df=2).fit(texts)
    names = list(fast.get_feature_names_out())
    assert sorted(names) == sorted(ref.get_feature_names_out())
    perm = [ref.vocabulary_[t] for t in names]
    np.testing.assert_allclose(fast.transform(texts).toarray(), ref.transform(texts)[:, perm].toarray(), atol=1e-6)


def test_sentence_pooling_only_raises_scores(seed_labels):
    X, y, g = list(seed_labels["text"]), list(seed_labels["labels"]), seed_labels["group"].to_numpy()
    plain = DomainTagger(threshold_folds=0, sentence_pooling=False, sentence_instances=False).fit(X, y, groups=g)
    pooled = DomainTagger(threshold_folds=0, sentence_pooling=True, sentence_instances=False).fit(X, y, groups=g)
    long_unit = "全面推进依法行政，各项工作稳步开展。" * 6 + "全年受理法律援助案件405件。"
    a, b = plain.predict_proba([long_unit]), pooled.predict_proba([long_unit])
    assert (b >= a - 1e-12).all()
    j = list(plain.classes_).index("legal_aid")
    assert b[0, j] > a[0, j]


def test_sentence_instances_add_negative_sentences_and_one_witness(seed_labels, monkeypatch, tmp_path):
    """Multi-instance refit: every sentence of a unit without the domain is a negative, and
    each unit with it contributes exactly one sentence (its best) as a positive."""
    X, y, g = list(seed_labels["text"]), list(seed_labels["labels"]), seed_labels["group"].to_numpy()
    model = DomainTagger(threshold_folds=0, sentence_instances=True)
    calls = []
    real = DomainTagger._fit_head
    monkeypatch.setattr(DomainTagger, "_fit_head", lambda self, X_, y_, sample_weight=None, C=None: (
        calls.append((X_.shape[0], np.asarray(y_).copy())), real(self, X_, y_, sample_weight, C))[1])
    model.fit(X, y, groups=g)
    _, owner, n, _ = model._features(X)[1]
    Y = to_matrix(y, load_taxonomy().codes)
    j = list(model.classes_).index("legal_aid")
    refits = [c for c in calls if c[0] > n]
    n_rows, target = refits[j]
    neg_sentences = int((Y[owner, j] == 0).sum())
    witnesses = len(set(owner[Y[owner, j] == 1].tolist()))
    assert n_rows == n + neg_sentences + witnesses
    assert target[n:].sum() == witnesses and (target[:n] == Y[:, j]).all()
    monkeypatch.undo()
    save_model(model, tmp_path / "m", {})
    loaded = load_model(tmp_path / "m")
    assert loaded.sentence_instances is True
    np.testing.assert_allclose(loaded.predict_proba(X[:10]), model.predict_proba(X[:10]), rtol=1e-6)


def test_unit_tables_keep_fields_and_report_bad_files(tmp_path, small_model):
    from nlp.apply.tagging import tag_unit_tables

    good = tmp_path / "good.jsonl"
    good.write_text('{"id": "a", "text": "開展人民調解", "source_db": "x", "heading": "(三)化解矛盾糾紛"}\n',
                    encoding="utf-8")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "b", "txt": "no text field"}\n', encoding="utf-8")
    table, errors = tag_unit_tables(small_model, [good, bad, tmp_path / "missing.jsonl"])
    assert list(table["id"]) == ["a"] and table["source_db"].iat[0] == "x"
    assert table["text"].iat[0] == "开展人民调解"  # cleaned like report text (Traditional → Simplified)
    assert table["section"].iat[0] == "（三）化解矛盾纠纷"  # and so is the context the model reads
    assert sorted(Path(e.path).name for e in errors) == ["bad.jsonl", "missing.jsonl"]


def test_unit_tables_of_the_users_genre_without_a_genre_get_a_hint(tmp_path, small_model, seed_result, corpus_dir):
    """Paragraphs of 法治政府建设 reports given as {"id", "text"} are tagged as work-report units unless
    the genre is said; a table of them (the seeds' paragraphs) warns so, a table of work-report
    paragraphs (a corpus report) or one that gives its genre does not."""
    import json
    import warnings

    from nlp.apply.tagging import tag_unit_tables
    from nlp.errors import GenreHintWarning
    from nlp.ingest.pipeline import ingest

    def table(name, texts, **extra):
        path = tmp_path / name
        path.write_text("".join(json.dumps({"id": str(i), "text": t, **extra}, ensure_ascii=False) + "\n"
                                for i, t in enumerate(texts)), encoding="utf-8")
        return path

    seeds = seed_result.units[seed_result.units["granularity"] == "paragraph"]["text"].tolist()
    report = sorted(corpus_dir.rglob("2019.md"))[0]
    work = ingest(report).units.query("granularity == 'paragraph'")["text"].tolist()
    assert len(seeds) >= 20 and len(work) >= 20
    for path, genre, warned in ((table("seeds.jsonl", seeds), None, True),
                                (table("seeds_said.jsonl", seeds, genre="fazhi_report"), None, False),
                                (table("seeds_cli.jsonl", seeds), "fazhi_report", False),
                                (table("work.jsonl", work), None, False)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            tag_unit_tables(small_model, [path], genre)
        hints = [w for w in caught if issubclass(w.category, GenreHintWarning)]
        assert len(hints) == warned, path.name
        if warned:
            assert path.name in str(hints[0].message) and "fazhi_report" in str(hints[0].message)


def test_word_vector_features_round_trip(tmp_path, seed_labels):
    from nlp.features.embeddings import save_word_vectors
    from nlp.text.tokenize import Tokenizer
    from nlp.training.word_vectors import train_word_vectors

    tok = Tokenizer(stopwords=False)
    words, vectors = train_word_vectors([tok(t) for t in seed_labels["text"]], vector_size=16, epochs=2,
                                        min_count=2)
    again = train_word_vectors([tok(t) for t in seed_labels["text"]], vector_size=16, epochs=2, min_count=2)
    np.testing.assert_array_equal(vectors, again[1])  # one worker + seed: deterministic
    path = save_word_vectors(tmp_path / "wv.npz", words, vectors)
    X, y, g = list(seed_labels["text"]), list(seed_labels["labels"]), seed_labels["group"].to_numpy()
    model = DomainTagger(threshold_folds=0, word_vectors=str(path)).fit(X, y, groups=g)
    assert any("w2v:" in n for n in model.features_.get_feature_names_out())
    saved = save_model(model, tmp_path / "m", {})
    path.unlink()  # the model keeps its own copy of the vectors
    np.testing.assert_array_equal(load_model(saved).predict_proba(X[:10]), model.predict_proba(X[:10]))


@pytest.mark.parametrize("n_domains", [0, 3, 10, 70])
def test_predict_labels_reads_each_rows_label_set(n_domains):
    """Label lists come from a cache keyed by each row's bits (ints, or bytes past 62 domains)."""
    from nlp.tagger.prediction import PooledPrediction

    model = PooledPrediction()
    model.classes_ = np.array([f"d{i}" for i in range(n_domains)])
    model.thresholds_ = np.full(n_domains, 0.5)
    proba = np.random.default_rng(1).random((40, n_domains))
    model.predict_proba = lambda X: proba
    labels, _ = model.predict_labels(None)
    assert labels == [[str(c) for c in model.classes_[row]] for row in proba >= 0.5]
    labels[0].append("x")  # each row's list is its own
    assert model.predict_labels(None)[0][1:] == labels[1:] and "x" not in model.predict_labels(None)[0][0]


def test_model_card_prints_four_decimals():
    """0.97 and 0.9700 differ for a reader checking a target: every float cell has four decimals."""
    card = {"taxonomy_version": "t", "created": "now", "thresholds": {}, "libraries": {},
            "metrics": [{"domain": "macro_core4", "f1": 0.97, "precision": 0.96512, "support": 3826}]}
    md = render_card(card)
    assert "| macro_core4 | 0.9700 | 0.9651 | 3826 |" in md


def test_a_passing_mention_in_a_rule_of_law_report_is_not_a_second_label():
    """relative_floor: in a 法治政府建设 report a domain far below the unit's main one is a passing
    mention (taxonomy rule 2), though it clears its threshold; a work-report unit keeps it."""
    import pandas as pd

    from nlp.tagger.prediction import PooledPrediction

    model = PooledPrediction()
    model.classes_ = np.array(["leadership_accountability", "legal_publicity", "enforcement_supervision"])
    model.thresholds_ = np.full(3, 0.3)
    model.pool_genres = ("gov_work_report", "")
    proba = np.array([[0.95, 0.55, 0.1], [0.95, 0.55, 0.1], [0.9, 0.8, 0.1]])
    model.predict_proba = lambda X: proba
    X = pd.DataFrame({"text": ["a", "b", "c"], "genre": ["fazhi_report", "gov_work_report", "fazhi_report"]})
    model.relative_floor = 0.7
    assert model.predict(X).tolist() == [[1, 0, 0], [1, 1, 0], [1, 1, 0]]
    assert model.predict_labels(X)[0] == [["leadership_accountability"],
                                          ["leadership_accountability", "legal_publicity"],
                                          ["leadership_accountability", "legal_publicity"]]
    model.relative_floor = None  # a model saved before the floor tags as it did
    assert model.predict(X).tolist() == [[1, 1, 0], [1, 1, 0], [1, 1, 0]]


def test_a_reports_front_matter_gets_no_domain():
    """no_domain_roles: a 法治政府建设 report's front matter (title, dates, the site's menu "政务公开
    政务服务 …") is about no domain (labeling brief rule 10); a work report's unit and a report's
    body keep their scores; a model saved before the rule tags as it did."""
    import pandas as pd

    from nlp.tagger.prediction import PooledPrediction

    model = PooledPrediction()
    model.classes_ = np.array(["administrative_reform", "legal_publicity"])
    model.thresholds_ = np.full(2, 0.3)
    model.pool_genres = ("gov_work_report", "")
    model._proba_texts = lambda X: np.array([[0.8, 0.1], [0.8, 0.1], [0.8, 0.1]])
    model._calibrate = lambda p, genres=None: p
    X = pd.DataFrame({"text": ["首页政务公开政务服务", "首页政务公开政务服务", "深化放管服改革"],
                      "genre": ["fazhi_report", "gov_work_report", "fazhi_report"],
                      "role": ["front_matter", "front_matter", "achievements"]})
    model.no_domain_roles = ("front_matter",)
    assert model.predict(X).tolist() == [[0, 0], [1, 0], [1, 0]]
    assert model.predict_proba(X)[0].tolist() == [0.0, 0.0]
    model.no_domain_roles = None
    assert model.predict(X).tolist() == [[1, 0], [1, 0], [1, 0]]


def test_a_results_paragraph_no_domain_reaches_takes_its_highest(monkeypatch):
    """fallback_floor: in a 法治政府建设 report's account of results, a body paragraph that clears no
    threshold takes its highest domain when that is at least the floor; a heading, a preamble, a
    work-report unit, a unit already labeled and one below the floor keep what the thresholds give;
    a model saved before the rule tags as it did."""
    import pandas as pd

    import nlp.apply.tagging as tagging
    from nlp.apply.tagging import score_rows
    from nlp.tagger.prediction import PooledPrediction

    model = PooledPrediction()
    model.classes_ = np.array(["leadership_accountability", "legal_publicity"])
    model.thresholds_ = np.full(2, 0.5)
    model.pool_genres = ("gov_work_report", "")
    proba = np.array([[0.1, 0.3], [0.1, 0.3], [0.1, 0.3], [0.1, 0.3], [0.6, 0.3], [0.1, 0.15]])
    model.predict_proba = lambda X: proba
    X = pd.DataFrame({"text": list("abcdef"),
                      "genre": ["fazhi_report", "fazhi_report", "fazhi_report", "gov_work_report",
                                "fazhi_report", "fazhi_report"],
                      "role": ["achievements", "achievements", "preamble", "achievements", "achievements",
                               "achievements"],
                      "is_heading": [False, True, False, False, False, False]})
    model.fallback_floor, model.fallback_roles = 0.2, ("achievements",)
    assert model.predict(X).tolist() == [[0, 1], [0, 0], [0, 0], [0, 0], [1, 0], [0, 0]]
    assert model.predict_labels(X)[0][0] == ["legal_publicity"]
    assert model.labels_from(proba, X["genre"].tolist())[0] == []  # no units given: thresholds only
    model.fallback_floor = None
    assert model.predict(X).tolist() == [[0, 0], [0, 0], [0, 0], [0, 0], [1, 0], [0, 0]]
    model.fallback_floor = 0.2  # batch tagging of unit rows applies it as predict does
    model.pool_documents = lambda P, X, genres: P
    monkeypatch.setattr(tagging, "_distinct", lambda m, r: ({i: i for i in range(len(r))}, r, list(range(len(r)))))
    expected = [["legal_publicity"], [], [], [], ["leadership_accountability"], []]
    assert score_rows(model, X.to_dict("records"))[0] == expected


def test_a_domain_a_units_topic_line_names_is_kept_at_the_topic_floor():
    """topic_floor: in a 法治政府建设 report, a heading or numbered paragraph keeps a domain its own
    topic line names when that domain's probability reaches the floor, under its threshold and the
    relative floor; a domain named only in the body, one below the floor, a work-report unit and
    a model without the floor keep what the thresholds give."""
    from types import SimpleNamespace

    import pandas as pd

    from nlp.features.topic_line import TopicLineCues
    from nlp.tagger.prediction import PooledPrediction

    model = PooledPrediction()
    model.classes_ = np.array(["enforcement_supervision", "legal_publicity", "leadership_accountability"])
    model.thresholds_ = np.full(3, 0.5)
    model.pool_genres = ("gov_work_report", "")
    model.relative_floor = 0.7
    model.features_ = SimpleNamespace(parts_=[("topic", TopicLineCues().fit())])
    texts = ["（三）加大宣传力度，营造良好氛围", "（一）加强组织领导，压实普法责任。定期听取汇报。",
             "落实第一责任人职责，开展普法宣传。", "（三）加大宣传力度，营造良好氛围",
             "（三）加大宣传力度，营造良好氛围"]
    proba = np.array([[0.0, 0.2, 0.0], [0.0, 0.3, 0.9], [0.0, 0.3, 0.9], [0.0, 0.05, 0.0], [0.0, 0.2, 0.0]])
    model.predict_proba = lambda X: proba
    X = pd.DataFrame({"text": texts, "is_heading": [True, False, False, True, True],
                      "genre": ["fazhi_report"] * 4 + ["gov_work_report"]})
    model.topic_floor = 0.1
    assert model.predict(X).tolist() == [[0, 1, 0], [0, 1, 1], [0, 0, 1], [0, 0, 0], [0, 0, 0]]
    assert model.labels_from(proba, X["genre"].tolist(), X)[1] == ["legal_publicity", "leadership_accountability"]
    model.topic_floor = None
    assert model.predict(X).tolist() == [[0, 0, 0], [0, 0, 1], [0, 0, 1], [0, 0, 0], [0, 0, 0]]


def test_an_explanation_says_when_a_label_is_the_fallbacks():
    """A results paragraph that clears no threshold but takes its highest domain (fallback_floor)
    says so in its explanation; a label over its threshold does not, nor does a heading's."""
    from nlp.tagger.serialize import load_model

    model = load_model()
    unit = {"text": "窗口服务更加便捷，办事时间明显缩短。", "genre": "fazhi_report", "role": "achievements",
            "is_heading": False, "section": "一、主要举措和成效"}
    ex = model.explain(unit)
    assert list(ex) == ["administrative_reform"] and ex["administrative_reform"]["fallback"]
    assert ex["administrative_reform"]["score"] < model.genre_thresholds_["fazhi_report"][
        list(model.classes_).index("administrative_reform")]
    assert not any(e["fallback"] for e in model.explain(unit | {"is_heading": True}).values())
    clear = model.explain({**unit, "text": "深入推进政务公开，主动公开政府信息1200条。"})
    assert clear["administrative_reform"]["fallback"] is False


def test_a_table_row_is_explained_with_its_context():
    """``explain(tagged.iloc[i])`` — a row of ``tag_frame``'s output, as a notebook holds it — reads
    that row's text and context (as the dict of its fields would), not the row's first value."""
    import pandas as pd

    from nlp.tagger.serialize import load_model

    model = load_model()
    unit = {"doc_id": "d", "text": "（三）加大普法宣传力度。开展“八五”普法，举办宪法宣传周活动12场。",
            "doc_type": "fazhi_report", "role": "achievements", "is_heading": False, "section": "一、主要举措和成效"}
    table = pd.DataFrame([unit])
    expected = model.explain(unit)
    assert "legal_publicity" in expected
    assert model.explain(table.iloc[0]) == expected
    assert model.explain(table) == expected


def test_topic_line_vectors_read_a_units_topic_line_and_nearest_heading(tmp_path):
    """TopicLineVectors: the mean word vector of a unit's own heading or numbered opening clause, then
    of the nearest heading in its path; zeros where a unit has neither. A model keeps the vectors once
    (the word-vector block's) and a saved model predicts as the fitted one."""
    from nlp.features.context import Context
    from nlp.features.embeddings import MeanWordVectors, save_word_vectors
    from nlp.features.topic_vectors import TopicLineVectors

    words = np.array(["严格执法", "普法宣传", "调解"])
    path = save_word_vectors(tmp_path / "wv.npz", words, np.eye(3, 4, dtype=np.float32))
    block = TopicLineVectors().use(MeanWordVectors(str(path)).fit())
    texts = ["（三）严格执法", "一是加强普法宣传，开展活动。我局执法检查20次。", "我局调解纠纷30件。"]
    ctx = Context(["一、主要举措", "一、主要举措 > （三）严格执法", ""], [""] * 3, [True, False, False], [""] * 3)
    X = block.transform((texts, ctx)).toarray()
    assert X.shape == (3, 8) == (3, block._n_features_out) and len(block.get_feature_names_out()) == 8
    assert X[0, :4] == pytest.approx([1, 0, 0, 0])  # its heading text: 严格执法
    assert X[1, :4] == pytest.approx([0, 1, 0, 0])  # its opening clause (普法宣传), not its body
    assert X[1, 4:] == pytest.approx([1, 0, 0, 0])  # its nearest heading: （三）严格执法
    assert not X[2].any()  # no number, no heading above: nothing


def test_a_model_with_topic_line_vectors_saves_and_loads(tmp_path, seed_labels):
    from nlp.features.embeddings import save_word_vectors
    from nlp.tagger.serialize import load_model, load_predictor, save_model

    words = np.array(["执法", "普法", "调解", "法律援助"])
    path = save_word_vectors(tmp_path / "wv.npz", words, np.eye(4, 8, dtype=np.float32))
    X = seed_labels[["text", "section", "role", "is_heading", "genre"]]
    model = DomainTagger(threshold_folds=0, sentence_instances=False, word_vectors=str(path),
                         topic_vectors=True).fit(X, seed_labels["labels"])
    assert [n for n, _ in model.features_.parts_][-1] == "tvec"
    names = model.features_.get_feature_names_out()
    assert model.features_.transform(X)[:, [i for i, n in enumerate(names) if n.startswith("tvec__")]].nnz
    save_model(model, tmp_path / "m", {})
    assert not any(k.endswith("__tvec") for k in np.load(tmp_path / "m" / "arrays.npz").files)  # stored once
    for loaded in (load_model(tmp_path / "m"), load_predictor(tmp_path / "m")):
        assert np.array_equal(loaded.predict_proba(X), model.predict_proba(X))
