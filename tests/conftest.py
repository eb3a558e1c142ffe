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
