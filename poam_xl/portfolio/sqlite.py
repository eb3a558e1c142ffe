"""The portfolio as a SQLite database (sqlite-utils), ready for Datasette.

Tables ``files`` (``id`` primary key), ``items``, ``milestones`` and ``findings`` (each with
``file_id`` referencing ``files.id``), the same columns as the workbook's sheets under their
field keys; dates as ISO text (YYYY-MM-DD). Indexes on company, status, risk level and due date.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from ..write import atomic_path
from .rollup import FILE_COLUMNS, FINDING_COLUMNS, ITEM_COLUMNS, MILESTONE_COLUMNS, Portfolio

INDEXES = {
    "files": (("company",), ("status",)),
    "items": (("company",), ("status",), ("risk_level",), ("due_date",), ("scheduled",),
              ("owner",)),
    "milestones": (("company",), ("status",), ("planned_date",)),
    "findings": (("severity",), ("rule",)),
}


INTS = {"items", "open", "overdue", "late", "errors", "warnings", "days_open", "days_overdue",
        "item", "item_number"}


def _types(columns: tuple[str, ...]) -> dict[str, Any]:
    """Column types: counts and item numbers INTEGER, everything else TEXT (dates ISO)."""
    return {key: int if key in INTS else str for key in columns}


def write(p: Portfolio, path: str | Path) -> Path:
    """Write the database to ``path`` (replacing it atomically); returns the path."""
    import sqlite_utils

    out = Path(path)
    with atomic_path(out) as tmp:
        db = sqlite_utils.Database(tmp)
        db.execute("PRAGMA foreign_keys = ON")
        files = db.table("files")
        files.create({"id": int, **_types(FILE_COLUMNS)}, pk="id")
        ids: dict[str, int] = {}
        for i, f in enumerate(p.files, start=1):
            ids.setdefault(f["file"], i)
        files.insert_all(({"id": i, **_plain(f)} for i, f in enumerate(p.files, start=1)),
                         batch_size=500)
        for name, columns, rows in (("items", ITEM_COLUMNS, p.items),
                                    ("milestones", MILESTONE_COLUMNS, p.milestones),
                                    ("findings", FINDING_COLUMNS, p.findings)):
            t = db.table(name)
            t.create({"id": int, "file_id": int, **_types(columns)}, pk="id",
                     foreign_keys=[("file_id", "files", "id")])
            t.insert_all(({"id": n, "file_id": ids.get(r["file"]), **_plain(r)}
                          for n, r in enumerate(rows, start=1)), batch_size=500)
        for name, indexes in INDEXES.items():
            for cols in indexes:
                db.table(name).create_index(list(cols), if_not_exists=True)
        db.close()
    return out


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in row.items()}
