"""`poam-xl rollup`: many POA&Ms as one portfolio workbook (or SQLite database)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

from ..errors import shown
from ._app import (
    AS_OF,
    INPUTS,
    JOBS,
    PASSWORD,
    PROFILE,
    SAFETY,
    app,
    handle_errors,
    parse_as_of,
    reads_workbooks,
)


class Target(str, Enum):
    xlsx = "xlsx"
    sqlite = "sqlite"


SQLITE_SUFFIXES = {".db", ".sqlite", ".sqlite3"}


@app.command()
@handle_errors
@reads_workbooks(whole=False)
def rollup(
    paths: list[str] = INPUTS,
    output: Path = typer.Option(..., "--output", "-o", help="The portfolio workbook (.xlsx) or, "
                                "with --to sqlite, the database file."),
    to: Target | None = typer.Option(None, "--to", help="xlsx (default) or sqlite (tables items, "
                                     "milestones, files, findings; default for .db/.sqlite)."),
    as_of: str | None = AS_OF,
    profile: str = PROFILE,
    jobs: int | None = JOBS,
    password: str | None = PASSWORD,
    executor: str = typer.Option("process", "--executor", help="process (default) or dask."),
) -> None:
    """Roll many POA&Ms up into one portfolio: Items, Milestones, Files, Findings and a
    Dashboard with charts (open items by risk and overdue items per company/system, ageing).

    Files that cannot be read are listed on the Files sheet with their reason, never dropped.
    Exit code: 2 if any file could not be read, else 0.

    Example: poam-xl rollup inbox/ --output portfolio.xlsx --jobs 4
    """
    from .. import batch
    from ..errors import ExitCode, UsageError
    from ..portfolio import rollup as core
    from ..profiles import check_name

    check_name(profile)
    target = to or (Target.sqlite if output.suffix.lower() in SQLITE_SUFFIXES else Target.xlsx)
    from ..write import refuse_inputs

    refuse_inputs(output, [p for p in paths if Path(p).is_file()], "--output")
    if target is Target.xlsx and output.suffix.lower() != ".xlsx":
        raise UsageError(f"--output {output.name}: the portfolio workbook is an .xlsx file "
                         "(or give --to sqlite)")
    day = parse_as_of(as_of)
    files, skipped = batch.find_files(paths, exclude=[])
    files = [f for f in files if f.resolve() != output.resolve()]  # never our own output
    if not files:
        raise UsageError(f"no .xlsx/.xlsm files found in {' '.join(paths)}")
    safety = SAFETY[0]
    options = batch.BatchOptions(as_of=day, profile=profile, password=password,
                                 limits=safety.limits, timeout=safety.timeout,
                                 memory_mb=safety.memory_mb, records=True)
    portfolio = core.Portfolio(as_of=day)
    streamer = None
    if target is Target.xlsx:  # rows stream into the workbook while the workers read
        from ..portfolio.workbook import Streamer

        streamer = Streamer(portfolio)
    order = {str(f): i for i, f in enumerate(files)}

    def arrived(r: dict[str, object]) -> None:
        if streamer is not None:
            streamer.add(order[str(r["path"])], r)

    results = batch.run(files, options, jobs=jobs, executor=executor, on_result=arrived)
    # every file not read is a Files row: skipped (a lock file, a hidden or feedback copy)
    # or unreadable (a folder that cannot be listed), as validate's summary lists them
    lost = batch.skipped_results(skipped, profile, day.isoformat())
    for line in skipped:
        typer.echo(f"poam-xl: skipped {shown(line)}", err=True)
    notes: list[str] = []
    if streamer is not None:
        for i, r in enumerate(lost):
            streamer.add(len(files) + i, r)
        notes = streamer.save(output)
    else:
        from ..portfolio import sqlite

        for r in results + lost:
            core.add(portfolio, r)
        sqlite.write(portfolio, output)
    for f in portfolio.unreadable:
        typer.echo(f"poam-xl: {shown(f['file'])}: {f['status']}: {shown(f['reason'])}", err=True)
    for note in notes:
        typer.echo(f"poam-xl: note: {note}", err=True)
    from ..values import plural

    passed = sum(f["status"] == "skipped" for f in portfolio.files)
    typer.echo(f"wrote {output}: {plural(len(portfolio.files) - passed, 'file')} "
               f"({len(portfolio.unreadable)} not read), {plural(len(portfolio.items), 'item')}, "
               f"{plural(len(portfolio.milestones), 'milestone')}, "
               f"{plural(len(portfolio.findings), 'finding')}"
               + (f"; {passed} skipped (in the Files list)" if passed else ""))
    if portfolio.unreadable:
        raise typer.Exit(int(ExitCode.UNREADABLE))
