"""Typing cell values into columns: the vectorised paths give what the cell-by-cell rule gives."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from poam_xl import coerce, model

INT = next(c for c in model.ITEMS.columns if c.kind == "int")
FLOATS = st.one_of(
    st.none(),
    st.integers(-10**6, 10**6).map(float),
    st.sampled_from([2.0**53, -(2.0**53), 2.0**53 + 2, 1e300, -0.0, 0.5, 1.25, float("nan"),
                     float("inf")]),
    st.floats(allow_nan=True, allow_infinity=True),
)


def _typed(values: list[object]) -> tuple[pd.Series, list[tuple[str, object]]]:
    invalid: list[coerce.Invalid] = []
    series = coerce.convert(INT, values, pd.RangeIndex(len(values)), False, "items", "POA&M", "A",
                            invalid)
    return series, [(i.cell, i.value) for i in invalid]


@settings(max_examples=300, deadline=None)
@given(st.lists(FLOATS, max_size=25))
def test_whole_number_columns_fast_path_equals_cell_by_cell(values: list[object]) -> None:
    """A column of floats and blanks (calamine's number cells) takes the vectorised path; the
    same column with one text of spaces more takes the cell-by-cell path (a text is no float):
    the numbers, blanks and invalid cells (NaN, fractions, past 2**53) are the same. Empty
    texts (styled empty cells) stay on the vectorised path, read as blanks."""
    fast, fast_invalid = _typed(list(values))
    general, general_invalid = _typed([*values, " "])
    pd.testing.assert_series_equal(fast, general.iloc[:-1])
    assert [(c, str(v)) for c, v in fast_invalid] == [(c, str(v)) for c, v in general_invalid]
    empties = [v for x in values for v in ("", x)]
    with_empty, with_empty_invalid = _typed(empties)
    expected, expected_invalid = _typed([*empties, " "])
    pd.testing.assert_series_equal(with_empty, expected.iloc[:-1])
    assert [(c, str(v)) for c, v in with_empty_invalid] == [(c, str(v)) for c, v in expected_invalid]
    if fast_invalid == [] and values:  # whole numbers and blanks: the fast path, '' or not
        assert coerce.whole_numbers(empties) is not None
    assert fast.dtype == "Int64"
