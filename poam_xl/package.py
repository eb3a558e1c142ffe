"""Look inside a workbook file before anything parses it: format, size, date system, limits.

Every read goes through ``inspect`` first, so a wrong-format, encrypted or oversized file is
refused with a one-line error naming the file, before a parser spends time or memory on it.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from defusedxml import ElementTree as SafeET

from .errors import EncryptedWorkbookError, LimitExceededError, WorkbookError
from .values import column_index

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
    max_cells: int = 20_000_000  # rows x columns of one sheet's used range (the reader's grid)


@dataclass
class PackageInfo:
    path: Path
    date1904: bool = False
    has_vba: bool = False
    has_tables: bool = False  # the package holds Excel Table parts (xl/tables/...)
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
    if p.name.startswith("~$") and not head.startswith(ZIP_MAGIC):
        raise WorkbookError(f"an Office lock file (someone has {p.name[2:]} open in Excel), "
                            "not a workbook", path=p)
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
    info = PackageInfo(path=p, has_vba="xl/vbaProject.bin" in names,
                       has_tables=any(n.startswith("xl/tables/") for n in names))
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
    _refuse_dtds(p, zf, names)
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


_PROLOG_BYTES = 64 * 1024
# what reading a damaged or odd zip member can raise (CRC, bad deflate data, encrypted or
# unsupported compression)
ZIP_ERRORS = (zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error, NotImplementedError,
              RuntimeError)


def _refuse_dtds(p: Path, zf: zipfile.ZipFile, names: dict[str, zipfile.ZipInfo]) -> None:
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


# ---------------------------------------------------------------- one sheet part, unparsed
@dataclass
class SheetScan:
    """What a cheap byte scan of a sheet part finds, before any parser allocates a grid."""

    rows: int = 0  # highest row number used (1-based)
    columns: int = 0  # highest column number used (1-based)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) -> '#N/A'
    uncached: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) -> formula


_ROW_NUM = re.compile(rb'<row\b[^>]*?\sr="(\d+)"')
_WIDE_REF = re.compile(rb'<c r="([A-Z]{2,3})\d')
_ERROR_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?\st="e"[^>]*>(?:<f[^>]*/>|<f[^>]*>[^<]*</f>)?'
                         rb'<v>([^<]{0,40})</v>')
_FORMULA_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"([^>]*)>(<f[^>]*/>|<f[^>]*>([^<]*)</f>)'
                           rb'(?:<v>([^<]*)</v>|<v/>)?</c>')
_CHUNK = 4 * 1024**2


def scan_sheet(info: PackageInfo, part: str, limits: Limits = Limits()) -> SheetScan:
    """Used extent, error cells and formulas without cached values of one sheet part.

    One streaming pass over the decompressed XML with byte searches (no XML parser): a parser
    must never see a sheet whose extent would make it allocate a huge grid (one cell at
    XFD1048576 makes python-calamine abort the process), nor a million real rows.
    """
    scan = SheetScan()
    try:
        with zipfile.ZipFile(info.path) as zf, zf.open(part) as fh:
            carry = b""
            first = True
            while True:
                chunk = fh.read(_CHUNK)
                data = carry + chunk
                if chunk:  # process whole rows only; the tail waits for the next chunk
                    cut = data.rfind(b"</row>")
                    if cut < 0 and len(data) < 8 * _CHUNK:
                        carry = data
                        continue
                    cut = len(data) if cut < 0 else cut + 6
                    data, carry = data[:cut], data[cut:]
                if first and _DTD.search(data[:_PROLOG_BYTES]):
                    raise WorkbookError(f"unsafe XML in part {part}: DOCTYPE/ENTITY declarations "
                                        "are refused", path=info.path)
                first = False
                _scan_rows(data, scan)
                _check_extent(info, part, scan, limits)
                if not chunk:
                    break
    except KeyError:
        raise WorkbookError(f"corrupt workbook: missing part {part}", path=info.path) from None
    except ZIP_ERRORS as exc:
        raise WorkbookError(f"corrupt or truncated workbook: part {part} ({exc})",
                            path=info.path) from None
    return scan


def _scan_rows(data: bytes, scan: SheetScan) -> None:
    rows = _ROW_NUM.findall(data)
    if rows:
        scan.rows = max(scan.rows, max(map(int, rows)))
    elif b"<row" in data:  # rows without numbers are numbered one after another
        scan.rows += data.count(b"<row")
    wide = set(_WIDE_REF.findall(data))
    if wide:
        scan.columns = max(scan.columns, max(column_index(w.decode('ascii')) for w in wide))
    elif b"<c " in data:
        scan.columns = max(scan.columns, 26)  # single-letter columns only: at most Z
    if b't="e"' in data:
        for col, row, text in _ERROR_CELL.findall(data):
            scan.errors[(int(row), column_index(col.decode('ascii')))] = text.decode("utf-8", "replace")
    if b"<f" in data:
        for col, row, attrs, _f, formula, value in _FORMULA_CELL.findall(data):
            if value or b't="str"' in attrs:  # a cached value (Excel writes "" as t="str")
                continue
            scan.uncached[(int(row), column_index(col.decode('ascii')))] = formula.decode("utf-8", "replace")


def _check_extent(info: PackageInfo, part: str, scan: SheetScan, limits: Limits) -> None:
    sheet = next((n for n, t in info.sheet_parts.items() if t == part), part)
    if scan.rows > limits.max_rows:
        why = f"has {scan.rows:,}+ rows, over the limit of {limits.max_rows:,}"
    elif scan.columns > limits.max_columns:
        why = f"reaches column {scan.columns:,}, over the limit of {limits.max_columns:,} columns"
    elif scan.rows * scan.columns > limits.max_cells:
        why = (f"spans {scan.rows:,} rows x {scan.columns:,} columns, over the limit of "
               f"{limits.max_cells:,} cells")
    else:
        return
    raise LimitExceededError(f"sheet {sheet!r} {why}: refused (raise it with --max-rows)",
                             path=info.path)


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
