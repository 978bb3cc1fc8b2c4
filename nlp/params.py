"""scikit-learn's parameter protocol for the feature blocks, without importing scikit-learn.

Why: importing ``sklearn.base`` costs about 1.2 s (it pulls in scipy.stats and more). The
feature blocks (``nlp.features.units``, ``nlp.features.word_ngrams``, ...) only need the estimator
conventions - parameters named in ``__init__``, ``get_params``/``set_params``, ``fit`` /
``transform`` / ``fit_transform`` - and a batch worker that only predicts should not pay
for the library it does not use (``nlp.tagger.prediction``). ``sklearn.base.clone`` and ``Pipeline``
accept these blocks as they accept any estimator; the tagger itself (``nlp.tagger.estimator``) stays a
real scikit-learn estimator.
"""

from __future__ import annotations

import inspect


class Params:
    """``get_params``/``set_params``/``repr`` from the ``__init__`` signature, as scikit-learn does."""

    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return sorted(p.name for p in sig.parameters.values()
                      if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD))

    def get_params(self, deep: bool = True) -> dict:
        out = {}
        for name in self._param_names():
            value = getattr(self, name)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                out.update({f"{name}__{k}": v for k, v in value.get_params().items()})
            out[name] = value
        return out

    def set_params(self, **params):
        valid = set(self._param_names())
        for key, value in params.items():
            name, _, sub = key.partition("__")
            if name not in valid:
                raise ValueError(f"invalid parameter {name!r} for {type(self).__name__}; valid: {sorted(valid)}")
            if sub:
                getattr(self, name).set_params(**{sub: value})
            else:
                setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = {p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values()}
        changed = [f"{k}={v!r}" for k, v in self.get_params(deep=False).items() if defaults.get(k) != v]
        return f"{type(self).__name__}({', '.join(changed)})"

    def __sklearn_tags__(self):
        """Transformer tags for scikit-learn's checks (imported only when scikit-learn asks)."""
        from sklearn.utils import Tags, TargetTags, TransformerTags

        return Tags(estimator_type=None, target_tags=TargetTags(required=False),
                    transformer_tags=TransformerTags())


class Transformer(Params):
    """A feature block: ``fit``, ``transform`` and their composition."""

    def fit_transform(self, X, y=None, **fit_params):
        return self.fit(X, y, **fit_params).transform(X)
