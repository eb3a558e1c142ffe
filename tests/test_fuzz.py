"""Property-based fuzzing: random tables and mutated workbooks never crash the reader/validator.

CI runs a bounded budget. For a longer run:  HYPOTHESIS_PROFILE=long pytest tests/test_fuzz.py
"""

from __future__ import annotations

import datetime as dt
import io
import os
import random
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from poam_xl import model, template
from poam_xl.errors import PoamXlError
from poam_xl.reader import read
from poam_xl.validation import validate
from tests import corpus
from tests.helpers import AS_OF

# CI: a fixed, reproducible budget (derandomized); long: fresh random examples every run. The
# time-based health checks are off: generation is slower when more xdist workers share the
# cores, and that says nothing about the code under test (no deadline for the same reason).
_UNTIMED = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large,
            HealthCheck.filter_too_much]
settings.register_profile("ci", max_examples=40, deadline=None, derandomize=True,
                          suppress_health_check=_UNTIMED, database=None)
settings.register_profile("long", max_examples=2000, deadline=None, suppress_health_check=_UNTIMED)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

CELL = st.one_of(
    st.none(), st.text(max_size=40), st.integers(-10**6, 10**7),
    st.floats(allow_nan=True, allow_infinity=False, width=32),
    st.dates(dt.date(1900, 3, 1), dt.date(2100, 1, 1)), st.booleans(),
    st.sampled_from(["#N/A", "#REF!", "=1/0", "=A1", "Open", "closed", "HIGH", "moderate",
                     "2026-13-45", "03/31/2026", "46112", "", "   ", "\u202eevil", "🔥"]),
)
ROW = st.fixed_dictionaries({c.key: CELL for c in model.ITEM_COLUMNS if not c.derived})


def _xml_char(ch: str) -> bool:
    """Characters XML 1.0 allows (no control characters, surrogates or U+FFFE/FFFF)."""
    o = ord(ch)
    return ch in "\t\n\r" or 0x20 <= o < 0xD800 or 0xE000 <= o < 0xFFFE or o >= 0x10000


def _check(path: Path) -> None:
    """The property: reading and validating either works or raises the tool's own error."""
    try:
        report = validate(path, as_of=AS_OF)
    except PoamXlError as exc:
        assert "\n" not in str(exc)
        return
    assert report.status in ("ok", "warnings", "errors")
    for f in report.findings:
        if f.rule in RAW_VALUE_IN_MESSAGE:
            continue
        assert "\n" not in f.message, (f.rule, f.message)


# rules whose message may quote a raw multi-line value (none: messages use errors.excerpt)
RAW_VALUE_IN_MESSAGE: set[str] = set()


_TEMPLATE: list[object] = []  # the template, built once; each example fills then clears rows


@given(rows=st.lists(ROW, max_size=12))
def test_random_tables(rows: list[dict[str, object]], tmp_path: Path) -> None:
    if not _TEMPLATE:
        _TEMPLATE.append(template.build(as_of=AS_OF))
    wb = _TEMPLATE[0]
    ws = wb[model.ITEMS.sheet]  # type: ignore[index]
    written = []
    try:
        for i, row in enumerate(rows):
            for j, col in enumerate(model.ITEM_COLUMNS, start=1):
                value = row.get(col.key)
                if isinstance(value, str):
                    value = "".join(ch for ch in value if _xml_char(ch))  # what a workbook holds
                cell = ws.cell(template.FIRST_ROW + i, j)
                written.append((cell, cell.number_format))  # a date sets its own format
                try:
                    cell.value = value
                except (ValueError, TypeError):  # openpyxl refuses some values: not our concern
                    continue
        path = tmp_path / "random.xlsx"
        wb.save(path)  # type: ignore[attr-defined]
    finally:
        for cell, number_format in written:
            cell.value, cell.number_format = None, number_format
    _check(path)


BASE = corpus.base_bytes(4)


def _mutate(data: bytes, how: str, seed: int) -> bytes:
    rnd = random.Random(seed)
    if how == "flip":
        buf = bytearray(data)
        for _ in range(rnd.randint(1, 20)):
            buf[rnd.randrange(len(buf))] ^= 1 << rnd.randrange(8)
        return bytes(buf)
    if how == "truncate":
        return data[: rnd.randrange(len(data))]
    part = rnd.choice([corpus.ITEMS_PART, "xl/workbook.xml", "xl/styles.xml",
                       "[Content_Types].xml", "xl/_rels/workbook.xml.rels"])

    def edit(xml: bytes) -> bytes:
        for _ in range(rnd.randint(1, 8)):
            i = rnd.randrange(len(xml))
            choice = rnd.randrange(5)
            if choice == 0:
                xml = xml[:i] + xml[i + rnd.randint(1, 50):]  # delete a span
            elif choice == 1:
                xml = xml[:i] + rnd.choice([b"<", b">", b"&", b'"', b"</row>", b"<c r=\"ZZZ9\">",
                                            b'<row r="99999999">', b"\xff\xfe"]) + xml[i:]
            elif choice == 2:
                xml = xml.replace(b'r="', b'r="X', 1)
            elif choice == 3:
                xml = xml.replace(b"<v>", b"<v>-", 1)
            else:
                xml = xml.replace(b't="n"', rnd.choice([b't="e"', b't="s"', b't="b"']), 3)
        return xml

    return corpus.rewrite(data, {part: edit})


@given(how=st.sampled_from(["flip", "truncate", "xml"]), seed=st.integers(0, 2**32 - 1))
def test_mutated_workbooks(how: str, seed: int, tmp_path: Path) -> None:
    path = tmp_path / f"mutant-{how}.xlsx"
    path.write_bytes(_mutate(BASE, how, seed))
    _check(path)


def test_mutations_really_mutate() -> None:
    """Guard the fuzzer itself: mutants differ from the base and some are still zips."""
    mutants = [_mutate(BASE, how, s) for how in ("flip", "truncate", "xml") for s in range(5)]
    assert all(m != BASE for m in mutants)
    assert any(zipfile.is_zipfile(io.BytesIO(m)) for m in mutants)


def test_update_then_validate_is_stable(tmp_path: Path) -> None:
    """Validating `update`'s output gives the same verdict twice."""
    from poam_xl.update import update_workbook

    src = tmp_path / "in.xlsx"
    src.write_bytes(BASE)
    out = tmp_path / "out.xlsx"
    update_workbook(src, out, validate(src, as_of=AS_OF))
    first = validate(out, as_of=AS_OF)
    again = tmp_path / "again.xlsx"
    update_workbook(out, again, first)
    second = validate(again, as_of=AS_OF)
    assert [f.rule for f in first.findings] == [f.rule for f in second.findings]
    assert read(out).items.frame.equals(read(again).items.frame)
