"""Look inside a workbook file before anything parses it: format, size, date system, limits.

Every read goes through ``inspect`` first, so a wrong-format, encrypted or oversized file is
refused with a one-line error naming the file, before a parser spends time or memory on it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import posixpath
import stat
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from defusedxml import ElementTree as SafeET

from .errors import EncryptedWorkbookError, LimitExceededError, WorkbookError
from .sheetbound import quick_bound
from .sheetscan import SheetScan, count_elements, scan_part
from .zipparts import ZIP_ERRORS, check_sizes, refuse_dtds, refuse_twins

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"  # ISO/IEC 29500 Strict
REL_NS = {NS_MAIN: "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
          NS_STRICT: "http://purl.oclc.org/ooxml/officeDocument/relationships"}
ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"
# formats read through python-calamine without write-back (no sheet XML to patch)
READ_ONLY_KINDS = {"xls": "a legacy .xls (Excel 97-2003)", "xlsb": "a binary .xlsb",
                   "ods": "an OpenDocument .ods"}


@dataclass(frozen=True)
class Limits:
    """Safety limits for one workbook; every limit can be raised from the CLI."""

    max_file_bytes: int = 200 * 1024**2
    max_uncompressed_bytes: int = 1024**3
    max_part_bytes: int = 512 * 1024**2
    max_ratio: float = 200.0  # uncompressed / compressed of one part: a zip bomb sign
    max_rows: int = 200_000  # rows with content, per sheet (empty and formatted-only rows: free)
    max_columns: int = 500  # columns a sheet's cells span
    max_cells: int = 10_000_000  # grid cells of the whole workbook (each sheet's used rectangle)
    max_sheets: int = 1_000
    max_shared_strings: int = 5_000_000
    max_styles: int = 100_000  # cell formats (cellXfs entries); Excel allows about 64,000


_CONFIGURED: list[Limits] = []  # the process-wide limits set by the CLI (configure_limits)


def configure_limits(limits: Limits | None) -> None:
    """Make ``limits`` this process's limits wherever a caller passes the defaults (the CLI
    sets its --max-* options here once, for every read of every verb)."""
    _CONFIGURED[:] = [limits] if limits is not None else []


def effective(limits: Limits) -> Limits:
    """``limits``, or the configured ones when ``limits`` are the defaults."""
    return _CONFIGURED[0] if _CONFIGURED and limits == Limits() else limits


_SPECIAL = {stat.S_IFIFO: "a named pipe (FIFO)", stat.S_IFSOCK: "a socket"}  # or a device


def not_regular(path: str | Path) -> str | None:
    """Why ``path``, a named pipe, a device or a socket, is refused unopened (opening one waits
    for a writer); None for a regular file, a folder or a missing path (callers say those)."""
    with contextlib.suppress(OSError, ValueError):
        mode = os.stat(path).st_mode
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            kind = _SPECIAL.get(stat.S_IFMT(mode), "a device")
            return f"is {kind}, not a regular file: refused without opening it"
    return None


@dataclass
class PackageInfo:
    path: Path
    date1904: bool = False
    has_vba: bool = False
    has_tables: bool = False  # the package holds Excel Table parts (xl/tables/...)
    sheet_parts: dict[str, str] = field(default_factory=dict)  # sheet name -> part name
    sheet_states: dict[str, str] = field(default_factory=dict)  # visible/hidden/veryHidden
    part_sizes: dict[str, int] = field(default_factory=dict)
    kind: str = "xlsx"  # xlsx (also .xlsm/.xltx), or a READ_ONLY_KINDS key
    strict: bool = False  # ISO/IEC 29500 Strict namespaces: read, never written back
    shared_strings: str | None = None
    styles: str | None = None
    long_strings: bool = False  # a shared string may exceed Excel's 32,767 characters

    @property
    def writable(self) -> str | None:
        """None when poam-xl can write this workbook back, else why not (one clause)."""
        if self.kind in READ_ONLY_KINDS:
            return (f"{READ_ONLY_KINDS[self.kind]} workbook is read for validation and "
                    "conversion only: write-back needs .xlsx/.xlsm (Save As .xlsx in Excel)")
        if self.strict:
            return ("a Strict Open XML workbook is read for validation and conversion only: "
                    "write-back needs a Transitional one (Save As 'Excel Workbook (.xlsx)')")
        return None


def inspect(path: str | Path, limits: Limits = Limits()) -> PackageInfo:
    """Check that ``path`` is a workbook within limits (.xlsx/.xlsm/.xltx, Strict too; .xls,
    .xlsb, .ods read-only) and say what it holds; raise WorkbookError if not."""
    p = Path(path)
    limits = effective(limits)
    if special := not_regular(p):
        raise WorkbookError(special, path=p)
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
    except OSError as exc:  # a name too long, a loop, an I/O error
        text = exc.strerror or type(exc).__name__
        raise WorkbookError(f"cannot read it ({text[:1].lower() + text[1:]})", path=p) from None
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
        return _ole_info(p, size)
    if not head.startswith(ZIP_MAGIC):
        raise WorkbookError(_not_zip_reason(p, head), path=p)
    try:
        zf = zipfile.ZipFile(p)
    except ZIP_ERRORS as exc:  # NotImplementedError: a zip feature or version no workbook uses
        raise WorkbookError(f"corrupt or truncated workbook ({exc})", path=p) from None
    with zf:
        return _inspect_zip(p, zf, limits)


def _inspect_zip(p: Path, zf: zipfile.ZipFile, limits: Limits) -> PackageInfo:
    members = zf.infolist()
    names = {i.filename: i for i in members}
    refuse_twins(p, names, len(members))
    if "xl/workbook.bin" in names or _is_ods(zf, names):
        return _read_only_zip(p, zf, names, limits)
    if "xl/workbook.xml" not in names:
        kind = "a Word document" if "word/document.xml" in names else (
            "a PowerPoint file" if "ppt/presentation.xml" in names else "a zip archive")
        raise WorkbookError(f"not an Excel workbook: it is {kind} (no xl/workbook.xml)", path=p)
    info = PackageInfo(path=p, has_vba="xl/vbaProject.bin" in names,
                       has_tables=any(n.startswith("xl/tables/") for n in names))
    check_sizes(p, names, limits, info)
    refuse_dtds(p, zf, names)
    try:
        wb_root = SafeET.fromstring(zf.read("xl/workbook.xml"))
        rels_root = SafeET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except KeyError as exc:
        raise WorkbookError(f"corrupt workbook: missing part {exc}", path=p) from None
    except Exception as exc:  # defusedxml raises its own types for entity bombs
        raise WorkbookError(f"unsafe or corrupt XML in xl/workbook.xml ({type(exc).__name__})",
                            path=p) from None
    ns = wb_root.tag[1:].partition("}")[0] if wb_root.tag.startswith("{") else ""
    if ns not in REL_NS:
        raise WorkbookError(f"not a SpreadsheetML workbook (xl/workbook.xml is in namespace "
                            f"{ns[:80]!r})", path=p)
    info.strict = ns == NS_STRICT
    pr = wb_root.find(f"{{{ns}}}workbookPr")
    info.date1904 = pr is not None and pr.get("date1904", "0").lower() in ("1", "true")
    targets: dict[str | None, str] = {}
    for r in rels_root:
        target = r.get("Target", "")
        # ECMA-376 Part 2 §9.3: a relative target resolves against the source part's folder
        # ("./worksheets/sheet1.xml", "../xl/worksheets/sheet1.xml" name the same part)
        targets[r.get("Id")] = posixpath.normpath(
            target.lstrip("/") if target.startswith("/") else "xl/" + target)
        kind = r.get("Type", "").rsplit("/", 1)[-1]
        if kind == "sharedStrings":
            info.shared_strings = targets[r.get("Id")]
        elif kind == "styles":
            info.styles = targets[r.get("Id")]
    rid = f"{{{REL_NS[ns]}}}id"
    for sh in wb_root.iter(f"{{{ns}}}sheet"):
        name = sh.get("name", "")
        info.sheet_parts[name] = targets.get(sh.get(rid), "")
        info.sheet_states[name] = sh.get("state", "visible")
    return info




# ---------------------------------------------------------------- sheet parts, tokenized
def scan_sheets(info: PackageInfo, limits: Limits = Limits(), sheets: Sequence[str] | None = None
                ) -> dict[str, SheetScan]:
    """Sheet name -> what its part holds (sheetscan), every (or the named) sheet, in one pass
    over the package: time and memory grow linearly with the file (one zip directory read,
    one streaming pass per part). Raises LimitExceededError past a workbook-wide budget
    (sheets, cells, rows with content, columns, error cells) or WorkbookError naming the part."""
    return dict(iter_scans(info, Budget(info, limits), sheets))


def iter_scans(info: PackageInfo, budget: Budget, sheets: Sequence[str] | None = None
               ) -> Iterator[tuple[str, SheetScan]]:
    """``scan_sheets`` one sheet at a time, in workbook order: each (name, scan) is yielded once
    its limits and the workbook-wide ``budget`` so far are checked, so a reader can start on a
    sheet while the next is scanned. Raises as ``scan_sheets``."""
    names = [n for n in info.sheet_parts if sheets is None or n in sheets]
    limits = budget.limits
    try:
        with zipfile.ZipFile(info.path) as zf:
            for name in names:
                scan = _scan_part(zf, info, info.sheet_parts[name], limits, budget.problems)
                if not budget.fits(scan):  # over the cells left with the bounds so far: exact ones
                    budget.tighten(lambda n: _tokenize(zf, info, info.sheet_parts[n], limits))
                    if not scan.exact:
                        scan = _tokenize(zf, info, info.sheet_parts[name], limits, budget.problems)
                yield name, budget.add(name, scan)
    except KeyError as exc:
        raise WorkbookError(f"corrupt workbook: missing part {exc}", path=info.path) from None
    except ZIP_ERRORS as exc:
        raise WorkbookError(f"corrupt or truncated workbook ({exc})", path=info.path) from None


def scan_sheet(info: PackageInfo, part: str, limits: Limits = Limits()) -> SheetScan:
    """One sheet part tokenized (see ``scan_sheets``), its limits checked."""
    name = next((n for n, t in info.sheet_parts.items() if t == part), part)
    with zipfile.ZipFile(info.path) as zf:
        return Budget(info, limits).add(name, _scan_part(zf, info, part, limits, 0))


def _tokenize(zf: zipfile.ZipFile, info: PackageInfo, part: str, limits: Limits,
              problems: int = 0) -> SheetScan:
    """The exact extent of a sheet part (the tokenizer, streamed)."""
    with zf.open(part) as fh:
        return scan_part(fh, part, path=info.path, problems=problems, max_rows=limits.max_rows)


def _scan_part(zf: zipfile.ZipFile, info: PackageInfo, part: str, limits: Limits,
               problems: int) -> SheetScan:
    """The quick bound when the part is plain and its bound is within limits, else the exact
    tokenizer (parts over 64 MB are streamed, never held in memory)."""
    size = info.part_sizes.get(part, 0)
    if size <= _IN_MEMORY:
        data = zf.read(part)
        bound = quick_bound(data, problems, limits.max_rows)
        if bound is not None and _within(bound, limits):
            return bound
        return scan_part(io.BytesIO(data), part, path=info.path, problems=problems,
                         max_rows=limits.max_rows)
    return _tokenize(zf, info, part, limits, problems)


_IN_MEMORY = 64 * 1024**2


def _within(scan: SheetScan, limits: Limits) -> bool:
    return (scan.content_rows <= limits.max_rows and scan.last_col - scan.first_col < limits.max_columns
            and scan.span <= limits.max_cells)


class Budget:
    """Workbook-wide budgets: sheets, grid cells (the rectangles calamine allocates), rows with
    content and columns per sheet, error cells; each sheet's scan is added before it is read."""

    def __init__(self, info: PackageInfo, limits: Limits) -> None:
        self.info, self.limits = info, limits
        self.cells = 0
        self.problems = 0
        self.bounds: list[tuple[str, SheetScan]] = []  # sheets added by an upper bound
        if len(info.sheet_parts) > limits.max_sheets:
            raise LimitExceededError(f"has {len(info.sheet_parts):,} sheets, over the limit of "
                                     f"{limits.max_sheets:,}: refused (raise it with --max-sheets)",
                                     path=info.path)

    def add(self, sheet: str, scan: SheetScan) -> SheetScan:
        limits = self.limits
        if scan.content_rows > limits.max_rows:
            why = f"has {scan.content_rows:,}+ rows with content, over the limit of {limits.max_rows:,}"
            hint = "--max-rows"
        elif scan.last_col - scan.first_col >= limits.max_columns:
            why = (f"reaches column {scan.last_col:,}, over the limit of {limits.max_columns:,} "
                   "columns")
            hint = "--max-columns"
        elif self.cells + scan.span > limits.max_cells:
            why = (f"spans {scan.last_row - scan.first_row + 1:,} rows x "
                   f"{scan.last_col - scan.first_col + 1:,} columns; with the sheets before it the "
                   f"workbook is over the limit of {limits.max_cells:,} cells")
            hint = "--max-cells"
        else:
            self.cells += scan.span
            self.problems += len(scan.errors) + len(scan.uncached)
            if not scan.exact:
                self.bounds.append((sheet, scan))
            return scan
        raise LimitExceededError(f"sheet {sheet!r} {why}: refused (raise it with {hint})",
                                 path=self.info.path)

    def fits(self, scan: SheetScan) -> bool:
        """The sheet's span is within the cells left of the workbook's budget."""
        return self.cells + scan.span <= self.limits.max_cells

    def tighten(self, exact: Callable[[str], SheetScan]) -> None:
        """Replace each sheet's upper bound added so far (the byte bound: a ``<dimension>``
        wider than its cells) by its exact extent, ``exact(sheet)``, in place."""
        for name, scan in self.bounds:
            found = exact(name)
            self.cells += found.span - scan.span
            self.problems += len(found.errors) + len(found.uncached) - len(scan.errors) - len(scan.uncached)
            for f in dataclasses.fields(SheetScan):
                setattr(scan, f.name, getattr(found, f.name))
        self.bounds = []

    def actual(self, scan: SheetScan, cells: int) -> None:
        """Replace a sheet's bound by the cells its grid really has (once it was read)."""
        self.cells += cells - scan.span


def count_parts(info: PackageInfo, limits: Limits) -> None:
    """Shared strings and cell styles within their budgets (one streaming pass each)."""
    checks = ((info.shared_strings, "si", limits.max_shared_strings, "shared strings",
               "--max-cells"),
              (info.styles, "xf", limits.max_styles, "cell styles", "--max-cells"))
    with zipfile.ZipFile(info.path) as zf:
        for part, local, limit, what, _hint in checks:
            if not part or part not in info.part_sizes:
                continue
            with zf.open(part) as fh:
                n, long = count_elements(fh, part, local, path=info.path)
            if n > limit:
                raise LimitExceededError(f"{part} holds {n:,} {what}, over the limit of {limit:,}: "
                                         "refused", path=info.path)
            if local == "si":
                info.long_strings = bool(long)


def _ole_info(p: Path, size: int) -> PackageInfo:
    """An OLE compound file: an encrypted OOXML package (refused: --password) or a legacy
    .xls (read through calamine, never written back)."""
    try:
        import olefile

        with olefile.OleFileIO(str(p)) as ole:
            if ole.exists("EncryptedPackage"):
                raise EncryptedWorkbookError(
                    "workbook is password-protected (encrypted): pass --password to open it", path=p)
            if ole.exists("Workbook") or ole.exists("Book"):
                return PackageInfo(path=p, kind="xls", part_sizes={"": size})
    except OSError:
        pass
    raise WorkbookError("an OLE compound file, not an .xlsx/.xlsm workbook", path=p)


def _is_ods(zf: zipfile.ZipFile, names: dict[str, zipfile.ZipInfo]) -> bool:
    if "mimetype" not in names or "content.xml" not in names:
        return False
    try:
        return zf.read("mimetype").strip().startswith(ODS_MIME)
    except ZIP_ERRORS:
        return False


def _read_only_zip(p: Path, zf: zipfile.ZipFile, names: dict[str, zipfile.ZipInfo],
                   limits: Limits) -> PackageInfo:
    """.xlsb and .ods: size and zip-bomb checks here, the cells through calamine."""
    kind = "xlsb" if "xl/workbook.bin" in names else "ods"
    info = PackageInfo(path=p, kind=kind, has_vba="xl/vbaProject.bin" in names)
    check_sizes(p, names, limits, info)
    if kind == "ods":
        refuse_dtds(p, zf, names)
    return info


def _not_zip_reason(p: Path, head: bytes) -> str:
    if head.lstrip().startswith((b"<?xml", b"<html", b"<HTML", b"<!DOC")):
        return "an XML/HTML file, not an .xlsx/.xlsm workbook"
    try:
        head.decode("utf-8")
        return "a text file (CSV?), not an .xlsx/.xlsm workbook: use `poam-xl convert` for CSV"
    except UnicodeDecodeError:
        return "not an .xlsx/.xlsm workbook (not a zip package)"
