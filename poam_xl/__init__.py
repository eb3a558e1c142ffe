"""poam-xl: the DSS-style POA&M workbook as the system of record, with Python doing the checks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["read", "read_grid", "new_workbook", "Poam", "PoamXlError", "__version__"]

if TYPE_CHECKING:
    from .errors import PoamXlError
    from .read import Poam, read, read_grid
    from .template import new_workbook

_LAZY = {
    "read": ("read", "read"), "read_grid": ("read", "read_grid"), "Poam": ("read", "Poam"),
    "new_workbook": ("template", "new_workbook"), "PoamXlError": ("errors", "PoamXlError"),
}


def __getattr__(name: str) -> Any:  # lazy: `import poam_xl` stays cheap for the CLI and UDFs
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(f".{module}", __name__), attr)
    raise AttributeError(name)
