"""The `poam-xl` command line: one small module per verb, each a thin shell over the library."""

from __future__ import annotations

from . import convert as _convert  # noqa: E402,F401
from . import demo as _demo  # noqa: E402,F401
from . import diff as _diff  # noqa: E402,F401
from . import excel as _excel  # noqa: E402,F401
from . import history as _history  # noqa: E402,F401
from . import import_ as _import  # noqa: E402,F401

# each verb module registers its command on `app` when imported
from . import new as _new  # noqa: E402,F401  (order = order in --help)
from . import remind as _remind  # noqa: E402,F401
from . import review as _review  # noqa: E402,F401
from . import rollup as _rollup  # noqa: E402,F401
from . import rules as _rules  # noqa: E402,F401
from . import update as _update  # noqa: E402,F401
from . import validate as _validate  # noqa: E402,F401
from ._app import app, main

__all__ = ["app", "main"]
