"""Each owner's digest by e-mail (``smtplib``): the Markdown as the plain-text part, the HTML
as its alternative, the owner's .ics attached (text/calendar, METHOD:PUBLISH)."""

from __future__ import annotations

import smtplib
import socket
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from .remind import Digest, subject, to_html, to_markdown


def parse_server(text: str) -> tuple[str, int]:
    """'HOST[:PORT]' (port 25 by default; '[::1]:2525' for IPv6); ValueError when malformed."""
    host, port = text.strip(), ""
    if host.startswith("["):
        host, _, rest = host[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else rest
    elif host.count(":") == 1:
        host, _, port = host.partition(":")
    if not host or (port and not port.isdigit()) or (port and not 0 < int(port) < 65536):
        raise ValueError(f"--smtp must be HOST or HOST:PORT, not {text!r}")
    return host, int(port) if port else 25


def message(d: Digest, sender: str, to: str, ics: bytes, ics_name: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject(d)
    msg["From"], msg["To"] = sender, to
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="poam-xl")
    msg.set_content(to_markdown(d))
    msg.add_alternative(to_html(d), subtype="html")
    msg.add_attachment(ics, maintype="text", subtype="calendar", filename=ics_name,
                       params={"method": "PUBLISH"})
    return msg


def send(server: tuple[str, int], messages: list[tuple[str, EmailMessage]], timeout: float = 30
         ) -> dict[str, str]:
    """Send each (owner, message) over one connection; returns {owner: why not sent} for the
    ones that failed (an unreachable server fails them all)."""
    failed: dict[str, str] = {}
    if not messages:
        return failed
    try:
        with smtplib.SMTP(server[0], server[1], timeout=timeout) as smtp:
            for owner, msg in messages:
                try:
                    smtp.send_message(msg)
                except smtplib.SMTPException as exc:
                    failed[owner] = _why(exc)
    except (OSError, smtplib.SMTPException) as exc:
        why = f"cannot reach the mail server {server[0]}:{server[1]} ({_why(exc)})"
        for owner, _ in messages:
            failed.setdefault(owner, why)
    return failed


def _why(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "recipient refused: " + "; ".join(f"{a} {c}" for a, (c, _) in exc.recipients.items())
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error if isinstance(exc.smtp_error, str) else exc.smtp_error.decode(
            "utf-8", "replace")
        return f"{exc.smtp_code} {text[:120]}"
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    return getattr(exc, "strerror", None) or str(exc)[:160] or type(exc).__name__
