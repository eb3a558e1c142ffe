"""Bulk object building without the cyclic garbage collector's pauses.

Reading or writing a 10,000-item POA&M allocates hundreds of thousands of small dicts, cells and
strings that all stay alive; the collector would walk them again and again for nothing (none
forms a cycle to free). ``paused()`` turns it off for the block and back on after (only when it
was on), so memory is still freed by reference counting as usual.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """The block runs with the cyclic collector off (restored after, also on an error)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
