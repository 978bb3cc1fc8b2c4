"""The ``fazhi`` command. A thin layer: each command calls one public function of ``nlp``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from nlp.read import ReadError
from nlp.tables import TableFormatError, sibling, table_format, write_table

app = typer.Typer(
    help="fazhi: read, clean, structure, tag and analyse rule-of-law government reports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)



@app.callback()
def _root() -> None:
    """fazhi: read, clean, structure, tag and analyse rule-of-law government reports."""


PathsArg = Annotated[list[str], typer.Argument(help="Report files, folders (recursive) or globs.")]


def fail(message: str, code: int = 2) -> None:
    """Print a one-line user error and exit (never a traceback)."""
    typer.echo(f"fazhi: error: {message}", err=True)
    raise typer.Exit(code)


def report_errors(errors: list[ReadError]) -> None:
    for err in errors:
        typer.echo(f"fazhi: skipped {err.path}: {err.reason}", err=True)


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
    granularity: Annotated[str, typer.Option(help="'paragraph', 'item' or 'both'.")] = "both",
    meta: Annotated[Path | None, typer.Option(help="Metadata table overriding inferred fields "
                                              "(columns: source or doc_id, and year, region, ...).")] = None,
    strict: Annotated[bool, typer.Option(help="Exit non-zero if any file fails.")] = False,
) -> None:
    """Read reports and write one row per unit (paragraphs and/or items).

    Also writes OUT's sibling '<stem>.documents<ext>' with one row per report (metadata and
    warnings) and prints a summary table.
    """
    from nlp.ingest import ingest as run_ingest
    from nlp.summary import summarize

    try:
        table_format(out)
        levels = ("paragraph", "item") if granularity == "both" else (granularity,)
        if any(g not in ("paragraph", "item") for g in levels):
            fail(f"--granularity must be paragraph, item or both, not {granularity!r}")
        result = run_ingest(paths, levels, metadata=meta)
    except (TableFormatError, ValueError, OSError) as err:
        fail(str(err))
    report_errors(result.errors)
    if len(result.documents):
        write_table(result.units, out)
        write_table(result.documents, sibling(out, "documents"))
        typer.echo(summarize(result.documents, result.units))
        typer.echo(f"wrote {len(result.units)} units of {len(result.documents)} reports to {out}")
    raise typer.Exit(exit_status(len(result.documents), result.errors, strict))


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("fazhi: interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
