"""The VBA project and the .xlsm: built on Linux, read back with oletools, olefile, LibreOffice."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import uuid
import zipfile
from pathlib import Path

import olefile
import openpyxl
import pytest
from oletools.olevba import decompress_stream

from poam_xl import cfb, model, vba, xl
from poam_xl import xlsm as xlsm_book
from tests.helpers import require_soffice

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "workbook" / "poam-template.xlsm"
COMMITTED_AS_OF = dt.date(2026, 1, 1)


@pytest.fixture(scope="module")
def xlsm(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("vba") / "poam.xlsm"
    return xlsm_book.build_xlsm(path, as_of=dt.date(2026, 11, 25), sample_items=6)


@pytest.mark.parametrize("data", [b"", b"a", b"abcabcabcabc" * 50, bytes(range(256)) * 40,
                                  (ROOT / "macros" / "PoamButtons.bas").read_bytes() * 9])
def test_compression_round_trips_through_oletools(data):
    packed = vba.compress(data)
    assert decompress_stream(bytearray(packed)) == data
    if len(data) > 500 and data[:3] == b"abc":
        assert len(packed) < len(data) / 5


def test_encryption_reads_excels_own_values():
    """CMG/DPB/GC written by Excel (xlwings' quickstart) decrypt to what we encrypt."""
    import xlwings

    qs = Path(xlwings.__file__).parent / "quickstart_standalone.xlsm"
    with zipfile.ZipFile(qs) as z:
        ole = olefile.OleFileIO(io.BytesIO(z.read("xl/vbaProject.bin")))
    text = ole.openstream("PROJECT").read().decode("cp1252")
    values = dict(re.findall(r'^(CMG|DPB|GC|ID)="([^"]*)"', text, flags=re.M))
    assert vba.decrypt(values["CMG"]) == bytes(4)  # not protected
    assert vba.decrypt(values["DPB"]) == b"\0"  # no password
    assert vba.decrypt(values["GC"]) == b"\xff"  # visible
    raw = bytes.fromhex(values["CMG"])
    assert raw[2] ^ raw[0] == sum(values["ID"].encode()) & 0xFF  # the project key
    for data in (bytes(4), b"\0", b"\xff"):
        assert vba.decrypt(vba.encrypt(data)) == data


def test_compound_file_read_by_olefile():
    kids = [cfb.Entry(f"s{i}", bytes([i]) * (i * 331)) for i in range(1, 16)]
    blob = cfb.write([cfb.Entry("VBA", None, kids[:9]), *kids[9:], cfb.Entry("big", b"x" * 9000)])
    ole = olefile.OleFileIO(io.BytesIO(blob))
    for k in kids:
        path = f"VBA/{k.name}" if int(k.name[1:]) <= 9 else k.name
        assert ole.openstream(path).read() == k.data
    assert ole.openstream("big").read() == b"x" * 9000


def test_xlsm_vba_source_has_every_sub_and_target(xlsm):
    modules = vba.modules_of(xlsm)
    ours = (vba.MACROS / "PoamButtons.bas").read_text().replace("\r\n", "\n")
    assert modules["PoamButtons"].strip() == ours.strip()
    subs = re.findall(r"^Sub (\w+)\(\)", modules["PoamButtons"], flags=re.M)
    assert subs == [m for m, _ in vba.BUTTONS]
    targets = re.findall(r'RunPython "import poam_xl\.xl; poam_xl\.xl\.(\w+)\(\)"',
                         modules["PoamButtons"])
    assert len(targets) == len(subs) - 1  # Import Functions calls xlwings' ImportPythonUDFs
    for t in targets:
        assert callable(getattr(xl, t)), t
    assert "ImportPythonUDFs" in modules["PoamButtons"]
    assert "Public Function RunPython(" in modules["xlwings"]  # resolves without the add-in
    assert "Sub ImportPythonUDFs()" in modules["xlwings"]
    wb = openpyxl.load_workbook(xlsm)
    doc = {f"Sheet{i}" for i in range(1, len(wb.sheetnames) + 1)} | {"ThisWorkbook"}
    assert doc <= set(modules)


def test_xlsm_buttons_bound_to_macros(xlsm):
    buttons = xlsm_book.buttons_of(xlsm)
    assert buttons == [(model.ITEMS.sheet, caption, macro) for macro, caption in vba.BUTTONS]
    with zipfile.ZipFile(xlsm) as z:
        types = z.read("[Content_Types].xml").decode()
        assert "application/vnd.ms-excel.sheet.macroEnabled.main+xml" in types
        assert "vbaProject" in z.read("xl/_rels/workbook.xml.rels").decode()
        assert 'codeName="ThisWorkbook"' in z.read("xl/workbook.xml").decode()


def test_xlsm_conf_sheet_and_readable(xlsm):
    from poam_xl import validation

    wb = openpyxl.load_workbook(xlsm)
    conf = wb[xlsm_book.CONF_SHEET]
    assert (conf["A1"].value, conf["B1"].value) == ("UDF Modules", "poam_xl.udf")
    assert conf["A2"].value is None  # xlwings reads keys from A1 down to the first blank
    report = validation.validate(xlsm, as_of=dt.date(2026, 11, 25))
    assert report.error is None and len(report.items) == 6


def test_keep_vba_round_trip_keeps_project_and_buttons(xlsm, tmp_path):
    out = tmp_path / "again.xlsm"
    wb = openpyxl.load_workbook(xlsm, keep_vba=True)
    wb[model.ITEMS.sheet]["B20"] = "edited by openpyxl"
    wb.save(out)
    with zipfile.ZipFile(xlsm) as a, zipfile.ZipFile(out) as b:
        assert a.read("xl/vbaProject.bin") == b.read("xl/vbaProject.bin")
    assert xlsm_book.buttons_of(out) == xlsm_book.buttons_of(xlsm)


def test_committed_workbook_is_what_the_code_builds(tmp_path):
    """workbook/poam-template.xlsm regenerates to the same cells and VBA source."""
    fresh = xlsm_book.build_xlsm(tmp_path / "fresh.xlsm", as_of=COMMITTED_AS_OF)
    a, b = openpyxl.load_workbook(COMMITTED), openpyxl.load_workbook(fresh)
    assert a.sheetnames == b.sheetnames
    for name in a.sheetnames:
        va = [[c.value for c in r] for r in a[name].iter_rows()]
        vb = [[c.value for c in r] for r in b[name].iter_rows()]
        assert va == vb, f"{name} differs: run `poam-xl excel build-xlsm {COMMITTED.name} --force`"
    ma, mb = vba.modules_of(COMMITTED), vba.modules_of(fresh)
    assert ma["PoamButtons"] == mb["PoamButtons"]
    assert set(ma) == set(mb)
    import xlwings

    if f"'Version: {xlwings.__version__}" in ma["xlwings"]:
        assert ma == mb
    assert xlsm_book.buttons_of(COMMITTED) == xlsm_book.buttons_of(fresh)


def test_build_is_reproducible():
    mods = vba.our_modules() + vba.xlwings_modules()
    assert vba.vba_project(mods) == vba.vba_project(mods)
    with pytest.raises(ValueError):
        vba.vba_project(mods + mods[:1])


def _soffice(args: list[str], tmp_path: Path) -> None:
    require_soffice()
    profile = f"file:///tmp/lo-vba-{uuid.uuid4().hex}"
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", *args],
                   cwd=tmp_path, capture_output=True, timeout=300, check=False)


@pytest.mark.libreoffice
def test_libreoffice_imports_the_vba_project_and_buttons(xlsm, tmp_path):
    """A second, independent reader of [MS-OVBA]: LibreOffice's VBA import."""
    _soffice(["--convert-to", "ods", "--outdir", str(tmp_path), str(xlsm)], tmp_path)
    ods = tmp_path / "poam.ods"
    assert ods.exists(), "LibreOffice did not convert the .xlsm"
    with zipfile.ZipFile(ods) as z:
        names = z.namelist()
        assert "Basic/VBAProject/PoamButtons.xml" in names
        assert "Basic/VBAProject/xlwings.xml" in names
        basic = z.read("Basic/VBAProject/PoamButtons.xml").decode()
        content = z.read("content.xml").decode()
    assert "poam_xl.xl.validate()" in basic
    for macro, caption in vba.BUTTONS:
        assert f'form:label="{caption}"' in content
        assert f"VBAProject.PoamButtons.{macro}?" in content


def test_subs_lists_every_declared_sub() -> None:
    source = 'Attribute VB_Name = "X"\r\nSub A()\r\nEnd Sub\r\nPublic Sub B(x)\r\nEnd Sub\r\n' \
             "Private Sub C()\r\nEnd Sub\r\nFunction D()\r\nEnd Function\r\n' Sub E() in a comment\r\n"
    assert vba.subs(source) == ["A", "B", "C"]
    assert vba.subs((vba.MACROS / "PoamButtons.bas").read_text()) == [m for m, _ in vba.BUTTONS]


def _attributes(source: str) -> list[str]:
    """Every 'Attribute ...' line of a module (module-level first, then member attributes)."""
    return [line for line in source.replace("\r\n", "\n").split("\n") if line.startswith("Attribute ")]


def _head(source: str) -> list[tuple[str, str]]:
    """The module-level attributes: the leading 'Attribute VB_x = v' lines as (x, v)."""
    out = []
    for line in source.replace("\r\n", "\n").split("\n"):
        m = re.match(r"^Attribute (VB_\w+) = (.*)$", line)
        if not m:
            break
        out.append((m.group(1), m.group(2)))
    return out


def _packaged() -> dict[str, dict[str, str]]:
    """The VBA modules of every workbook and add-in the installed xlwings ships (Excel wrote them)."""
    import xlwings

    root = Path(xlwings.__file__).parent
    found = sorted(p for p in root.rglob("*") if p.suffix in (".xlsm", ".xlam"))
    assert len(found) >= 3, found  # quickstart.xlsm, quickstart_standalone.xlsm, addin/xlwings.xlam ...
    return {str(p.relative_to(root)): vba.modules_of(p) for p in found}


def test_attribute_lines_match_xlwings_packaged_workbooks(xlsm):
    """Our class, document and standard modules carry the attribute lines Excel writes, in
    Excel's order: compared with the workbooks xlwings ships (saved by Excel)."""
    ours, packaged = vba.modules_of(xlsm), _packaged()
    theirs = packaged["quickstart_standalone.xlsm"]
    # the same class and standard module as Excel stored them: every attribute line equal
    assert _attributes(ours["Dictionary"]) == _attributes(theirs["Dictionary"])
    assert _attributes(ours["xlwings"]) == _attributes(theirs["xlwings"]) == ['Attribute VB_Name = "xlwings"']
    assert _head(ours["ThisWorkbook"]) == _head(theirs["ThisWorkbook"])
    assert _head(ours["Sheet1"]) == _head(theirs["Sheet1"])
    assert _head(ours["PoamButtons"]) == [("VB_Name", '"PoamButtons"')]  # like their Module1
    # every class/document module Excel wrote has our order of keys, and so does each of ours
    classes = [(f"{book}:{name}", src) for book, mods in packaged.items() for name, src in mods.items()
               if len(_head(src)) > 1]
    assert len(classes) >= 10
    for where, src in classes + [(f"ours:{n}", s) for n, s in ours.items() if len(_head(s)) > 1]:
        keys = [k for k, _ in _head(src)]
        assert keys[:len(vba.CLASS_ATTRIBUTES)] == list(vba.CLASS_ATTRIBUTES), where
        if "Dictionary" in where or "Web" in where:  # plain class modules: Excel's class base
            assert dict(_head(src))["VB_Base"] == f'"{vba.CLASS_BASE}"', where


def test_class_attributes_completes_an_exported_class() -> None:
    text = ('Attribute VB_Name = "K"\nAttribute VB_Exposed = True\nAttribute VB_Description = "d"\n'
            "Option Explicit")
    out = vba.class_attributes(text).split("\n")
    assert out == ['Attribute VB_Name = "K"', f'Attribute VB_Base = "{vba.CLASS_BASE}"',
                   "Attribute VB_GlobalNameSpace = False", "Attribute VB_Creatable = False",
                   "Attribute VB_PredeclaredId = False", "Attribute VB_Exposed = True",
                   "Attribute VB_TemplateDerived = False", "Attribute VB_Customizable = False",
                   'Attribute VB_Description = "d"', "Option Explicit"]


# ---------------------------------------------------------------- the buttons' preflight
def _vba_const(source: str, name: str) -> str:
    m = re.search(rf'Const {name} As String = "([^"]*)"', source)
    assert m, name
    return m.group(1)


def test_every_button_checks_python_poam_xl_and_xlwings_first(xlsm):
    """Read back with oletools: each button runs the preflight before RunPython / the UDF import,
    and the preflight turns each failure into a poam-xl message (not cmd.exe's text)."""
    modules = vba.modules_of(xlsm)
    source = modules["PoamButtons"]
    bodies = dict(re.findall(r"^Sub (\w+)\(\)\n(.*?)^End Sub", source, flags=re.M | re.S))
    assert list(bodies) == [m for m, _ in vba.BUTTONS]
    for macro, body in bodies.items():
        code = [s.strip() for s in body.splitlines() if s.strip() and not s.strip().startswith("'")]
        assert len(code) == 1 and code[0].startswith("If PoamReady() Then "), (macro, code)
    ready = source[source.index("Private Function PoamReady()"):source.index("End Function")]
    for needle in ('GetConfig("INTERPRETER_WIN"', "FileExists(interpreter)", "XLWINGS_VERSION",
                   "Case 9009", "Case 3, 4", "No module named 'poam_xl'", "pip install poam-xl",
                   'GetConfig("PYTHONPATH")', "2>&1"):
        assert needle in ready, needle
    assert "Interpreter_Win in column A and the full path of python.exe" in source
    assert "xlwings.conf sheet" in source
    # the version the preflight compares with is the embedded xlwings module's own constant
    assert _vba_const(modules["xlwings"], "XLWINGS_VERSION")


def _probe(version: str) -> subprocess.CompletedProcess[str]:
    """The Python command line PoamButtons.bas runs, as it builds it (POAM_CHECK & version & "')")."""
    import os
    import sys

    source = (vba.MACROS / "PoamButtons.bas").read_text()
    command = _vba_const(source, "POAM_CHECK") + version + "')"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", command], capture_output=True, text=True, env=env,
                          timeout=60, check=False)


def test_preflight_passes_for_the_embedded_version_and_says_what_to_do_otherwise(xlsm):
    from poam_xl import excel_check

    embedded = _vba_const(vba.modules_of(xlsm)["xlwings"], "XLWINGS_VERSION")
    ok = _probe(embedded)
    assert (ok.returncode, ok.stdout) == (excel_check.READY, "")
    wrong = _probe("0.1.2")
    assert wrong.returncode == excel_check.MISMATCH
    assert f"xlwings {embedded}" in wrong.stdout and "pip install xlwings==0.1.2" in wrong.stdout
    assert "poam-xl excel build-xlsm" in wrong.stdout
    code, message = excel_check.check("0.37.8", None, python=r"C:\Python312\python.exe")
    assert code == excel_check.NO_XLWINGS and r'"C:\Python312\python.exe" -m pip install' in message
    assert excel_check.check("0.37.8", "0.37.8") == (excel_check.READY, "")


def test_preflight_imports_nothing_heavy():
    """A button press pays only a Python start-up for the check (no pandas, no xlwings)."""
    import os
    import sys

    probe = ("import sys, poam_xl.excel_check; print(sorted(m for m in ('pandas', 'xlwings', "
             "'numpy', 'poam_xl.reader') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
    assert out.stdout.strip() == "[]"


def test_xlwings_is_pinned_to_the_version_the_workbook_embeds():
    import tomllib

    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pins = [d for d in deps if d.split("=")[0].split(">")[0].strip() == "xlwings"]
    assert len(pins) == 1 and pins[0].startswith("xlwings=="), pins
    committed = _vba_const(vba.modules_of(COMMITTED)["xlwings"], "XLWINGS_VERSION")
    assert pins[0] == f"xlwings=={committed}"
