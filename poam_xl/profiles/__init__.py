"""Profiles: a framework's column set, allowed values, due-date policy defaults and extra rules.

Each profile module (``profiles/<name>.py``) defines ``PROFILE = Profile(...)``; ``PROFILES``
lists them all. The DSS profile is the default and the base: a profile changes what it must
and reuses the rest (the column model, the core rules, the derived columns).
"""

from __future__ import annotations

from .. import layouts
from ..errors import UsageError
from . import cmmc, emass, fedramp, generic
from .base import DSS, Context, Profile, RuleFn

__all__ = ["AUTO", "DSS", "NAMES", "PROFILES", "Context", "Profile", "RuleFn", "check_name",
           "for_template", "get"]

PROFILES: dict[str, Profile] = {p.name: p for p in (
    DSS, fedramp.PROFILE, emass.PROFILE, cmmc.PROFILE, generic.PROFILE)}
NAMES = tuple(PROFILES)
AUTO = "auto"  # each file under the profile of the template it is recognised as
AUTO_LAYOUTS = layouts.ORDER  # the layouts an automatic read tries, in order


def get(name: str) -> Profile:
    """The profile called ``name`` (dss, fedramp, emass, cmmc, generic); UsageError for another
    name ("auto" is not a profile: see ``for_template``)."""
    if name not in PROFILES:
        raise UsageError(f"unknown profile {name!r}: choose one of {', '.join((AUTO, *NAMES))}")
    return PROFILES[name]


def check_name(name: str) -> str:
    """``name`` if it is a profile or "auto"; UsageError otherwise (before any file is read)."""
    if name != AUTO:
        get(name)
    return name


def for_template(template: str) -> Profile:
    """The profile of a recognised template: fedramp-* -> fedramp, emass-* -> emass, cmmc,
    generic; anything else (dss) -> dss."""
    family = template.split("-")[0]
    return PROFILES.get(family, DSS) if family in ("fedramp", "emass", "cmmc", "generic") else DSS
