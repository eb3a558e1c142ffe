"""`poam-xl import`: add scanner and checklist findings to a POA&M workbook."""

from __future__ import annotations

from pathlib import Path

import typer

from ._app import AS_OF, PASSWORD, app, handle_errors, parse_as_of, reads_workbooks


@app.command("import")
@handle_errors
@reads_workbooks
def import_(
    findings: list[Path] = typer.Argument(
        ..., help="Findings files: .ckl, .cklb, .nessus, XCCDF/ARF results .xml, HDF .json, .csv."
    ),
    into: Path = typer.Option(..., "--into", help="The POA&M workbook to add the findings to."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the result here."),
    in_place: bool = typer.Option(False, "--in-place", help="Change WORKBOOK itself (atomically)."),
    min_severity: str = typer.Option(
        "Low", "--min-severity", help="Skip findings below High|Medium|Low."
    ),
    include_not_reviewed: bool = typer.Option(
        False,
        "--include-not-reviewed",
        help="Not_Reviewed rules and checks that could not decide (XCCDF error/unknown, Nessus "
        "WARNING/ERROR, HDF error) become items too, flagged for review.",
    ),
    include_info: bool = typer.Option(
        False, "--include-info", help="Nessus: keep severity 0 plugins."
    ),
    map_: str | None = typer.Option(
        None, "--map", help='CSV columns: "description=Title,risk_level=Severity".'
    ),
    map_file: Path | None = typer.Option(
        None, "--map-file", help="CSV mapping file (JSON or KEY=Header lines)."
    ),
    preset: str | None = typer.Option(
        None,
        "--preset",
        help="CSV is a scanner export: qualys | tenable (Tenable.sc / Tenable VM) | nessus-csv.",
    ),
    scan_date: str | None = typer.Option(
        None,
        "--scan-date",
        help="Date Identified for new items "
        "(YYYY-MM-DD; default: the date in the file, else --as-of).",
    ),
    as_of: str | None = AS_OF,
    strict: bool = typer.Option(False, "--strict", help="Write nothing and exit 1 when a value "
                                "would be altered (a severity with no risk level, a cut text)."),
    password: str | None = PASSWORD,
) -> None:
    """Add scanner and checklist findings (CKL, CKLB, Nessus, XCCDF, HDF, CSV) to a workbook.

    New items get the next Item Numbers; known ones (same Source Identifier) are
    updated, closed ones reopened with a note.

    Example: poam-xl import scan.nessus host1.ckl --into poam.xlsx --output poam-new.xlsx
    Example: poam-xl import qualys.csv --preset qualys --into poam.xlsx --in-place
    """
    from .. import model
    from ..errors import UsageError, ValuesLostError
    from ..importers import ImportOptions
    from ..importers.apply import import_into
    from ..importers.csvmap import parse_mapping
    from ..importers.presets import NAMES

    level = model.canonical_choice(min_severity, model.RISK_LEVELS, model.RISK_SYNONYMS)
    if level is None:
        raise UsageError(f"--min-severity must be High, Medium or Low, not {min_severity!r}")
    if preset is not None and preset.lower() not in NAMES:
        raise UsageError(f"--preset must be one of {', '.join(NAMES)}, not {preset!r}")
    if preset is not None and (map_ or map_file):
        raise UsageError("give --preset or --map/--map-file, not both")
    options = ImportOptions(
        min_severity=level,
        include_not_reviewed=include_not_reviewed,
        include_info=include_info,
        scan_date=parse_as_of(scan_date, "--scan-date") if scan_date else None,
        mapping=parse_mapping(map_, map_file) if (map_ or map_file) else {},
        preset=preset.lower() if preset else None,
    )
    try:
        result = import_into(findings, into, output, in_place=in_place, options=options,
                             as_of=parse_as_of(as_of), strict=strict, password=password)
    except ValuesLostError as exc:
        for line in exc.lines:
            typer.echo(f"  {line}", err=True)
        typer.echo(f"poam-xl: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(result.line())
