"""Look inside a workbook file before anything parses it: format, size, date system, limits.

Every read goes through ``inspect`` first, so a wrong-format, encrypted or oversized file is
refused with a one-line error naming the file, before a parser spends time or memory on it.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from defusedxml import ElementTree as SafeET

from .errors import EncryptedWorkbookError, LimitExceededError, WorkbookError

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


@dataclass(frozen=True)
class Limits:
    """Safety limits for one workbook; every limit can be raised from the CLI."""

    max_file_bytes: int = 200 * 1024**2
    max_uncompressed_bytes: int = 1024**3
    max_part_bytes: int = 512 * 1024**2
    max_ratio: float = 200.0  # uncompressed / compressed of one part: a zip bomb sign
    max_rows: int = 200_000
    max_columns: int = 500


@dataclass
class PackageInfo:
    path: Path
    date1904: bool = False
    has_vba: bool = False
    sheet_parts: dict[str, str] = field(default_factory=dict)  # sheet name -> part name
    sheet_states: dict[str, str] = field(default_factory=dict)  # visible/hidden/veryHidden
    part_sizes: dict[str, int] = field(default_factory=dict)


def inspect(path: str | Path, limits: Limits = Limits()) -> PackageInfo:
    """Check that ``path`` is an .xlsx/.xlsm package within limits; raise WorkbookError if not."""
    p = Path(path)
    try:
        size = p.stat().st_size
        with p.open("rb") as fh:
            head = fh.read(8)
    except IsADirectoryError:
        raise WorkbookError("is a folder, not a workbook", path=p) from None
    except FileNotFoundError:
        raise WorkbookError("file not found", path=p) from None
    except PermissionError:
        raise WorkbookError("permission denied", path=p) from None
    if size == 0:
        raise WorkbookError("empty file (0 bytes), not a workbook", path=p)
    if size > limits.max_file_bytes:
        raise LimitExceededError(
            f"file is {size / 1024**2:.0f} MB, over the {limits.max_file_bytes / 1024**2:.0f} MB limit "
            "(raise it with --max-file-mb)", path=p)
    if head.startswith(OLE_MAGIC):
        raise _ole_error(p)
    if not head.startswith(ZIP_MAGIC):
        raise WorkbookError(_not_zip_reason(p, head), path=p)
    try:
        zf = zipfile.ZipFile(p)
    except (zipfile.BadZipFile, OSError) as exc:
        raise WorkbookError(f"corrupt or truncated workbook ({exc})", path=p) from None
    with zf:
        return _inspect_zip(p, zf, limits)


def _inspect_zip(p: Path, zf: zipfile.ZipFile, limits: Limits) -> PackageInfo:
    names = {i.filename: i for i in zf.infolist()}
    if "xl/workbook.bin" in names:
        raise WorkbookError("binary .xlsb workbook is not supported: open it in Excel and "
                            "Save As .xlsx or .xlsm", path=p)
    if "xl/workbook.xml" not in names:
        kind = "a Word document" if "word/document.xml" in names else (
            "a PowerPoint file" if "ppt/presentation.xml" in names else "a zip archive")
        raise WorkbookError(f"not an Excel workbook: it is {kind} (no xl/workbook.xml)", path=p)
    total = 0
    info = PackageInfo(path=p, has_vba="xl/vbaProject.bin" in names)
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
            f"workbook expands to {total / 1024**2:.0f} MB, over the limit: refused", path=p)
    try:
        wb_root = SafeET.fromstring(zf.read("xl/workbook.xml"))
        rels_root = SafeET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except KeyError as exc:
        raise WorkbookError(f"corrupt workbook: missing part {exc}", path=p) from None
    except Exception as exc:  # defusedxml raises its own types for entity bombs
        raise WorkbookError(f"unsafe or corrupt XML in xl/workbook.xml ({type(exc).__name__})",
                            path=p) from None
    pr = wb_root.find(f"{{{NS_MAIN}}}workbookPr")
    info.date1904 = pr is not None and pr.get("date1904", "0").lower() in ("1", "true")
    targets = {r.get("Id"): r.get("Target", "") for r in rels_root}
    rid = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    for sh in wb_root.iter(f"{{{NS_MAIN}}}sheet"):
        name = sh.get("name", "")
        target = targets.get(sh.get(rid), "")
        target = target.lstrip("/") if target.startswith("/") else "xl/" + target
        info.sheet_parts[name] = target
        info.sheet_states[name] = sh.get("state", "visible")
    return info


def _ole_error(p: Path) -> WorkbookError:
    try:
        import olefile

        with olefile.OleFileIO(str(p)) as ole:
            if ole.exists("EncryptedPackage"):
                return EncryptedWorkbookError(
                    "workbook is password-protected (encrypted): pass --password to open it", path=p)
            if ole.exists("Workbook") or ole.exists("Book"):
                return WorkbookError("legacy .xls (Excel 97-2003) workbook is not supported: open "
                                     "it in Excel or LibreOffice and Save As .xlsx", path=p)
    except OSError:
        pass
    return WorkbookError("an OLE compound file, not an .xlsx/.xlsm workbook", path=p)


def _not_zip_reason(p: Path, head: bytes) -> str:
    if head.lstrip().startswith((b"<?xml", b"<html", b"<HTML", b"<!DOC")):
        return "an XML/HTML file, not an .xlsx/.xlsm workbook"
    try:
        head.decode("utf-8")
        return "a text file (CSV?), not an .xlsx/.xlsm workbook: use `poam-xl convert` for CSV"
    except UnicodeDecodeError:
        return "not an .xlsx/.xlsm workbook (not a zip package)"
