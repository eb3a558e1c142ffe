"""The Excel buttons' preflight: does this Python have the xlwings the workbook was built for?

``macros/PoamButtons.bas`` runs ``python -c "import poam_xl.excel_check as c; c.main('0.37.8')"``
(the version is the workbook's own xlwings VBA module's ``XLWINGS_VERSION``) before each button
and turns the exit code into a poam-xl message. The workbook's VBA module and the Python package
talk through a DLL and a protocol of one xlwings version, so they must match exactly (the
reason pyproject.toml pins xlwings exactly). No other poam_xl module and not xlwings itself is
imported here, so the check costs a Python start-up and nothing more.
"""

from __future__ import annotations

import sys
from importlib import metadata

READY, NO_XLWINGS, MISMATCH = 0, 3, 4  # exit codes the VBA preflight knows


def installed_xlwings() -> str | None:
    """The version of the xlwings package this Python has, None when it has none."""
    try:
        return metadata.version("xlwings")
    except metadata.PackageNotFoundError:
        return None


def check(workbook: str, installed: str | None, python: str = sys.executable) -> tuple[int, str]:
    """(exit code, message) for a workbook built with xlwings ``workbook`` and this Python's
    xlwings ``installed`` (None: not installed). The message says what to do; '' when ready."""
    if installed is None:
        return NO_XLWINGS, (f"The xlwings package is not installed for this Python ({python}).\n\n"
                            f"In a command prompt run:\n  \"{python}\" -m pip install poam-xl "
                            f"xlwings=={workbook}")
    if installed.strip() != workbook.strip():
        return MISMATCH, (f"This workbook carries the VBA module of xlwings {workbook}, but this "
                          f"Python ({python}) has xlwings {installed}: the buttons and worksheet "
                          f"functions need the same version on both sides.\n\nEither install the "
                          f"workbook's version:\n  \"{python}\" -m pip install xlwings=={workbook}\n"
                          f"or build a workbook for yours and copy your rows across:\n"
                          f"  poam-xl excel build-xlsm my-poam.xlsm")
    return READY, ""


def main(workbook: str) -> None:
    """Print what to do (if anything) and exit with READY, NO_XLWINGS or MISMATCH."""
    code, message = check(workbook, installed_xlwings())
    if message:
        print(message)
    raise SystemExit(code)
