"""trends / topics / analyze commands and the HTML report, end to end on the seeds."""

from __future__ import annotations

import json
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
    assert html.count("data:image/png;base64,") >= 2
    assert not re.search(r"<(script|link)\b", html) and "http://" not in html and "https://" not in html
    for needle in ("高平市司法局", "c_v", "NPMI", "legal_aid", "Method and parameters"):
        assert needle in html


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
