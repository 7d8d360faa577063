"""The store's tip policy, stated once: the record, the rules it must obey, and its history by effective day.

The policy (:class:`TipPolicy`, immutable) says

- whether the store takes a **tip credit** (counts part of a tipped employee's tips toward the minimum
  wage) and how much per hour: ``tip_credit_minor``, 0 when it takes none;
- its **jurisdiction**: a US state's two-letter code (``NY``), ``DC``, or ``none`` outside the US;
- which jobs are tipped **front of house** (default server, cashier, driver) and which are
  **back of house** (default kitchen); a job in neither is untipped work;
- whether back-of-house staff **share the pool** (``kitchen_shares``);
- whether **card fees are deducted** from card tips (``deduct_card_fees``).

The defaults (:data:`DEFAULT`) keep the store's behaviour from before there was a policy: no tip
credit, and kitchen staff share the pool when they are tip-eligible.

Validation is functions (:func:`problems`, :func:`check`), each rule refusing what the law forbids
and naming the rule in its message.  They are a store's guard rails, not legal advice:

- back of house in a mandatory pool while a tip credit is taken: 29 CFR 531.54(c), as amended by
  the 2020 final rule (85 FR 86756);
- a card-fee deduction from tips in California: Labor Code section 351;
- a tip credit in a state that allows none (:data:`NO_TIP_CREDIT_STATES`): their law requires the full
  state minimum wage before tips, and 29 U.S.C. 218(a) keeps a stricter state law in force;
- a tip credit above the federal maximum, $5.12 an hour (a cash wage of at least $2.13 against the
  $7.25 minimum): 29 U.S.C. 203(m)(2)(A);
- a tip credit with jurisdiction ``none``: the tip credit is a US rule (29 U.S.C. 203(m)).

A deduction above the processor's real fee rate for a payment is checked where a deduction is
reckoned, by :func:`check_fee_deduction` (the card-fee deduction builds on it).

History.  Each change is a new row of ``tip_policies`` with the business day it takes effect
(``effective_from``: today or later, never the past, whose pools and records stand as they were);
rows are never updated or deleted (the database refuses it).  :func:`policy_on` gives the policy in
force on any day (the latest row effective by then; the defaults before the first), so a pool, a
fee or an inspector's record uses the policy of its own day.  Each change is audited with its
values before and after (:func:`set_policy`).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

from pos.base.errors import InvalidInput, NotAllowed
from pos.store.roster import Role
from pos.people.staff import JOBS

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.roster import StaffMember
    from pos.store.store import Store

#: ``JOBS`` (pos.people.staff): the jobs a shift may be worked in and a policy may call tipped.  Owners and managers
#: never share in employees' tips, whatever they do in a shift (FLSA 3(m)(2)(B)).
NEVER_SHARE: frozenset[Role] = frozenset({Role.OWNER, Role.MANAGER})

#: States whose law allows no tip credit: the full state minimum wage is due before tips.
NO_TIP_CREDIT_STATES = frozenset({"AK", "CA", "MN", "MT", "NV", "OR", "WA"})
US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK "
    "OR PA RI SC SD TN TX UT VT VA WA WV WI WY".split())
NO_JURISDICTION = "none"

#: The federal maximum tip credit per hour, in US cents: $7.25 minimum wage less the $2.13 cash wage.
FEDERAL_MAX_TIP_CREDIT_MINOR = 512

RULE_BACK_OF_HOUSE = "29 CFR 531.54(c), as amended by the 2020 final rule (85 FR 86756)"
RULE_CA_FEES = "California Labor Code section 351"
RULE_STATE_NO_CREDIT = "29 U.S.C. 218(a) keeps the stricter state law"
RULE_MAX_CREDIT = "29 U.S.C. 203(m)(2)(A)"
RULE_US_ONLY = "29 U.S.C. 203(m)"
RULE_FEE_RATE = "29 U.S.C. 203(m)(2)(B); DOL Fact Sheet #15, on tips charged on a card"


class TipPolicy(NamedTuple):
    """The store's tip policy on a day (immutable: a change is a new record, :func:`set_policy`)."""

    tip_credit_minor: int = 0
    """The tip credit taken per hour, in the store's minor units (US cents); 0: the store takes none."""
    jurisdiction: str = NO_JURISDICTION
    """A US state's code (upper case, ``DC`` too), or ``none`` outside the US."""
    front_of_house: tuple[Role, ...] = (Role.SERVER, Role.CASHIER, Role.DRIVER)
    """Tipped jobs that serve customers."""
    back_of_house: tuple[Role, ...] = (Role.KITCHEN,)
    """Jobs behind the counter (cooks, dishwashers): they share the pool only when ``kitchen_shares``."""
    kitchen_shares: bool = True
    """Whether back-of-house staff share the tip pool (never while a tip credit is taken)."""
    deduct_card_fees: bool = False
    """Whether a card tip's recipient bears the processor's fee rate on it (never in California)."""

    @property
    def takes_tip_credit(self) -> bool:
        return self.tip_credit_minor > 0

    def counts_toward_pool(self, job: Role) -> bool:
        """Whether hours in ``job`` are tipped work that shares the pool (see :func:`why_not_pooled`)."""
        return why_not_pooled(self, job) is None

    def as_dict(self) -> dict[str, Any]:
        """Plain values (job names as text), as the audit trail and ``--json`` show them."""
        return {"tip_credit_minor": self.tip_credit_minor, "jurisdiction": self.jurisdiction,
                "front_of_house": [j.value for j in self.front_of_house],
                "back_of_house": [j.value for j in self.back_of_house],
                "kitchen_shares": self.kitchen_shares, "deduct_card_fees": self.deduct_card_fees}


DEFAULT = TipPolicy()


def why_not_pooled(policy: TipPolicy, job: Role) -> str | None:
    """Why hours worked in ``job`` do not share the pool under ``policy``; None when they do."""
    if job in NEVER_SHARE:
        return f"{job.value}: owners and managers may not share in employees' tips (FLSA 3(m)(2)(B))"
    if job in policy.back_of_house or job is Role.KITCHEN:
        if policy.takes_tip_credit:
            return (f"{job.value} is back of house and the store takes a tip credit: back-of-house staff may not "
                    f"share a mandatory pool then ({RULE_BACK_OF_HOUSE})")
        if not policy.kitchen_shares:
            return f"{job.value} is back of house and the store's policy keeps it out of the pool"
        return None
    if job in policy.front_of_house:
        return None
    return f"{job.value} is not a tipped job in the store's policy"


# -- the rules ------------------------------------------------------------------------------------


def problems(policy: TipPolicy, currency: str = "USD") -> list[str]:
    """Everything the law forbids in ``policy``, each naming its rule; empty when it may stand."""
    found: list[str] = []
    where = policy.jurisdiction
    if set(policy.front_of_house) & set(policy.back_of_house):
        both = ", ".join(j.value for j in policy.front_of_house if j in policy.back_of_house)
        found.append(f"{both} cannot be both front and back of house: say which.")
    if any(j not in JOBS for j in (*policy.front_of_house, *policy.back_of_house)):
        found.append("Owners and managers are never a tipped job: they may not share in employees' tips "
                     "(FLSA 3(m)(2)(B)).")
    if Role.KITCHEN in policy.front_of_house:
        found.append(f"Kitchen staff are back of house, whatever the policy calls them ({RULE_BACK_OF_HOUSE}): "
                     "list kitchen in back-of-house.")
    if policy.tip_credit_minor < 0:
        found.append("A tip credit cannot be negative: say 0 (none) or the amount per hour.")
    if policy.takes_tip_credit:
        if policy.kitchen_shares and policy.back_of_house:
            found.append("Back-of-house staff (kitchen) may share a mandatory tip pool only when the store takes no tip "
                         f"credit ({RULE_BACK_OF_HOUSE}): set kitchen-shares no, or tip-credit 0.")
        if where == NO_JURISDICTION:
            found.append(f"A tip credit is a US rule ({RULE_US_ONLY}): with jurisdiction 'none' there is none to take.")
        elif where in NO_TIP_CREDIT_STATES:
            found.append(f"{where} allows no tip credit: the full state minimum wage is due before tips "
                         f"({RULE_STATE_NO_CREDIT}).")
        if currency != "USD" and where != NO_JURISDICTION:
            found.append(f"A US tip credit is reckoned in dollars, and this store keeps {currency}.")
        elif policy.tip_credit_minor > FEDERAL_MAX_TIP_CREDIT_MINOR:
            found.append("A tip credit may be at most $5.12 an hour: the cash wage must be at least $2.13 "
                         f"({RULE_MAX_CREDIT}).")
    if policy.deduct_card_fees and where == "CA":
        found.append(f"California forbids deducting card fees from tips ({RULE_CA_FEES}): set card-fees no.")
    return found


def check(policy: TipPolicy, currency: str = "USD") -> TipPolicy:
    """``policy`` when the law allows it; otherwise refused with the first problem (:func:`problems`)."""
    found = problems(policy, currency)
    if found:
        raise NotAllowed(found[0])
    return policy


def fee_deduction_limit_minor(policy: TipPolicy, tip_minor: int, fee_minor: int, charged_minor: int) -> int:
    """The most a card tip may lose to the processor's fee: the fee's own rate on the tip, to the cent.

    ``fee_minor`` is what the processor charged on the whole payment of ``charged_minor`` (sale and tip
    together), so the rate is exactly theirs; the tip bears it rounded half up.  0 when the policy
    deducts nothing or the store is in California.  The place for the "never above the real rate" rule
    (:data:`RULE_FEE_RATE`): a deduction reckoned elsewhere is checked with :func:`check_fee_deduction`.
    """
    from pos.base.shares import round_half_up

    if not policy.deduct_card_fees or policy.jurisdiction == "CA" or tip_minor <= 0 or fee_minor <= 0:
        return 0
    if charged_minor <= 0:
        raise InvalidInput("A fee's rate needs the amount it was charged on.")
    from decimal import Decimal

    return min(tip_minor, round_half_up(Decimal(tip_minor) * fee_minor / charged_minor))


TIP_FEE_KEY_SUFFIX = ":tip-fee"
"""A payment's entry moving its tip's share of the card fee (``payment:<id>:tip-fee``, payments.stripe.tip_fees)."""


def card_fee_share(key: str, source_kind: str, amount_minor: int) -> bool:
    """Whether a posting to a tips account (of entry ``key``) is a card fee's share of a tip: deducted at capture
    (a debit of the payment's tip-fee entry) or given back with a refunded tip (the refund's only credit to a
    tips account)."""
    return (source_kind == "payment" and key.endswith(TIP_FEE_KEY_SUFFIX)) or \
        (source_kind == "refund" and amount_minor < 0)


def check_fee_deduction(policy: TipPolicy, deducted_minor: int, tip_minor: int, fee_minor: int,
                        charged_minor: int) -> int:
    """``deducted_minor`` when a card tip may lose that much to the fee; refused with the rule otherwise."""
    if deducted_minor < 0:
        raise InvalidInput("A fee deduction cannot be negative.")
    if deducted_minor and policy.jurisdiction == "CA":
        raise NotAllowed(f"California forbids deducting card fees from tips ({RULE_CA_FEES}).")
    if deducted_minor and not policy.deduct_card_fees:
        raise NotAllowed("The store's tip policy deducts no card fees from tips (pos tips policy set card-fees yes).")
    limit = fee_deduction_limit_minor(policy, tip_minor, fee_minor, charged_minor)
    if deducted_minor > limit:
        raise NotAllowed(f"A deduction of {deducted_minor} from a {tip_minor} tip is above the processor's real fee "
                         f"rate ({fee_minor} on {charged_minor}: at most {limit}) ({RULE_FEE_RATE}).")
    return deducted_minor


# -- reading what people type -----------------------------------------------------------------------

KEYS = ("tip-credit", "jurisdiction", "front-of-house", "back-of-house", "kitchen-shares", "card-fees")


def _yes_no(key: str, text: str) -> bool:
    value = text.strip().lower()
    if value in ("yes", "y", "true", "on"):
        return True
    if value in ("no", "n", "false", "off"):
        return False
    raise InvalidInput(f"{key} is yes or no, not '{text[:40]}'.")


def parse_jobs(key: str, text: str) -> tuple[Role, ...]:
    """A comma-separated list of jobs (``server,cashier``; ``none`` for no job)."""
    if text.strip().lower() == "none":
        return ()
    jobs: list[Role] = []
    for word in (w.strip().lower() for w in text.split(",")):
        if not word:
            continue
        job = next((j for j in Role if j.value == word), None)
        if job is None or job not in JOBS:
            raise InvalidInput(f"'{word[:40]}' is not a tipped job for {key}: give any of "
                               f"{', '.join(j.value for j in JOBS)} separated by commas, or none.")
        if job not in jobs:
            jobs.append(job)
    return tuple(jobs)


def parse_jurisdiction(text: str) -> str:
    value = text.strip().upper()
    if value == NO_JURISDICTION.upper():
        return NO_JURISDICTION
    if value not in US_STATES:
        raise InvalidInput(f"'{text[:40]}' is not a jurisdiction: give a US state's two-letter code (like NY), "
                           "or none outside the US.")
    return value


def changed(store: "Store", policy: TipPolicy, pairs: list[str]) -> TipPolicy:
    """``policy`` with the ``KEY VALUE`` pairs a person typed applied (amounts in the store's format)."""
    from pos.base.money_input import parse_amount

    if not pairs or len(pairs) % 2:
        raise InvalidInput(f"Give KEY VALUE pairs, like 'tip-credit 2.13 jurisdiction NY'; keys: {', '.join(KEYS)}.")
    values: dict[str, Any] = {}
    for key, text in zip(pairs[::2], pairs[1::2]):
        name = key.strip().lower()
        if name == "tip-credit":
            none = text.strip().lower() in ("no", "none")
            values["tip_credit_minor"] = 0 if none else parse_amount(
                text, store.settings.currency, store.settings.locale).amount_minor
        elif name == "jurisdiction":
            values["jurisdiction"] = parse_jurisdiction(text)
        elif name in ("front-of-house", "back-of-house"):
            values[name.replace("-", "_")] = parse_jobs(name, text)
        elif name == "kitchen-shares":
            values["kitchen_shares"] = _yes_no(name, text)
        elif name == "card-fees":
            values["deduct_card_fees"] = _yes_no(name, text)
        else:
            raise InvalidInput(f"'{key[:40]}' is not a tip policy key: use {', '.join(KEYS)}.")
    return policy._replace(**values)


# -- the history -------------------------------------------------------------------------------------


class PolicyChange(NamedTuple):
    """One row of the history: a policy and the business day it takes effect."""

    id: int
    effective_from: date
    policy: TipPolicy
    set_at: str
    set_by: str | None


def _jobs(text: str) -> tuple[Role, ...]:
    return tuple(Role(word) for word in text.split(",") if word)


def history(store: "Store") -> list[PolicyChange]:
    """Every policy set, oldest first (the defaults were in force before the first)."""
    rows = store.all("SELECT p.*, s.name AS set_by_name FROM tip_policies p LEFT JOIN staff s ON s.id = p.set_by "
                     "ORDER BY p.effective_from, p.id")
    return [PolicyChange(r["id"], date.fromisoformat(r["effective_from"]), TipPolicy(
        r["tip_credit_minor"], r["jurisdiction"], _jobs(r["front_of_house"]), _jobs(r["back_of_house"]),
        bool(r["kitchen_shares"]), bool(r["deduct_card_fees"])), r["set_at"], r["set_by_name"]) for r in rows]


def policy_on(store: "Store", day: date | None = None) -> TipPolicy:
    """The policy in force on business day ``day`` (default: the one open now)."""
    from pos.store.days import current_day

    when = (day or current_day(store)).isoformat()
    in_force = [c for c in history(store) if c.effective_from.isoformat() <= when]
    return in_force[-1].policy if in_force else DEFAULT


def set_policy(store: "Store", pairs: list[str], effective_from: date | None = None,
               by: "StaffMember | None" = None) -> PolicyChange:
    """Change the policy from ``effective_from`` (default today) with ``KEY VALUE`` pairs; checked, kept, audited.

    The change applies to the policy in force on that day; a change already set for a later day
    stands.  Refused (nothing written) when the result breaks a rule, or the day is in the past.
    """
    from pos.store import audit
    from pos.store.days import current_day
    from pos.store.store import iso, utc_now

    today = current_day(store)
    day = effective_from or today
    if day < today:
        raise InvalidInput(f"A tip policy takes effect from today ({today}) or a later day, not {day}: "
                           "the policy of a past day stays as it was.")
    with store.write() as conn:
        before = policy_on(store, day)
        after = check(changed(store, before, pairs), store.settings.currency)
        actor = by.id if by is not None else store.memo.get("actor_id")
        cur = conn.execute(
            "INSERT INTO tip_policies(effective_from, tip_credit_minor, jurisdiction, front_of_house, back_of_house, "
            "kitchen_shares, deduct_card_fees, set_at, set_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (day.isoformat(), after.tip_credit_minor, after.jurisdiction,
             ",".join(j.value for j in after.front_of_house), ",".join(j.value for j in after.back_of_house),
             int(after.kitchen_shares), int(after.deduct_card_fees), iso(utc_now()), actor))
        audit.changed(store, audit.Event.TIP_POLICY, f"tip policy from {day}", before.as_dict(), after.as_dict(),
                      effective_from=day.isoformat())
        change_id = int(cur.lastrowid or 0)
    return next(c for c in history(store) if c.id == change_id)
