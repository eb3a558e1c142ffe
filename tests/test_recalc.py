"""Formulas without cached values: compiled once per shape, evaluated once per input values,
and every result the same as compiling each cell's own formula."""

from __future__ import annotations

import datetime as dt

from poam_xl import recalc
from poam_xl.grids import CellProblem, Grid

U = lambda text: CellProblem(text, "uncached")  # noqa: E731


def _grids() -> dict[str, Grid]:
    rows: list[list[object]] = [["Risk", "Start", "Due", "Alt", "Label", "Sum", "Log", "Other"]]
    for r in range(2, 12):
        risk = ("High", "Low", None)[r % 3]
        start = dt.date(2026, 1, r) if r != 5 else None
        rows.append([
            risk, start,
            U(f'IF(ISBLANK(B{r}),"",IF(A{r}="High",B{r}+30,B{r}+90))'),  # relative: one shape
            U(f"B{r}+$B$2"),  # an anchored reference shared by every row
            U(f'"A1"&A{r}'),  # a reference-like text inside a string literal
            U(f"SUM(B$2:B{r})"),  # a growing range
            U(f"LOG10(100)+B{r}*0"),  # LOG10 is a function, not a cell
            U(f"Other!A{r - 1}*2"),  # another sheet
        ])
    other = Grid(rows=[[n] for n in range(1, 12)])
    return {"POA&M": Grid(rows=rows, problems=1), "Other": other}


def _one_by_one(grids: dict[str, Grid]) -> dict[tuple[int, int], object]:
    """Each cell's own formula compiled and evaluated alone (no shape, no memo)."""
    out = {}
    for i, row in enumerate(grids["POA&M"].rows):
        for j, v in enumerate(row):
            if isinstance(v, CellProblem):
                state = recalc._State(grids, False)
                state.shapes = _NoShapes()
                out[i, j] = recalc._evaluate(state, "POA&M", i, j, 0)
    return out


class _NoShapes(dict):  # type: ignore[type-arg]
    def __setitem__(self, key: object, value: object) -> None:
        pass  # nothing is shared


def test_shared_shapes_give_each_cells_own_result() -> None:
    expected = _one_by_one(_grids())
    grids = _grids()
    assert recalc.fill(grids) == len(expected) == 60
    got = {k: grids["POA&M"].rows[k[0]][k[1]] for k in expected}
    assert got == expected
    rows = grids["POA&M"].rows
    # spot values, worked by hand: 2026-01-02 is serial 46024; row 3 is High (+30), 2 and 4 not
    assert rows[1][2] == 46024 + 90 and rows[2][2] == 46025 + 30 and rows[3][2] == 46026 + 90
    assert rows[4][2] == ""  # blank start
    assert rows[2][3] == 46025 + 46024 and rows[2][4] == "A1High"
    assert rows[3][5] == 46024 + 46025 + 46026 and rows[3][6] == 2 and rows[3][7] == 6


def test_one_compile_per_shape() -> None:
    calls = []
    real = recalc._compile.__wrapped__

    def counting(text: str) -> object:
        calls.append(text)
        return real(text)

    recalc._compile.cache_clear()
    recalc_compile, recalc._compile = recalc._compile, counting  # type: ignore[assignment]
    try:
        recalc.fill(_grids())
    finally:
        recalc._compile = recalc_compile  # type: ignore[assignment]
    # six columns, one shape each; in row 2, B2+$B$2 (one input, two forms) and SUM(B$2:B2)
    # (a one-cell range) cannot stand for their shape, so they are compiled alone too
    assert len(set(calls)) == 8 and "B2+$B$2" in calls and "B7+$B$2" not in calls


def test_mixed_anchors_of_one_cell_are_not_shared() -> None:
    # A2 and A$2 name one input at row 2 but two different cells at rows 3 and 4
    rows: list[list[object]] = [["x", "y"], [1, U("A2+A$2")], [5, U("A3+A$2")], [7, U("A4+A$2")]]
    grids = {"S": Grid(rows=rows, problems=1)}
    assert recalc.fill(grids) == 3
    assert [rows[1][1], rows[2][1], rows[3][1]] == [2, 6, 8]


SHEET = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
         b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
         b'<row r="1"><c r="A1" t="inlineStr"><is><t>Start</t></is></c><c r="B1" t="inlineStr">'
         b'<is><t>Due</t></is></c><c r="C1" t="inlineStr"><is><t>Note</t></is></c></row>'
         + b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c>%s<c r="C%d"><f>"Patch "&amp;A%d&amp;'
                    b'IF(A%d&lt;46150,"&lt;early","late&gt;")</f></c></row>'
                    % (r, r, 46000 + 50 * r,
                       b'<c r="B2"><f t="shared" ref="B2:B5" si="0">A2+30</f></c>' if r == 2
                       else b'<c r="B%d"><f t="shared" si="0"/></c>' % r, r, r, r)
                    for r in range(2, 6))
         + b"</sheetData></worksheet>")


def test_formula_text_is_unescaped_and_shared_formulas_moved() -> None:
    """The sheet XML escapes & < > (and Excel stores a filled-down formula once, ECMA-376
    18.3.1.40): the formula computed is the one Excel shows, in both scanners."""
    import io

    from poam_xl.sheetbound import quick_bound
    from poam_xl.sheetscan import scan_part

    quick = quick_bound(SHEET)
    tokenized = scan_part(io.BytesIO(SHEET), "sheet1.xml")
    assert quick is not None and quick.uncached == tokenized.uncached
    assert tokenized.uncached[(3, 2)] == "A3+30" and tokenized.uncached[(5, 2)] == "A5+30"
    assert tokenized.uncached[(2, 3)] == '"Patch "&A2&IF(A2<46150,"<early","late>")'
    rows: list[list[object]] = [["Start", "Due", "Note"]]
    for r in range(2, 6):
        rows.append([46000 + 50 * r, U(tokenized.uncached[(r, 2)]), U(tokenized.uncached[(r, 3)])])
    grids = {"S": Grid(rows=rows, problems=1)}
    assert recalc.fill(grids) == 8
    assert [row[1] for row in rows[1:]] == [46130, 46180, 46230, 46280]
    assert [row[2] for row in rows[1:]] == ["Patch 46100<early", "Patch 46150late>",
                                            "Patch 46200late>", "Patch 46250late>"]
