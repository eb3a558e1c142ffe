"""Many files: ``check_file`` mapped over a process pool (or a Dask cluster), never stopping on
a bad file; exit codes and counts of a batch.

``run`` is a plain map of ``check_file`` over a ``concurrent.futures.ProcessPoolExecutor``; the
same function maps under Dask (``executor="dask"``) or Ray::

    client.map(check_file, paths, options=options)          # dask.distributed
    ray.get([ray.remote(check_file).remote(p, options) for p in paths])
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from .. import isolate
from ..errors import PoamXlError, UsageError
from ..findings import SEVERITY_ORDER
from .check import BatchOptions, _init_worker, check_file, warm


def run(paths: list[Path], options: BatchOptions, *, jobs: int | None = None,
        annotate: dict[str, str] | None = None,
        on_result: Callable[[dict[str, Any]], None] | None = None,
        executor: str = "process", scheduler: str | None = None) -> list[dict[str, Any]]:
    """``check_file`` over ``paths`` (in input order), ``jobs`` processes; 1 = in this process.

    ``executor`` "dask" maps the same function on Dask (``run_dask``: the cluster at
    ``scheduler``, else a local one of ``jobs`` workers; UsageError when Dask is not installed);
    "process" (the default) uses a process pool.

    A worker that dies (a parser aborting, the memory or CPU cap) loses only its file: the
    unfinished files are retried a few at a time, then alone, and a file that kills its
    worker on its own is reported unreadable.
    """
    if executor == "dask":
        return run_dask(paths, options, jobs=jobs, annotate=annotate, on_result=on_result,
                        scheduler=scheduler)
    if executor != "process":
        raise UsageError(f"--executor must be process or dask, not {executor!r}")
    jobs = max(1, jobs or os.cpu_count() or 1)
    annotate = annotate or {}
    names = [str(p) for p in paths]
    results: dict[int, dict[str, Any]] = {}

    def done(i: int, r: dict[str, Any]) -> None:
        results[i] = r
        if on_result is not None:
            on_result(r)

    if len(names) > 1 and not isolate.SETTINGS.inside:
        warm(options)  # the forked children below start warm, not each cold
    if jobs == 1 or len(names) == 1:  # each file in a capped child of its own (isolate)
        for i, name in enumerate(names):
            done(i, check_alone(name, options, annotate.get(name)))
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


def run_dask(paths: list[Path], options: BatchOptions, *, jobs: int | None = None,
             annotate: dict[str, str] | None = None,
             on_result: Callable[[dict[str, Any]], None] | None = None,
             scheduler: str | None = None) -> list[dict[str, Any]]:
    """``check_file`` over ``paths`` on Dask, results in input order (the same dicts the
    process pool returns, file for file).

    ``scheduler`` ("tcp://host:8786"): an existing cluster, whose workers must see the files
    (and the feedback-copy folder) at the same paths; else a local cluster of ``jobs`` worker
    processes (one thread each). Each worker reads a workbook in a capped child of its own
    (``check_on_worker``), as a single-file run does; a file whose task fails (a worker lost)
    is reported unreadable. UsageError when Dask is missing or the scheduler cannot be reached.
    """
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise UsageError("--executor dask needs Dask: pip install 'poam-xl[dask]'") from None
    annotate = annotate or {}
    names = [str(p) for p in paths]
    results: dict[int, dict[str, Any]] = {}
    with contextlib.ExitStack() as stack:
        if scheduler:
            try:
                client = stack.enter_context(Client(scheduler, timeout="20s"))
            except (OSError, TimeoutError) as exc:
                raise UsageError(f"cannot reach the Dask scheduler at {scheduler}: "
                                 f"{str(exc)[:160] or type(exc).__name__}") from None
        else:
            cluster = stack.enter_context(LocalCluster(
                n_workers=max(1, jobs or os.cpu_count() or 1), threads_per_worker=1,
                processes=True, dashboard_address=None))
            client = stack.enter_context(Client(cluster))
        futures = {client.submit(check_on_worker, name, options, annotate_to=annotate.get(name),
                                 pure=False): i for i, name in enumerate(names)}
        for fut, result in as_completed(futures, with_results=True, raise_errors=False):
            i = futures[fut]
            if fut.status == "finished":
                results[i] = result
            else:  # the task itself failed (its workers died): this file only
                results[i] = _crashed(names[i], options, _task_error(fut))
            if on_result is not None:
                on_result(results[i])
    return [results[i] for i in range(len(names))]


def check_on_worker(name: str, options: BatchOptions, annotate_to: str | None = None
                    ) -> dict[str, Any]:
    """``check_file`` on a Dask worker, each workbook read in a capped child of the worker
    (``isolate``: ``options.timeout``, ``options.memory_mb``), as the CLI reads one file: a
    hostile workbook costs that child, not the worker."""
    if not isolate.SETTINGS.enabled:
        isolate.configure(enabled=True, timeout=options.timeout, memory_mb=options.memory_mb)
    return check_file(name, options, annotate_to=annotate_to)


def _task_error(fut: Any) -> str:
    try:
        exc = fut.exception()
    except Exception as err:  # cancelled, or the scheduler went away
        exc = err
    return (f"the Dask task failed ({type(exc).__name__}: {str(exc)[:160]}): a worker lost "
            "on this file (out of memory?)")


def _pool(indices: list[int], names: list[str], options: BatchOptions, annotate: dict[str, str],
          jobs: int, done: Callable[[int, dict[str, Any]], None]) -> list[int]:
    lost: list[int] = []
    with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker,
                             initargs=(options.memory_mb,)) as ex:
        futures = {}
        for n, i in enumerate(indices):
            try:
                futures[ex.submit(check_file, names[i], options,
                                  annotate_to=annotate.get(names[i]))] = i
            except BrokenProcessPool:  # a worker died while the rest were being handed out
                lost += indices[n:]
                break
        for fut in as_completed(futures):
            i = futures[fut]
            try:
                done(i, fut.result())
            except BrokenProcessPool:
                lost.append(i)
    return sorted(lost)


def check_alone(name: str, options: BatchOptions, annotate_to: str | None) -> dict[str, Any]:
    """``check_file`` in a forked child capped like a pool worker (memory, CPU, time), so a
    parser that aborts costs this file only; in-process where fork is missing or already
    inside a capped child."""
    if isolate.SETTINGS.inside or not hasattr(os, "fork"):
        return check_file(name, options, annotate_to=annotate_to)
    try:
        result: dict[str, Any] = isolate.run(
            check_file, name, options, annotate_to=annotate_to, path=name,
            timeout=(options.timeout * 1.5 + 10) if options.timeout else 0,
            memory_mb=options.memory_mb or 0)
        return result
    except PoamXlError as exc:
        return _crashed(name, options, exc.reason)


def _crashed(path: str, options: BatchOptions, why: str | None = None) -> dict[str, Any]:
    return {"path": path, "status": "unreadable", "profile": options.profile,
            "template": "unknown", "as_of": options.as_of.isoformat(), "summary": {},
            "findings": [], "error": why or "the checker process died on this file (out of "
            "memory or CPU time: a hostile or enormous workbook?): refused"}


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
