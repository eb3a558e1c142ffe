"""`poam-xl excel`: build the macro-enabled workbook (VBA buttons, xlwings) and inspect its VBA."""

from __future__ import annotations

from pathlib import Path

import typer

from ._app import AS_OF, app, handle_errors, parse_as_of

excel = typer.Typer(help="The Excel workbook with buttons (xlwings): build it, list its macros.",
                    no_args_is_help=True)
app.add_typer(excel, name="excel")


@excel.command("build-xlsm")
@handle_errors
def build_xlsm(
    out: Path = typer.Argument(..., help="Macro-enabled workbook to create (.xlsm)."),
    sample: int = typer.Option(0, "--sample", min=0, max=100_000, help="Fill N sample items."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
    as_of: str | None = AS_OF,
    seed: int = typer.Option(0, "--seed", help="Random seed for --sample."),
) -> None:
    """Write the POA&M template as .xlsm with the buttons and the VBA that runs them.

    The VBA project holds macros/PoamButtons.bas and the xlwings module of the xlwings
    installed here, so rebuild after upgrading xlwings. Example: poam-xl excel build-xlsm poam.xlsm
    """
    from ..errors import UsageError, WriteError
    from ..xlsm import build_xlsm as build

    if out.suffix.lower() != ".xlsm":
        raise UsageError(f"the output must end in .xlsm, not {out.suffix or '(none)'}")
    if out.exists() and not force:
        raise WriteError("already exists (use --force to overwrite)", path=out)
    path = build(out, as_of=parse_as_of(as_of), sample_items=sample, seed=seed)
    from ..vba import BUTTONS

    typer.echo(f"wrote {path} (buttons: {', '.join(c for _, c in BUTTONS)})")


@excel.command("macros")
@handle_errors
def macros(workbook: Path = typer.Argument(..., help="An .xlsm workbook.")) -> None:
    """List the VBA modules and the macros each button runs (read with oletools)."""
    from ..errors import WorkbookError
    from ..package import not_regular
    from ..vba import modules_of, subs
    from ..xlsm import buttons_of

    if why := not_regular(workbook):  # a named pipe would wait for a writer forever
        raise WorkbookError(why, path=str(workbook))

    for name, source in modules_of(workbook).items():
        lines = source.splitlines()
        names = subs(source)
        listed = f"; Subs: {', '.join(names)}" if names and len(names) < 12 else ""
        typer.echo(f"{name}: {len(lines)} lines{listed}")
    for sheet, caption, macro in buttons_of(workbook):
        typer.echo(f"button {caption!r} on {sheet} runs {macro}")
