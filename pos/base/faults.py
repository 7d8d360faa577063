"""Named points in multi-step flows where tests can make the process die.

Production code calls :func:`hit` at each point between two steps of a flow
(after the payment row is written, before its journal entry...).  Nothing is
registered in normal running, so a hit costs one dict lookup.  The crash
tests register a hook that SIGKILLs the process, then check that the store
is consistent and recoverable afterwards.
"""

from __future__ import annotations

from typing import Callable

_hooks: dict[str, Callable[[], None]] = {}


def hit(point: str) -> None:
    """Run the hook registered for ``point``, if any."""
    hook = _hooks.get(point)
    if hook is not None:
        hook()


def on(point: str, hook: Callable[[], None]) -> None:
    """Register ``hook`` to run when the flow reaches ``point`` (tests only)."""
    _hooks[point] = hook


def clear() -> None:
    _hooks.clear()
