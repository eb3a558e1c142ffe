"""Kept tags: every label and value comes back from Comments as it went in, and a value can
never smuggle in a tag of its own."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from poam_xl import kept

SIDES = st.sampled_from(["FedRAMP", "OSCAL", "eMASS", "poam-xl", "csv", "json", "column"])
TRICKY = st.sampled_from(["]", "[", "\\", "\n", "[column X] y", "\\[eMASS Y] z", " ", "a"])
TEXT = st.lists(st.one_of(TRICKY, st.text(max_size=5)), max_size=6).map("".join)
VALUES = TEXT.map(str.strip)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(SIDES, TEXT.map(str.strip).filter(bool), VALUES), max_size=4))
def test_split_gives_back_what_join_wrote(tags: list[kept.Tag]) -> None:
    assert kept.split_tags(kept.join_tags("plain text", tags)) == ("plain text", tags)


def test_a_value_cannot_inject_a_tag_and_a_label_may_hold_a_bracket() -> None:
    tags = [("column", "Weird ]Hdr", "x0"), ("column", "Cost\nCenter", "7"),
            ("column", "Ref", "a\n[column Evil] injected")]
    text = kept.join_tags(None, tags)
    assert "\n[column Evil]" not in text  # the line is escaped, not a tag
    assert kept.split_tags(text) == (None, tags)
    assert kept.split_tags("[eMASS Severity] High\n[column A] 1") == (
        None, [("eMASS", "Severity", "High"), ("column", "A", "1")])  # the plain form unchanged
