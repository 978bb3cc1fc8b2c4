"""One self-contained HTML report: written findings first, interactive figures, tables that fit
the page, the tagger's metrics by genre with their caveats, and the method.

The file opens offline and can be mailed on: plotly.js is inlined once (``nlp.analysis.interactive``),
PNG plots are data URIs, and nothing is fetched from elsewhere (no external script, style or font).
Static PNG/SVG versions of the figures for papers sit beside it in ``trends/``.
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path

import pandas as pd

from nlp.analysis.topics import over_represented
from nlp.tables import write_text_atomic
from nlp.taxonomy import load_taxonomy

CSS = """body{font-family:-apple-system,'Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif;
max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.5}
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
.wide{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;font-size:.8em;margin:.5em 0}td,th{border:1px solid #ddd;padding:2px 5px}
td{overflow-wrap:anywhere}td:first-child{white-space:nowrap}th{background:#f3f3f3;font-weight:600}img{max-width:100%}
.note{color:#555;font-size:.9em}code{background:#f5f5f5;overflow-wrap:anywhere}
.caveat{background:#fff8e5;border-left:4px solid #e0b000;padding:.4em .8em}
.summary{background:#f4f8fc;border-left:4px solid #1f77b4;padding:.4em .8em}"""


def _table(df: pd.DataFrame | None, max_rows: int = 60, floatfmt: str = "{:.3f}") -> str:
    if df is None or df.empty:
        return "<p class='note'>(nothing to show)</p>"
    shown = df.head(max_rows)
    more = f"<p class='note'>{len(df) - max_rows} more rows in the CSV file.</p>" if len(df) > max_rows else ""
    table = shown.to_html(index=False, float_format=floatfmt.format, border=0, escape=True, na_rep="—")
    return f"<div class='wide'>{table}</div>{more}"


def _topic_table(res, names: dict[str, str]) -> pd.DataFrame:
    """Topic, its label, its most relevant words, and what it is in domains: the share of it in
    paragraphs with no domain, the main domain only when at least a quarter of the topic lies in
    it, and the domains over-represented in it (lift above 1 only)."""
    words = res.tables.get("topic_words")
    if words is None:
        return pd.DataFrame()
    top = words.sort_values(["topic", "rank"]).groupby("topic")["word"].apply(lambda s: " ".join(s.head(10)))
    out = pd.DataFrame({"topic": top.index, "top words (relevance λ=0.6)": top.values})
    labels = res.tables.get("topic_labels")
    if labels is not None:
        out.insert(1, "label", out["topic"].map(labels.set_index("topic")["label"]))
    dom = res.tables.get("topic_dominant_domain")
    if dom is not None and not dom.empty:
        d = dom.set_index("topic")
        out["no-domain share"] = out["topic"].map(d["no_domain_share"]).map("{:.0%}".format)
        out["main domain (≥25% of the topic)"] = out["topic"].map(
            lambda t: f"{names.get(d.loc[t, 'domain'], d.loc[t, 'domain'])} {d.loc[t, 'share']:.0%}"
            if pd.notna(d.loc[t, "domain"]) else "—")
    td = res.tables.get("topic_domains")
    if td is not None and not td.empty:
        by_topic = dict(tuple(td.groupby("topic")))
        out["over-represented (lift > 1)"] = out["topic"].map(
            lambda t: "; ".join(f"{names.get(c, c)} ×{v:.1f}" for c, v in over_represented(by_topic[t])) or "—")
    return out


def _named(df: pd.DataFrame | None, names: dict[str, str]) -> pd.DataFrame | None:
    """A table's domain codes with their Chinese names beside them."""
    if df is None or df.empty or "domain" not in df.columns:
        return df
    return df.assign(domain=df["domain"].map(lambda c: f"{c} {names.get(c, '')}".strip() if c else "—"))


def _findings(change: pd.DataFrame | None, effects: pd.DataFrame | None, names: dict[str, str],
              core: list[str]) -> str:
    """The written summary: each core domain's change between the two periods, how sure, on how
    many reports; then any other domain whose change is sure; then the per-decade trend of the
    regression with its clustered interval."""
    if change is None or change.empty:
        return "<p class='note'>Too few dated reports to compare periods.</p>"
    first = change.iloc[0]
    intro = (f"<p>Share of content paragraphs about each domain, {html.escape(str(first['period_1']))} "
             f"({int(first['n_docs_1'])} reports) against {html.escape(str(first['period_2']))} "
             f"({int(first['n_docs_2'])} reports); 95% intervals resample reports.</p><ul>")
    trend = _decade_trends(effects)
    items = []
    for row in change.itertuples():
        if row.domain not in core and not row.sure:
            continue
        verb = "rose" if row.change > 0 else "fell" if row.change < 0 else "stayed"
        interval = ("" if pd.isna(row.change_lo) else
                    f" [{row.change_lo * 100:+.1f}, {row.change_hi * 100:+.1f}]")
        sure = ("a change the interval confirms" if row.sure else
                "too few reports for an interval: not a finding" if pd.isna(row.change_lo) else
                "within what chance allows: not a finding")
        items.append(f"<li><b>{html.escape(names.get(row.domain, row.domain))}</b> ({row.domain}) {verb} from "
                     f"{row.share_1:.1%} to {row.share_2:.1%}: {row.change * 100:+.1f} points{interval}, {sure}."
                     f"{trend.get(row.domain, '')}</li>")
    return intro + "".join(items) + "</ul>"


def _decade_trends(effects: pd.DataFrame | None) -> dict[str, str]:
    """Per domain, a sentence on the regression's per-decade trend (controls named)."""
    if effects is None or effects.empty:
        return {}
    controls = effects.attrs.get("controls") or []
    held = f", holding {', '.join(controls)} fixed" if controls else ""
    out = {}
    for row in effects[effects["term"] == "per decade"].itertuples():
        sure = "clearly" if row.ci_lo > 0 or row.ci_hi < 0 else "not clearly"
        out[row.domain] = (f" Regression trend{held}: {row.estimate * 100:+.2f} points per decade "
                           f"[{row.ci_lo * 100:+.2f}, {row.ci_hi * 100:+.2f}], {sure} different from no trend.")
    return out


def _genre_title(docs: pd.DataFrame) -> str:
    """The report's title by what it read: 政府工作报告 input is not called a 法治政府建设 analysis."""
    types = docs["doc_type"].value_counts() if "doc_type" in docs.columns else pd.Series(dtype=int)
    if len(types) and types.index[0] == "gov_work_report" and types.iloc[0] > len(docs) / 2:
        return "政府工作报告分析 · fazhi analysis of government work reports"
    return "法治政府建设报告分析 · fazhi analysis report"


GENRE_SETS = {"fazhi_report": ("in-genre paragraphs", "法治政府建设 reports"),
              "gov_work_report": ("work reports", "政府工作报告")}


def _genre_and_metrics(docs: pd.DataFrame, card: dict) -> str:
    """What was read, by genre, and how well the tagger does on that genre, with the caveats."""
    types = docs["doc_type"].value_counts() if "doc_type" in docs.columns else pd.Series(dtype=int)
    read = ", ".join(f"{n} {html.escape(str(t))}" for t, n in types.items()) or "no reports"
    metrics = pd.DataFrame(card.get("metrics", []))
    rows = []
    if not metrics.empty:
        for set_name, grp in metrics.groupby("set", sort=False):
            f1 = grp.set_index("domain")["f1"]
            kw = grp.set_index("domain").get("keywords_f1", pd.Series(dtype=float))
            rows.append({"evaluation set": set_name, "micro-F1": f1.get("micro"),
                         "macro-F1 core four": f1.get("macro_core4"), "macro-F1 all ten": f1.get("macro_all"),
                         "keyword rules micro-F1": kw.get("micro"), "labeled units": int(grp["support"].max())})
    main = types.index[0] if len(types) else None
    which = GENRE_SETS.get(str(main), ("", "other documents"))
    return (f"<p>Read: {read}. The tagger's quality differs by genre; the row that applies to most of this "
            f"input is <b>{html.escape(which[0] or 'none: the tagger was not evaluated on this genre')}</b>.</p>"
            + _table(pd.DataFrame(rows), floatfmt="{:.3f}")
            + "<p class='caveat'>Caveats: these are cross-validated scores (folds grouped by report) on the "
            "project's own labels, not on your reports. 法治政府建设 reports are labeled on 121 report "
            "excerpts only, so their figures carry several points of uncertainty; on unseen reports of "
            "that genre expect lower figures than on work reports. A domain share is the share of "
            "paragraphs the tagger labels, so its errors move the shares: read small differences with "
            "care, and compare places or years within one genre only.</p>")


def _regression_table(effects: pd.DataFrame | None, names: dict[str, str]) -> str:
    """One row per domain, one column per term: "estimate [interval]" in share points, * when the
    interval excludes 0 (the long table with standard errors and p-values is domain_effects.csv)."""
    if effects is None or effects.empty:
        return "<p class='note'>Too few reports or years for the regression (at least 10 reports in 3 years).</p>"
    e = effects.assign(cell=[f"{est * 100:+.2f} [{lo * 100:+.2f}, {hi * 100:+.2f}]{'*' if lo > 0 or hi < 0 else ''}"
                             for est, lo, hi in zip(effects["estimate"], effects["ci_lo"], effects["ci_hi"],
                                                    strict=True)])
    wide = e.pivot(index="domain", columns="term", values="cell")
    terms = ["per decade", *sorted(t for t in wide.columns if t != "per decade")]
    wide = wide.reindex(index=list(dict.fromkeys(effects["domain"])), columns=terms)
    wide.index = [f"{names[c]} {c}" if c in names else c for c in wide.index]
    wide.columns.name = None
    n_docs = int(effects["n_docs"].iloc[0])
    return (_table(wide.rename_axis("domain").reset_index(), 20)
            + f"<p class='note'>Points of the share of paragraphs, 95% intervals clustered by report, "
              f"{n_docs} reports; * the interval excludes 0.</p>")


def _domain_year_table(wide: pd.DataFrame | None, names: dict[str, str], codes: list[str]) -> pd.DataFrame | None:
    """The year x domain table with short Chinese headers and percentages, so it fits the page."""
    if wide is None or wide.empty:
        return wide
    out = wide.copy()
    for c in codes:
        out[c] = out[c].map(lambda v: "" if pd.isna(v) else f"{v:.1%}")
    return out.rename(columns={c: names.get(c, c) for c in codes})


def _figures(res, names: dict[str, str], codes: list[str]) -> dict[str, str]:
    """The interactive figures as HTML fragments (plotly.js inlined in the first one)."""
    from nlp.analysis.interactive import domain_small_multiples, figures_html, topics_over_time

    figs = {}
    shares = res.tables.get("domain_shares")
    if shares is not None and not shares.empty:
        figs["domains"] = domain_small_multiples(shares, codes, names, res.tables.get("domain_curve"))
    prevalence, labels = res.tables.get("topic_by_year"), res.tables.get("topic_labels")
    if prevalence is not None and not prevalence.empty and labels is not None:
        figs["topics"] = topics_over_time(prevalence, {f"topic_{t}": lab for t, lab in
                                                       zip(labels["topic"], labels["label"], strict=True)})
    return dict(zip(figs, figures_html(list(figs.values())), strict=True))


def _file_link(path: Path | None, report_dir: Path) -> str:
    if not path:
        return ""
    rel = Path(os.path.relpath(Path(path).resolve(), report_dir.resolve())).as_posix()
    return f"<a href='{html.escape(rel)}'>{html.escape(rel)}</a>"


def write_report(res, tagged: pd.DataFrame, card: dict, path: str | Path) -> Path:
    """Render the analysis report to ``path`` (atomic write)."""
    tax = load_taxonomy()
    names = {d.code: d.name for d in tax.domains}
    out = Path(path)
    topics = res.summary.get("topics", {})
    coh = topics.get("coherence", {})
    docs = res.tables.get("documents", pd.DataFrame())
    doc_cols = [c for c in ("doc_id", "year", "doc_type", "body", "region", "level", "n_paragraphs", "warnings")
                if c in docs.columns]
    label_counts = pd.Series([c for ls in tagged["labels"] for c in ls], dtype=object).value_counts()
    tag_table = pd.DataFrame({"domain": tax.codes, "名称": [names[c] for c in tax.codes],
                              "units tagged": [int(label_counts.get(c, 0)) for c in tax.codes]})
    figures = _figures(res, names, tax.codes)
    trends = res.summary.get("trends", {})
    params = topics.get("params", {})
    parts = [
        "<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>fazhi analysis report</title><style>{CSS}</style></head><body>",
        f"<h1>{_genre_title(docs)}</h1>",
        f"<p class='note'>Inputs: {html.escape(', '.join(res.summary.get('inputs', [])))} — "
        f"{len(docs)} reports, {trends.get('n_units', 0)} content paragraphs.</p>",
        "<h2>Findings</h2><div class='summary'>",
        _findings(res.tables.get("domain_change"), res.tables.get("domain_effects"), names, list(tax.core)),
        "</div>",
        "<h2>What was read, and how far to trust the tags</h2>", _genre_and_metrics(docs, card),
        "<h2>Work domains over the years</h2>",
        "<p>Share of content paragraphs tagged with each domain, per year (a paragraph may carry several "
        "domains), one panel per domain with its own scale. The band is a 95% interval that resamples "
        "reports; a year with fewer than 3 reports has none (open circle). Lines break at years without "
        "reports. The dashed line is the regression curve below. Hover a point for the year's number of "
        "reports, share and interval.</p>",
        figures.get("domains", ""),
        f"<p class='note'>For papers: {_file_link(res.files.get('plot_panels_svg'), out.parent)} (SVG), "
        f"{_file_link(res.files.get('plot_panels'), out.parent)} (PNG). Tables: "
        "<code>trends/domain_shares.csv</code> (intervals), <code>trends/domain_change.csv</code>, "
        "<code>trends/domain_effects.csv</code>, <code>trends/domain_curve.csv</code>.</p>",
        "<h3>Share per year (n_docs: reports behind the year)</h3>",
        _table(_domain_year_table(res.tables.get("domain_by_year"), names, tax.codes), 80),
        "<h3>Trend and level: regression with standard errors clustered by report</h3>",
        "<p>Linear probability model per domain: a paragraph's tag (0/1) on years since the first year "
        "(per decade) and on the level of government, standard errors clustered by report (statsmodels). "
        "Estimates are in percentage points of the share of paragraphs.</p>",
        _regression_table(res.tables.get("domain_effects"), names),
        "<h3>Units tagged per domain</h3>", _table(tag_table),
        "<h2>Topics</h2>",
        f"<p>LDA (gensim) with k = {topics.get('k')} (seed {topics.get('seed')}), term weighting "
        f"{html.escape(str(params.get('term_weight', 'one')))}; coherence c_v = "
        f"{coh.get('c_v', float('nan')):.3f} (window {coh.get('window', {}).get('c_v')}), NPMI = "
        f"{coh.get('c_npmi', float('nan')):.3f} (window {coh.get('window', {}).get('c_npmi')}), computed by "
        f"{html.escape(str(coh.get('implementation')))} over the top {coh.get('topn')} words. "
        f"c_v per k tried: {html.escape(json.dumps(coh.get('per_k', {})))}. Words are ranked by relevance "
        "(λ = 0.6, as in LDAvis), which demotes words frequent everywhere; each topic's label is its three "
        "most relevant words.</p>",
        _table(_topic_table(res, names)),
        figures.get("topics", ""),
        "<h3>Representative paragraphs</h3>", _table(res.tables.get("representative_units"), 45),
        "<h2>The numbers the reports state</h2>",
        "<p>Every quantity a report states (a number with a measure word) and what it measures, by the "
        "indicator types of <code>nlp/data/indicators.yaml</code>; per indicator the reports that state it "
        "and the spread of their values (stated levels only: changes and next year's targets are in the "
        "rows, not here). All rows, with each sentence, are in <code>indicators/indicators.csv</code>; one "
        "row per report in <code>indicators/indicator_panel.csv</code>.</p>",
        _table(_named(res.tables.get("indicator_summary"), names), 60, "{:,.1f}"),
        "<h3>Main indicators over the years (median of the reports' values; n = reports)</h3>",
        _table(res.tables.get("indicators_by_year"), 40, "{:,.1f}"),
        "<h3>Main indicators across levels of government (median of the reports' values; n = reports)</h3>",
        _table(res.tables.get("indicators_by_level"), 10, "{:,.1f}"),
        "<h2>Documents</h2>", _table(docs[doc_cols] if doc_cols else docs, 100),
        "<h2>Method and parameters</h2><ul>",
        "<li>Reading and cleaning: encodings detected; web-page furniture, inline pinyin removed; Traditional "
        "converted to Simplified (OpenCC); punctuation normalized.</li>",
        "<li>Units: paragraphs (headings and front matter excluded from trends and topics).</li>",
        f"<li>Tagger: one-vs-rest logistic regression heads on word n-gram TF-IDF (naive-Bayes weighted), "
        f"taxonomy and convention cue counts and mean word vectors; 法治政府建设 report units are read in "
        f"their document (heading path, role, genre; an enumerated paragraph with its items) by heads of "
        f"their own, work-report units with sentence pooling; calibrated, per-domain and per-genre "
        f"thresholds; taxonomy {html.escape(str(card.get('taxonomy_version')))}; trained "
        f"{html.escape(str(card.get('created')))} on {card.get('n_train')} labeled units "
        f"(data hash <code>{html.escape(str(card.get('data_hash', ''))[:16])}</code>).</li>",
        f"<li>Trends: cluster bootstrap over reports, {trends.get('bootstrap')} resamples, seed "
        f"{trends.get('seed')}; regression: OLS linear probability model, covariance clustered by report "
        f"(statsmodels), controls {html.escape(', '.join(trends.get('regression_controls', [])) or 'none')}, "
        "B-spline year curve with 4 degrees of freedom averaged over the sample's levels.</li>",
        f"<li>Topic model parameters: <code>{html.escape(json.dumps(params, ensure_ascii=False))}</code></li>",
        "</ul></body></html>",
    ]
    write_text_atomic(out, "\n".join(parts))
    return out
