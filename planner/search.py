"""The least value at which a monotone test passes."""

from __future__ import annotations

from collections.abc import Callable


def least_passing(passes: Callable[[int], bool], low: int, high: int) -> int | None:
    """The least ``n`` in ``low..high`` with ``passes(n)``, None if none does.

    ``passes`` must be monotone (once true, true for every larger value): a binary
    search, about log2(high - low) calls.
    """
    if low > high or not passes(high):
        return None
    while low < high:
        middle = (low + high) // 2
        if passes(middle):
            high = middle
        else:
            low = middle + 1
    return low
