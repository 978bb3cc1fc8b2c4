"""trends / topics / analyze commands and the HTML report, end to end on the seeds."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from nlp.tagger.estimator import DomainTagger
from nlp.tagger.serialize import save_model
from nlp.taxonomy import load_taxonomy
from nlp.training.labels import load_label_file

ROOT = Path(__file__).resolve().parents[1]
RUN = [sys.executable, "-m", "nlp.cli"]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    labels = load_label_file(ROOT / "labels" / "seeds.jsonl")
    model = DomainTagger(threshold_folds=3).fit(list(labels["text"]), list(labels["labels"]),
                                                groups=labels["group"].to_numpy())
    return save_model(model, tmp_path_factory.mktemp("model"), {"n_train": len(labels), "data_hash": "test"})


@pytest.fixture(scope="module")
def analyze_out(model_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("analysis")
    p = subprocess.run(RUN + ["analyze", str(ROOT / "seeds"), "--out", str(out), "--model", str(model_dir)],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return out


def test_analyze_writes_a_self_contained_report(analyze_out):
    html = (analyze_out / "report.html").read_text("utf-8")
    assert not re.search(r"<script[^>]*\bsrc=|<link\b|<img[^>]*src=.http", html)  # nothing fetched from elsewhere
    assert html.count("Plotly.newPlot") == 2 and "plotly.js v" in html  # plotly.js inlined once, two figures
    for needle in ("高平市司法局", "c_v", "NPMI", "legal_aid", "法律援助", "Method and parameters", "Findings",
                   "in-genre paragraphs", "Caveats"):
        assert needle in html
    assert (analyze_out / "trends" / "domain_panels.svg").read_text("utf-8").startswith("<?xml")


def test_trends_table_layout(analyze_out):
    df = pd.read_csv(analyze_out / "trends" / "domain_by_year.csv", encoding="utf-8-sig")
    assert list(df.columns[:1]) == ["year"] and set(load_taxonomy().codes) <= set(df.columns)
    assert sorted(df["year"]) == [2020, 2023, 2024]
    assert set(df["n_docs"]) == {1, 2}
    shares = pd.read_csv(analyze_out / "trends" / "domain_shares.csv", encoding="utf-8-sig")
    assert shares.loc[shares["n_docs"] < 3, "unit_share_lo"].isna().all()  # no interval from 1-2 reports
    known = shares["unit_share_lo"].notna()
    assert (shares.loc[known, "unit_share_lo"] <= shares.loc[known, "unit_share"] + 1e-9).all()
    assert (analyze_out / "trends" / "domain_trends_core.png").stat().st_size > 1000


def test_topics_outputs(analyze_out):
    topics = pd.read_csv(analyze_out / "topics" / "topics.csv", encoding="utf-8-sig")
    assert list(topics.columns) == ["topic", "rank", "word", "weight"]
    by_year = pd.read_csv(analyze_out / "topics" / "topic_by_year.csv", encoding="utf-8-sig")
    assert "year" in by_year.columns
    summary = json.loads((analyze_out / "topics" / "summary.json").read_text("utf-8"))
    assert {"k", "seed", "coherence"} <= set(summary)
    assert {"c_v", "c_npmi", "window", "implementation"} <= set(summary["coherence"])


def test_topics_command_is_deterministic(model_dir, analyze_out, tmp_path):
    tagged = analyze_out / "units_tagged.jsonl"
    outs = []
    for name in ("a", "b"):
        p = subprocess.run(RUN + ["topics", str(tagged), "--out", str(tmp_path / name), "--k", "4", "--seed", "7"],
                           capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
        outs.append((tmp_path / name / "topics.csv").read_bytes())
    assert outs[0] == outs[1]
    assert json.loads((tmp_path / "a" / "summary.json").read_text())["k"] == 4


def test_trends_command_by_level(analyze_out, tmp_path):
    p = subprocess.run(RUN + ["trends", str(analyze_out / "units_tagged.jsonl"), "--out", str(tmp_path),
                              "--by", "level", "--bootstrap", "50"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    df = pd.read_csv(tmp_path / "domain_shares_by_level.csv", encoding="utf-8-sig")
    assert set(df["level"]) == {"county", "prefecture"}


def test_bad_k_is_a_one_line_error(analyze_out, tmp_path):
    p = subprocess.run(RUN + ["topics", str(analyze_out / "units_tagged.jsonl"), "--out", str(tmp_path),
                              "--k", "many"], capture_output=True, text=True)
    assert p.returncode == 2 and "Traceback" not in p.stderr and "--k" in p.stderr


CHROMIUM = os.environ.get("FAZHI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (Debian's package, installed by `make browser`) driven by Playwright.
    CI sets FAZHI_REQUIRE_BROWSER=1, so there a missing browser fails instead of skipping."""
    required = os.environ.get("FAZHI_REQUIRE_BROWSER") == "1"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if required:
            raise
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    if not Path(CHROMIUM).is_file():
        if required:
            pytest.fail(f"no Chromium at {CHROMIUM}: run `make browser`")
        pytest.skip(f"no Chromium at {CHROMIUM}: run `make browser`")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def test_report_renders_in_a_real_browser(analyze_out, browser):
    """Every figure renders, the console stays clean, nothing is fetched from elsewhere, and
    nothing overflows horizontally at 1280 px."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems, fetched = [], []
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: fetched.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
    page.goto((analyze_out / "report.html").as_uri())
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length > 0")
    state = page.evaluate("""() => {
        const plots = [...document.querySelectorAll('.js-plotly-plot')];
        return {
            plots: plots.length,
            drawn: plots.filter(p => p.querySelectorAll('.scatterlayer .trace').length > 0).length,
            hover: plots[0].data.map(t => (t.hovertext || []).join(' ')).join(' '),
            images: [...document.images].filter(i => !i.complete || i.naturalWidth === 0).length,
            scrollWidth: document.documentElement.scrollWidth,
            width: window.innerWidth,
            wideTables: [...document.querySelectorAll('table')].filter(
                t => t.getBoundingClientRect().right > window.innerWidth).length,
        };
    }""")
    shots = os.environ.get("FAZHI_SCREENSHOTS")
    if shots:
        page.screenshot(path=str(Path(shots) / "report_1280.png"), full_page=True)
    page.close()
    assert state["plots"] >= 2 and state["drawn"] == state["plots"], state
    assert "reports" in state["hover"] and "%" in state["hover"]  # hover: n, share, interval
    assert state["images"] == 0
    assert state["scrollWidth"] <= state["width"] == 1280 and state["wideTables"] == 0, state
    assert problems == [] and fetched == []


@pytest.mark.parametrize("args, needle", [
    (["topics", "--role", "nope"], "--role 'nope'"),
    (["topics", "--domains", "legal_aid,mediaton"], "--domains 'mediaton'"),
    (["topics", "--term-weight", "bm25"], "--term-weight 'bm25'"),
    (["trends", "--periods", "2020"], "--periods '2020'"),
    (["trends", "--years", "2025-2000"], "--years '2025-2000'"),
    (["trends", "--by", "city"], "--by 'city'"),
])
def test_options_are_checked_before_any_work(args, needle, tmp_path):
    """A bad option is a one-line error even when the input does not exist: nothing was read."""
    p = subprocess.run(RUN + [args[0], str(tmp_path / "missing"), "--out", str(tmp_path / "o"), *args[1:]],
                       capture_output=True, text=True)
    assert p.returncode == 2 and needle in p.stderr and "Traceback" not in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1 and not (tmp_path / "o").exists()


def test_topics_on_selected_paragraphs(analyze_out, tmp_path):
    p = subprocess.run(RUN + ["topics", str(analyze_out / "units_tagged.jsonl"), "--out", str(tmp_path), "--k", "2",
                              "--role", "achievements", "--domains", "legal_aid,mediation"],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    summary = json.loads((tmp_path / "summary.json").read_text("utf-8"))
    assert summary["selection"] == {"domains": ["legal_aid", "mediation"], "roles": ["achievements"]}
    tagged = pd.read_json(analyze_out / "units_tagged.jsonl", lines=True)
    content = tagged[(tagged["granularity"] == "paragraph") & ~tagged["is_heading"]
                     & (tagged["role"] == "achievements")]
    chosen = content["labels"].map(lambda ls: bool({"legal_aid", "mediation"} & set(ls)))
    assert summary["n_units"] == int(chosen.sum()) < len(content)
    words = pd.read_csv(tmp_path / "topic_words.csv", encoding="utf-8-sig")
    assert list(words.columns) == ["topic", "rank", "word", "weight", "relevance", "lift"]
    labels = pd.read_csv(tmp_path / "topic_labels.csv", encoding="utf-8-sig")
    assert len(labels) == 2 and labels["label"].str.count("·").eq(2).all()


def test_trends_writes_regression_and_figures_for_papers(analyze_out):
    trends = analyze_out / "trends"
    effects = pd.read_csv(trends / "domain_effects.csv", encoding="utf-8-sig")
    assert {"domain", "term", "estimate", "std_err", "ci_lo", "ci_hi", "p_value"} <= set(effects.columns)
    assert effects.empty  # five seed reports are too few for a clustered regression: none is faked
    assert (trends / "domain_panels.png").stat().st_size > 10_000
    assert "<svg" in (trends / "domain_panels.svg").read_text("utf-8")[:2000]
