"""memo.text_memo: the readers' memos remember short texts only, so a workbook of long cell
texts leaves nothing big alive in a long-running process (the worksheet-function server, a Dask
worker); the answers are the function's, remembered or not."""

from __future__ import annotations

import pytest

from poam_xl import dates, memo, model
from poam_xl.layouts import emass as L
from poam_xl.layouts import vocabulary


def test_text_memo_remembers_short_texts_only() -> None:
    calls: list[str] = []

    @memo.text_memo(maxsize=4, longest=5)
    def upper(text: str) -> str:
        calls.append(text)
        return text.upper()

    assert [upper("ab"), upper("ab"), upper("abcdef"), upper("abcdef")] == ["AB", "AB", "ABCDEF",
                                                                            "ABCDEF"]
    assert calls == ["ab", "abcdef", "abcdef"]  # the short one once, the long one each time
    assert upper.cache_info().currsize == 1
    for k in range(10):
        assert upper(f"t{k}") == f"T{k}"
    assert upper.cache_info().currsize == 4  # at most maxsize
    upper.cache_clear()
    assert upper.cache_info().currsize == 0
    assert upper.__wrapped__("x") == "X" and upper.__name__ == "upper"


LONG = "Implement the fix on every workstation " * 200  # 7,800 characters


@pytest.mark.parametrize("fn, text", [
    (model._normalised, LONG),
    (dates.parse_text, "1 March 2024 " + LONG),
    (vocabulary.item_target, model.normalise_header(LONG)),
])
def test_the_readers_memos_keep_long_text_out(fn, text) -> None:
    fn.cache_clear()
    assert fn(text) == fn.__wrapped__(text)
    assert fn.cache_info().currsize == 0
    short = text[:20]
    assert fn(short) == fn.__wrapped__(short)
    assert fn.cache_info().currsize == 1


def test_a_milestone_line_ending_in_a_long_word_is_split_as_before() -> None:
    from tests.test_emass_rows import _split_dated_by_search

    L._stamp_day.cache_clear()
    for line in ("Patch " + "x" * 5000, "Patch 1/2/2026" + "9" * 3000, "Patch 12/31/2026",
                 "Patch 12/31/20266"):
        assert L.split_dated(line) == _split_dated_by_search(line), line
    assert L._stamp_day.cache_info().currsize == 1  # only "12/31/2026" was a stamp to remember
