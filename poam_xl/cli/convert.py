"""`poam-xl convert`: between the DSS workbook, eMASS, FedRAMP, OSCAL, CSV and JSON."""

from __future__ import annotations

from pathlib import Path

import typer

from ._app import AS_OF, PASSWORD, app, handle_errors, parse_as_of, reads_workbooks


@app.command()
@handle_errors
@reads_workbooks
def convert(
    src: Path | None = typer.Argument(None, metavar="IN", help="File to convert (never modified)."),
    out: Path | None = typer.Argument(None, metavar="OUT", help="File to write (atomically)."),
    from_: str | None = typer.Option(
        None,
        "--from",
        help="Input format (default: from its content, "
        "then its extension): dss, emass, fedramp, oscal, csv, json.",
    ),
    to: str | None = typer.Option(
        None,
        "--to",
        help="Output format (default: from OUT's extension: .xlsx dss, .csv csv, .json json).",
    ),
    profile: str | None = typer.Option(
        None,
        "--profile",
        help="Due-date policy defaults when the input has no Policy sheet: auto (the "
        "input's template; the default), dss, fedramp, emass, cmmc or generic.",
    ),
    as_of: str | None = AS_OF,
    report: Path | None = typer.Option(
        None, "--report", help="Also write the conversion report (JSON) to this file."
    ),
    escape_formulas: bool = typer.Option(
        True,
        "--escape-formulas/--no-escape-formulas",
        help="CSV: prefix cells starting with = + - @ tab CR with ' (formula injection).",
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing OUT."),
    show_mapping: str | None = typer.Option(
        None, "--show-mapping", metavar="FMT", help="Print FMT's column mapping and exit."
    ),
    map_: list[str] = typer.Option([], "--map", help="Your own mapping of a header to a field: "
                                   "'Header=field' (repeatable; field 'keep' = no field)."),
    mapping_file: Path | None = typer.Option(None, "--mapping", help="A mapping file (TOML, "
                                             "YAML or JSON: header -> field)."),
    save_mapping: Path | None = typer.Option(None, "--save-mapping", help="Write the mapping "
                                             "the read used (to edit and pass to --mapping)."),
    strict: bool = typer.Option(False, "--strict", help="Write nothing and exit 1 when any "
                                "value would be lost or altered (each one listed)."),
    layout: str | None = typer.Option(None, "--layout", help="eMASS output: classic, navy, army "
                                      "or usmc (default: the source's layout, else classic); "
                                      "FedRAMP output: rev5 (default) or rev4."),
    password: str | None = PASSWORD,
) -> None:
    """Convert a POA&M between formats; lists every field with no home in the target.

    Example: poam-xl convert emass.xlsm poam.xlsx ; poam-xl convert poam.xlsx out.xlsx --to emass
    """
    from .. import usermap
    from ..convert import run
    from ..errors import UsageError, ValuesLostError, shown

    if show_mapping:
        for line in run.mapping_lines(show_mapping):
            typer.echo(line)
        return
    if src is None or out is None:
        raise UsageError("convert needs IN and OUT (or --show-mapping FMT)")
    from ..write import refuse_inputs

    refuse_inputs(report, (src, out), "--report")
    refuse_inputs(save_mapping, (src, out, *([report] if report else [])), "--save-mapping")
    usermap.check_target(save_mapping)
    overrides = usermap.parse(map_, mapping_file)
    try:
        conv = run.convert(
            src,
            out,
            from_=from_,
            to=to,
            profile=profile,
            as_of=parse_as_of(as_of),
            escape_formulas=escape_formulas,
            force=force,
            mapping=overrides,
            strict=strict,
            layout=layout,
            password=password,
        )
    except ValuesLostError as exc:
        for line in exc.lines:
            typer.echo(f"  {line}", err=True)
        typer.echo(f"poam-xl: {exc}", err=True)
        raise typer.Exit(1) from None
    if keys := usermap.unmatched(overrides, [conv.mapping or []]):
        typer.echo(usermap.warn_unmatched(keys, shown(src), map_, mapping_file), err=True)
    if save_mapping is not None:
        usermap.save(save_mapping, conv.mapping)
        typer.echo(f"wrote mapping {save_mapping}")
    for line in run.render(conv):
        typer.echo(line)
    if report is not None:
        run.write_report(conv, report)
        typer.echo(f"wrote report {report}")
