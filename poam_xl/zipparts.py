"""Checks on a workbook's zip members before any part is parsed: two parts of one name, zip
bombs (a part too large or too compressible, too many bytes in all) and DTDs (entity bombs,
external entities). Each raises WorkbookError or LimitExceededError naming the file."""

from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import LimitExceededError, WorkbookError

if TYPE_CHECKING:
    from .package import Limits, PackageInfo


def refuse_twins(p: Path, names: dict[str, zipfile.ZipInfo], members: int) -> None:
    """Refuse a package holding two parts of one name: the very same name twice (``members``,
    the zip directory's entries, outnumber the names), or names that differ only in letter case
    or in "\\" for "/" (part names are case-insensitive, ECMA-376 Part 2 §6.2.2.3). One reader
    takes one and another the other, so the part checked or patched may not be the one read."""
    if members != len(names):
        raise WorkbookError("a part is stored twice under one name (one reader takes the first, "
                            "another the last): refused", path=p)
    seen: dict[str, str] = {}
    for name in names:
        key = name.replace("\\", "/").lstrip("/").casefold()
        if key in seen and seen[key] != name:
            raise WorkbookError(f"two parts with one name ({seen[key][:80]!r} and {name[:80]!r}, "
                                "in another letter case or with a backslash): a reader may "
                                "take either; refused", path=p)
        seen[key] = name


def check_sizes(p: Path, names: dict[str, zipfile.ZipInfo], limits: Limits,
                info: PackageInfo) -> None:
    """Zip bombs: a part too large or too compressible, or too many bytes in all."""
    total = 0
    for name, zi in names.items():
        total += zi.file_size
        info.part_sizes[name] = zi.file_size
        if zi.file_size > limits.max_part_bytes or (
            zi.compress_size and zi.file_size > 1024**2
            and zi.file_size / zi.compress_size > limits.max_ratio
        ):
            raise LimitExceededError(
                f"part {name} expands to {zi.file_size / 1024**2:.0f} MB "
                f"(ratio {zi.file_size / max(zi.compress_size, 1):.0f}:1): refused as a possible zip bomb",
                path=p)
    if total > limits.max_uncompressed_bytes:
        raise LimitExceededError(
            f"workbook expands to {total / 1024**2:.0f} MB, over the limit of "
            f"{limits.max_uncompressed_bytes / 1024**2:.0f} MB: refused", path=p)


_PROLOG_BYTES = 64 * 1024
# what reading a damaged or odd zip member can raise (CRC, bad deflate data, encrypted or
# unsupported compression)
ZIP_ERRORS = (zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error, NotImplementedError,
              RuntimeError)


def refuse_dtds(p: Path, zf: zipfile.ZipFile, names: dict[str, zipfile.ZipInfo]) -> None:
    """No Office part has a DTD: one is an entity bomb or external entity, refused unparsed."""
    for name in names:
        if not name.endswith((".xml", ".rels", ".vml")):
            continue
        try:
            with zf.open(name) as fh:
                head = fh.read(_PROLOG_BYTES)
        except ZIP_ERRORS as exc:
            raise WorkbookError(f"corrupt or truncated workbook: part {name} ({exc})",
                                path=p) from None
        if _DTD.search(head):
            raise WorkbookError(f"unsafe XML in part {name}: DOCTYPE/ENTITY declarations "
                                "(entity bomb or external entity) are refused", path=p)


_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
