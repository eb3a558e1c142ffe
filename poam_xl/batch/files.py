"""Which files a batch validates: files named, folders searched, globs matched; what was skipped."""

from __future__ import annotations

import contextlib
import glob
import os
from collections.abc import Iterable
from pathlib import Path

SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")  # the last three: read, never written


class Skipped(str):
    """'path: reason' of something a batch did not read; ``fatal`` when it is a submission
    that could not be read (the batch then exits 2), not a lock file or a loop visited once."""

    path: str
    reason: str
    fatal: bool

    def __new__(cls, path: object, reason: str, fatal: bool = False) -> Skipped:
        self = super().__new__(cls, f"{path}: {reason}")
        self.path, self.reason, self.fatal = str(path), reason, fatal
        return self


def skipped_results(skipped: Iterable[str], profile: str, as_of: str) -> list[dict[str, object]]:
    """Summary entries for what was not read (status "skipped", or "unreadable" when fatal)."""
    out: list[dict[str, object]] = []
    for s in skipped:
        path, reason, fatal = (s.path, s.reason, s.fatal) if isinstance(s, Skipped) else (
            s, "not read", False)
        out.append({"path": path, "status": "unreadable" if fatal else "skipped", "error": reason,
                    "profile": profile, "template": "unknown", "as_of": as_of, "summary": {},
                    "findings": []})
    return out
GLOB_CHARS = set("*?[")


def find_files(args: Iterable[str | Path], exclude: Iterable[Path] = ()
               ) -> tuple[list[Path], list[str]]:
    """Files named, found in folders (recursively) or matched by globs; plus what was skipped.

    Folders yield .xlsx/.xlsm files only, never Office lock files (``~$*``), hidden files,
    feedback copies (NAME-feedback.xlsx) or named pipes and devices (each listed as skipped,
    with the reason; hidden folders and ``exclude``, the report folder, are not searched
    unless named);
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
                    _add(mp, files, skipped)
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
    with contextlib.suppress(OSError):  # the folder given is searched, even as the output
        excluded = excluded - {_key(root)}
    for folder, dirs, names in os.walk(root, followlinks=True, onerror=lambda e: skipped.append(
            Skipped(e.filename, f"cannot list this folder ({e.strerror})", fatal=True))):
        try:
            key = _key(Path(folder))
        except OSError:
            dirs[:] = []
            continue
        if key in visited or key in excluded:  # symlink loop, or our own output folder
            dirs[:] = []
            if key in visited:
                skipped.append(Skipped(folder, "symlink loop, already visited"))
            continue
        visited.add(key)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if name.startswith("~$"):
                skipped.append(Skipped(Path(folder) / name, "Office lock file (the workbook is "
                                       "open in Excel)"))
            elif name.startswith(".") and name.lower().endswith(SUFFIXES):
                skipped.append(Skipped(Path(folder) / name, "hidden file (a macOS ._ copy, or "
                                       "hidden on purpose): name it to read it"))
            elif _wanted(name):
                _add(Path(folder) / name, out, skipped)
    return out


def _add(path: Path, files: list[Path], skipped: list[str]) -> None:
    """A workbook name found in a folder or by a glob: a file to read, or skipped with its
    reason: a feedback copy of ours, a named pipe or a device (opening one would wait for the
    whole --timeout)."""
    from ..package import not_regular
    from .output import is_feedback_copy

    special = not_regular(path)
    if special:
        skipped.append(Skipped(path, special))
    elif is_feedback_copy(path):
        skipped.append(Skipped(path, "a poam-xl feedback copy (NAME-feedback.xlsx): name it to "
                               "read it"))
    else:
        files.append(path)


