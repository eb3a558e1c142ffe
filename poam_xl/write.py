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
