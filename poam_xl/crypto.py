"""Password-protected workbooks: decrypt to a private temporary copy, deleted afterwards."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import EncryptedWorkbookError, WorkbookError


@contextlib.contextmanager
def decrypted_copy(path: str | Path, password: str) -> Iterator[Path]:
    """Yield a decrypted temporary copy of an encrypted workbook (the input is only read).

    A workbook that is not encrypted is yielded as it is. A wrong password raises
    EncryptedWorkbookError with a one-line message; the copy is always deleted.
    """
    import msoffcrypto
    from msoffcrypto import exceptions as mexc

    p = Path(path)
    try:
        fh = p.open("rb")
    except OSError as exc:
        raise WorkbookError(f"cannot open ({exc.strerror or exc})", path=p) from None
    with fh:
        try:
            office = msoffcrypto.OfficeFile(fh)
            encrypted = office.is_encrypted()
        except Exception:  # not an OLE/OOXML file at all: let the reader say what it is
            encrypted = False
        if not encrypted:
            yield p
            return
        fd, name = tempfile.mkstemp(prefix="poam-xl-", suffix=p.suffix or ".xlsx")
        tmp = Path(name)
        try:
            with os.fdopen(fd, "wb") as out:
                try:
                    office.load_key(password=password)
                    office.decrypt(out)
                except (mexc.InvalidKeyError, mexc.DecryptionError):
                    raise EncryptedWorkbookError("wrong password for this encrypted workbook",
                                                 path=p) from None
                except Exception as exc:  # unsupported scheme, corrupt container
                    raise EncryptedWorkbookError(
                        f"cannot decrypt this workbook ({type(exc).__name__}: "
                        f"{str(exc)[:80]})", path=p) from None
            yield tmp
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()
