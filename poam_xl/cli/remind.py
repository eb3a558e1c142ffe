"""`poam-xl remind`: per Responsible Owner, a digest and a calendar of what is due."""

from __future__ import annotations

from pathlib import Path

import typer

from ..errors import shown
from ._app import AS_OF, PASSWORD, SAFETY, app, handle_errors, parse_as_of, reads_workbooks


@app.command()
@handle_errors
@reads_workbooks
def remind(
    poam: Path = typer.Argument(..., help="The POA&M workbook."),
    output: Path = typer.Option(..., "--output", "-o", help="Folder for each owner's digest "
                                "(NAME.md, NAME.html) and calendar (NAME.ics)."),
    within: int = typer.Option(14, "--within", min=0, help="Due soon = scheduled within this "
                               "many days."),
    as_of: str | None = AS_OF,
    profile: str = typer.Option("auto", "--profile", help="auto (by the template the file "
                                "uses), dss, fedramp, emass, cmmc or generic."),
    contacts: Path | None = typer.Option(None, "--contacts", help="CSV of owners' addresses "
                                         "(columns Responsible Owner, Email); default: the "
                                         "workbook's Contacts sheet."),
    smtp: str | None = typer.Option(None, "--smtp", help="HOST[:PORT] of a mail server: send "
                                    "each owner with something overdue or due soon their digest."),
    sender: str | None = typer.Option(None, "--from", help="Sender address (needed with --smtp)."),
    password: str | None = PASSWORD,
) -> None:
    """Remind each Responsible Owner of their overdue and due-soon items and milestones: a
    Markdown and HTML digest and an iCalendar file per owner (stable event UIDs, so importing a
    newer file updates the events; closed items are cancelled events).

    Exit code: 2 if the workbook cannot be read, 1 if with --smtp some owner could not be
    mailed (no address, or the server refused), else 0.

    Example: poam-xl remind poam.xlsx --within 14 --output reminders/
    """
    from ..errors import ExitCode, UsageError
    from ..portfolio import mail, reminders

    server = None
    if smtp is not None:
        if not sender:
            raise UsageError("--smtp needs --from ADDRESS (the sender)")
        try:
            server = mail.parse_server(smtp)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    day = parse_as_of(as_of)
    options: dict[str, object] = {"limits": SAFETY[0].limits}
    if password is not None:
        options["password"] = password
    owners = reminders.plan(poam, day, within, profile=profile, contacts_file=contacts, **options)
    reminders.write(owners, output)
    from ..values import plural

    for o in owners:
        typer.echo(f"{o.owner}: {plural(len(o.digest.overdue('item')), 'overdue item')}, "
                   f"{len(o.digest.due_soon('item'))} due soon, "
                   f"{plural(len(o.digest.overdue('milestone')), 'overdue milestone')}, "
                   f"{len(o.digest.due_soon('milestone'))} due soon -> {o.stem}.md/.html/.ics")
    typer.echo(f"wrote {3 * len(owners)} files for {plural(len(owners), 'owner')} to {output}",
               err=True)
    if server is None or sender is None:
        return
    due = [o for o in owners if o.digest.count]
    unmailed = {o.owner: "no e-mail address (add it to a Contacts sheet or --contacts FILE)"
                for o in due if not o.address}
    messages = [(o.owner, mail.message(o.digest, sender, o.address, o.ics, f"{o.stem}.ics"))
                for o in due if o.address]
    unmailed.update(mail.send(server, messages))
    sent = len(messages) - sum(1 for name, _ in messages if name in unmailed)
    for name, why in unmailed.items():
        typer.echo(f"poam-xl: not mailed {shown(name)}: {why}", err=True)
    typer.echo(f"mailed {sent} of {len(due)} owners with something due", err=True)
    if unmailed:
        raise typer.Exit(int(ExitCode.FINDINGS))
