"""layouts.fedramp_records.to_fedramp (an empty kept block taken at once, the read-back check
without a pack and parse when no tag it reads is kept, the Milestone Records JSON put together
directly) gives exactly what it gave before (kept below as the oracle): row, sheet and kept
fields, on realistic records and on a grid of hostile ones (tags in Comments, text in date
fields, formula-looking and full-width text, control characters, very long text, text item
ids, blanks)."""

from __future__ import annotations

import datetime as dt
import json
import random
from typing import Any

import pytest

from poam_xl import dates, kept, model, records
from poam_xl.layouts import fedramp as F
from poam_xl.layouts import fedramp_records
from poam_xl.layouts import fedramp_records as R
from poam_xl.layouts.fedramp import CONFIG, DSS_LABEL, HEAD_ONLY, SHEET_LABEL
from tests.test_writer_fast import VALUES

D = dt.date
TEXTS = ["", " ", "x", "  spaced  ", "=1+1", "\uff1d1+1", "-5", "@sum", "\x00nul\x07", "TBD",
         "pending review", "a \"quoted\" \\ back\\slash", "line\nbreak\r\ttab", "\u2028\u2029",
         "lone \ud800 surrogate", "Ünïcødé — ✓ 😀", "x" * 40_000, "4711", "A-3", "1.10",
         "[poam-xl Status] Closed"]
COMMENTS = [None, "", "plain note", "=HYPERLINK(\"x\")", "[FedRAMP Vendor Dependency] Yes",
            "note\n[poam-xl Status] Completed", "[poam-xl Milestone Date] TBD",
            "[column Ticket] 4711\n[eMASS Severity] High", f"[FedRAMP {SHEET_LABEL}] {CONFIG}",
            "[poam-xl Milestone Records] [{\"milestone\": \"x\"}]", "[csv Extra] a\\[b",
            "[poam-xl Comments] =kept formula text", "note\n[poam-xl Comments] x",
            "x\n\\[poam-xl Status] typed", "[poam-xl Item Number] A-3", "[json k] v\n[OSCAL r] s"]
EXTRAS = [None, {}, {"CAGE Code": "1ABC2", "DSS UID": " ", "Last Review Date": D(2026, 1, 5)},
          {label: "x" for label in HEAD_ONLY.values()},
          {"Status": "Closed", SHEET_LABEL: CONFIG},  # labels base_dss reads: the long way
          {"Weakness Name": "=1+1", "Item Number": "7"}]


PLAIN = [v for v in VALUES if type(v) in (str, int, float, bool, dt.date, dt.datetime, type(None))]


def _outcome(fn, *args, **options):
    """What ``fn(*args)`` returns, or the type of what it raises (both ways must agree)."""
    try:
        return fn(*args, **options)
    except Exception as exc:  # noqa: BLE001 - compared, not hidden
        return type(exc)


def _milestone(rnd: random.Random) -> dict[str, object]:
    pick = rnd.choice
    return {"item_number": pick([1, None, "A-3"]), "milestone": pick(TEXTS + [None, 5, D(2026, 2, 1)]),
            "planned_date": pick([None, D(2026, 7, 8), D(1, 1, 1), "TBD", "2026-07-08", 3.5,
                                  dt.datetime(2026, 7, 8, 10, 30)]),
            "status": pick([None, "Completed", "Pending", " ", "=x"]),
            "completed_date": pick([None, D(2026, 7, 9), "soon"]),
            "changes": pick([None, "", "moved\nagain", "\x1f"])}


def _record(rnd: random.Random) -> dict[str, object]:
    rec: dict[str, object] = {}
    for col in model.ITEMS.columns:
        if rnd.random() < 0.35:
            rec[col.key] = None
        elif col.key == "status":
            rec[col.key] = rnd.choice(list(model.STATUSES) + ["", "weird", None])
        elif col.key == "closure_reason":
            rec[col.key] = rnd.choice(list(model.CLOSURE_REASONS) + ["", None])
        elif col.key in ("risk_level", "likelihood", "impact"):
            rec[col.key] = rnd.choice(["High", "Medium", "Low", "moderate", "CAT II", "x", None])
        elif col.key == "comments":
            rec[col.key] = rnd.choice(COMMENTS)
        elif col.kind in ("text", "choice") and rnd.random() < 0.9:
            rec[col.key] = rnd.choice(TEXTS)  # text (stripped by the DSS reader's records)
        else:
            rec[col.key] = rnd.choice(PLAIN + TEXTS)
    return rec


def test_the_short_way_is_to_fedramp_on_hostile_records() -> None:
    rnd = random.Random(2026)
    for trial in range(1500):
        rec = _record(rnd)
        miles = [_milestone(rnd) for _ in range(rnd.choice([0, 0, 1, 3]))]
        extra = rnd.choice(EXTRAS)
        expected = _outcome(_old_to_fedramp, dict(rec), [dict(m) for m in miles], extra)
        got = _outcome(fedramp_records.to_fedramp, dict(rec), [dict(m) for m in miles], extra)
        assert got == expected, trial
        if isinstance(got, tuple):
            assert [list(part) for part in got if isinstance(part, dict)] == [
                list(part) for part in expected if isinstance(part, dict)]  # key order too


def test_the_short_way_is_to_fedramp_on_the_sample_items(tmp_path) -> None:
    from poam_xl.convert import get
    from tests.helpers import make_book

    poam, _ = get("dss").read(make_book(tmp_path / "s.xlsx", sample=40))
    by_item = records.milestones_by_item(poam)
    header_extra = {"CAGE Code": "1ABC2", "Last Review Date": D(2026, 10, 11)}
    for i, rec in enumerate(records.item_records(poam)):
        miles = by_item.get(records.item_key(rec), [])
        extra = header_extra if i == 0 else {}
        assert fedramp_records.to_fedramp(dict(rec), miles, extra) == _old_to_fedramp(
            dict(rec), miles, extra)


@pytest.mark.parametrize("seed", range(4))
def test_milestone_records_text_is_json_dumps(seed: int) -> None:
    rnd = random.Random(seed)
    for _ in range(300):
        miles = [_milestone(rnd) for _ in range(rnd.randrange(4))]
        for m in miles:
            if rnd.random() < 0.3:
                m[rnd.choice(list(m))] = rnd.choice(PLAIN + TEXTS)
        assert _outcome(F.milestone_json, miles) == _outcome(_old_milestone_json, miles)


def test_the_read_back_labels_cover_every_label_base_dss_reads() -> None:
    # a kept label outside _READ_BACK must not change what base_dss derives (without milestones)
    fr, sheet = fedramp_records.base_fedramp({"item_number": 3, "status": "Closed"}, [])
    plain = fedramp_records.base_dss({**fr, "comments": None}, sheet, milestones=False)[0]
    labels = [*HEAD_ONLY.values(), "Milestone Records", "Other Tool Field", *DSS_LABEL.values()]
    for label in labels:
        packed = fedramp_records.pack(None, {label: "Closed"})
        derived = fedramp_records.base_dss({**fr, "comments": packed}, sheet, milestones=False)[0]
        if label not in fedramp_records._READ_BACK:
            assert {k: v for k, v in derived.items() if k != "comments"} == {
                k: v for k, v in plain.items() if k != "comments"}, label


def test_rows_of_records_with_and_without_tags_are_what_base_fedramp_gave() -> None:
    """base_fedramp, and base_dss reading each row back (with and without milestones, on
    every sheet), give what they gave before, for Comments with and without kept tags."""
    from poam_xl.layouts.fedramp import SHEETS

    rnd = random.Random(11)
    for trial in range(1500):
        rec = _record(rnd)
        miles = [_milestone(rnd) for _ in range(rnd.choice([0, 1, 3]))]
        row = _outcome(fedramp_records.base_fedramp, dict(rec), miles)
        assert row == _outcome(_old_base_fedramp, dict(rec), miles), trial
        if not isinstance(row, tuple):
            continue
        fr = dict(row[0])
        packed = _outcome(_old_to_fedramp, dict(rec), miles)
        kept_tags = packed[0]["comments"] if isinstance(packed, tuple) else None
        for comments in (fr["comments"], rec.get("comments"), kept_tags):
            for where in (row[1], *SHEETS):
                for with_miles in (True, False):
                    got = _outcome(fedramp_records.base_dss, {**fr, "comments": comments}, where,
                                   milestones=with_miles)
                    assert got == _outcome(_old_base_dss, {**fr, "comments": comments}, where,
                                           milestones=with_miles), trial


def test_planned_milestones_text_is_format_milestones() -> None:
    from poam_xl.layouts.fedramp import format_milestones

    rnd = random.Random(12)
    for _ in range(2000):
        miles = [_milestone(rnd) for _ in range(rnd.randrange(5))]
        assert _outcome(format_milestones, miles) == _outcome(_old_format_milestones, miles)


# ---------------------------------------------------------------- the oracle: the code before
def _old_base_fedramp(rec: dict[str, Any], miles: list[dict[str, Any]]) -> tuple[dict[str, Any], str]:
    """A DSS record (+ milestones) -> (FedRAMP row, sheet), using any kept FedRAMP fields."""
    user, block = kept.unpack(rec.get("comments"))
    fr: dict[str, Any] = {k: rec.get(k) for k in F.DIRECT}
    for k in F.DIRECT:  # a DSS value its column could not hold ("TBD" as the Milestone Date)
        if fr[k] is None and F.DSS_LABEL.get(k) in block:
            fr[k] = block[F.DSS_LABEL[k]]
    fr["comments"] = user
    for key in F.ONLY:
        fr[key] = R._value(F.KIND[key], block.get(F.LABEL[key]))
    desc = (rec.get("description") or "").strip()
    if fr["fr_poam_id"] is None and rec.get("item_number") is not None:
        fr["fr_poam_id"] = f"V-{rec['item_number']}"
    if fr["fr_weakness_name"] is None and desc:
        fr["fr_weakness_name"] = desc.split("\n")[0][:100]
    if fr["fr_detector_source"] is None:
        fr["fr_detector_source"] = rec.get("how_identified")
    if fr["fr_original_risk"] is None:
        fr["fr_original_risk"] = F.TO_FEDRAMP_RISK.get(rec.get("risk_level") or "")
    closed = rec.get("status") in model.CLOSED_STATUSES
    if fr["fr_status_date"] is None and closed:
        done = rec.get("completion_date")  # text ("TBD") goes into the cell as it is
        fr["fr_status_date"] = done if isinstance(done, str) else dates.as_date(done)
    if fr["fr_false_positive"] is None and rec.get("closure_reason") == "False Positive":
        fr["fr_false_positive"] = "Yes"
    raw = fr["fr_planned_milestones"]
    if raw is None or F.milestone_pairs(F.parse_milestones(raw)) != F.milestone_pairs(miles):
        fr["fr_planned_milestones"] = _old_format_milestones(miles)
    chosen = block.get(F.SHEET_LABEL)
    sheet = chosen if chosen in F.SHEETS else (F.CLOSED if closed else F.OPEN)
    return fr, sheet


def _old_to_fedramp(
    rec: dict[str, Any], miles: list[dict[str, Any]], extra: dict[str, Any] | None = None
) -> tuple[dict[str, Any], str, dict[str, str | None]]:
    """A DSS record -> (FedRAMP row whose Comments keep every DSS-only field, sheet, the kept
    fields: label -> the text its tag holds, None for a blank one)."""
    fr, sheet = _old_base_fedramp(rec, miles)
    fields: dict[str, Any] = {k: v for k, v in (extra or {}).items() if kept.text_of(v)}
    for key in F.DSS_ONLY:
        if rec.get(key) is not None and not (isinstance(rec[key], float) and rec[key] != rec[key]):
            fields[F.DSS_LABEL[key]] = rec[key]
    if any(m.get("status") or m.get("completed_date") or m.get("changes") for m in miles) or (
        F.milestone_pairs(F.parse_milestones(_old_format_milestones(miles))) != F.milestone_pairs(miles)
    ):
        fields[F.MILESTONE_LABEL] = _old_milestone_json(miles)
    fields = R._without_derivable(  # drop what the FedRAMP row already gives back
        fields, {F.DSS_LABEL[key]: key for key in F.DSS_ONLY}, rec, lambda rest: _old_base_dss(
            {**fr, "comments": R.pack(fr["comments"], rest)}, sheet, milestones=False)[0])
    comments = rec.get("comments")
    if comments and "[" in comments:  # tags only: most Comments hold none
        for label, text in R._unclaimed(kept.unpack(comments)[1], rec, F.DIRECT).items():
            fields.setdefault(label, text)  # "TBD" as a DSS date, another tool's tag: as it is
        if "Comments" in kept.unpack(comments)[1]:  # the one deliberate change (2026-12-03):
            fields.setdefault("Comments", kept.unpack(comments)[1]["Comments"])  # carried
    fr["comments"] = R.pack(fr["comments"], fields)
    return fr, sheet, {label: kept.text_of(value) for label, value in fields.items()}


def _old_milestone_json(miles: list[dict[str, Any]]) -> str:
    keys = ("milestone", "planned_date", "status", "completed_date", "changes")
    return json.dumps(
        [{k: t for k in keys if (t := kept.text_of(m.get(k)))} for m in miles],
        ensure_ascii=False,
    )


def _old_format_milestones(miles: list[dict[str, Any]]) -> str | None:
    """The template's '(##) xxxx-xx-xx: Milestone Description' entries, blank-line separated."""
    parts = []
    for i, m in enumerate(miles, start=1):
        d = dates.as_date(m.get("planned_date"))
        text = (m.get("milestone") or "").strip()
        parts.append(f"({i}) {d.isoformat()}: {text}" if d else f"({i}) {text}")
    return "\n\n".join(parts) or None


def _old_base_dss(fr: dict[str, Any], sheet: str, *, milestones: bool = True
             ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A FedRAMP row -> (DSS record, milestones), restoring anything a kept block carries;
    ``milestones=False``: the record only (no milestones parsed, an empty list)."""
    user, block = kept.unpack(fr.get("comments"))
    fr = dict(fr)
    for key in F.ONLY:  # a kept FedRAMP field fills a column this file lacks (Rev4 Service Name)
        if fr.get(key) is None and F.LABEL[key] in block:
            fr[key] = R._value(F.KIND[key], block[F.LABEL[key]])
    sheet = {F.CONFIG: F.CONFIG, F.CLOSED: F.CLOSED}.get(block.get(F.SHEET_LABEL, sheet), sheet)
    rec: dict[str, Any] = {k: fr.get(k) for k in F.DIRECT}
    rec["comments"] = user
    closed = sheet == F.CLOSED
    rec["status"] = "Closed" if closed else "Open"
    rec["risk_level"] = model.canonical_choice(
        fr.get("fr_original_risk"), model.RISK_LEVELS, model.RISK_SYNONYMS
    )
    rec["how_identified"] = R.how_identified(fr.get("fr_detector_source"))
    rec["completion_date"] = fr.get("fr_status_date") if closed else None
    fp = model.canonical_choice(fr.get("fr_false_positive"), F.YES_NO_PENDING) == "Yes"
    rec["closure_reason"] = ("False Positive" if fp else "Remediated") if closed else None
    rec["item_number"] = R._number(fr.get("fr_poam_id"))
    miles = F.parse_milestones(fr.get("fr_planned_milestones")) if milestones else []
    if milestones and F.MILESTONE_LABEL in block:
        try:
            stored = json.loads(block[F.MILESTONE_LABEL])
            if F.milestone_pairs(stored) == F.milestone_pairs(miles) or not miles:
                miles = [
                    {
                        **m,
                        "planned_date": R._value("date", m.get("planned_date")),
                        "completed_date": R._value("date", m.get("completed_date")),
                    }
                    for m in stored
                ]
        except (ValueError, TypeError, AttributeError):
            pass
    for key in F.DSS_ONLY:
        if F.DSS_LABEL[key] in block:
            col = model.ITEMS.column(key)
            text = block[F.DSS_LABEL[key]]
            # a text that is no date or number ("pending") stays text: coerce.frame_from_records
            # keeps it as its tag and the DSS writer puts it back into its cell
            rec[key] = (
                R._value("date", text)
                if col.kind == "date"
                else (int(text) if col.kind == "int" and text.isdigit() else text)
            )
    for label, tag_text in block.items():  # "TBD" as the Milestone Date: DSS could not type it
        direct = R._KEY_OF.get(label)
        if direct in F.DIRECT and rec.get(direct) is None:
            rec[direct] = tag_text
    return rec, miles


def test_a_comments_value_kept_as_its_tag_is_carried_to_fedramp_and_back() -> None:
    """A DSS Comments cell the reader could not read as text (a formula: kept as the
    ``[poam-xl Comments]`` tag) rides in the FedRAMP Comments as that tag, is listed in the
    conversion's kept fields, and reading the row back gives it as the Comments text (it was
    dropped without a word before)."""
    fr, sheet, labels = fedramp_records.to_fedramp(
        {"item_number": 1, "comments": "[poam-xl Comments] => see ticket 42"}, [])
    assert kept.unpack(fr["comments"]) == (None, {"Comments": "=> see ticket 42"})
    assert labels == {"Comments": "=> see ticket 42"}
    assert fedramp_records.base_dss(fr, sheet)[0]["comments"] == "=> see ticket 42"
    fr["comments"] = "[poam-xl CAGE Code] 1ABC2\n" + fr["comments"]  # the first item's header
    rec, _miles, labels_back = fedramp_records.to_dss(fr, sheet)  # what the FedRAMP reader does
    assert kept.unpack(rec["comments"]) == ("=> see ticket 42", {"CAGE Code": "1ABC2"})
    assert labels_back == ["CAGE Code"]


def test_the_milestone_pair_memo_is_bounded_and_right_past_its_size() -> None:
    """Milestone Records pairs are remembered for days and short texts only, at most
    _PAIR_MEMO_SIZE of them (cleared when full); past that size, and for long text, the JSON
    is still json.dumps'."""
    F._PAIR_MEMO.clear()
    long_text = "y" * (F._PAIR_TEXT + 1)
    for k in range(F._PAIR_MEMO_SIZE + 500):
        miles = [{"milestone": f"step {k}", "planned_date": D(2026, 1, 1) + dt.timedelta(k),
                  "status": "Completed", "changes": long_text}]
        assert F.milestone_json(miles) == _old_milestone_json(miles)
        assert len(F._PAIR_MEMO) <= F._PAIR_MEMO_SIZE
    assert 0 < len(F._PAIR_MEMO) < 2000  # cleared when full, then filled again
    assert not any(value == long_text for _key, value in F._PAIR_MEMO)
    assert F._PAIR_MEMO[("status", "Completed")] == '"status": "Completed"'


def test_values_mapped_keeps_long_text_out_of_its_memo() -> None:
    from poam_xl import memo, values

    values._memo.cache_clear()
    long_text = "High " + "x" * memo.LONGEST
    assert values.mapped(model.risk_level, long_text) == model.risk_level(long_text)
    assert values._memo.cache_info().currsize == 0
    assert values.mapped(model.risk_level, "High") == "High"
    assert values._memo.cache_info().currsize == 1
