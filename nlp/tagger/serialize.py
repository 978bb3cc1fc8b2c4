"""Saving and loading a trained tagger as configuration plus arrays (no pickle, no code).

A model directory holds:
    config.json   estimator parameters, taxonomy version, domains, thresholds, feature settings
    vocab.json    the word n-grams of the word TF-IDF block (terms in column order, for
                  feature names and explanations)
    arrays.npz    idf vectors, integer-coded character n-grams, hashed word n-grams, word
                  vectors, logistic-regression coefficients and intercepts (loaded with
                  ``allow_pickle=False``, so a model file can never run code)
    card.json     the model card: training-data hash, label counts, cross-validated metrics,
                  library versions, date (and MODEL_CARD.md, the same for people)
Loading checks the card's taxonomy version against the current taxonomy first and refuses a
model trained for another one. This is the spaCy way ("serialization is config plus arrays"):
it is also small and fast, where a generic object serializer walks 400,000 vocabulary entries.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import zipfile
import zlib
from importlib import metadata
from pathlib import Path

import numpy as np

from nlp.errors import ModelError
from nlp.resources import default_model_dir
from nlp.tables import atomic_path, write_text_atomic
from nlp.tagger.prediction import is_constant, is_linear, stack_heads
from nlp.taxonomy import load_taxonomy

DEFAULT_MODEL_DIR = default_model_dir()
LIBRARIES = ("scikit-learn", "numpy", "scipy", "rjieba", "jieba", "opencc", "pandas")
FORMAT_VERSION = 2  # 2: hashed word n-grams (nlp.features.word_ngrams), one segmentation per batch
# what prediction reads from config.json's params (the rest only matters for refitting)
PREDICTION_PARAMS = ("word_ngrams", "char_ngrams", "min_df", "cues", "word_vectors", "convention_cues",
                     "sentence_pooling")
OPTIONAL_PARAMS = {"lead": False, "context": False, "pool_genres": None, "document_pooling": False,
                   "relative_floor": None, "genre_C": None, "no_domain_roles": None,
                   "topic_line": False, "fallback_floor": None, "fallback_roles": None,
                   "topic_floor": None, "cue_coverage": False, "topic_vectors": False,
                   "genre_adaptation": False}


def library_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for lib in LIBRARIES:
        try:
            out[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            out[lib] = "not installed"
    return out


def _params_json(model) -> dict:
    """The estimator's parameters as JSON; a ``head`` object as its class and parameters."""
    params = model.get_params(deep=False)
    out = {k: (list(v) if isinstance(v, tuple) else v) for k, v in params.items() if k != "head"}
    if params.get("head") is not None:
        head = params["head"]
        out["head"] = {"class": f"{type(head).__module__}.{type(head).__qualname__}",
                       "params": json.loads(json.dumps(head.get_params(deep=False), default=repr))}
    return dict(sorted(out.items()))


def _head_from_json(spec: dict | None):
    """The unfitted head a ``head`` parameter describes (scikit-learn classes only: a model file
    never names code to import)."""
    if spec is None:
        return None
    module, _, name = str(spec.get("class", "")).rpartition(".")
    if module.split(".")[0] != "sklearn":
        raise ModelError(f"head class {spec.get('class')!r} is not a scikit-learn class; cannot rebuild it")
    import importlib

    return getattr(importlib.import_module(module), name)(**spec.get("params", {}))


def head_to_arrays(code: str, head) -> tuple[dict, dict[str, np.ndarray]]:
    """A fitted head as its config entry and arrays: a constant, a linear head's weights, or any
    other classifier serialized with skops (a safe format: loading runs no code)."""
    if is_constant(head):
        return {"code": code, "kind": "constant", "value": float(head)}, {}
    if is_linear(head):
        return {"code": code, "kind": "logistic"}, {f"coef__{code}": head.coef_.astype(np.float32),
                                                    f"intercept__{code}": head.intercept_.astype(np.float64)}
    try:
        import skops.io as sio
    except ImportError:
        raise ModelError("saving a non-linear head needs skops (pip install skops)") from None
    return ({"code": code, "kind": "skops", "class": f"{type(head).__module__}.{type(head).__qualname__}"},
            {f"head__{code}": np.frombuffer(sio.dumps(head), dtype=np.uint8)})


def head_from_arrays(entry: dict, arrays, make) -> object:
    """Per ``head_to_arrays`` entry: ``make(coef, intercept)`` for a linear head, the constant, or
    the skops-loaded classifier (only scikit-learn and NumPy types are trusted)."""
    if entry["kind"] == "constant":
        return entry["value"]
    if entry["kind"] == "logistic":
        return make(arrays[f"coef__{entry['code']}"].astype(np.float64), arrays[f"intercept__{entry['code']}"])
    if entry["kind"] != "skops":
        raise ModelError(f"unknown head kind {entry['kind']!r}")
    try:
        import skops.io as sio
    except ImportError:
        raise ModelError("this model's heads need skops to load (pip install skops)") from None
    data = arrays[f"head__{entry['code']}"].tobytes()
    untrusted = sio.get_untrusted_types(data=data)
    unsafe = [t for t in untrusted if t.split(".")[0] not in ("sklearn", "numpy", "scipy")]
    if unsafe:
        raise ModelError(f"head of {entry['code']} holds types outside scikit-learn/NumPy: {', '.join(unsafe)}")
    return sio.loads(data, trusted=untrusted)


def save_model(model, out_dir: str | Path, card: dict) -> Path:
    """Write a fitted ``DomainTagger`` (config, vocabularies, arrays) and its card to ``out_dir``.

    Each part saves itself: the feature blocks (``UnitFeatures.to_arrays``) and the heads
    (``head_to_arrays``)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    arrays, vocabs = model.features_.to_arrays()
    heads = []
    for code, head in zip(model.classes_, model.estimators_, strict=True):
        entry, head_arrays = head_to_arrays(str(code), head)
        heads.append(entry)
        arrays.update(head_arrays)
    genre_heads = {}
    for genre, own in (getattr(model, "genre_estimators_", None) or {}).items():
        genre_heads[genre] = []
        for code, head in zip(model.classes_, own, strict=True):
            entry, head_arrays = head_to_arrays(f"{code}@{genre}", head)
            genre_heads[genre].append(entry)
            arrays.update(head_arrays)
    config = {
        "format": FORMAT_VERSION,
        "estimator": "nlp.tagger.DomainTagger",
        "params": _params_json(model),
        "taxonomy_version": model.taxonomy_version_,
        "domains": list(model.classes_),
        "thresholds": [float(t) for t in model.thresholds_],
        "calibration": None if model.calibration_ is None else model.calibration_.tolist(),
        **({"genre_calibration": {g: c.tolist() for g, c in model.genre_calibration_.items()},
            "genre_thresholds": {g: [float(t) for t in th] for g, th in model.genre_thresholds_.items()}}
           if getattr(model, "genre_thresholds_", None) else {}),
        "features": [name for name, _ in model.features_.parts_],
        "heads": heads,
        **({"genre_heads": genre_heads} if genre_heads else {}),
    }
    write_text_atomic(out / "config.json", json.dumps(config, ensure_ascii=False, indent=2) + "\n")
    write_text_atomic(out / "vocab.json", json.dumps(vocabs, ensure_ascii=False) + "\n")
    with atomic_path(out / "arrays.npz") as tmp:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, **arrays)
    card = {
        "taxonomy_version": model.taxonomy_version_,
        "domains": list(model.classes_),
        "thresholds": {c: float(t) for c, t in zip(model.classes_, model.thresholds_, strict=True)},
        "params": _params_json(model),
        "libraries": library_versions(),
        "created": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        **card,
    }
    write_text_atomic(out / "card.json", json.dumps(card, ensure_ascii=False, indent=2) + "\n")
    write_text_atomic(out / "MODEL_CARD.md", render_card(card))
    return out


def _cell(value) -> str:
    """A metrics cell: floats with four decimals always (0.9700, not 0.97), so columns compare."""
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def render_card(card: dict) -> str:
    lines = ["# Domain tagger model card", "",
             f"- taxonomy version: `{card['taxonomy_version']}`",
             f"- created: {card['created']}",
             f"- training data: {card.get('n_train', '?')} labeled units from {card.get('label_files', [])}",
             f"- training data hash (sha256): `{card.get('data_hash', '')}`", ""]
    if card.get("label_counts"):
        lines += ["## Label counts", "", "| domain | units |", "|---|---|"]
        lines += [f"| {k} | {v} |" for k, v in card["label_counts"].items()] + [""]
    for key, title, note in (("metrics", "Cross-validated metrics (grouped by document)", "metrics_note"),
                             ("loo_seeds", "Leave-one-report-out on the seeds", "loo_note")):
        if not card.get(key):
            continue
        lines += [f"## {title}", "", card.get(note, ""), ""]
        rows = card[key]
        keys = [k for k in rows[0] if k not in ("domain", "set")]
        for set_name in dict.fromkeys(r.get("set", "all") for r in rows):
            lines += [f"### {set_name}", "", "| domain | " + " | ".join(keys) + " |", "|---" * (len(keys) + 1) + "|"]
            for row in rows:
                if row.get("set", "all") == set_name:
                    lines.append(f"| {row['domain']} | " + " | ".join(_cell(row.get(k)) for k in keys) + " |")
            lines.append("")
    if card.get("errors_in_genre"):
        lines += ["## Errors by kind (in-genre paragraphs, out of fold)", "",
                  "A false positive is a *passing mention* when a cue of the domain is in the text; a false "
                  "negative is *implicit* when none is.", "", "```", card["errors_in_genre"].rstrip(), "```", ""]
    if card.get("oof_brier"):
        b = card["oof_brier"]
        lines += ["## Calibration", "", f"Out-of-fold Brier score (mean over domains): raw {b['raw']:.4f}, "
                  f"after Platt scaling {b['calibrated']:.4f}.", ""]
    lines += ["## Thresholds", "", json.dumps(card["thresholds"], indent=2), "",
              "## Libraries", "", json.dumps(card["libraries"], indent=2), ""]
    return "\n".join(lines)


def load_card(model_dir: str | Path) -> dict:
    path = Path(model_dir) / "card.json"
    if not path.is_file():
        raise ModelError(f"{model_dir}: not a model directory (card.json missing)")
    try:
        return json.loads(path.read_text("utf-8"))
    except json.JSONDecodeError as err:
        raise ModelError(f"{path}: invalid model card ({err.msg})") from None


def _read_model(model_dir: str | Path | None, taxonomy_path: str | None):
    """Card, config, vocabularies, arrays and parameters of a model directory, after the checks."""
    model_dir = Path(model_dir) if model_dir else DEFAULT_MODEL_DIR
    card = load_card(model_dir)
    taxonomy = load_taxonomy(taxonomy_path)
    if card.get("taxonomy_version") != taxonomy.version:
        raise ModelError(f"{model_dir}: model was trained with taxonomy version {card.get('taxonomy_version')!r} "
                         f"but the current taxonomy is {taxonomy.version!r}; retrain it with `fazhi train`")
    try:
        config = json.loads((model_dir / "config.json").read_text("utf-8"))
        vocabs = json.loads((model_dir / "vocab.json").read_text("utf-8"))
        with np.load(model_dir / "arrays.npz", allow_pickle=False) as npz:  # read whole: damage shows here
            arrays = {k: npz[k] for k in npz.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as err:
        raise ModelError(f"{model_dir}: incomplete or damaged model files ({type(err).__name__}: {err})") from None
    if not isinstance(config, dict) or config.get("taxonomy_version") != taxonomy.version:
        raise ModelError(f"{model_dir}: config.json says taxonomy version "
                         f"{config.get('taxonomy_version') if isinstance(config, dict) else None!r}, the current "
                         f"taxonomy is {taxonomy.version!r}; retrain it with `fazhi train`")
    if config.get("format") != FORMAT_VERSION:
        raise ModelError(f"{model_dir}: unsupported model format {config.get('format')!r} (this version reads "
                         f"format {FORMAT_VERSION}); retrain it with `fazhi train`")
    if list(config["domains"]) != taxonomy.codes:
        raise ModelError(f"{model_dir}: the model's domains differ from the current taxonomy's")
    params = {k: (tuple(v) if isinstance(v, list) else v) for k, v in config["params"].items()}
    missing = [k for k in PREDICTION_PARAMS if k not in params]
    if missing:
        raise ModelError(f"{model_dir}: the model's parameters lack {', '.join(missing)} (saved by an older "
                         f"version); retrain it with `fazhi train`")
    for k, v in OPTIONAL_PARAMS.items():  # added since; a model saved before has their old behaviour
        params.setdefault(k, v)
    params["taxonomy_path"] = taxonomy_path
    return card, config, vocabs, arrays, params


def _features(params: dict, vocabs: dict, arrays, terms: bool = True):
    """The fitted ``UnitFeatures`` of a model (``terms``: also the word n-gram strings, which only
    feature names and explanations read)."""
    from nlp.features.units import UnitFeatures

    feats = UnitFeatures(params["word_ngrams"], params["char_ngrams"], params["min_df"], params["cues"],
                         word_vectors=params["word_vectors"], convention_cues=params["convention_cues"],
                         lead=params["lead"], context=params["context"], topic_line=params["topic_line"],
                         cue_coverage=params["cue_coverage"], topic_vectors=params["topic_vectors"])
    return feats.from_arrays(arrays, vocabs, terms)


def _heads(config: dict, arrays, make) -> list:
    """Per domain: the head ``head_from_arrays`` restores."""
    return [head_from_arrays(h, arrays, make) for h in config["heads"]]


def _genre_heads(config: dict, arrays, make) -> dict[str, list]:
    """The head sets of single genres (``DomainTagger(genre_heads=True)``)."""
    return {g: [head_from_arrays(h, arrays, make) for h in entries]
            for g, entries in (config.get("genre_heads") or {}).items()}


def _genre_arrays(config: dict) -> tuple[dict, dict]:
    return ({g: np.array(c) for g, c in (config.get("genre_calibration") or {}).items()},
            {g: np.array(t) for g, t in (config.get("genre_thresholds") or {}).items()})


def load_model(model_dir: str | Path | None = None, taxonomy_path: str | None = None):
    """Load a tagger (a ``DomainTagger``), refusing one trained with another taxonomy version."""
    from sklearn.linear_model import LogisticRegression

    from nlp.tagger.estimator import DomainTagger

    card, config, vocabs, arrays, params = _read_model(model_dir, taxonomy_path)
    if params.get("word_vectors"):  # refit (clone(model).fit) reads the vectors the model keeps
        params["word_vectors"] = str((Path(model_dir) if model_dir else DEFAULT_MODEL_DIR).resolve() / "arrays.npz")
    model = DomainTagger(**{**params, "head": _head_from_json(params.get("head"))})
    model.classes_ = np.array(config["domains"])
    model.taxonomy_version_ = config["taxonomy_version"]
    model.thresholds_ = np.array(config["thresholds"])
    model.calibration_ = None if config.get("calibration") is None else np.array(config["calibration"])
    model.features_ = _features(params, vocabs, arrays)

    def logistic(coef: np.ndarray, intercept: np.ndarray) -> LogisticRegression:
        lr = LogisticRegression()
        lr.classes_ = np.array([0, 1])
        lr.coef_, lr.intercept_ = coef, intercept
        lr.n_features_in_ = coef.shape[1]
        return lr

    model.estimators_ = _heads(config, arrays, logistic)
    model.stack_ = stack_heads(model.estimators_)
    model.genre_estimators_ = _genre_heads(config, arrays, logistic)
    model.genre_stacks_ = {g: stack_heads(h) for g, h in model.genre_estimators_.items()}
    model.genre_calibration_, model.genre_thresholds_ = _genre_arrays(config)
    model.card_ = card
    return model


def load_predictor(model_dir: str | Path | None = None, taxonomy_path: str | None = None):
    """Load a model for tagging only (``nlp.tagger.prediction.TaggerPredictor``), without scikit-learn.

    Same checks and the same predictions as ``load_model``; what batch workers load (about
    1.2 s less start-up per process).
    """
    from nlp.tagger.prediction import LinearHead, TaggerPredictor

    card, config, vocabs, arrays, params = _read_model(model_dir, taxonomy_path)
    return TaggerPredictor(
        classes=np.array(config["domains"]),
        thresholds=np.array(config["thresholds"]),
        calibration=None if config.get("calibration") is None else np.array(config["calibration"]),
        features=_features(params, vocabs, arrays, terms=False),
        heads=_heads(config, arrays, LinearHead),
        sentence_pooling=params["sentence_pooling"],
        taxonomy_version=config["taxonomy_version"],
        card=card,
        pool_genres=params["pool_genres"],
        genre_heads=_genre_heads(config, arrays, LinearHead),
        document_pooling=params["document_pooling"],
        relative_floor=params["relative_floor"],
        no_domain_roles=params["no_domain_roles"],
        fallback_floor=params["fallback_floor"],
        fallback_roles=params["fallback_roles"],
        topic_floor=params["topic_floor"],
        genre_calibration=_genre_arrays(config)[0],
        genre_thresholds=_genre_arrays(config)[1],
    )
