"""Domain shares, bootstrap intervals, the wide year table and the plots."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nlp.analysis.plots import plot_domain_trends, plot_topic_prevalence
from nlp.analysis.trends import domain_by_year, domain_change, domain_shares

CODES = ["mediation", "legal_aid"]


@pytest.fixture
def tiny() -> pd.DataFrame:
    """Two years; 2020 has docs a (2 units) and b (1 unit); 2021 has doc c; one unit has no year.

    2020: unit texts of 2, 4, 6 chars; mediation on the 2- and 6-char units, legal_aid on the 6-char unit.
      mediation: unit_share 2/3, char_share 8/12; legal_aid: unit_share 1/3, char_share 6/12.
    2021: doc c, units of 5 and 5 chars, legal_aid on one: mediation 0, legal_aid 1/2 (both measures).
    """
    return pd.DataFrame({
        "doc_id": ["a", "a", "b", "c", "c", "d"],
        "unit_id": ["a:p1", "a:p2", "b:p1", "c:p1", "c:p2", "d:p1"],
        "year": pd.array([2020, 2020, 2020, 2021, 2021, None], dtype="Int64"),
        "text": ["xx", "xxxx", "xxxxxx", "yyyyy", "zzzzz", "w"],
        "labels": [["mediation"], [], ["mediation", "legal_aid"], ["legal_aid"], None, ["mediation"]],
    })


def _row(df: pd.DataFrame, year: int, domain: str) -> pd.Series:
    sel = df[(df["year"] == year) & (df["domain"] == domain)]
    assert len(sel) == 1
    return sel.iloc[0]


def test_shares_exact(tiny):
    out = domain_shares(tiny, codes=CODES, n_boot=200, seed=1)
    assert list(out.columns) == ["year", "domain", "unit_share", "char_share", "unit_share_lo", "unit_share_hi",
                                 "n_units", "n_docs", "n_chars"]
    assert len(out) == 4
    m20, l20 = _row(out, 2020, "mediation"), _row(out, 2020, "legal_aid")
    assert m20.unit_share == pytest.approx(2 / 3) and m20.char_share == pytest.approx(8 / 12)
    assert l20.unit_share == pytest.approx(1 / 3) and l20.char_share == pytest.approx(6 / 12)
    assert (m20.n_units, m20.n_docs, m20.n_chars) == (3, 2, 12)
    m21, l21 = _row(out, 2021, "mediation"), _row(out, 2021, "legal_aid")
    assert m21.unit_share == 0 and l21.unit_share == pytest.approx(0.5) and l21.char_share == pytest.approx(0.5)
    assert out.attrs["dropped_no_year"] == 1


def test_no_interval_from_fewer_than_three_reports(tiny):
    """One report gives a zero-width interval and two only three resamples: none is shown."""
    out = domain_shares(tiny, codes=CODES, n_boot=500, seed=0)
    assert out["n_docs"].max() < 3 and out["unit_share_lo"].isna().all() and out["unit_share_hi"].isna().all()


def test_bootstrap_resamples_documents(tiny, monkeypatch):
    monkeypatch.setattr("nlp.analysis.trends.MIN_DOCS_FOR_INTERVAL", 1)  # the resampling itself, on tiny data
    out = domain_shares(tiny, codes=CODES, n_boot=500, seed=0)
    # 2020 mediation: resampled docs are {a}: 1/2, {b}: 1, or a mix: 2/3 -> interval within [1/2, 1]
    m20 = _row(out, 2020, "mediation")
    assert 0.5 <= m20.unit_share_lo <= m20.unit_share <= m20.unit_share_hi <= 1.0
    # 2021 has a single document: every replicate equals the point estimate
    l21 = _row(out, 2021, "legal_aid")
    assert l21.unit_share_lo == l21.unit_share_hi == pytest.approx(0.5)
    assert (out["unit_share_lo"] <= out["unit_share"] + 1e-12).all()
    assert (out["unit_share"] <= out["unit_share_hi"] + 1e-12).all()


def test_change_between_periods_resamples_reports():
    rows = []
    for i in range(12):  # six early reports without legal aid, six late ones with it in half their paragraphs
        late = i >= 6
        for j in range(4):
            rows.append({"doc_id": f"d{i}", "year": 2010 + i, "text": "x",
                         "labels": ["legal_aid"] if late and j % 2 else []})
    change = domain_change(pd.DataFrame(rows), codes=CODES, n_boot=300, seed=0).set_index("domain")
    aid = change.loc["legal_aid"]
    assert aid["period_1"] == "2010–2015" and aid["period_2"] == "2016–2021"
    assert aid["change"] == pytest.approx(0.5) and aid["sure"] and aid["change_lo"] > 0
    assert not change.loc["mediation", "sure"]


def test_bootstrap_seeded(tiny):
    a = domain_shares(tiny, codes=CODES, n_boot=100, seed=3)
    b = domain_shares(tiny, codes=CODES, n_boot=100, seed=3)
    pd.testing.assert_frame_equal(a, b)


def test_ci_contains_estimate_on_larger_sample():
    rng = np.random.default_rng(0)
    n = 400
    units = pd.DataFrame({
        "doc_id": [f"d{i % 40}" for i in range(n)],
        "year": pd.array([2018 + (i % 40) // 20 for i in range(n)], dtype="Int64"),
        "text": ["x" * int(k) for k in rng.integers(5, 50, n)],
        "labels": [["mediation"] if r < 0.3 else [] for r in rng.random(n)],
    })
    out = domain_shares(units, codes=CODES, n_boot=300, seed=0)
    assert ((out["unit_share_lo"] <= out["unit_share"]) & (out["unit_share"] <= out["unit_share_hi"])).all()
    med = out[out["domain"] == "mediation"]
    assert (med["unit_share_hi"] - med["unit_share_lo"] > 0).all()


def test_group_by_several_columns(tiny):
    tiny = tiny.assign(level=["county", "county", "province", "county", "county", "county"])
    out = domain_shares(tiny, by=["year", "level"], codes=CODES, n_boot=0)
    assert list(out.columns[:3]) == ["year", "level", "domain"]
    assert len(out) == 3 * len(CODES)
    assert out["unit_share_lo"].isna().all()


def test_domain_by_year_layout(tiny):
    wide = domain_by_year(tiny, codes=CODES)
    assert list(wide.columns) == ["year", *CODES, "n_docs", "n_units"]
    assert wide["year"].tolist() == [2020, 2021]
    assert wide.loc[0, "mediation"] == pytest.approx(2 / 3)
    assert wide["n_docs"].tolist() == [2, 1] and wide["n_units"].tolist() == [3, 2]
    assert wide.attrs["dropped_no_year"] == 1
    chars = domain_by_year(tiny, codes=CODES, measure="char_share")
    assert chars.loc[0, "mediation"] == pytest.approx(8 / 12)


def test_domain_by_year_default_codes(tiny):
    from nlp.taxonomy import load_taxonomy

    wide = domain_by_year(tiny)
    assert list(wide.columns) == ["year", *load_taxonomy().codes, "n_docs", "n_units"]


def test_missing_labels_column(tiny):
    with pytest.raises(KeyError):
        domain_shares(tiny.drop(columns="labels"), codes=CODES)


def _is_png(path) -> bool:
    return path.stat().st_size > 1000 and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plots_write_png(tiny, tmp_path):
    wide = domain_by_year(tiny, codes=CODES)
    p = plot_domain_trends(wide, CODES, tmp_path / "out" / "domains.png")
    assert p == tmp_path / "out" / "domains.png" and _is_png(p)
    prev = pd.DataFrame({"year": [2020, 2021], "topic_0": [0.4, 0.5], "topic_1": [0.6, 0.5]})
    q = plot_topic_prevalence(prev, tmp_path / "topics.png")
    assert _is_png(q)
    assert sorted(x.name for x in tmp_path.rglob("*") if x.is_file()) == ["domains.png", "topics.png"]


def test_small_multiples_for_papers_and_chinese_names_only_with_a_cjk_font(tiny, tmp_path, monkeypatch):
    from nlp.analysis import plots

    shares = domain_shares(tiny, codes=CODES, n_boot=50, seed=0)
    png, svg = plots.plot_domain_small_multiples(shares, CODES, [tmp_path / "p.png", tmp_path / "p.svg"],
                                                 names={"mediation": "人民调解"})
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and "<svg" in svg.read_text("utf-8")[:2000]
    monkeypatch.setattr(plots, "cjk_font", lambda: None)  # a server without a CJK font: codes, no empty boxes
    assert plots.domain_label("mediation", {"mediation": "人民调解"}) == "mediation"
    monkeypatch.setattr(plots, "cjk_font", lambda: "WenQuanYi Micro Hei")
    assert plots.domain_label("mediation", {"mediation": "人民调解"}) == "人民调解 mediation"
