"""A domain's share of paragraphs regressed on year and on level, with standard errors clustered
by report — in the spirit of STM's ``estimateEffect``.

Why a regression beside the per-year shares? Per-year shares answer "what was the share in 2015",
but a researcher asks "is there a trend, how large, and is it the years or the mix of reports
(more county reports in later years)". A linear probability model answers that directly: the
outcome is 1 when a paragraph is tagged with the domain, so a coefficient is a change in the share
of paragraphs, in points, holding the other terms fixed.

Paragraphs of one report share an author, a template and a year, so they are not independent:
ordinary standard errors would be far too small. Every fit uses a cluster-robust covariance with
the report (``doc_id``) as the cluster (statsmodels ``cov_type="cluster"``).

Two models per domain, on the same paragraphs:
    trend   share ~ (year - first year) / 10 + C(level)   — the change per decade, and each level's
            difference from the reference level (the most common one);
    curve   share ~ B-spline(year, ``spline_df``) + C(level) — a smooth year curve; its prediction at
            each year averages over the sample's levels (for a linear model this is the average
            marginal prediction), with a pointwise interval from the clustered covariance.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from nlp.analysis.trends import default_codes, label_matrix

EFFECT_COLUMNS = ["domain", "model", "term", "estimate", "std_err", "ci_lo", "ci_hi", "p_value",
                  "n_units", "n_docs"]
CURVE_COLUMNS = ["domain", "year", "fitted", "ci_lo", "ci_hi", "n_docs"]
MIN_DOCS = 10  # fewer clustered reports than this give no usable clustered covariance


def _controls(units: pd.DataFrame, controls: Sequence[str]) -> list[str]:
    """The control columns that vary in the data (a constant column is no control)."""
    return [c for c in controls if c in units.columns and units[c].dropna().nunique() > 1]


def _design(units: pd.DataFrame, formula_rhs: str):
    from patsy import dmatrix

    return dmatrix(formula_rhs, units, return_type="dataframe", NA_action="raise")


def _fit(y: np.ndarray, X: pd.DataFrame, groups: np.ndarray):
    """OLS with a covariance clustered by report (``groups``: one integer per report)."""
    import statsmodels.api as sm

    return sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=False)


def domain_regression(units: pd.DataFrame, codes: Sequence[str] | None = None,
                      controls: Sequence[str] = ("level",), spline_df: int = 4,
                      ci: float = 0.95) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fit the trend and curve models (module docstring) for every domain.

    ``units``: content paragraphs with ``labels``, ``year`` and ``doc_id`` (and the ``controls``
    columns when present). Units without a year, or without a value in a control, are left out.

    Returns (effects, curve):
        effects  one row per (domain, model term): domain, model ("trend"), term
                 ("per decade" or "level=county vs prefecture", ...), estimate (share points as a
                 fraction), std_err (clustered by report), ci_lo, ci_hi, p_value, n_units, n_docs;
        curve    one row per (domain, year): the spline model's fitted share averaged over the
                 sample's levels, with its pointwise interval, and the number of reports that year.
    Both are empty when fewer than ``MIN_DOCS`` reports or fewer than 3 distinct years remain.
    ``attrs["controls"]`` names the controls used.
    """
    codes = default_codes(codes)
    ctrl = _controls(units, controls)
    data = units.dropna(subset=["year", *ctrl]).reset_index(drop=True)
    empty = pd.DataFrame(columns=EFFECT_COLUMNS), pd.DataFrame(columns=CURVE_COLUMNS)
    if data.empty or data["doc_id"].nunique() < MIN_DOCS or data["year"].nunique() < 3:
        return empty
    data["year"] = data["year"].astype(float)
    first = float(data["year"].min())
    data["decades"] = (data["year"] - first) / 10.0
    refs = {c: data[c].astype(str).value_counts().index[0] for c in ctrl}
    for c in ctrl:
        data[c] = data[c].astype(str)
    ctrl_terms = "".join(f" + C({c}, Treatment(reference={refs[c]!r}))" for c in ctrl)
    df = min(spline_df, int(data["year"].nunique()) - 1)
    X_trend = _design(data, "decades" + ctrl_terms)
    X_curve = _design(data, f"bs(year, df={df}, include_intercept=False)" + ctrl_terms)
    groups = pd.factorize(data["doc_id"])[0]
    tagged = label_matrix(data, codes).astype(float)
    years = np.arange(int(first), int(data["year"].max()) + 1)
    x_bar = _average_rows(X_curve, data, years, ctrl)
    docs_per_year = data.groupby("year")["doc_id"].nunique()
    effects, curves = [], []
    z = _z(ci)
    for j, code in enumerate(codes):
        trend = _fit(tagged[:, j], X_trend, groups)
        effects.append(_effect_rows(code, trend, ctrl, refs, len(data), int(groups.max()) + 1, ci))
        curve = _fit(tagged[:, j], X_curve, groups)
        fitted = x_bar @ curve.params.to_numpy()
        se = np.sqrt(np.einsum("ij,jk,ik->i", x_bar, curve.cov_params().to_numpy(), x_bar))
        curves.append(pd.DataFrame({"domain": code, "year": years, "fitted": fitted, "ci_lo": fitted - z * se,
                                    "ci_hi": fitted + z * se,
                                    "n_docs": docs_per_year.reindex(years.astype(float), fill_value=0).to_numpy()}))
    eff = pd.concat(effects, ignore_index=True)[EFFECT_COLUMNS]
    cur = pd.concat(curves, ignore_index=True)[CURVE_COLUMNS]
    for out in (eff, cur):
        out.attrs["controls"] = ctrl
    return eff, cur


def _z(ci: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(0.5 + ci / 2.0))


def _average_rows(X: pd.DataFrame, data: pd.DataFrame, years: np.ndarray, ctrl: list[str]) -> np.ndarray:
    """Design rows for each year in ``years`` averaged over the sample's control values.

    The spline basis is evaluated at the new years with the fitted model's knots (patsy's
    ``build_design_matrices`` on the stored design info); control dummies enter at their
    sample means, which for a linear model gives the average prediction over the sample.
    """
    from patsy import build_design_matrices

    grid = pd.DataFrame({"year": years.astype(float), "decades": 0.0})
    for c in ctrl:
        grid[c] = data[c].iloc[0]
    (basis,) = build_design_matrices([X.design_info], grid, return_type="dataframe")
    means = X.mean(axis=0)
    for col in X.columns:
        if col.startswith("C("):
            basis[col] = means[col]
    return basis[X.columns].to_numpy()


def _effect_rows(code: str, fit, ctrl: list[str], refs: dict[str, str], n_units: int, n_docs: int,
                 ci: float) -> pd.DataFrame:
    conf = fit.conf_int(alpha=1.0 - ci)
    rows = []
    for term in fit.params.index:
        if term == "Intercept":
            continue
        name = "per decade" if term == "decades" else _level_term(term, ctrl, refs)
        rows.append({"domain": code, "model": "trend", "term": name, "estimate": float(fit.params[term]),
                     "std_err": float(fit.bse[term]), "ci_lo": float(conf.loc[term, 0]),
                     "ci_hi": float(conf.loc[term, 1]), "p_value": float(fit.pvalues[term]),
                     "n_units": n_units, "n_docs": n_docs})
    rows.sort(key=lambda r: r["term"] != "per decade")  # the trend first, then the levels
    return pd.DataFrame(rows)


def _level_term(term: str, ctrl: list[str], refs: dict[str, str]) -> str:
    """patsy's ``C(level, Treatment(reference='prefecture'))[T.county]`` as ``level=county vs prefecture``."""
    for c in ctrl:
        if term.startswith(f"C({c},"):
            value = term.rsplit("[T.", 1)[-1].rstrip("]")
            return f"{c}={value} vs {refs[c]}"
    return term


__all__ = ["domain_regression"]
