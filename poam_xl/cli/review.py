"""`poam-xl review`: the quarterly review pack (workbook + PDF) for one POA&M workbook."""

from __future__ import annotations

from pathlib import Path

import typer

from ..errors import shown
from ._app import AS_OF, PASSWORD, app, handle_errors, parse_as_of, reads_workbooks


@app.command()
@handle_errors
@reads_workbooks
def review(
    workbook: Path = typer.Argument(..., help="The POA&M workbook to review."),
    output: Path = typer.Option(
        ..., "--output", "-o", help="Folder for the review workbook and PDF."
    ),
    previous: Path | None = typer.Option(
        None, "--previous", help="Last quarter's version (for slips)."
    ),
    pdf: bool = typer.Option(True, "--pdf/--no-pdf", help="Render the PDF with LibreOffice."),
    profile: str = typer.Option("auto", "--profile", help="auto (by the template each file uses), "
                                "dss, fedramp, emass, cmmc or generic."),
    as_of: str | None = AS_OF,
    password: str | None = PASSWORD,
) -> None:
    """Build the quarterly review pack: a review workbook and its PDF.

    Summary counts, overdue and 90+ days late lists, milestones slipped since --previous,
    items due in the next quarter, charts by risk, status and age; as .xlsx and (LibreOffice) .pdf.

    Example: poam-xl review poam.xlsx --previous poam-Q2.xlsx --output review-Q3/
    """
    from ..review import make_pack

    pack = make_pack(workbook, output, previous=previous, as_of=parse_as_of(as_of), pdf=pdf,
                     profile=profile, password=password)
    typer.echo(pack.line())
    for warning in pack.warnings:  # e.g. a DSS workbook reviewed under --profile fedramp
        typer.echo(f"poam-xl: warning: {shown(workbook)}: {warning}", err=True)
