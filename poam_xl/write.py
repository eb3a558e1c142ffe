"""Writing outputs safely: atomic replace (temp file in the target folder, fsync, rename), and
compare-and-swap for in-place writes (the file on disk must still be the one that was read).

File-system failures (no space, read-only file system, permission, a name too long, a folder
where a file should be) become one WriteError naming the output, never an internal error.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError, WriteError, shown

# errors that can only come from writing the output (whatever file the OS names)
WRITE_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EFBIG, errno.ENAMETOOLONG,
                errno.EISDIR}
# called with the target just before an in-place swap checks it (tests inject a rival writer)
BEFORE_SWAP: list[Callable[[Path], None]] = []


def os_error_text(exc: OSError) -> str:
    """'no space left on device' for an OSError (its strerror, lower case), never a traceback."""
    text = exc.strerror or type(exc).__name__
    return text[:1].lower() + text[1:]


def _temp_name(dest: Path, folder: Path) -> tuple[str, str]:
    """mkstemp prefix and suffix whose whole name fits the folder's NAME_MAX (in bytes)."""
    try:
        limit = os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        limit = 255
    room = max(1, limit - 1 - 1 - 8 - 4)  # '.' + name + '.' + 8 random + '.tmp'
    name = dest.name.encode("utf-8", "surrogateescape")[:room].decode("utf-8", "ignore")
    return f".{name}.", ".tmp"


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target`` atomically.

    A failure (or a kill) before the rename leaves any existing ``target`` untouched; an
    OSError of the file system (full disk, read-only, too long a name) is a WriteError naming
    ``target``. Symlinks: the link's target is replaced and the link stays a link.
    """
    dest = Path(os.path.realpath(target)) if Path(target).is_symlink() else Path(target)
    folder = dest.parent if str(dest.parent) else Path(".")
    if dest.is_dir():
        raise WriteError("is a folder: give a file name for the output", path=target)
    prefix, suffix = _temp_name(dest, folder)
    try:
        fd, name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=folder)
    except FileNotFoundError:
        raise WriteError("output folder does not exist", path=folder) from None
    except PermissionError:
        raise WriteError("output folder is not writable", path=folder) from None
    except OSError as exc:
        raise WriteError(f"cannot write here ({os_error_text(exc)})", path=target) from None
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        _settle(tmp, dest)
        os.replace(tmp, dest)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError) and (exc.errno in WRITE_ERRNOS or exc.filename in (
                str(tmp), str(dest))):
            raise WriteError(f"cannot write ({os_error_text(exc)})", path=target) from None
        raise


def _settle(tmp: Path, dest: Path) -> None:
    """fsync the temp file and give it the target's permissions (or the umask's)."""
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    if dest.exists():
        with contextlib.suppress(OSError):
            os.chmod(tmp, dest.stat().st_mode & 0o777)
    else:
        with contextlib.suppress(OSError):
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)


# ---------------------------------------------------------------- in place: compare and swap
@dataclass(frozen=True)
class Snapshot:
    """A file's bytes as read once, and what identifies that version on disk."""

    path: Path  # the real file (a symlink resolved)
    data: bytes
    size: int
    mtime_ns: int
    inode: int
    sha256: str

    def changed(self) -> str | None:
        """None while the file on disk is still this version, else what differs."""
        try:
            st = self.path.stat()
        except OSError as exc:
            return f"it is gone ({os_error_text(exc)})"
        if (st.st_ino, st.st_size, st.st_mtime_ns) != (self.inode, self.size, self.mtime_ns):
            return "it was saved by another program since it was read"
        try:
            now = hashlib.sha256(self.path.read_bytes()).hexdigest()
        except OSError as exc:
            return f"it cannot be read back ({os_error_text(exc)})"
        return None if now == self.sha256 else "its content changed since it was read"


def snapshot(path: str | Path) -> Snapshot:
    """Read ``path`` (through a symlink to its target) once, with its identity."""
    real = Path(os.path.realpath(path))
    try:
        before = real.stat()
        data = real.read_bytes()
        after = real.stat()
    except OSError as exc:
        raise WriteError(f"cannot read it ({os_error_text(exc)})", path=path) from None
    if (before.st_mtime_ns, before.st_size) != (after.st_mtime_ns, after.st_size):
        raise WriteError("it changed while it was being read: retry", path=path)
    return Snapshot(real, data, after.st_size, after.st_mtime_ns, after.st_ino,
                    hashlib.sha256(data).hexdigest())


def conflict_path(real: Path, stamp: float) -> Path:
    """NAME.conflict-YYYYMMDD-HHMMSS.xlsx beside the file (UTC of ``stamp``)."""
    when = dt.datetime.fromtimestamp(stamp, dt.UTC).strftime("%Y%m%d-%H%M%S")
    return real.with_name(f"{real.stem}.conflict-{when}{real.suffix}")


@contextlib.contextmanager
def swap_in_place(snap: Snapshot, shown: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside the file; after the block, replace the file with it only
    if the file is still the version ``snap`` read. Otherwise the other program's version
    stays, our result is kept as NAME.conflict-<time>.xlsx and WriteError says so."""
    with atomic_path(snap.path) as tmp:
        yield tmp
        _settle(tmp, snap.path)  # flushed before the check: the rename follows it at once
        for hook in BEFORE_SWAP:
            hook(snap.path)
        why = snap.changed()
        if why is not None:
            keep = conflict_path(snap.path, tmp.stat().st_mtime)
            os.replace(tmp, keep)
            raise WriteError(f"not written: {why}; that version is kept and the result is "
                             f"beside it as {keep.name}", path=shown)


def check_extension(src: str | Path, dst: str | Path) -> None:
    """Refuse an output name Excel would reject, and write-back to a workbook poam-xl only
    reads (.xls, .xlsb, .ods, Strict OOXML). Raises WriteError.

    Excel opens a package only when its extension matches the workbook part's content type
    ([Content_Types].xml, ECMA-376 Part 2 §10.1.2; the workbook part's types, Part 1 §12.3.23,
    the macro-enabled ones Microsoft's [MS-OFFMACRO]):
    ``...sheet.main+xml`` is .xlsx, ``...sheet.macroEnabled.main+xml`` .xlsm (with or without
    a VBA project: Excel saves either), ``...template.main+xml`` .xltx and
    ``...template.macroEnabled.main+xml`` .xltm; otherwise "the file format or file extension
    is not valid". A write-back keeps the content type, so the output takes the input's kind.
    """
    from .package import inspect

    why = inspect(src).writable
    if why is not None:
        raise WriteError(why, path=src)
    if same_file(src, dst):  # in place: the name it already has
        return
    want = workbook_kind(src)
    name = Path(dst).name
    if not name.lower().endswith(want) or name.lower() == want:
        raise WriteError(f"the workbook is {KIND_WORDS[want]}: name the output {want}, Excel "
                         f"refuses it as {name!r}", path=dst)


#: workbook part content type (lower case) → the extension Excel requires for it
KINDS = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": ".xlsx",
    "application/vnd.ms-excel.sheet.macroenabled.main+xml": ".xlsm",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml": ".xltx",
    "application/vnd.ms-excel.template.macroenabled.main+xml": ".xltm",
}
KIND_WORDS = {".xlsx": "a plain workbook (.xlsx)",
              ".xlsm": "macro-enabled (an .xlsm, VBA or not)",
              ".xltx": "a template (.xltx)", ".xltm": "a macro-enabled template (.xltm)"}


def workbook_kind(path: str | Path) -> str:
    """The extension Excel requires for this package: ".xlsx", ".xlsm", ".xltx" or ".xltm",
    from the workbook part's content type (compared without letter case). A package without a
    recognised entry is ".xlsm" when it holds a VBA project (xl/vbaProject.bin), else ".xlsx"."""
    import zipfile

    from defusedxml import ElementTree as SafeET

    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        try:
            root = SafeET.fromstring(zf.read("[Content_Types].xml"))
        except Exception:  # missing or unreadable: the VBA project decides
            root = None
    default = None  # an OPC package may type the part by its extension (<Default>) instead
    for node in root if root is not None else ():
        kind = KINDS.get(node.get("ContentType", "").strip().lower())
        tag = node.tag.rpartition("}")[2]
        if tag == "Override" and node.get("PartName", "").lower() == "/xl/workbook.xml":
            if kind is not None:
                return kind
        elif tag == "Default" and node.get("Extension", "").lower() == "xml" and kind:
            default = kind
    if default is not None:
        return default
    return ".xlsm" if "xl/vbaProject.bin" in names else ".xlsx"


def macro_enabled(path: str | Path) -> bool:
    """True when the workbook part's content type is macro-enabled (.xlsm/.xltm); see
    :func:`workbook_kind`."""
    return workbook_kind(path) in (".xlsm", ".xltm")


def refuse_inputs(out: str | Path | None, inputs: Iterable[str | Path], option: str) -> None:
    """UsageError when ``out`` (the file ``option`` names) is one of the command's ``inputs``
    (the same path, or a link to it): a report, mapping or portfolio is never written over a
    workbook the command reads."""
    if out is None:
        return
    for given in inputs:
        if same_file(given, out):
            raise UsageError(f"{option} {shown(out)} is an input of this command: it would be "
                             "written over; choose another file")


def require_xlsx(out: str | Path, option: str) -> None:
    """UsageError unless ``out`` ends in .xlsx: the workbooks poam-xl makes (portfolio, history,
    diff, a new template) hold no macros, and Excel refuses to open a macro-free workbook named
    .xlsm (the name must say what the package is)."""
    suffix = Path(out).suffix.lower()
    if suffix != ".xlsx":
        raise UsageError(f"{option} {shown(out)}: the workbook written here is .xlsx (no "
                         f"macros), not {suffix or 'no extension'!r}")


def same_file(a: str | Path, b: str | Path) -> bool:
    """True when ``b`` names the file ``a`` (the same path, a symbolic or a hard link)."""
    a, b = Path(a), Path(b)
    if a.resolve() == b.resolve():
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist
        return False


@contextlib.contextmanager
def private_copy(snap: Snapshot) -> Iterator[Path]:
    """The snapshot's bytes in a private temporary file (same suffix), deleted afterwards: the
    one version that is validated and patched."""
    fd, name = tempfile.mkstemp(prefix="poam-xl-", suffix=snap.path.suffix.lower() or ".xlsx")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(snap.data)
        yield Path(name)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(name)
