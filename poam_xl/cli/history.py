"""`poam-xl history`: several dated versions of one POA&M, and its trends."""

from __future__ import annotations

from pathlib import Path

import typer

from ..errors import shown
from ._app import PASSWORD, app, handle_errors, reads_workbooks


@app.command()
@handle_errors
@reads_workbooks
def history(
    versions: list[str] = typer.Argument(..., help="Versions of one POA&M: files, a folder or "
                                         "globs."),
    output: Path | None = typer.Option(None, "--output", "-o", help="history.xlsx (Burn-down "
                                       "chart, Periods, Closures, Slips) or a .json file."),
    fmt: str = typer.Option("table", "--format", "-f", help="table or json (on stdout, or "
                            "into --output FILE.json)."),
    profile: str = typer.Option("auto", "--profile", help="auto (by the template each file "
                                "uses), dss, fedramp, emass, cmmc or generic."),
    password: str | None = PASSWORD,
) -> None:
    """Trends of one POA&M over its versions: per period items opened, closed, reopened and
    overdue at its end; median days to close by risk level; % closed by their due date;
    milestone slips and who owns them; a burn-down of open items by risk level.

    Versions are ordered by their POA&M Date (else the file's modification time); the order
    used is printed.

    Example: poam-xl history poams/ --output history.xlsx
    """
    from .. import batch
    from ..errors import UsageError
    from ..portfolio import history as core
    from ..write import atomic_path

    if fmt not in ("table", "json"):
        raise UsageError(f"--format must be table or json, not {fmt!r}")
    from ..write import refuse_inputs, require_xlsx

    refuse_inputs(output, [v for v in versions if Path(v).is_file()], "--output")
    if output is not None and output.suffix.lower() in (".xlsm", ".xltx", ".xltm"):
        require_xlsx(output, "--output")
    files, _ = batch.find_files(versions)
    if output is not None:
        files = [f for f in files if not (f.exists() and output.exists() and f.samefile(output))]
    if len(files) < 2:
        raise UsageError("history needs at least two versions of the POA&M")
    kwargs = {"password": password} if password is not None else {}
    loaded = core.load_versions(files, profile, **kwargs)
    for i, v in enumerate(loaded, start=1):
        typer.echo(f"{i}. {v.date.isoformat()} ({v.source}) {shown(v.path)}", err=True)
    h = core.build(loaded)
    if output is not None and output.suffix.lower() in (".xlsx", ".xlsm"):
        from ..portfolio import history_workbook

        for note in history_workbook.write(h, output):
            typer.echo(f"poam-xl: note: {note}", err=True)
        typer.echo(f"wrote {output}: {len(loaded)} versions, {len(h.periods)} periods", err=True)
        return
    if fmt == "json" or (output is not None and output.suffix.lower() == ".json"):
        import json

        text = json.dumps(h.to_dict(), indent=2, ensure_ascii=False)
    else:
        text = core.to_text(h)
    if output is None:
        typer.echo(text)
        return
    with atomic_path(output) as tmp:
        tmp.write_text(text + "\n", encoding="utf-8")
    typer.echo(f"wrote {output}", err=True)
