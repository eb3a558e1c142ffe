"""The quarterly review pack: a review workbook (lists, counts, charts) and its LibreOffice PDF.

``data`` computes what the pack shows, ``workbook`` writes it, ``pdf`` renders it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..diff import diff, items_of, load
from ..errors import TemplateError
from ..validation import validate
from ..write import atomic_path
from .pdf import page_count, render_pdf
from .workbook import build

__all__ = ["Pack", "build", "make_pack", "page_count", "render_pdf"]


@dataclass
class Pack:
    workbook: Path
    pdf: Path | None
    pages: int | None
    figures: dict[str, Any]
    # template findings (another profile's workbook, an outdated template): said, not hidden
    warnings: list[str] = field(default_factory=list)

    def line(self) -> str:
        f = self.figures
        text = (
            f"wrote {self.workbook}: {f['open']} open, {f['overdue']} overdue, "
            f"{f['late']} 90+ days "
            f"late, {f['slipped']} slipped milestones, {f['due_next']} due next quarter"
        )
        if self.pdf:
            text += f"; {self.pdf} ({self.pages} pages)" if self.pages else f"; {self.pdf}"
        return text


def make_pack(
    workbook: str | Path,
    out_dir: str | Path,
    *,
    previous: str | Path | None = None,
    as_of: dt.date | None = None,
    pdf: bool = True,
    profile: str = "auto",
    password: str | None = None,
) -> Pack:
    """Write <stem>-review.xlsx (and .pdf) into ``out_dir``; the inputs are only read
    (encrypted ones with ``password``). Raises PoamXlError (TemplateError: no POA&M table)."""
    as_of = as_of or dt.date.today()
    src = Path(workbook)
    report = validate(src, as_of=as_of, profile=profile, password=password)
    if report.items is None:
        reason = report.findings[0].message if report.findings else "not a POA&M workbook"
        raise TemplateError(reason, path=str(src))
    changes = (
        diff(load(previous, as_of, profile, password), items_of(report), str(previous), str(src))
        if previous else None
    )
    wb, figures = build(report, as_of, changes, src.name, Path(previous).name if previous else None)
    said = [f"{f.rule}: {f.message}" for f in report.findings if f.rule.startswith("template.")]
    from ..profiles import AUTO, for_template

    if profile != AUTO and for_template(report.template).name != profile:
        said.append(f"a {report.template} workbook reviewed under the {profile} profile (its "
                    "rules and due-date windows where the workbook has no Policy sheet)")
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    xlsx = folder / f"{src.stem}-review.xlsx"
    with atomic_path(xlsx) as tmp:
        wb.save(tmp)
    if not pdf:
        return Pack(xlsx, None, None, figures, said)
    out = render_pdf(xlsx, folder)
    return Pack(xlsx, out, page_count(out), figures, said)
