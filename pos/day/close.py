"""Closing the day: open orders, drawer counts, drivers' cash, card settlement, the tip pool, then a lock.

:func:`close_day` walks the steps an owner takes at the end of a business
day, checking everything before it writes anything:

1. The day must be over (past its rollover) unless forced, and not closed; a day the calendar has not
   reached is never closed, forced or not: at most the calendar's own business day closes early, and
   new orders then wait on the next day until it begins.
2. Open orders (of this day, or of an earlier closed day) must be paid or
   voided first, or carried over by choice: each moves to the next open day
   with the next number there, the move recorded in ``order_moves`` and
   shown in both days' Z reports, so an order's day is always the day its
   money lands on.
3. Every drawer open on the register must be counted, by denomination
   (``100x2,20x5,0.25x4``) or as a total.  The difference from the expected
   cash (:func:`pos.cash.drawer.expected_drawer`) is posted to ``expenses:cash-over-short``
   with the counter's name, the counted cash moves to the safe (but for the
   drawer's float, when the store keeps it in the drawer overnight:
   :mod:`pos.cash.floats`), and the drawer is closed (the next opening takes its
   float from what stayed, or from the safe).
4. Drivers still holding cash are listed (money not yet in a drawer), and every hand-in a driver started that the
   person receiving it has not yet counted (its cash is still the driver's in the books).
5. Card payments are matched against the processor's settlement lines
   (the caller passes them in: the core never talks to a processor).
6. The day's tip pool is shared by hours (:mod:`pos.tips.tip_pool`).  Staff still clocked in (on that
   day or before) are listed, and their shifts end at the close only when the closer says so
   (``end_shifts``); while a tipped shift of the day is open, hours are still growing, so a close
   with a pool to share is refused until they end (:func:`pos.tips.tip_pool.distribute`'s rule).
7. The day is locked: :func:`pos.books.ledger.post` refuses entries for it, and
   anything that happens later lands on the next open day, naming this one.

:func:`reopen_day` undoes the lock with a manager's approval, unless a
later day has been closed since.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Callable, NamedTuple, Sequence

from pos.books import accounts, ledger
from pos.sales import posting_rules
from pos.cash.drawer import drawer_parts, expected_drawer
from pos.base.errors import Conflict, InvalidInput, NotAllowed
from pos.day import shifts, witness
from pos.day.closings import write_closing
from pos.day.card_settlement import CardCheck, SettlementLine, match_settlement, payouts

if TYPE_CHECKING:  # pragma: no cover
    from pos.day.closings import Closing
    from pos.store.days import OrderMove
    from pos.store.roster import StaffMember
    from pos.people.staff import Shift
    from pos.store.store import Store
    from pos.base.secret_files import KeyLocation
    from pos.tips.tip_pool import PoolPlan


# -- counting a drawer --------------------------------------------------------------------


def parse_count(store: "Store", text: str) -> tuple[int, dict[int, int] | None]:
    """A drawer count typed by a person: a total (``245.41``) or notes and coins (``100x2,20x5,0.25x4``)."""
    from pos.store import config
    from pos.base.money import MAX_AMOUNT_MINOR
    from pos.base.money_input import parse_amount

    s = store.settings
    spec = " ".join((text or "").split())
    if not spec:
        raise InvalidInput("Give the count as a total (245.41) or notes and coins (100x2,20x5,0.25x4).")
    if "x" not in spec.lower():
        return parse_amount(spec, s.currency, s.locale).amount_minor, None
    known = set(config.denominations(store))
    counts: dict[int, int] = {}
    for part in spec.replace(" ", "").split(","):
        value, sep, times = part.lower().partition("x")
        if not sep or not (times.isascii() and times.isdigit()):
            raise InvalidInput(f"'{part}' is not a count: write the note or coin, x, then how many (20x5).")
        if len(times.lstrip("0")) > 15:  # more notes than exist (and int() of thousands of digits refuses)
            raise InvalidInput(f"'{part[:30]}' counts more cash than any drawer holds: check the count.")
        denomination = parse_amount(value, s.currency, s.locale, allow_zero=False).amount_minor
        if denomination not in known:
            from pos.base.money_format import store_money

            raise InvalidInput(f"{store_money(store, denomination)} is not a note or coin of this store "
                               "(pos config show cash.denominations): check the count.")
        counts[denomination] = counts.get(denomination, 0) + int(times)
    total = sum(d * n for d, n in counts.items())
    if total > MAX_AMOUNT_MINOR:
        raise InvalidInput(f"'{spec}' counts more cash than any drawer holds: check the count.")
    return total, dict(sorted(counts.items(), reverse=True))


class DrawerCount(NamedTuple):
    register: int
    expected_minor: int
    counted_minor: int
    over_short_minor: int
    """Positive: more cash than expected; negative: short."""
    denominations: dict[int, int] | None
    kept_minor: int = 0
    """Kept in the drawer as the next opening's float (``cash.float_stays``); the rest went to the safe."""


# -- card settlement -------------------------------------------------------------------------


# -- the close -------------------------------------------------------------------------------


class CloseSummary(NamedTuple):
    day: date
    carried_over: "list[OrderMove]"
    drawers: list[DrawerCount]
    drivers_out: list[tuple[str, int]]
    card_problems: list[CardCheck]
    pool: "PoolPlan | None"
    forced: bool
    payouts: tuple[SettlementLine, ...] = ()
    """What the processor paid out to the bank that day (:func:`payouts`)."""
    closing: "Closing | None" = None
    """The numbered, signed closing record the close wrote (:mod:`pos.day.closings`)."""
    clocked_in: "tuple[Shift, ...]" = ()
    """Shifts of the day (or before) still running after the close: staff who have not clocked out."""
    shifts_ended: "tuple[Shift, ...]" = ()
    """Shifts the close ended, at the close, because it was told to (``end_shifts``)."""
    cards_checked: bool = False
    """Whether there were card payments or refunds to match (the day's, or the processor's lines): a store with
    no card processor, or a day with no cards, has nothing to say of them."""
    handins_waiting: tuple[tuple[str, int, int], ...] = ()
    """Drivers' hand-ins started and not yet counted by the person receiving them: (driver, what they said, drawer).
    Their cash is still on the driver's account (in ``drivers_out``)."""
    closed_by: str | None = None
    """Who closed: the person signed in, or else the one who counted (their PIN typed); None when nobody is known."""


def not_begun(store: "Store", day: date, calendar_day: date) -> str:
    """Why ``day``, later than the calendar's business day, cannot be closed: when it begins, and where sales go."""
    from pos.store.clock import day_bounds
    from pos.store.days import first_open_day

    starts = day_bounds(day, store.settings)[0].astimezone(store.settings.zone)
    now = f"it is still {calendar_day}'s business day"
    if is_closed(store, calendar_day):
        now += f" (closed early: new orders wait on {first_open_day(store, calendar_day)})"
    return (f"{day} has not begun: {now}. It begins at {starts:%H:%M} on {starts:%Y-%m-%d}; it can be closed "
            "early (--force) from then, never before.")


def is_closed(store: "Store", day: date) -> bool:
    from pos.store.days import closed_days

    return day in closed_days(store)


def _open_orders_through(store: "Store", day: date) -> list[tuple[str, date, int]]:
    """(id, day, number) of every order still open on ``day`` or on a closed day before it."""
    from pos.store.days import closed_days

    closed = closed_days(store)
    return [(r[0], date.fromisoformat(r[1]), r[2]) for r in store.tuples(
        "SELECT id, business_day, number FROM orders WHERE status = 'open' AND business_day <= ? "
        "ORDER BY business_day, number", (day.isoformat(),))
        if r[1] == day.isoformat() or date.fromisoformat(r[1]) in closed]


def carry_over_to(store: "Store", day: date) -> date:
    """Where a close of ``day`` carries open orders: the day open after it (the calendar's, if later)."""
    from pos.store.days import current_day, first_open_day

    after = first_open_day(store, day + timedelta(days=1))
    now = current_day(store)
    return now if now > after else after


def _carry_over(store: "Store", orders: list[tuple[str, date, int]], to_day: date, close_id: int,
                moved_by: int | None) -> "list[OrderMove]":
    """Move open orders to ``to_day`` with the next numbers there, each move recorded (inside the close)."""
    from pos.store.days import OrderMove
    from pos.sales.orders import forget_order
    from pos.store.store import iso, utc_now

    moved: list[OrderMove] = []
    now = iso(utc_now())
    for order_id, from_day, from_number in orders:
        number = store.scalar("SELECT coalesce(max(number), 0) + 1 FROM orders WHERE business_day = ?",
                              (to_day.isoformat(),))
        store.conn.execute("UPDATE orders SET business_day = ?, number = ? WHERE id = ? AND status = 'open'",
                           (to_day.isoformat(), number, order_id))
        store.conn.execute(
            "INSERT INTO order_moves(order_id, from_day, from_number, to_day, to_number, moved_at, moved_by, close_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (order_id, from_day.isoformat(), from_number, to_day.isoformat(), number, now, moved_by, close_id))
        forget_order(store, order_id)
        moved.append(OrderMove(order_id, from_day, from_number, to_day, number))
    return moved


def close_day(
    store: "Store",
    day: date,
    counts: dict[int, str],
    *,
    counted_by: "StaffMember | None" = None,
    carry_over: bool = False,
    force: bool = False,
    settlement: Callable[[date], Sequence[SettlementLine]] | None = None,
    keys: "KeyLocation | None" = None,
    end_shifts: bool = False,
) -> CloseSummary:
    """Close ``day`` (see the module docstring); refused whole, with what is missing, before anything is written.

    ``end_shifts``: end the shifts still open on ``day`` (or before) at the close, as the person closing;
    otherwise they stay open and are listed, and a pool to share waits for its tipped shifts to end.
    """
    from pos.tips import tip_pool
    from pos.store.clock import business_day
    from pos.store.days import forget_closed_days
    from pos.store.store import iso, utc_now

    calendar_day = business_day(utc_now(), store.settings)
    if is_closed(store, day):
        raise Conflict(f"{day} is already closed: see it with 'pos day report --day {day}'.")
    if day > calendar_day:  # forced or not: only a day that has begun can end
        raise InvalidInput(not_begun(store, day, calendar_day))
    if day == calendar_day and not force:
        raise NotAllowed(f"{day} is still in progress (it ends at the {store.settings.rollover_time:%H:%M} rollover): "
                         "close it after that, or now with --force.")
    open_orders = _open_orders_through(store, day)
    if open_orders and not carry_over:
        listed = ", ".join(f"#{n}" if d == day else f"#{n} of {d}" for _, d, n in open_orders)
        raise NotAllowed(f"Orders still open on {day}: {listed}. Take payment or void them, or carry them over "
                         "to the next day with --carry-over.")
    open_drawers = store.all("SELECT id, register, float_minor FROM drawers WHERE closed_at IS NULL ORDER BY register")
    missing = [str(r["register"]) for r in open_drawers if r["register"] not in counts]
    if missing:
        raise NotAllowed(f"Count every open drawer first: drawer {', '.join(missing)} "
                         f"(--count {missing[0]}=100x2,20x5,... or --count {missing[0]}=245.41).")
    extra = sorted(set(counts) - {r["register"] for r in open_drawers})
    if extra:
        raise InvalidInput(f"Drawer {extra[0]} is not open: there is nothing to count there.")
    parsed = {register: parse_count(store, text) for register, text in counts.items()}
    if not end_shifts:
        _check_shifts_for_pool(store, day)
    lines = list(settlement(day)) if settlement is not None else []
    currency = store.settings.currency
    counted_name = counted_by.name if counted_by else "the owner"
    from pos.cash import floats
    from pos.base.money_format import store_money

    float_stays = floats.floats_stay(store)
    with store.write() as conn:
        if is_closed(store, day):  # again, under the lock
            raise Conflict(f"{day} is already closed.")
        again = _open_orders_through(store, day)  # another register may have rung one meanwhile
        if again != open_orders:
            if not carry_over:
                raise Conflict(f"An order was opened on {day} while closing it: close again to see it.")
            open_orders = again
        drawers: list[DrawerCount] = []
        for row in open_drawers:
            expected = ledger.balances(store, prefix=accounts.drawer(row["register"])).get(
                (accounts.drawer(row["register"]), currency), 0)
            formula = expected_drawer(drawer_parts(store, row["id"]))
            if formula != expected:  # two derivations disagree: a bug, never to be papered over
                raise Conflict(f"Drawer {row['register']}: the books say {expected} but its movements add up to "
                               f"{formula}; run 'pos ledger verify' and report this.")
            counted, denominations = parsed[row["register"]]
            over = counted - expected
            if over:
                ledger.post(store, f"drawer:{row['id']}:count", f"Drawer {row['register']} counted by {counted_name}: "
                            f"{'over' if over > 0 else 'short'}", ledger.SourceKind.DRAWER,
                            f"drawer:{row['register']}",
                            posting_rules.drawer_count(accounts.drawer(row["register"]), expected, counted, currency),
                            business_day=day)
            conn.execute(
                "INSERT INTO drawer_counts(drawer_id, business_day, expected_minor, counted_minor, denominations, "
                "counted_by, counted_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (row["id"], day.isoformat(), expected, counted,
                 json.dumps(denominations) if denominations else None, counted_by.id if counted_by else None,
                 iso(utc_now())))
            # The counted cash leaves the closed drawer for the safe, but for its float when the float stays.
            kept = min(counted, row["float_minor"]) if float_stays else 0
            if counted:
                ledger.post(store, f"drawer:{row['id']}:close",
                            f"Drawer {row['register']} closed: its cash to the safe"
                            + (f", its {store_money(store, kept)} float kept in it" if kept else ""),
                            ledger.SourceKind.DRAWER, f"drawer:{row['register']}",
                            floats.close_postings(row["register"], counted, kept, currency), business_day=day)
            conn.execute("UPDATE drawers SET closed_at = ? WHERE id = ?", (iso(utc_now()), row["id"]))
            drawers.append(DrawerCount(row["register"], expected, counted, over, denominations, kept))
        drivers_out = [(account.rsplit(":", 1)[1], amount) for (account, cur), amount in
                       ledger.balances(store, prefix="assets:cash:driver").items() if amount and cur == currency]
        handins_waiting = tuple((str(name), int(declared), int(register)) for name, declared, register in store.tuples(
            "SELECT s.name, h.declared_minor, h.register FROM handins h JOIN staff s ON s.id = h.driver_id "
            "LEFT JOIN handin_counts c ON c.handin_id = h.id WHERE c.handin_id IS NULL ORDER BY h.started_at, h.id"))
        card_problems = match_settlement(store, day, lines)
        from pos.people.limits import requester

        closer = requester(store, None) or counted_by  # who closed: the person signed in, or the counter
        ended = shifts.end_at_close(store, day, closer) if end_shifts else []
        pool = None
        if tip_pool.pool_of_day(store, day) > 0:
            pool, _ = tip_pool.distribute(store, day)
        close_id = int(conn.execute(
            "INSERT INTO day_closes(business_day, closed_at, closed_by, summary) VALUES (?, ?, ?, '{}')",
            (day.isoformat(), iso(utc_now()), closer.id if closer else None)).lastrowid or 0)
        ledger.record_close(store, day, close_id)  # its closing balances and the journal's head, for later reads
        forget_closed_days(store)
        # Only now, with the day closed, is "the next open day" known for what is carried over.
        carried = _carry_over(store, open_orders, carry_over_to(store, day), close_id,
                              counted_by.id if counted_by else None) if open_orders else []
        summary = CloseSummary(day, carried, drawers, drivers_out, card_problems, pool, force,
                               tuple(payouts(lines, day)), clocked_in=tuple(shifts.still_open(store, day)),
                               shifts_ended=tuple(ended), cards_checked=bool(lines) or _had_cards(store, day),
                               handins_waiting=handins_waiting, closed_by=closer.name if closer else None)
        conn.execute("UPDATE day_closes SET summary = ? WHERE id = ?",
                     (json.dumps(summary_dict(summary), default=str), close_id))

        closing = write_closing(store, "close", day, close_id, closer, keys if keys is not None else store.keys,
                                counted_by=counted_by)
        summary = summary._replace(closing=closing)

        witness.queue(store, closing)  # delivered after the commit: the close never waits on a witness
        from pos.store import audit

        audit.changed(store, audit.Event.DAY_CLOSED, day.isoformat(), {"closed": False}, {"closed": True},
                      business_day=day, close=close_id, forced=force, counted_by=counted_name,
                      closed_by=closer.name if closer else None,
                      handins_waiting=[{"driver": d, "declared_minor": m, "register": r} for d, m, r in handins_waiting]
                      or None,
                      drawers=[{"register": d.register, "expected_minor": d.expected_minor,
                                "counted_minor": d.counted_minor, "over_short_minor": d.over_short_minor} for d in drawers],
                      carried_over=[c.as_dict() for c in carried],
                      pool_minor=pool.pool_minor if pool is not None else 0,
                      shifts_ended=[s.staff_name for s in ended] or None)
    return summary


def _had_cards(store: "Store", day: date) -> bool:
    """Whether ``day`` booked a card payment or refund (one read through the journal's day index)."""
    return bool(store.scalar(
        "SELECT EXISTS (SELECT 1 FROM journal_entries j CROSS JOIN payments p ON p.id = substr(j.key, 9, "
        "length(j.key) - 16) WHERE j.business_day = ? AND j.source_kind = 'payment' AND j.key LIKE 'payment:%:capture' "
        "AND p.tender IN ('card', 'wallet', 'link', 'self_checkout')) OR EXISTS (SELECT 1 FROM journal_entries j "
        "CROSS JOIN refunds r ON r.id = substr(j.key, 8) JOIN payments p ON p.id = r.payment_id "
        "WHERE j.business_day = ? AND j.source_kind = 'refund' AND p.tender IN ('card', 'wallet', 'link', "
        "'self_checkout'))", (day.isoformat(), day.isoformat())))


def _check_shifts_for_pool(store: "Store", day: date) -> None:
    """Refuse a close that would share a tip pool by hours still growing: a tipped shift of the day still open."""
    from pos.tips import tip_pool

    if tip_pool.pool_of_day(store, day) <= 0:
        return
    plan = tip_pool.plan(store, day)
    if plan.still_open:
        from pos.base.money_format import store_money
        from pos.base.words import are

        raise NotAllowed(f"{are([s.staff_name for s in plan.still_open])} still on shift on {day}, and the close shares "
                         f"the day's tip pool ({store_money(store, plan.pool_minor)}) by hours: end the shifts first "
                         "('pos shift end NAME'), or close with --end-shifts to end them at the close.")


def _shift_dict(shift: "Shift") -> dict[str, object]:
    return {"name": shift.staff_name, "job": shift.job.value, "business_day": shift.business_day.isoformat(),
            "started_at": shift.started_at.isoformat(),
            "ended_at": shift.ended_at.isoformat() if shift.ended_at else None}


def summary_dict(summary: CloseSummary) -> dict[str, object]:
    return {
        "day": summary.day.isoformat(), "forced": summary.forced,
        "carried_over": [c.as_dict() for c in summary.carried_over],
        "drawers": [{**d._asdict(), "denominations": {str(k): v for k, v in (d.denominations or {}).items()} or None}
                    for d in summary.drawers],
        "drivers_out": [{"driver": k, "held_minor": v} for k, v in summary.drivers_out],
        "card_problems": [c._asdict() for c in summary.card_problems],
        "payouts": [{"ref": p.ref, "amount_minor": -p.amount_minor, "currency": p.currency}  # None: the store's
                    for p in summary.payouts],
        "pool": None if summary.pool is None else {
            "pool_minor": summary.pool.pool_minor, "shares": [s._asdict() for s in summary.pool.shares]},
        **({"closing": summary.closing.as_dict()} if summary.closing is not None else {}),
        "clocked_in": [_shift_dict(shift) for shift in summary.clocked_in],
        "cards_checked": summary.cards_checked,
        "shifts_ended": [_shift_dict(shift) for shift in summary.shifts_ended],
        "handins_waiting": [{"driver": d, "declared_minor": m, "register": r} for d, m, r in summary.handins_waiting],
        "closed_by": summary.closed_by,
    }


def reopen_day(store: "Store", day: date, approver: "StaffMember | None", by: "StaffMember | None" = None,
               *, keys: "KeyLocation | None" = None) -> None:
    """Lift a day's lock: refused once a later day is closed, and without a manager: ``approver`` typing their
    PIN now, who is never ``by`` (the person asking); or, with no approver, ``by`` if they may reopen a day."""
    from pos.people.permissions import Action, actor_of, may
    from pos.store.store import iso, utc_now

    who = approver or by
    if who is None or not may(actor_of(who), Action.REOPEN_DAY):
        raise NotAllowed("Reopening a day needs a manager's approval: add --approve NAME (they type their PIN).")
    with store.write() as conn:
        if not is_closed(store, day):
            raise Conflict(f"{day} is not closed: there is nothing to reopen.")
        later = store.scalar("SELECT max(business_day) FROM day_closes WHERE reopened_at IS NULL AND business_day > ?",
                             (day.isoformat(),))
        if later:
            raise NotAllowed(f"{later} was closed after {day}: a day cannot be reopened once a later one is closed.")
        from pos.people import approvals

        if approver is not None:
            approvals.approve(store, approver, f"reopening of {day}", 0, by)  # never the person asking
        close_id = int(store.scalar("SELECT id FROM day_closes WHERE business_day = ? AND reopened_at IS NULL",
                                    (day.isoformat(),)))

        reopening = write_closing(store, "reopen", day, close_id, who, keys if keys is not None else store.keys)

        witness.queue(store, reopening)  # witnessed like a close, after the commit
        conn.execute("UPDATE day_closes SET reopened_at = ?, reopened_by = ? WHERE business_day = ? "
                     "AND reopened_at IS NULL", (iso(utc_now()), who.id, day.isoformat()))
        from pos.store.days import forget_closed_days

        forget_closed_days(store)
        from pos.store import audit

        audit.changed(store, audit.Event.DAY_REOPENED, day.isoformat(), {"closed": True}, {"closed": False},
                      business_day=day, approved_by=approver.name if approver is not None else None,
                      by=who.name)

