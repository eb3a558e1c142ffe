"""validate(): the one call every shell makes. Reads, normalises, checks, derives, summarises."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from . import dashboard, model, profiles, rules, schema
from .derive import derive
from .errors import TemplateError
from .findings import Finding, make, rule, sort_key
from .profiles import Context
from .reader import UNCACHED, Invalid, Poam, TableData
from .values import cell_ref, excerpt, item_prefix, parse_ref


@dataclass
class Report:
    """The result of validating one workbook (or the reason it could not be read)."""

    source: str | None
    profile: str
    as_of: dt.date
    findings: list[Finding] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    template: str = "unknown"  # recognised template/version, e.g. "dss", "fedramp-rev5"
    poam: Poam | None = None
    items: pd.DataFrame | None = None  # canonical items (risk/status normalised); index = Excel row
    derived: pd.DataFrame | None = None  # index = items' Excel rows; columns = derive.DERIVED
    dashboard: dict[str, Any] = field(default_factory=dict)  # dashboard.summary(...) figures
    error: str | None = None  # set when the file could not be read at all

    @property
    def errors(self) -> int:
        return sum(f.severity == "error" for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == "warning" for f in self.findings)

    @property
    def status(self) -> str:
        if self.error:
            return "unreadable"
        return "errors" if self.errors else ("warnings" if self.warnings else "ok")

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (the shape documented in the README)."""
        return {
            "path": self.source, "status": self.status, "error": self.error,
            "profile": self.profile, "template": self.template, "as_of": self.as_of.isoformat(),
            "summary": _jsonable(self.summary), "findings": [f.to_dict() for f in self.findings],
            "computed": self.computed(),
        }

    def computed(self) -> list[dict[str, Any]]:
        """Each item's computed columns with the explanation of its due date (JSON report)."""
        if self.derived is None or self.items is None:
            return []
        d, numbers = self.derived, self.items["item_number"]
        out = []
        for row, rec in zip(d.index, d.to_dict("records"), strict=True):
            n = numbers.get(row)
            out.append({"row": int(row), "item": None if pd.isna(n) else int(n),
                        **{k: _jsonable(None if pd.isna(v) else (v.date() if hasattr(v, "date")
                                                                 else v))
                           for k, v in rec.items()}})
        return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


rule("table.missing-columns", "error", "The items table has every required column",
     "Add the missing column headers (see the Instructions sheet), or use the current template.")
rule("table.duplicate-header", "error", "No column header appears twice",
     "Rename or delete the duplicate column; only the first one is read.")
rule("table.empty", "warning", "The POA&M lists at least one item",
     "Add the open weaknesses; an empty POA&M is unusual for a system under review.")
rule("milestones.missing-sheet", "warning", "The workbook has a Milestones sheet",
     "Add the Milestones sheet from the current template (`poam-xl new`).")
rule("date.invalid", "error", "Date cells hold real dates",
     "Enter a date (e.g. 2026-03-31) or format the cell as a date.")
rule("number.invalid", "error", "Number cells hold numbers", "Enter a whole number.")
rule("value.error", "error", "Cells hold values, not Excel errors",
     "Fix the formula or type the value (#N/A, #REF! and the like are not values).")
rule("value.uncached", "error", "Formula cells have cached values",
     "Open and save the workbook in Excel (or recalculate it) so the computed values are stored.")
rule("policy.invalid", "error", "Policy sheet values are valid",
     "Enter a whole number of days (or calendar/business for Day count).")
rule("template.unknown", "error", "The workbook uses a recognised POA&M template",
     "Copy the items into the current template (`poam-xl new`).")
rule("template.outdated", "warning", "The workbook uses the current version of its template",
     "Move the items to the current template (`poam-xl convert IN OUT --to <format>`).")
rule("template.other-profile", "error", "The workbook matches the profile it is validated under",
     "Validate with the matching --profile, or convert it with `poam-xl convert`.")


def validate(source: str | Path | Poam, *, profile: str = "dss", as_of: dt.date | None = None,
             **read_options: Any) -> Report:
    """Validate one workbook (path or an already-read Poam) under ``profile``.

    ``as_of`` is the day due dates and overdue flags are computed for (default: today, read
    here once; rules never read the clock). Raises PoamXlError when the file cannot be read.
    """
    prof = profiles.get(profile)
    as_of = as_of or dt.date.today()
    name = str(source) if not isinstance(source, Poam) else source.source
    if isinstance(source, Poam):
        poam = source
    else:
        try:
            poam = prof.read(source, **read_options)
        except TemplateError as exc:
            return _unrecognised(Path(source), prof, as_of, exc, read_options)
    return check(poam, prof, as_of, name)


def check(poam: Poam, prof: profiles.Profile, as_of: dt.date, name: str | None = None) -> Report:
    """All rules on a read workbook: structure, values, schema, cross-field, profile rules."""
    findings = _structure(poam) + _invalid(poam)
    items, normalised = _canonical(poam.items, poam.layout.items)
    findings += normalised
    milestones = None
    if poam.milestones is not None:
        milestones, ms_norm = _canonical(poam.milestones, model.MILESTONES)
        findings += ms_norm
    pol = poam.policy if poam.policy_found else prof.policy
    derived = derive(items, pol, as_of)
    ctx = Context(poam=poam, items=items, milestones=milestones, derived=derived, policy=pol,
                  as_of=as_of)
    table = poam.layout.items
    present = set(poam.items.letters)
    findings += schema.check(items, table, present, poam.items.letters, poam.items.sheet,
                             items["item_number"])
    if milestones is not None and poam.milestones is not None:
        findings += schema.check(milestones, model.MILESTONES, set(poam.milestones.letters),
                                 poam.milestones.letters, poam.milestones.sheet)
    for fn in (*rules.CORE, *prof.rules):
        findings += fn(ctx)
    bad_cells = {(f.sheet, f.cell) for f in findings
                 if f.rule in ("date.invalid", "number.invalid", "value.error", "value.uncached")}
    findings = [f for f in findings if f.rule not in prof.disabled and not (
        f.rule.endswith(".required") and (f.sheet, f.cell) in bad_cells)]
    template = str(poam.layout.extra.get("template", poam.layout.name))
    findings += _outdated(template)
    findings = [_relocate(f, poam) for f in findings]
    findings.sort(key=sort_key)
    report = Report(source=name, profile=prof.name, as_of=as_of, findings=findings,
                    template=template, poam=poam, items=items, derived=derived)
    report.dashboard = dashboard.summary(items, derived, as_of, pol)
    report.summary = _summary(report, poam, pol, prof, ctx)
    return report


def _relocate(f: Finding, poam: Poam) -> Finding:
    """Give findings on multi-sheet tables (FedRAMP Open/Closed/...) their true sheet and row."""
    for data in (poam.items, poam.milestones):
        if data is None or data.locate is None or f.sheet != data.sheet or not f.cell:
            continue
        ref = parse_ref(f.cell, excel=False)
        if ref and ref[0] in data.frame.index:
            sheet, row = data.locate(ref[0])
            return replace(f, sheet=sheet, cell=cell_ref(row, ref[1]))
    return f


def _summary(report: Report, poam: Poam, pol: Any, prof: profiles.Profile, ctx: Context
             ) -> dict[str, Any]:
    d = report.dashboard
    out: dict[str, Any] = {
        "company": poam.header.get("company_name"), "cage_code": poam.header.get("cage_code"),
        "system": poam.header.get("system_name"), "template": report.template,
        "items": d["items"], "open": d["open"], "overdue": d["overdue"], "due_soon": d["due_soon"],
        "late": d["late"], "by_risk": d["by_risk"], "by_status": d["by_status"],
        "errors": report.errors, "warnings": report.warnings, "policy": pol.describe(),
    }
    if prof.summary is not None:
        extra = prof.summary(ctx)
        out.update(extra)
        report.dashboard.update(extra)  # e.g. the CMMC SPRS score, shown on the Dashboard too
    return out


def _outdated(template: str) -> list[Finding]:
    from .templates import OUTDATED

    current = OUTDATED.get(template)
    if not current:
        return []
    return [make("template.outdated", f"this workbook uses the {template} template; the current "
                 f"one is {current}")]


def _structure(poam: Poam) -> list[Finding]:
    out: list[Finding] = []
    for data, table in ((poam.items, poam.layout.items), (poam.milestones, poam.layout.milestones)):
        if data is None or table is None:
            continue
        missing = [table.column(k).header for k in data.missing if table.column(k).required]
        if missing:
            out.append(make("table.missing-columns", f"{data.sheet} table (header row "
                            f"{data.header_row}) has no column {', '.join(repr(m) for m in missing)}",
                            sheet=data.sheet, cell=f"A{data.header_row}"))
        for header, letters in data.duplicates:
            out.append(make("table.duplicate-header", f"column {header!r} appears {len(letters)} "
                            f"times ({', '.join(letters)}); only {letters[0]} is read",
                            sheet=data.sheet, cell=f"{letters[1]}{data.header_row}", column=header))
    if poam.items.frame.empty:
        out.append(make("table.empty", f"the {poam.items.sheet} table has no items",
                        sheet=poam.items.sheet, cell=f"A{poam.items.header_row + 1}"))
    if poam.milestones is None and poam.layout.milestones is not None:
        out.append(make("milestones.missing-sheet", "no Milestones sheet found"))
    return out


def _invalid(poam: Poam) -> list[Finding]:
    out: list[Finding] = []
    for inv in poam.invalid:
        value = excerpt(inv.value)
        if isinstance(inv.value, str) and inv.value.strip().startswith("#") and inv.value.strip(
                ).upper().rstrip("!?0/") in ("#N/A", "#REF", "#VALUE", "#DIV", "#NAME", "#NUM", "#NULL"):
            rid = "value.error"
        elif inv.expected == UNCACHED:
            item = _item_at(poam, inv)
            who = item_prefix(item)
            out.append(make("value.uncached", f"{who}{_label(poam, inv.table, inv.key)} is a formula "
                            "with no cached value", sheet=inv.sheet, cell=inv.cell, item=item,
                            column=_label(poam, inv.table, inv.key)))
            continue
        elif inv.table == "policy":
            rid = "policy.invalid"
        else:
            rid = "date.invalid" if inv.expected == "a date" else "number.invalid"
        label = _label(poam, inv.table, inv.key)
        item = _item_at(poam, inv)
        who = item_prefix(item)
        out.append(make(rid, f"{who}{label} {value!r} is not {inv.expected}", sheet=inv.sheet,
                        cell=inv.cell, item=item, column=label, value=value))
    return out


def _label(poam: Poam, table: str, key: str) -> str:
    try:
        if table == "items":
            return poam.layout.items.column(key).header
        if table == "milestones" and poam.layout.milestones is not None:
            return poam.layout.milestones.column(key).header
    except KeyError:
        pass
    for f in poam.layout.header_fields:
        if f.key == key:
            return f.label
    for s in model.POLICY_SETTINGS:
        if s.key == key:
            return s.label
    return key


def _item_at(poam: Poam, inv: Invalid) -> int | None:
    if inv.table != "items":
        return None
    row = (parse_ref(inv.cell, excel=False) or (0, 0))[0]
    v = poam.items.frame["item_number"].get(row)
    return None if v is None or pd.isna(v) else int(v)


def _canonical(data: TableData, table: model.Table) -> tuple[pd.DataFrame, list[Finding]]:
    """Choice columns mapped to their allowed spelling ('high' -> 'High', 'Moderate' -> 'Medium')."""
    frame = data.frame.copy()
    out: list[Finding] = []
    for col in table.columns:
        if col.kind != "choice" or col.key not in data.letters:
            continue
        raw = frame[col.key]
        uniq = {v for v in raw.dropna().unique()}
        syn = model.RISK_SYNONYMS if col.allowed == model.RISK_LEVELS else model.CHOICE_SYNONYMS
        mapping = {v: model.canonical_choice(v, col.allowed, syn) for v in uniq}
        changed = {v: c for v, c in mapping.items() if c is not None and c != v}
        if not changed:
            continue
        frame[col.key] = raw.map(lambda v, m=changed: m.get(v, v) if v is not None else v)
        rid = schema.rule_id(col.key, "normalised", table)
        for row in raw.index[raw.isin(list(changed))]:
            item = frame["item_number"].get(row) if "item_number" in frame else None
            item = None if item is None or pd.isna(item) else int(item)
            who = item_prefix(item)
            out.append(make(rid, f"{who}{col.header} {excerpt(raw[row])!r} read as "
                            f"{changed[raw[row]]!r}", sheet=data.sheet,
                            cell=f"{data.letters[col.key]}{row}", item=item, column=col.header,
                            value=excerpt(raw[row])))
    return frame, out


def _unrecognised(path: Path, prof: profiles.Profile, as_of: dt.date, exc: TemplateError,
                  read_options: dict[str, Any]) -> Report:
    """Not our layout: say which template it looks like (a finding, not a crash)."""
    from .templates import recognise

    kind = recognise(path, read_options.get("limits"))
    if kind is not None and not kind.startswith(prof.name):
        article = "an" if kind[:1] in "aeiou" else "a"
        f = make("template.other-profile", f"this is {article} {kind} workbook, not a {prof.title}",
                 hint=f"Validate with --profile {kind.split('-')[0]}, or convert it with "
                      f"`poam-xl convert {path.name} out.xlsx --to {prof.name}`.")
    else:
        f = make("template.unknown", f"not a recognised POA&M template: {exc.reason}")
    report = Report(source=str(path), profile=prof.name, as_of=as_of, findings=[f],
                    template=kind or "unknown")
    # not read under this profile: the counts are unknown, not zero
    report.summary = {"company": None, "cage_code": None, "template": report.template,
                      "items": None, "open": None, "overdue": None, "due_soon": None,
                      "errors": 1, "warnings": 0}
    return report
