"""validate(): the one call every shell makes. Reads, normalises, checks, derives, summarises."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from . import bulk, dashboard, model, profiles, rules, schema, structure
from .derive import derive
from .errors import TemplateError
from .findings import Finding, sort_key
from .profiles.base import Context
from .reader import Poam
from .values import cell_ref, parse_ref, plain


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
            "computed": self.computed(), "mapping": self.poam.mapping() if self.poam else [],
            "skipped": self.skipped(),
        }

    def skipped(self) -> list[dict[str, Any]]:
        """Rows of the items table that are not items: [{sheet, row, reason}] (placeholders,
        examples, guidance, an Excel Table's totals row)."""
        if self.poam is None:
            return []
        data = self.poam.items
        out = []
        for index, why in data.skipped:
            sheet, row = data.locate(index) if data.locate else (data.sheet, index)
            out.append({"sheet": sheet, "row": row, "reason": why})
        return out

    def computed(self) -> list[dict[str, Any]]:
        """Each item's computed columns with the explanation of its due date (JSON report)."""
        if self.derived is None or self.items is None:
            return []
        d, numbers = self.derived, self.items["item_number"]
        out = []
        for row, rec in zip(d.index, d.to_dict("records"), strict=True):
            n = numbers.get(row)
            out.append({"row": int(row), "item": plain(n),
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


@bulk.paused()  # cells, records and findings by the hundred thousand: no collector pauses
def validate(source: str | Path | Poam, *, profile: str = "auto", as_of: dt.date | None = None,
             **read_options: Any) -> Report:
    """Validate one workbook (path or an already-read Poam) under ``profile``.

    ``profile`` "auto" reads the workbook in whichever layout it uses (FedRAMP, eMASS, DSS,
    CMMC, generic) and validates it under that template's profile (``profiles.for_template``).
    ``as_of`` is the day due dates and overdue flags are computed for (default: today, read
    here once; rules never read the clock). Raises PoamXlError when the file cannot be read.
    """
    auto = profiles.check_name(profile) == profiles.AUTO
    prof = profiles.DSS if auto else profiles.get(profile)
    as_of = as_of or dt.date.today()
    name = str(source) if not isinstance(source, Poam) else source.source
    if isinstance(source, Poam):
        poam = source
    else:
        from .reader import read

        try:
            poam = (read(source, layout=profiles.AUTO_LAYOUTS, **read_options) if auto
                    else prof.read(source, **read_options))
        except TemplateError as exc:
            return _unrecognised(Path(source), prof, as_of, exc, read_options, auto)
    if auto:
        prof = profiles.for_template(poam.template)
    return check_poam(poam, prof, as_of, name)


def check_poam(poam: Poam, prof: profiles.Profile, as_of: dt.date, name: str | None = None) -> Report:
    """All rules on a read workbook: structure, values, schema, cross-field, profile rules."""
    findings = structure.table_structure(poam) + structure.invalid_values(poam)
    items, normalised = structure.canonical(poam.items, poam.layout.items)
    findings += normalised
    milestones = None
    if poam.milestones is not None:
        milestones, ms_norm = structure.canonical(poam.milestones, model.MILESTONES)
        findings += ms_norm
    pol = poam.policy if poam.policy_found else prof.policy
    derived = derive(items, pol, as_of)
    ctx = Context(poam=poam, items=items, milestones=milestones, derived=derived, policy=pol,
                  as_of=as_of)
    table = poam.layout.items
    present = set(poam.items.letters)
    findings += schema.column_findings(items, table, present, poam.items.letters, poam.items.sheet,
                             items["item_number"])
    if milestones is not None and poam.milestones is not None:
        findings += schema.column_findings(milestones, model.MILESTONES, set(poam.milestones.letters),
                                 poam.milestones.letters, poam.milestones.sheet,
                                 milestones["item_number"])  # a milestone finding names its item
    for fn in (*rules.CORE, *prof.rules):
        findings += fn(ctx)
    bad_cells = {(f.sheet, f.cell) for f in findings
                 if f.rule in ("date.invalid", "number.invalid", "value.error", "value.uncached")}
    findings = [f for f in findings if f.rule not in prof.disabled and not (
        f.rule.endswith(".required") and (f.sheet, f.cell) in bad_cells)]
    template = poam.template
    findings += structure.outdated(template)
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


def _unrecognised(path: Path, prof: profiles.Profile, as_of: dt.date, exc: TemplateError,
                  read_options: dict[str, Any], auto: bool = False) -> Report:
    """Not our layout: say which template it looks like (a finding, not a crash)."""
    from .reader import recognise

    kind = None if auto else recognise(path, read_options.get("limits"))
    if kind is not None and not kind.startswith(prof.name):
        article = "an" if kind[:1] in "aeiou" else "a"
        f = structure.RULES.make(
            "template.other-profile", f"this is {article} {kind} workbook, not "
            f"{'an' if prof.title[:1].lower() in 'aeiou' else 'a'} {prof.title}",
            hint=f"Validate with --profile {kind.split('-')[0]}, or convert it with "
                 f"`poam-xl convert {path.name} out.xlsx --to {prof.name}`.")
    else:
        f = structure.RULES.make("template.unknown", f"not a recognised POA&M template: {exc.reason}")
    report = Report(source=str(path), profile=prof.name, as_of=as_of, findings=[f],
                    template=kind or "unknown")
    # not read under this profile: the counts are unknown, not zero
    report.summary = {"company": None, "cage_code": None, "template": report.template,
                      "items": None, "open": None, "overdue": None, "due_soon": None,
                      "errors": 1, "warnings": 0}
    return report
