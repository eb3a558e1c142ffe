"""Profiles: a framework's column set, allowed values, due-date policy defaults and extra rules.

Each profile module (``profiles/<name>.py``) defines ``PROFILE = Profile(...)``; ``PROFILES``
lists them all. The DSS profile is the default and the base: a profile changes what it must
and reuses the rest (the column model, the core rules, the derived columns).
"""

from __future__ import annotations

from ..errors import UsageError
from . import cmmc, emass, fedramp
from .base import DSS, Context, Profile, RuleFn

__all__ = ["DSS", "NAMES", "PROFILES", "Context", "Profile", "RuleFn", "get"]

PROFILES: dict[str, Profile] = {p.name: p for p in (DSS, fedramp.PROFILE, emass.PROFILE, cmmc.PROFILE)}
NAMES = tuple(PROFILES)


def get(name: str) -> Profile:
    """The profile called ``name`` (dss, fedramp, emass, cmmc); UsageError for another name."""
    if name not in PROFILES:
        raise UsageError(f"unknown profile {name!r}: choose one of {', '.join(NAMES)}")
    return PROFILES[name]
