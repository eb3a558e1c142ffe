"""The typer app, shared options, and the one place exceptions become exit codes."""

from __future__ import annotations

import datetime as dt
import functools
import gc
import inspect
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import typer

from ..errors import ExitCode, PoamXlError, UsageError

app = typer.Typer(
    name="poam-xl",
    help="POA&M workbooks: generate the template, validate submissions, fill due dates, convert formats.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

F = TypeVar("F", bound=Callable[..., Any])
DEBUG = {"on": bool(os.environ.get("POAM_XL_DEBUG"))}


def fail(message: str, code: ExitCode = ExitCode.UNREADABLE) -> None:
    """Print one line to stderr and exit with ``code``."""
    typer.echo(f"poam-xl: error: {message}", err=True)
    raise typer.Exit(int(code))


PIPE_CLOSED = 141  # 128 + SIGPIPE: what Unix tools exit with when their reader goes away


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real stdout (a test runner's capture): nothing to do
        pass


def handle_errors(func: F) -> F:
    """Map the library's exceptions to one-line messages and exit codes (nowhere else does this)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except typer.Exit:
            raise
        except PoamXlError as exc:
            if DEBUG["on"]:
                raise
            fail(str(exc), ExitCode.UNREADABLE)
        except KeyboardInterrupt:
            fail("interrupted", ExitCode.UNREADABLE)
        except BrokenPipeError:  # the reader of our output left (`| head`): stop quietly
            _quiet_stdout()
            raise typer.Exit(PIPE_CLOSED) from None
        except OSError as exc:  # the file system (full disk, read-only, a name too long ...)
            if DEBUG["on"]:
                raise
            from ..errors import shown
            from ..write import os_error_text

            where = f"{shown(exc.filename)}: " if exc.filename else ""
            fail(f"{where}{os_error_text(exc)}", ExitCode.UNREADABLE)
        except Exception as exc:  # a bug of ours: one line unless --debug
            if DEBUG["on"]:
                raise
            fail(f"internal error: {type(exc).__name__}: {str(exc)[:200]} (run with --debug for "
                 "the traceback)", ExitCode.INTERNAL)

    return wrapper  # type: ignore[return-value]


def parse_as_of(value: str | None, option: str = "--as-of") -> dt.date:
    """--as-of YYYY-MM-DD (default: today), or another date ``option`` (--scan-date). The
    clock is read here, in the shell, only. Raises UsageError naming ``option`` for a value
    that is not a date or one outside what a date column holds (1900-01-01 to 2262-04-11)."""
    from ..dates import check_day

    if not value:
        return dt.date.today()
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option} must be a date like 2026-03-31, not {value!r}") from None
    return check_day(day, option)


AS_OF = typer.Option(None, "--as-of", help="Date to compute due/overdue from (YYYY-MM-DD; default today).")
# the options of the verbs that read a batch of workbooks (validate, rollup), declared once
INPUTS = typer.Argument(..., help="Workbooks, folders (searched recursively for "
                        ".xlsx/.xlsm/.xls/.xlsb/.ods) or globs such as 'inbox/**/*.xlsx'.")
PROFILE = typer.Option("auto", "--profile", help="Rule set: auto (each file by the template it "
                       "uses), dss, fedramp, emass, cmmc or generic.")
JOBS = typer.Option(None, "--jobs", "-j", min=1, help="Files read at once, each in its own "
                    "capped process (default: CPU count; 1 = one after another, no pool).")
PASSWORD = typer.Option(None, "--password", envvar="POAM_XL_PASSWORD",
                        help="Password of encrypted workbooks (or set POAM_XL_PASSWORD).")

# The safety options of every verb that reads a workbook, defined once (``reads_workbooks``).
LIMIT_OPTIONS: dict[str, tuple[Any, Any]] = {
    "timeout": (float, typer.Option(300.0, "--timeout", min=0, help="Seconds per workbook "
                                    "before it is stopped and reported (0 = no limit).")),
    "memory_mb": (int, typer.Option(4096, "--memory-mb", min=0, help="Memory cap (MB) of the "
                                    "process that reads a workbook (0 = none).")),
    "max_rows": (int | None, typer.Option(None, "--max-rows", min=1, help="Refuse sheets with "
                                          "more rows holding values (default 200,000).")),
    "max_columns": (int | None, typer.Option(None, "--max-columns", min=1, help="Refuse sheets "
                                             "spanning more columns (default 500).")),
    "max_cells": (int | None, typer.Option(None, "--max-cells", min=1, help="Refuse workbooks "
                                           "whose sheets span more cells in all (default "
                                           "10,000,000).")),
    "max_sheets": (int | None, typer.Option(None, "--max-sheets", min=1, help="Refuse workbooks "
                                            "with more sheets (default 1,000).")),
    "max_file_mb": (int | None, typer.Option(None, "--max-file-mb", min=1,
                                             help="Refuse larger files (default 200).")),
}


@dataclass(frozen=True)
class Safety:
    """The values of the LIMIT_OPTIONS a verb was given."""

    limits: Any  # package.Limits
    timeout: float | None
    memory_mb: int | None


SAFETY: list[Safety] = []  # the current verb's, for verbs that pass them on (validate's batch)


def safety_from(timeout: float = 300.0, memory_mb: int = 4096, max_rows: int | None = None,
                max_columns: int | None = None, max_cells: int | None = None,
                max_sheets: int | None = None, max_file_mb: int | None = None) -> Safety:
    """Limits and caps from the options (raising --max-rows or --max-columns raises the cell
    budget to fit)."""
    from ..package import Limits

    base = Limits()
    rows, cols = max_rows or base.max_rows, max_columns or base.max_columns
    cells = max_cells or max(base.max_cells, rows * cols if (max_rows or max_columns) else 0)
    limits = replace(base, max_rows=rows, max_columns=cols, max_cells=cells,
                     max_sheets=max_sheets or base.max_sheets,
                     max_file_bytes=(max_file_mb * 1024**2) if max_file_mb else base.max_file_bytes)
    return Safety(limits, timeout or None, memory_mb or None)


def reads_workbooks(func: F | None = None, *, whole: bool = True) -> Any:
    """Give a verb the LIMIT_OPTIONS: its reads then run in a capped child (``isolate``) under
    these limits, and (``whole``) the whole verb under twice --timeout (validate: per file)."""
    if func is None:
        return functools.partial(reads_workbooks, whole=whole)
    sig = inspect.signature(func)
    extra = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=opt, annotation=kind)
             for name, (kind, opt) in LIMIT_OPTIONS.items()]

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from .. import isolate
        from ..batch.check import _deadline
        from ..package import configure_limits

        safety = safety_from(**{k: kwargs.pop(k) for k in LIMIT_OPTIONS if k in kwargs})
        configure_limits(safety.limits)
        isolate.configure(enabled=True, timeout=safety.timeout, memory_mb=safety.memory_mb)
        SAFETY[:] = [safety]
        with _deadline(safety.timeout * 2 + 10 if safety.timeout and whole else None):
            return func(*args, **kwargs)

    wrapper.__signature__ = sig.replace(  # type: ignore[attr-defined,unused-ignore]
        parameters=[*sig.parameters.values(), *extra])
    return wrapper


def _version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"poam-xl {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show Python tracebacks on errors."),
    version: bool = typer.Option(False, "--version", is_eager=True, callback=_version,
                                 help="Print the version and exit."),
) -> None:
    if debug:
        DEBUG["on"] = True
        os.environ["POAM_XL_DEBUG"] = "1"


def main() -> None:
    """Console-script entry point."""
    _without_data_synthesis()
    if "--debug" in sys.argv:  # accepted anywhere: `poam-xl validate x.xlsx --debug` too
        DEBUG["on"] = True
        os.environ["POAM_XL_DEBUG"] = "1"
        sys.argv = [a for a in sys.argv if a != "--debug"]
    try:
        _run()
    finally:
        # the work is done: the interpreter's last collection at exit need not walk every
        # object pandas and pandera made (0.1 s of a cold run on the 2-core machine); atexit
        # handlers and module teardown still run as usual
        gc.freeze()


def _run() -> None:
    was_null = _stdout_is_null()
    try:
        app()
    except SystemExit as exc:
        # a closed pipe outside our handlers ends with exit 1: click's (--help, --version) swaps
        # stdout for its PacifyFlushWrapper (typer vendors click, so by name), rich's
        # Console.on_broken_pipe points stdout at /dev/null. Report it the Unix way, as 141.
        if exc.code == 1 and (type(sys.stdout).__name__ == "PacifyFlushWrapper"
                              or (_stdout_is_null() and not was_null)):
            _quiet_stdout()
            raise SystemExit(PIPE_CLOSED) from None
        raise
    except BrokenPipeError:
        _quiet_stdout()
        raise SystemExit(PIPE_CLOSED) from None
    except OSError as exc:  # writing help or the version (outside the commands): one line
        from ..write import os_error_text

        _quiet_stdout()
        sys.stderr.write(f"poam-xl: error: cannot write the output: {os_error_text(exc)}\n")
        raise SystemExit(int(ExitCode.UNREADABLE)) from None


def _without_data_synthesis() -> None:
    """Keep hypothesis out of a CLI process: pandera imports it, when it is installed, for its
    data-synthesis strategies (``pandera.strategies``), the first time a schema validates:
    0.1 s of every cold start on the 2-core machine, for a feature the CLI never uses. A None
    entry in ``sys.modules`` makes that import fail, and pandera then goes without strategies
    (its documented fallback when hypothesis is absent). Only the console script does this;
    the library and an Excel session (``xl``/``udf``) import as usual."""
    if "hypothesis" not in sys.modules:
        sys.modules["hypothesis"] = None  # type: ignore[assignment]


def _stdout_is_null() -> bool:
    try:
        return os.path.samestat(os.fstat(sys.stdout.fileno()), os.stat(os.devnull))
    except (OSError, ValueError, AttributeError):
        return False
