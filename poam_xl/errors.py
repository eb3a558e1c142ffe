"""Exceptions and exit codes. Findings are data; exceptions mean "cannot do this at all"."""

from __future__ import annotations

import os
import re
from enum import IntEnum

# C0/C1 controls, and the bidi and zero-width marks that reorder or hide text on a terminal
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff"
                     "\udc80-\udcff]")


def shown(text: object) -> str:
    """``text`` (a path, usually) safe to print: control and bidi characters escaped (\\n,
    \\u202e), so a crafted file name cannot forge or reorder an output line."""
    value = os.fsdecode(text) if isinstance(text, bytes | os.PathLike) else str(text)
    return _UNSAFE.sub(lambda m: m.group().encode("unicode_escape", "backslashreplace").decode(
        "ascii") if ord(m.group()) < 0xDC80 or ord(m.group()) > 0xDCFF else
        f"\\x{ord(m.group()) - 0xDC00:02x}", value)


class ExitCode(IntEnum):
    """Process exit codes of the CLI (the library never calls sys.exit)."""

    OK = 0  # valid, or warnings below --fail-on
    FINDINGS = 1  # findings at or above --fail-on
    UNREADABLE = 2  # unreadable input or bad usage
    INTERNAL = 5  # a bug of ours


class PoamXlError(Exception):
    """Base class: a one-line, user-facing message naming the file (and cell)."""

    def __init__(self, message: str, *, path: str | os.PathLike[str] | None = None,
                 cell: str | None = None) -> None:
        self.path = str(path) if path is not None else None
        self.cell = cell
        self.reason = message
        super().__init__(self._format())

    def renamed(self, path: str | os.PathLike[str]) -> PoamXlError:
        """This error naming ``path`` instead (an error of a private copy, told of the user's
        file); returned to be raised again."""
        self.path = str(path)
        self.args = (self._format(),)
        return self

    def __reduce__(self) -> tuple[object, ...]:  # pickled across processes (isolate, batch)
        return (_rebuild, (type(self), self.reason, self.path, self.cell))

    def _format(self) -> str:
        where = shown(self.path) if self.path else ""
        if self.cell:
            where = f"{where} [{self.cell}]" if where else self.cell
        return f"{where}: {self.reason}" if where else self.reason


class WorkbookError(PoamXlError):
    """The file cannot be read as a workbook (corrupt, wrong format, encrypted, too big)."""


class EncryptedWorkbookError(WorkbookError):
    """The workbook is password-protected; pass --password to open it."""


class LimitExceededError(WorkbookError):
    """The file exceeds a configured safety limit (size, rows, columns, time)."""


class TemplateError(PoamXlError):
    """The workbook is readable but its layout is not one we recognise."""


class UsageError(PoamXlError):
    """The caller asked for something impossible (bad option combination, bad value)."""


class WriteError(PoamXlError):
    """An output could not be written (read-only folder, refused in-place write)."""


class ValuesLostError(PoamXlError):
    """``--strict``: values would be lost or altered; ``lines`` names each one."""

    def __init__(self, lines: list[str], *, path: str | os.PathLike[str] | None = None) -> None:
        self.lines = lines
        super().__init__(f"--strict: {len(lines)} value(s) would be lost or altered; nothing "
                         "written", path=path)


def _rebuild(cls: type[PoamXlError], reason: str, path: str | None, cell: str | None) -> PoamXlError:
    return cls(reason, path=path, cell=cell)
