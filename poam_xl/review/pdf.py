"""The review pack's PDF: the review workbook rendered by LibreOffice headless."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

from ..errors import UsageError, WriteError
from ..write import atomic_path

SOFFICE_TIMEOUT = 300


def render_pdf(xlsx: str | Path, out_dir: str | Path) -> Path:
    """<xlsx stem>.pdf in ``out_dir``, rendered by LibreOffice headless (a private profile)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise UsageError("LibreOffice (soffice) is needed for the PDF: install it or pass --no-pdf")
    src = Path(xlsx)
    target = Path(out_dir) / f"{src.stem}.pdf"
    with tempfile.TemporaryDirectory(prefix="poam-xl-pdf-") as work:
        profile = Path(work) / f"lo-{uuid.uuid4().hex}"
        cmd = [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            work,
            str(src.resolve()),
        ]
        try:
            proc = subprocess.run(
                cmd,
                capture_output=True,
                text=True,
                timeout=SOFFICE_TIMEOUT,
                env={**os.environ, "HOME": work},
            )
        except subprocess.TimeoutExpired:
            raise WriteError(
                f"LibreOffice did not finish within {SOFFICE_TIMEOUT} s", path=str(target)
            ) from None
        made = Path(work) / f"{src.stem}.pdf"
        if not made.is_file() or made.stat().st_size == 0:  # soffice exits 0 even when it fails
            why = (proc.stderr or proc.stdout).strip().splitlines()
            raise WriteError(
                f"LibreOffice made no PDF ({why[-1][:160] if why else 'no message'})",
                path=str(target),
            )
        with atomic_path(target) as tmp:
            shutil.copyfile(made, tmp)
    return target


def page_count(pdf: str | Path) -> int | None:
    try:
        from pypdf import PdfReader
    except ImportError:
        pdfinfo = shutil.which("pdfinfo")
        if pdfinfo is None:
            return None
        out = subprocess.run([pdfinfo, str(pdf)], capture_output=True, text=True, timeout=60).stdout
        line = next((x for x in out.splitlines() if x.startswith("Pages:")), "")
        return int(line.split()[-1]) if line else None
    return len(PdfReader(str(pdf)).pages)
