"""Words for counts in messages people read: "1 order", "2 orders", "1 entry", "3 entries".

Every message that puts a number before a noun goes through :func:`counted`, so no screen,
report or refusal says "1 orders".  English only, as every message is today; irregular
plurals are given by the caller (``counted(n, "person", "people")``).
"""

from __future__ import annotations

_VOWELS = frozenset("aeiou")


def plural_of(noun: str) -> str:
    """The regular English plural of ``noun``: order -> orders, entry -> entries, box -> boxes."""
    if len(noun) > 1 and noun.endswith("y") and noun[-2] not in _VOWELS:
        return noun[:-1] + "ies"
    if noun.endswith(("s", "x", "z", "ch", "sh")):
        return noun + "es"
    return noun + "s"


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """``count`` and ``noun`` in the right number: ``counted(1, "order")`` is "1 order"."""
    word = noun if count == 1 else (plural or plural_of(noun))
    return f"{count:,} {word}"


def listed(things: "list[str]") -> str:
    """Things in a sentence: "Alice", "Alice and Bob", "Alice, Bob and Dave"."""
    if len(things) <= 1:
        return "".join(things)
    return f"{', '.join(things[:-1])} and {things[-1]}"


def are(things: "list[str]") -> str:
    """Things named as the subject of a sentence: "Alice is", "Alice and Bob are"."""
    return f"{listed(things)} {'is' if len(things) == 1 else 'are'}"
