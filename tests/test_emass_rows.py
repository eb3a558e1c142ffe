"""layouts.emass.to_model and split_dated (memoised mappings, a stamp ending taken without the
search) give exactly what they gave before (kept below as the oracle), on the items to_emass
makes and on hostile ones: text in date fields, stamps of every shape, Unicode digits and
spaces, formula-looking and full-width text, control characters, very long text, text item
ids, blanks."""

from __future__ import annotations

import datetime as dt
import random
import sys
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from poam_xl import dates, model, records
from poam_xl.layouts import emass as L
from tests.test_fedramp_rows import PLAIN, TEXTS, _outcome

D = dt.date
STAMPS = ["7/8/2026", "12/31/2026", "1/1/26", "1/1/5", "13/40/2026", "2/30/2026", "0/0/00",
          "2026-07-08", "07/08/2026", "1/2/345", "\u0667/\u0668/\u0662\u0660\u0662\u0666",
          "7/8/2026\n", "7/8/2026 ", "x7/8/2026", "7/8/20266", "10/31/2018"]
HEADS = ["", " ", "Patch", "Patch servers -", "Step 2,", "a;:-", "\u3000label\u3000", "\ttab",
         "=1+1", "\uff1d1", "\x00nul", "two\nlines", "Completed", "Risk Accepted", "x" * 5000,
         "1/2/2026", "ends 12/"]
SEPARATORS = [" ", "  ", "\t", "", ", ", " - "]


def _line(rnd: random.Random) -> object:
    if rnd.random() < 0.08:
        return rnd.choice([None, 5, 2.5, D(2026, 1, 5), dt.datetime(2026, 1, 5, 9), ""])
    return rnd.choice(HEADS) + rnd.choice(SEPARATORS) + rnd.choice(STAMPS)


def test_spaces_are_every_character_isspace_takes() -> None:
    found = "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace())
    assert found == L.SPACES


def test_split_dated_is_the_layouts_split_on_hostile_lines() -> None:
    rnd = random.Random(8)
    for _ in range(20_000):
        line = _line(rnd)
        assert _outcome(L.split_dated, line) == _outcome(_split_dated_by_search, line), line


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=12), st.sampled_from(SEPARATORS), st.sampled_from(STAMPS))
def test_split_dated_on_any_text_before_a_stamp(head: str, sep: str, stamp: str) -> None:
    line = head + sep + stamp
    assert L.split_dated(line) == _split_dated_by_search(line)


def _item(rnd: random.Random) -> dict[str, object]:
    pick = rnd.choice
    values = PLAIN + TEXTS
    e = {f.key: pick(values) if rnd.random() < 0.6 else pick(TEXTS + [None]) for f in L.FIELDS}
    e["item_id"] = pick([None, "", " 12 ", "4711", "A-3", "1.10", "1e3", 7, 7.0, float("nan"),
                         "nan", "=1+1"])
    e["status"] = pick([None, "", "Ongoing", "ongoing ", "Completed", "Completed 7/8/2026",
                        "Risk Accepted 1/2/2026", "Not Applicable", "Archived", "Open", "Closed",
                        "In Progress", "weird", "Completed 2026-07-08", "=x", 3])
    for key in ("raw_severity", "likelihood", "impact"):
        e[key] = pick([None, "I", "II", "III", "High", "moderate", "Very High", "CAT II", " low",
                       "x", 2])
    e["source"] = pick([None, "", "Audit", "ACAS scan", "STIG Review", "pen test", "?", 5])
    e["scheduled"] = pick([None, D(2026, 1, 5), D(1899, 1, 1), "TBD", "1/5/2026", 46000, True])
    e["milestones"] = [_line(rnd) for _ in range(pick([0, 0, 1, 3]))]
    e["changes"] = [pick(TEXTS + [None, 5]) for _ in range(pick([0, 1, 2]))]
    return e


def test_to_model_is_the_layouts_to_model_on_hostile_items() -> None:
    rnd = random.Random(9)
    for trial in range(4000):
        e = _item(rnd)
        position = rnd.randrange(1, 50)
        fast = _outcome(L.to_model, dict(e), position)
        full = _outcome(_to_model_before, dict(e), position)
        assert fast == full, trial
        if isinstance(fast, tuple):
            assert list(fast[0]) == list(full[0]), trial  # key order too


def test_to_model_is_the_layouts_to_model_on_what_to_emass_writes(tmp_path) -> None:
    from poam_xl.convert import get
    from tests.helpers import make_book

    poam, _ = get("dss").read(make_book(tmp_path / "s.xlsx", sample=60))
    by_item = records.milestones_by_item(poam)
    for position, rec in enumerate(records.item_records(poam), start=1):
        e = L.to_emass(rec, by_item.get(records.item_key(rec), []), position)
        assert L.to_model(e, position) == _to_model_before(e, position)


def test_the_memos_stay_right_when_they_overflow() -> None:
    """Past the memos' size the answers are still the rule's (lru_cache drops the oldest)."""
    from poam_xl import values

    L._stamp_day.cache_clear()
    values._memo.cache_clear()
    for k in range(1, 9000):
        line = f"step {k} {k % 12 + 1}/{k % 28 + 1}/2026"
        assert L.split_dated(line) == _split_dated_by_search(line)
        status = f"Completed {k % 12 + 1}/{k % 28 + 1}/{2000 + k % 30}"
        assert values.mapped(L.status_word, status) == L.status_word(status)
    assert L._stamp_day.cache_info().currsize <= 8192 and values._memo.cache_info().currsize <= 8192


# ---------------------------------------------------------------- the oracle: the code before
def _split_dated_by_search(value: Any) -> tuple[str | None, dt.date | None]:
    """split_dated as it was: the tail searched for the date (the oracle)."""
    if value is None:
        return None, None
    if isinstance(value, dt.date):
        return None, value if not isinstance(value, dt.datetime) else value.date()
    s = str(value).strip()
    # the date is the text's last 6-10 characters: only the tail is searched (the leftmost
    # start there is the one _TRAILING_DATE's lazy label gives), then the separators go
    m = L._DATE_AT_END.search(s, max(0, len(s) - 10)) if s[-1:].isdigit() else None
    if m:
        d = dates.parse_text(m.group())
        if d is not None:
            label = s[: m.start()]
            end = len(label)
            while end and (label[end - 1].isspace() or label[end - 1] in ",;:-"):
                end -= 1
            return label[:end].strip() or None, d
    return s or None, None


def _to_model_before(e: dict[str, Any], position: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """to_model as it was, every mapping called per item (the oracle)."""

    def txt(k: str) -> str | None:
        v = e.get(k)
        return None if v is None else (str(v).strip() or None)

    item_id = e.get("item_id")
    try:
        number = int(float(str(item_id).strip())) if txt("item_id") else position
    except ValueError:
        number = position
    scheduled = dates.to_date(e.get("scheduled"))
    rec: dict[str, Any] = {
        "item_number": number,
        "description": txt("description"),
        "cws": txt("control"),
        "owner": txt("office"),
        "source_id": txt("checks"),
        "resources": txt("resources"),
        "milestone_date": scheduled if isinstance(scheduled, dt.date) else None,
        "milestone_changes": "\n".join(str(x).strip() for x in e.get("changes") or [] if x) or None,
        "how_identified": L.how_identified(e.get("source")),
        "comments": txt("comments"),
        "risk_level": model.risk_level(e.get("raw_severity")),
        "likelihood": model.risk_level(e.get("likelihood")),
        "impact": model.risk_level(e.get("impact")),
        "residual_risk": txt("residual"),
        "mitigation": txt("recommendations"),
    }
    word, day = L.status_word(e.get("status"))
    if word is None and txt("status"):
        rec["status"] = model.canonical_choice(txt("status"), model.STATUSES)
    elif word == "Ongoing":
        rec["status"] = "Open"
    elif word == "Completed":
        rec.update(status="Completed", closure_reason="Remediated", completion_date=day)
    elif word in ("Risk Accepted", "Not Applicable"):
        rec.update(status="Closed", closure_reason=word, completion_date=day)
    elif word == "Archived":
        rec.update(status="Closed", completion_date=day)
    miles = []
    for line in e.get("milestones") or []:
        label, day = _split_dated_by_search(line)
        if label or day:
            miles.append({"item_number": number, "milestone": label, "planned_date": day})
    return rec, miles


def test_finding_fields_read_only_lines_that_start_with_their_label() -> None:
    """The STIG/benchmark/scan name and the STIG ids come from lines starting with their label
    (after spaces), the first label in order winning; a label inside a line or without its
    space reads nothing; Comments with no label give only what the ids say."""
    from poam_xl.layouts.emass_findings import finding_fields

    stig = {"how_identified": "STIG Review", "source_id": "V-1001", "cws": "CCI-000366"}
    assert finding_fields({"comments": "Scan: weekly\n  STIG: RHEL 8 \nBenchmark: CIS"}) == {
        "source": "RHEL 8"}
    assert finding_fields({"comments": "Scan: weekly"}) == {"source": "Nessus scan weekly"}
    assert finding_fields({"comments": "note STIG: x\nSTIG:y\nDeferred: later"}) == {}
    assert finding_fields({**stig, "comments": "STIG ID: RHEL-1\n STIG ID: V-1001 \nSTIG ID: X-2"}
                          )["checks"] == "V-1001; RHEL-1; X-2"
    assert "checks" not in finding_fields({**stig, "comments": "see STIG ID: RHEL-1"})
    assert finding_fields({**stig, "comments": None})["control"] == "CM-6 b"
