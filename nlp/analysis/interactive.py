"""Interactive figures for the HTML report (plotly, embedded offline).

Why plotly beside the PNG/SVG files: a reader of the report wants to hover a point and see what
stands behind it — the year's number of reports, the share and its interval — which a static
image cannot say. plotly.js is inlined once per report (``include_plotlyjs=True`` on the first
figure), so the file still opens offline and can be mailed on; the browser draws the Chinese
names with whatever CJK font the reader has, so there is no font problem as with matplotlib.

Every function returns a ``plotly.graph_objects.Figure``; ``figures_html`` turns a list of them
into the HTML fragments the report embeds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from nlp.analysis.trends import fill_years

BAND = "rgba(31,119,180,0.18)"
LINE = "rgb(31,119,180)"
CURVE = "rgb(214,39,40)"


def _interval_text(lo: float, hi: float) -> str:
    if pd.isna(lo):
        return "no interval (fewer than 3 reports)"
    return f"95% interval {lo:.1%} – {hi:.1%}"


def domain_small_multiples(shares: pd.DataFrame, codes: Sequence[str], names: Mapping[str, str],
                           curve: pd.DataFrame | None = None, ncols: int = 2):
    """One panel per domain: yearly share of paragraphs with its 95% band, years with fewer than
    3 reports as open circles, the regression curve dashed; hover gives year, n reports, share
    and interval. Lines break at years without reports (no bridging)."""
    from plotly.subplots import make_subplots

    nrows = max(1, -(-len(codes) // ncols))
    titles = [f"{names.get(c, c)} · {c}" for c in codes]
    fig = make_subplots(rows=nrows, cols=ncols, subplot_titles=titles, shared_xaxes=True,
                        vertical_spacing=min(0.08, 0.5 / nrows), horizontal_spacing=0.08)
    for i, code in enumerate(codes):
        row, col = i // ncols + 1, i % ncols + 1
        d = fill_years(shares[shares["domain"] == code])
        x = d["year"].astype(float).to_numpy()
        has_band = d["unit_share_lo"].notna().to_numpy()
        # the band: upper edge, then lower edge filled up to it; NaN years leave gaps
        fig.add_trace(_scatter(x, d["unit_share_hi"], line={"width": 0}, hoverinfo="skip", showlegend=False,
                               mode="lines"), row=row, col=col)
        fig.add_trace(_scatter(x, d["unit_share_lo"], line={"width": 0}, fill="tonexty", fillcolor=BAND,
                               hoverinfo="skip", showlegend=False, mode="lines"), row=row, col=col)
        hover = [f"{names.get(code, code)}<br>{int(y)}: {s:.1%} of paragraphs<br>{int(n)} reports<br>"
                 f"{_interval_text(lo, hi)}" if not pd.isna(s) else ""
                 for y, s, n, lo, hi in zip(x, d["unit_share"], d["n_docs"].fillna(0), d["unit_share_lo"],
                                            d["unit_share_hi"], strict=True)]
        symbols = np.where(has_band, "circle", "circle-open")
        fig.add_trace(_scatter(x, d["unit_share"], mode="lines+markers", line={"color": LINE, "width": 1.5},
                               marker={"size": 5, "symbol": list(symbols)}, hovertext=hover, hoverinfo="text",
                               name=names.get(code, code), showlegend=False), row=row, col=col)
        if curve is not None and not curve.empty:
            c = curve[curve["domain"] == code]
            chover = [f"regression curve {int(y)}: {f:.1%} [{lo:.1%}, {hi:.1%}]"
                      for y, f, lo, hi in zip(c["year"], c["fitted"], c["ci_lo"], c["ci_hi"], strict=True)]
            fig.add_trace(_scatter(c["year"].astype(float), c["fitted"], mode="lines",
                                   line={"color": CURVE, "width": 1, "dash": "dash"}, hovertext=chover,
                                   hoverinfo="text", showlegend=False), row=row, col=col)
        fig.update_yaxes(tickformat=".1%", row=row, col=col, rangemode="tozero")
    fig.update_layout(height=210 * nrows + 80, margin={"l": 50, "r": 20, "t": 60, "b": 40},
                      title={"text": "Share of paragraphs per domain (band: 95% interval; open circle: fewer than "
                                     "3 reports; dashed: regression curve)", "font": {"size": 13}},
                      hovermode="closest", template="plotly_white")
    fig.update_annotations(font_size=12)
    return fig


def topics_over_time(topic_by_year: pd.DataFrame, labels: Mapping[str, str]):
    """Mean topic weight per year, one line per topic, named by its label words; gaps not bridged."""
    import plotly.graph_objects as go

    topics = [c for c in topic_by_year.columns if str(c).startswith("topic_")]
    d = fill_years(topic_by_year)
    fig = go.Figure()
    for t in topics:
        name = f"{t.removeprefix('topic_')}: {labels.get(t, t)}"
        hover = [f"{name}<br>{int(y)}: mean weight {w:.3f}" if not pd.isna(w) else ""
                 for y, w in zip(d["year"], d[t], strict=True)]
        fig.add_trace(_scatter(d["year"].astype(float), d[t], mode="lines+markers", name=name, marker={"size": 4},
                               hovertext=hover, hoverinfo="text"))
    fig.update_layout(height=460, template="plotly_white",
                      title={"text": "Topics over the years", "font": {"size": 13}},
                      legend={"orientation": "h", "y": -0.18, "font": {"size": 11}},
                      margin={"l": 50, "r": 20, "t": 50, "b": 40}, yaxis_title="mean topic weight")
    return fig


def _scatter(x, y, **kwargs):
    import plotly.graph_objects as go

    return go.Scatter(x=np.asarray(x, dtype=float), y=np.asarray(pd.to_numeric(y), dtype=float), **kwargs)


def figures_html(figures: Sequence) -> list[str]:
    """HTML fragments for ``figures``: plotly.js inlined in the first, so the report works offline;
    fixed element ids (plotly's own are random), so the same run writes the same file."""
    config = {"displaylogo": False, "responsive": True,
              "toImageButtonOptions": {"format": "svg"}}  # the camera button saves SVG for papers
    return [fig.to_html(full_html=False, include_plotlyjs=(i == 0), config=config, div_id=f"figure-{i}")
            for i, fig in enumerate(figures)]


__all__ = ["domain_small_multiples", "figures_html", "topics_over_time"]
