"""The generic profile: the core rules for a POA&M of another agency's or tool's layout.

A generic POA&M (found by the field vocabulary: weakness, severity, POC, scheduled completion
...) has no DSS header block, ISSM/FSO approval or DSS determination: those rules are off; the
item, date, milestone and closure rules of the core apply as to any POA&M.
"""

from __future__ import annotations

from .. import model
from .base import Profile

DISABLED = frozenset({
    "approval.required-closed",
    "determination.closed-open-item",
    "header.cage-code.format",
    "header.issm-phone.format",
    "header.last-review.missing",
    "header.last-review.stale",
    "milestones.missing-sheet",
    "milestone.missing",
    *(f"header.{f.key.replace('_', '-')}.required" for f in model.HEADER_FIELDS),
})

PROFILE = Profile(
    "generic",
    "POA&M of another layout (agency or tool export)",
    disabled=DISABLED,
    describe="Any POA&M table the reader recognises by its header words: the core item, date, "
    "milestone and closure rules; DSS-only header, approval and determination rules off.",
)
