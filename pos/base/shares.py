"""Splitting an amount exactly: over weights by largest remainder (deterministic ties), and rounding half up."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from pos.base.errors import InvalidInput
from pos.base.money import Money


def _as_scaled_ints(weights: Sequence[int | Decimal]) -> list[int]:
    """Validate weights and scale them all by one power of ten into ints.

    Shares only depend on the weights' ratios, so a common scale factor turns
    Decimal weights into integers and keeps allocate() in exact integer
    arithmetic.
    """
    checked: list[tuple[int, int]] = []  # (digits as int, decimal exponent)
    for index, weight in enumerate(weights):
        if isinstance(weight, bool) or not isinstance(weight, (int, Decimal)):
            raise TypeError(
                f"allocate() weights must be int or Decimal, not {type(weight).__name__} "
                f"(weight {index + 1})"
            )
        if isinstance(weight, Decimal):
            if not weight.is_finite():
                raise InvalidInput(f"Weight {index + 1} ('{weight}') is not a number: use digits.")
            sign, digits, exp = weight.as_tuple()
            assert isinstance(exp, int)
            value = int("".join(map(str, digits)))
            if sign and value:
                raise InvalidInput(f"Weight {index + 1} ('{weight}') cannot be negative.")
            checked.append((value, exp))
        else:
            if weight < 0:
                raise InvalidInput(f"Weight {index + 1} ('{weight}') cannot be negative.")
            checked.append((weight, 0))
    scale = max((-exp for _, exp in checked if exp < 0), default=0)
    return [value * 10 ** (exp + scale) for value, exp in checked]


def allocate(total: int, weights: Sequence[int | Decimal]) -> list[int]:
    """Split the integer ``total`` into parts proportional to ``weights``.

    The parts always add up to exactly ``total`` and each is within one unit
    of its exact share.  Largest-remainder method: every part gets the floor
    of its exact share, then the units left over go one each to the parts with
    the largest remainders, ties to the lower index, so the result is
    deterministic.  A negative total is split as its magnitude and negated,
    so ``allocate(-t, w)`` is ``-allocate(t, w)`` part by part.

    Weights are non-negative ``int`` or ``Decimal``; a zero weight gets 0.
    Empty or all-zero weights raise :class:`InvalidInput`.
    """
    if isinstance(total, bool) or not isinstance(total, int):
        raise TypeError(f"allocate() total must be an int of minor units, not {type(total).__name__}")
    if len(weights) == 0:
        raise InvalidInput("Nothing to split between: give at least one share.")
    scaled = _as_scaled_ints(weights)
    weight_sum = sum(scaled)
    if weight_sum == 0:
        raise InvalidInput("Every share is zero: give at least one share more than zero.")

    magnitude = abs(total)
    # share_i = magnitude * w_i / W exactly; divmod gives its floor and a
    # remainder over the common denominator W, so remainders compare as ints.
    floors_and_rests = [divmod(magnitude * w, weight_sum) for w in scaled]
    parts = [floor for floor, _ in floors_and_rests]
    leftover = magnitude - sum(parts)
    # leftover < len(parts), and it equals the sum of the fractional parts, so
    # only parts with a non-zero remainder (never a zero weight) get a unit.
    order = sorted(range(len(parts)), key=lambda i: (-floors_and_rests[i][1], i))
    for i in order[:leftover]:
        parts[i] += 1
    return [-p for p in parts] if total < 0 else parts


def round_half_up(value: Decimal | int) -> int:
    """Round ``value`` to a whole number, halves away from zero.

    ``2.5 -> 3``, ``-2.5 -> -3``, ``2.4999 -> 2``: the rule receipts and tax
    authorities expect, unlike Python's round() which rounds halves to even.
    Use it to turn an exact ``Decimal`` in minor units (e.g. a tax amount)
    into an ``int`` for :class:`Money`.
    """
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise TypeError(f"round_half_up() needs a Decimal or int, not {type(value).__name__}")
    if isinstance(value, int):
        return value
    if not value.is_finite():
        raise ValueError(f"round_half_up() cannot round {value!r}")
    # to_integral_value is exact regardless of the context's precision.
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))
