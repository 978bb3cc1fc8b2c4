"""The trend regression: known effects recovered, errors clustered by report, the year curve."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nlp.analysis.regression import CURVE_COLUMNS, EFFECT_COLUMNS, domain_regression

CODES = ["mediation", "legal_aid"]


def _panel(seed: int = 0, n_docs: int = 120, per_doc: int = 30, shock_sd: float = 0.04) -> pd.DataFrame:
    """Reports of 2000-2019; legal aid's share rises 1 point a year (+10 per decade) from 5% and is
    5 points higher in county reports; mediation is flat at 20%. A report-level shock makes the
    paragraphs of one report move together, as they do in real reports."""
    rng = np.random.default_rng(seed)
    rows = []
    for d in range(n_docs):
        year = 2000 + d % 20
        level = "county" if d % 3 == 0 else "prefecture"
        shock = rng.normal(0, shock_sd)
        p_aid = 0.05 + 0.01 * (year - 2000) + (0.05 if level == "county" else 0.0) + shock
        for i in range(per_doc):
            labels = [c for c, p in (("mediation", 0.2), ("legal_aid", p_aid)) if rng.random() < p]
            rows.append({"doc_id": f"d{d}", "unit_id": f"d{d}:p{i}", "year": year, "level": level,
                         "text": "x", "labels": labels})
    return pd.DataFrame(rows)


def test_recovers_the_trend_and_the_level_effect():
    eff, curve = domain_regression(_panel(), CODES)
    assert list(eff.columns) == EFFECT_COLUMNS and list(curve.columns) == CURVE_COLUMNS
    aid = eff[eff["domain"] == "legal_aid"].set_index("term")
    assert aid.index[0] == "per decade"
    assert aid.loc["per decade", "ci_lo"] < 0.10 < aid.loc["per decade", "ci_hi"]
    assert aid.loc["per decade", "p_value"] < 0.001
    county = aid.loc["level=county vs prefecture"]
    assert county["ci_lo"] < 0.05 < county["ci_hi"] and county["estimate"] > 0.02
    flat = eff[(eff["domain"] == "mediation") & (eff["term"] == "per decade")].iloc[0]
    assert flat["ci_lo"] < 0 < flat["ci_hi"]
    assert eff.attrs["controls"] == ["level"]
    assert set(eff["n_docs"]) == {120}


def test_errors_are_clustered_by_report():
    """Paragraphs of one report share a shock: the clustered error is wider than the naive one."""
    import statsmodels.api as sm

    data = _panel(seed=1, shock_sd=0.12)
    eff, _ = domain_regression(data, ["legal_aid"], controls=())
    y = data["labels"].map(lambda ls: "legal_aid" in ls).astype(float)
    naive = sm.OLS(y, sm.add_constant((data["year"] - 2000) / 10.0)).fit()
    assert eff.iloc[0]["std_err"] > 1.3 * naive.bse.iloc[1]
    assert eff.iloc[0]["estimate"] == pytest.approx(naive.params.iloc[1])  # same point estimate


def test_curve_follows_the_data_with_an_interval():
    _, curve = domain_regression(_panel(), CODES)
    aid = curve[curve["domain"] == "legal_aid"].set_index("year")
    assert list(aid.index) == list(range(2000, 2020))
    assert aid.loc[2019, "fitted"] - aid.loc[2000, "fitted"] == pytest.approx(0.19, abs=0.06)
    assert (aid["ci_lo"] < aid["fitted"]).all() and (aid["fitted"] < aid["ci_hi"]).all()
    assert set(aid["n_docs"]) == {6}


def test_too_few_reports_give_empty_tables():
    small = _panel(n_docs=6)
    eff, curve = domain_regression(small, CODES)
    assert eff.empty and curve.empty and list(eff.columns) == EFFECT_COLUMNS
