"""The VBA project (vbaProject.bin, [MS-OVBA]): modules from text, compressed, in a compound file.

The project is built from text: ``macros/*.bas`` (our buttons) plus the xlwings standalone
module and its Dictionary class from the installed xlwings package, so ``RunPython`` resolves
without the xlwings add-in. Modules carry source only (no compiled p-code) and the project
version is 0xFFFF, which makes Excel compile the source on first open, as it does for the
projects xlwings itself ships.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from . import cfb

MACROS = Path(__file__).resolve().parents[1] / "macros"
CODEPAGE = 1252
PROJECT_ID = "{4F2C5B1E-7A3D-4E2B-9C1A-3B5D7E9F1A2C}"  # fixed: same input, same bytes
Kind = Literal["module", "class", "document"]

# (macro, caption) in button order; each macro is a Sub in macros/PoamButtons.bas
BUTTONS: tuple[tuple[str, str], ...] = (
    ("PoamValidate", "Validate"),
    ("PoamUpdateDueDates", "Update Due Dates"),
    ("PoamFlagOverdue", "Flag Overdue"),
    ("PoamSortByPriority", "Sort by Priority"),
    ("PoamNewItem", "New Item"),
    ("PoamRefreshDashboard", "Refresh Dashboard"),
    ("PoamImportFunctions", "Import Functions"),
)
DOC_BASE = {"workbook": "0{00020819-0000-0000-C000-000000000046}",
            "sheet": "0{00020820-0000-0000-C000-000000000046}"}
REFERENCES = (
    ("stdole", "*\\G{00020430-0000-0000-C000-000000000046}#2.0#0#C:\\Windows\\System32\\stdole2.tlb"
               "#OLE Automation"),
    ("Office", "*\\G{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}#2.0#0#C:\\Program Files\\Common Files\\"
               "Microsoft Shared\\OFFICE16\\MSO.DLL#Microsoft Office 16.0 Object Library"),
)


@dataclass(frozen=True)
class Module:
    name: str
    kind: Kind
    source: str  # as stored: Attribute lines first, CRLF line ends


def _crlf(text: str) -> str:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n").split("\n")
    return "\r\n".join(lines) + "\r\n"


# The module-level attributes Excel writes for every class and document module, in Excel's order
# (as stored in xlwings' own quickstart workbooks and add-in): [MS-VBAL] 5.2.4.1. An exported
# .cls file carries only some of them; the rest get Excel's values for a plain class module.
CLASS_ATTRIBUTES = ("VB_Name", "VB_Base", "VB_GlobalNameSpace", "VB_Creatable", "VB_PredeclaredId",
                    "VB_Exposed", "VB_TemplateDerived", "VB_Customizable")
CLASS_BASE = "0{FCFB3D2A-A0FA-1068-A738-08002B3371B5}"  # VB_Base of a class module
_CLASS_DEFAULTS = {"VB_Base": f'"{CLASS_BASE}"', "VB_GlobalNameSpace": "False",
                   "VB_Creatable": "False", "VB_PredeclaredId": "False", "VB_Exposed": "False",
                   "VB_TemplateDerived": "False", "VB_Customizable": "False"}
_ATTRIBUTE = re.compile(r"^Attribute (VB_\w+) = (.*)$")


def class_attributes(text: str, given: dict[str, str] | None = None) -> str:
    """A class or document module's text with its leading ``Attribute VB_*`` lines completed and
    put in Excel's order (CLASS_ATTRIBUTES, then any others such as VB_Description as found).

    ``given`` overrides values ('VB_Base' -> '"0{...}"'); missing ones get a class module's
    defaults. The rest of the text is unchanged.
    """
    lines = text.replace("\r\n", "\n").split("\n")
    found: dict[str, str] = {}
    n = 0
    while n < len(lines) and (m := _ATTRIBUTE.match(lines[n])):
        found[m.group(1)] = m.group(2)
        n += 1
    values = {**_CLASS_DEFAULTS, **found, **(given or {})}
    head = [f"Attribute {k} = {values[k]}" for k in CLASS_ATTRIBUTES if k in values]
    head += [f"Attribute {k} = {v}" for k, v in found.items() if k not in CLASS_ATTRIBUTES]
    return "\n".join(head + lines[n:])


def from_file(path: Path) -> Module:
    """A .bas or .cls file as exported by the VBA editor -> Module (class header stripped, the
    class's attribute lines completed as Excel stores them)."""
    text = path.read_text(encoding="cp1252")
    kind: Kind = "class" if path.suffix.lower() == ".cls" else "module"
    if kind == "class":
        text = re.sub(r"\AVERSION [^\n]*\n(BEGIN\n.*?\nEND\n)?", "", text.replace("\r\n", "\n"),
                      flags=re.S)
        text = class_attributes(text)
    m = re.search(r'^Attribute VB_Name = "([^"]+)"', text, flags=re.M)
    if not m:
        raise ValueError(f"{path.name}: no Attribute VB_Name line")
    return Module(m.group(1), kind, _crlf(text))


def document(name: str, base: str) -> Module:
    """A document module (ThisWorkbook, a sheet) with Excel's attribute lines."""
    text = class_attributes(f'Attribute VB_Name = "{name}"', {
        "VB_Base": f'"{base}"', "VB_PredeclaredId": "True", "VB_Exposed": "True",
        "VB_Customizable": "True"})
    return Module(name, "document", _crlf(text))


def xlwings_modules() -> list[Module]:
    """The xlwings standalone module and its Dictionary class, from the installed xlwings."""
    import xlwings

    root = Path(xlwings.__file__).parent
    return [from_file(root / "xlwings.bas"), from_file(root / "addin" / "Dictionary.cls")]


def our_modules() -> list[Module]:
    return [from_file(p) for p in sorted(MACROS.glob("*.bas"))]


# ---------------------------------------------------------------- [MS-OVBA] 2.4.1 compression
def compress(data: bytes) -> bytes:
    out = bytearray(b"\x01")
    for start in range(0, len(data), 4096):
        out += _chunk(data[start:start + 4096])
    return bytes(out)


def _chunk(chunk: bytes) -> bytes:
    body = bytearray()
    heads: dict[bytes, list[int]] = {}
    i, n = 0, len(chunk)
    while i < n:
        flag_at = len(body)
        body.append(0)
        for bit in range(8):
            if i >= n:
                break
            bits = max((i - 1).bit_length(), 4)
            max_len = (0xFFFF >> bits) + 3
            best_len, best_off = 0, 0
            for j in reversed(heads.get(chunk[i:i + 3], [])[-64:]):
                length = 0
                limit = min(max_len, n - i)
                while length < limit and chunk[j + length] == chunk[i + length]:
                    length += 1
                if length > best_len:
                    best_len, best_off = length, i - j
                    if length == max_len:
                        break
            step = best_len if best_len >= 3 else 1
            if best_len >= 3:
                body[flag_at] |= 1 << bit
                body += struct.pack("<H", ((best_off - 1) << (16 - bits)) | (best_len - 3))
            else:
                body.append(chunk[i])
            for k in range(i, i + step):
                heads.setdefault(chunk[k:k + 3], []).append(k)
            i += step
    if len(body) > 4096:  # incompressible: a raw chunk (only ever a full 4096-byte one)
        return struct.pack("<H", 0x3FFF) + chunk.ljust(4096, b"\0")
    return struct.pack("<H", 0xB000 | (len(body) - 1)) + bytes(body)


# ---------------------------------------------------------------- [MS-OVBA] 2.4.3 encryption
def encrypt(data: bytes, project_id: str = PROJECT_ID, seed: int = 0x19) -> str:
    """CMG/DPB/GC values of the PROJECT stream (a fixed seed keeps builds reproducible)."""
    key = sum(project_id.encode("ascii")) & 0xFF
    out = [seed, 2 ^ seed, key ^ seed]
    unenc, enc1, enc2 = key, key ^ seed, 2 ^ seed
    plain = bytes([0] * ((seed & 6) // 2)) + struct.pack("<I", len(data)) + data
    for byte in plain:
        e = byte ^ ((enc2 + unenc) & 0xFF)
        out.append(e)
        enc2, enc1, unenc = enc1, e, byte
    return "".join(f"{b:02X}" for b in out)


def decrypt(text: str) -> bytes:
    raw = bytes.fromhex(text)
    seed, key = raw[0], raw[2] ^ raw[0]
    unenc, enc1, enc2 = key, raw[2], raw[1]
    plain = bytearray()
    for e in raw[3:]:
        byte = e ^ ((enc2 + unenc) & 0xFF)
        plain.append(byte)
        enc2, enc1, unenc = enc1, e, byte
    skip = (seed & 6) // 2
    length = struct.unpack("<I", bytes(plain[skip:skip + 4]))[0]
    return bytes(plain[skip + 4:skip + 4 + length])


# ---------------------------------------------------------------- streams
def _rec(rid: int, payload: bytes) -> bytes:
    return struct.pack("<HI", rid, len(payload)) + payload


def _text_rec(rid: int, uid: int, text: str) -> bytes:
    return _rec(rid, text.encode(f"cp{CODEPAGE}")) + _rec(uid, text.encode("utf-16-le"))


def dir_stream(modules: list[Module]) -> bytes:
    cp = f"cp{CODEPAGE}"
    out = (_rec(0x01, struct.pack("<I", 3)) + _rec(0x02, struct.pack("<I", 0x409))
           + _rec(0x14, struct.pack("<I", 0x409)) + _rec(0x03, struct.pack("<H", CODEPAGE))
           + _rec(0x04, b"VBAProject") + _text_rec(0x05, 0x40, "") + _text_rec(0x06, 0x3D, "")
           + _rec(0x07, struct.pack("<I", 0)) + _rec(0x08, struct.pack("<I", 0))
           + struct.pack("<HIIH", 0x09, 4, 1, 0) + _text_rec(0x0C, 0x3C, ""))
    for name, libid in REFERENCES:
        lib = libid.encode(cp)
        out += _text_rec(0x16, 0x3E, name)
        out += _rec(0x0D, struct.pack("<I", len(lib)) + lib + struct.pack("<IH", 0, 0))
    out += _rec(0x0F, struct.pack("<H", len(modules))) + _rec(0x13, struct.pack("<H", 0xFFFF))
    for m in modules:
        out += (_text_rec(0x19, 0x47, m.name) + _text_rec(0x1A, 0x32, m.name)
                + _text_rec(0x1C, 0x48, "")
                + _rec(0x31, struct.pack("<I", 0)) + _rec(0x1E, struct.pack("<I", 0))
                + _rec(0x2C, struct.pack("<H", 0xFFFF))
                + _rec(0x21 if m.kind == "module" else 0x22, b"") + _rec(0x2B, b""))
    return out + _rec(0x10, b"")


def project_stream(modules: list[Module]) -> bytes:
    kinds = {"document": "Document={}/&H00000000", "module": "Module={}", "class": "Class={}"}
    lines = [f'ID="{PROJECT_ID}"', *(kinds[m.kind].format(m.name) for m in modules),
             'Name="VBAProject"', 'HelpContextID="0"', 'VersionCompatible32="393222000"',
             f'CMG="{encrypt(bytes(4))}"', f'DPB="{encrypt(bytes(1))}"',
             f'GC="{encrypt(bytes([0xFF]))}"', "", "[Host Extender Info]",
             "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000", "", "[Workspace]",
             *(f"{m.name}=0, 0, 0, 0, C" for m in modules)]
    return ("\r\n".join(lines) + "\r\n").encode(f"cp{CODEPAGE}")


def vba_project(modules: list[Module]) -> bytes:
    """vbaProject.bin holding these modules (source only; Excel compiles on open)."""
    names = [m.name for m in modules]
    if len(set(n.lower() for n in names)) != len(names):
        raise ValueError(f"duplicate module names: {names}")
    streams = [cfb.Entry(m.name, compress(m.source.encode(f"cp{CODEPAGE}"))) for m in modules]
    streams += [cfb.Entry("_VBA_PROJECT", struct.pack("<HHBH", 0x61CC, 0xFFFF, 0, 1)),
                cfb.Entry("dir", compress(dir_stream(modules)))]
    wm = b"".join(m.name.encode(f"cp{CODEPAGE}") + b"\0" + m.name.encode("utf-16-le") + b"\0\0"
                  for m in modules) + b"\0\0"
    return cfb.write([cfb.Entry("VBA", None, streams),
                      cfb.Entry("PROJECT", project_stream(modules)), cfb.Entry("PROJECTwm", wm)])


# ---------------------------------------------------------------- the workbook
def codenames(sheetnames: list[str]) -> dict[str, str]:
    return {name: f"Sheet{i}" for i, name in enumerate(sheetnames, start=1)}


# ---------------------------------------------------------------- reading back (oletools)
def modules_of(path: str | Path) -> dict[str, str]:
    """Module name -> VBA source of an .xlsm, extracted with oletools (olevba)."""
    from oletools.olevba import VBA_Parser

    parser = VBA_Parser(str(path))
    try:
        if not parser.detect_vba_macros():
            return {}
        return {stream.split("/")[-1]: code.replace("\r\n", "\n")
                for _f, stream, _name, code in parser.extract_macros()}
    finally:
        parser.close()


def subs(source: str) -> list[str]:
    """The names of the Subs a module's VBA source declares ('Sub X()', 'Public Sub Y(a)')."""
    names = []
    for line in source.splitlines():
        words = line.strip().split()
        if words[:1] == ["Public"] or words[:1] == ["Private"]:
            words = words[1:]
        if len(words) >= 2 and words[0] == "Sub":
            names.append(words[1].split("(")[0])
    return names
