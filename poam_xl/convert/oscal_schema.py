"""Validate a document against the shipped official OSCAL POA&M JSON schema (data/oscal/).

The schema's patterns use Unicode classes (``\\p{L}``, ``\\p{N}``) that Python's ``re`` lacks, so
the ``pattern`` keyword is checked with the ``regex`` package (ECMA-262 ``$`` = end of text).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from importlib import resources
from typing import Any

import regex
from jsonschema import Draft7Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError

SCHEMA_FILE = "oscal_poam_schema.json"


@functools.cache
def _compiled(pattern: str) -> Any:
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return regex.compile(pattern)


def _pattern(_validator: Any, patrn: str, instance: Any, _schema: Any) -> Iterator[ValidationError]:
    if isinstance(instance, str) and not _compiled(patrn).search(instance):
        yield ValidationError(f"{instance!r} does not match {patrn!r}")


@functools.lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    text = resources.files("poam_xl").joinpath("data", "oscal", SCHEMA_FILE).read_text("utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


@functools.lru_cache(maxsize=1)
def validator() -> Any:
    cls = validators.extend(Draft7Validator, {"pattern": _pattern})
    return cls(schema(), format_checker=FormatChecker())


def errors(doc: dict[str, Any], limit: int = 20) -> list[str]:
    """Schema violations as one-line texts with their JSON path (empty list = valid)."""
    out = []
    for err in validator().iter_errors(doc):
        where = "/".join(str(p) for p in err.absolute_path) or "(root)"
        out.append(f"{where}: {err.message[:200]}")
        if len(out) >= limit:
            break
    return out
