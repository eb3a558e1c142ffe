"""`poam-xl update`: write due dates, proposed milestones, days open/overdue, flags, Dashboard."""

from __future__ import annotations

from pathlib import Path

import typer

from ._app import AS_OF, PASSWORD, app, handle_errors, parse_as_of, reads_workbooks


@app.command()
@handle_errors
@reads_workbooks
def update(
    file: Path = typer.Argument(..., help="POA&M workbook (.xlsx/.xlsm) to update."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the updated copy here."),
    in_place: bool = typer.Option(False, "--in-place", help="Replace FILE (atomically)."),
    backup: bool = typer.Option(False, "--backup",
                                help="With --in-place: keep the old FILE as NAME.bak.xlsx."),
    sort: str | None = typer.Option(None, "--sort", help="Reorder item rows: 'priority' (risk, "
                                    "days overdue, due date)."),
    profile: str = typer.Option("auto", "--profile", help="auto (by the template the workbook "
                                "uses), dss, fedramp, emass, cmmc or generic."),
    force: bool = typer.Option(False, "--force", help="Replace an existing --output file."),
    fix_text_dates: bool = typer.Option(False, "--fix-text-dates", help="Rewrite dates typed as "
                                        "text ('3/15/2026') as real dates in the sheet's date "
                                        "format; the typed text is kept in the cell's note."),
    as_of: str | None = AS_OF,
    password: str | None = PASSWORD,
) -> None:
    """Write the computed columns back into the workbook, changing nothing else.

    Example: poam-xl update poam.xlsx --in-place --backup
    """
    from ..errors import UsageError, WriteError
    from ..update import update_file

    if (output is None) == (not in_place) or (output is not None and in_place):
        raise UsageError("give exactly one of --output OUT or --in-place")
    if backup and not in_place:
        raise UsageError("--backup only applies to --in-place")
    if output is not None and output.exists() and output.resolve() != file.resolve() and not force:
        raise WriteError("already exists (use --force to replace it)", path=output)
    day = parse_as_of(as_of)
    result = update_file(file, None if in_place else output, profile=profile, as_of=day,
                         sort=sort, backup=backup, fix_text_dates=fix_text_dates,
                         password=password)
    typer.echo(result.line())
