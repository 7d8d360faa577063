"""Cash drawers: one per register, opened with a float, and what they should hold.

The drawer's expected cash is never kept as a running number that could
drift: it is the balance of the register's ledger account
(``assets:cash:drawer:<n>``), which every cash event posts to.
:func:`drawer_parts` sorts that account's postings since the drawer opened
by what caused them, and :func:`expected_drawer` is the formula over those
parts; ``pos drawer status`` shows them, and the day close checks the
formula against the balance.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from pos.books import accounts, ledger
from pos.sales import posting_rules
from pos.base.errors import Conflict, InvalidInput, NotAllowed
from pos.store.registers import check_register
from pos.store.store import iso, new_id, parse_iso, utc_now
from pos.cash import floats

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.roster import StaffMember
    from pos.store.store import Store


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
    """Since the drawer opened: float, cash taken, cash tips, change given, refunds, paid-ins/outs, drops,
    hand-ins, tip payouts (each signed as it moved the drawer)."""


def current(store: "Store", register: int) -> Drawer | None:
    row = store.one("SELECT * FROM drawers WHERE register = ? AND closed_at IS NULL", (check_register(register),))
    return Drawer(row["id"], row["register"], parse_iso(row["opened_at"]), row["float_minor"]) if row else None


class DrawerNotOpen(NotAllowed):
    """Cash was to go in or out of a register's drawer that is not open; ``register`` says which.

    The message names the one-shot command that opens it; a screen with its own way of opening
    the drawer (the register's ``float``) says that instead.
    """

    def __init__(self, register: int) -> None:
        super().__init__(f"Drawer {register} is not open: open it with its float, "
                         f"'pos drawer open --float AMOUNT --register {register}'.")
        self.register = register


def require_open(store: "Store", register: int) -> Drawer:
    drawer = current(store, register)
    if drawer is None:
        raise DrawerNotOpen(register)
    return drawer


def _amount(store: "Store", text: str, what: str) -> int:
    from pos.base.money_input import parse_amount

    s = store.settings
    try:
        return parse_amount(text, s.currency, s.locale, allow_zero=False).amount_minor
    except InvalidInput as exc:
        raise InvalidInput(f"{what}: {exc.message}") from None


def open_drawer(store: "Store", register: int, float_text: str | None, *,
                counted_by: "StaffMember | None" = None) -> Drawer:
    """Open a register's drawer with its float: cash that was already the store's (:mod:`pos.cash.floats`: kept in the
    drawer since the last close, from the safe, or put in by the owner, the store's first float).  With no float
    given, the float the last close kept in the drawer.  Cash from the safe is counted by a manager, their PIN typed
    (``counted_by``; :func:`pos.cash.floats.check_count`)."""
    from pos.base.money_input import parse_amount

    register = check_register(register)
    s = store.settings
    asked = None if float_text is None else parse_amount(float_text, s.currency, s.locale).amount_minor
    with store.write() as conn:
        if current(store, register) is not None:
            raise Conflict(f"Drawer {register} is already open: see it with 'pos drawer status --register {register}'.")
        float_minor = asked if asked is not None else floats.source_of(store, register, 0).kept_minor
        if asked is None and not float_minor:
            raise InvalidInput(f"Drawer {register} kept no float from its last close: give the float it opens with "
                               f"(--float 150).")
        source = floats.source_of(store, register, float_minor)
        floats.check_count(store, register, source, counted_by)
        drawer_id = int(conn.execute(
            "INSERT INTO drawers(register, opened_at, float_minor, first_entry) "
            "VALUES (?, ?, ?, (SELECT coalesce(max(id), 0) + 1 FROM journal_entries))",
            (register, iso(utc_now()), float_minor),
        ).lastrowid or 0)
        if float_minor or source.to_safe_minor:
            ledger.post(store, f"drawer:{drawer_id}:float", f"Float for drawer {register}: {source.said(store)}",
                        ledger.SourceKind.DRAWER, f"drawer:{register}", floats.postings(register, source, s.currency))
        from pos.store import audit

        audit.changed(store, audit.Event.DRAWER_CASH, f"drawer {register}", None, {"expected_minor": float_minor},
                      kind="opened", register=register, kept_minor=source.kept_minor, from_safe_minor=source.safe_minor,
                      from_owner_minor=source.owner_minor, to_safe_minor=source.to_safe_minor,
                      counted_by=counted_by.name if counted_by is not None else None)
    drawer = current(store, register)
    assert drawer is not None
    return drawer


def expected_cash(store: "Store", register: int) -> int:
    """What the drawer should hold now: its ledger account's balance."""
    account = accounts.drawer(check_register(register))
    return ledger.balances(store, prefix=account).get((account, store.settings.currency), 0)


def spendable_cash(store: "Store", register: int) -> int:
    """What may still leave the drawer now: its expected cash less what is promised out of it and not yet booked.

    Refunds requested from it (another register's now, or one a crash interrupted) and the change of
    cash payments requested at it hold their cash until they are booked or fail.  Read it inside the
    ``store.write()`` that spends: the check and the spending are then one decision.
    """
    register = check_register(register)
    account = accounts.drawer(register)
    refunds_held = int(store.scalar(
        "SELECT coalesce(sum(r.amount_minor + r.tip_minor), 0) FROM refunds r JOIN payments p ON p.id = r.payment_id "
        "WHERE r.state = 'requested' AND (r.from_account = ? OR (r.from_account IS NULL AND r.register = ? "
        "AND p.tender IN ('cash', 'cod')))", (account, register)))
    change_held = int(store.scalar(
        "SELECT coalesce(sum(change_minor), 0) FROM payments WHERE state = 'requested' AND tender = 'cash' "
        "AND register = ?", (register,)))
    return expected_cash(store, register) - refunds_held - change_held


def move(store: "Store", register: int, kind: Movement, amount_text: str, reason: str) -> ledger.Entry:
    """A paid-in, paid-out or drop, with its reason; cash that is not there cannot leave."""
    from pos.base.text import clean_line

    why = clean_line(reason, f"{kind.value} reason")
    drawer = require_open(store, register)
    if not why:
        raise InvalidInput(f"A {kind.value} needs a reason (like 'ice from the shop'): give --reason.")
    amount = _amount(store, amount_text, f"The {kind.value} amount")
    currency = store.settings.currency
    account = accounts.drawer(drawer.register)
    with store.write():
        held = expected_cash(store, drawer.register)
        if kind is not Movement.PAID_IN:
            spendable = spendable_cash(store, drawer.register)
            if amount > spendable:
                from pos.base.money_format import store_money

                if spendable < held:
                    raise NotAllowed(
                        f"Drawer {drawer.register} should hold {store_money(store, held)}, of which "
                        f"{store_money(store, held - spendable)} is promised to refunds or change not yet booked: "
                        f"a {kind.value} of more than {store_money(store, spendable)} cannot be right. "
                        "Run 'pos payments recover' if one was interrupted."
                    )
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
        entry = ledger.post(
            store, f"drawer:{drawer.id}:{kind.value}:{new_id('mv')}", f"{kind.value.capitalize()} drawer {drawer.register}: {why}",
            ledger.SourceKind.DRAWER, f"drawer:{drawer.register}", postings,
        )
        from pos.store import audit

        after = held + amount if kind is Movement.PAID_IN else held - amount
        audit.changed(store, audit.Event.DRAWER_CASH, f"drawer {drawer.register}", {"expected_minor": held},
                      {"expected_minor": after}, kind=kind.value, amount_minor=amount, reason=why, entry=entry.id)
        return entry


def no_sale(store: "Store", register: int, reason: str) -> Drawer:
    """Open the drawer without a sale (change for a note, a check): no money moves, the audit trail says why."""
    from pos.store import audit

    from pos.base.text import clean_line

    why = clean_line(reason, "no-sale reason")
    drawer = require_open(store, register)
    if not why:
        raise InvalidInput("Opening the drawer without a sale needs a reason (like 'change for a $20'): give --reason.")
    audit.record(store, audit.Event.NO_SALE, {"reason": why}, register=drawer.register)
    return drawer


class DrawerParts(NamedTuple):
    """What moved through a drawer since it opened, each as a positive amount."""

    float_minor: int = 0
    cash_sales_minor: int = 0
    cash_tips_minor: int = 0
    paid_ins_minor: int = 0
    hand_ins_minor: int = 0
    change_minor: int = 0
    refunds_minor: int = 0
    paid_outs_minor: int = 0
    drops_minor: int = 0
    tip_payouts_minor: int = 0


def expected_drawer(parts: DrawerParts) -> int:
    """The cash a drawer should hold.

    expected = float + cash sales + cash tips kept in the drawer + paid-ins
               + drivers' hand-ins - change given - cash refunds - paid-outs
               - drops - tip payouts from the drawer

    Cash sales count the notes handed over for sales, the tip apart: a $20
    note for a $13.61 sale with a $2.00 tip is 18.00 of cash sales, 2.00 of
    tips and 4.39 of change given.  The ledger keeps the same figure as the drawer account's
    balance; the day close checks that both agree before it trusts either.
    """
    return (parts.float_minor + parts.cash_sales_minor + parts.cash_tips_minor + parts.paid_ins_minor
            + parts.hand_ins_minor - parts.change_minor - parts.refunds_minor - parts.paid_outs_minor
            - parts.drops_minor - parts.tip_payouts_minor)


def drawer_parts(store: "Store", drawer_id: int) -> DrawerParts:
    """Sort every posting to a drawer's account since it opened into the parts of :func:`expected_drawer`."""
    row = store.one("SELECT register, first_entry FROM drawers WHERE id = ?", (drawer_id,))
    assert row is not None
    account = accounts.drawer(row["register"])
    first = row["first_entry"]
    totals = dict.fromkeys(DrawerParts._fields, 0)
    for text, key, kind in store.tuples(
        "SELECT postings, key, source_kind FROM journal_entries WHERE id >= ? AND postings LIKE ?",
        (first, f"%{account} %"),
    ):
        mine = taken = given = tips = 0
        for line in text.split("\n"):  # one pass: a busy drawer has tens of thousands of entries
            name, amount_text, _ = line.split(" ")
            if name == account:
                amount = int(amount_text)
                mine += amount
                if amount > 0:
                    taken += amount
                else:
                    given -= amount
            elif name.startswith("liabilities:tips:"):
                tips -= int(amount_text)
        if key.endswith(":float"):
            totals["float_minor"] += mine
        elif ":paid-in:" in key:
            totals["paid_ins_minor"] += mine
        elif ":paid-out:" in key:
            totals["paid_outs_minor"] -= mine
        elif ":drop:" in key:
            totals["drops_minor"] -= mine
        elif key.endswith(":count") or key.endswith(":close"):
            continue  # the count and the close end the drawer's life: nothing after them is its own
        elif kind == ledger.SourceKind.PAYMENT.value:
            totals["cash_tips_minor"] += tips
            totals["cash_sales_minor"] += taken - tips
            totals["change_minor"] += given
        elif kind == ledger.SourceKind.REFUND.value:
            totals["refunds_minor"] -= mine
        elif kind == ledger.SourceKind.DRIVER.value:
            totals["hand_ins_minor"] += mine
        elif kind == ledger.SourceKind.TIPS.value:
            totals["tip_payouts_minor"] -= mine
        else:  # anything else that moved this drawer: keep the books and the formula in step
            totals["paid_ins_minor" if mine > 0 else "paid_outs_minor"] += abs(mine)
    return DrawerParts(**totals)


# How ``pos drawer status`` names each part, with the sign it has in the drawer.
_SHOWN = (
    ("float", "float_minor", 1), ("cash taken", "cash_sales_minor", 1), ("cash tips", "cash_tips_minor", 1),
    ("change given", "change_minor", -1), ("cash refunds", "refunds_minor", -1), ("paid-ins", "paid_ins_minor", 1),
    ("paid-outs", "paid_outs_minor", -1), ("drops", "drops_minor", -1), ("driver hand-ins", "hand_ins_minor", 1),
    ("tip payouts", "tip_payouts_minor", -1),
)


def status(store: "Store", register: int) -> DrawerStatus:
    """Expected cash now, and where it came from since the drawer opened (the parts of :func:`expected_drawer`)."""
    register = check_register(register)
    drawer = current(store, register)
    breakdown: dict[str, int] = {}
    if drawer is not None:
        parts = drawer_parts(store, drawer.id)._asdict()
        breakdown = {name: sign * parts[field] for name, field, sign in _SHOWN if parts[field]}
    return DrawerStatus(register, drawer, expected_cash(store, register), breakdown)
