"""The ``fazhi`` command. A thin layer: each command calls one public function of ``nlp``."""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path
from typing import Annotated

import typer

from nlp.errors import GenreHintWarning, ReadError, TableFormatError
from nlp.tables import sibling, table_format, write_table

app = typer.Typer(
    help="fazhi: read, clean, structure, tag and analyse rule-of-law government reports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """fazhi: read, clean, structure, tag and analyse rule-of-law government reports."""


_START = time.perf_counter()
PathsArg = Annotated[list[str], typer.Argument(help="Report files, folders (recursive) or globs.")]
GROUPINGS = ("region", "level", "province", "prefecture", "body", "doc_type")  # document columns for --by


def fail(message: str, code: int = 2) -> None:
    """Print a one-line user error and exit (never a traceback)."""
    typer.echo(f"fazhi: error: {message}", err=True)
    raise typer.Exit(code)


def say(message: str) -> None:
    """A step of a long command, on stderr with the seconds since the command started."""
    typer.echo(f"fazhi: {message} ({time.perf_counter() - _START:.0f} s)", err=True)


def report_errors(errors: list[ReadError]) -> None:
    for err in errors:
        typer.echo(f"fazhi: skipped {err.path}: {err.reason}", err=True)


def parse_granularity(granularity: str) -> tuple[str, ...]:
    levels = ("paragraph", "item") if granularity == "both" else (granularity,)
    if any(g not in ("paragraph", "item") for g in levels):
        fail(f"--granularity must be paragraph, item or both, not {granularity!r}")
    return levels


def exit_status(n_ok: int, errors: list[ReadError], strict: bool) -> int:
    if n_ok == 0:
        typer.echo("fazhi: error: no file could be read", err=True)
        return 1
    if strict and errors:
        typer.echo(f"fazhi: error: {len(errors)} file(s) failed (--strict)", err=True)
        return 1
    return 0


@app.command()
def ingest(
    paths: PathsArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Unit table: .jsonl, .csv or .parquet.")],
    granularity: Annotated[str, typer.Option(help="'paragraph' (default: each unit once, so counts add up), "
                                             "'item' or 'both' (paragraphs and their items in one table).")]
    = "paragraph",
    meta: Annotated[Path | None, typer.Option(help="Metadata table overriding inferred fields "
                                              "(columns: source or doc_id, and year, region, ...).")] = None,
    strict: Annotated[bool, typer.Option(help="Exit non-zero if any file fails.")] = False,
) -> None:
    """Read reports and write one row per unit (paragraphs and/or items).

    Also writes OUT's sibling '<stem>.documents<ext>' with one row per report (metadata and
    warnings) and prints a summary table.
    """
    from nlp.ingest.pipeline import ingest as run_ingest
    from nlp.ingest.summary import summarize

    try:
        table_format(out)
        result = run_ingest(paths, parse_granularity(granularity), metadata=meta)
    except (TableFormatError, ValueError, OSError) as err:
        fail(str(err))
    report_errors(result.errors)
    if len(result.documents):
        write_table(result.units, out)
        write_table(result.documents, sibling(out, "documents"))
        typer.echo(summarize(result.documents, result.units))
        typer.echo(f"wrote {len(result.units)} units of {len(result.documents)} reports to {out}")
    raise typer.Exit(exit_status(len(result.documents), result.errors, strict))


ModelOpt = Annotated[Path | None, typer.Option("--model", help="Model directory (default: models/default).")]
IndicatorTypesOpt = Annotated[Path | None, typer.Option(
    "--indicator-types", "--types",
    help="Indicator types of your own: a YAML file like nlp/data/indicators.yaml, complete, or opening with "
         "`extends: packaged` and holding only the types and words it adds (default: the packaged types).")]
LabelsArg = Annotated[list[Path] | None, typer.Argument(
    help="Label files: JSONL with text+labels, or corpus references (path, para, sha). "
         "Default: the project's labels/*.jsonl.")]
CorpusOpt = Annotated[Path | None, typer.Option("--corpus", help="Corpus root for reference labels.")]


@app.command()
def train(
    out: Annotated[Path, typer.Option("--out", "-o", help="Model directory to write (required: no default, so "
                                      "the shipped model is never overwritten by accident).")],
    labels: LabelsArg = None,
    corpus: CorpusOpt = None,
    folds: Annotated[int, typer.Option(help="Cross-validation folds (grouped by document).")] = 5,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    char_ngrams: Annotated[bool, typer.Option(help="Character 2-3-gram features too (~1.4x slower tagging; "
                                              "no measurable gain on the project's labels).")] = False,
    word_vectors: Annotated[Path | None, typer.Option(help="Word vectors (.npz from tools/train_word_vectors.py) "
                                                      "whose mean per unit is added as features.")] = None,
    sentence_instances: Annotated[bool, typer.Option(help="Heads also learn from sentences (multi-instance; "
                                                     "better F1, ~2.5x training time).")] = True,
    nb_alpha: Annotated[float, typer.Option(help="Smoothing of the naive-Bayes weighting of word n-grams "
                                            "(NBSVM); 0 turns the weighting off.")] = 0.5,
    genre_weight: Annotated[float, typer.Option(help="Weight of in-genre (法治政府建设 report) units in the "
                                                "in-genre heads.")] = 8.0,
    sentence_weight: Annotated[float, typer.Option(help="Weight of the sentences a work-report head also learns "
                                                   "from (multi-instance), against 1 for a unit.")] = 2.0,
    loo_seeds: Annotated[bool, typer.Option(help="Also score each seed report with a model trained on every "
                                            "other labeled unit (five more fits).")] = False,
    threshold_folds: Annotated[int, typer.Option(help="Inner folds that choose the per-domain thresholds "
                                                 "(the shipped model: 5; 10 is steadier, twice the time).")] = 10,
    relative_floor: Annotated[float, typer.Option(help="In 法治政府建设 reports, keep a domain only at this share "
                                                  "of the unit's highest probability or more (0: off).")] = 0.7,
    genre_c: Annotated[float, typer.Option("--genre-c", help="Inverse regularization of the in-genre heads "
                                           "(0: the same as the work-report heads').")] = 4.0,
    fallback_floor: Annotated[float, typer.Option(help="In 法治政府建设 reports, a body paragraph of the year's "
                                                  "results that clears no threshold takes its highest domain "
                                                  "when that is at least this probability (0: off).")] = 0.2,
    topic_floor: Annotated[float, typer.Option(help="In 法治政府建设 reports, a unit keeps a domain its own heading or "
                                               "numbered opening clause names when that domain has at least this "
                                               "probability (0: off).")] = 0.1,
    genre_adaptation: Annotated[bool, typer.Option(help="The in-genre heads learn each feature twice, shared with "
                                                   "the work reports and of 法治政府建设 reports alone, folded "
                                                   "into one head.")] = True,
) -> None:
    """Retrain the domain tagger on labeled units; prints cross-validated metrics by genre."""
    from nlp.errors import LabelError
    from nlp.tagger.estimator import DomainTagger
    from nlp.training.evaluate import side_by_side
    from nlp.training.train import train as run_train

    if word_vectors is not None and not word_vectors.is_file():
        fail(f"{word_vectors}: no such word-vector file")
    tagger = DomainTagger(random_state=seed, char_ngrams=(2, 3) if char_ngrams else None,
                          word_vectors=str(word_vectors) if word_vectors else None,
                          sentence_instances=sentence_instances, nb_alpha=nb_alpha if nb_alpha > 0 else None,
                          genre_weight=genre_weight, sentence_weight=sentence_weight,
                          threshold_folds=threshold_folds,
                          relative_floor=relative_floor if relative_floor > 0 else None,
                          genre_C=genre_c if genre_c > 0 else None,
                          fallback_floor=fallback_floor if fallback_floor > 0 else None,
                          topic_floor=topic_floor if topic_floor > 0 else None,
                          genre_adaptation=genre_adaptation)
    try:
        _, metrics = run_train(labels, out, corpus, n_splits=folds, seed=seed, tagger=tagger, loo_seeds=loo_seeds)
    except (LabelError, OSError) as err:
        fail(str(err))
    typer.echo(side_by_side(metrics).to_string())
    typer.echo(f"model written to {out}")


@app.command()
def evaluate(
    labels: LabelsArg = None,
    model: ModelOpt = None,
    corpus: CorpusOpt = None,
    folds: Annotated[int, typer.Option(help="Folds (grouped by document).")] = 5,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON.")] = False,
    holdout: Annotated[bool, typer.Option("--holdout", help="Score MODEL as it is on LABELS (a test set it "
                                          "was not trained on) instead of cross-validating its settings.")] = False,
) -> None:
    """Metrics of the tagger on LABELS, beside the keyword baseline.

    By default the model's hyper-parameters are cross-validated on LABELS (re-fitted inside each
    fold, grouped by document), so the numbers are never computed on training data. With
    --holdout the trained MODEL itself is scored on LABELS.
    """
    from sklearn.base import clone

    from nlp.errors import LabelError, ModelError
    from nlp.tagger.keywords import KeywordTagger
    from nlp.tagger.serialize import load_model
    from nlp.training.evaluate import evaluate as run_eval
    from nlp.training.evaluate import side_by_side
    from nlp.training.labels import load_labels

    try:
        trained = load_model(model)
        df = load_labels(labels, corpus)
    except (LabelError, ModelError, OSError) as err:
        fail(str(err))
    if holdout:
        from nlp.training.evaluate import score_fixed
        from nlp.training.labels import data_hash, default_label_files

        card = getattr(trained, "card_", {}) or {}
        names = {Path(p).name for p in (labels or default_label_files())}
        seen = sorted(names & set(card.get("label_files", [])))
        if seen or data_hash(df) == card.get("data_hash"):
            typer.echo(f"fazhi: warning: the model was trained on {', '.join(seen) or 'these labels'}; scores on its "
                       "own training data overstate it (use --holdout only for a test set it never saw)", err=True)
        metrics = score_fixed({"model": trained, "keywords": KeywordTagger().fit()}, df)
    else:
        metrics = run_eval({"model": clone(trained), "keywords": KeywordTagger()}, df, n_splits=folds, seed=seed)
    if as_json:
        typer.echo(metrics.round(4).to_json(orient="records", force_ascii=False))
    else:
        typer.echo(side_by_side(metrics).to_string())


@app.command()
def tag(
    paths: PathsArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output table: .jsonl, .csv or .parquet "
                                      "(with --scheduler: a folder of JSONL part files).")],
    model: ModelOpt = None,
    granularity: Annotated[str, typer.Option(help="'paragraph' (default), 'item' or 'both' (reports only; "
                                             "'both' puts paragraphs and their items in one table).")]
    = "paragraph",
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", help="Worker processes (default: all cores).")] = None,
    resume: Annotated[bool, typer.Option(help="Continue an interrupted run without redoing finished files.")] = False,
    scheduler: Annotated[str | None, typer.Option(help="Run on Dask: a scheduler address (tcp://host:8786), "
                                                  "or 'processes'/'threads' for a local Dask run.")] = None,
    strict: Annotated[bool, typer.Option(help="Exit non-zero if any file fails.")] = False,
    genre: Annotated[str | None, typer.Option(help="For .jsonl units that do not give their own: 'fazhi_report' "
                                              "(法治政府建设 reports) or 'gov_work_report'. Without it a unit of "
                                              "unknown genre is tagged as a work-report unit.")] = None,
    indicators: Annotated[Path | None, typer.Option("--indicators", help="Also write the numbers the tagged "
                                                    "paragraphs state (the rows of `fazhi indicators`) to this "
                                                    "table: .csv, .parquet or .jsonl (report files only).")] = None,
    indicator_types: IndicatorTypesOpt = None,
) -> None:
    """Tag report files/folders, or .jsonl tables of {"id", "text"} units, with work domains.

    Every output row keeps the input's fields and adds `labels` (domain codes) and `scores`
    (code -> probability). Reports are processed in parallel and written incrementally; an
    interrupted run (Ctrl-C) leaves a valid partial output that --resume continues. With
    --indicators the workers also extract the indicator rows as they tag (cheaper than
    `fazhi indicators` afterwards, which reads and tags the reports again).
    """
    from nlp.errors import ModelError
    from nlp.tagger.serialize import load_predictor

    levels = parse_granularity(granularity)
    if genre not in (None, "fazhi_report", "gov_work_report"):
        fail(f"--genre must be fazhi_report or gov_work_report, not {genre!r}")
    unit_tables = [p for p in paths if p.lower().endswith(".jsonl")]
    if unit_tables and len(unit_tables) != len(paths):
        fail("give either report files/folders or .jsonl unit tables, not both in one run")
    if indicators is not None and (unit_tables or scheduler is not None):
        fail("--indicators works on report files tagged here, not with .jsonl unit tables or --scheduler; "
             "run `fazhi indicators` on the reports instead")
    if indicator_types is not None and indicators is None:
        fail("--indicator-types needs --indicators FILE (the table the indicator rows go to)")
    try:
        if scheduler is None:
            table_format(out)
        if indicators is not None:
            table_format(indicators)
        load_predictor(model)  # fail fast, with one line, before any worker starts
        _indicator_rules(indicator_types)
    except (TableFormatError, ModelError, ValueError) as err:
        fail(str(err))
    if unit_tables:
        _tag_unit_tables(unit_tables, out, model, strict, genre)
    if scheduler is not None:
        from nlp.apply.dask_tag import tag_with_dask

        parts = tag_with_dask(paths, out, model, scheduler=scheduler, granularity=levels)
        typer.echo(f"wrote {len(parts)} part files to {out}")
        raise typer.Exit(0 if parts else 1)
    from nlp.apply.batch import tag_batch

    try:
        report = tag_batch(paths, out, model, jobs=jobs, granularity=levels, resume=resume, indicators=indicators,
                           indicator_types=indicator_types)
    except ValueError as err:
        fail(str(err))
    if report.n_files_ok + report.n_files_skipped_resumed == 0:
        out.unlink(missing_ok=True)  # nothing was read: no table, rather than an empty one
        if indicators is not None:
            indicators.unlink(missing_ok=True)
        raise typer.Exit(exit_status(0, report.errors, strict))
    typer.echo(f"tagged {report.n_units} units of {report.n_files_ok} files in {report.seconds:.1f} s; wrote {out}"
               + (f" ({report.n_files_skipped_resumed} files resumed)" if report.n_files_skipped_resumed else "")
               + (f"; wrote {report.n_indicators} indicator rows to {indicators}" if indicators is not None else ""))
    raise typer.Exit(exit_status(report.n_files_ok + report.n_files_skipped_resumed, report.errors, strict))


def _indicator_rules(path: Path | None) -> None:
    """Read a user's indicator types now: a bad file is one line before any report is read."""
    if path is not None:
        from nlp.indicators.extract import load_rules

        load_rules(path)


def _tag_unit_tables(tables: list[str], out: Path, model: Path | None, strict: bool, genre: str | None) -> None:
    from nlp.apply.tagging import tag_unit_tables
    from nlp.tagger.serialize import load_predictor

    if any(Path(t).resolve() == out.resolve() for t in tables):
        fail(f"{out}: the output is also an input; choose another --out")
    with warnings.catch_warnings(record=True) as hints:
        warnings.simplefilter("always", GenreHintWarning)
        table, errors = tag_unit_tables(load_predictor(model), tables, genre)
    for hint in hints:
        if issubclass(hint.category, GenreHintWarning):
            typer.echo(f"fazhi: warning: {hint.message}", err=True)
        else:  # not ours to word: shown as it would have been
            warnings.warn_explicit(hint.message, hint.category, hint.filename, hint.lineno)
    report_errors(errors)
    if table is not None:
        write_table(table, out)
        typer.echo(f"tagged {len(table)} units; wrote {out}")
    raise typer.Exit(exit_status(0 if table is None else 1, errors, strict))


def _year_range(text: str | None, option: str) -> tuple[int, int] | None:
    """``2000-2025`` (or ``2015``) as an inclusive year range; a one-line error otherwise."""
    if text is None:
        return None
    parts = text.replace("–", "-").split("-")
    if not (1 <= len(parts) <= 2 and all(p.strip().isdigit() and len(p.strip()) == 4 for p in parts)):
        fail(f"{option} {text!r}: give years as FIRST-LAST, e.g. 2000-2012")
    lo, hi = int(parts[0]), int(parts[-1])
    if lo > hi:
        fail(f"{option} {text!r}: the first year is after the last")
    return lo, hi


def _periods(text: str | None) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """``2000-2012,2013-2025`` as two inclusive year ranges; a one-line error otherwise."""
    if text is None:
        return None
    halves = text.split(",")
    if len(halves) != 2:
        fail(f"--periods {text!r}: give two periods, e.g. 2000-2012,2013-2025")
    first, second = _year_range(halves[0], "--periods"), _year_range(halves[1], "--periods")
    assert first is not None and second is not None
    return first, second


def _check_choices(values: list[str] | None, allowed: list[str], option: str) -> list[str] | None:
    """Every value (comma-separated or repeated) is one of ``allowed``; checked before any work."""
    if not values:
        return None
    flat = [v.strip() for value in values for v in value.split(",") if v.strip()]
    bad = [v for v in flat if v not in allowed]
    if bad:
        fail(f"{option} {bad[0]!r}: use one of {', '.join(allowed)}")
    return flat


def _tagged_units(paths: list[str], model: Path | None):
    """Units with labels: a tagged table from `fazhi tag` is used as is; reports are ingested and tagged."""
    from nlp.analysis.workflows import tag_units
    from nlp.errors import ModelError
    from nlp.ingest.pipeline import ingest as run_ingest
    from nlp.tables import read_table
    from nlp.tagger.serialize import load_model

    if len(paths) == 1 and Path(paths[0]).suffix.lower() in (".csv", ".parquet", ".jsonl") and Path(paths[0]).is_file():
        try:
            table = read_table(paths[0])
        except (ValueError, OSError) as err:
            fail(f"{paths[0]}: cannot read table ({err})")
        if "labels" in table.columns and "text" in table.columns:
            return table, []
        fail(f"{paths[0]}: a table input needs 'text' and 'labels' columns (the output of `fazhi tag`)")
    say("reading and structuring the reports")
    res = run_ingest(paths)
    report_errors(res.errors)
    if res.documents.empty:
        fail("no file could be read", 1)
    try:
        model = load_model(model)
        say(f"tagging {len(res.units)} units of {len(res.documents)} reports")
        return tag_units(res.units, model), res.errors
    except ModelError as err:
        fail(str(err))


@app.command()
def trends(
    paths: PathsArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")],
    model: ModelOpt = None,
    by: Annotated[list[str] | None, typer.Option("--by", help="Extra grouping besides year: region, level, "
                                                 "province, doc_type (repeatable).")] = None,
    bootstrap: Annotated[int, typer.Option(help="Bootstrap resamples for the intervals.")] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    years: Annotated[str | None, typer.Option(help="Only reports of these years, e.g. 2000-2025.")] = None,
    periods: Annotated[str | None, typer.Option(help="The two periods to compare, e.g. 2000-2012,2013-2025 "
                                                "(default: halves at the median report year).")] = None,
) -> None:
    """Domain shares per year (units and characters) with bootstrap intervals, the change between
    two periods, a regression on year and level (errors clustered by report), plus plots.

    PATHS are reports (ingested and tagged) or one tagged table written by `fazhi tag`.
    Writes domain_by_year.csv (a `year` column, one column per domain code, n_docs, n_units),
    domain_shares.csv (long, with intervals) and PNG plots.
    """
    from nlp.analysis.workflows import run_trends

    by = _check_choices(by, list(GROUPINGS), "--by")  # options checked before any work
    year_range, pair = _year_range(years, "--years"), _periods(periods)
    units, _ = _tagged_units(paths, model)
    res = run_trends(units, out, by=by, n_boot=bootstrap, seed=seed, say=say, years=year_range, periods=pair)
    typer.echo(res.tables["domain_by_year"].round(3).to_string(index=False))
    typer.echo(f"wrote {', '.join(str(p) for p in res.files.values())}")


@app.command()
def topics(
    paths: PathsArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")],
    k: Annotated[str, typer.Option("--k", help="Number of topics, or 'auto' (chosen by c_v coherence).")] = "auto",
    seed: Annotated[int, typer.Option(help="Random seed (same inputs + seed = same topics).")] = 0,
    model: ModelOpt = None,
    passes: Annotated[int, typer.Option(help="LDA passes over the corpus.")] = 5,
    by: Annotated[list[str] | None, typer.Option("--by", help="Also topic prevalence per year and region, "
                                                 "level, province or doc_type (repeatable).")] = None,
    domains: Annotated[list[str] | None, typer.Option("--domains", help="Fit on paragraphs tagged with any of "
                                                      "these domain codes (comma-separated or repeated).")] = None,
    role: Annotated[list[str] | None, typer.Option("--role", help="Fit on paragraphs of these section roles: "
                                                   "achievements, plans, problems, ...")] = None,
    term_weight: Annotated[str, typer.Option(help="'idf' (default: more coherent topics) or 'one' (plain "
                                             "counts).")] = "idf",
) -> None:
    """Fit an LDA topic model; write topics.csv, topic_by_year.csv, summary.json and more.

    Topics are related to the work domains through the tagger's labels of their units
    (topic_domains.csv), so a topic reads as "mostly mediation", not only as a word list.
    """
    from nlp.analysis.workflows import run_topics
    from nlp.taxonomy import load_taxonomy

    if k != "auto" and not k.isdigit():
        fail(f"--k must be a whole number or 'auto', not {k!r}")
    tax = load_taxonomy()
    by = _check_choices(by, list(GROUPINGS), "--by")
    domains = _check_choices(domains, tax.codes, "--domains")
    role = _check_choices(role, [r for r in tax.section_roles if r != "front_matter"], "--role")
    _check_choices([term_weight], ["idf", "one"], "--term-weight")
    units, _ = _tagged_units(paths, model)
    try:
        res = run_topics(units, out, k=k if k == "auto" else int(k), seed=seed, passes=passes, by=by, say=say,
                         domains=domains, roles=role, term_weight=term_weight)
    except ValueError as err:
        fail(str(err), 1)
    s = res.summary
    typer.echo(f"k = {s['k']}, c_v = {s['coherence']['c_v']:.3f}, NPMI = {s['coherence']['c_npmi']:.3f}")
    words = res.tables["topic_words"]  # ranked by relevance
    for t, grp in words.groupby("topic"):
        typer.echo(f"topic {t}: {' '.join(grp.sort_values('rank')['word'].head(10))}")
    typer.echo(f"wrote {out}")


@app.command()
def analyze(
    paths: PathsArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")],
    model: ModelOpt = None,
    k: Annotated[str, typer.Option("--k", help="Number of topics, or 'auto'.")] = "auto",
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    years: Annotated[str | None, typer.Option(help="Trends and topics on reports of these years, e.g. "
                                              "2000-2025.")] = None,
    periods: Annotated[str | None, typer.Option(help="The two periods the findings compare, e.g. "
                                                "2000-2012,2013-2025 (default: halves at the median year).")] = None,
    indicator_types: IndicatorTypesOpt = None,
) -> None:
    """Ingest, tag, trends and topics in one go, ending in a self-contained HTML report."""
    from nlp.analysis.workflows import run_analyze
    from nlp.errors import ModelError

    if k != "auto" and not k.isdigit():
        fail(f"--k must be a whole number or 'auto', not {k!r}")
    year_range, pair = _year_range(years, "--years"), _periods(periods)
    try:
        _indicator_rules(indicator_types)
    except ValueError as err:
        fail(str(err))
    try:
        res, errors = run_analyze(paths, out, model, k=k if k == "auto" else int(k), seed=seed, say=say,
                                  years=year_range, periods=pair, indicator_types=indicator_types)
    except ModelError as err:
        fail(str(err))
    report_errors(errors)
    if "report" not in res.files:
        fail("no file could be read", 1)
    typer.echo(f"report: {res.files['report']}")


@app.command()
def indicators(
    paths: PathsArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Indicator rows: .csv, .parquet or .jsonl "
                                      "(the panel goes beside it as <stem>.panel<ext>).")],
    model: ModelOpt = None,
    strict: Annotated[bool, typer.Option(help="Exit non-zero if any file fails.")] = False,
    types: IndicatorTypesOpt = None,
) -> None:
    """The numbers the reports state, as a table: one row per quantity (indicator, value, unit,
    qualifier, domain, place, year, the sentence and its span), and a panel with one row per
    report and one column per indicator. Indicator types: nlp/data/indicators.yaml, or --types."""
    from nlp.errors import ModelError
    from nlp.indicators.table import indicators as run_indicators
    from nlp.indicators.table import panel

    try:
        table_format(out)
        _indicator_rules(types)
    except (TableFormatError, ValueError) as err:
        fail(str(err))
    try:
        rows, errors = run_indicators(paths, model, types)
    except ModelError as err:
        fail(str(err))
    report_errors(errors)
    n_docs = rows["doc_id"].nunique() if len(rows) else 0
    if len(rows) or not errors:
        write_table(rows, out)
        write_table(panel(rows), sibling(out, "panel"))
        named = rows[rows["indicator"] != "other"] if len(rows) else rows
        typer.echo(f"wrote {len(rows)} quantities ({len(named)} of named indicators) of {n_docs} reports to {out} "
                   f"and {sibling(out, 'panel')}")
    raise typer.Exit(exit_status(n_docs or (0 if errors else 1), errors, strict))


def main() -> None:
    """Entry point: user errors are one line; an unexpected error is one line too, unless
    FAZHI_DEBUG=1 asks for the traceback (for bug reports)."""
    import os

    try:
        app()
    except KeyboardInterrupt:
        typer.echo("fazhi: interrupted", err=True)
        sys.exit(130)
    except Exception as err:  # the last line of defence against tracebacks
        if os.environ.get("FAZHI_DEBUG"):
            raise
        typer.echo(f"fazhi: error: {type(err).__name__}: {err} (set FAZHI_DEBUG=1 for details)", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
