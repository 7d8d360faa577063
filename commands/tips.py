"""``pos tips ...``: the tip policy, what is owed, sharing the pool, payouts and payroll."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from commands.context import (JsonFlag, NUMBERS, RegisterOpt, ask_pin_of, day_or_today, group, open_store,
                              parse_day_option, whole_number)
from commands.files import check_new, new_file, show_path
from commands.output import emit, money, print_table, say, say_block, say_wrapped, staff_name
from pos.base.errors import Conflict, InvalidInput

tips_app = group("Tips: what is owed to whom, sharing the pool by hours, paying out.")

# What each command here that changes the store or reads the books needs, by the permission table
# (pos/people/permissions.py); the sign-in check in cli.py reads it. A command not listed changes nothing.
ACTIONS: dict[str, str] = {
    "tips distribute": "DISTRIBUTE_TIPS", "tips payout": "TIP_PAYOUT", "tips payroll": "READ_BOOKS",
    "tips owed": "READ_BOOKS", "tips policy set": "CHANGE_SETTINGS", "tips payday set": "CHANGE_SETTINGS",
    "tips records": "READ_BOOKS",
}
# What a person may see about themselves without that permission: the command, and its argument naming them.
SELF_SERVICE: dict[str, str] = {"tips owed": "name"}

policy_app = group("The store's tip policy: tip credit, jurisdiction, tipped jobs, the kitchen, card fees.")
tips_app.add_typer(policy_app, name="policy")
payday_app = group("The store's pay schedule: tips are due by the payday of the period they were earned in.")
tips_app.add_typer(payday_app, name="payday")


def _policy_lines(store: Any, policy: Any) -> list[list[str]]:
    """The policy as ``pos tips policy set`` takes it: key, value (amounts in the store's format)."""
    credit = money(store, policy.tip_credit_minor) + " an hour" if policy.takes_tip_credit else "none"
    return [["tip-credit", credit], ["jurisdiction", policy.jurisdiction],
            ["front-of-house", _jobs(policy.front_of_house)], ["back-of-house", _jobs(policy.back_of_house)],
            ["kitchen-shares", "yes" if policy.kitchen_shares else "no"],
            ["card-fees", "yes" if policy.deduct_card_fees else "no"]]


def _jobs(roles: Any) -> str:
    return ", ".join(j.value for j in roles) or "none"


def _change_dict(change: Any) -> dict[str, Any]:
    return {"effective_from": change.effective_from.isoformat(), **change.policy.as_dict(), "set_at": change.set_at,
            "set_by": change.set_by}


@policy_app.command("show")
def tips_policy_show(
    ctx: typer.Context,
    day: Annotated[Optional[str], typer.Option(help="The policy in force on this business day (default today).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """The tip policy in force (on --day), and every change with the day it took or takes effect."""
    from pos.tips.tip_policy import history, policy_on

    store = open_store(ctx)
    when = day_or_today(store, day)
    policy, changes = policy_on(store, when), history(store)

    def human() -> None:
        print_table(f"Tip policy on {when}", ["Key", "Value"], _policy_lines(store, policy))
        if not changes:
            say("The defaults: never changed (pos tips policy set KEY VALUE...).")
        for change in changes:
            by = f" by {change.set_by}" if change.set_by else ""
            say_wrapped(f"  from {change.effective_from}: set {change.set_at[:10]}{by}")
        say("Not legal advice: the rules checked are in the README's tips section.")

    emit(as_json, {"day": when.isoformat(), "policy": policy.as_dict(), "history": [_change_dict(c) for c in changes]},
         human)


@policy_app.command("set", context_settings=NUMBERS)
def tips_policy_set(
    ctx: typer.Context,
    pairs: Annotated[list[str], typer.Argument(
        help="KEY VALUE...: tip-credit AMOUNT|none, jurisdiction STATE|none, front-of-house JOBS, back-of-house JOBS, "
             "kitchen-shares yes|no, card-fees yes|no (JOBS: server,cashier,driver,kitchen or none).")],
    start: Annotated[Optional[str], typer.Option("--from", help="Business day it takes effect (default today).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Change the tip policy from a day on; what the law forbids is refused, naming the rule."""
    from pos.tips.tip_policy import set_policy

    store = open_store(ctx)
    change = set_policy(store, pairs, parse_day_option(start))

    def human() -> None:
        print_table(f"Tip policy from {change.effective_from}", ["Key", "Value"], _policy_lines(store, change.policy))
        say(f"Set: in force from {change.effective_from}.")

    emit(as_json, _change_dict(change), human)


@tips_app.command("owed")
def tips_owed(
    ctx: typer.Context,
    name: Annotated[Optional[str], typer.Argument(help="Only this person (anyone may see their own).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Tips owed now, per person, and the pool not yet shared; with a pay schedule, what is late and what is due
    by the next payday (others' tips need a role that reads the books)."""
    from pos.tips import paydays
    from pos.store.days import current_day
    from pos.tips.tips import owed_by_person

    store = open_store(ctx)
    owed = owed_by_person(store)
    if name is not None:
        from pos.people.staff import get_staff

        member = get_staff(store, name)
        owed = {member.key: owed.get(member.key, 0)}
    today = current_day(store)
    upcoming = paydays.next_payday(store, today)
    parts = paydays.owed_by_period(store, today, owed) if upcoming is not None else {}  # no schedule: none late

    def late(key: str) -> int:
        return sum(p.amount_minor for p in parts.get(key, []) if p.status is paydays.Status.LATE)

    def due(key: str) -> list[tuple[str, int]]:
        by_day: dict[str, int] = {}
        for p in parts.get(key, []):
            if p.status is paydays.Status.DUE and p.period is not None:
                by_day[p.period.payday.isoformat()] = by_day.get(p.period.payday.isoformat(), 0) + p.amount_minor
        return sorted(by_day.items())

    def who(key: str) -> str:
        return "the pool (not yet shared)" if key == "pool" else staff_name(store, key)

    def human() -> None:
        if not owed:
            say("No tips are owed.")
            return
        if upcoming is None:
            print_table("Tips owed", ["Who", "Owed"], [[who(k), money(store, v)] for k, v in owed.items()], {1})
            say_wrapped("No pay schedule is set, so nothing is marked late: pos tips payday set weekly --from DATE.")
            return
        print_table(f"Tips owed (next payday {upcoming.payday})", ["Who", "Owed", "Late", "Due"],
                    [[who(k), money(store, v), money(store, late(k)) if late(k) else "",
                      ", ".join(f"{money(store, a)} by {d}" for d, a in due(k))] for k, v in owed.items()], {1, 2})
        total_late = sum(late(k) for k in owed)
        if total_late:
            say_wrapped(f"LATE: {money(store, total_late)} in tips from pay periods whose payday has passed: pay them now "
                "(pos tips payout NAME --from drawer|payroll).")

    emit(as_json, {"owed": owed, "late": {k: late(k) for k in owed}, "due": {k: [
        {"payday": d, "amount_minor": a} for d, a in due(k)] for k in owed},
        "next_payday": upcoming.payday.isoformat() if upcoming else None}, human)


def _schedule_line(schedule: Any) -> str:
    from pos.base.words import counted

    lag = f", paid {counted(schedule.paid_after_days, 'day')} after each period ends" if schedule.paid_after_days else \
        ", paid on each period's last day"
    return f"{schedule.frequency.value} from {schedule.starts}{lag}"


@payday_app.command("set")
def tips_payday_set(
    ctx: typer.Context,
    frequency: Annotated[str, typer.Argument(help="weekly, biweekly, semimonthly (1st-15th, 16th-end) or monthly.")],
    start: Annotated[str, typer.Option("--from", help="The first day of the first pay period, YYYY-MM-DD.")],
    paid_after: Annotated[int, typer.Option("--paid-after", parser=whole_number, metavar="DAYS", help="Days after a period ends that its payday falls.")]
    = 0,
    as_json: JsonFlag = False,
) -> None:
    """Set the pay schedule from a pay period's first day on; tips are due by their period's payday."""
    from pos.tips import paydays

    store = open_store(ctx)
    first = parse_day_option(start)
    assert first is not None
    schedule = paydays.set_schedule(store, paydays.parse_frequency(frequency), first, paid_after)
    period = paydays.period_of(paydays.schedules(store), schedule.starts)
    assert period is not None
    emit(as_json, paydays.as_dict(schedule),
         f"Pay schedule set: {_schedule_line(schedule)}. First period {period.start} to {period.end}, "
         f"payday {period.payday}.")


@payday_app.command("show")
def tips_payday_show(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """The pay schedule, the current pay period and its payday, and every change."""
    from pos.tips import paydays
    from pos.store.days import current_day

    store = open_store(ctx)
    known = paydays.schedules(store)
    today = current_day(store)
    current = paydays.period_of(known, today)
    upcoming = paydays.next_payday(store, today)

    def human() -> None:
        if not known:
            say_wrapped("No pay schedule is set: pos tips payday set weekly|biweekly|semimonthly|monthly --from DATE.")
            return
        if current is not None and upcoming is not None:
            say_wrapped(f"Pay period {current.start} to {current.end}, payday {current.payday}; next payday "
                        f"{upcoming.payday}.")
        else:
            say(f"The pay schedule starts on {known[0].starts}.")
        for schedule in known:
            by = f" by {schedule.set_by}" if schedule.set_by else ""
            say_wrapped(f"  {_schedule_line(schedule)} (set {schedule.set_at[:10]}{by})")

    emit(as_json, {"schedules": [paydays.as_dict(schedule) for schedule in known],
                   "period": None if current is None else {k: v.isoformat() for k, v in current._asdict().items()},
                   "next_payday": upcoming.payday.isoformat() if upcoming else None}, human)


@tips_app.command("distribute")
def tips_distribute(
    ctx: typer.Context,
    day: Annotated[Optional[str], typer.Option(help="Business day YYYY-MM-DD (default today).")] = None,
    preview: Annotated[bool, typer.Option("--preview", help="Only show the shares (as of now); post nothing.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Post without asking.")] = False,
    include_open: Annotated[bool, typer.Option(
        "--include-open", help="Post while shifts of the day are still open, counting them as ended now.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Share a day's tip pool among those who worked it, by hours: preview, then post (once its shifts have ended)."""
    from pos.tips import tip_pool

    store = open_store(ctx)
    when = day_or_today(store, day)
    shown = tip_pool.plan(store, when)

    def show(plan: Any) -> None:
        print_table(f"Tip pool of {plan.day}: {money(store, plan.pool_minor)}", ["Who", "Hours", "Share", "Amount"],
               [[s.name, f"{s.worked_s / 3600:.2f}", f"{s.worked_s * 100 / max(1, sum(x.worked_s for x in plan.shares)):.1f}%",
                 money(store, s.amount_minor)] for s in plan.shares], {1, 2, 3})
        for name, why in plan.excluded:
            say_wrapped(f"  {name} worked but gets nothing: {why}.")
        for left in plan.uncounted:
            say_wrapped(f"  {left.name}'s {left.worked_s / 3600:.2f} h as {left.job} do not count: {left.why}.")
        if plan.still_open and plan.as_of is not None:
            from pos.base.words import counted

            say_wrapped(f"Shares as of {plan.as_of.astimezone(store.settings.zone):%H:%M}, while "
                        f"{counted(len(plan.still_open), 'shift is', 'shifts are')} still open: "
                        f"{plan.open_words(store.settings.zone)}; their hours grow until they end.")

    def as_dict(plan: Any, posted: bool) -> dict[str, Any]:
        return {"day": plan.day.isoformat(), "pool_minor": plan.pool_minor, "posted": posted,
                "shares": [s._asdict() for s in plan.shares],
                "excluded": [{"name": n, "why": w} for n, w in plan.excluded],
                "uncounted": [u._asdict() for u in plan.uncounted],
                "policy": plan.policy.as_dict() if plan.policy is not None else None,
                "as_of": plan.as_of.isoformat() if plan.as_of is not None else None,
                "still_open": [{"name": o.staff_name, "job": o.job.value, "started_at": o.started_at.isoformat()}
                               for o in plan.still_open]}

    if preview or shown.pool_minor == 0:
        def human() -> None:
            show(shown)
            say("Nothing in the pool to share." if shown.pool_minor == 0 else "Preview only: nothing posted.")

        emit(as_json, as_dict(shown, False), human)
        return
    if shown.still_open and not include_open:  # refused before asking: the shares would not hold
        raise Conflict(tip_pool.open_shifts_refusal(shown))
    if not as_json:
        show(shown)
    store.check_writable()
    if not yes and not typer.confirm("Post these shares?", err=True):
        raise InvalidInput("Nothing posted: run again and answer yes, or add --yes.")
    posted, entry = tip_pool.distribute(store, when, include_open=include_open)
    emit(as_json, as_dict(posted, entry is not None),
          f"Posted: {money(store, posted.pool_minor)} shared among {len(posted.shares)} (entry {entry.id if entry else '-'}).")


@tips_app.command("payout", context_settings=NUMBERS)
def tips_payout(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Staff name.")],
    source: Annotated[str, typer.Option("--from", help="drawer (cash now) or payroll (with the next pay).")],
    amount: Annotated[Optional[str], typer.Option(help="How much (default: everything owed).")] = None,
    register: RegisterOpt = 1,
    as_json: JsonFlag = False,
) -> None:
    """Pay a person the tips owed to them: cash from a drawer into their hand (they type their PIN), or through
    payroll."""
    from payments.service import amount_minor
    from pos.tips.tips import PayoutSource, parse_source, payout

    store = open_store(ctx)
    from payments.stripe.tip_fees import deducted_since_last_payout

    paid_minor, paid_from = amount_minor(store, amount, "payout"), parse_source(source)  # refused before a PIN
    receiver = None
    if paid_from is PayoutSource.DRAWER:
        from pos.people.staff import get_staff

        member = get_staff(store, name)
        if member.active:  # the library refuses cash to someone deactivated, in its own words
            receiver = ask_pin_of(ctx, member.name, "receiving the cash")
    done = payout(store, name, paid_minor, paid_from, register, received_by=receiver)
    fees = deducted_since_last_payout(store, done.staff_key, done.entry_id)
    emit(as_json, {**done._asdict(), "source": done.source.value, "card_fees_since_last_payout_minor": fees},
          f"Paid {staff_name(store, done.staff_key)} {money(store, done.amount_minor)} in tips "
          f"({'from drawer ' + str(register) if done.source.value == 'drawer' else 'through payroll'}); "
          f"still owed {money(store, done.owed_after_minor)}."
          + (f" Card fees taken from their card tips since their last payout: {money(store, fees)} (the store's "
             "tip policy)." if fees else ""))


@tips_app.command("payroll")
def tips_payroll(
    ctx: typer.Context,
    period: Annotated[Optional[str], typer.Option("--period", help="The pay period holding this day (with a pay "
                                                  "schedule; default: the last one finished).")] = None,
    start: Annotated[Optional[str], typer.Option("--from", help="First business day (default today; with a pay "
                                                 "schedule, a period's first day).")] = None,
    end: Annotated[Optional[str], typer.Option("--to", help="Last business day (default: the first; with a pay "
                                               "schedule, that period's last day).")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="Write the CSV here (default: print it).")] = None,
) -> None:
    """Tips paid through payroll, as CSV for the payroll system: day, staff, amount; one pay period with a schedule."""
    from pos.tips import paydays
    from pos.base.csv_cells import rows_text
    from pos.base.money import Money, format_plain
    from pos.tips.tips import payroll_lines

    store = open_store(ctx)
    if out is not None:
        check_new(out, "--out")
    first, last = paydays.payroll_range(store, parse_day_option(period), parse_day_option(start),
                                        parse_day_option(end), day_or_today(store, None))
    lines = payroll_lines(store, first, last)
    text = rows_text([["business_day", "staff", "amount", "currency"],
                      *[[line.business_day, line.name, format_plain(Money(line.amount_minor, store.settings.currency)),
                         store.settings.currency] for line in lines]])  # every cell shown safely, never a formula
    if out is None:
        say_block(text, nl=False)
        return
    with new_file(out, "--out", text=True) as handle:
        handle.write(text)
    from pos.base.words import counted

    say(f"Wrote {counted(len(lines), 'payroll line')} for {first} to {last} to {show_path(out)}.")


from commands.tip_records import tips_records  # noqa: E402  (a module of its own; registered with the group here)

tips_app.command("records")(tips_records)
