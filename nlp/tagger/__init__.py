"""The domain tagger: ``DomainTagger`` (a scikit-learn estimator whose per-domain head is a
parameter), its prediction path (``prediction``, importable without scikit-learn), its files
(``serialize``: config + arrays, no pickle) and the keyword-rule baseline (``keywords``).

Names are imported on first use, so ``from nlp.tagger import load_predictor`` does not import
scikit-learn (batch workers only predict).
"""

from __future__ import annotations

from importlib import import_module

_EXPORTS = {
    "DomainTagger": "nlp.tagger.estimator",
    "TaggerPredictor": "nlp.tagger.prediction",
    "load_model": "nlp.tagger.serialize",
    "load_predictor": "nlp.tagger.serialize",
    "save_model": "nlp.tagger.serialize",
    "KeywordTagger": "nlp.tagger.keywords",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'nlp.tagger' has no attribute {name!r}")
