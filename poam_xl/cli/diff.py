"""`poam-xl diff`: what changed between two versions of a POA&M workbook."""

from __future__ import annotations

from pathlib import Path

import typer

from ..values import plural
from ._app import AS_OF, PASSWORD, app, handle_errors, parse_as_of, reads_workbooks


@app.command()
@handle_errors
@reads_workbooks
def diff(
    old: Path = typer.Argument(..., help="The earlier version."),
    new: Path = typer.Argument(..., help="The later version."),
    format: str = typer.Option("table", "--format", "-f", help="table, json or xlsx."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write here (needed for xlsx)."
    ),
    profile: str = typer.Option("auto", "--profile", help="auto (by the template each file uses), "
                                "dss, fedramp, emass, cmmc or generic."),
    as_of: str | None = AS_OF,
    password: str | None = PASSWORD,
) -> None:
    """Compare two versions of a POA&M workbook.

    Items added, closed, reopened, deleted (an error), risk and status changes, slipped
    milestones, approvals gained. Exit code 1 when an error-level change (a deleted item) is found.

    Example: poam-xl diff poam-2026-Q2.xlsx poam-2026-Q3.xlsx
    """
    from .. import diff as d
    from ..errors import ExitCode, UsageError
    from ..write import atomic_path

    if format not in ("table", "json", "xlsx"):
        raise UsageError(f"--format must be table, json or xlsx, not {format!r}")
    from ..write import refuse_inputs, require_xlsx

    refuse_inputs(output, (old, new), "--output")
    if format == "xlsx" and output is not None:
        require_xlsx(output, "--output")
    result = d.diff_files(old, new, parse_as_of(as_of), profile=profile, password=password)
    if format == "xlsx":
        if output is None:
            raise UsageError("--format xlsx needs --output FILE.xlsx")
        from ..diff_workbook import to_xlsx

        to_xlsx(result, output)
        typer.echo(f"wrote {output}: {plural(len(result.changes), 'change')}, "
                   f"{plural(result.errors, 'error')}")
    else:
        text = d.to_table(result) if format == "table" else d.to_json(result)
        if output is None:
            typer.echo(text)
        else:
            with atomic_path(output) as tmp:
                tmp.write_text(text + "\n", encoding="utf-8")
            typer.echo(f"wrote {output}: {plural(len(result.changes), 'change')}, "
                       f"{plural(result.errors, 'error')}")
    if result.errors:
        raise typer.Exit(int(ExitCode.FINDINGS))
