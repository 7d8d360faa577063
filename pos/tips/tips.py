"""Tips only to real people: who may receive a tip, where a tip goes, and tips owed, declared and paid.

The rules, checked before any money moves:

1. A tip is a liability to staff (``liabilities:tips:<staff>`` or the team's
   pool), never income of the business.
2. A tip may go only to a named staff member who exists, is active, is
   tip-eligible and is on shift at the time (and has been since the order was
   rung: nobody clocks in to take a tip), or to the pool while at least one
   such person is on shift in work the tip policy admits to the pool
   (:mod:`pos.tips.tip_policy`: with a tip credit, not a kitchen shift).  Owners
   and managers never receive or share in employees' tips (US FLSA
   3(m)(2)(B)), whatever their eligibility says, with one exception: a tip
   for service they alone provided (DOL opinion letters FLSA2024-02 and
   FLSA2025-1), that is, named to themselves on an order they rang and are
   taking payment for themselves, which no driver delivered
   (:func:`own_service`).  Such a payment says so in its details
   (``tip_own_service``) and its capture is in the audit trail.
   Anything else is refused with the reason.
3. Where a tip goes when nobody is named is the store's choice per channel
   (``pos config set tips.counter pool|direct``): to the pool, or direct to
   the person who served (a delivery's driver; at the counter, a name must
   be given until registers sign cashiers in).

The pool is shared by hours worked in :mod:`pos.tips.tip_pool`.  Cash tips a
person received in hand are declared at shift end (:func:`declare_cash_tips`,
through :func:`pos.day.shifts.clock_out`, audited);
tips owed are paid out from a drawer or through payroll (:func:`payout`),
never more than is owed.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, NamedTuple

from pos.books import accounts
from pos.base.errors import AnytenderError, InvalidInput, NotAllowed
from pos.tips.tip_policy import policy_on

if TYPE_CHECKING:  # pragma: no cover
    from datetime import date, datetime

    from pos.books.ledger import Entry
    from pos.sales.order_records import Channel
    from pos.store.roster import StaffMember
    from pos.people.staff import Shift
    from pos.store.store import Store

POOL = "pool"


class TipMode(str, enum.Enum):
    """Where a tip goes when nobody is named."""

    DIRECT = "direct"
    POOL = "pool"


class Service(NamedTuple):
    """Who served an order, as a manager's or owner's tip for their own service is checked against it."""

    rung_by: int | None
    """The staff id who rang the order (``orders.created_by``)."""
    taken_by: int | None
    """The staff id taking this payment (the person signed in), None when nobody is."""
    channel: "Channel"


def service_of(store: "Store", order_id: str, taken_by: int | None) -> Service:
    """The :class:`Service` of an order, for a payment ``taken_by`` someone (a staff id)."""
    from pos.sales.order_records import Channel

    row = store.one("SELECT created_by, channel FROM orders WHERE id = ?", (order_id,))
    if row is None:
        from pos.base.errors import NotFound

        raise NotFound(f"No order {order_id}.")
    return Service(row["created_by"], taken_by, Channel(row["channel"]))


def own_service(member: "StaffMember", service: "Service | None") -> bool:
    """Whether a tip to ``member``, an owner or manager, is for service they alone provided, so theirs to keep.

    They rang the order and take its payment themselves, and nobody else served it: not a delivery
    (a driver served it too) nor a kiosk's (FLSA 3(m)(2)(B); DOL opinion letters FLSA2024-02 and
    FLSA2025-1).  Never a share of the pool, never a tip on anyone else's order.
    """
    from pos.sales.order_records import Channel
    from pos.store.roster import Role

    return (service is not None and member.active and member.role in (Role.OWNER, Role.MANAGER)
            and service.rung_by == member.id and service.taken_by == member.id
            and service.channel not in (Channel.DELIVERY, Channel.KIOSK))


def for_own_service(store: "Store", recipient: str | None) -> bool:
    """Whether a checked recipient key is an owner's or manager's (so passed only by :func:`own_service`)."""
    from pos.store.roster import Role
    from pos.people.staff import get_staff

    if recipient is None or recipient == POOL:
        return False
    return get_staff(store, recipient).role in (Role.OWNER, Role.MANAGER)


def pool_has_sharers(store: "Store") -> bool:
    """Whether someone who may share tips is on shift now, in a job today's tip policy admits to the pool."""
    from pos.people.staff import list_staff, open_shift

    policy = policy_on(store)
    for member in list_staff(store):
        if may_share_tips(member):
            shift = open_shift(store, member)
            if shift is not None and policy.counts_toward_pool(shift.job):
                return True
    return False


def may_share_tips(member: "StaffMember") -> bool:
    """Active, tip-eligible and neither owner nor manager (whose override cannot lift the law)."""
    from pos.store.roster import Role

    return member.active and member.tip_eligible and member.role not in (Role.OWNER, Role.MANAGER)


def tip_account(store: "Store", recipient: str | None, since: "datetime | None" = None,
                service: Service | None = None) -> str:
    """The ledger account a tip for ``recipient`` (a staff name or key; None or 'pool': the pool) goes to.

    ``since``: when the order was rung.  A named person must have been on shift since then, in the
    shift they are still on: clocking in after the order to take its tip is refused.  ``service``: who
    served the order, for an owner's or manager's tip for their own service (:func:`own_service`).
    """
    from pos.store.roster import Role
    from pos.people.staff import get_staff, on_shift_at, open_shift

    if recipient is None or recipient.strip().lower() == POOL:
        if not pool_has_sharers(store):
            raise NotAllowed("No tip-eligible staff member is on shift in work that shares the pool, so nobody would "
                             "receive this tip: leave it out.")
        return accounts.TIP_POOL
    member = get_staff(store, recipient)
    if not member.active:
        raise NotAllowed(f"{member.name} is deactivated: a tip cannot go to them.")
    if member.role in (Role.OWNER, Role.MANAGER):
        if own_service(member, service):
            return accounts.tips_owed(member.key)
        raise NotAllowed(f"{member.name} is {('an' if member.role is Role.OWNER else 'a')} {member.role.value}: "
                         "owners and managers may not share in employees' tips (FLSA 3(m)(2)(B)); they keep only a tip "
                         "for service they alone gave, on an order they rang and take payment for themselves, "
                         "not a delivery.")
    if not member.tip_eligible:
        raise NotAllowed(f"{member.name} is not eligible for tips.")
    if not on_shift_at(store, member):
        raise NotAllowed(f"{member.name} is not on shift: a tip goes to someone working now.")
    if since is not None:
        shift = open_shift(store, member)
        if shift is None or shift.started_at > since:
            from pos.base.errors import Refused

            started = f" at {shift.started_at.astimezone(store.settings.zone):%H:%M}" if shift else ""
            raise Refused(f"A tip for {member.name} is refused: {member.name} clocked in{started}, after this order "
                          "was rung; a tip goes to someone who was working when it was rung, or to the pool.")
    return accounts.tips_owed(member.key)


def channel_mode(store: "Store", channel: "Channel") -> TipMode:
    """The store's choice for a channel: tips to the pool, or direct."""
    from pos.store import config

    return TipMode(config.get(store, f"tips.{channel.value}"))


def recipient_for(store: "Store", channel: "Channel", tip_to: str | None, tip_minor: int,
                  driver_key: str | None = None, since: "datetime | None" = None,
                  service: Service | None = None) -> str | None:
    """The recipient key of a tip on an order (``pool`` or a staff key), checked against the rules.

    A named recipient wins.  Otherwise the channel's mode decides: the pool,
    or direct to ``driver_key`` (a delivery's driver).  With no tip yet
    (a card reader may still ask for one), a recipient who fails the rules
    gives None: the reader then offers no tip.  ``since``: when the order was rung, and ``service``:
    who served it (see :func:`tip_account`).
    """
    wanted = tip_to
    if wanted is None:
        mode = channel_mode(store, channel)
        wanted = POOL if mode is TipMode.POOL else driver_key
        if wanted is None:
            if tip_minor:
                raise NotAllowed(f"Tips on {channel.value} orders go direct to the person who served: "
                                 "say who with --tip-to NAME.")
            return None
    if not tip_minor:
        try:
            return tip_account(store, wanted, since, service).rsplit(":", 1)[1]
        except AnytenderError:  # nobody who may have it: the reader will not ask
            return None
    return tip_account(store, wanted, since, service).rsplit(":", 1)[1]


# -- owed, declared, paid ----------------------------------------------------------------


def owed_minor(store: "Store", staff_key: str) -> int:
    """Tips owed to one person now (their tips account's credit balance)."""
    from pos.books import ledger

    account = accounts.tips_owed(staff_key)
    return -ledger.balances(store, prefix=account).get((account, store.settings.currency), 0)


def declare_cash_tips(store: "Store", member: "StaffMember", amount_minor: int, shift_id: int, *,
                      by: "StaffMember | None" = None) -> "Entry":
    """Record cash tips a person received in hand (declared at shift end): theirs, and already with them.

    Two entries, so the books show both what was declared and that it was
    kept: declared (owed to them, the cash in their hand) and kept (paid).
    The declaration is in the audit trail, with who made it (``by``: the
    person, or the manager who clocked them out).
    """
    from pos.store import audit
    from pos.books import ledger
    from pos.sales.posting_rules import transfer

    if amount_minor <= 0:
        raise InvalidInput("Declared cash tips must be more than zero (leave --cash-tips out for none).")
    currency = store.settings.currency
    in_hand, owed = accounts.tips_in_hand(member.key), accounts.tips_owed(member.key)
    with store.write():
        ledger.post(store, f"tips:declared:{shift_id}", f"Cash tips declared by {member.name}",
                    ledger.SourceKind.TIPS, f"shift:{shift_id}", transfer(in_hand, owed, amount_minor, currency))
        audit.record(store, audit.Event.CASH_TIPS, {"who": member.name, "amount_minor": amount_minor,
                                                    "shift": shift_id, "by": (by or member).name},
                     staff_id=(by or member).id)
        return ledger.post(store, f"tips:kept:{shift_id}", f"Declared cash tips kept by {member.name}",
                           ledger.SourceKind.TIPS, f"shift:{shift_id}", transfer(owed, in_hand, amount_minor, currency))


class PayoutSource(str, enum.Enum):
    DRAWER = "drawer"
    PAYROLL = "payroll"


class Payout(NamedTuple):
    staff_key: str
    amount_minor: int
    source: PayoutSource
    owed_after_minor: int
    entry_id: int


def parse_source(text: str) -> PayoutSource:
    try:
        return PayoutSource(text.strip().lower())
    except ValueError:
        raise InvalidInput(f"Pay tips out --from drawer or --from payroll, not '{text}'.") from None


def payout(store: "Store", who: str, amount_minor: int | None, source: PayoutSource, register: int = 1, *,
           received_by: "StaffMember | None" = None) -> Payout:
    """Pay tips owed to a person, from a drawer's cash or to the payroll export; never more than is owed.

    Cash from a drawer is handed to the person it is owed to, there and then: ``received_by`` is them, their PIN
    typed (the caller checked it).  Without it, or for someone deactivated, the cash stays in the drawer and the
    tips go to payroll."""
    from pos.cash import drawer
    from pos.books import ledger
    from pos.base.money_format import store_money
    from pos.sales.posting_rules import transfer
    from pos.people.staff import get_staff
    from pos.store.store import new_id

    member = get_staff(store, who)
    currency = store.settings.currency
    with store.write():
        owed = owed_minor(store, member.key)
        amount = owed if amount_minor is None else amount_minor
        if amount <= 0:
            if amount_minor is not None:
                raise InvalidInput("A payout must be more than zero.")
            raise NotAllowed(f"No tips are owed to {member.name}.")
        if amount > owed:
            raise NotAllowed(f"{member.name} is owed {store_money(store, owed)} in tips, not {store_money(store, amount)}: "
                             "a payout cannot be more than is owed.")
        if source is PayoutSource.DRAWER:
            if not member.active:
                raise NotAllowed(f"{member.name} is deactivated: their tips are paid through payroll "
                                 f"('pos tips payout {member.name} --from payroll'), never as cash from a drawer.")
            if received_by is None or received_by.id != member.id:
                raise NotAllowed(f"Cash tips are handed to {member.name}, who types their PIN to receive them; when "
                                 f"{member.name} is not here, pay them --from payroll.")
            drawer.require_open(store, register)
            held = drawer.spendable_cash(store, register)  # less what refunds and change not yet booked hold
            if amount > held:
                raise NotAllowed(f"Drawer {register} holds {store_money(store, held)}: pay the rest --from payroll.")
            credit = accounts.drawer(register)
        else:
            credit = accounts.PAYROLL_TIPS
        entry = ledger.post(store, f"tips:payout:{new_id('tpo')}", f"Tips paid to {member.name} ({source.value})",
                            ledger.SourceKind.TIPS, f"staff:{member.key}",
                            transfer(accounts.tips_owed(member.key), credit, amount, currency))
        from pos.store import audit

        audit.changed(store, audit.Event.TIPS_PAID, member.name, {"owed_minor": owed}, {"owed_minor": owed - amount},
                      amount_minor=amount, source=source.value, entry=entry.id,
                      received_by=received_by.name if received_by is not None else None,
                      register=register if source is PayoutSource.DRAWER else None)
    return Payout(member.key, amount, source, owed - amount, entry.id)


def end_shift_declaring(store: "Store", who: str, cash_tips_minor: int) -> tuple["Shift", "Entry"]:
    """Clock out and declare the cash tips received in hand, in one transaction (``pos shift end --cash-tips``)."""
    from pos.people.staff import end_shift, get_staff

    if cash_tips_minor <= 0:
        raise InvalidInput("Declared cash tips must be more than zero (leave --cash-tips out for none).")
    with store.write():
        shift = end_shift(store, who)
        entry = declare_cash_tips(store, get_staff(store, who), cash_tips_minor, shift.id)
    return shift, entry


def owed_by_person(store: "Store") -> dict[str, int]:
    """Tips owed now, per person's key (and ``pool`` for the undistributed pool); only non-zero."""
    from pos.books import ledger

    prefix = "liabilities:tips"
    owed = {}
    for (account, currency), amount in ledger.balances(store, prefix=prefix).items():
        if currency == store.settings.currency and amount:
            owed[account.rsplit(":", 1)[1]] = -amount
    return owed


class PayrollLine(NamedTuple):
    business_day: str
    staff_key: str
    name: str
    amount_minor: int


def payroll_lines(store: "Store", start: "date", end: "date") -> list[PayrollLine]:
    """Tips paid out through payroll on the business days ``start``..``end``, per day and person (the export)."""
    from pos.people.staff import get_staff

    if end < start:
        raise InvalidInput(f"The export ends ({end}) before it starts ({start}): swap them.")
    sums: dict[tuple[str, str], int] = {}
    for day, text in store.tuples(
        "SELECT business_day, postings FROM journal_entries WHERE business_day BETWEEN ? AND ? "
        "AND key LIKE 'tips:payout:%' AND postings LIKE ?", (start.isoformat(), end.isoformat(),
                                                             f"%{accounts.PAYROLL_TIPS} %"),
    ):
        postings = [line.split(" ") for line in text.split("\n")]
        person = next(a.rsplit(":", 1)[1] for a, _, _ in postings if a.startswith("liabilities:tips:"))
        paid = -sum(int(m) for a, m, _ in postings if a == accounts.PAYROLL_TIPS)
        sums[(day, person)] = sums.get((day, person), 0) + paid
    return [PayrollLine(day, key, get_staff(store, key).name, amount) for (day, key), amount in sorted(sums.items())]
