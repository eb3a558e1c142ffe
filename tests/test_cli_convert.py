"""`poam-xl convert` through typer's CliRunner: guessing, reports, errors, inputs untouched."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from poam_xl import records
from poam_xl.cli import app
from poam_xl.convert import csv_json, dss, emass
from tests.helpers import REALWORLD, make_book, sha256
from tests.test_convert_emass import build_emass

runner = CliRunner()
SAF = REALWORLD / "workbooks" / "saf__converted-RHEL8V1R3.ckl-2026-03-03-0034.xlsm"


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def test_emass_to_dss_guessed_from_content(tmp_path: Path) -> None:
    src = build_emass(tmp_path / "export.xlsx")  # .xlsx: only the content says eMASS
    before = sha256(src)
    code, out, err = run("convert", src, tmp_path / "poam.xlsx", "--as-of", "2026-11-25")
    assert code == 0, err
    assert "3 item(s)" in out and "from emass" in out
    assert "kept in Comments: Severity (3 items)" in out
    assert "kept in header block (extra label): OMB Project ID" in out
    assert "emass profile defaults" in out  # no Policy sheet: the eMASS practice windows
    assert sha256(src) == before
    poam, _ = dss.read(tmp_path / "poam.xlsx")
    assert len(poam.items.frame) == 3 and poam.policy.days["Medium"] == 180


def test_dss_to_emass_and_back_with_report(tmp_path: Path) -> None:
    book = make_book(tmp_path / "dss.xlsx", sample=6)
    code, out, err = run(
        "convert", book, tmp_path / "e.xlsx", "--to", "emass", "--report", tmp_path / "r.json"
    )
    assert code == 0, err
    assert "dropped (no home in the target): CAGE Code" in out
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["items"] == 6 and report["target"].endswith("e.xlsx")
    assert any(
        d["field"] == "Date Identified" and d["kept_in"] == "Comments" for d in report["dropped"]
    )
    assert emass.detect(tmp_path / "e.xlsx")
    code, out, err = run(
        "convert", tmp_path / "e.xlsx", tmp_path / "back.xlsx", "--as-of", "2026-11-25"
    )
    assert code == 0, err
    a, b = dss.read(book)[0], dss.read(tmp_path / "back.xlsx")[0]
    for x, y in zip(records.item_records(a), records.item_records(b), strict=True):
        assert all(records.same(x.get(k), y.get(k)) for k in records.data_keys())


def test_csv_export_escape_flag(tmp_path: Path) -> None:
    def edit(wb: object) -> None:
        from tests.helpers import item_ref

        ws = wb["POA&M"]  # type: ignore[index]
        ws[item_ref(1, "comments")] = "@SUM(1+1)"
        ws[item_ref(1, "comments")].data_type = "s"

    book = make_book(tmp_path / "dss.xlsx", sample=2, edit=edit)
    assert run("convert", book, tmp_path / "a.csv")[0] == 0
    assert "'@SUM(1+1)" in (tmp_path / "a.csv").read_text(encoding="utf-8-sig")
    code, out, _ = run("convert", book, tmp_path / "b.csv", "--no-escape-formulas")
    assert code == 0 and "1 formula-like cell(s) written as they are (--no-escape-formulas)" in out
    text = (tmp_path / "b.csv").read_text(encoding="utf-8-sig")
    assert "@SUM(1+1)" in text and "'@SUM" not in text
    poam, _ = csv_json.read_csv(tmp_path / "a.csv")
    assert records.item_records(poam)[0]["comments"] == "@SUM(1+1)"


def test_json_round_trip_by_extension(tmp_path: Path) -> None:
    book = make_book(tmp_path / "dss.xlsx", sample=4)
    assert run("convert", book, tmp_path / "p.json")[0] == 0
    code, out, err = run("convert", tmp_path / "p.json", tmp_path / "back.xlsx")
    assert code == 0, err
    assert "from json" in out
    assert len(dss.read(tmp_path / "back.xlsx")[0].items.frame) == 4


def test_wrong_format_is_one_clear_line(tmp_path: Path) -> None:
    book = make_book(tmp_path / "dss.xlsx", sample=2)
    code, out, err = run("convert", book, tmp_path / "x.xlsx", "--from", "emass")
    assert code == 2 and out == ""
    assert err.count("\n") == 1
    assert "not an eMASS POA&M import workbook" in err and "try --from dss" in err
    assert not (tmp_path / "x.xlsx").exists()
    (tmp_path / "notes.txt").write_text("hello")
    code, _out, err = run("convert", tmp_path / "notes.txt", tmp_path / "y.xlsx")
    assert code == 2 and "pass --from" in err


def test_output_safety(tmp_path: Path) -> None:
    book = make_book(tmp_path / "dss.xlsx", sample=2)
    before = sha256(book)
    code, _out, err = run("convert", book, book, "--force")
    assert code == 2 and "refusing to overwrite the input" in err
    (tmp_path / "out.json").write_text("{}")
    code, _out, err = run("convert", book, tmp_path / "out.json")
    assert code == 2 and "--force" in err
    assert (tmp_path / "out.json").read_text() == "{}"
    assert run("convert", book, tmp_path / "out.json", "--force")[0] == 0
    code, _out, err = run("convert", book, tmp_path / "out.xlsm", "--to", "emass")
    assert code == 2 and ".xlsx" in err
    assert sha256(book) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp files left


@pytest.mark.parametrize("fmt", ["emass", "csv", "json", "dss", "fedramp"])
def test_show_mapping(fmt: str) -> None:
    code, out, _ = run("convert", "--show-mapping", fmt)
    assert code == 0
    lines = out.splitlines()
    assert lines[1].startswith("poam-xl column") and len(lines) > 20
    if fmt == "emass":
        assert "Raw Severity" in out and "I=High, II=Medium, III=Low" in out
    if fmt == "fedramp":  # a field the read turns into a DSS column is listed under it
        ours = {line.split("  ")[0] for line in lines
                for theirs in ("Original Risk Rating", "POAM ID", "Weakness Detector Source",
                               "Status Date", "Planned Milestones") if f"  {theirs}  " in line}
        assert {o.split(" (")[0] for o in ours} == {
            "Risk Level", "Item Number", "How Identified", "Completion Date", "Milestones sheet"}


def test_unknown_format_name() -> None:
    code, _out, err = run("convert", "--show-mapping", "excel")
    assert code == 2 and "unknown format 'excel'" in err


@pytest.mark.skipif(not SAF.exists(), reason="../shared/realworld is absent")
def test_real_saf_file(tmp_path: Path) -> None:
    code, out, err = run("convert", SAF, tmp_path / "saf.xlsx", "--as-of", "2026-11-25")
    assert code == 0, err
    assert "2 item(s)" in out and "Item ID blank" in out


@pytest.mark.parametrize("name", ["f.xlsm", "f.xltx", "f.XLSM", "f"])
def test_fedramp_output_must_be_xlsx(tmp_path: Path, name: str) -> None:
    """The FedRAMP template is a plain workbook: any other name gives a file Excel refuses."""
    from tests.helpers import make_book

    src = make_book(tmp_path / "s.xlsx")
    res = CliRunner().invoke(app, ["convert", str(src), str(tmp_path / name), "--to", "fedramp"])
    assert res.exit_code != 0 and "must be .xlsx" in res.output, res.output
    assert not (tmp_path / name).exists()


def test_an_item_number_beyond_int64_is_one_line_naming_the_file(tmp_path: Path) -> None:
    from tests.helpers import make_book

    src = tmp_path / "s.json"
    assert run("convert", str(make_book(tmp_path / "s.xlsx", sample=2)), str(src))[0] == 0
    doc = json.loads(src.read_text())
    for big in (10**30, 2**53 + 1, 2**63 - 1):
        doc["items"][1]["item_number"] = big
        src.write_text(json.dumps(doc))
        code, _out, err = run("convert", str(src), str(tmp_path / "back.xlsx"))
        assert code == 2 and "s.json" in err and "out of range" in err, err
        assert f"record 2: Item Number {big} " in err and "internal" not in err, err  # exact
    doc["items"][1]["item_number"] = 2**53  # the largest a workbook holds exactly: kept exact
    src.write_text(json.dumps(doc))
    assert run("convert", str(src), str(tmp_path / "back.json"))[0] == 0
    back = json.loads((tmp_path / "back.json").read_text())
    assert back["items"][1]["item_number"] == 2**53


def test_fedramp_rev4_is_written_from_the_command_line(tmp_path: Path) -> None:
    import openpyxl

    from poam_xl.convert.fedramp import read_workbook

    book = make_book(tmp_path / "b.xlsx", sample=3)
    rev4, rev5 = tmp_path / "rev4.xlsx", tmp_path / "rev5.xlsx"
    code, _out, err = run("convert", book, rev4, "--to", "fedramp", "--layout", "rev4")
    assert code == 0, err
    assert run("convert", book, rev5, "--to", "fedramp")[0] == 0
    heads = {}
    for path in (rev4, rev5):
        wb = openpyxl.load_workbook(path)
        heads[path.name] = [c.value for c in wb["Open POA&M Items"][5] if c.value]
    assert "Service Name" in heads["rev5.xlsx"] and "Service Name" not in heads["rev4.xlsx"]
    assert heads["rev4.xlsx"] == [h for h in heads["rev5.xlsx"] if h != "Service Name"]
    assert read_workbook(rev4)[0].template == "fedramp-rev4"
    code, _out, err = run("convert", book, tmp_path / "x.xlsx", "--to", "fedramp", "--layout", "rev3")
    assert code == 2 and "rev5, rev4" in err and "'rev3'" in err
    code, _out, err = run("convert", book, tmp_path / "x.csv", "--layout", "rev4")
    assert code == 2 and "--layout" in err and "'csv'" in err
    assert not (tmp_path / "x.xlsx").exists() and not (tmp_path / "x.csv").exists()
