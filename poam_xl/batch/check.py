"""One file of a batch: ``check_file`` validates it and never raises, under a time limit.

``check_file(path, options)`` is the pure per-file function (path in, JSON-able dict out; it
never raises and never writes to the input), the unit every executor maps.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import isolate
from ..errors import LimitExceededError, PoamXlError
from ..package import Limits


@dataclass(frozen=True)
class BatchOptions:
    """Everything a worker needs to check one file (picklable)."""

    as_of: dt.date
    profile: str = "auto"  # each file under its template's profile
    # your own (normalised header, field) pairs, before the vocabulary (usermap.parse)
    mapping: tuple[tuple[str, str | None], ...] = ()
    password: str | None = None
    limits: Limits = field(default_factory=Limits)
    timeout: float | None = 300.0  # seconds per file; None = no limit
    memory_mb: int | None = 4096  # address-space cap of a worker process; None = no cap
    # also return the file's header, items and milestones as plain records (``records`` key:
    # portfolio.records.file_records), so a roll-up never reads a file twice
    records: bool = False


def check_file(path: str | Path, options: BatchOptions, *, annotate_to: str | None = None
               ) -> dict[str, Any]:
    """Validate one workbook; always returns a JSON-able dict (status, error, findings, ...).

    Unreadable files get ``status: "unreadable"`` and a one-line ``error``; nothing raises.
    With ``options.records``, ``records`` holds the file's header, items and milestones.
    With ``annotate_to``, a feedback copy (findings highlighted) is written there.
    """
    result: dict[str, Any] = {
        "path": str(path), "status": "unreadable", "error": None, "profile": options.profile,
        "template": "unknown", "as_of": options.as_of.isoformat(), "summary": {}, "findings": [],
        "computed": [], "mapping": [], "skipped": [],  # every key of a read file's entry
    }
    try:
        with _deadline(options.timeout):
            report = _validate(Path(path), options)
            result.update(report.to_dict())
            result["path"] = str(path)
            if options.records:
                from ..portfolio.records import file_records

                result["records"] = file_records(report)
            if annotate_to is not None and report.poam is not None:
                try:  # an output problem is never the input's: the validation stands
                    result["annotated"] = _annotate(path, annotate_to, report, options.password)
                except PoamXlError as exc:
                    result.setdefault("notes", []).append(f"no feedback copy: {exc.reason}")
                    result["annotate_error"] = exc.reason
    except PoamXlError as exc:
        result["error"] = exc.reason + (f" [{exc.cell}]" if exc.cell else "")
        result["status"] = "unreadable"
    except MemoryError:
        result["error"] = (f"out of memory (worker capped at {options.memory_mb} MB): refused "
                           "(raise it with --memory-mb)")
    except RecursionError:
        result["error"] = "structure too deeply nested: refused"
    except OSError as exc:  # the file system, never "internal error"
        result["error"] = f"cannot read it ({exc.strerror or type(exc).__name__})"
    except Exception as exc:  # a bug of ours: this file fails, the batch goes on
        result["error"] = f"internal error: {type(exc).__name__}: {str(exc)[:160]}"
    lock = Path(path).with_name("~$" + Path(path).name)
    if _exists(lock):
        result.setdefault("notes", []).append(
            f"open in Excel ({lock.name} beside it): unsaved changes are not checked")
    return result


def _exists(p: Path) -> bool:
    try:
        return p.exists()
    except OSError:  # a name too long for the file system, a loop: no lock file
        return False


def warm(options: BatchOptions) -> None:
    """Validate a two-item workbook of our own (written to a temporary folder) in this
    process, so that processes forked from it afterwards (``--jobs 1``'s child per file, pool
    workers) start with pandera, the schemas and the rule catalogue loaded instead of each
    paying for them (about 0.3 s a file on the 2-core machine). Reads no user file; a failure
    here only means a colder start, never an error."""
    import tempfile

    from .. import template

    with contextlib.suppress(Exception), tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "warm.xlsx"
        template.build(sample_items=2, as_of=options.as_of, seed=0).save(path)
        _validate(path, BatchOptions(as_of=options.as_of, profile=options.profile))


def _validate(path: Path, options: BatchOptions) -> Any:
    from ..validation import validate

    read_options: dict[str, Any] = {"limits": options.limits}
    if options.password is not None:
        read_options["password"] = options.password
    if options.mapping:
        read_options["mapping"] = options.mapping
    return validate(path, profile=options.profile, as_of=options.as_of, **read_options)


def _annotate(src: str | Path, dst: str, report: Any, password: str | None = None) -> str:
    import zipfile

    from ..crypto import readable
    from ..update import annotated_copy  # lazy: workers that never annotate skip openpyxl/lxml
    from ..write import workbook_kind

    # an encrypted workbook (--password): the copy is made from its decrypted version and is
    # not encrypted itself, as every output poam-xl writes from one
    with readable(src, password) as plain:
        # the copy takes the extension of the workbook's kind (what Excel checks); not a
        # package: annotated_copy refuses it in one line
        with contextlib.suppress(OSError, zipfile.BadZipFile):
            dst = str(Path(dst).with_suffix(workbook_kind(plain)))
        annotated_copy(plain, dst, report)
    return dst


@contextlib.contextmanager
def _deadline(seconds: float | None) -> Iterator[None]:
    """Stop a file that takes longer than ``seconds`` (main thread only: SIGALRM)."""
    if not seconds or threading.current_thread() is not threading.main_thread() or not hasattr(
            signal, "setitimer"):
        yield
        return

    def expired(signum: int, frame: Any) -> None:
        raise LimitExceededError(f"took longer than {seconds:g} s: stopped (raise it with --timeout)")

    old = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    _cpu_backstop(seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _cpu_backstop(seconds: float) -> None:
    """In a worker, code that never returns to Python (a parser loop) is killed by RLIMIT_CPU."""
    if _IN_WORKER["on"] or isolate.SETTINGS.inside:
        isolate.cap_process(None, 2 * seconds + 10)


_IN_WORKER = {"on": False}


def _init_worker(memory_mb: int | None) -> None:
    _IN_WORKER["on"] = True
    isolate.SETTINGS.inside = True  # a capped worker: its reads never fork again
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    isolate.quiet_stderr()  # a reader aborting in this worker prints no backtrace
    isolate.cap_process(memory_mb)
