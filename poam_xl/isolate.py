"""The one place a workbook reader runs apart: a forked child with memory, CPU and time caps.

A parser that aborts the process (python-calamine's Rust allocator on a hostile extent the
scanner did not foresee, a native crash), runs out of memory or never returns takes only the
child with it: the caller gets one WorkbookError naming the file. The CLI turns this on
(``configure``) for every verb; library calls run in-process unless they ask for it, and code
already inside a capped child or batch worker never forks again.

- ``run(fn, *args, path=...)``: ``fn(*args)`` in the child; its result (pickled back) or its
  PoamXlError (re-raised in the caller); a dead child or a timeout become WorkbookError /
  LimitExceededError naming ``path``;
- ``cap_process(memory_mb, cpu_seconds)``: the resource limits (RLIMIT_AS, RLIMIT_CPU) that the
  child and the batch's pool workers both set.
"""

from __future__ import annotations

import contextlib
import faulthandler
import os
import pickle
import select
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from .errors import LimitExceededError, PoamXlError, WorkbookError

T = TypeVar("T")


@dataclass
class Settings:
    enabled: bool = False  # the CLI turns isolation on for every verb
    timeout: float | None = 300.0  # wall-clock seconds per read
    memory_mb: int | None = 4096  # address-space cap of the child
    inside: bool = False  # True in a capped child or batch worker: never fork again


SETTINGS = Settings()


def configure(*, enabled: bool = True, timeout: float | None = 300.0,
              memory_mb: int | None = 4096) -> None:
    """Turn isolation on (or off) with these caps, for every later ``run``/``maybe``."""
    SETTINGS.enabled, SETTINGS.timeout, SETTINGS.memory_mb = enabled, timeout, memory_mb


def active() -> bool:
    """True when ``maybe`` would run its function in a child."""
    return SETTINGS.enabled and not SETTINGS.inside and hasattr(os, "fork")


def maybe(fn: Callable[..., T], *args: Any, path: Any = None, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)`` in a capped child when isolation is on, else right here."""
    if not active():
        return fn(*args, **kwargs)
    return run(fn, *args, path=path, **kwargs)


def quiet_stderr() -> None:
    """Point this process's stderr (fd 2) at /dev/null, unless POAM_XL_DEBUG is set: a parser
    that aborts here (a Rust allocation failure prints a backtrace of hundreds of lines) must
    stay unseen; the caller reports the file in one line. For capped children and pool
    workers only: what they have to say comes back as their result."""
    if os.environ.get("POAM_XL_DEBUG"):
        return
    faulthandler.disable()  # it may write to a copy of stderr (pytest's, a host's)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)


def cap_process(memory_mb: int | None, cpu_seconds: float | None = None) -> None:
    """Cap this process's address space (MB) and CPU time (s); never raises a hard limit."""
    import resource

    if memory_mb:
        cap = memory_mb * 1024**2
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard == resource.RLIM_INFINITY or cap < hard:
            resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    if cpu_seconds:
        used = sum(os.times()[:2])
        soft = int(used + cpu_seconds)
        _, hard = resource.getrlimit(resource.RLIMIT_CPU)
        if hard == resource.RLIM_INFINITY or soft < hard:
            resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def run(fn: Callable[..., T], *args: Any, path: Any = None, timeout: float | None = None,
        memory_mb: int | None = None, **kwargs: Any) -> T:
    """Run ``fn(*args, **kwargs)`` in a forked child capped at ``memory_mb`` MB and ``timeout``
    seconds (defaults: ``SETTINGS``); return its result or re-raise its PoamXlError. Raises
    WorkbookError naming ``path`` when the child dies, LimitExceededError when time runs out."""
    timeout = SETTINGS.timeout if timeout is None else timeout
    memory_mb = SETTINGS.memory_mb if memory_mb is None else memory_mb
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: cap, run, send the outcome, leave without cleanup handlers
        os.close(rfd)
        code = 0
        try:
            SETTINGS.inside = True
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
            quiet_stderr()
            _preload()  # the reader's native library maps its segments before the cap
            cap_process(memory_mb, 2 * timeout + 10 if timeout else None)
            try:
                outcome: tuple[str, Any] = ("ok", fn(*args, **kwargs))
            except PoamXlError as exc:
                outcome = ("error", exc)
            except (MemoryError, ImportError):  # an import under the cap fails to map memory
                outcome = ("error", LimitExceededError(
                    f"out of memory (the reader is capped at {memory_mb} MB): refused (raise it "
                    "with --memory-mb)", path=path))
            except RecursionError:
                outcome = ("error", WorkbookError("structure too deeply nested: refused", path=path))
            except BaseException as exc:  # a bug of ours: the caller reports it
                outcome = ("bug", f"{type(exc).__name__}: {str(exc)[:200]}")
            data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(wfd, "wb") as out:
                out.write(data)
        except BaseException:
            code = 3
        finally:
            os._exit(code)
    os.close(wfd)
    try:
        data = _collect(rfd, pid, timeout, path)
    except BaseException:  # our own deadline, Ctrl-C: the child goes too
        _kill(pid)
        raise
    finally:
        os.close(rfd)
    _, status = os.waitpid(pid, 0)
    if not data:
        raise WorkbookError(_death(status, memory_mb), path=path)
    kind, value = pickle.loads(data)
    if kind == "ok":
        return value  # type: ignore[no-any-return]
    if kind == "error":
        raise value
    raise RuntimeError(value)


def near_cap(share: float = 0.85) -> int | None:
    """The address-space cap (MB) of this process when its peak use (Linux ``VmPeak``) came
    within ``share`` of it, else None: tells a reader whose native library failed (a Rust
    panic on a refused allocation) that the cap, not the file, is the likely cause."""
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return None
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            peak = next((int(line.split()[1]) * 1024 for line in status
                         if line.startswith("VmPeak:")), 0)
    except (OSError, ValueError):
        return None
    return soft // 1024**2 if peak >= share * soft else None


def _preload() -> None:
    """Import the native reader (python-calamine) so that the capped child need not map it."""
    with contextlib.suppress(ImportError):  # the caller's own import reports it
        import python_calamine  # noqa: F401


def _collect(rfd: int, pid: int, timeout: float | None, path: Any) -> bytes:
    """Read the child's outcome until it closes the pipe; kill it when the time is up."""
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout if timeout else None
    while True:
        wait = None if deadline is None else max(0.0, deadline - time.monotonic())
        ready, _, _ = select.select([rfd], [], [], wait)
        if not ready:
            _kill(pid)
            raise LimitExceededError(f"took longer than {timeout:g} s: stopped (raise it with "
                                     "--timeout)", path=path)
        chunk = os.read(rfd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _death(status: int, memory_mb: int | None) -> str:
    cap = f"memory cap {memory_mb} MB" if memory_mb else "no memory cap"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        name = signal.Signals(sig).name if sig in signal.Signals.__members__.values() else str(sig)
        why = {"SIGXCPU": "CPU time", "SIGKILL": "killed", "SIGABRT": "aborted",
               "SIGSEGV": "crashed"}.get(name, name)
        if memory_mb and name in ("SIGABRT", "SIGSEGV", "SIGKILL"):  # a refused allocation
            return (f"the reader process died on this file ({why}, {name}; {cap}): a hostile or "
                    "damaged workbook, or a cap too low for it (raise it with --memory-mb)? refused")
        return (f"the reader process died on this file ({why}, {name}; {cap}): a hostile or "
                "damaged workbook? refused")
    return (f"the reader process died on this file (exit {os.WEXITSTATUS(status)}; {cap}): a "
            "hostile or damaged workbook? refused")


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass
