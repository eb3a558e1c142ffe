from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.helpers import AS_OF, make_book


@pytest.fixture
def as_of() -> dt.date:
    return AS_OF


@pytest.fixture
def sample_book(tmp_path: Path) -> Path:
    return make_book(tmp_path / "sample.xlsx", sample=12)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite tests/golden/* from the current output (review the diff!)")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))
