"""The column model is one consistent declaration."""

from __future__ import annotations

from poam_xl import model


def test_every_column_name_is_unique_within_its_table():
    for table in (model.ITEMS, model.MILESTONES):
        seen: dict[str, str] = {}
        for col in table.columns:
            for name in col.names():
                assert name not in seen or seen[name] == col.key, (table.sheet, name, col.key, seen[name])
                seen[name] = col.key


def test_dss_columns_come_first_in_the_briefs_order():
    headers = [c.header for c in model.ITEM_COLUMNS[:10]]
    assert headers == [
        "Item Number", "Non-Compliance Description", "C/W/S", "Mitigation Plans & Adjustments",
        "Milestone Date (Based Upon Risk Level)", "ISSM/FSO Approval", "Status",
        "DSS Approval Date", "DSS Determination (Open/Closed)", "Risk Level (Low/Medium/High)",
    ]


def test_normalise_header_ignores_case_space_punctuation_and_parenthetical():
    n = model.normalise_header
    assert n("Item #") == n("item number") == n(" ITEM  NUMBER ")
    assert n("Risk Level (Low/Medium/High)") == n("risk level")
    assert n("Source Identifying Vulnerability ") == "sourceidentifyingvulnerability"
    assert n("C/W/S") == "cws"
    assert n("(Low/Medium/High)") != ""  # a header that is only a parenthetical keeps its text


def test_choice_columns_have_a_dropdown_list():
    for col in model.ITEM_COLUMNS + model.MILESTONE_COLUMNS:
        if col.kind == "choice":
            assert model.list_name(col.allowed) in model.LISTS


def test_canonical_choice_maps_case_and_synonyms():
    assert model.canonical_choice(" high ", model.RISK_LEVELS) == "High"
    assert model.canonical_choice("Moderate", model.RISK_LEVELS, model.RISK_SYNONYMS) == "Medium"
    assert model.canonical_choice("Severe", model.RISK_LEVELS, model.RISK_SYNONYMS) is None
    assert model.canonical_choice("in progress", model.STATUSES) == "In Progress"
