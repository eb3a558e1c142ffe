"""A POA&M over time: its dated versions in order, and figures from the changes between each
version and the next (``diff.diff``).

- order: by the header's POA&M Date, else the file's modification time (``Version.source``);
- per period (one version to the next): items opened (new in the later version), closed (open ->
  Completed/Closed, plus new items that arrive closed), reopened, and open and overdue at the
  period's end (overdue: open past its scheduled completion date, as of the later version's date);
- closing: days to close (Completion Date - Date Identified; the version's date when the
  Completion Date is blank) per closure, their median by risk level, and the share closed by the
  policy Due Date (Date Identified + the policy's days for the risk level);
- milestone slips: a Milestone Date moved later, with the item's Responsible Owner;
- burn-down: open items by risk level at each version.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import diff, model
from .records import is_open, plain


@dataclass
class Version:
    """One version: its file, its date and where the date came from, its validation Report."""

    path: str
    date: dt.date
    source: str  # "POA&M Date" | "file modified"
    report: Any  # validation.Report (items, derived)


@dataclass
class History:
    versions: list[Version]
    burn_down: list[dict[str, Any]] = field(default_factory=list)  # {date, path, High.., total}
    periods: list[dict[str, Any]] = field(default_factory=list)
    closures: list[dict[str, Any]] = field(default_factory=list)
    slips: list[dict[str, Any]] = field(default_factory=list)
    closing: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able figures (dates as ISO text): versions, burn_down, periods, closing,
        closures, slips."""
        def iso(v: Any) -> Any:
            if isinstance(v, dict):
                return {k: iso(x) for k, x in v.items()}
            if isinstance(v, list):
                return [iso(x) for x in v]
            return v.isoformat() if isinstance(v, dt.date) else v

        versions = [{"path": v.path, "date": v.date, "date_from": v.source} for v in self.versions]
        out: dict[str, Any] = iso({"versions": versions, "burn_down": self.burn_down,
                                   "periods": self.periods, "closing": self.closing,
                                   "closures": self.closures, "slips": self.slips})
        return out


def load_versions(paths: list[Path], profile: str = "auto", **read_options: Any) -> list[Version]:
    """Read each version, date it (POA&M Date, else modification time) and validate it as of
    that date; in date order (ties: by file name). Raises PoamXlError naming a file that
    cannot be read or is not a POA&M."""
    from .. import profiles
    from ..errors import TemplateError
    from ..reader import read
    from ..validation import validate

    auto = profiles.check_name(profile) == profiles.AUTO
    out = []
    for p in paths:
        poam = (read(p, layout=profiles.AUTO_LAYOUTS, **read_options) if auto
                else profiles.get(profile).read(p, **read_options))
        day = plain(poam.header.get("poam_date"))
        source = "POA&M Date"
        if not isinstance(day, dt.date):
            day, source = dt.datetime.fromtimestamp(Path(p).stat().st_mtime).date(), "file modified"
        report = validate(poam, profile=profile, as_of=day)
        if report.items is None:
            raise TemplateError("not a POA&M workbook", path=str(p))
        out.append(Version(str(p), day, source, report))
    return sorted(out, key=lambda v: (v.date, Path(v.path).name))


def build(versions: list[Version]) -> History:
    """The figures of ``versions`` (already in order)."""
    h = History(versions)
    for v in versions:
        h.burn_down.append({"date": v.date, "path": v.path, **_open_by_risk(v)})
    for before, after in zip(versions, versions[1:], strict=False):
        d = diff.diff(diff.items_of(before.report), diff.items_of(after.report), before.path,
                      after.path)
        rows = _by_number(after)
        added_closed = [c for c in d.of("added") if not is_open(rows.get(c.item, {}).get("status"))]
        closed = d.of("closed") + added_closed
        h.periods.append({
            "from": before.date, "to": after.date, "version": after.path,
            "opened": len(d.of("added")), "closed": len(closed), "reopened": len(d.of("reopened")),
            "open": sum(is_open(r["status"]) for r in rows.values()),
            "overdue": sum(is_open(r["status"]) and (r["days_overdue"] or 0) > 0
                           for r in rows.values()),
        })
        for c in closed:
            h.closures.append(_closure(rows.get(c.item, {}), c.item, after))
        for c in d.of("milestone_slipped"):
            h.slips.append({"from": before.date, "to": after.date, "item": c.item,
                            "moved": c.moved, "days": c.days,
                            "owner": rows.get(c.item, {}).get("owner")})
    h.closing = _closing(h.closures)
    return h


def _open_by_risk(v: Version) -> dict[str, int]:
    items = v.report.items
    counts = {r: 0 for r in model.RISK_LEVELS}
    total = 0
    for status, risk in zip(items["status"], items["risk_level"], strict=True):
        if is_open(plain(status)):
            total += 1
            if risk in counts:
                counts[risk] += 1
    return {**counts, "total": total}


def _by_number(v: Version) -> dict[int | str | None, dict[str, Any]]:
    items, derived = v.report.items, v.report.derived
    out: dict[int | str | None, dict[str, Any]] = {}
    for row in items.index:
        number = plain(items.at[row, "item_number"])
        out.setdefault(number, {
            "status": plain(items.at[row, "status"]), "risk": plain(items.at[row, "risk_level"]),
            "owner": plain(items.at[row, "owner"]) if "owner" in items else None,
            "identified": plain(items.at[row, "date_identified"]),
            "completed": plain(items.at[row, "completion_date"]),
            "due": plain(derived.at[row, "due_date"]),
            "days_overdue": plain(derived.at[row, "days_overdue"]),
        })
    return out


def _closure(r: dict[str, Any], item: int | str | None, v: Version) -> dict[str, Any]:
    done = r.get("completed") or v.date
    identified, due = r.get("identified"), r.get("due")
    return {"item": item, "risk": r.get("risk"), "version": v.path, "identified": identified,
            "completed": done, "due": due,
            "days_to_close": (done - identified).days if identified else None,
            "by_due_date": (done <= due) if due else None}


def _closing(closures: list[dict[str, Any]]) -> dict[str, Any]:
    median: dict[str, float | None] = {}
    for risk in model.RISK_LEVELS:
        days = [c["days_to_close"] for c in closures
                if c["risk"] == risk and c["days_to_close"] is not None]
        median[risk] = statistics.median(days) if days else None
    dated = [c for c in closures if c["by_due_date"] is not None]
    on_time = sum(bool(c["by_due_date"]) for c in dated)
    return {"closed": len(closures), "median_days_to_close": median,
            "with_due_date": len(dated), "closed_by_due_date": on_time,
            "pct_closed_by_due_date": round(100 * on_time / len(dated), 1) if dated else None}


def to_text(h: History) -> str:
    """The figures as plain text (the CLI's table)."""
    lines = ["period                   opened closed reopened open overdue"]
    for p in h.periods:
        lines.append(f"{p['from'].isoformat()} -> {p['to'].isoformat()} {p['opened']:>6} "
                     f"{p['closed']:>6} {p['reopened']:>8} {p['open']:>4} {p['overdue']:>7}")
    c = h.closing
    med = ", ".join(f"{r} {'-' if v is None else f'{v:g}'}"
                    for r, v in c["median_days_to_close"].items())
    pct = "-" if c["pct_closed_by_due_date"] is None else f"{c['pct_closed_by_due_date']:g}%"
    lines += [f"closed: {c['closed']}; median days to close: {med}",
              f"closed by their due date: {c['closed_by_due_date']} of {c['with_due_date']} ({pct})"]
    for s in h.slips:
        lines.append(f"milestone slipped: item {s['item']} {s['moved']} (+{s['days']} days), "
                     f"owner {s['owner'] or '(none)'}")
    lines.append("open items: " + "; ".join(
        f"{b['date'].isoformat()} {b['total']} (" + ", ".join(f"{r} {b[r]}" for r in model.RISK_LEVELS)
        + ")" for b in h.burn_down))
    return "\n".join(lines)
