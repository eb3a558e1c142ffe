"""poam-xl: the DSS-style POA&M workbook as the system of record, with Python doing the checks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["read", "read_grid", "validate", "new_workbook", "Poam", "Report", "Finding",
           "PoamXlError", "__version__"]

if TYPE_CHECKING:
    from .errors import PoamXlError
    from .findings import Finding
    from .reader import Poam, read, read_grid
    from .template import new_workbook
    from .validation import Report, validate

_LAZY = {
    "read": ("reader", "read"), "read_grid": ("reader", "read_grid"), "Poam": ("reader", "Poam"),
    "validate": ("validation", "validate"), "Report": ("validation", "Report"),
    "Finding": ("findings", "Finding"),
    "new_workbook": ("template", "new_workbook"), "PoamXlError": ("errors", "PoamXlError"),
}


def __getattr__(name: str) -> Any:  # lazy: `import poam_xl` stays cheap for the CLI and UDFs
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(f".{module}", __name__), attr)
    raise AttributeError(name)
