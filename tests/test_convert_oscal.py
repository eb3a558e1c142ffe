"""OSCAL POA&M JSON: schema-valid output, stable UUIDs, lossless round trips, FedRAMP -> OSCAL."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from poam_xl import kept, model, reader
from poam_xl.convert import fedramp, oscal
from poam_xl.convert.fedramp import read_workbook
from poam_xl.convert.oscal_schema import errors
from poam_xl.errors import PoamXlError
from poam_xl.layouts import fedramp as fr_layout
from poam_xl.records import records
from tests.fedramp_data import filled_template
from tests.helpers import AS_OF, make_book

DATA_KEYS = [c.key for c in model.ITEM_COLUMNS if not c.derived]


def norm(value: Any) -> Any:
    return kept.text_of(value)


def root(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())["plan-of-action-and-milestones"]


def test_dss_output_validates_against_the_official_schema(tmp_path: Path) -> None:
    poam = reader.read(make_book(tmp_path / "dss.xlsx", sample=12))
    doc, _conv = oscal.build(poam, as_of=AS_OF)
    assert errors(doc) == []
    r = doc["plan-of-action-and-milestones"]
    assert len(r["poam-items"]) == len(r["risks"]) == len(r["observations"]) == 12
    assert r["metadata"]["oscal-version"] == "1.2.3"
    assert r["metadata"]["last-modified"] == f"{AS_OF.isoformat()}T00:00:00Z"
    tasks = [
        t
        for risk in r["risks"]
        for rem in risk.get("remediations", [])
        for t in rem.get("tasks", [])
    ]
    assert tasks and all(t["type"] == "milestone" and "on-date" in t["timing"] for t in tasks)


def test_schema_check_catches_a_broken_document(tmp_path: Path) -> None:
    poam = reader.read(make_book(tmp_path / "dss.xlsx", sample=2))
    doc, _conv = oscal.build(poam, as_of=AS_OF)
    doc["plan-of-action-and-milestones"]["poam-items"][0]["props"][0]["name"] = "1 bad"
    doc["plan-of-action-and-milestones"]["risks"][0]["status"] = ""
    problems = errors(doc)
    assert any("props/0/name" in p for p in problems) and any("status" in p for p in problems)


def test_uuids_are_stable_across_conversions(tmp_path: Path) -> None:
    poam = reader.read(make_book(tmp_path / "dss.xlsx", sample=6))
    oscal.write(poam, tmp_path / "a.json", as_of=AS_OF)
    again = reader.read(make_book(tmp_path / "dss2.xlsx", sample=6))
    oscal.write(again, tmp_path / "b.json", as_of=AS_OF + dt.timedelta(days=30))
    a, b = root(tmp_path / "a.json"), root(tmp_path / "b.json")
    assert a["uuid"] == b["uuid"]
    for key in ("poam-items", "risks", "observations"):
        assert [x["uuid"] for x in a[key]] == [x["uuid"] for x in b[key]]
    assert a["metadata"]["last-modified"] != b["metadata"]["last-modified"]
    other = reader.read(make_book(tmp_path / "dss3.xlsx", sample=6))
    other.header["system_name"] = "Another system"
    doc, _c = oscal.build(other, as_of=AS_OF)
    assert doc["plan-of-action-and-milestones"]["uuid"] != a["uuid"]


def test_dss_to_oscal_to_dss_is_lossless(tmp_path: Path) -> None:
    poam = reader.read(make_book(tmp_path / "dss.xlsx", sample=12))
    conv = oscal.write(poam, tmp_path / "out.json", as_of=AS_OF)
    back, _c = oscal.FORMAT.read(tmp_path / "out.json")
    a = {r["item_number"]: r for r in records(poam.items.frame)}
    b = {r["item_number"]: r for r in records(back.items.frame)}
    assert sorted(a) == sorted(b)
    for n, rec in a.items():
        for key in DATA_KEYS:
            assert norm(b[n][key]) == norm(rec[key]), (n, key)
    key = lambda m: (m["item_number"], str(m["planned_date"]), m["milestone"])  # noqa: E731
    assert sorted(records(poam.milestones.frame), key=key) == sorted(
        records(back.milestones.frame), key=key
    )
    assert {k: back.header[k] for k in poam.header} == poam.header
    # fields with no OSCAL home are listed, each with where it was kept
    assert {d["field"] for d in conv.dropped} >= {"ISSM/FSO Approval", "C/W/S"}
    assert {d["kept_in"] for d in conv.dropped} <= {"props", "remarks"}


def test_fedramp_workbook_to_oscal_and_back(tmp_path: Path) -> None:
    src = filled_template(tmp_path / "fr.xlsx")
    poam = read_workbook(src)[0]
    oscal.write(poam, tmp_path / "fr.json", as_of=dt.date(2026, 11, 25))
    r = root(tmp_path / "fr.json")
    assert errors({"plan-of-action-and-milestones": r}) == []
    risks = {
        next(p["value"] for p in i["props"] if p["name"] == "POAM-ID"): r["risks"][n]
        for n, i in enumerate(r["poam-items"])
    }
    assert set(risks) == {"V-101", "V-102", "V-103", "V-090", "C-7"}
    assert risks["V-101"]["status"] == "deviation-approved"  # risk adjustment approved
    assert risks["V-102"]["status"] == "deviation-requested"  # false positive pending
    assert risks["V-090"]["status"] == "closed"
    log = risks["V-101"]["risk-log"]["entries"]
    assert [e["status-change"] for e in log] == ["deviation-approved"]
    assert log[0]["description"].startswith("Risk Adjustment : ")
    tasks = risks["V-101"]["remediations"][0]["tasks"]
    assert [(t["title"], t["timing"]["on-date"]["date"]) for t in tasks] == [
        ("Vendor image released", "2026-09-20T00:00:00Z"),
        ("Roll out to production", "2026-10-15T00:00:00Z"),
    ]
    assert risks["V-101"]["deadline"] == "2026-11-30T00:00:00Z"
    # back to FedRAMP: every field of every item as typed
    back, _c = oscal.FORMAT.read(tmp_path / "fr.json")
    fedramp.write(back, tmp_path / "again.xlsx")
    before = records(poam.native["fedramp"])
    after = {
        r["fr_poam_id"]: r
        for r in records(read_workbook(tmp_path / "again.xlsx")[0].native["fedramp"])
    }
    for row in before:
        for key in (*fr_layout.FR_KEYS, "sheet"):
            assert norm(after[row["fr_poam_id"]][key]) == norm(row[key]), (row["fr_poam_id"], key)


@pytest.mark.parametrize("content", ["workbook", "not json", '{"catalog": {}}', "[1, 2]"])
def test_wrong_format_names_what_was_expected(tmp_path: Path, content: str) -> None:
    path = tmp_path / "in.json"
    if content == "workbook":
        make_book(path, sample=1)
    else:
        path.write_text(content)
    assert not oscal.FORMAT.detect(path)
    with pytest.raises(PoamXlError) as err:
        oscal.FORMAT.read(path)
    assert "OSCAL POA&M JSON" in str(err.value) and "\n" not in str(err.value)


def test_reads_a_foreign_oscal_poam(tmp_path: Path) -> None:
    """Another tool's document: bare FedRAMP-style props, facets, a within-date-range task."""
    doc = {
        "plan-of-action-and-milestones": {
            "uuid": "11111111-1111-4111-8111-111111111111",
            "metadata": {
                "title": "x",
                "last-modified": "2026-01-01T00:00:00Z",
                "version": "1",
                "oscal-version": "1.1.2",
            },
            "observations": [
                {
                    "uuid": "22222222-2222-4222-8222-222222222222",
                    "description": "d",
                    "methods": ["TEST"],
                    "collected": "2026-01-05T00:00:00Z",
                }
            ],
            "risks": [
                {
                    "uuid": "33333333-3333-4333-8333-333333333333",
                    "title": "Weak TLS",
                    "description": "d",
                    "statement": "s",
                    "status": "open",
                    "props": [{"name": "false-positive", "value": "Pending"}],
                    "deadline": "2026-03-01T00:00:00Z",
                    "remediations": [
                        {
                            "uuid": "44444444-4444-4444-8444-444444444444",
                            "lifecycle": "planned",
                            "title": "r",
                            "description": "Fix",
                            "tasks": [
                                {
                                    "uuid": "55555555-5555-4555-8555-555555555555",
                                    "type": "milestone",
                                    "title": "Patch",
                                    "timing": {
                                        "within-date-range": {
                                            "start": "2026-01-06T00:00:00Z",
                                            "end": "2026-02-01T00:00:00Z",
                                        }
                                    },
                                }
                            ],
                        }
                    ],
                }
            ],
            "poam-items": [
                {
                    "uuid": "66666666-6666-4666-8666-666666666666",
                    "title": "Weak TLS",
                    "description": "TLS 1.0 enabled",
                    "props": [
                        {"name": "poam-id", "value": "V-7"},
                        {"name": "control-id", "value": "SC-8"},
                    ],
                    "related-observations": [
                        {"observation-uuid": "22222222-2222-4222-8222-222222222222"}
                    ],
                    "related-risks": [{"risk-uuid": "33333333-3333-4333-8333-333333333333"}],
                }
            ],
        }
    }
    path = tmp_path / "foreign.json"
    path.write_text(json.dumps(doc))
    assert oscal.FORMAT.detect(path)
    poam, _c = oscal.FORMAT.read(path)
    rec = records(poam.items.frame)[0]
    assert rec["item_number"] == 7 and rec["cws"] == "SC-8" and rec["mitigation"] == "Fix"
    assert rec["date_identified"] == dt.date(2026, 1, 5)
    assert rec["milestone_date"] == dt.date(2026, 3, 1)
    assert kept.unpack(rec["comments"])[1] == {
        "Weakness Name": "Weak TLS",
        "False Positive": "Pending",
    }
    ms = records(poam.milestones.frame)
    assert [(m["milestone"], m["planned_date"]) for m in ms] == [("Patch", dt.date(2026, 2, 1))]


def test_a_poam_without_items_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    from tests.fedramp_data import need_template

    empty = read_workbook(need_template())[0]  # the blank real template: 0 items
    with pytest.raises(PoamXlError, match="at least one poam-item"):
        oscal.write(empty, tmp_path / "empty.json")
    assert not (tmp_path / "empty.json").exists()


def test_item_uuids_equal_the_standard_uuid5() -> None:
    """The writer's uuid5 (no UUID objects) is RFC 4122 version 5: equal to uuid.uuid5."""
    import uuid

    from poam_xl.convert.oscal_model import UUID_NS, uuid5

    names = ["", "a", "Acme/7/observation", "é ü 漢字/12/task/3", "x" * 500]
    for name in names:
        assert uuid5(name) == str(uuid.uuid5(UUID_NS, name))
    assert len({uuid5(n) for n in names}) == len(names)


def _nulls_or_empties(obj: Any, where: str = "") -> list[str]:
    if isinstance(obj, dict):
        found = [f"{where}/{k}" for k, v in obj.items() if v is None or v == [] or v == {}]
        return found + [p for k, v in obj.items() for p in _nulls_or_empties(v, f"{where}/{k}")]
    if isinstance(obj, list):
        return [p for i, v in enumerate(obj) for p in _nulls_or_empties(v, f"{where}[{i}]")]
    return []


@pytest.mark.parametrize("source", ["sparse", "fedramp"])
def test_documents_hold_no_nulls_or_empty_arrays(tmp_path: Path, source: str) -> None:
    """OSCAL forbids nulls and empty arrays: none anywhere, for items with blank dates,
    milestones without planned dates or text, closed items and FedRAMP deviations."""
    if source == "fedramp":
        poam = read_workbook(filled_template(tmp_path / "fr.xlsx"))[0]
    else:
        from poam_xl import template

        def blank_out(wb: Any) -> None:
            ws, ms = wb[model.ITEMS.sheet], wb[model.MILESTONES.sheet]
            heads = {c.value: c.column for c in ws[template.TABLE_HEADER_ROW] if c.value}
            blank = [heads[c.header] for c in model.ITEM_COLUMNS
                     if c.header in heads and c.key not in ("item_number", "description")]
            for row in range(template.FIRST_ROW, template.FIRST_ROW + 4):
                for col in blank:
                    ws.cell(row, col).value = None
            for row in ms.iter_rows(min_row=2, max_row=6):
                row[1].value = row[2].value = row[3].value = None
        poam = reader.read(make_book(tmp_path / "sparse.xlsx", sample=12, edit=blank_out))
    doc, _conv = oscal.build(poam, as_of=AS_OF)
    assert errors(doc) == []
    assert _nulls_or_empties(doc) == []
    assert oscal._clean(doc) == doc


def test_text_with_any_line_terminator_passes_the_schema_and_comes_back(tmp_path: Path) -> None:
    """OSCAL's one-line strings reject CR, U+2028 and U+2029 (ECMA-262 line terminators), not
    only LF: such text rides in remarks and comes back exactly."""
    from typer.testing import CliRunner

    from poam_xl.cli import app

    run = CliRunner().invoke
    src = tmp_path / "s.json"
    assert run(app, ["convert", str(make_book(tmp_path / "s.xlsx", sample=3)), str(src)]).exit_code == 0
    doc = json.loads(src.read_text())
    doc["items"][0]["owner"] = "A\rB"
    doc["items"][1]["owner"] = "C\u2028D\u2029E"
    doc["items"][2]["description"] = "first\rsecond"
    src.write_text(json.dumps(doc))
    res = run(app, ["convert", str(src), str(tmp_path / "o.json"), "--to", "oscal"])
    assert res.exit_code == 0, res.output
    assert run(app, ["convert", str(tmp_path / "o.json"), str(tmp_path / "b.json")]).exit_code == 0
    back = json.loads((tmp_path / "b.json").read_text())["items"]
    assert [back[0]["owner"], back[1]["owner"], back[2]["description"]] == [
        "A\rB", "C\u2028D\u2029E", "first\rsecond"]


def test_a_lone_surrogate_in_json_is_one_line_naming_the_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from poam_xl.cli import app

    src = tmp_path / "x.json"
    src.write_text('{"poam-xl": "0.1.0", "items": [\n{"description": "a \\ud800 b"}]}')
    for to in ("oscal", "csv", "json"):
        res = CliRunner().invoke(app, ["convert", str(src), str(tmp_path / f"o.{to}"), "--to", to])
        assert res.exit_code == 2, res.output
        assert "x.json" in res.output and "surrogate" in res.output and "(line 2)" in res.output
        assert "internal" not in res.output


def test_risk_words_in_any_spelling_become_facets_and_others_are_kept(tmp_path: Path) -> None:
    from poam_xl.convert.run import convert
    from tests.helpers import item_ref

    words = {"risk_level": "moderate", "likelihood": "CAT I", "impact": "H"}

    def edit(wb: Any) -> None:
        for key, word in words.items():
            wb["POA&M"][item_ref(1, key)] = word

    src = make_book(tmp_path / "in.xlsx", sample=2, edit=edit)
    out, back = tmp_path / "o.json", tmp_path / "back.xlsx"
    conv = convert(src, out, to="oscal", as_of=AS_OF)
    doc = json.loads(out.read_text(encoding="utf-8"))["plan-of-action-and-milestones"]
    risk = doc["risks"][0]
    facets = {f["name"]: f["value"] for c in risk["characterizations"] for f in c["facets"]}
    assert facets["risk"] == "moderate" and facets["likelihood"] == "high"
    assert "impact" not in facets  # "H" names no level: kept in remarks, reported
    assert {"field": "Impact", "value": "H", "kept_in": "remarks"}.items() <= next(
        d for d in conv.dropped if d["field"] == "Impact").items()
    convert(out, back, as_of=AS_OF)
    first = reader.read(back).items.frame.iloc[0]
    assert (first["risk_level"], first["likelihood"], first["impact"]) == ("Medium", "High", "H")


@pytest.mark.parametrize("edit", ["item-text", "risk-text", "props-text"])
def test_an_oscal_document_with_parts_of_the_wrong_type_is_one_line(edit: str,
                                                                    tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from poam_xl.cli import app
    from poam_xl.convert.run import convert

    doc_path = tmp_path / "o.json"
    convert(make_book(tmp_path / "in.xlsx", sample=3), doc_path, to="oscal", as_of=AS_OF)
    doc = json.loads(doc_path.read_text(encoding="utf-8"))
    root = doc["plan-of-action-and-milestones"]
    if edit == "item-text":
        root["poam-items"][0] = "x"
    elif edit == "risk-text":
        root["risks"][0] = "x"
    else:
        root["poam-items"][0]["props"] = "x"
    doc_path.write_text(json.dumps(doc), encoding="utf-8")
    r = CliRunner().invoke(app, ["convert", str(doc_path), str(tmp_path / "back.xlsx")])
    assert r.exit_code == 2, r.output
    lines = [x for x in r.output.splitlines() if x.strip()]
    assert len(lines) == 1 and "internal error" not in lines[0], r.output


def test_an_oscal_deadline_that_is_no_date_comes_back_as_text(tmp_path: Path) -> None:
    from poam_xl.convert.run import convert

    doc_path = tmp_path / "o.json"
    convert(make_book(tmp_path / "in.xlsx", sample=2), doc_path, to="oscal", as_of=AS_OF)
    doc = json.loads(doc_path.read_text(encoding="utf-8"))
    doc["plan-of-action-and-milestones"]["risks"][0]["deadline"] = "tomorrow"
    doc_path.write_text(json.dumps(doc), encoding="utf-8")
    back = tmp_path / "back.xlsx"
    convert(doc_path, back, as_of=AS_OF)
    assert ("milestone_date", "tomorrow") in [(b.key, b.value) for b in reader.read(back).invalid]
