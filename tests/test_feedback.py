"""feedback: one implementation of marks, notes, Findings-sheet rows and the next item number."""

from __future__ import annotations

import numpy as np

from poam_xl import feedback
from poam_xl.findings import Finding


def _f(rule: str, severity: str, cell: str | None, sheet: str = "POA&M", item: object = None
       ) -> Finding:
    return Finding(rule, severity, f"{rule} message", "do this", sheet=sheet, cell=cell, item=item)


def test_marks_take_the_worst_severity_per_cell_and_skip_what_has_no_cell() -> None:
    found = [_f("b.warn", "warning", "E12"), _f("a.err", "error", "E12"), _f("c.warn", "warning", "B3"),
             _f("d.sheet", "error", None), _f("e.range", "error", "A1:B2"),
             _f("f.other", "error", "A1", sheet="Elsewhere")]
    marks = feedback.marks(found, ["POA&M"])
    assert [(m.cell, m.severity) for m in marks] == [("B3", "warning"), ("E12", "error")]
    assert marks[1].fill == feedback.ERROR and marks[0].fill == feedback.WARNING
    assert marks[1].note.splitlines() == ["WARNING [b.warn]: b.warn message", "Fix: do this",
                                          "ERROR [a.err]: a.err message", "Fix: do this"]
    assert feedback.is_our_note(marks[1].note) and not feedback.is_our_note("my own note")


def test_finding_rows_and_links_are_plain() -> None:
    f = _f("x.rule", "error", "C7", sheet="It's", item=np.int64(4))
    assert feedback.finding_rows([f]) == [["x.rule", "error", "It's!C7", 4, None, "x.rule message",
                                           "do this"]]
    assert feedback.link_target(f) == "'It''s'!C7"
    assert feedback.link_target(_f("y", "error", None)) is None


def test_next_item_number() -> None:
    assert feedback.next_item_number([]) == 1
    assert feedback.next_item_number([3, None, "7", "x", 2.0]) == 8
    assert feedback.flag_fill("120+ DAYS LATE") == feedback.OVERDUE
    assert feedback.flag_fill("DUE SOON") == feedback.DUE_SOON
