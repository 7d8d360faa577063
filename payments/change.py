"""Change for cash: what a customer's notes and coins pay, what goes back, and cash rounding.

The customer may hand over more than is due (a $100 bill for an $18.40
pizza): :func:`cash_terms` works out what is applied to the order, the tip
kept from the change, the change given back, and the rounding when the store
rounds cash totals (to 0.05, say; posted to ``income:cash-rounding``);
:func:`suggest_change` says which notes and coins to give, and
:func:`change_said` puts it in the words every screen uses (``pos pay``, the
register, the demo).  Plain arithmetic: the payment flow (:mod:`payments.flow`)
uses it for every tender that gives change, and it knows no tender.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

from pos.base.errors import InvalidInput


class CashTerms(NamedTuple):
    applied_minor: int
    """What goes toward the order."""
    tip_minor: int
    change_minor: int
    rounding_minor: int
    """Rounded due minus exact due (positive: the store gains); zero unless cash settles the order."""


def round_to_step(amount_minor: int, step_minor: int) -> int:
    """Round to the nearest multiple of ``step_minor``, halves up (0 or 1: no rounding)."""
    if step_minor <= 1:
        return amount_minor
    quotient, remainder = divmod(amount_minor, step_minor)
    return (quotient + (1 if remainder * 2 >= step_minor else 0)) * step_minor


def cash_terms(due_minor: int, tendered_minor: int, tip_minor: int = 0, step_minor: int = 0) -> CashTerms:
    """Split what the customer handed over into applied, tip, change and rounding.

    Cash settles the order when it covers the rounded due plus the tip, or
    at least the exact due (29.94 for 29.93 when rounding to 0.05: the extra
    cent is rounding, not change).  Less pays part of the order (a split
    tender), with no rounding and no change.
    """
    if tendered_minor <= 0:
        raise InvalidInput("The cash handed over must be more than zero.")
    if tip_minor < 0:
        raise InvalidInput("A tip cannot be negative.")
    rounded_due = round_to_step(due_minor, step_minor)
    for_order = tendered_minor - tip_minor
    if for_order >= min(due_minor, rounded_due):
        settled_at = rounded_due if for_order >= rounded_due else for_order
        return CashTerms(due_minor, tip_minor, for_order - settled_at, settled_at - due_minor)
    if tip_minor:
        raise InvalidInput("The cash handed over does not cover the order and the tip: take the tip from the change.")
    return CashTerms(min(tendered_minor, due_minor), 0, 0, 0)


def suggest_change(change_minor: int, denominations: tuple[int, ...]) -> list[tuple[int, int]]:
    """Notes and coins to give back, largest first: ``[(denomination, count), ...]``.

    Greedy, which is exact for every currency's real notes and coins; any
    remainder smaller than the smallest coin is returned as one entry with
    denomination 1 (it never happens with a store's own denominations).
    """
    out: list[tuple[int, int]] = []
    left = change_minor
    for value in sorted(denominations, reverse=True):
        count, left = divmod(left, value)
        if count:
            out.append((value, count))
    if left:
        out.append((1, left))
    return out


def change_said(change_minor: int, suggestion: list[tuple[int, int]], money: Callable[[int], str], *,
                space: str = " ") -> str:
    """``Change: $80.97  (1 x $50.00, 1 x $20.00, ..., 2 x $0.01)``: the change and its notes and coins.

    ``suggestion`` is :func:`suggest_change`'s answer and ``money`` formats an amount in the store's money.
    ``space`` goes inside each ``1 x $50.00``: a screen that wraps the line between words passes a no-break
    space, so a count never ends a line apart from its note.
    """
    coins = ", ".join(f"{count}{space}x{space}{money(value)}" for value, count in suggestion)
    return f"Change: {money(change_minor)}  ({coins})" if coins else f"Change: {money(change_minor)}"
