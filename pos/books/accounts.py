"""The chart of accounts: which ledger account names exist, and what each is for.

Names are hierarchical, lower case, colon-separated (``assets:cash:drawer:1``).
Every account a journal entry names must match one pattern below; anything
else is refused, so a typo never creates a new account silently.

    pattern                         what it holds
    assets:cash:drawer:<n>          cash in register n's drawer
    assets:cash:float:<n>           register n's float, kept in its drawer overnight (cash.float_stays)
    assets:cash:driver:<staff>      cash a driver collected and has not handed in
    assets:cash:safe                cash dropped from drawers into the safe
    assets:clearing:<processor>     card/wallet money the processor owes us (stripe, training)
    assets:receivable:orders        what customers owe on orders; nets to zero when paid
    assets:receivable:staff:<staff> cash shortfalls and tips owed back by staff
    income:sales                    sales, before discounts, net of tax
    income:discounts                discounts given (a debit: contra-revenue)
    income:cash-rounding            cash rounding to the nearest 0.05 etc.
    liabilities:tax:<category>      sales tax collected, owed to the tax office
    liabilities:tips:<staff>        tips owed to one person
    liabilities:tips:pool           tips owed to the team, before distribution
    liabilities:payroll:tips        tips paid out through payroll, owed to staff there
    expenses:card-fees              processor fees
    expenses:cash-over-short        drawer and driver differences found when counting
    expenses:paid-out               cash paid out of a drawer for expenses
    equity:opening-balances         opening balances of an export range
    equity:owner                    money the owner puts in or takes out (the first float, paid-ins)

``<n>`` is a register number, ``<staff>`` a staff key (``pos.store.roster``),
``<category>`` a tax category code, ``<processor>`` a processor name.
"""

from __future__ import annotations

import re

from pos.base.errors import InvalidInput

_COMPONENT = r"[a-z0-9][a-z0-9\-]*"

ACCOUNT_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"assets:cash:drawer:\d+", "cash in a register's drawer"),
    (r"assets:cash:float:\d+", "a register's float, kept in its drawer overnight"),
    (rf"assets:cash:driver:{_COMPONENT}", "cash held by a driver"),
    (rf"assets:cash:tips-in-hand:{_COMPONENT}", "cash tips a person received in hand (declared, theirs)"),
    (r"assets:cash:safe", "cash in the safe"),
    (rf"assets:clearing:{_COMPONENT}", "money a processor owes us"),
    (r"assets:receivable:orders", "what customers owe on orders"),
    (rf"assets:receivable:staff:{_COMPONENT}", "what a staff member owes the store"),
    (r"income:sales", "sales, net of tax"),
    (r"income:discounts", "discounts given"),
    (r"income:cash-rounding", "cash rounding"),
    (rf"liabilities:tax:{_COMPONENT}", "tax collected"),
    (r"liabilities:tips:pool", "tips owed to the team"),
    (rf"liabilities:tips:{_COMPONENT}", "tips owed to one person"),
    (r"liabilities:payroll:tips", "tips paid through payroll"),
    (r"expenses:card-fees", "processor fees"),
    (r"expenses:cash-over-short", "cash differences"),
    (r"expenses:paid-out", "cash paid out for expenses"),
    (r"equity:opening-balances", "opening balances"),
    (r"equity:owner", "owner's money in and out"),
)

_VALID = re.compile("^(?:" + "|".join(p for p, _ in ACCOUNT_PATTERNS) + ")$")
_KNOWN: set[str] = set()
ROOTS = ("assets", "liabilities", "equity", "income", "expenses")


def check_account(name: str) -> str:
    """Return ``name`` if the chart of accounts allows it, else raise InvalidInput."""
    if name in _KNOWN:
        return name
    if not _VALID.match(name):
        raise InvalidInput(
            f"Unknown account '{name}': it matches nothing in the chart of accounts (see pos/books/accounts.py)."
        )
    if len(_KNOWN) < 100_000:  # a store has a few hundred accounts; the bound is a guard
        _KNOWN.add(name)
    return name


def check_prefix(prefix: str) -> str:
    """Validate an account prefix used as a filter (``assets:cash``)."""
    text = prefix.strip().lower().rstrip(":")
    if not text or text.split(":")[0] not in ROOTS:
        raise InvalidInput(
            f"Unknown account prefix '{prefix}': start with one of {', '.join(ROOTS)} (like assets:cash)."
        )
    if not all(re.fullmatch(_COMPONENT, part) for part in text.split(":")):
        raise InvalidInput(f"Account prefix '{prefix}' has an empty or invalid part: use names like assets:cash:drawer.")
    return text


def matches_prefix(account: str, prefix: str) -> bool:
    """Whether ``account`` is ``prefix`` or below it (whole components only)."""
    return account == prefix or account.startswith(prefix + ":")


def drawer(register: int) -> str:
    return f"assets:cash:drawer:{int(register)}"


def driver_cash(staff_key: str) -> str:
    return check_account(f"assets:cash:driver:{staff_key}")


def tips_owed(staff_key: str) -> str:
    return check_account(f"liabilities:tips:{staff_key}")


def staff_receivable(staff_key: str) -> str:
    return check_account(f"assets:receivable:staff:{staff_key}")


def tips_in_hand(staff_key: str) -> str:
    return check_account(f"assets:cash:tips-in-hand:{staff_key}")


def tax(category: str) -> str:
    return check_account(f"liabilities:tax:{category}")


SALES = "income:sales"
DISCOUNTS = "income:discounts"
RECEIVABLE_ORDERS = "assets:receivable:orders"
CASH_OVER_SHORT = "expenses:cash-over-short"
CARD_FEES = "expenses:card-fees"
TIP_POOL = "liabilities:tips:pool"
PAYROLL_TIPS = "liabilities:payroll:tips"
OPENING = "equity:opening-balances"
