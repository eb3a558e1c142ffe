"""A batch's report folder: one JSON report per file, summary.json and summary.csv, the names
they get (never colliding, never "summary"), and where feedback copies go."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .. import report
from ..errors import WriteError
from ..write import atomic_path

RESERVED = "summary"  # summary.json / summary.csv belong to the batch
FEEDBACK = "-feedback"  # a feedback copy is NAME-feedback.xlsx/.xlsm (never read as an input)
# a report or feedback name's stem, in bytes: room for "-99-feedback.xlsm" and the temp name's
# dots and random part within NAME_MAX (255) of every common file system
STEM_BYTES = 200


def _fit(stem: str, limit: int) -> str:
    stem = "".join("_" if ord(ch) < 32 or ord(ch) == 127 else ch for ch in stem)  # no \n in names
    raw = stem.encode("utf-8", "surrogateescape")
    return stem if len(raw) <= limit else raw[:limit].decode("utf-8", "ignore").rstrip(". ")


def unique_names(files: list[Path]) -> dict[str, str]:
    """One report name per input: its stem, with -2, -3 ... when taken ("summary" is reserved
    for the batch summary, so a workbook named summary.xlsx gets summary-2.json)."""
    taken = {RESERVED}
    out: dict[str, str] = {}
    for f in files:
        stem = _fit(f.stem or "workbook", STEM_BYTES)
        name, n = stem, 1
        while name.lower() in taken:
            n += 1
            name = f"{stem}-{n}"
        taken.add(name.lower())
        out[str(f)] = name
    return out


def annotate_targets(files: list[Path], out_dir: Path) -> dict[str, str]:
    """Input path -> its feedback copy in ``out_dir`` (NAME-feedback.xlsx/.xlsm)."""
    names = unique_names(files)
    return {str(f): str(out_dir / f"{names[str(f)]}{FEEDBACK}{f.suffix.lower() or '.xlsx'}")
            for f in files}


def is_feedback_copy(path: Path) -> bool:
    """True when ``path`` is named like a feedback copy ``annotate_targets`` gives
    (NAME-feedback.xlsx/.xlsm): folder searches skip it, so a report folder inside (or equal
    to) the input folder is never validated again."""
    return path.suffix.lower() in (".xlsx", ".xlsm") and path.stem.lower().endswith(FEEDBACK)


def prepare(folder: Path) -> None:
    """Create the report folder; WriteError naming it when that is not possible."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WriteError(f"cannot create the output folder ({exc.strerror})", path=folder) from None


# a file name that is not UTF-8 (bytes the file system kept as they were) is written as
# \xff escapes, as the console shows it (errors.shown), never a failed report
NAME_BYTES = "backslashreplace"


def write_reports(results: list[dict[str, Any]], out_dir: Path) -> int:
    """Per-file JSON reports, summary.json and summary.csv, each written atomically; returns the
    number of per-file reports written (a skipped file has a summary row, no report)."""
    names = unique_names([Path(r["path"]) for r in results])
    for r in results:  # each file's report (and feedback copy) is named in the summaries
        r["report"] = None if r.get("status") == "skipped" else f"{names[r['path']]}.json"
        if r.get("annotated"):
            r["feedback"] = Path(r["annotated"]).name
    for r in results:
        if r.get("status") == "skipped":
            continue
        with atomic_path(out_dir / f"{names[r['path']]}.json") as tmp:
            tmp.write_text(json.dumps(r, indent=2, ensure_ascii=False, default=str) + "\n",
                           encoding="utf-8", errors=NAME_BYTES)
    written = sum(1 for r in results if r.get("status") != "skipped")
    with atomic_path(out_dir / f"{RESERVED}.json") as tmp:
        tmp.write_text(report.to_json([{k: v for k, v in r.items() if k != "findings"}
                                       for r in results]), encoding="utf-8",
                       errors=NAME_BYTES)
    with atomic_path(out_dir / f"{RESERVED}.csv") as tmp:
        tmp.write_text(report.summary_csv(results), encoding="utf-8", errors=NAME_BYTES)
    return written
