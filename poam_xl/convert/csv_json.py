"""Flat CSV and JSON: one documented record per item (model keys, ISO dates) with its milestones.

JSON: ``{"poam-xl": version, "format": "poam-xl/items-1", "header": {...}, "policy": {...},
"items": [{<item keys>, "milestones": [{<milestone keys but item_number>}]}],
"unlinked_milestones": [...]}``.
CSV: one row per item; columns are the item keys in model order, then ``milestones`` holding
that item's milestones as a JSON array (same objects as in JSON). The header block and policy
have no home in CSV (listed in the conversion report; use JSON to keep them).
CSV injection (OWASP "CSV Injection"): a text cell starting with = + - @ tab or CR is written
with a leading ' unless escape_formulas=False; reading removes that one quote again.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from .. import __version__, dates, jsontext, kept, model, records, safeload
from ..errors import TemplateError, WorkbookError
from ..poam import Conversion, Poam
from ..policy import from_settings
from ..values import FORMULA_START, escape_formula, plain, unescape_formula
from ..write import atomic_path
from .format import Format

FORMAT_ID = "poam-xl/items-1"
_ENCODER = json.JSONEncoder(ensure_ascii=False)  # a milestones cell: json.dumps, reused
_RISKY_START = frozenset((*FORMULA_START, "'"))  # first characters escape_formula may act on
MILESTONES_COLUMN = "milestones"
MS_KEYS = tuple(k for k in model.MILESTONES.keys if k != "item_number")
_NAMES = {
    n: col.key
    for col in model.ITEM_COLUMNS
    for n in (model.normalise_header(col.key), *col.names())
}


def _out(value: Any) -> Any:
    if value is None or type(value) is str:  # most cells: records hold plain values already
        return value if value is None or value.strip() else None
    v = plain(value)
    return v.isoformat() if isinstance(v, dt.date) else v


def _out_column(values: list[Any]) -> list[Any]:
    """``[_out(v) for v in values]``, a column of one type (text, dates, whole numbers) at once."""
    kinds = set(map(type, values))
    kinds.discard(type(None))
    if kinds <= {str}:
        return [v if v is not None and v.strip() else None for v in values]
    if kinds == {dt.date}:
        return [None if v is None else v.isoformat() for v in values]
    if kinds == {int}:
        return values
    return [_out(v) for v in values]


def _documents(recs: list[dict[str, Any]], keys: tuple[str, ...]) -> list[dict[str, Any]]:
    """Records -> JSON objects of ``keys`` (plain types, ISO dates), converted a column at a time."""
    if not recs:
        return []
    columns = [_out_column([r.get(k) for r in recs]) for k in keys]
    return [dict(zip(keys, row, strict=True)) for row in zip(*columns, strict=True)]


def _milestones(poam: Poam, numbers: set[Any]
                ) -> tuple[dict[Any, list[dict[str, Any]]], list[dict[str, Any]]]:
    """Milestone objects by the item number they name (one of ``numbers``), and the rest."""
    recs = records.milestone_records(poam)
    by_item: dict[Any, list[dict[str, Any]]] = {}  # in order of first appearance
    for rec, doc in zip(recs, _documents(recs, model.MILESTONES.keys), strict=True):
        by_item.setdefault(records.item_key(rec, "changes"), []).append(doc)
    linked: dict[Any, list[dict[str, Any]]] = {}
    unlinked: list[dict[str, Any]] = []
    for num, docs in by_item.items():
        if num in numbers:
            for doc in docs:
                del doc["item_number"]
            linked[num] = docs
        else:
            unlinked.extend(docs)
    return linked, unlinked


def to_document(poam: Poam) -> dict[str, Any]:
    """The JSON document of a Poam (plain types, ISO dates)."""
    recs = records.item_records(poam)
    keys = [records.item_key(r) for r in recs]
    linked, unlinked = _milestones(poam, set(keys))
    items = _documents(recs, model.ITEMS.keys)
    for key, d in zip(keys, items, strict=True):
        d[MILESTONES_COLUMN] = linked.get(key, [])
    pol = poam.policy
    return {
        "poam-xl": __version__,
        "format": FORMAT_ID,
        "header": {k: _out(v) for k, v in poam.header.items()},
        "policy": {**pol.to_settings(), "holidays": [d.isoformat() for d in pol.holidays]},
        "items": items,
        "unlinked_milestones": unlinked,
    }


def from_records(
    rows: list[dict[str, Any]],
    source: str,
    conv: Conversion,
    *,
    sheet: str,
    first_row: int,
    letters: dict[str, str] | None = None,
    header: dict[str, Any] | None = None,
    policy: dict[str, Any] | None = None,
    unlinked: list[dict[str, Any]] | None = None,
) -> Poam:
    """Items (keyed by model keys or header texts, milestones nested) -> Poam."""
    items, miles = [], []
    for n, raw in enumerate(rows):
        rec: dict[str, Any] = {}
        tagged: list[kept.Tag] = []
        for name, value in raw.items():
            if name == MILESTONES_COLUMN:
                continue
            key = _NAMES.get(model.normalise_header(name))
            if key is None:
                if plain(value) is not None:
                    tagged.append((sheet, str(name), kept.text(value)))
                    conv.dropped.append(
                        {
                            "item": n + 1,
                            "field": name,
                            "value": kept.text(value),
                            "kept_in": "Comments",
                        }
                    )
                continue
            rec[key] = records.parse(model.ITEMS.column(key).kind, value)
        user, tags = kept.split_tags(rec.get("comments"))
        rec["comments"] = kept.join_tags(user, tags + tagged)
        items.append(rec)
        for m in raw.get(MILESTONES_COLUMN) or []:
            miles.append(
                {
                    "item_number": rec.get("item_number"),
                    **{k: records.parse(model.MILESTONES.column(k).kind, m.get(k)) for k in MS_KEYS},
                }
            )
    for m in unlinked or []:
        miles.append(
            {k: records.parse(model.MILESTONES.column(k).kind, m.get(k)) for k in model.MILESTONES.keys}
        )
    found = False
    pol = None
    if policy:
        given = policy.get("holidays") or []
        given = given if isinstance(given, list) else [given]
        holidays = tuple(d for h in given if isinstance(d := dates.to_date(h), dt.date))
        pol, bad = from_settings(policy, holidays, source=f"{sheet} policy")
        found = True
        labels = {p.key: p.label for p in model.POLICY_SETTINGS}
        # a setting that is no valid value falls back to the default: said, never silent
        conv.dropped += [{"item": None, "field": f"Policy: {labels.get(key, key)}",
                          "value": str(policy.get(key)), "kept_in": None} for key in bad]
        conv.dropped += [{"item": None, "field": "Policy: Holidays", "value": str(h),
                          "kept_in": None}
                         for h in given if not isinstance(dates.to_date(h), dt.date)]
    head = {
        k: (records.parse(f.kind, v) if (f := _header_field(k)) else v) for k, v in (header or {}).items()
    }
    extra: dict[str, Any] = {"policy": pol, "policy_found": found} if pol else {}
    try:
        poam = records.make_poam(
            items,
            miles,
            head,
            source=source,
            sheet=sheet,
            header_row=first_row - 1,
            item_index=range(first_row, first_row + len(items)),
            milestone_index=range(1, len(miles) + 1),
            letters=letters,
            milestone_sheet=f"{sheet}:milestones",
            **extra,
        )
    except WorkbookError as exc:  # a value the table cannot hold: name the file
        if exc.path is not None:
            raise
        raise WorkbookError(exc.reason, path=source) from None
    conv.items = len(items)
    return poam


def _header_field(key: str) -> model.HeaderField | None:
    return next((f for f in model.HEADER_FIELDS if f.key == key), None)


# ---------------------------------------------------------------- JSON
def detect_json(path: Path) -> bool:
    try:
        with Path(path).open("rb") as fh:
            head = fh.read(4096).decode("utf-8", "replace")
        return head.lstrip().startswith("{") and '"poam-xl"' in head
    except OSError:
        return False


def read_json(path: str | Path, **_: Any) -> tuple[Poam, Conversion]:
    try:
        doc = safeload.load_json(path, what="poam-xl JSON")  # NaN, 1e400, depth: one line
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TemplateError(
            f"not poam-xl JSON ({type(exc).__name__}: {str(exc)[:80]})", path=str(path)
        ) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
        raise TemplateError(
            'not poam-xl JSON: expected an object with an "items" list', path=str(path)
        )
    bad = next((n for n, i in enumerate(doc["items"], start=1) if not isinstance(i, dict)), None)
    if bad is not None:  # never dropped without a word
        raise TemplateError(f'not poam-xl JSON: "items" entry {bad} is not an object',
                            path=str(path))
    conv = Conversion(source=str(path), target="")
    poam = from_records(
        doc["items"],
        str(path),
        conv,
        sheet="items",
        first_row=1,
        header=doc.get("header"),
        policy=doc.get("policy"),
        unlinked=doc.get("unlinked_milestones"),
    )
    return poam, conv


def write_json(poam: Poam, path: str | Path, **_: Any) -> Conversion:
    doc = to_document(poam)
    jsontext.write(path, doc)
    conv = Conversion(source=poam.source or "", target=str(path), items=len(doc["items"]))
    if doc["unlinked_milestones"]:
        conv.notes.append(
            f"{len(doc['unlinked_milestones'])} milestone(s) name no item: kept in "
            "unlinked_milestones"
        )
    return conv


# ---------------------------------------------------------------- CSV
def detect_csv(path: Path) -> bool:
    try:
        with Path(path).open(encoding="utf-8-sig", newline="") as fh:
            first = next(csv.reader(io.StringIO(fh.readline())), [])
    except (OSError, UnicodeDecodeError):
        return False
    names = {_NAMES.get(model.normalise_header(n)) for n in first}
    return {"item_number", "description"} <= names


def read_csv(path: str | Path, **_: Any) -> tuple[Poam, Conversion]:
    try:
        with Path(path).open(encoding="utf-8-sig", newline="") as fh:
            table = list(safeload.csv_rows(csv.reader(fh), path))
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(
            f"not a UTF-8 CSV file ({type(exc).__name__})", path=str(path)
        ) from None
    if not table or not {_NAMES.get(model.normalise_header(n)) for n in table[0]} >= {
        "item_number",
        "description",
    }:
        raise TemplateError(
            "not a poam-xl CSV: expected a header row with item_number and description columns",
            path=str(path),
        )
    names = table[0]
    letters = {
        key: get_column_letter(j + 1)
        for j, n in enumerate(names)
        if (key := _NAMES.get(model.normalise_header(n)))
    }
    rows: list[dict[str, Any]] = []
    for line in table[1:]:
        if not any(v.strip() for v in line):
            continue
        rec: dict[str, Any] = {n: unescape_formula(v) for n, v in zip(names, line, strict=False)}
        ms = rec.get(MILESTONES_COLUMN) or ""
        try:
            rec[MILESTONES_COLUMN] = safeload.load_json(path, ms, what="milestones JSON") if (
                ms.strip()) else []
        except json.JSONDecodeError:
            raise TemplateError(
                f"row {len(rows) + 2}: the milestones column is not a JSON array", path=str(path)
            ) from None
        rows.append(rec)
    conv = Conversion(source=str(path), target="")
    conv.notes.append(
        "CSV carries no header block or policy: DSS output gets an empty header "
        "and the default policy"
    )
    return from_records(rows, str(path), conv, sheet="csv", first_row=2, letters=letters), conv


def write_csv(
    poam: Poam, path: str | Path, *, escape_formulas: bool = True, **_: Any
) -> Conversion:
    doc = to_document(poam)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([*model.ITEMS.keys, MILESTONES_COLUMN])
    keys, encode = model.ITEMS.keys, _ENCODER.encode
    w.writerows(
        [
            "" if v is None else escape_formula(v)
            if escape_formulas and isinstance(v, str) and v[:1] in _RISKY_START else v
            for v in [*(item[k] for k in keys),
                      encode(item[MILESTONES_COLUMN]) if item[MILESTONES_COLUMN] else ""]
        ]
        for item in doc["items"]
    )
    with atomic_path(path) as tmp:
        tmp.write_text(buf.getvalue(), encoding="utf-8-sig", newline="")
    conv = Conversion(source=poam.source or "", target=str(path), items=len(doc["items"]))
    labels = {f.key: f.label for f in model.HEADER_FIELDS}
    for key, value in poam.header.items():
        if value not in (None, ""):
            conv.dropped.append(
                {"item": None, "field": labels.get(key, key), "value": kept.text(value),
                 "kept_in": None}
            )
    if doc["unlinked_milestones"]:
        conv.notes.append(
            f"{len(doc['unlinked_milestones'])} milestone(s) name no item: not written (use JSON)"
        )
    risky = sum(1 for item in doc["items"] for k in keys
                if isinstance(v := item[k], str) and v[:1] in _RISKY_START
                and escape_formula(v) is not v)
    if risky:  # said only when a cell starts like a formula (= + - @ tab CR)
        conv.notes.append(
            f"{risky} formula-like cell(s) escaped with a leading ' (read back unchanged)"
            if escape_formulas
            else f"{risky} formula-like cell(s) written as they are (--no-escape-formulas): a "
            "spreadsheet opening this file may run them"
        )
    return conv


def mapping() -> list[tuple[str, str, str]]:
    rows = [
        (
            col.header,
            col.key,
            f"{col.kind}{', ISO date' if col.kind == 'date' else ''}"
            f"{', computed' if col.derived else ''}",
        )
        for col in model.ITEM_COLUMNS
    ]
    rows.append(
        (
            "Milestones sheet",
            MILESTONES_COLUMN,
            "JSON array of {" + ", ".join(MS_KEYS) + "} (nested list in JSON)",
        )
    )
    rows += [(f.label, f"header.{f.key}", "JSON only") for f in model.HEADER_FIELDS]
    rows.append(("Policy sheet", "policy", "JSON only"))
    return rows


FORMATS = {
    "json": Format(
        name="json",
        title="poam-xl JSON (flat item records with milestones)",
        extensions=(".json",),
        detect=detect_json,
        read=read_json,
        write=write_json,
        mapping=mapping,
    ),
    "csv": Format(
        name="csv",
        title="poam-xl CSV (one row per item, milestones as JSON)",
        extensions=(".csv",),
        detect=detect_csv,
        read=read_csv,
        write=write_csv,
        mapping=mapping,
    ),
}
