"""scikit-learn's estimator conventions, checked on every estimator of the package.

scikit-learn's own checks that need no data run as they are (``check_no_attributes_set_in_init``,
``check_parameters_default_constructible``, ``check_get_params_invariance``, ``check_set_params``).
Its data checks generate numeric matrices, and these estimators read texts, so their text
counterparts are here: ``fit`` returns self and leaves the parameters alone, a clone of a fitted
estimator is unfitted with equal parameters, refitting gives the same predictions, and
prediction changes no state (scikit-learn's ``check_dict_unchanged``, on the estimator and on
each fitted component).
"""

from __future__ import annotations

import copy
import json
import pickle
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils import estimator_checks as ec

from nlp.analysis.topics import TopicModel
from nlp.features.char_ngrams import CharNgramTfidf
from nlp.features.cues import CueCounter
from nlp.features.units import UnitFeatures
from nlp.features.word_ngrams import WordNgramTfidf
from nlp.tagger import DomainTagger, KeywordTagger
from nlp.text.token_batch import segment_batch

ROOT = Path(__file__).resolve().parents[1]
ROWS = [json.loads(line) for line in (ROOT / "labels" / "seeds.jsonl").read_text("utf-8").splitlines()]
TEXTS = [r["text"] for r in ROWS]
LABELS = [r["labels"] for r in ROWS]


def small_tagger(**kw) -> DomainTagger:
    return DomainTagger(threshold_folds=2, **kw)


ESTIMATORS = {
    "DomainTagger": small_tagger(),
    "DomainTagger(head=RandomForest)": None,  # built in the test (imports the ensemble module lazily)
    "KeywordTagger": KeywordTagger(),
    "TopicModel": TopicModel(k=2, passes=1, iterations=20, no_below=1, phrases=False),
    "UnitFeatures": UnitFeatures(char_ngrams=None),
    "WordNgramTfidf": WordNgramTfidf(),
    "CharNgramTfidf": CharNgramTfidf(),
    "CueCounter": CueCounter(),
}


def build(name: str):
    if name == "DomainTagger(head=RandomForest)":
        from sklearn.ensemble import RandomForestClassifier

        return small_tagger(head=RandomForestClassifier(n_estimators=10, random_state=0), sentence_instances=False)
    return clone(ESTIMATORS[name])


def fit(est):
    if isinstance(est, (DomainTagger, KeywordTagger)):
        return est.fit(TEXTS, LABELS)
    if isinstance(est, WordNgramTfidf):
        return est.fit(segment_batch(TEXTS))
    return est.fit(TEXTS)


def predict(est):
    if isinstance(est, (DomainTagger, KeywordTagger)):
        return est.predict_proba(TEXTS[:40])
    if isinstance(est, WordNgramTfidf):
        return est.transform(segment_batch(TEXTS[:40])).toarray()
    out = est.transform(TEXTS[:40])
    return out.toarray() if hasattr(out, "toarray") else np.asarray(out)


def state(est) -> bytes:
    """Everything an estimator holds, fitted components included (their caches excluded, as their
    ``__getstate__`` says)."""
    return pickle.dumps({k: v for k, v in est.__dict__.items()}, protocol=5)


NAMES = list(ESTIMATORS)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("check", [ec.check_no_attributes_set_in_init, ec.check_parameters_default_constructible,
                                   ec.check_get_params_invariance, ec.check_set_params],
                         ids=lambda c: c.__name__)
def test_scikit_learn_checks_without_data(name, check):
    check(name, build(name))


@pytest.mark.parametrize("name", NAMES)
def test_fit_returns_self_and_keeps_parameters(name):
    est = build(name)
    before = copy.deepcopy(est.get_params(deep=False))
    assert fit(est) is est
    after = est.get_params(deep=False)
    assert set(after) == set(before)
    for k, v in before.items():  # estimators among the parameters are compared by their parameters
        w = after[k]
        assert (v.get_params() == w.get_params()) if hasattr(v, "get_params") else (v == w), k


@pytest.mark.parametrize("name", NAMES)
def test_clone_of_fitted_is_unfitted_with_equal_parameters(name):
    est = fit(build(name))
    twin = clone(est)
    assert not [k for k in vars(twin) if k.endswith("_") and not k.startswith("_")]
    assert repr(twin.get_params(deep=False)) == repr(est.get_params(deep=False))


@pytest.mark.parametrize("name", NAMES)
def test_predict_changes_no_state_and_refit_is_idempotent(name):
    est = fit(build(name))
    first = predict(est)
    snapshot = state(est)
    again = predict(est)
    assert state(est) == snapshot, "prediction changed the estimator's state"
    np.testing.assert_array_equal(first, again)
    np.testing.assert_allclose(predict(fit(est)), first, atol=1e-12)
