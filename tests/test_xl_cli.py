"""`poam-xl excel build-xlsm` and `poam-xl excel macros`."""

from __future__ import annotations

from typer.testing import CliRunner

from poam_xl.cli import app
from poam_xl.vba import BUTTONS

runner = CliRunner()


def test_build_xlsm_and_list_macros(tmp_path):
    out = tmp_path / "poam.xlsm"
    args = ["excel", "build-xlsm", str(out), "--sample", "3", "--as-of", "2026-11-25"]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    assert out.exists() and "wrote" in r.output
    r = runner.invoke(app, ["excel", "macros", str(out)])
    assert r.exit_code == 0, r.output
    for macro, caption in BUTTONS:
        assert f"button '{caption}' on POA&M runs {macro}" in r.output
    assert "PoamButtons:" in r.output and "xlwings:" in r.output


def test_build_xlsm_refuses_overwrite_and_wrong_suffix(tmp_path):
    out = tmp_path / "poam.xlsm"
    out.write_bytes(b"keep me")
    r = runner.invoke(app, ["excel", "build-xlsm", str(out)])
    assert r.exit_code != 0 and "already exists" in r.output
    assert out.read_bytes() == b"keep me"
    r = runner.invoke(app, ["excel", "build-xlsm", str(tmp_path / "poam.xlsx")])
    assert r.exit_code != 0 and ".xlsm" in r.output
