"""Cash drawers: one per register, opened with a float, and what they should hold.

The drawer's expected cash is never kept as a running number that could
drift: it is the balance of the register's ledger account
(``assets:cash:drawer:<n>``), which every cash event posts to.  The
breakdown shown by ``pos drawer status`` sorts that account's postings since
the drawer was opened by what caused them.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from pos import accounts, ledger, posting_rules
from pos.errors import Conflict, InvalidInput, NotAllowed
from pos.store import iso, new_id, parse_iso, utc_now

if TYPE_CHECKING:  # pragma: no cover
    from pos.store import Store


class Movement(str, enum.Enum):
    PAID_IN = "paid-in"
    PAID_OUT = "paid-out"
    DROP = "drop"


class Drawer(NamedTuple):
    id: int
    register: int
    opened_at: datetime
    float_minor: int


class DrawerStatus(NamedTuple):
    register: int
    drawer: Drawer | None
    expected_minor: int
    breakdown: dict[str, int]
    """Since the drawer opened: float, cash taken, change given, refunds, paid-ins/outs, drops, hand-ins."""


def check_register(register: int) -> int:
    if not 1 <= int(register) <= 99:
        raise InvalidInput(f"Register {register} does not exist: registers are numbered 1 to 99.")
    return int(register)


def current(store: "Store", register: int) -> Drawer | None:
    row = store.one("SELECT * FROM drawers WHERE register = ? AND closed_at IS NULL", (check_register(register),))
    return Drawer(row["id"], row["register"], parse_iso(row["opened_at"]), row["float_minor"]) if row else None


def require_open(store: "Store", register: int) -> Drawer:
    drawer = current(store, register)
    if drawer is None:
        raise NotAllowed(f"Drawer {register} is not open: open it with 'pos drawer open --float 100 --register {register}'.")
    return drawer


def _amount(store: "Store", text: str, what: str) -> int:
    from pos.money import parse_amount

    s = store.settings
    try:
        return parse_amount(text, s.currency, s.locale, allow_zero=False).amount_minor
    except InvalidInput as exc:
        raise InvalidInput(f"{what}: {exc.message}") from None


def open_drawer(store: "Store", register: int, float_text: str) -> Drawer:
    """Open a register's drawer with its float (the owner's cash put in to make change)."""
    register = check_register(register)
    from pos.money import parse_amount

    s = store.settings
    float_minor = parse_amount(float_text, s.currency, s.locale).amount_minor
    with store.write() as conn:
        if current(store, register) is not None:
            raise Conflict(f"Drawer {register} is already open: see it with 'pos drawer status --register {register}'.")
        drawer_id = int(conn.execute(
            "INSERT INTO drawers(register, opened_at, float_minor) VALUES (?, ?, ?)",
            (register, iso(utc_now()), float_minor),
        ).lastrowid or 0)
        if float_minor:
            ledger.post(
                store, f"drawer:{drawer_id}:float", f"Float for drawer {register}", ledger.SourceKind.DRAWER,
                f"drawer:{register}", posting_rules.transfer(accounts.drawer(register), "equity:owner", float_minor, s.currency),
            )
    drawer = current(store, register)
    assert drawer is not None
    return drawer


def expected_cash(store: "Store", register: int) -> int:
    """What the drawer should hold now: its ledger account's balance."""
    account = accounts.drawer(check_register(register))
    return ledger.balances(store, prefix=account).get((account, store.settings.currency), 0)


def move(store: "Store", register: int, kind: Movement, amount_text: str, reason: str) -> ledger.Entry:
    """A paid-in, paid-out or drop, with its reason; cash that is not there cannot leave."""
    drawer = require_open(store, register)
    why = " ".join((reason or "").split())
    if not why:
        raise InvalidInput(f"A {kind.value} needs a reason (like 'ice from the shop'): give --reason.")
    amount = _amount(store, amount_text, f"The {kind.value} amount")
    currency = store.settings.currency
    account = accounts.drawer(drawer.register)
    with store.write():
        if kind is not Movement.PAID_IN:
            held = expected_cash(store, drawer.register)
            if amount > held:
                from pos.money_format import store_money

                raise NotAllowed(
                    f"Drawer {drawer.register} should hold only {store_money(store, held)}: "
                    f"a {kind.value} of more than that cannot be right. Count the drawer first."
                )
        if kind is Movement.PAID_IN:
            postings = posting_rules.transfer(account, "equity:owner", amount, currency)
        elif kind is Movement.PAID_OUT:
            postings = posting_rules.transfer("expenses:paid-out", account, amount, currency)
        else:
            postings = posting_rules.transfer("assets:cash:safe", account, amount, currency)
        return ledger.post(
            store, f"drawer:{drawer.id}:{kind.value}:{new_id('mv')}", f"{kind.value.capitalize()} drawer {drawer.register}: {why}",
            ledger.SourceKind.DRAWER, f"drawer:{drawer.register}", postings,
        )


def no_sale(store: "Store", register: int, reason: str) -> Drawer:
    """Open the drawer without a sale (change for a note, a check): no money moves, the audit trail says why."""
    from pos import audit

    drawer = require_open(store, register)
    why = " ".join((reason or "").split())
    if not why:
        raise InvalidInput("Opening the drawer without a sale needs a reason (like 'change for a $20'): give --reason.")
    audit.record(store, audit.Event.NO_SALE, {"reason": why}, register=drawer.register)
    return drawer


_CATEGORIES = (
    "float", "cash taken", "change given", "cash refunds", "paid-ins", "paid-outs", "drops", "driver hand-ins",
    "tip payouts", "counted over/short", "other",
)


def _category(entry: ledger.Entry, amount: int) -> str:
    key = entry.key
    if key.endswith(":float"):
        return "float"
    if ":paid-in:" in key:
        return "paid-ins"
    if ":paid-out:" in key:
        return "paid-outs"
    if ":drop:" in key:
        return "drops"
    if entry.source_kind == ledger.SourceKind.PAYMENT.value:
        return "cash taken" if amount > 0 else "change given"
    if entry.source_kind == ledger.SourceKind.REFUND.value:
        return "cash refunds"
    if entry.source_kind == ledger.SourceKind.DRIVER.value:
        return "driver hand-ins"
    if entry.source_kind == ledger.SourceKind.TIPS.value:
        return "tip payouts"
    if ":count:" in key:
        return "counted over/short"
    return "other"


def status(store: "Store", register: int) -> DrawerStatus:
    """Expected cash now, and where it came from since the drawer opened."""
    register = check_register(register)
    drawer = current(store, register)
    account = accounts.drawer(register)
    breakdown = {name: 0 for name in _CATEGORIES}
    if drawer is not None:
        since = store.scalar(
            "SELECT coalesce(min(id), 0) FROM journal_entries WHERE posted_at >= ?", (iso(drawer.opened_at),)
        )
        for (text, key, kind, entry_id) in store.conn.execute(
            "SELECT postings, key, source_kind, id FROM journal_entries WHERE id >= ? AND postings LIKE ?",
            (since, f"%{account} %"),
        ):
            for line in text.split("\n"):
                name, amount, _ = line.split(" ")
                if name == account:
                    entry = ledger.Entry(entry_id, key, "", "", "", kind, "", None, (), "", "")
                    breakdown[_category(entry, int(amount))] += int(amount)
    return DrawerStatus(register, drawer, expected_cash(store, register), {k: v for k, v in breakdown.items() if v})
