"""Tagging 法治政府建设 reports as their readers do: in-genre labels by reference, units read with
their context and in their document, evaluation by genre.

Trained on the seed labels (in the repository); the ingenre-dev labels are checked when
``../shared/ingenre-dev`` is present.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nlp.errors import LabelError
from nlp.tagger.document import document_structure, pool_documents
from nlp.tagger.estimator import DomainTagger
from nlp.tagger.serialize import load_model, load_predictor, save_model
from nlp.training.evaluate import (
    cross_val_outputs,
    evaluate,
    evaluation_sets,
    leave_one_document_out,
    units_of,
)
from nlp.training.labels import load_label_file

ROOT = Path(__file__).resolve().parents[1]
INGENRE = ROOT.parent / "shared" / "ingenre-dev"


@pytest.fixture(scope="module")
def seed_units():
    return load_label_file(ROOT / "labels" / "seeds.jsonl")


@pytest.fixture(scope="module")
def mixed_labels(seed_units):
    """The seeds (in-genre) beside plain-text units of another genre, as training data of both."""
    work = pd.DataFrame({
        "text": ["加强人民调解，化解矛盾纠纷", "推进严格规范公正文明执法，全面落实行政执法三项制度",
                 "深入开展普法宣传教育", "全年受理法律援助案件405件", "优化营商环境，深化放管服改革",
                 "全市地区生产总值增长6%", "加快建设现代化产业体系"] * 6,
        "labels": [["mediation"], ["enforcement_supervision"], ["legal_publicity"], ["legal_aid"],
                   ["administrative_reform"], [], []] * 6,
        "genre": "gov_work_report", "section": "", "role": "achievements", "is_heading": False,
        "granularity": "paragraph"})
    work["group"] = [f"wr{i % 5}" for i in range(len(work))]
    work["paragraph"] = [f"wr{i}" for i in range(len(work))]
    return pd.concat([seed_units, work], ignore_index=True)


@pytest.fixture(scope="module")
def aware_model(mixed_labels):
    return DomainTagger(threshold_folds=3, genre_thresholds=False).fit(
        units_of(mixed_labels), list(mixed_labels["labels"]), groups=mixed_labels["group"].to_numpy())


def test_unit_references_come_back_with_their_context(seed_units):
    assert len(seed_units) == 178 and set(seed_units["genre"]) == {"fazhi_report"}
    assert (seed_units["granularity"] == "item").sum() == 80
    assert (seed_units["section"] != "").mean() > 0.7 and seed_units["is_heading"].any()
    assert seed_units["role"].isin(["front_matter", "preamble", "achievements", "problems", "plans", "closing"]).all()
    # a paragraph's labels are the union of its items' (the in-genre convention)
    for _, g in seed_units.groupby("paragraph"):
        if len(g) > 1:
            para = g[g["granularity"] == "paragraph"]["labels"].iloc[0]
            assert set(para) == set().union(*g[g["granularity"] == "item"]["labels"])


def test_stale_or_escaping_references_fail_clearly(tmp_path):
    row = json.loads((ROOT / "labels" / "seeds.jsonl").read_text("utf-8").splitlines()[3])
    stale = tmp_path / "stale.jsonl"
    stale.write_text(json.dumps({**row, "sha": "0" * 16}) + "\n", encoding="utf-8")
    with pytest.raises(LabelError, match="has changed"):
        load_label_file(stale)
    for bad in ("../../etc/passwd", "/etc/passwd", "seeds/../../../etc/passwd"):
        f = tmp_path / "escape.jsonl"
        f.write_text(json.dumps({**row, "file": bad}) + "\n", encoding="utf-8")
        with pytest.raises(LabelError, match="relative path inside") as err:
            load_label_file(f)
        assert "exist" not in str(err.value)


@pytest.mark.skipif(not INGENRE.is_dir(), reason="../shared/ingenre-dev is not present")
def test_ingenre_dev_labels_load():
    df = load_label_file(ROOT / "labels" / "ingenre_dev.jsonl")
    assert len(df) == 1004 and df["group"].nunique() == 121
    assert (df["granularity"] == "paragraph").sum() == 851


def test_document_pooling_reads_a_paragraph_with_its_items():
    units = pd.DataFrame({
        "doc_id": ["d", "d", "d", "d", "e"], "paragraph": [0, 1, 1, 1, 1],
        "granularity": ["paragraph", "paragraph", "item", "item", "paragraph"]})
    P = np.array([[0.9, 0.0], [0.0, 0.1], [0.0, 0.7], [0.3, 0.0], [0.2, 0.2]])
    out = pool_documents(P, document_structure(units), np.ones(5, dtype=bool))
    np.testing.assert_array_equal(out[1], [0.3, 0.7])  # its items' highest
    np.testing.assert_array_equal(out[[0, 2, 3, 4]], P[[0, 2, 3, 4]])  # items, other paragraphs, other documents
    np.testing.assert_array_equal(pool_documents(P, document_structure(units), np.zeros(5, dtype=bool)), P)
    assert document_structure(["plain", "texts"]) is None


def test_document_aware_model_round_trips_and_keeps_work_reports_context_free(aware_model, mixed_labels, tmp_path):
    assert set(aware_model.genre_estimators_) == {"fazhi_report"}
    X = units_of(mixed_labels)
    ctx_cols = [j for j, name in enumerate(aware_model.features_.get_feature_names_out())
                if name.startswith("ctx__")]
    assert ctx_cols and all(h.coef_[0, ctx_cols].any() == 0 for h in aware_model.estimators_ if hasattr(h, "coef_"))
    save_model(aware_model, tmp_path / "m", {})
    P = aware_model.predict_proba(X)
    np.testing.assert_allclose(load_model(tmp_path / "m").predict_proba(X), P, atol=1e-12)
    np.testing.assert_allclose(load_predictor(tmp_path / "m").predict_proba(X), P, atol=1e-12)
    # document pooling: an enumerated seed paragraph scores at least what its items score
    seeds = X[mixed_labels["genre"] == "fazhi_report"]
    for _, g in seeds.groupby("paragraph"):
        if len(g) > 1:
            para = g.index[g["granularity"] == "paragraph"][0]
            assert (P[para] >= P[g.index].max(axis=0) - 1e-12).all()


def test_plain_texts_score_as_before_genre_aware_training(aware_model):
    """A text without context is read as a work-report unit: the context-free default heads."""
    P = aware_model.predict_proba(["全年受理法律援助案件405件，值班律师提供法律帮助"])
    assert P[0, list(aware_model.classes_).index("legal_aid")] > 0.5


def test_evaluation_keeps_genres_apart(mixed_labels):
    sets = evaluation_sets(mixed_labels)
    assert set(sets) == {"in-genre paragraphs", "in-genre units", "work reports"}
    long = evaluate({"m": DomainTagger(threshold_folds=0, sentence_instances=False)}, mixed_labels, n_splits=3)
    assert set(long["set"]) == set(sets) and "macro_10plus" in set(long["domain"])
    loo = leave_one_document_out({"m": DomainTagger(threshold_folds=0, sentence_instances=False)}, mixed_labels,
                                 ["seeds/002_537287280db083c9.txt"])
    assert set(loo["set"]) == {"in-genre paragraphs", "in-genre units"}


def test_tagging_with_pooling_writes_only_the_asked_granularity(aware_model, tmp_path, seeds_dir):
    from nlp.apply.batch import tag_batch
    from nlp.ingest import ingest

    save_model(aware_model, tmp_path / "m", {})
    report = tag_batch(seeds_dir, tmp_path / "p.jsonl", model_dir=tmp_path / "m", jobs=1, granularity=["paragraph"])
    rows = [json.loads(line) for line in (tmp_path / "p.jsonl").read_text("utf-8").splitlines()]
    assert report.n_units == len(rows) == 98 and {r["granularity"] for r in rows} == {"paragraph"}
    from nlp.apply.tagging import tag_frame

    full = tag_frame(load_model(tmp_path / "m"), ingest(seeds_dir).units)
    want = full[full["granularity"] == "paragraph"].set_index("unit_id")["labels"].to_dict()
    assert {r["unit_id"]: r["labels"] for r in rows} == want


def test_train_needs_an_output_folder():
    run = subprocess.run([sys.executable, "-m", "nlp.cli", "train", str(ROOT / "labels" / "seeds.jsonl")],
                         capture_output=True, text=True)
    assert run.returncode == 2 and "--out" in run.stderr


def test_the_in_genre_heads_take_their_own_regularization(aware_model):
    """genre_C: the in-genre heads (about 1,000 units) are fitted with their own C; the work-report
    heads keep ``C``, so their tagging is what it was."""
    assert aware_model.genre_C == 4.0 and aware_model.C == 8.0
    lin = [h for h in aware_model.genre_estimators_["fazhi_report"] if hasattr(h, "C")]
    assert lin and {h.C for h in lin} == {4.0}
    assert {h.C for h in aware_model.estimators_ if hasattr(h, "C")} == {8.0}


def test_a_units_topic_line_is_its_heading_or_numbered_opening_clause():
    """TopicLineCues: cue counts of a heading, or of a numbered paragraph's opening clause, in
    columns of their own; a body without a number has none."""
    from nlp.features.context import Context
    from nlp.features.topic_line import TopicLineCues

    texts = ["（三）深入推进严格规范公正文明执法", "（一）加强组织领导，压实普法责任。一是强化学习。",
             "2023年，我局执法工作取得成效。", "（三）深入推进严格规范公正文明执法", "（二）加强行政执法监督"]
    ctx = Context([""] * 5, [""] * 5, [True, False, False, True, True],
                  ["fazhi_report", "fazhi_report", "fazhi_report", "gov_work_report", "gov_work_report"])
    block = TopicLineCues().fit()
    X = block.transform((texts, ctx)).toarray()
    names = list(block.get_feature_names_out())
    assert X.shape == (5, len(names)) == (5, block._n_features_out) and len(names) == 20
    on = [{names[j] for j in np.flatnonzero(row)} for row in X]
    assert on[0] == {"heading:enforcement_supervision"}
    assert on[1] == {"opening:leadership_accountability", "opening:legal_publicity"}
    assert on[2] == set() and on[3] == on[4] == on[0]


def test_cue_coverage_says_how_much_of_a_unit_names_each_domain():
    """TopicLineCues(coverage=True): per domain, the share of the unit's sentences naming it and its
    share of the unit's phrase matches — a developed topic scores high, a passing mention low."""
    from nlp.features.context import Context
    from nlp.features.topic_line import TopicLineCues

    texts = ["开展普法宣传活动12场。深化法治文化建设。组织行政执法人员培训一次。举办宪法宣传周活动。", ""]
    block = TopicLineCues(coverage=True).fit()
    X = block.transform((texts, Context.empty(2))).toarray()
    names = list(block.get_feature_names_out())
    assert X.shape == (2, 40) == (2, block._n_features_out)
    col = {n: X[0, j] for j, n in enumerate(names)}
    assert col["coverage:legal_publicity"] == pytest.approx(0.75)  # 3 of 4 sentences
    assert col["coverage:enforcement_supervision"] == pytest.approx(0.25)
    assert col["share:legal_publicity"] > 0.5 > col["share:enforcement_supervision"] > 0
    assert sum(v for n, v in col.items() if n.startswith("share:")) == pytest.approx(1.0)
    assert not X[1].any()  # an empty unit names nothing
    assert TopicLineCues().fit().transform((texts, Context.empty(2))).shape == (2, 20)


def test_explanations_of_an_in_genre_unit_come_from_its_own_heads(aware_model):
    """A 法治政府建设 unit is labeled by the in-genre heads, which read its heading path and topic line;
    its explanation weighs those blocks (the default heads give them no weight at all), and names the
    topic line when it raised the score."""
    unit = {"text": "（二）深入开展普法宣传教育，举办法治讲座", "section": "一、主要举措", "role": "achievements",
            "is_heading": True, "genre": "fazhi_report"}
    out = aware_model.explain(unit, domains=["legal_publicity", "leadership_accountability"])
    blocks = {k: v for e in out.values() for k, v in e["blocks"].items() if k in ("ctx", "topic")}
    assert blocks and any(abs(v) > 0 for v in blocks.values())
    for e in out.values():
        assert e["topic"] is None or (e["topic"][0] == unit["text"] and e["topic"][1] > 0)
    plain = aware_model.explain(dict(unit, genre="gov_work_report"), domains=["legal_publicity"])
    assert all(plain["legal_publicity"]["blocks"].get(k, 0) == 0 for k in ("ctx", "topic"))


def test_genre_adaptation_changes_only_the_in_genre_heads(mixed_labels):
    """genre_adaptation: the in-genre heads learn from a shared and an in-genre copy of each column,
    folded into one head of the usual width; the work-report heads (and so work-report tagging) are
    the same as without it."""
    X, y = units_of(mixed_labels), list(mixed_labels["labels"])
    on = DomainTagger(threshold_folds=0, genre_adaptation=True).fit(X, y)
    off = DomainTagger(threshold_folds=0, genre_adaptation=False).fit(X, y)
    width = len(on.features_.get_feature_names_out())
    own_on, own_off = on.genre_estimators_["fazhi_report"], off.genre_estimators_["fazhi_report"]
    assert all(h.coef_.shape == (1, width) for h in own_on if hasattr(h, "coef_"))
    assert any(not np.allclose(a.coef_, b.coef_) for a, b in zip(own_on, own_off, strict=True) if hasattr(a, "coef_"))
    for a, b in zip(on.estimators_, off.estimators_, strict=True):
        if hasattr(a, "coef_"):
            np.testing.assert_array_equal(a.coef_, b.coef_)
    plain = ["全年受理法律援助案件405件，值班律师提供法律帮助", "深入开展普法宣传教育"]
    np.testing.assert_array_equal(on.predict_proba(plain), off.predict_proba(plain))
    seeds = X[mixed_labels["genre"] == "fazhi_report"]
    assert not np.allclose(on.predict_proba(seeds), off.predict_proba(seeds))


def test_cross_validation_can_withhold_units_from_training_but_scores_all():
    """A learning-curve point: the withheld units never reach a fit, yet every unit is scored."""
    seen: list[str] = []

    class Recorder:
        def get_params(self, deep=False):
            return {}

        def fit(self, X, y, groups=None):
            seen.extend(X["text"])
            return self

        def predict_proba(self, X):
            return np.full((len(X), 2), 0.5)

        def predict(self, X):
            return np.ones((len(X), 2), dtype=np.int64)

    units = pd.DataFrame({"text": [f"t{i}" for i in range(20)]})
    Y = np.zeros((20, 2), dtype=np.int64)
    groups = np.arange(20) // 2
    trainable = groups % 2 == 0
    proba, pred = cross_val_outputs(Recorder(), units, Y, groups, 5, 0, trainable)
    assert set(seen) == {f"t{i}" for i in np.flatnonzero(trainable)}
    assert pred.sum() == 40 and np.all(proba == 0.5)


def test_compare_oof_pairs_runs_on_the_same_units(tmp_path):
    """tools/compare_oof.py: a run against itself differs by exactly 0; runs of other units are refused."""
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"genre": ["fazhi_report"] * 40 + ["gov_work_report"] * 10,
                          "granularity": ["paragraph"] * 50, "group": [f"d{i // 4}" for i in range(50)]})
    Y = rng.integers(0, 2, (50, 10))
    for name, pred in (("a", Y), ("b", 1 - Y)):
        np.savez(tmp_path / f"{name}.npz", proba=pred.astype(float), pred=pred, Y=Y)
        table.to_parquet(tmp_path / f"{name}.parquet")
    table.iloc[:30].to_parquet(tmp_path / "c.parquet")
    np.savez(tmp_path / "c.npz", proba=Y[:30].astype(float), pred=Y[:30], Y=Y[:30])
    tool = Path(__file__).resolve().parents[1] / "tools" / "compare_oof.py"
    run = subprocess.run([sys.executable, str(tool), str(tmp_path / "a.npz"), str(tmp_path / "a.npz"),
                          str(tmp_path / "b.npz"), "--resamples", "200"], capture_output=True, text=True)
    lines = run.stdout.splitlines()
    assert run.returncode == 0 and lines[0].startswith("a.npz: micro 1.0000")
    assert "minus base +0.0000 [+0.0000, +0.0000]" in lines[2]
    assert lines[4].startswith("b.npz: micro 0.0000") and "minus base -1.0000" in lines[4]
    bad = subprocess.run([sys.executable, str(tool), str(tmp_path / "a.npz"), str(tmp_path / "c.npz")],
                         capture_output=True, text=True)
    assert bad.returncode != 0 and "not the same in-genre paragraphs" in bad.stderr
