"""Kept fields: a value with no column on the other side rides in Comments as a tagged line.

``[eMASS Severity] High``, ``[FedRAMP Vendor Dependency] Yes``, ``[poam-xl Date Identified]
2026-01-05``: the tag names the side the field came from and its label. Reading the file back
restores the field from its tag, which is what makes eMASS -> DSS -> eMASS, FedRAMP -> DSS ->
FedRAMP and DSS -> OSCAL -> DSS lossless. One tag format for every reader and writer.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .values import plain

__all__ = ["MINE", "TAG", "Tag", "disarm", "join_tags", "pack", "quoted", "split_tags", "text",
           "text_of", "unpack", "value_of"]

_SIDES = "FedRAMP|OSCAL|eMASS|poam-xl|csv|json|column"
# a label may hold "]", "\" and line breaks, escaped ("[column Weird \] Header] x", "\n")
_LABEL = r"(?:\\.|[^\]\n\\])+"  # an escaped character, or anything but "]", "\" and a line break
TAG = re.compile(rf"^\[({_SIDES}) ({_LABEL})\] ?", re.MULTILINE)
# a line of a value that would read as a tag (or is one escaped) gets one more backslash
_TAG_LINE = re.compile(rf"^(\\*)(?=\[(?:{_SIDES}) {_LABEL}\])", re.MULTILINE)
_ESCAPED_LINE = re.compile(rf"^\\(\\*)(?=\[(?:{_SIDES}) {_LABEL}\])", re.MULTILINE)
_LABEL_ESCAPE = re.compile(r"\\(.)")
Tag = tuple[str, str, str]  # (side, field label, value text)
# sides: FedRAMP / eMASS / OSCAL (their fields), poam-xl (ours: a column model field), csv /
# json (their columns), column (a workbook column no field takes, kept under its header)
MINE = ("FedRAMP", "poam-xl")  # the sides the FedRAMP and OSCAL code reads back by label


def text(value: Any) -> str:
    """A value as tag text: dates ISO, whole floats without '.0'; blank (None, NaN, spaces) "".

    Text, dates and ints (most values) are turned into text here; ``plain`` takes the rest."""
    if type(value) is str:  # what plain gives: the text as it is, None ("") when only spaces
        return value if value.strip() else ""
    if type(value) is dt.date:
        return value.isoformat()
    if type(value) is int:
        return str(value)
    v = plain(value)
    if v is None:
        return ""
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?)?")
_NUMBER = re.compile(r"-?(0|[1-9]\d{0,14})(\.\d{1,15})?")


def value_of(tag_text: str) -> Any:
    """The value a tag's text stands for, where ``text`` wrote it so: '4711' -> 4711, '2.5' ->
    2.5, '2026-01-05' -> a date, '2026-01-05 10:30:00' -> a datetime; anything else (
    '00123', '0.10', '1e3', ' 7', 'TBD') stays the text it is. Used where a kept column becomes a
    column again (a number stays a number, a date a date). A leading apostrophe marks text
    (see :func:`quoted`): "'4711" -> the text '4711'."""
    if tag_text.startswith("'"):
        return tag_text[1:]
    if _NUMBER.fullmatch(tag_text):
        number = float(tag_text) if "." in tag_text else int(tag_text)
        return number if text(number) == tag_text or repr(number) == tag_text else tag_text
    if _ISO_DATE.fullmatch(tag_text):
        try:
            return (dt.datetime.fromisoformat(tag_text) if len(tag_text) > 10
                    else dt.date.fromisoformat(tag_text))
        except ValueError:  # 2026-02-30
            return tag_text
    return tag_text


def quoted(cell_text: str) -> str:
    """Tag text for a kept column's *text* cell that :func:`value_of` gives back as that text:
    text that would read as a number or ISO date ("4711", "2026-01-05"), or that starts with an
    apostrophe, gets one leading apostrophe, Excel's own mark for "this is text"."""
    if cell_text.startswith("'") or not isinstance(value_of(cell_text), str):
        return "'" + cell_text
    return cell_text


def split_tags(comments: Any) -> tuple[str | None, list[Tag]]:
    """'plain text\\n[eMASS Severity] High' -> ('plain text', [('eMASS', 'Severity', 'High')]).

    The text ``join_tags`` made last, when it splits back into its parts exactly, is not
    parsed: its parts are returned (a new list)."""
    joined = _JOINED
    if comments is joined[0] and comments is not None and _splits_back(joined[2]):
        return joined[1], list(joined[2])
    if comments is None or not str(comments).strip():
        return None, []
    s = str(comments)
    marks = _marks(s) if "[" in s else []
    if not marks:
        return s.strip() or None, []
    plain = s[: marks[0].start()].strip() or None
    tags: list[Tag] = []
    for m, nxt in zip(marks, [*marks[1:], None], strict=True):
        end = nxt.start() if nxt else len(s)
        label = m.group(2).strip()
        if "\\" in label:
            label = _LABEL_ESCAPE.sub(lambda e: "\n" if e.group(1) == "n" else e.group(1), label)
        value = s[m.end() : end].strip()
        if "\\[" in value:
            value = _ESCAPED_LINE.sub(r"\1", value)
        tags.append((m.group(1), label, value))
    return plain, tags


def _marks(s: str) -> list[re.Match[str]]:
    """TAG.finditer(s), trying only the line starts that open with "[" (a C scan finds them)."""
    starts = [0] if s.startswith("[") else []
    at = s.find("\n[")
    while at >= 0:
        starts.append(at + 1)
        at = s.find("\n[", at + 2)
    return [m for pos in starts if (m := TAG.match(s, pos)) is not None]


def join_tags(plain: str | None, tags: Sequence[Tag]) -> str | None:
    """Inverse of split_tags: 'plain' and its tags ('[side label] value' lines, label and value
    escaped: ``_label``, ``_value``) as one text; None when both are empty.

    The text is remembered with its parts when nothing had to be escaped: ``split_tags`` of
    that very text object (``pack`` then ``unpack``) returns the parts without parsing, when
    they split back exactly (``_splits_back``)."""
    global _JOINED
    tags = tuple(tags)  # iterated here and remembered: a generator only once
    lines = [plain] if plain else []
    exact = plain is None or bool(plain and "[" not in plain and plain == plain.strip())
    for side, label, value in tags:  # the checks of _label and _value inline: most need none
        if "]" in label or "\\" in label or "\n" in label:
            label, exact = _label(label), False
        if "[" in value:
            value, exact = _value(value), False
        lines.append(f"[{side} {label}] {value}".rstrip())
    joined = "\n".join(lines) or None
    if exact and joined is not None:
        _JOINED = (joined, plain, tags)
    return joined


_SIDE_NAMES = frozenset(_SIDES.split("|"))
# the last text join_tags wrote with nothing escaped, its plain part and its tags
_JOINED: tuple[str | None, str | None, tuple[Tag, ...]] = (None, None, ())


def _splits_back(tags: tuple[Tag, ...]) -> bool:
    """Tags (of a ``join_tags`` text with nothing escaped) that ``split_tags`` reads back as
    they are: each a (side, label, value) tuple of text, a known side, a label and a value with
    no space at either end (``split_tags`` strips both), the label not empty."""
    return all(type(tag) is tuple and len(tag) == 3 and type(tag[0]) is str
               and tag[0] in _SIDE_NAMES and type(tag[1]) is str and tag[1]
               and tag[1] == tag[1].strip() and type(tag[2]) is str and tag[2] == tag[2].strip()
               for tag in tags)


def disarm(comments: str | None, stale: Callable[[str], bool]) -> str | None:
    """Comments whose ``[poam-xl Label] value`` lines for a field that already holds a value
    (``stale(label)``) are made text: the line is kept in the user's part with a leading
    backslash (``\\[poam-xl Status] Completed``), so no reader takes it for a tag. The field's
    own value wins; a tag for an empty field (a value that did not fit it) stays a tag."""
    user, tags = split_tags(comments)
    text = [f"\\[{side} {_label(label)}] {_value(value)}".rstrip()
            for side, label, value in tags if side == "poam-xl" and stale(label)]
    if not text:
        return comments
    rest = [t for t in tags if not (t[0] == "poam-xl" and stale(t[1]))]
    return join_tags("\n".join([user, *text] if user else text), rest)


def _label(label: str) -> str:
    """A label as tag text: backslash, "]" and a line break escaped with a backslash."""
    if "]" in label or "\\" in label or "\n" in label:
        return label.replace("\\", "\\\\").replace("]", "\\]").replace("\n", "\\n")
    return label


def _value(value: str) -> str:
    """A value whose lines would read as tags ("a\\n[column Evil] x"): those lines escaped."""
    if "[" not in value:
        return value
    at = 0
    while True:  # the pattern is tried at line starts only (most values: one line, no tag)
        if value.startswith(("[", "\\"), at) and _TAG_LINE.match(value, at):
            return _TAG_LINE.sub(lambda m: "\\" + m.group(1), value)
        at = value.find("\n", at) + 1
        if not at:
            return value


def text_of(value: Any) -> str | None:
    """A kept value as text: dates ISO, whole floats without '.0', blanks None."""
    if type(value) is str:  # most values: no conversion
        return value.strip() or None
    if value is None:
        return None
    if type(value) is dt.date:  # text(value), never blank nor spaced
        return value.isoformat()
    if type(value) is int:
        return str(value)
    return text(value).strip() or None


def pack(comments: str | None, fields: Mapping[str, Any], side: Callable[[str], str]) -> str | None:
    """Comments followed by one ``[side label] value`` tag per non-blank field."""
    tags = [(side(label), label, t) for label, value in fields.items()
            if (t := text_of(value)) is not None]
    return join_tags((comments or "").strip() or None, tags)


def unpack(comments: str | None, sides: tuple[str, ...] = MINE) -> tuple[str | None, dict[str, str]]:
    """(comments without our tags, {label: value}) from a Comments/remarks text."""
    plain, tags = split_tags(comments)
    ours = {label: value for side, label, value in tags if side in sides and value}
    others = [tag for tag in tags if tag[0] not in sides]
    return join_tags(plain, others), ours
