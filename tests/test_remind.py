"""`poam-xl remind`: digests per Responsible Owner, calendars parsed back (stable UIDs, one
event per milestone and due date, closed items cancelled), mail sent to a local aiosmtpd."""

from __future__ import annotations

import datetime as dt
import email
import email.policy

import pytest
from icalendar import Calendar
from typer.testing import CliRunner

from poam_xl.cli import app
from tests.portfolio_books import header, item, write_poam

D = dt.date
AS_OF = "2026-03-31"
ALVAREZ, CHEN = "J. Alvarez (IT Ops)", "K. Chen (ISSM)"


def _poam(path, *, slip=False, contacts=((ALVAREZ, "alvarez@example.mil"),)):
    items = [item(1, "High", D(2026, 2, 1), owner=ALVAREZ, milestone_date=D(2026, 3, 3)),  # 28 late
             item(2, "Medium", D(2026, 3, 1), owner=ALVAREZ,
                  milestone_date=D(2026, 4, 20) if slip else D(2026, 4, 10)),  # due in 10
             item(3, "Low", D(2026, 1, 5), "Closed", owner=CHEN, completion_date=D(2026, 3, 1),
                  milestone_date=D(2026, 3, 20)),
             item(4, "Low", D(2026, 3, 20), owner=CHEN, milestone_date=D(2026, 9, 16))]  # later
    miles = [{"item_number": 1, "milestone": "Assign reviewer", "planned_date": D(2026, 2, 15),
              "status": "Completed", "completed_date": D(2026, 2, 15)},
             {"item_number": 1, "milestone": "Weekly review in place", "planned_date": D(2026, 3, 25)},
             {"item_number": 2, "milestone": "Order hardware", "planned_date": D(2026, 4, 5)},
             {"item_number": 4, "milestone": "Change board", "planned_date": D(2026, 6, 1)}]
    return write_poam(path, header(), items, miles, contacts=contacts)


def _run(*args):
    return CliRunner().invoke(app, ["remind", *map(str, args), "--as-of", AS_OF])


def _events(path):
    cal = Calendar.from_ical(path.read_bytes())
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def test_digests_and_calendars(tmp_path):
    book = _poam(tmp_path / "poam.xlsx")
    res = _run(book, "--within", "14", "-o", tmp_path / "out")
    assert res.exit_code == 0, res.output
    assert (f"{ALVAREZ}: 1 overdue item, 1 due soon, 1 overdue milestone, 1 due soon -> "
            "j-alvarez-it-ops.md/.html/.ics") in res.stdout
    assert f"{CHEN}: 0 overdue items, 0 due soon, 0 overdue milestones, 0 due soon" in res.stdout
    md = (tmp_path / "out" / "j-alvarez-it-ops.md").read_text()
    overdue = md.split("## Overdue items")[1].split("##")[0]
    assert "| 1 | Weakness number 1" in overdue and "28 days overdue" in overdue
    assert "| 2 | Weakness number 2" in md.split("## Items due soon")[1].split("##")[0]
    assert "Weekly review in place | 2026-03-25 | 6 days overdue" in md
    assert "Order hardware | 2026-04-05 | in 5 days" in md
    html = (tmp_path / "out" / "j-alvarez-it-ops.html").read_text()
    assert "<td>Weekly review in place</td>" in html and "POA&amp;M" in html
    alvarez = _events(tmp_path / "out" / "j-alvarez-it-ops.ics")
    # one event per item due date and per milestone: items 1, 2; three milestones of theirs
    assert len(alvarez) == 5
    summaries = sorted(str(e["SUMMARY"]) for e in alvarez.values())
    assert summaries[0].startswith("POA&M item 1 due") and sum("milestone" in s for s in summaries) == 3
    starts = {str(e["SUMMARY"])[:22]: e.decoded("DTSTART") for e in alvarez.values()}
    assert starts["POA&M item 2 due: Weak"] == D(2026, 4, 10)
    done = [e for e in alvarez.values() if str(e["STATUS"]) == "CANCELLED"]
    assert [str(e["SUMMARY"]) for e in done] == ["POA&M item 1 milestone: Assign reviewer"]
    chen = _events(tmp_path / "out" / "k-chen-issm.ics")
    closed = [e for e in chen.values() if "item 3 due" in str(e["SUMMARY"])]
    assert [str(e["STATUS"]) for e in closed] == ["CANCELLED"]  # a closed item: cancelled


def test_uids_are_stable_and_a_newer_version_updates(tmp_path):
    first = _poam(tmp_path / "v1.xlsx")
    assert _run(first, "-o", tmp_path / "a").exit_code == 0
    assert _run(first, "-o", tmp_path / "b").exit_code == 0
    a, b = (_events(tmp_path / d / "j-alvarez-it-ops.ics") for d in ("a", "b"))
    assert set(a) == set(b) and len(a) == 5
    # the next version: item 2 slipped, newer POA&M Date, another file name
    newer = _poam(tmp_path / "renamed-v2.xlsx", slip=True)
    from openpyxl import load_workbook

    from poam_xl import template

    wb = load_workbook(newer)
    wb["POA&M"].cell(template.HEADER_TOP + 6, 3, D(2026, 4, 30))  # POA&M Date
    wb.save(newer)
    assert _run(newer, "-o", tmp_path / "c").exit_code == 0
    c = _events(tmp_path / "c" / "j-alvarez-it-ops.ics")
    assert set(c) == set(a)  # same events, updated
    uid = next(u for u, e in a.items() if "item 2 due" in str(e["SUMMARY"]))
    assert a[uid].decoded("DTSTART") == D(2026, 4, 10) and c[uid].decoded("DTSTART") == D(2026, 4, 20)
    assert int(c[uid]["SEQUENCE"]) > int(a[uid]["SEQUENCE"])


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    class Inbox(Message):
        def __init__(self):
            super().__init__()
            self.messages = []

        def handle_message(self, message):
            self.messages.append(message)

    import socket

    with socket.socket() as s:  # a free port on the loopback address
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"127.0.0.1:{port}", inbox
    finally:
        controller.stop()


def test_mail_each_owner_their_digest(tmp_path, smtp_server):
    server, inbox = smtp_server
    book = _poam(tmp_path / "poam.xlsx", contacts=())
    contacts = tmp_path / "contacts.csv"
    contacts.write_text("Responsible Owner,Email\nj. alvarez  (it ops),alvarez@example.mil\n")
    res = _run(book, "-o", tmp_path / "out", "--contacts", contacts, "--smtp", server,
               "--from", "issm@example.mil")
    assert res.exit_code == 0, res.output  # Chen has nothing due: not mailed, not an error
    assert "mailed 1 of 1 owners" in res.stderr
    assert len(inbox.messages) == 1
    msg = email.message_from_bytes(inbox.messages[0].as_bytes(), policy=email.policy.default)
    assert msg["To"] == "alvarez@example.mil" and msg["From"] == "issm@example.mil"
    assert "1 overdue" not in msg["Subject"] and "2 overdue, 2 due within 14 days" in msg["Subject"]
    assert "# POA&M reminders for J. Alvarez (IT Ops)" in msg.get_body(("plain",)).get_content()
    assert "<h1>" in msg.get_body(("html",)).get_content()
    ics = next(p for p in msg.iter_attachments() if p.get_content_type() == "text/calendar")
    assert len(Calendar.from_ical(ics.get_content()).walk("VEVENT")) == 5


def test_owner_without_address_is_reported(tmp_path, smtp_server):
    server, inbox = smtp_server
    items = [item(1, "High", D(2026, 2, 1), owner="Nobody Known", milestone_date=D(2026, 3, 3)),
             item(2, "High", D(2026, 2, 1), owner=ALVAREZ, milestone_date=D(2026, 3, 3))]
    book = write_poam(tmp_path / "p.xlsx", header(), items,
                      contacts=[(ALVAREZ, "alvarez@example.mil")])  # the Contacts sheet
    res = _run(book, "-o", tmp_path / "out", "--smtp", server, "--from", "issm@example.mil")
    assert res.exit_code == 1
    assert "not mailed Nobody Known: no e-mail address" in res.stderr
    assert [m["To"] for m in inbox.messages] == ["alvarez@example.mil"]


def test_unreadable_input_and_bad_options(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really")
    res = _run(bad, "-o", tmp_path / "out")
    assert res.exit_code == 2 and "bad.xlsx" in res.stderr and "Traceback" not in res.output
    good = _poam(tmp_path / "p.xlsx")
    res = _run(good, "-o", tmp_path / "out", "--smtp", "localhost:99999", "--from", "a@b.mil")
    assert res.exit_code == 2 and "HOST:PORT" in res.stderr
    res = _run(good, "-o", tmp_path / "out", "--smtp", "localhost")
    assert res.exit_code == 2 and "--from" in res.stderr
