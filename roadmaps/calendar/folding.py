"""Folding the feed's content lines (RFC 5545 3.1) without icalendar's character loop.

icalendar 7 folds every content line one character at a time, encoding each
to count its bytes: about a third of a feed's rebuild, spent mostly on lines
too short to fold. ``install`` (called once at start-up, from
``roadmaps.apps``) puts ``fold`` in its place, which gives the very same
bytes (tests/roadmaps/calendar/test_folding.py checks it against icalendar's
own on any text):

1. A line of fewer than ``limit`` bytes is left as it is.
2. An ASCII line is cut every ``limit - 1`` characters, one character sooner
   where the cut would fall just after a backslash or a caret, so an escape
   (``\\,``, RFC 6868's ``^n``) is never split (icalendar's rule).
3. Any other line is folded by icalendar's own function.

Should icalendar move its folding elsewhere, ``install`` leaves it alone and
the feed is folded the slower way (the test on ``install`` then fails).
"""

from __future__ import annotations

from collections.abc import Callable

from icalendar.parser import content_line

ESCAPE_STARTS = "\\^"


def make_fold(original: Callable[..., str]) -> Callable[..., str]:
    def fold(line: str, limit: int = 75, fold_sep: str = "\r\n ") -> str:
        if not line.isascii():
            if len(line.encode("utf-8")) < limit:
                return line
            return original(line, limit, fold_sep)
        if len(line) < limit:
            return line
        pieces, start, width = [], 0, limit - 1
        while len(line) - start > width:
            end = start + width
            if width > 1 and line[end - 1] in ESCAPE_STARTS:
                end -= 1
            pieces.append(line[start:end])
            start = end
        pieces.append(line[start:])
        return fold_sep.join(pieces)

    fold.original = original
    return fold


def install() -> bool:
    """Fold with ``fold`` from now on; False if icalendar no longer folds where expected."""
    original = getattr(content_line, "_foldline", None)
    if original is None:
        return False
    if getattr(original, "original", None) is None:
        content_line._foldline = make_fold(original)
    return True
