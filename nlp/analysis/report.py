"""One self-contained HTML report: plots embedded as data URIs, tables inline, method stated.

The file opens offline and can be mailed on: no scripts, no external styles or fonts.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

import pandas as pd

from nlp.tables import write_text_atomic
from nlp.taxonomy import load_taxonomy

CSS = """body{font-family:-apple-system,'Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif;
max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.5}
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}td,th{border:1px solid #ddd;padding:3px 6px}
th{background:#f3f3f3}img{max-width:100%}.note{color:#555;font-size:.9em}code{background:#f5f5f5}"""


def _img(path: Path | None) -> str:
    if not path or not Path(path).is_file():
        return ""
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return f'<img alt="{html.escape(Path(path).name)}" src="data:image/png;base64,{data}">'


def _table(df: pd.DataFrame | None, max_rows: int = 60, floatfmt: str = "{:.3f}") -> str:
    if df is None or df.empty:
        return "<p class='note'>(nothing to show)</p>"
    shown = df.head(max_rows)
    more = f"<p class='note'>{len(df) - max_rows} more rows in the CSV file.</p>" if len(df) > max_rows else ""
    return shown.to_html(index=False, float_format=floatfmt.format, border=0, escape=True) + more


def _topic_table(res, codes_names: dict[str, str]) -> pd.DataFrame:
    words = res.tables.get("topics")
    if words is None:
        return pd.DataFrame()
    top = words.sort_values(["topic", "rank"]).groupby("topic")["word"].apply(lambda s: " ".join(s.head(10)))
    out = pd.DataFrame({"topic": top.index, "top words": top.values})
    dom = res.tables.get("topic_dominant_domain")
    if dom is not None and not dom.empty:
        d = dom.set_index("topic")

        def label(t: int) -> str:
            if t not in d.index or d.loc[t, "share"] <= 0:
                return "—"
            return f"{d.loc[t, 'domain']} ({codes_names.get(d.loc[t, 'domain'], '')})"

        out["main domain"] = out["topic"].map(label)
        out["share of its units"] = out["topic"].map(lambda t: d.loc[t, "share"] if t in d.index else 0.0)
        if "top_lift_domain" in d.columns:
            out["most over-represented domain (lift)"] = out["topic"].map(
                lambda t: f"{d.loc[t, 'top_lift_domain']} (×{d.loc[t, 'top_lift']:.1f})" if t in d.index else "—")
    return out


def _named(df: pd.DataFrame | None, names: dict[str, str]) -> pd.DataFrame | None:
    """A table's domain codes with their Chinese names beside them."""
    if df is None or df.empty or "domain" not in df.columns:
        return df
    return df.assign(domain=df["domain"].map(lambda c: f"{c} {names.get(c, '')}".strip() if c else "—"))


def _findings(change: pd.DataFrame | None, names: dict[str, str], core: list[str]) -> str:
    """The written summary: each core domain's change between the two periods, how sure, on how
    many reports; then any other domain whose change is sure."""
    if change is None or change.empty:
        return "<p class='note'>Too few dated reports to compare periods.</p>"
    first = change.iloc[0]
    intro = (f"<p>Share of content paragraphs about each domain, {html.escape(str(first['period_1']))} "
             f"({int(first['n_docs_1'])} reports) against {html.escape(str(first['period_2']))} "
             f"({int(first['n_docs_2'])} reports); 95% intervals resample reports.</p><ul>")
    items = []
    for row in change.itertuples():
        if row.domain not in core and not row.sure:
            continue
        verb = "rose" if row.change > 0 else "fell" if row.change < 0 else "stayed"
        interval = ("" if pd.isna(row.change_lo) else
                    f" [{row.change_lo * 100:+.1f}, {row.change_hi * 100:+.1f}]")
        sure = "a change the interval confirms" if row.sure else "within what chance allows: not a finding"
        items.append(f"<li><b>{html.escape(names.get(row.domain, row.domain))}</b> ({row.domain}) {verb} from "
                     f"{row.share_1:.1%} to {row.share_2:.1%}: {row.change * 100:+.1f} points{interval}, {sure}.</li>")
    return intro + "".join(items) + "</ul>"


def _genre_title(docs: pd.DataFrame) -> str:
    """The report's title by what it read: 政府工作报告 input is not called a 法治政府建设 analysis."""
    types = docs["doc_type"].value_counts() if "doc_type" in docs.columns else pd.Series(dtype=int)
    if len(types) and types.index[0] == "gov_work_report" and types.iloc[0] > len(docs) / 2:
        return "政府工作报告分析 · fazhi analysis of government work reports"
    return "法治政府建设报告分析 · fazhi analysis report"


def write_report(res, tagged: pd.DataFrame, card: dict, path: str | Path) -> Path:
    """Render the analysis report to ``path`` (atomic write)."""
    tax = load_taxonomy()
    names = {d.code: d.name for d in tax.domains}
    topics = res.summary.get("topics", {})
    coh = topics.get("coherence", {})
    docs = res.tables.get("documents", pd.DataFrame())
    doc_cols = [c for c in ("doc_id", "year", "doc_type", "body", "region", "level", "script", "n_paragraphs",
                            "warnings") if c in docs.columns]
    wide = res.tables.get("domain_by_year")
    label_counts = pd.Series([c for ls in tagged["labels"] for c in ls], dtype=object).value_counts()
    tag_table = pd.DataFrame({"domain": tax.codes, "名称": [names[c] for c in tax.codes],
                              "units tagged": [int(label_counts.get(c, 0)) for c in tax.codes]})
    metrics = pd.DataFrame(card.get("metrics", []))
    parts = [
        "<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>",
        f"<title>fazhi analysis report</title><style>{CSS}</style></head><body>",
        f"<h1>{_genre_title(docs)}</h1>",
        f"<p class='note'>Inputs: {html.escape(', '.join(res.summary.get('inputs', [])))} — "
        f"{len(docs)} reports, {res.summary.get('trends', {}).get('n_units', 0)} content paragraphs.</p>",
        "<h2>Findings</h2>", _findings(res.tables.get("domain_change"), names, list(tax.core)),
        "<h2>Documents</h2>", _table(docs[doc_cols] if doc_cols else docs, 100),
        "<h2>Work domains over the years</h2>",
        "<p>Share of content paragraphs tagged with each domain, per year (a paragraph may carry several "
        "domains). Core four domains first, then all ten. <code>n_docs</code> shows how many reports stand "
        "behind each year, so thin years are visible.</p>",
        _img(res.files.get("plot_core")), _img(res.files.get("plot_all")),
        _table(wide, 80),
        "<p class='note'>95% intervals (cluster bootstrap over documents) are in "
        "<code>trends/domain_shares.csv</code>; none is given for a year with fewer than 3 reports, and "
        "lines break at years without reports. The change between periods is in "
        "<code>trends/domain_change.csv</code>.</p>",
        "<h3>Units tagged per domain</h3>", _table(tag_table),
        "<h2>Topics</h2>",
        f"<p>LDA (gensim) with k = {topics.get('k')} (seed {topics.get('seed')}); coherence c_v = "
        f"{coh.get('c_v', float('nan')):.3f} (window {coh.get('window', {}).get('c_v')}), NPMI = "
        f"{coh.get('c_npmi', float('nan')):.3f} (window {coh.get('window', {}).get('c_npmi')}), computed by "
        f"{html.escape(str(coh.get('implementation')))} over the top {coh.get('topn')} words. "
        f"c_v per k tried: {html.escape(json.dumps(coh.get('per_k', {})))}.</p>",
        _table(_topic_table(res, names)),
        _img(res.files.get("plot_topics")),
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
        f"<li>Topic model parameters: <code>{html.escape(json.dumps(topics.get('params', {}), ensure_ascii=False))}"
        "</code></li>",
        f"<li>Trends: bootstrap resamples {res.summary.get('trends', {}).get('bootstrap')}, seed "
        f"{res.summary.get('trends', {}).get('seed')}.</li></ul>",
        "<h3>Tagger cross-validated metrics (grouped by document)</h3>", _table(metrics),
        "</body></html>",
    ]
    out = Path(path)
    write_text_atomic(out, "\n".join(parts))
    return out
