"""`poam-xl validate`: check one workbook or a whole folder of submissions, in parallel."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Any

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


class OutputFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    junit = "junit"


class FailOn(str, Enum):
    error = "error"
    warning = "warning"
    never = "never"


OUTPUT_SUFFIXES = {".json", ".csv", ".xml", ".txt", ".junit"}


@app.command()
@handle_errors
@reads_workbooks(whole=False)
def validate(
    paths: list[str] = INPUTS,
    as_of: str | None = AS_OF,
    profile: str = PROFILE,
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="Output on stdout."),
    output: Path | None = typer.Option(None, "--output", "-o", help="A file for the --format "
                                       "output, or a folder for per-file JSON reports plus "
                                       "summary.json and summary.csv."),
    annotate: bool = typer.Option(False, "--annotate", help="With --output DIR: write each "
                                  "file's feedback copy (findings highlighted) there."),
    fail_on: FailOn = typer.Option(FailOn.error, "--fail-on", help="Exit 1 when findings of this "
                                   "severity or worse exist."),
    jobs: int | None = JOBS,
    password: str | None = PASSWORD,
    executor: str = typer.Option("process", "--executor", help="process (default) or dask "
                                 "(a local Dask cluster; pip install 'poam-xl[dask]')."),
    scheduler: str | None = typer.Option(None, "--scheduler", help="With --executor dask: an "
                                         "existing Dask cluster's scheduler (tcp://host:8786); "
                                         "its workers must see the files at the same paths."),
    map_: list[str] = typer.Option([], "--map", help="Your own mapping of a header to a field: "
                                   "'Header=field' (repeatable; field 'keep' = no field)."),
    mapping_file: Path | None = typer.Option(None, "--mapping", help="A mapping file (TOML, "
                                             "YAML or JSON: header -> field)."),
    save_mapping: Path | None = typer.Option(None, "--save-mapping", help="Write the mapping "
                                             "the read used (one workbook) to this file."),
    show_mapping: bool = typer.Option(False, "--show-mapping", help="Print how each header "
                                      "was read (template, sheet, column, field or kept)."),
    all_findings: bool = typer.Option(False, "--all", help="Table output: every finding (by "
                                      "default a file with over 60 findings is summarised by "
                                      "rule, with the first rows of each)."),
) -> None:
    """Validate POA&M workbooks and report findings per file; a bad file never stops the batch.

    Exit code: 2 if any file was unreadable, else 1 if findings at/above --fail-on, else 0.

    Example: poam-xl validate inbox/ --format json --output reports/ --jobs 4
    """
    from .. import batch, usermap
    from ..errors import UsageError

    day = parse_as_of(as_of)
    out_dir = _output_dir(output, annotate)
    files, skipped = batch.find_files(paths, exclude=[out_dir] if out_dir else [])
    if not files:
        raise UsageError(f"no .xlsx/.xlsm files found in {' '.join(paths)}")
    safety = SAFETY[0]
    options = batch.BatchOptions(as_of=day, profile=profile, password=password,
                                 limits=safety.limits, timeout=safety.timeout,
                                 memory_mb=safety.memory_mb,
                                 mapping=usermap.parse(map_, mapping_file))
    if save_mapping is not None:
        from .. import usermap
        from ..write import refuse_inputs

        refuse_inputs(save_mapping, files, "--save-mapping")
        usermap.check_target(save_mapping)
    if save_mapping is not None and len(files) != 1:
        raise UsageError("--save-mapping writes one workbook's mapping: give one file")
    _check_profile(profile)
    targets = batch.annotate_targets(files, out_dir) if annotate and out_dir else {}
    if out_dir is not None:
        batch.prepare(out_dir)
    if scheduler and executor != "dask":
        raise UsageError("--scheduler is the address of a Dask cluster: use it with --executor dask")
    results = _run(files, options, jobs, targets, executor, quiet=len(files) == 1,
                   scheduler=scheduler)
    if options.mapping:  # a --map header no file has is said, never ignored quietly
        keys = usermap.unmatched(options.mapping, [r["mapping"] for r in results
                                                   if r.get("mapping")])
        if keys:
            where = shown(files[0]) if len(files) == 1 else "any file read"
            typer.echo(usermap.warn_unmatched(keys, where, map_, mapping_file), err=True)
    to_screen = fmt is OutputFormat.table and output is None and out_dir is None
    for r in results:  # a table on screen already says it; otherwise one line where errors go
        if r.get("status") == "unreadable" and not to_screen:
            typer.echo(f"poam-xl: {shown(r['path'])}: {r.get('error')}", err=True)
    for line in skipped:
        typer.echo(f"poam-xl: skipped {shown(line)}", err=True)
    results += batch.skipped_results(skipped, profile, day.isoformat())  # listed, never lost
    _emit(results, fmt, output if out_dir is None else None, all_findings, fail_on.value)
    if show_mapping:
        from .. import report

        for r in results:
            typer.echo("\n".join(report.mapping_lines(r)), err=fmt is not OutputFormat.table)
    if save_mapping is not None and results[0].get("mapping"):
        usermap.save(save_mapping, results[0]["mapping"])
        typer.echo(f"wrote mapping {save_mapping}", err=True)
    if out_dir is not None:
        _write_dir(results, out_dir)
    raise typer.Exit(batch.exit_code(results, fail_on.value))


def _check_profile(name: str) -> None:
    from ..profiles import check_name

    check_name(name)  # UsageError for an unknown profile, before any file is read


def _output_dir(output: Path | None, annotate: bool) -> Path | None:
    from ..errors import UsageError

    if output is None:
        if annotate:
            raise UsageError("--annotate needs --output DIR (feedback copies are never written "
                             "over the inputs)")
        return None
    if output.is_dir() or output.suffix.lower() not in OUTPUT_SUFFIXES:
        return output
    if annotate:
        raise UsageError("--annotate needs --output to be a folder, not a file")
    return None


def _run(files: list[Path], options: Any, jobs: int | None, targets: dict[str, str],
         executor: str, quiet: bool, scheduler: str | None = None) -> list[dict[str, Any]]:
    from .. import batch

    if quiet or executor != "process":
        return batch.run(files, options, jobs=jobs, annotate=targets, executor=executor,
                         scheduler=scheduler)
    if sys.stderr.isatty():
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        with Progress("[progress.description]{task.description}", BarColumn(),
                      MofNCompleteColumn(), TimeRemainingColumn(), transient=True) as bar:
            task = bar.add_task("validating", total=len(files))
            return batch.run(files, options, jobs=jobs, annotate=targets,
                             on_result=lambda r: bar.advance(task))
    done = [0]

    def line(r: dict[str, Any]) -> None:
        done[0] += 1
        typer.echo(f"[{done[0]}/{len(files)}] {shown(r['path'])}: {r['status']}", err=True)

    return batch.run(files, options, jobs=jobs, annotate=targets, on_result=line)


def _emit(results: list[dict[str, Any]], fmt: OutputFormat, output: Path | None,
          all_findings: bool = False, fail_on: str = "error") -> None:
    from .. import report
    from ..write import atomic_path

    if fmt is OutputFormat.table and output is None and sys.stdout.isatty():
        from rich.console import Console

        console = Console(soft_wrap=False)
        for r in results:
            report.to_console(r, console, all_findings)
        if len(results) > 1:
            typer.echo(_totals(results))
        return
    text = {OutputFormat.json: lambda: report.to_json(results),
            OutputFormat.csv: lambda: report.to_csv(results),
            OutputFormat.junit: lambda: report.to_junit(results, fail_on),
            OutputFormat.table: lambda: _plain(results, all_findings)}[fmt]()
    if output is None:
        sys.stdout.write(text)
        return
    with atomic_path(output) as tmp:
        tmp.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {output}", err=True)


def _plain(results: list[dict[str, Any]], all_findings: bool) -> str:
    """The table output for a file or a pipe: plain text, no terminal layout."""
    from .. import report

    text = "".join(report.to_text(r, all_findings) for r in results)
    return text + (_totals(results) + "\n" if len(results) > 1 else "")


def _totals(results: list[dict[str, Any]]) -> str:
    from ..batch import counts

    c = counts(results)
    from ..values import plural

    return (f"{plural(c['files'], 'file')}: {c['ok']} ok, {c['warnings']} with warnings, {c['errors']} "
            f"with errors, {c['unreadable']} unreadable")


def _write_dir(results: list[dict[str, Any]], out_dir: Path) -> None:
    from .. import batch, report

    n = batch.write_reports(results, out_dir)
    for r in results:
        if r.get("annotate_error"):
            typer.echo(f"poam-xl: {r['path']}: no feedback copy: {r['annotate_error']}", err=True)
    typer.echo(f"wrote {report.plural(n, 'report')}, summary.json and summary.csv to {out_dir}",
               err=True)
