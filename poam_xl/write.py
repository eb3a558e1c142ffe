"""Writing outputs safely: atomic replace (temp file in the target folder, fsync, rename)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import WriteError


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target`` atomically.

    A failure (or a kill) before the rename leaves any existing ``target`` untouched.
    """
    dest = Path(target)
    folder = dest.parent if str(dest.parent) else Path(".")
    try:
        fd, name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=folder)
    except FileNotFoundError:
        raise WriteError("output folder does not exist", path=folder) from None
    except PermissionError:
        raise WriteError("output folder is not writable", path=folder) from None
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
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
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def check_extension(src: str | Path, dst: str | Path) -> None:
    """Refuse an output name Excel would reject: macros (VBA) only in .xlsm, none in .xlsx.

    Excel will not open a macro-enabled package named .xlsx (or a plain one named .xlsm):
    "the file format or file extension is not valid".
    """
    import zipfile

    with zipfile.ZipFile(src) as zf:
        has_vba = "xl/vbaProject.bin" in zf.namelist()
    suffix = Path(dst).suffix.lower()
    if has_vba and suffix not in (".xlsm", ".xltm"):
        raise WriteError("the workbook contains macros (VBA): name the output .xlsm, Excel refuses "
                         "macros in a .xlsx", path=dst)
    if not has_vba and suffix in (".xlsm", ".xltm"):
        raise WriteError("the workbook has no macros: name the output .xlsx, Excel refuses a "
                         "plain workbook named .xlsm", path=dst)
