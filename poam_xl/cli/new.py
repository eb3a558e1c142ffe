"""`poam-xl new`: write the POA&M workbook template (optionally with sample items)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from ._app import AS_OF, app, handle_errors, parse_as_of


@app.command()
@handle_errors
def new(
    out: Path = typer.Argument(..., help="Workbook to create (.xlsx)."),
    sample: int = typer.Option(0, "--sample", min=0, max=100_000, help="Fill N realistic sample items."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
    as_of: str | None = AS_OF,
    seed: int = typer.Option(0, "--seed", help="Random seed for --sample (same seed, same workbook)."),
    profile: str = typer.Option("dss", "--profile",
                                help="dss (default) or cmmc: the DSS workbook; fedramp or emass: "
                                     "that framework's official template layout."),
) -> None:
    """Create the DSS-style POA&M workbook: header block, items, milestones, policy, dashboard.

    Example: poam-xl new poam.xlsx --sample 12
    """
    from .. import profiles
    from ..template import new_workbook

    profiles.get(profile)  # a clear error for an unknown name
    from ..write import require_xlsx

    require_xlsx(out, "OUT")  # a macro workbook comes from `poam-xl excel build-xlsm`
    day = parse_as_of(as_of)
    if profile in ("fedramp", "emass"):
        path = _official_layout(out, profile, sample, day, seed, force)
    else:
        path = new_workbook(out, sample_items=sample, as_of=day, seed=seed, force=force,
                            profile=profile)
    typer.echo(f"wrote {path}" + (f" with {sample} sample items" if sample else ""))


def _official_layout(out: Path, profile: str, sample: int, as_of: dt.date, seed: int,
                     force: bool) -> Path:
    """The DSS sample's content written in another framework's official template."""
    import tempfile

    from .. import convert
    from ..errors import WriteError
    from ..reader import read
    from ..template import new_workbook

    if out.exists() and not force:
        raise WriteError("already exists (use --force to overwrite)", path=out)
    with tempfile.TemporaryDirectory() as folder:
        dss = new_workbook(Path(folder) / "dss.xlsx", sample_items=sample, as_of=as_of, seed=seed)
        write = convert.get(profile).write
        assert write is not None
        write(read(dss), out, as_of=as_of)
    return out
