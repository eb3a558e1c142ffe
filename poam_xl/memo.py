"""Memoised functions of one text whose memo stays small.

A reader asks for the same few texts (a header, a date written as text, a status) thousands of
times, so their answers are remembered (``functools.lru_cache``). Cells can also hold text of
up to 32,767 characters; remembered, thousands of those would stay alive in a long-running
process (the worksheet-function server, a Dask worker checking a folder). ``text_memo``
remembers only texts of at most ``longest`` characters: a longer one is answered by the
function itself, every time.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

LONGEST = 256  # characters of the longest text remembered (a header, a choice, a date is short)


def text_memo(maxsize: int, longest: int = LONGEST
              ) -> Callable[[Callable[[str], T]], Callable[[str], T]]:
    """Decorator: ``fn(text)`` remembered for at most ``maxsize`` texts (least recently used
    dropped first) of at most ``longest`` characters. ``cache_info`` and ``cache_clear`` are
    the memo's (``functools.lru_cache``); ``__wrapped__`` is ``fn``. ``fn`` must be pure and
    its answer immutable."""

    def decorate(fn: Callable[[str], T]) -> Callable[[str], T]:
        cached = functools.lru_cache(maxsize=maxsize)(fn)

        @functools.wraps(fn)
        def call(text: str) -> T:
            return cached(text) if len(text) <= longest else fn(text)

        wrapper: Any = call
        wrapper.cache_info, wrapper.cache_clear = cached.cache_info, cached.cache_clear
        return call

    return decorate
