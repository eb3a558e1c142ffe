"""convert.emass_rows (the writer's round-trip check, the short way) gives exactly what
layouts.emass.to_model and split_dated give, on the items to_emass makes and on hostile ones:
text in date fields, stamps of every shape, Unicode digits and spaces, formula-looking and
full-width text, control characters, very long text, text item ids, blanks."""

from __future__ import annotations

import datetime as dt
import random
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from poam_xl import records
from poam_xl.convert import emass_rows
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
    assert found == emass_rows.SPACES


def test_split_dated_is_the_layouts_split_on_hostile_lines() -> None:
    rnd = random.Random(8)
    for _ in range(20_000):
        line = _line(rnd)
        assert _outcome(emass_rows.split_dated, line) == _outcome(L.split_dated, line), line


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=12), st.sampled_from(SEPARATORS), st.sampled_from(STAMPS))
def test_split_dated_on_any_text_before_a_stamp(head: str, sep: str, stamp: str) -> None:
    line = head + sep + stamp
    assert emass_rows.split_dated(line) == L.split_dated(line)


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
        fast = _outcome(emass_rows.to_model, dict(e), position)
        full = _outcome(L.to_model, dict(e), position)
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
        assert emass_rows.to_model(e, position) == L.to_model(e, position)


def test_the_memos_stay_bounded_and_right_when_full(monkeypatch) -> None:
    monkeypatch.setattr(emass_rows, "MEMO_SIZE", 3)
    for k in range(1, 20):
        line = f"step {k} {k % 12 + 1}/{k}/2026"
        assert emass_rows.split_dated(line) == L.split_dated(line)
        status = f"Completed {k % 12 + 1}/{k}/2026"
        assert emass_rows._mapped(L.status_word, status) == L.status_word(status)
    assert len(emass_rows._DAYS) <= 3 and len(emass_rows._MAPPED) <= 3
