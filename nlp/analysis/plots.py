"""PNG plots of domain and topic trends (matplotlib, headless ``Agg`` canvas).

Figures are built with ``matplotlib.figure.Figure`` on a ``FigureCanvasAgg`` rather than
through pyplot: no GUI backend is ever touched, the caller's global backend is left alone and
no figure registry has to be cleaned up.

Legends use domain codes and ``topic_i`` labels, not Chinese names: a CJK font is often
missing on servers and CI machines, and matplotlib would draw empty boxes. Files are written
atomically (temporary file in the target folder, then ``os.replace``) so an interrupted run
never leaves a truncated PNG that looks valid.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator


def _save_atomic(fig: Figure, path: str | Path) -> Path:
    """Save ``fig`` as PNG to ``path`` atomically (``nlp.tables.atomic_path``)."""
    from nlp.tables import atomic_path

    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=120, bbox_inches="tight")
    return Path(path)


def _every_year(df: pd.DataFrame, x: str = "year") -> pd.DataFrame:
    """``df`` with a row (of NaN) for every missing year between its first and last, so a line
    breaks where there is no data instead of bridging the gap."""
    if df.empty or x != "year":
        return df.sort_values(x)
    years = df[x].astype(int)
    full = pd.DataFrame({x: range(int(years.min()), int(years.max()) + 1)})
    return full.merge(df.assign(**{x: years}), on=x, how="left")


def _lines(df: pd.DataFrame, columns: Sequence[str], x: str, title: str, ylabel: str, path: str | Path) -> Path:
    fig = Figure(figsize=(9, 5))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    data = _every_year(df, x)
    for col in columns:
        ax.plot(data[x].astype(float), data[col].astype(float), marker="o", markersize=3, label=str(col))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # years, not 2019.25
    ax.set_xlabel(x)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    return _save_atomic(fig, path)


def plot_domain_trends(wide_df: pd.DataFrame, codes: Sequence[str], path: str | Path) -> Path:
    """One line per domain over years, from ``nlp.analysis.trends.domain_by_year`` output; returns ``path``."""
    missing = [c for c in [*codes, "year"] if c not in wide_df.columns]
    if missing:
        raise KeyError(f"columns missing from the domain table: {missing}")
    measure = wide_df.attrs.get("measure", "share")
    return _lines(wide_df, list(codes), "year", "Domain emphasis by year", measure, path)


def plot_topic_prevalence(df: pd.DataFrame, path: str | Path) -> Path:
    """One line per topic (``topic_*`` columns) over ``year``, from ``nlp.analysis.topics.topic_prevalence``."""
    topics = [c for c in df.columns if str(c).startswith("topic_")]
    if "year" not in df.columns or not topics:
        raise KeyError("expected a 'year' column and topic_* columns")
    return _lines(df, topics, "year", "Topic prevalence by year", "mean topic weight", path)


def plot_domain_shares_ci(shares: pd.DataFrame, codes: Sequence[str], path: str | Path,
                          title: str = "Core domains by year (95% bootstrap interval)") -> Path:
    """Lines with interval bands, from ``nlp.analysis.trends.domain_shares`` (long) output.

    A bar panel underneath shows the number of reports behind each year, so thin years show.
    """
    fig = Figure(figsize=(9, 6))
    FigureCanvasAgg(fig)
    ax, bars = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [4, 1]})
    for code in codes:
        d = _every_year(shares[shares["domain"] == code])
        x = d["year"].astype(float)
        ax.plot(x, d["unit_share"], marker="o", markersize=3, label=code)
        if d["unit_share_lo"].notna().any():
            ax.fill_between(x, d["unit_share_lo"], d["unit_share_hi"], alpha=0.15)
    years = shares.drop_duplicates("year").sort_values("year")
    bars.bar(years["year"].astype(float), years["n_docs"], color="grey", width=0.6)
    bars.set_ylabel("reports")
    bars.xaxis.set_major_locator(MaxNLocator(integer=True))
    bars.set_xlabel("year")
    ax.set_ylabel("share of paragraphs")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    return _save_atomic(fig, path)
