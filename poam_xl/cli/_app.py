"""The typer app, shared options, and the one place exceptions become exit codes."""

from __future__ import annotations

import datetime as dt
import functools
import os
import sys
from collections.abc import Callable
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
        except Exception as exc:  # a bug of ours: one line unless --debug
            if DEBUG["on"]:
                raise
            fail(f"internal error: {type(exc).__name__}: {str(exc)[:200]} (run with --debug for "
                 "the traceback)", ExitCode.INTERNAL)

    return wrapper  # type: ignore[return-value]


def parse_as_of(value: str | None) -> dt.date:
    """--as-of YYYY-MM-DD (default: today). The clock is read here, in the shell, only."""
    if not value:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--as-of must be a date like 2026-03-31, not {value!r}") from None


AS_OF = typer.Option(None, "--as-of", help="Date to compute due/overdue from (YYYY-MM-DD; default today).")


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


def main() -> None:
    """Console-script entry point."""
    if "--debug" in sys.argv:  # accepted anywhere: `poam-xl validate x.xlsx --debug` too
        DEBUG["on"] = True
        sys.argv = [a for a in sys.argv if a != "--debug"]
    app()
