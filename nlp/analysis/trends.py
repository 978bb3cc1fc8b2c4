"""Domain emphasis over time: how much of the reports' text goes to each work domain.

Input is the unit table of ``nlp.ingest.pipeline`` with a ``labels`` column added by the tagger (a list
of domain codes per unit; an empty list or None means "no domain"). A unit may carry several
domains, so shares of different domains do not sum to one.

Two measures, because they answer different questions:
    unit_share  share of units (paragraphs or items) tagged with the domain — "how often is it
                mentioned";
    char_share  share of characters (``len(text)``) in units tagged with it — "how much room it
                gets", which is less sensitive to how finely a report is broken into paragraphs.

Confidence intervals resample *documents* within a group (a cluster bootstrap): the units of one
report share an author, a template and a year, so resampling units would treat them as
independent and give intervals that are far too narrow.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

LABELS_COLUMN = "labels"


def _as_codes(value: object) -> frozenset[str]:
    """One unit's labels as a set; tolerate None/NaN, strings ("a;b") and arrays (from parquet)."""
    if value is None:
        return frozenset()
    if isinstance(value, str):
        return frozenset(p.strip() for p in value.replace("|", ";").replace(",", ";").split(";") if p.strip())
    if isinstance(value, float) and np.isnan(value):
        return frozenset()
    return frozenset(str(v) for v in value)  # type: ignore[union-attr]


def default_codes(codes: Sequence[str] | None) -> list[str]:
    """``codes`` as a list, or every taxonomy code when None."""
    if codes is not None:
        return list(codes)
    from nlp.taxonomy import load_taxonomy

    return load_taxonomy().codes


def label_matrix(units: pd.DataFrame, codes: Sequence[str]) -> np.ndarray:
    """Boolean matrix units x codes: unit i is tagged with code j."""
    if LABELS_COLUMN not in units.columns:
        raise KeyError(f"units need a {LABELS_COLUMN!r} column (list of domain codes per unit)")
    sets = [_as_codes(v) for v in units[LABELS_COLUMN].tolist()]
    return np.array([[c in s for c in codes] for s in sets], dtype=bool).reshape(len(sets), len(codes))


def _drop_ungrouped(units: pd.DataFrame, by: list[str]) -> tuple[pd.DataFrame, int, int]:
    """Drop units whose group value is missing; return (kept, dropped without year, dropped total)."""
    missing = units[by].isna().any(axis=1)
    no_year = int(units["year"].isna().sum()) if "year" in by else 0
    return units.loc[~missing], no_year, int(missing.sum())


def _bootstrap_unit_share(doc_units: np.ndarray, doc_tagged: np.ndarray, n_boot: int,
                          rng: np.random.Generator, ci: float) -> tuple[np.ndarray, np.ndarray]:
    """Percentile CI of unit shares, resampling documents with replacement.

    ``doc_units``: units per document (n_docs,); ``doc_tagged``: tagged units per document and
    code (n_docs, n_codes). A multinomial draw gives how often each document is picked in each
    replicate, so all replicates are computed with two matrix products.
    """
    n_docs, n_codes = doc_tagged.shape
    if n_boot <= 0 or n_docs == 0:
        nan = np.full(n_codes, np.nan)
        return nan, nan.copy()
    counts = rng.multinomial(n_docs, np.full(n_docs, 1.0 / n_docs), size=n_boot)  # (n_boot, n_docs)
    tot = counts @ doc_units
    tagged = counts @ doc_tagged
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = tagged / tot[:, None]
    alpha = (1.0 - ci) / 2.0
    lo, hi = np.nanquantile(shares, [alpha, 1.0 - alpha], axis=0)
    return lo, hi


def domain_shares(units: pd.DataFrame, by: str | list[str] = "year", codes: Sequence[str] | None = None,
                  n_boot: int = 1000, seed: int = 0, ci: float = 0.95) -> pd.DataFrame:
    """Share of units and of characters tagged with each domain, per group, with bootstrap CIs.

    Returns a long table, one row per (group, domain), sorted by group then taxonomy order:
        <by columns>    the group (e.g. ``year``)
        domain          the domain code
        unit_share      tagged units / units in the group
        char_share      characters in tagged units / characters in the group (``len(text)``)
        unit_share_lo,  percentile bootstrap interval (level ``ci``) of ``unit_share``,
        unit_share_hi   resampling documents (``doc_id``) within the group; NaN when n_boot=0
                        or the group has fewer than ``MIN_DOCS_FOR_INTERVAL`` (3) reports: one
                        report gives a zero-width interval and two only three resamples
        n_units, n_docs, n_chars   size of the group (the same on every domain row)

    Units with a missing group value are dropped; ``attrs["dropped_no_year"]`` counts those
    without a year (when grouping by year), ``attrs["dropped_no_group"]`` all dropped units.
    One seeded ``numpy.random.Generator`` drives every group, so results are reproducible.
    """
    by_cols = [by] if isinstance(by, str) else list(by)
    codes = default_codes(codes)
    kept, no_year, dropped = _drop_ungrouped(units, by_cols)
    rng = np.random.default_rng(seed)
    frames = [_group_rows(key, grp, by_cols, codes, n_boot, rng, ci)
              for key, grp in kept.groupby(by_cols, sort=True, dropna=True)]
    cols = [*by_cols, "domain", "unit_share", "char_share", "unit_share_lo", "unit_share_hi",
            "n_units", "n_docs", "n_chars"]
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)
    out = out[cols]
    out.attrs["dropped_no_year"] = no_year
    out.attrs["dropped_no_group"] = dropped
    out.attrs["n_boot"] = n_boot
    out.attrs["ci"] = ci
    return out


def _group_rows(key: object, grp: pd.DataFrame, by_cols: list[str], codes: list[str], n_boot: int,
                rng: np.random.Generator, ci: float) -> pd.DataFrame:
    """The rows of ``domain_shares`` for one group."""
    tagged = label_matrix(grp, codes)
    chars = grp["text"].fillna("").astype(str).str.len().to_numpy(dtype=float)
    n_units, n_chars = len(grp), float(chars.sum())
    unit_share = tagged.sum(axis=0) / n_units
    char_share = (chars @ tagged) / n_chars if n_chars > 0 else np.full(len(codes), np.nan)
    doc_codes, doc_index = pd.factorize(grp["doc_id"])
    n_docs = len(doc_index)
    doc_units = np.bincount(doc_codes, minlength=n_docs).astype(float)
    doc_tagged = np.zeros((n_docs, len(codes)))
    np.add.at(doc_tagged, doc_codes, tagged.astype(float))
    lo, hi = _bootstrap_unit_share(doc_units, doc_tagged, n_boot, rng, ci)
    if n_docs < MIN_DOCS_FOR_INTERVAL:  # one report gives a zero-width "interval", two give three resamples
        lo, hi = np.full(len(codes), np.nan), np.full(len(codes), np.nan)
    keys = key if isinstance(key, tuple) else (key,)
    rows = {c: [k] * len(codes) for c, k in zip(by_cols, keys, strict=True)}
    rows.update(domain=codes, unit_share=unit_share, char_share=char_share, unit_share_lo=lo,
                unit_share_hi=hi, n_units=n_units, n_docs=n_docs, n_chars=int(n_chars))
    return pd.DataFrame(rows)


MIN_DOCS_FOR_INTERVAL = 3


def domain_change(units: pd.DataFrame, periods: Sequence[tuple[int, int]] | None = None,
                  codes: Sequence[str] | None = None, n_boot: int = 1000, seed: int = 0,
                  ci: float = 0.95) -> pd.DataFrame:
    """How each domain's share of paragraphs changed between two periods, with an interval.

    ``periods``: ((first_lo, first_hi), (last_lo, last_hi)) inclusive years; by default the years
    with reports are split in two halves at the median report year. The interval resamples
    reports within each period (a cluster bootstrap: paragraphs of one report move together).
    Columns: domain, period_1, share_1, n_docs_1, period_2, share_2, n_docs_2, change,
    change_lo, change_hi, sure (the interval excludes 0). Empty when a period has no report.
    """
    codes = default_codes(codes)
    dated = units[units["year"].notna()]
    if dated.empty:
        return pd.DataFrame()
    years = dated.drop_duplicates("doc_id")["year"].astype(int)
    if periods is None:
        cut = int(np.median(years))
        lo_year, hi_year = int(years.min()), int(years.max())
        if lo_year == hi_year:
            return pd.DataFrame()
        cut = min(cut, hi_year - 1)
        periods = ((lo_year, cut), (cut + 1, hi_year))
    rng = np.random.default_rng(seed)
    sides = []
    for lo, hi in periods:
        part = dated[(dated["year"].astype(int) >= lo) & (dated["year"].astype(int) <= hi)]
        doc_codes, doc_index = pd.factorize(part["doc_id"])
        n_docs = len(doc_index)
        if n_docs == 0:
            return pd.DataFrame()
        doc_units = np.bincount(doc_codes, minlength=n_docs).astype(float)
        doc_tagged = np.zeros((n_docs, len(codes)))
        np.add.at(doc_tagged, doc_codes, label_matrix(part, codes).astype(float))
        share = doc_tagged.sum(axis=0) / doc_units.sum()
        counts = rng.multinomial(n_docs, np.full(n_docs, 1.0 / n_docs), size=n_boot)
        with np.errstate(invalid="ignore", divide="ignore"):
            boot = (counts @ doc_tagged) / (counts @ doc_units)[:, None]
        sides.append((str(lo) if lo == hi else f"{lo}–{hi}", share, n_docs, boot))
    (p1, s1, n1, b1), (p2, s2, n2, b2) = sides
    alpha = (1.0 - ci) / 2.0
    diff = b2 - b1
    lo_d, hi_d = np.nanquantile(diff, [alpha, 1.0 - alpha], axis=0)
    out = pd.DataFrame({"domain": codes, "period_1": p1, "share_1": s1, "n_docs_1": n1, "period_2": p2,
                        "share_2": s2, "n_docs_2": n2, "change": s2 - s1, "change_lo": lo_d, "change_hi": hi_d})
    enough = min(n1, n2) >= MIN_DOCS_FOR_INTERVAL
    out["sure"] = enough & ((out["change_lo"] > 0) | (out["change_hi"] < 0))
    if not enough:
        out[["change_lo", "change_hi"]] = np.nan
    return out


def domain_by_year(units: pd.DataFrame, codes: Sequence[str] | None = None,
                   measure: str = "unit_share") -> pd.DataFrame:
    """Wide year x domain table (the content of ``domain_by_year.csv``).

    Columns: ``year``, one column per domain code (taxonomy order) holding ``measure``
    (``unit_share`` or ``char_share``), then ``n_docs`` and ``n_units`` so a reader can see
    which years rest on few reports. Rows sorted by year. No bootstrap is run (use
    ``domain_shares`` for intervals). ``attrs["dropped_no_year"]`` counts units without a year.
    """
    if measure not in ("unit_share", "char_share"):
        raise ValueError(f"measure must be 'unit_share' or 'char_share', not {measure!r}")
    codes = default_codes(codes)
    long = domain_shares(units, by="year", codes=codes, n_boot=0)
    wide = long.pivot(index="year", columns="domain", values=measure).reindex(columns=codes)
    sizes = long.groupby("year")[["n_docs", "n_units"]].first()
    out = wide.join(sizes).sort_index().reset_index()
    out.columns.name = None
    out = out[["year", *codes, "n_docs", "n_units"]]
    out.attrs["dropped_no_year"] = long.attrs["dropped_no_year"]
    out.attrs["measure"] = measure
    return out


def fill_years(df: pd.DataFrame, x: str = "year") -> pd.DataFrame:
    """``df`` with a row (of NaN) for every missing year between its first and last, so a line
    drawn from it breaks where there is no data instead of bridging the gap."""
    if df.empty or x != "year":
        return df.sort_values(x)
    years = df[x].astype(int)
    full = pd.DataFrame({x: range(int(years.min()), int(years.max()) + 1)})
    return full.merge(df.assign(**{x: years}), on=x, how="left")


def core_codes() -> list[str]:
    """The four core domain codes (for plots and summaries that focus on them)."""
    from nlp.taxonomy import load_taxonomy

    return list(load_taxonomy().core)


__all__ = ["core_codes", "domain_by_year", "domain_change", "domain_shares", "fill_years"]
