"""`poam-xl demo`: write a sample workbook and a flawed copy, validate both, print the results."""

from __future__ import annotations

from pathlib import Path

import typer

from ._app import AS_OF, app, handle_errors, parse_as_of


@app.command()
@handle_errors
def demo(
    folder: Path = typer.Argument(Path("poam-demo"), help="Folder for the demo files."),
    as_of: str | None = AS_OF,
) -> None:
    """Show what poam-xl does: a sample POA&M, a copy with typical mistakes, and their reports.

    Example: poam-xl demo
    """
    import sys

    from .. import report
    from ..demo import run

    day = parse_as_of(as_of)
    folder.mkdir(parents=True, exist_ok=True)
    results = run(folder, day)
    if sys.stdout.isatty():  # rich tables on a terminal; plain lines to a pipe or file, as validate
        from rich.console import Console

        console = Console()
        for r in results:
            report.to_console(r.to_dict(), console)
            console.print()
    else:
        for r in results:
            typer.echo(report.to_text(r.to_dict()).rstrip("\n") + "\n")
    typer.echo(f"Files are in {folder}/ — open them in Excel, or try:\n"
               f"  poam-xl validate {folder}/poam-submitted.xlsx --format json\n"
               f"  poam-xl new my-poam.xlsx --sample 12")
