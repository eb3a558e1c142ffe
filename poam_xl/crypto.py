"""Password-protected workbooks: decrypt to a private temporary copy, deleted afterwards."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import EncryptedWorkbookError, PoamXlError, WorkbookError


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


@contextlib.contextmanager
def readable(path: str | Path, password: str | None) -> Iterator[Path]:
    """``path`` itself (no ``password``, or a workbook that is not encrypted), else its
    decrypted private copy, deleted afterwards: what a verb reads and writes a new file from.
    A PoamXlError raised inside that names the copy is raised again naming ``path``; a wrong
    password raises EncryptedWorkbookError (``decrypted_copy``)."""
    p = Path(path)
    if password is None:
        yield p
        return
    with decrypted_copy(p, password) as plain:
        try:
            yield plain
        except PoamXlError as exc:
            if plain != p and exc.path == str(plain):
                raise exc.renamed(p) from None
            raise


def in_place_refused(path: str | Path, verb: str) -> WorkbookError:
    """The one-line refusal of writing an encrypted workbook back in place (poam-xl would
    write it unencrypted); raised by update and import."""
    return WorkbookError(f"is password-protected (encrypted): {verb} --in-place would write it "
                         "back unencrypted; write the result to --output NEW.xlsx (with "
                         "--password), or remove the password in Excel first", path=path)
