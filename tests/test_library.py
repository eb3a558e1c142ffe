"""The library API in the README works as written."""

from __future__ import annotations

import re
from pathlib import Path

import poam_xl
from tests.helpers import AS_OF, make_book

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_top_level_api(tmp_path):
    path = make_book(tmp_path / "s.xlsx", sample=5)
    report = poam_xl.validate(path, as_of=AS_OF, profile="dss")
    assert isinstance(report, poam_xl.Report) and report.status == "ok"
    assert len(poam_xl.read(path).items.frame) == 5
    assert set(poam_xl.__all__) <= set(dir(poam_xl)) | {n for n in poam_xl.__all__
                                                         if getattr(poam_xl, n, None) is not None}


def test_readme_library_example_runs(tmp_path, monkeypatch):
    code = re.search(r"## Using as a library\n\n```python\n(.*?)```", README, re.S).group(1)
    make_book(tmp_path / "poam.xlsx", sample=6)
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README", "exec"), {})  # noqa: S102  (our own README example)
