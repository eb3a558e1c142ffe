"""CSV and JSON: lossless DSS -> JSON/CSV -> DSS field by field, formula-injection escaping."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from poam_xl import model, records, values
from poam_xl.convert import csv_json, dss
from poam_xl.errors import TemplateError
from poam_xl.policy import Policy
from tests.helpers import AS_OF, col_letter, item_ref, make_book

DANGEROUS = ['=HYPERLINK("http://x","y")', "+1+2", "-5 days", "@SUM(A1)", "\tTabbed", "\rCR first"]


def _compare(a: Any, b: Any, keys: tuple[str, ...] = model.ITEMS.keys) -> None:
    ra, rb = records.item_records(a), records.item_records(b)
    assert len(ra) == len(rb) > 0
    for x, y in zip(ra, rb, strict=True):
        for key in keys:
            assert records.same(x.get(key), y.get(key)), (
                x["item_number"],
                key,
                x.get(key),
                y.get(key),
            )
    ma = records.records(a.milestones.frame, model.MILESTONES.keys)
    mb = records.records(b.milestones.frame, model.MILESTONES.keys)
    assert len(ma) == len(mb) > 0
    for x, y in zip(ma, mb, strict=True):
        assert all(records.same(x[k], y[k]) for k in model.MILESTONES.keys), (x, y)


def _with_injection(wb: Any) -> None:
    ws = wb[model.ITEMS.sheet]
    cells = [
        (ws, item_ref(1, "description"), DANGEROUS[0]),
        (ws, item_ref(1, "comments"), DANGEROUS[1]),
        (ws, item_ref(2, "mitigation"), DANGEROUS[2]),
        (ws, item_ref(2, "owner"), DANGEROUS[3]),
        (ws, item_ref(3, "resources"), DANGEROUS[4] + " text"),
        (ws, item_ref(3, "comments"), "'=already quoted"),
        (wb[model.MILESTONES.sheet], "B2", DANGEROUS[0]),
    ]
    for sheet, ref, text in cells:
        sheet[ref] = text
        sheet[ref].data_type = "s"  # typed text, as a user would enter it, not a formula


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return make_book(tmp_path / "dss.xlsx", sample=12, edit=_with_injection)


def test_dss_json_dss_is_lossless(book: Path, tmp_path: Path) -> None:
    first, _ = dss.read(book)
    first.policy = Policy(
        days={"High": 15, "Medium": 60, "Low": 120},
        holidays=(dt.date(2026, 12, 25),),
        day_count="business",
    )
    csv_json.write_json(first, tmp_path / "p.json")
    mid, _ = csv_json.read_json(tmp_path / "p.json")
    dss.write(mid, tmp_path / "back.xlsx", as_of=AS_OF)
    back, _ = dss.read(tmp_path / "back.xlsx")
    _compare(first, back, records.data_keys())  # derived columns follow the new policy
    assert back.header == first.header
    assert (back.policy.days, back.policy.holidays, back.policy.day_count) == (
        first.policy.days,
        first.policy.holidays,
        "business",
    )


def test_json_document_shape(book: Path, tmp_path: Path) -> None:
    first, _ = dss.read(book)
    csv_json.write_json(first, tmp_path / "p.json")
    doc = json.loads((tmp_path / "p.json").read_text())
    assert doc["format"] == csv_json.FORMAT_ID and doc["poam-xl"]
    item = doc["items"][0]
    assert list(item)[: len(model.ITEMS.keys)] == list(model.ITEMS.keys)
    assert isinstance(item["item_number"], int)
    assert dt.date.fromisoformat(item["date_identified"])
    assert item["milestones"] and "item_number" not in item["milestones"][0]
    assert doc["header"]["cage_code"] == "1ABC2"


def test_dss_csv_dss_is_lossless(book: Path, tmp_path: Path) -> None:
    first, _ = dss.read(book)
    conv = csv_json.write_csv(first, tmp_path / "p.csv")
    assert {d["field"] for d in conv.dropped} >= {"CAGE Code", "Company Name"}  # no home in CSV
    mid, _ = csv_json.read_csv(tmp_path / "p.csv")
    dss.write(mid, tmp_path / "back.xlsx", as_of=AS_OF)
    _compare(first, dss.read(tmp_path / "back.xlsx")[0])


def test_csv_escapes_formula_cells_and_reads_them_back(book: Path, tmp_path: Path) -> None:
    first, _ = dss.read(book)
    conv = csv_json.write_csv(first, tmp_path / "p.csv")
    with (tmp_path / "p.csv").open(encoding="utf-8-sig", newline="") as fh:
        cells = [v for row in csv.reader(fh) for v in row]
    escaped = sum(1 for v in cells if values.unescape_formula(v) != v)
    assert escaped >= 5 and [n for n in conv.notes if "formula-like" in n] == [
        f"{escaped} formula-like cell(s) escaped with a leading ' (read back unchanged)"]
    clean = make_book(tmp_path / "clean.xlsx", sample=3)
    assert not [n for n in csv_json.write_csv(dss.read(clean)[0], tmp_path / "c.csv").notes
                if "formula" in n]  # nothing escaped: nothing said
    for bad in DANGEROUS[:4]:
        assert "'" + bad in cells and bad not in cells
    assert "''=already quoted" in cells  # an existing quote is escaped too, so it survives
    assert not any(v.startswith(values.FORMULA_START) for v in cells)
    back, _ = csv_json.read_csv(tmp_path / "p.csv")
    rec = records.item_records(back)
    assert rec[0]["description"] == DANGEROUS[0] and rec[1]["owner"] == "@SUM(A1)"
    assert rec[2]["comments"] == "'=already quoted"
    assert records.records(back.milestones.frame, ["milestone"])[0]["milestone"] == DANGEROUS[0]


@pytest.mark.parametrize("text", [*DANGEROUS, "'=quoted", "''+twice", "plain", "'plain", "a=b", ""])
def test_escape_is_exactly_undone(text: str) -> None:
    escaped = values.escape_formula(text)
    assert not escaped.startswith(values.FORMULA_START)
    assert escaped == (
        ("'" + text) if text.lstrip("'").startswith(values.FORMULA_START) else text
    )
    assert values.unescape_formula(escaped) == text


def test_csv_escape_opt_out(book: Path, tmp_path: Path) -> None:
    first, _ = dss.read(book)
    conv = csv_json.write_csv(first, tmp_path / "p.csv", escape_formulas=False)
    text = (tmp_path / "p.csv").read_text(encoding="utf-8-sig")
    assert "\n" + "1," + DANGEROUS[0].replace('"', '""') not in text  # quoted by csv, not escaped
    with (tmp_path / "p.csv").open(encoding="utf-8-sig", newline="") as fh:
        cells = [v for row in csv.reader(fh) for v in row]
    assert DANGEROUS[0] in cells and "'" + DANGEROUS[0] not in cells
    assert any("written as they are (--no-escape-formulas)" in n for n in conv.notes)


def test_csv_with_header_texts_and_unknown_columns(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text(
        "Item #,Description,Risk Level,Status,Date Identified,Ticket\n"
        "1,Patch the server,High,Open,3/1/2026,CHG-42\n",
        encoding="utf-8",
    )
    assert csv_json.detect_csv(path)
    poam, conv = csv_json.read_csv(path)
    rec = records.item_records(poam)[0]
    assert (rec["item_number"], rec["risk_level"], rec["date_identified"]) == (
        1,
        "High",
        dt.date(2026, 3, 1),
    )
    assert rec["comments"] == "[csv Ticket] CHG-42"
    assert conv.dropped == [
        {"item": 1, "field": "Ticket", "value": "CHG-42", "kept_in": "Comments"}
    ]
    assert poam.items.letters["risk_level"] == "C"


def test_wrong_formats_give_clear_errors(book: Path, tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text('{"not": "ours"}')
    with pytest.raises(TemplateError, match='"items" list'):
        csv_json.read_json(tmp_path / "x.json")
    (tmp_path / "x.csv").write_text("a,b\n1,2\n")
    with pytest.raises(TemplateError, match="item_number and description"):
        csv_json.read_csv(tmp_path / "x.csv")
    with pytest.raises(TemplateError, match="not poam-xl JSON"):
        csv_json.read_json(book)
    assert not csv_json.detect_json(book) and not csv_json.detect_csv(book)
    assert col_letter("description") == "B"


@pytest.mark.parametrize("edit", ["milestones-text", "milestones-mixed", "policy-text",
                                  "item-text"])
def test_a_json_document_with_parts_of_the_wrong_type_is_one_line(edit: str,
                                                                  tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from poam_xl.cli import app

    src = make_book(tmp_path / "in.xlsx", sample=3)
    doc_path = tmp_path / "d.json"
    csv_json.write_json(dss.read(src)[0], doc_path)
    doc = json.loads(doc_path.read_text(encoding="utf-8"))
    if edit == "milestones-text":
        doc["items"][0]["milestones"] = "x"
    elif edit == "milestones-mixed":
        doc["items"][0]["milestones"] = ["x", 1]
    elif edit == "policy-text":
        doc["policy"] = "x"
    else:
        doc["items"][1] = "x"
    doc_path.write_text(json.dumps(doc), encoding="utf-8")
    r = CliRunner().invoke(app, ["convert", str(doc_path), str(tmp_path / "o.xlsx")])
    assert r.exit_code == 2, r.output
    lines = [x for x in r.output.splitlines() if x.strip()]
    assert len(lines) == 1 and str(doc_path) in lines[0] and "internal error" not in lines[0]
    assert not (tmp_path / "o.xlsx").exists()


def test_json_policy_values_that_are_none_are_reported_and_strict_refuses(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from poam_xl.cli import app

    doc_path = tmp_path / "d.json"
    csv_json.write_json(dss.read(make_book(tmp_path / "in.xlsx", sample=2))[0], doc_path)
    doc = json.loads(doc_path.read_text(encoding="utf-8"))
    doc["policy"].update(days_high=-5, day_count="fortnightly", holidays=["2026-07-04", "nope"])
    doc_path.write_text(json.dumps(doc), encoding="utf-8")
    runner = CliRunner()
    r = runner.invoke(app, ["convert", str(doc_path), str(tmp_path / "o.xlsx")])
    assert r.exit_code == 0, r.output
    for field in ("Policy: High risk: days allowed", "Policy: Day count", "Policy: Holidays"):
        assert f"dropped (no home in the target): {field}" in r.output
    r = runner.invoke(app, ["convert", str(doc_path), str(tmp_path / "s.xlsx"), "--strict"])
    assert r.exit_code == 1 and "'fortnightly'" in r.output and not (tmp_path / "s.xlsx").exists()
