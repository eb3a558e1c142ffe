"""`poam-xl rules`: list every validation rule (id, severity, what it checks, source)."""

from __future__ import annotations

import typer

from ._app import app, handle_errors


def catalogue_markdown(profile: str | None = None) -> str:
    """The rules table as Markdown (the README's rules table is this output).

    With a profile: every rule a validation under it can raise (its own and the core rules
    it keeps); without: the whole catalogue, each rule with the profiles that declare it.
    """
    from .. import catalogue

    rules = catalogue.applicable(profile) if profile else catalogue.ordered()
    lines = ["| rule | severity | profiles | checks | source |", "|---|---|---|---|---|"]
    for r in rules:
        lines.append(f"| `{r.id}` | {r.severity} | {', '.join(r.profiles)} | {r.title} | {r.source} |")
    return "\n".join(lines) + "\n"


@app.command()
@handle_errors
def rules(
    profile: str | None = typer.Option(None, "--profile", help="Only this profile's rules."),
) -> None:
    """Print the rule catalogue as a Markdown table.

    Example: poam-xl rules --profile dss
    """
    typer.echo(catalogue_markdown(profile), nl=False)
