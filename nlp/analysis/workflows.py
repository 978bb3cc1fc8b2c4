"""The analysis workflows behind ``fazhi trends``, ``fazhi topics`` and ``fazhi analyze``.

Each function takes tables (DataFrames) and an output folder, writes its files atomically
and returns what it wrote, so a notebook gets the same results as the command line.

Trends and topics use *paragraph* units that carry text: headings and front matter (titles,
issuing bodies, dates) are left out, because they would count as units without content.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from nlp.tables import write_table, write_text_atomic
from nlp.taxonomy import load_taxonomy

SMALL_CORPUS_UNITS = 1500  # below this, topic settings adapt (fewer topics, lower min count)


@dataclass
class AnalysisResult:
    """Tables and files of an analysis run (every table is also written to ``out_dir``)."""

    out_dir: Path
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)
    summary: dict = field(default_factory=dict)
    model: object | None = None  # the fitted model behind the tables (e.g. the TopicModel)


def content_units(units: pd.DataFrame) -> pd.DataFrame:
    """Paragraph units with body text (no headings, no front matter); years as integers.

    A table read back from disk may carry years as floats (a column with gaps); they are
    made nullable integers so tables and plots show 2024, not 2024.0.
    """
    if "granularity" in units.columns:
        keep = (units["granularity"] == "paragraph") & (units["role"] != "front_matter")
        if "is_heading" in units.columns:
            keep &= ~units["is_heading"].astype(bool)
        units = units.loc[keep]
    units = units.reset_index(drop=True)
    if "year" in units.columns:
        units["year"] = pd.to_numeric(units["year"], errors="coerce").round().astype("Int64")
    return units


def tag_units(units: pd.DataFrame, model=None) -> pd.DataFrame:
    """Add ``labels``/``scores`` with ``model`` (the shipped default when None)."""
    from nlp.apply.tagging import tag_frame
    from nlp.tagger.serialize import load_model

    return tag_frame(model or load_model(), units)


def _quiet(message: str) -> None:
    """The default step reporter: say nothing (notebooks); the CLI passes one that prints."""


def select_units(units: pd.DataFrame, years: tuple[int, int] | None = None, domains: list[str] | None = None,
                 roles: list[str] | None = None) -> pd.DataFrame:
    """Content units restricted to a year range (inclusive), to units tagged with any of
    ``domains`` and to the section ``roles`` (achievements, plans, ...); None keeps all."""
    from nlp.analysis.trends import label_matrix

    keep = pd.Series(True, index=units.index)
    if years is not None:
        y = pd.to_numeric(units["year"], errors="coerce")
        keep &= (y >= years[0]) & (y <= years[1])
    if domains:
        keep &= label_matrix(units, domains).any(axis=1)
    if roles:
        keep &= units["role"].isin(roles)
    return units.loc[keep].reset_index(drop=True)


def run_trends(units: pd.DataFrame, out_dir: str | Path, by: list[str] | None = None, n_boot: int = 1000,
               seed: int = 0, say: Callable[[str], None] = _quiet, years: tuple[int, int] | None = None,
               periods: tuple[tuple[int, int], tuple[int, int]] | None = None) -> AnalysisResult:
    """Domain shares per year (and per extra grouping in ``by``, e.g. ['level']), the change
    between two ``periods`` (default: halves at the median report year), the regression of each
    domain's share on year and level, and plots; ``years`` restricts the reports to a range.
    ``say`` is told each step as it starts."""
    from nlp.analysis.plots import plot_domain_shares_ci, plot_domain_small_multiples, plot_domain_trends
    from nlp.analysis.regression import domain_regression
    from nlp.analysis.trends import domain_by_year, domain_change, domain_shares

    out = Path(out_dir)
    res = AnalysisResult(out)
    tax = load_taxonomy()
    names = {d.code: d.name for d in tax.domains}
    units = select_units(content_units(units), years=years)
    say(f"trends: domain shares of {len(units)} paragraphs by year, {n_boot} bootstrap resamples")
    wide = domain_by_year(units)
    res.tables["domain_by_year"] = wide
    res.tables["domain_by_year_chars"] = domain_by_year(units, measure="char_share")
    res.tables["domain_shares"] = domain_shares(units, "year", n_boot=n_boot, seed=seed)
    res.tables["domain_change"] = domain_change(units, periods=periods, n_boot=n_boot, seed=seed)
    for extra in by or []:
        res.tables[f"domain_shares_by_{extra}"] = domain_shares(units, ["year", extra], n_boot=n_boot, seed=seed)
    say("trends: regression of each domain's share on year and level (standard errors clustered by report)")
    res.tables["domain_effects"], res.tables["domain_curve"] = domain_regression(units)
    for name, df in res.tables.items():
        res.files[name] = out / f"{name}.csv"
        write_table(df, res.files[name])
    say("trends: plots")
    res.files["plot_core"] = plot_domain_shares_ci(res.tables["domain_shares"], list(tax.core),
                                                   out / "domain_trends_core.png", names=names)
    res.files["plot_all"] = plot_domain_trends(wide, tax.codes, out / "domain_trends_all.png", names=names)
    png, svg = plot_domain_small_multiples(res.tables["domain_shares"], tax.codes,
                                           [out / "domain_panels.png", out / "domain_panels.svg"], names=names,
                                           curve=res.tables["domain_curve"])
    res.files["plot_panels"], res.files["plot_panels_svg"] = png, svg
    res.summary = {"n_units": len(units), "n_docs": int(units["doc_id"].nunique()),
                   "years": [int(y) for y in wide["year"]] if len(wide) else [], "bootstrap": n_boot,
                   "seed": seed, "regression_controls": res.tables["domain_effects"].attrs.get("controls", [])}
    return res


def run_topics(units: pd.DataFrame, out_dir: str | Path, k: int | str = "auto", seed: int = 0,
               k_grid: tuple[int, ...] | None = None, passes: int = 5, period_width: int = 5,
               by: list[str] | None = None, say: Callable[[str], None] = _quiet, domains: list[str] | None = None,
               roles: list[str] | None = None, term_weight: str = "idf") -> AnalysisResult:
    """Fit LDA on content paragraphs (only those tagged with any of ``domains`` and in the section
    ``roles`` when given); write topics (words by probability and by relevance, labels),
    prevalence (per year, and per year and each column in ``by``), topic-domain relations, the
    dynamic view and a summary. ``say`` is told each step as it starts."""
    from nlp.analysis.plots import plot_topic_prevalence
    from nlp.analysis.topics import (
        TopicModel,
        dominant_domain,
        dynamic_topics,
        representative_units,
        topic_domains,
        topic_prevalence,
        year_bins,
    )

    out = Path(out_dir)
    res = AnalysisResult(out)
    units = select_units(content_units(units), domains=domains, roles=roles)
    if units.empty:
        raise ValueError("no paragraphs left for topics after the --domains/--role selection")
    small = len(units) < SMALL_CORPUS_UNITS
    grid = k_grid or ((3, 4, 5, 6) if small else (5, 8, 10, 12, 15, 20))
    model = TopicModel(k=k, k_grid=grid, seed=seed, passes=passes, no_below=2 if small else 5,
                       phrase_min_count=3 if small else 5, term_weight=term_weight)
    texts = list(units["text"])
    say(f"topics: fitting LDA on {len(texts)} paragraphs (k={k}, candidates {list(grid) if k == 'auto' else k})")
    doc_topic = model.fit_transform(texts)
    say(f"topics: k={model.k_}; prevalence, topic-domain relations and per-period models")
    res.tables["topics"] = model.top_words(12)
    res.tables["topic_words"] = model.relevant_words(12)
    labels = model.labels()
    res.tables["topic_labels"] = pd.DataFrame({"topic": range(model.k_),
                                               "label": [labels[f"topic_{t}"] for t in range(model.k_)]})
    if "year" in units.columns and units["year"].notna().any():
        res.tables["topic_by_year"] = topic_prevalence(doc_topic, units, "year")
        for extra in by or []:
            res.tables[f"topic_by_year_{extra}"] = topic_prevalence(doc_topic, units, ["year", extra])
    res.tables["representative_units"] = representative_units(doc_topic, units, n=3)
    if "labels" in units.columns:
        td = topic_domains(doc_topic, units, load_taxonomy().codes)
        res.tables["topic_domains"] = td
        res.tables["topic_dominant_domain"] = dominant_domain(td)
    years = units["year"].dropna().astype(int) if "year" in units.columns else pd.Series(dtype=int)
    if years.nunique() >= 2:
        bins = year_bins(years, period_width)
        if len(bins) >= 2:
            mask = units["year"].notna().to_numpy()
            res.tables["dynamic_topics"] = dynamic_topics(model, [t for t, m in zip(texts, mask, strict=True) if m],
                                                          list(years), bins, n=10)
    for name, df in res.tables.items():
        res.files[name] = out / f"{name}.csv"
        write_table(df, res.files[name])
    if "topic_by_year" in res.tables:
        res.files["plot_topics"] = plot_topic_prevalence(res.tables["topic_by_year"], out / "topic_by_year.png",
                                                         labels)
    res.summary = {**model.summary_dict(), "n_units": len(units), "period_width": period_width,
                   "selection": {"domains": domains or [], "roles": roles or []}}
    res.files["summary"] = out / "summary.json"
    write_text_atomic(res.files["summary"], json.dumps(res.summary, ensure_ascii=False, indent=2) + "\n")
    res.model = model
    return res


def run_analyze(paths: list[str], out_dir: str | Path, model_dir: str | Path | None = None, k: int | str = "auto",
                seed: int = 0, n_boot: int = 1000, say: Callable[[str], None] = _quiet,
                years: tuple[int, int] | None = None,
                periods: tuple[tuple[int, int], tuple[int, int]] | None = None,
                indicator_types: str | Path | None = None) -> tuple[AnalysisResult, list]:
    """Ingest, tag, trends, topics, indicators and the self-contained HTML report, in one go;
    ``years`` restricts trends and topics to reports of that range, ``periods`` are the two
    periods the findings compare, ``indicator_types`` a file of indicator types of one's own
    (``nlp.indicators.extract.rules_data``; a bad one raises ``ValueError`` before anything is
    read). ``say`` is told each step as it starts."""
    from nlp.analysis.report import write_report
    from nlp.indicators.extract import load_rules
    from nlp.ingest.pipeline import ingest
    from nlp.tagger.serialize import load_model

    rules = load_rules(indicator_types)
    out = Path(out_dir)
    say("reading and structuring the reports")
    ing = ingest(paths, exclude=[out])  # never the run's own outputs (report.html) read back as input
    if ing.documents.empty:
        return AnalysisResult(out), ing.errors
    model = load_model(model_dir)
    say(f"tagging {len(ing.units)} units of {len(ing.documents)} reports")
    tagged = tag_units(ing.units, model)
    write_table(tagged, out / "units_tagged.jsonl")
    write_table(ing.documents, out / "documents.csv")
    chosen = tagged if years is None else select_units(tagged, years=years)
    trends = run_trends(chosen, out / "trends", n_boot=n_boot, seed=seed, say=say, periods=periods)
    topics = run_topics(chosen, out / "topics", k=k, seed=seed, say=say)
    say("indicators: the numbers the reports state")
    from nlp.indicators.table import indicator_summary, indicators_by, panel, unit_indicators

    rows = unit_indicators(tagged, rules=rules)
    indicator_tables = {"indicators": rows, "indicator_panel": panel(rows),
                        "indicator_summary": indicator_summary(rows), "indicators_by_year": indicators_by(rows, "year"),
                        "indicators_by_level": indicators_by(rows, "level")}
    for name, df in indicator_tables.items():
        write_table(df, out / "indicators" / f"{name}.csv")
    res = AnalysisResult(out, {**trends.tables, **topics.tables, **indicator_tables, "documents": ing.documents},
                         {**trends.files, **topics.files})
    res.summary = {"trends": trends.summary, "topics": topics.summary,
                   "model": {key: model.card_.get(key)
                             for key in ("taxonomy_version", "data_hash", "created", "n_train")},
                   "inputs": [str(p) for p in paths], "n_errors": len(ing.errors)}
    say("writing report.html")
    res.files["report"] = write_report(res, tagged, model.card_, out / "report.html")
    return res, ing.errors
