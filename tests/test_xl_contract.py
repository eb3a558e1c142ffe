"""The xlwings stand-in cannot drift: every call it offers exists on real xlwings, same shape."""

from __future__ import annotations

import inspect

import pytest
import xlwings.main as xlwings_main  # noqa: E402

from tests import fakes_xlwings as fake

PAIRS = [(fake.Book, xlwings_main.Book), (fake.Sheet, xlwings_main.Sheet),
         (fake.Range, xlwings_main.Range), (fake.App, xlwings_main.App),
         (fake.Sheets, xlwings_main.Sheets), (fake.Note, xlwings_main.Note)]
# attributes the stand-in sets in __init__ (instance data, not class members)
INSTANCE = {fake.Book: {"app", "name", "sheets"}, fake.App: {"status_bar", "screen_updating"}}
INTERNAL = {"wb", "ws", "book", "sheet", "cell", "alerts", "r1", "c1", "r2", "c2"}


def _public(cls: type) -> set[str]:
    names = {n for n in vars(cls) if not n.startswith("_")}
    return names | INSTANCE.get(cls, set())


@pytest.mark.parametrize("ours, real", PAIRS, ids=lambda c: c.__name__)
def test_every_member_exists_on_xlwings(ours, real):
    missing = sorted(n for n in _public(ours) - INTERNAL if not hasattr(real, n))
    assert not missing, f"{ours.__name__} offers {missing}, which xlwings.{real.__name__} lacks"


@pytest.mark.parametrize("ours, real", PAIRS, ids=lambda c: c.__name__)
def test_kinds_and_signatures_match(ours, real):
    for name in sorted(_public(ours) - INTERNAL - INSTANCE.get(ours, set())):
        mine, theirs = inspect.getattr_static(ours, name), inspect.getattr_static(real, name)
        if isinstance(mine, property):
            assert isinstance(theirs, property), f"{real.__name__}.{name} is not a property"
            assert (mine.fset is None) or (theirs.fset is not None), \
                f"{real.__name__}.{name} cannot be set, the stand-in allows it"
            continue
        assert callable(mine) and callable(theirs), name
        ps_mine = list(inspect.signature(mine).parameters.values())
        ps_real = list(inspect.signature(theirs).parameters.values())
        real_names = [p.name for p in ps_real]
        # our parameters are a prefix of theirs, by name and position (so positional calls
        # and keyword calls we make both work on real xlwings)
        assert [p.name for p in ps_mine] == real_names[:len(ps_mine)], (name, ps_mine, ps_real)
        # whatever real xlwings requires, we require too (no call of ours can miss an argument)
        required = [p.name for p in ps_real if p.default is inspect.Parameter.empty
                    and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        assert set(required) <= {p.name for p in ps_mine}, (name, required)


def test_instance_attributes_are_properties_or_members_on_xlwings():
    assert isinstance(inspect.getattr_static(xlwings_main.App, "status_bar"), property)
    assert inspect.getattr_static(xlwings_main.App, "status_bar").fset is not None
    assert inspect.getattr_static(xlwings_main.App, "screen_updating").fset is not None
    for name in ("app", "name", "sheets"):
        assert isinstance(inspect.getattr_static(xlwings_main.Book, name), property)


def test_entry_points_only_use_offered_calls():
    """The buttons' source names no xlwings member the stand-in lacks (e.g. `.api`)."""
    import re
    from pathlib import Path

    import poam_xl.xl as xl

    source = Path(xl.__file__).read_text()
    assert ".api" not in source
    offered = set().union(*(_public(c) for c, _ in PAIRS))
    names = r"(?<![.\w])(?:book|sheet|out|cell|rng|key|app|note|used|findings)\.(\w+)"
    used = set(re.findall(names, source))
    unknown = sorted(used - offered - {"sheets", "name"})
    assert not unknown, f"poam_xl.xl calls {unknown}: add them to the stand-in (and check xlwings)"
