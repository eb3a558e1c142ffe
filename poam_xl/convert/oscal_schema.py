"""Validate a document against the shipped official OSCAL POA&M JSON schema (data/oscal/).

The validator is jsonschema-rs (compiled once, Draft 7, formats checked: date-time, email, uri,
uri-reference). Its regex engine honours the schema's Unicode classes (``\\p{L}``, ``\\p{N}``)
and ECMA-262 anchors (``$`` is the end of the text: a trailing newline does not match).
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

import jsonschema_rs

SCHEMA_FILE = "oscal_poam_schema.json"


@functools.lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    text = resources.files("poam_xl").joinpath("data", "oscal", SCHEMA_FILE).read_text("utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


@functools.lru_cache(maxsize=1)
def validator() -> Any:
    """The compiled Draft 7 validator of the schema (formats validated)."""
    return jsonschema_rs.Draft7Validator(schema(), validate_formats=True)


def errors(doc: dict[str, Any], limit: int = 20) -> list[str]:
    """Schema violations as one-line texts with their JSON path (empty list = valid)."""
    v = validator()
    if v.is_valid(doc):
        return []
    out = []
    for err in v.iter_errors(doc):
        where = "/".join(str(p) for p in err.instance_path) or "(root)"
        out.append(f"{where}: {err.message[:200]}")
        if len(out) >= limit:
            break
    return out
