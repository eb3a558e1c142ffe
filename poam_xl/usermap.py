"""Your own header mapping, for layouts the field vocabulary cannot place.

``--map 'Header=field'`` (repeatable) and ``--mapping FILE`` (TOML, YAML or JSON: a table of
header text -> field) take precedence over the vocabulary; ``--save-mapping FILE`` writes the
mapping a read used, in the same format, to edit and pass back. A field is a column-model key
(``description``, ``milestone_date`` ...), ``milestone.<key>`` for a milestone column, or
``keep`` / an empty value for a column that maps to no field (kept as it is). Headers match
case-, space- and punctuation-insensitively, as the vocabulary does.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from . import model
from .errors import UsageError
from .write import atomic_path

KEEP = ("", "keep", "none", "null", "-")
Overrides = tuple[tuple[str, str | None], ...]  # (normalised header, target); hashable


def fields() -> list[str]:
    """Every target a header can be mapped to."""
    return ([c.key for c in model.ITEM_COLUMNS if not c.derived]
            + [f"milestone.{c.key}" for c in model.MILESTONE_COLUMNS if c.key != "item_number"])


def _target(header: str, value: Any, where: str) -> str | None:
    text = "" if value is None else str(value).strip()
    if text.lower() in KEEP:
        return None
    if text not in fields():
        raise UsageError(f"{where}: {header!r} maps to {text!r}, which is not a field; use one of "
                         f"{', '.join(fields())} or keep")
    return text


def parse(pairs: Iterable[str], file: str | Path | None = None) -> Overrides:
    """The overrides of ``--mapping FILE`` then ``--map 'Header=field'`` (later ones win).

    Raises UsageError for a malformed pair, an unreadable file or an unknown field.
    """
    found: dict[str, str | None] = {}
    if file is not None:
        for header, value in load(file).items():
            found[model.normalise_header(header)] = _target(header, value, str(file))
    for pair in pairs:
        header, sep, value = pair.rpartition("=")
        if not sep or not header.strip():
            raise UsageError(f"--map {pair!r}: write it as 'Header=field'")
        found[model.normalise_header(header)] = _target(header.strip(), value, "--map")
    return tuple(found.items())


def load(path: str | Path) -> dict[str, Any]:
    """A mapping file as {header: field}: TOML (.toml), YAML (.yaml/.yml) or JSON (else); a
    top-level "mapping" table is used when present."""
    p = Path(path)
    from .package import not_regular

    if why := not_regular(p):  # a named pipe would wait for a writer forever
        raise UsageError(why, path=p)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read the mapping file ({exc.strerror})", path=p) from None
    try:
        if p.suffix.lower() == ".toml":
            import tomllib

            data: Any = tomllib.loads(text)
        elif p.suffix.lower() in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text)
        else:
            data = json.loads(text)
    except Exception as exc:  # noqa: BLE001 - any parser's error: one line naming the file
        raise UsageError(f"not a readable mapping file ({type(exc).__name__}: "
                         f"{str(exc).splitlines()[0][:120] if str(exc) else ''})", path=p) from None
    if isinstance(data, Mapping) and isinstance(data.get("mapping"), Mapping):
        data = data["mapping"]
    if not isinstance(data, Mapping):
        raise UsageError("a mapping file holds a table of header -> field", path=p)
    return {str(k): v for k, v in data.items()}


MAPPING_SUFFIXES = (".toml", ".yaml", ".yml", ".json")


def unmatched(overrides: Overrides, mappings: Iterable[list[dict[str, Any]]]) -> list[str]:
    """The normalised headers of ``overrides`` that no column of any read matched: each entry
    of ``mappings`` is one read's ``Poam.mapping()`` (dicts with ``header``). A header under a
    group title ('Milestones ... Milestone') matches by its own name too, as the reader does.
    Empty when nothing was read. The shells report these: an entry naming a header the files do
    not have is never ignored without a word."""
    heads = {model.normalise_header(str(m["header"])) for one in mappings for m in one
             if m.get("header")}
    if not heads:
        return []
    return [key for key, _ in overrides
            if key and not any(h == key or h.endswith(key) for h in heads)]


def warn_unmatched(keys: list[str], where: str, pairs: Iterable[str] = (),
                   file: str | Path | None = None) -> str:
    """The one stderr line for ``unmatched``'s headers (``where``: 'FILE' or 'any file read'),
    each named as the user wrote it in ``pairs`` / ``file`` (the arguments of ``parse``)."""
    typed = {model.normalise_header(h): h for h in (load(file) if file is not None else {})}
    typed |= {model.normalise_header(h): h.strip() for h, _, _ in
              (p.rpartition("=") for p in pairs)}
    shown = ", ".join(repr(typed.get(k, k)) for k in keys)
    return (f"poam-xl: warning: --map/--mapping: no column of {where} has the header "
            f"{shown} (headers compared ignoring case, spaces and punctuation): not used")


def check_target(path: str | Path | None) -> None:
    """UsageError unless ``path`` (a --save-mapping file) is named .toml, .yaml/.yml or .json
    (what ``save`` writes): a mapping never lands over a workbook or another file kind."""
    if path is not None and Path(path).suffix.lower() not in MAPPING_SUFFIXES:
        raise UsageError(f"--save-mapping {path}: a mapping file is .toml, .yaml or .json")


def save(path: str | Path, mapping: list[dict[str, Any]]) -> Path:
    """Write the mapping a read used (``Poam.mapping()``) as header -> field, atomically."""
    out = Path(path)
    table = {m["header"]: (m["field"] or "keep") for m in mapping if m.get("header")}
    suffix = out.suffix.lower()
    if suffix == ".toml":
        import tomli_w

        text = tomli_w.dumps({"mapping": table})
    elif suffix in (".yaml", ".yml"):
        import yaml

        text = yaml.safe_dump({"mapping": table}, allow_unicode=True, sort_keys=False)
    else:
        text = json.dumps({"mapping": table}, indent=2, ensure_ascii=False) + "\n"
    with atomic_path(out) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return out
