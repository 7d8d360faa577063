"""``pos staff ...`` and ``pos shift ...``: the roster, PINs and lockouts, clocking in and out."""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from commands.context import (JsonFlag, NUMBERS, ask_approver, group, open_store, parse_day_option, read_new_pin,
                              read_pin, signed_in_actor)
from commands.output import emit, local_time, money, print_table
from pos.base.errors import InvalidInput
from commands.setup import recovery_note

staff_app = group("Staff and their PINs.")
shift_app = group("Clocking in and out.")

# What each command here that changes the store needs, by the permission table (pos/people/permissions.py);
# the sign-in check in cli.py reads it. A command not listed changes nothing.
ACTIONS: dict[str, str] = {
    "staff add": "MANAGE_STAFF", "staff deactivate": "MANAGE_STAFF", "staff tips": "MANAGE_STAFF",
    "staff unlock": "MANAGE_STAFF", "staff pin": "SET_PIN", "staff role": "MANAGE_STAFF",
    "staff reactivate": "REACTIVATE_STAFF",
}
# 'staff recover' and 'staff recovery-code' are not listed: each checks an owner's secret typed then (the owner
# cannot sign in to recover), as clocking in checks a PIN.
# The commands a person may run about themselves (cli.py reads it): NAME changes their own PIN.
SELF_SERVICE: dict[str, str] = {"staff pin": "name"}

def _staff_dict(m: Any) -> dict[str, Any]:
    return {"id": m.id, "name": m.name, "role": m.role.value, "active": m.active, "tip_eligible": m.tip_eligible}


@staff_app.command("add")
def staff_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Name, unique in the store.")],
    role: Annotated[str, typer.Option("--role", help="owner, manager, cashier, server, driver or kitchen.")],
    tips: Annotated[
        Optional[bool], typer.Option("--tips/--no-tips", help="Override tip eligibility (default: from role).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Add a staff member: their PIN is typed twice, hidden (or sent on the input), and stored only as a salted hash.

    A PIN is 4 to 12 digits (a manager's or owner's at least 6), not one digit repeated nor digits in a row.
    """
    from pos.people.pins import check_new_pin
    from pos.people.staff import add_staff, check_new_staff
    from pos.base.text import shown

    store = open_store(ctx)
    store.check_writable()
    clean, _, checked_role = check_new_staff(store, name, role, signed_in_actor(store))  # a bad name or role: refused before any PIN
    pin = read_new_pin(f"New PIN for {shown(clean)}", lambda typed: check_new_pin(typed, checked_role))
    member = add_staff(store, name, role, pin, tips, actor=signed_in_actor(store))
    emit(
        as_json,
        _staff_dict(member),
        f"Added {member.name} ({member.role.value}, {'tip-eligible' if member.tip_eligible else 'not tip-eligible'}).",
    )


@staff_app.command("list")
def staff_list(
    ctx: typer.Context,
    include_inactive: Annotated[bool, typer.Option("--all", help="Include deactivated staff.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """List staff: role, tips, active, on shift, and who is locked out or waiting after wrong PINs."""
    from pos.people.staff import list_staff, open_shift
    from pos.people.pin_tries import pin_hold

    store = open_store(ctx)
    members = list_staff(store, include_inactive)
    on = {m.id: open_shift(store, m) is not None for m in members}
    holds = {m.id: pin_hold(store, m) for m in members}
    emit(
        as_json,
        [{**_staff_dict(m), "on_shift": on[m.id], "pin": holds[m.id].as_dict()} for m in members],
        lambda: print_table(
            "Staff",
            ["Name", "Role", "Tips", "Active", "On shift", "PIN"],
            [[m.name, m.role.value, "yes" if m.tip_eligible else "no", "yes" if m.active else "no",
              "yes" if on[m.id] else "", holds[m.id].short] for m in members],
            wrap={0},
        ),
    )


@staff_app.command("deactivate")
def staff_deactivate(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="Staff name.")], as_json: JsonFlag = False
) -> None:
    """Deactivate a staff member (ends an open shift; history is kept)."""
    from pos.people.staff import deactivate_staff

    store = open_store(ctx)
    member = deactivate_staff(store, name, signed_in_actor(store))
    emit(as_json, _staff_dict(member), f"{member.name} is deactivated.")


@staff_app.command("unlock")
def staff_unlock(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Staff name.")],
    approve: Annotated[Optional[str], typer.Option(
        "--approve", help="Manager who unlocks (types their PIN); not needed when one is signed in.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Let someone locked out after five wrong PINs sign in again (a manager, or an owner for a manager)."""
    from pos.people.pin_tries import check_unlock, unlock

    store = open_store(ctx)
    by = signed_in_actor(store)  # a manager signed in unlocks by their sign-in; else --approve, never themselves
    if approve is None and by is None:
        raise InvalidInput("Unlocking needs a manager: add --approve NAME (they type their PIN).")
    check_unlock(store, name)  # nobody types a PIN to unlock someone who is not locked out
    member = unlock(store, name, ask_approver(ctx, approve), by)
    emit(as_json, _staff_dict(member), f"{member.name} is unlocked.")


@staff_app.command("pin")
def staff_pin(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="Whose PIN changes.")], as_json: JsonFlag = False
) -> None:
    """Change a PIN: NAME types their current PIN, then the new one twice (hidden); or an owner, signed in, sets it.

    The new PIN follows the rules for NAME's role, and is neither their current nor their previous PIN.
    """
    from pos.people.pin_change import change_pin, check_new_pin_for, check_pin_change
    from pos.people.pin_tries import verify_pin
    from pos.base.text import shown

    store = open_store(ctx)
    store.check_writable()
    by = signed_in_actor(store)
    member, needs_current = check_pin_change(store, name, by)  # refused before anyone types a PIN
    current = None
    if needs_current:
        current = read_pin(f"Current PIN for {shown(member.name)}")
        verify_pin(store, member.name, current)  # a wrong one counts towards the lockout, as at a sign-in
        store.memo["actor_id"] = member.id  # the audit trail names whose PIN it was
    new = read_new_pin(f"New PIN for {shown(member.name)}", lambda typed: check_new_pin_for(store, member, typed))
    member = change_pin(store, member.name, new, by=by, current_pin=current)
    emit(as_json, _staff_dict(member), f"{member.name}'s PIN is changed.")


@staff_app.command("tips")
def staff_tips(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Staff name.")],
    eligible: Annotated[str, typer.Argument(help="yes, no, or default (from the role).")],
    as_json: JsonFlag = False,
) -> None:
    """Override whether a staff member may receive tips."""
    from pos.people.staff import set_tip_eligibility

    choice = {"yes": True, "no": False, "default": None}
    key = eligible.strip().lower()
    if key not in choice:
        raise InvalidInput(f"'{eligible}' is not a choice: use yes, no or default.")
    store = open_store(ctx)
    member = set_tip_eligibility(store, name, choice[key], signed_in_actor(store))
    emit(as_json, _staff_dict(member), f"{member.name} {'may' if member.tip_eligible else 'may not'} receive tips.")


@staff_app.command("role")
def staff_role(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Staff name.")],
    role: Annotated[str, typer.Argument(help="owner, manager, cashier, server, driver or kitchen.")],
    as_json: JsonFlag = False,
) -> None:
    """Give someone another role (only an owner makes or changes owners and managers)."""
    from pos.people.staff import change_role

    store = open_store(ctx)
    member = change_role(store, name, role, signed_in_actor(store))
    emit(as_json, _staff_dict(member), f"{member.name} is now {'an' if member.role.value == 'owner' else 'a'} "
                                       f"{member.role.value}.")


@staff_app.command("reactivate")
def staff_reactivate(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="Staff name.")], as_json: JsonFlag = False
) -> None:
    """Bring back someone deactivated, in the role they had (an owner does it)."""
    from pos.people.staff import reactivate_staff

    store = open_store(ctx)
    member = reactivate_staff(store, name, signed_in_actor(store))
    emit(as_json, _staff_dict(member), f"{member.name} is active again ({member.role.value}).")


@staff_app.command("recover")
def staff_recover(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="The owner to recover.")], as_json: JsonFlag = False
) -> None:
    """An owner locked out or without their PIN: type the store's recovery code, then a new PIN (twice)."""
    from pos.people import recovery
    from pos.people.pin_change import check_new_pin_for
    from pos.base.text import shown

    store = open_store(ctx)
    store.check_writable()
    member = recovery.check_recover(store, name)  # refused before anyone types the code
    code = read_pin("Recovery code")
    pin = read_new_pin(f"New PIN for {shown(member.name)}", lambda typed: check_new_pin_for(store, member, typed))
    member, fresh = recovery.recover(store, member.name, code, pin)
    emit(as_json, {**_staff_dict(member), "recovery_code": fresh},
         [f"{member.name} is unlocked, with the new PIN. That recovery code is used up.", *recovery_note(fresh)])


@staff_app.command("recovery-code")
def staff_recovery_code(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="An owner (types their PIN).")],
    as_json: JsonFlag = False,
) -> None:
    """Make a new recovery code (the old one stops working): an owner, by their PIN typed now."""
    from pos.people import recovery
    from pos.people.pin_tries import verify_pin

    store = open_store(ctx)
    store.check_writable()
    owner = recovery.check_owner(store, name)  # refused before anyone types a PIN
    member = verify_pin(store, owner.name, read_pin(f"PIN for {owner.name}"))
    store.memo["actor_id"] = member.id  # the audit trail names whose PIN it was
    code = recovery.renew(store, member)
    emit(as_json, {"recovery_code": code}, recovery_note(code))


def _shift_dict(shift: Any, store: Any = None) -> dict[str, Any]:
    shown = {
        "id": shift.id,
        "staff": shift.staff_name,
        "business_day": shift.business_day.isoformat(),
        "started_at": shift.started_at.isoformat(),
        "ended_at": shift.ended_at.isoformat() if shift.ended_at else None,
        "worked_seconds": shift.worked_seconds(),
        "job": shift.job.value,
    }
    if store is not None:
        from pos.day.shifts import clocked_by

        shown["started_by"], shown["ended_by"] = clocked_by(store, shift.id)
    return shown


ByOpt = Annotated[Optional[str], typer.Option(
    "--by", help="A manager who does it for them (types their own PIN); otherwise they type theirs.")]


def _clocking(ctx: typer.Context, name: str, by: Optional[str], starting: bool,
              register: Optional[int] = None, job: Optional[str] = None) -> tuple[Any, Any]:
    """The store, and who clocks ``name`` in or out: they themselves or the manager ``by``, by a PIN typed now.

    What cannot be done (an unknown name, someone not on shift...) is refused before anyone types a PIN.
    """
    from pos.day.shifts import check_clock_in, check_clock_out
    from pos.people.staff import get_staff
    from pos.people.pin_tries import verify_pin

    store = open_store(ctx)
    store.check_writable()
    member = check_clock_in(store, name, register, job) if starting else check_clock_out(store, name)
    typer_name = get_staff(store, by).name if by is not None else member.name
    pin = read_pin(f"PIN for {typer_name}")
    who = verify_pin(store, typer_name, pin, register=register)
    store.memo["actor_id"] = who.id  # the audit trail names whose PIN it was, done or refused
    return store, who


@shift_app.command("start")
def shift_start(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Staff name.")],
    register: Annotated[Optional[int], typer.Option(help="Register number.")] = None,
    by: ByOpt = None,
    job: Annotated[Optional[str], typer.Option(
        "--job", help="What they work at in this shift: server, cashier, driver, kitchen (default their role).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Clock in, now: NAME types their PIN (hidden), or a manager does it for them (--by MANAGER).

    Someone who works a tipped and an untipped job in one day clocks each as its own shift
    (--job server, then --job kitchen): only hours in tipped work share the tip pool.
    """
    from pos.day.shifts import clock_in

    store, who = _clocking(ctx, name, by, True, register, job)
    shift = clock_in(store, name, who, register, job)
    worked_as = "" if job is None else f" as {shift.job.value}"
    emit(as_json, _shift_dict(shift, store),
         f"{shift.staff_name} on shift{worked_as} since {local_time(store, shift.started_at)}.")


@shift_app.command("end", context_settings=NUMBERS)
def shift_end(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Staff name.")],
    cash_tips: Annotated[Optional[str], typer.Option("--cash-tips", help="Cash tips received in hand, declared.")] = None,
    by: ByOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Clock out (declaring cash tips received in hand, if any): NAME types their PIN, or a manager (--by MANAGER)."""
    from pos.day.shifts import clock_out

    store = open_store(ctx)
    declared = 0
    if cash_tips is not None:
        from payments.service import amount_minor

        declared = amount_minor(store, cash_tips, "declared cash tips") or 0
        if declared <= 0:
            raise InvalidInput("Declared cash tips must be more than zero (leave --cash-tips out for none).")
    store, who = _clocking(ctx, name, by, False)
    shift, _ = clock_out(store, name, who, declared)
    hours, rest = divmod(shift.worked_seconds(), 3600)
    said = f" Cash tips declared: {money(store, declared)}." if declared else ""
    emit(as_json, {**_shift_dict(shift, store), "cash_tips_declared_minor": declared},
          f"{shift.staff_name} off shift at {local_time(store, shift.ended_at)} ({hours}h{rest // 60:02d}m).{said}")


@shift_app.command("list")
def shift_list(
    ctx: typer.Context,
    day: Annotated[Optional[str], typer.Option(help="Business day YYYY-MM-DD (default: today's, with every shift "
                                               "still open from before).")] = None,
    open_only: Annotated[bool, typer.Option("--open", help="Only shifts still running.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """List shifts: today's and every one still open (someone who has not clocked out), or a day's, or the open ones."""
    from pos.people.staff import list_shifts

    store = open_store(ctx)
    shifts = list_shifts(store, parse_day_option(day), open_only, with_open=day is None)
    emit(
        as_json,
        [_shift_dict(s, store) for s in shifts],
        lambda: print_table(
            "Shifts",
            ["Staff", "Job", "Day", "Start", "End", "Hours"],
            [[s.staff_name, s.job.value, s.business_day.isoformat(), local_time(store, s.started_at),
              local_time(store, s.ended_at) if s.ended_at else "on shift",
              f"{s.worked_seconds() // 3600}h{s.worked_seconds() % 3600 // 60:02d}m"] for s in shifts],
            wrap={0},
        ),
    )
