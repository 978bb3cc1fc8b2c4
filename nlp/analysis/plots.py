"""PNG plots of domain and topic trends (matplotlib, headless ``Agg`` canvas).

Figures are built with ``matplotlib.figure.Figure`` on a ``FigureCanvasAgg`` rather than
through pyplot: no GUI backend is ever touched, the caller's global backend is left alone and
no figure registry has to be cleaned up.

Labels carry the Chinese domain names (and topic labels made of Chinese words) when a CJK font is
installed (Noto Sans CJK, WenQuanYi, Source Han, SimHei, PingFang, Microsoft YaHei, ...); without
one matplotlib would draw empty boxes, so the labels fall back to the domain codes and topic
numbers. The interactive figures of the report (``nlp.analysis.interactive``) are drawn by the
browser and always show the Chinese names. Files are written atomically (temporary file in the
target folder, then ``os.replace``) so an interrupted run never leaves a truncated PNG that
looks valid.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from nlp.analysis.trends import fill_years

CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
             "SimHei", "Microsoft YaHei", "PingFang SC", "Heiti SC", "Droid Sans Fallback", "AR PL UMing CN")


CJK_FILES = re.compile(r"(?i)wqy|notosanscjk|notoserifcjk|sourcehan|simhei|msyh|droidsansfallback|uming|ukai")


@functools.cache
def cjk_font() -> str | None:
    """The first installed font of ``CJK_FONTS`` that matplotlib can use, or None."""
    from matplotlib import font_manager

    def first() -> str | None:
        installed = {f.name for f in font_manager.fontManager.ttflist}
        return next((name for name in CJK_FONTS if name in installed), None)

    found = first()
    if found is None:  # matplotlib's font cache predates a font installed since: look on disk once
        for path in font_manager.findSystemFonts():
            if CJK_FILES.search(Path(path).name):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    continue
        found = first()
    return found


def domain_label(code: str, names: Mapping[str, str] | None = None) -> str:
    """``法律援助 legal_aid`` when a CJK font can draw it, else the code alone."""
    name = (names or {}).get(code)
    return f"{name} {code}" if name and cjk_font() else code


def _figure(figsize: tuple[float, float]) -> Figure:
    """A figure on its own Agg canvas (no pyplot, no GUI backend)."""
    fig = Figure(figsize=figsize)
    FigureCanvasAgg(fig)
    return fig


def _cjk_fonts(plot):
    """Run ``plot`` with the CJK font first in the sans-serif list: fonts are looked up whenever
    text is laid out (tight_layout, savefig), so the whole plotting call runs in the context."""

    @functools.wraps(plot)
    def wrapper(*args, **kwargs):
        import matplotlib

        font = cjk_font()
        rc = {"font.sans-serif": [font, *matplotlib.rcParams["font.sans-serif"]]} if font else {}
        with matplotlib.rc_context({**rc, "svg.fonttype": "none"}):  # SVG text stays text (editable)
            return plot(*args, **kwargs)

    return wrapper


def _save_atomic(fig: Figure, path: str | Path, fmt: str = "png") -> Path:
    """Save ``fig`` as ``fmt`` (png, svg) to ``path`` atomically (``nlp.tables.atomic_path``)."""
    from nlp.tables import atomic_path

    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=fmt, dpi=120, bbox_inches="tight")
    return Path(path)


def _lines(df: pd.DataFrame, columns: Sequence[str], x: str, title: str, ylabel: str, path: str | Path,
           labels: Mapping[str, str] | None = None) -> Path:
    fig = _figure((9, 5))
    ax = fig.add_subplot()
    data = fill_years(df, x)
    for col in columns:
        ax.plot(data[x].astype(float), data[col].astype(float), marker="o", markersize=3,
                label=(labels or {}).get(col, str(col)))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # years, not 2019.25
    ax.set_xlabel(x)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    return _save_atomic(fig, path)


@_cjk_fonts
def plot_domain_trends(wide_df: pd.DataFrame, codes: Sequence[str], path: str | Path,
                       names: Mapping[str, str] | None = None) -> Path:
    """One line per domain over years, from ``nlp.analysis.trends.domain_by_year`` output; returns ``path``.
    ``names``: code → Chinese name, shown when a CJK font is installed."""
    missing = [c for c in [*codes, "year"] if c not in wide_df.columns]
    if missing:
        raise KeyError(f"columns missing from the domain table: {missing}")
    measure = wide_df.attrs.get("measure", "share")
    labels = {c: domain_label(c, names) for c in codes}
    return _lines(wide_df, list(codes), "year", "Domain emphasis by year", measure, path, labels)


@_cjk_fonts
def plot_topic_prevalence(df: pd.DataFrame, path: str | Path, labels: Mapping[str, str] | None = None) -> Path:
    """One line per topic (``topic_*`` columns) over ``year``, from ``nlp.analysis.topics.topic_prevalence``.
    ``labels``: ``topic_i`` → a label made of the topic's words, used when a CJK font is installed."""
    topics = [c for c in df.columns if str(c).startswith("topic_")]
    if "year" not in df.columns or not topics:
        raise KeyError("expected a 'year' column and topic_* columns")
    shown = {t: f"{t}: {labels[t]}" for t in topics if labels and t in labels} if cjk_font() else {}
    return _lines(df, topics, "year", "Topic prevalence by year", "mean topic weight", path, shown)


@_cjk_fonts
def plot_domain_shares_ci(shares: pd.DataFrame, codes: Sequence[str], path: str | Path,
                          title: str = "Core domains by year (95% bootstrap interval)",
                          names: Mapping[str, str] | None = None) -> Path:
    """Lines with interval bands, from ``nlp.analysis.trends.domain_shares`` (long) output.

    A bar panel underneath shows the number of reports behind each year, so thin years show.
    """
    fig = _figure((9, 6))
    ax, bars = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [4, 1]})
    for code in codes:
        d = fill_years(shares[shares["domain"] == code])
        x = d["year"].astype(float)
        ax.plot(x, d["unit_share"], marker="o", markersize=3, label=domain_label(code, names))
        if d["unit_share_lo"].notna().any():
            ax.fill_between(x, d["unit_share_lo"], d["unit_share_hi"], alpha=0.15)
    _reports_bars(bars, shares)
    ax.set_ylabel("share of paragraphs")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    return _save_atomic(fig, path)


def _reports_bars(ax, shares: pd.DataFrame) -> None:
    """Bars of the number of reports behind each year (thin years show)."""
    years = shares.drop_duplicates("year").sort_values("year")
    ax.bar(years["year"].astype(float), years["n_docs"], color="grey", width=0.6)
    ax.set_ylabel("reports")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("year")


@_cjk_fonts
def plot_domain_small_multiples(shares: pd.DataFrame, codes: Sequence[str], paths: Sequence[str | Path],
                                names: Mapping[str, str] | None = None, curve: pd.DataFrame | None = None,
                                ncols: int = 2) -> list[Path]:
    """One panel per domain: the yearly share (points), its 95% band where a year has at least 3
    reports, years with fewer reports as open circles, and the regression curve
    (``nlp.analysis.regression``) dashed when given. Each panel has its own y scale: a rare
    domain's trend is not flattened by a frequent one. Saved to each of ``paths`` (format from
    the suffix: .png for screens, .svg for papers)."""
    n = len(codes)
    nrows = max(1, -(-n // ncols))
    fig = _figure((4.6 * ncols, 2.2 * nrows + 0.4))
    axes = fig.subplots(nrows, ncols, sharex=True, squeeze=False).ravel()
    for ax, code in zip(axes, codes, strict=False):
        d = fill_years(shares[shares["domain"] == code])
        x = d["year"].astype(float)
        thin = d["unit_share_lo"].isna() & d["unit_share"].notna()
        ax.plot(x, d["unit_share"], color="C0", linewidth=1)
        ax.plot(x[~thin], d["unit_share"][~thin], "o", color="C0", markersize=2.5)
        ax.plot(x[thin], d["unit_share"][thin], "o", mfc="white", color="C0", markersize=3)
        ax.fill_between(x, d["unit_share_lo"], d["unit_share_hi"], color="C0", alpha=0.18, linewidth=0)
        if curve is not None and not curve.empty:
            c = curve[curve["domain"] == code]
            ax.plot(c["year"].astype(float), c["fitted"], "--", color="C3", linewidth=1)
        ax.set_ylim(bottom=0)
        ax.set_title(domain_label(code, names), fontsize=9)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
    for ax in axes[n:]:
        ax.set_visible(False)
    fig.suptitle("Share of paragraphs per domain — band: 95% interval (≥3 reports); open circle: "
                 "fewer reports; dashed: regression curve", fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    return [_save_atomic(fig, p, Path(p).suffix.lstrip(".").lower() or "png") for p in paths]
