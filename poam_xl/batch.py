"""Validate many workbooks: find them, check each in a process pool, never stop on a bad one.

``check_file(path, options)`` is the pure per-file function (path in, JSON-able dict out; it
never raises and never writes to the input). ``run`` is a plain map of it over a
``concurrent.futures.ProcessPoolExecutor``; the same function maps under Dask or Ray::

    client.map(check_file, paths, options=options)          # dask.distributed
    ray.get([ray.remote(check_file).remote(p, options) for p in paths])
"""

from __future__ import annotations

import contextlib
import datetime as dt
import glob
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import LimitExceededError, PoamXlError
from .findings import SEVERITY_ORDER
from .package import Limits

SUFFIXES = (".xlsx", ".xlsm")
GLOB_CHARS = set("*?[")


@dataclass(frozen=True)
class Options:
    """Everything a worker needs to check one file (picklable)."""

    as_of: dt.date
    profile: str = "dss"
    password: str | None = None
    limits: Limits = field(default_factory=Limits)
    timeout: float | None = 300.0  # seconds per file; None = no limit
    memory_mb: int | None = 4096  # address-space cap of a worker process; None = no cap


# ---------------------------------------------------------------- which files
def find_files(args: Iterable[str | Path], exclude: Iterable[Path] = ()
               ) -> tuple[list[Path], list[str]]:
    """Files named, found in folders (recursively) or matched by globs; plus what was skipped.

    Folders yield .xlsx/.xlsm files only, never Office lock files (``~$*``) or hidden files;
    symlinked folders are followed once (a symlink loop is visited once, not forever). A name
    that matches nothing is kept, so the report says "file not found" for it.
    """
    files: list[Path] = []
    skipped: list[str] = []
    excluded = {_key(p) for p in exclude if p.exists()}
    for arg in args:
        text = str(arg)
        p = Path(text)
        if p.is_dir():
            files += _walk(p, skipped, excluded)
        elif not p.exists() and "**" in text:
            files += _deep_glob(text, skipped, excluded)
        elif not p.exists() and GLOB_CHARS & set(text):
            for m in sorted(glob.glob(text)):
                mp = Path(m)
                if mp.is_dir():
                    files += _walk(mp, skipped, excluded)
                elif _wanted(mp.name):
                    files.append(mp)
        else:
            files.append(p)
    seen: set[str] = set()
    unique = []
    for f in files:
        k = os.path.abspath(f)
        if k not in seen:
            seen.add(k)
            unique.append(f)
    return unique, skipped


def _deep_glob(pattern: str, skipped: list[str], excluded: set[tuple[int, int]]) -> list[Path]:
    """'inbox/**/*.xlsx' without glob's own recursion (which follows symlink loops ~40 deep)."""
    import fnmatch

    parts = Path(pattern).parts
    cut = next(i for i, part in enumerate(parts) if GLOB_CHARS & set(part))
    base = Path(*parts[:cut]) if cut else Path(".")
    if not base.is_dir():
        return []
    flat = os.path.normpath(pattern).replace("**" + os.sep, "*")
    return [f for f in _walk(base, skipped, excluded)
            if fnmatch.fnmatch(os.path.normpath(f), flat)]


def _key(p: Path) -> tuple[int, int]:
    st = p.stat()
    return st.st_dev, st.st_ino


def _wanted(name: str) -> bool:
    return name.lower().endswith(SUFFIXES) and not name.startswith(("~$", "."))


def _walk(root: Path, skipped: list[str], excluded: set[tuple[int, int]]) -> list[Path]:
    out: list[Path] = []
    visited: set[tuple[int, int]] = set()
    for folder, dirs, names in os.walk(root, followlinks=True, onerror=lambda e: skipped.append(
            f"{e.filename}: {e.strerror}")):
        try:
            key = _key(Path(folder))
        except OSError:
            dirs[:] = []
            continue
        if key in visited or key in excluded:  # symlink loop, or our own output folder
            dirs[:] = []
            if key in visited:
                skipped.append(f"{folder}: symlink loop, already visited")
            continue
        visited.add(key)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if name.startswith("~$"):
                skipped.append(f"{Path(folder) / name}: Office lock file")
            elif name.lower().endswith((".xls", ".xlsb")) and not name.startswith("."):
                skipped.append(f"{Path(folder) / name}: not .xlsx/.xlsm (Save As .xlsx to check it)")
            elif _wanted(name):
                out.append(Path(folder) / name)
    return out


# ---------------------------------------------------------------- one file
def check_file(path: str | Path, options: Options, *, annotate_to: str | None = None
               ) -> dict[str, Any]:
    """Validate one workbook; always returns a JSON-able dict (status, error, findings, ...).

    Unreadable files get ``status: "unreadable"`` and a one-line ``error``; nothing raises.
    With ``annotate_to``, a feedback copy (findings highlighted) is written there.
    """
    result: dict[str, Any] = {
        "path": str(path), "status": "unreadable", "error": None, "profile": options.profile,
        "template": "unknown", "as_of": options.as_of.isoformat(), "summary": {}, "findings": [],
    }
    try:
        with _deadline(options.timeout):
            report = _validate(Path(path), options)
            result.update(report.to_dict())
            result["path"] = str(path)
            if annotate_to is not None and report.poam is not None:
                result["annotated"] = _annotate(path, annotate_to, report)
    except PoamXlError as exc:
        result["error"] = exc.reason + (f" [{exc.cell}]" if exc.cell else "")
        result["status"] = "unreadable"
    except MemoryError:
        result["error"] = (f"out of memory (worker capped at {options.memory_mb} MB): refused "
                           "(raise it with --memory-mb)")
    except RecursionError:
        result["error"] = "structure too deeply nested: refused"
    except Exception as exc:  # a bug of ours: this file fails, the batch goes on
        result["error"] = f"internal error: {type(exc).__name__}: {str(exc)[:160]}"
    lock = Path(path).with_name("~$" + Path(path).name)
    if lock.exists():
        result["notes"] = [f"open in Excel ({lock.name} beside it): unsaved changes are not checked"]
    return result


def _validate(path: Path, options: Options) -> Any:
    from .validation import validate

    read_options: dict[str, Any] = {"limits": options.limits}
    if options.password is not None:
        read_options["password"] = options.password
    return validate(path, profile=options.profile, as_of=options.as_of, **read_options)


def _annotate(src: str | Path, dst: str, report: Any) -> str:
    try:
        from .update import annotated_copy
    except ImportError:
        return "not available yet"
    annotated_copy(src, dst, report)
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
    if not _IN_WORKER["on"]:
        return
    import resource

    used = sum(os.times()[:2])
    soft = int(used + 2 * seconds + 10)
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard == resource.RLIM_INFINITY or soft < hard:
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


_IN_WORKER = {"on": False}


def _init_worker(memory_mb: int | None) -> None:
    _IN_WORKER["on"] = True
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    if memory_mb:
        import resource

        cap = memory_mb * 1024**2
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard == resource.RLIM_INFINITY or cap < hard:
            resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


# ---------------------------------------------------------------- many files
def run(paths: list[Path], options: Options, *, jobs: int | None = None,
        annotate: dict[str, str] | None = None,
        on_result: Callable[[dict[str, Any]], None] | None = None) -> list[dict[str, Any]]:
    """``check_file`` over ``paths`` (in input order), ``jobs`` processes; 1 = in this process.

    A worker that dies (a parser aborting, the memory or CPU cap) loses only its file: the
    unfinished files are retried a few at a time, then alone, and a file that kills its
    worker on its own is reported unreadable.
    """
    jobs = max(1, jobs or os.cpu_count() or 1)
    annotate = annotate or {}
    names = [str(p) for p in paths]
    results: dict[int, dict[str, Any]] = {}

    def done(i: int, r: dict[str, Any]) -> None:
        results[i] = r
        if on_result is not None:
            on_result(r)

    if jobs == 1 or len(names) == 1:
        for i, name in enumerate(names):
            done(i, check_file(name, options, annotate_to=annotate.get(name)))
        return [results[i] for i in range(len(names))]
    queue = list(range(len(names)))
    careful = False
    while queue:
        wave = queue[:jobs] if careful else queue
        queue = queue[len(wave):]
        lost = _pool(wave, names, options, annotate, min(jobs, len(wave)), done)
        if lost and not careful:
            careful, queue = True, lost + queue
            continue
        for i in lost:  # careful mode: each lost file alone in a fresh worker
            if _pool([i], names, options, annotate, 1, done):
                done(i, _crashed(names[i], options))
    return [results[i] for i in range(len(names))]


def _pool(indices: list[int], names: list[str], options: Options, annotate: dict[str, str],
          jobs: int, done: Callable[[int, dict[str, Any]], None]) -> list[int]:
    lost: list[int] = []
    with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker,
                             initargs=(options.memory_mb,)) as ex:
        futures = {ex.submit(check_file, names[i], options, annotate_to=annotate.get(names[i])): i
                   for i in indices}
        for fut in as_completed(futures):
            i = futures[fut]
            try:
                done(i, fut.result())
            except BrokenProcessPool:
                lost.append(i)
    return sorted(lost)


def _crashed(path: str, options: Options) -> dict[str, Any]:
    return {"path": path, "status": "unreadable", "profile": options.profile,
            "template": "unknown", "as_of": options.as_of.isoformat(), "summary": {},
            "findings": [], "error": "the checker process died on this file (out of memory or "
            "CPU time: a hostile or enormous workbook?): refused"}


def exit_code(results: list[dict[str, Any]], fail_on: str = "error") -> int:
    """2 if any file was unreadable, else 1 if findings at/above ``fail_on``, else 0."""
    if any(r["status"] == "unreadable" for r in results):
        return 2
    if fail_on == "never":
        return 0
    threshold = SEVERITY_ORDER[fail_on]
    for r in results:
        if any(SEVERITY_ORDER.get(f.get("severity", ""), 0) >= threshold for f in r["findings"]):
            return 1
    return 0


def counts(results: list[dict[str, Any]]) -> dict[str, int]:
    out = {"files": len(results), "ok": 0, "warnings": 0, "errors": 0, "unreadable": 0}
    for r in results:
        out[r["status"]] = out.get(r["status"], 0) + 1
    return out
