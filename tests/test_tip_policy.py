"""The store's tip policy: each rule the law sets refuses what it forbids, the history by effective day, the commands."""

from __future__ import annotations

import json
import sqlite3
from datetime import date

import pytest
from freezegun import freeze_time
from hypothesis import given
from hypothesis import strategies as st

from pos.store import audit
from pos.tips import tip_policy
from pos.base.errors import InvalidInput, NotAllowed
from pos.store.roster import Role
from pos.store.store import Store
from pos.tips.tip_policy import DEFAULT, TipPolicy, check, check_fee_deduction, fee_deduction_limit_minor, policy_on, set_policy
from tests.helpers import refused

NOON = "2026-11-23 17:00:00"  # 12:00 in New York, business day 2026-11-23
DAY = date(2026, 11, 23)
CREDIT = TipPolicy(tip_credit_minor=213, jurisdiction="NY", kitchen_shares=False)
"""A lawful tip-credit policy: New York, $2.13 an hour, the kitchen out of the pool."""


# -- the rules, each with the rule it stands on ---------------------------------------------------


def test_the_defaults_keep_todays_behaviour_and_are_lawful() -> None:
    """No tip credit, the kitchen shares (when tip-eligible), no card-fee deduction: what the store did before."""
    assert DEFAULT == TipPolicy(0, "none", (Role.SERVER, Role.CASHIER, Role.DRIVER), (Role.KITCHEN,), True, False)
    assert not DEFAULT.takes_tip_credit and tip_policy.problems(DEFAULT) == []
    assert all(DEFAULT.counts_toward_pool(job) for job in tip_policy.JOBS)


def test_kitchen_may_not_share_a_mandatory_pool_while_a_tip_credit_is_taken() -> None:
    """29 CFR 531.54(c), as amended by the 2020 final rule (85 FR 86756): back-of-house staff may share a
    mandatory tip pool only when the employer takes no tip credit."""
    with pytest.raises(NotAllowed, match=r"29 CFR 531\.54\(c\).*85 FR 86756"):
        check(CREDIT._replace(kitchen_shares=True))
    assert check(CREDIT) == CREDIT  # the kitchen out: lawful
    with pytest.raises(NotAllowed, match="Kitchen staff are back of house"):  # not by calling them front of house
        check(CREDIT._replace(front_of_house=(Role.SERVER, Role.KITCHEN), back_of_house=()))
    assert not CREDIT._replace(back_of_house=()).counts_toward_pool(Role.KITCHEN)
    assert check(DEFAULT._replace(jurisdiction="NY")) is not None  # no tip credit: the kitchen may share
    # Even a policy stored before the rule was checked cannot pool the kitchen under a tip credit.
    why = tip_policy.why_not_pooled(CREDIT._replace(kitchen_shares=True), Role.KITCHEN)
    assert why is not None and "29 CFR 531.54(c)" in why


def test_california_forbids_deducting_card_fees_from_tips() -> None:
    """California Labor Code section 351: no part of a gratuity may be taken, card fees included."""
    with pytest.raises(NotAllowed, match="Labor Code section 351"):
        check(DEFAULT._replace(jurisdiction="CA", deduct_card_fees=True))
    assert check(DEFAULT._replace(jurisdiction="NY", deduct_card_fees=True)).deduct_card_fees
    assert check(DEFAULT._replace(jurisdiction="CA")).jurisdiction == "CA"


@pytest.mark.parametrize("state", sorted(tip_policy.NO_TIP_CREDIT_STATES))
def test_no_tip_credit_in_a_state_that_allows_none(state: str) -> None:
    """29 U.S.C. 218(a) keeps a stricter state law: AK, CA, MN, MT, NV, OR and WA require the full state
    minimum wage before tips, so no tip credit may be taken there."""
    with pytest.raises(NotAllowed, match=rf"{state} allows no tip credit.*218\(a\)"):
        check(CREDIT._replace(jurisdiction=state))
    assert check(CREDIT._replace(jurisdiction=state, tip_credit_minor=0)) is not None


def test_the_tip_credit_is_at_most_the_federal_maximum() -> None:
    """29 U.S.C. 203(m)(2)(A): a cash wage of at least $2.13 an hour against the $7.25 minimum, so a tip
    credit of at most $5.12 an hour."""
    assert check(CREDIT._replace(tip_credit_minor=512)).tip_credit_minor == 512
    with pytest.raises(NotAllowed, match=r"at most \$5\.12.*at least \$2\.13.*203\(m\)"):
        check(CREDIT._replace(tip_credit_minor=513))


def test_no_tip_credit_outside_the_us() -> None:
    """29 U.S.C. 203(m): the tip credit is a US rule; with jurisdiction 'none' there is none to take."""
    with pytest.raises(NotAllowed, match=r"US rule \(29 U\.S\.C\. 203\(m\)\)"):
        check(CREDIT._replace(jurisdiction="none"))
    with pytest.raises(NotAllowed, match="reckoned in dollars"):
        check(CREDIT, currency="EUR")


def test_jobs_are_front_or_back_of_house_never_both_never_a_manager() -> None:
    """FLSA 3(m)(2)(B): owners and managers never share in employees' tips, so they are never a tipped job."""
    with pytest.raises(NotAllowed, match="both front and back of house"):
        check(DEFAULT._replace(back_of_house=(Role.KITCHEN, Role.SERVER)))
    with pytest.raises(NotAllowed, match=r"3\(m\)\(2\)\(B\)"):
        check(DEFAULT._replace(front_of_house=(Role.SERVER, Role.MANAGER)))
    assert tip_policy.why_not_pooled(DEFAULT, Role.MANAGER) is not None
    assert tip_policy.why_not_pooled(DEFAULT._replace(front_of_house=(Role.SERVER,)), Role.DRIVER) == (
        "driver is not a tipped job in the store's policy")


# -- the card-fee deduction's limit (the place its own rule is kept) ---------------------------------

FEES = DEFAULT._replace(jurisdiction="NY", deduct_card_fees=True)


def test_a_fee_deduction_is_never_above_the_processors_real_rate() -> None:
    """29 U.S.C. 203(m)(2)(B) and DOL Fact Sheet #15: a card tip may be reduced by the processor's own
    percentage, no more; never in California (Labor Code section 351), never when the policy says no."""
    # $3.00 tip on a $20.00 charge whose fee was $0.88 (4.4%): 13.2 cents, so at most 13.
    assert fee_deduction_limit_minor(FEES, 300, 88, 2000) == 13
    assert check_fee_deduction(FEES, 13, 300, 88, 2000) == 13
    with pytest.raises(NotAllowed, match="above the processor's real fee rate"):
        check_fee_deduction(FEES, 14, 300, 88, 2000)
    with pytest.raises(NotAllowed, match="Labor Code section 351"):
        check_fee_deduction(FEES._replace(jurisdiction="CA"), 1, 300, 88, 2000)
    with pytest.raises(NotAllowed, match="deducts no card fees"):
        check_fee_deduction(DEFAULT, 1, 300, 88, 2000)
    with pytest.raises(InvalidInput, match="cannot be negative"):
        check_fee_deduction(FEES, -1, 300, 88, 2000)
    assert fee_deduction_limit_minor(DEFAULT, 300, 88, 2000) == 0


@given(tip=st.integers(0, 10**7), fee=st.integers(0, 10**6), rest=st.integers(0, 10**8))
def test_the_fee_limit_is_the_real_rate_to_the_cent_and_never_more_than_the_tip(tip: int, fee: int, rest: int) -> None:
    charged = tip + rest + 1  # the charge holds the tip
    limit = fee_deduction_limit_minor(FEES, tip, fee, charged)
    assert 0 <= limit <= tip
    # Within half a cent of the exact share tip * fee / charged, rounded half up (integers only).
    if limit < tip:
        assert 2 * abs(limit * charged - tip * fee) <= charged
    assert fee_deduction_limit_minor(FEES._replace(jurisdiction="CA"), tip, fee, charged) == 0


# -- the history ----------------------------------------------------------------------------------


@freeze_time(NOON)
def test_the_policy_in_force_on_each_day_is_kept_and_each_change_audited(store: Store) -> None:
    assert policy_on(store, DAY) == DEFAULT
    later = set_policy(store, ["jurisdiction", "NY", "tip-credit", "2.13", "kitchen-shares", "no"], date(2026, 11, 30))
    assert later.effective_from == date(2026, 11, 30) and later.policy == CREDIT
    assert policy_on(store, DAY) == DEFAULT and policy_on(store, date(2026, 11, 29)) == DEFAULT
    assert policy_on(store, date(2026, 11, 30)) == CREDIT and policy_on(store, date(2027, 1, 1)) == CREDIT
    today = set_policy(store, ["card-fees", "yes"])  # on today's policy; the change set for the 30th stands
    assert today.effective_from == DAY and policy_on(store) == DEFAULT._replace(deduct_card_fees=True)
    assert policy_on(store, date(2026, 11, 30)) == CREDIT
    (event, second) = [r for r in audit.records(store) if r.event is audit.Event.TIP_POLICY]
    assert event.detail["target"] == "tip policy from 2026-11-30"
    assert event.detail["before"]["tip_credit_minor"] == 0 and event.detail["after"]["tip_credit_minor"] == 213
    assert (event.detail["before"]["jurisdiction"], event.detail["after"]["jurisdiction"]) == ("none", "NY")
    assert (second.detail["before"]["deduct_card_fees"], second.detail["after"]["deduct_card_fees"]) == (False, True)
    with pytest.raises(sqlite3.IntegrityError, match="kept as it was set"):
        with store.write() as conn:
            conn.execute("UPDATE tip_policies SET tip_credit_minor = 0")
    with pytest.raises(sqlite3.IntegrityError, match="kept as it was set"):
        with store.write() as conn:
            conn.execute("DELETE FROM tip_policies")


@freeze_time(NOON)
def test_refused_changes_write_nothing(store: Store) -> None:
    refused(store, InvalidInput, "the policy of a past day stays", set_policy, store, ["card-fees", "yes"],
            date(2026, 11, 22))
    refused(store, NotAllowed, "Labor Code section 351", set_policy, store, ["jurisdiction", "CA", "card-fees", "yes"])
    refused(store, NotAllowed, "29 CFR 531.54(c)", set_policy, store, ["jurisdiction", "NY", "tip-credit", "2.13"])
    refused(store, InvalidInput, "not a tip policy key", set_policy, store, ["tipcredit", "2.13"])
    refused(store, InvalidInput, "KEY VALUE pairs", set_policy, store, ["jurisdiction"])
    refused(store, InvalidInput, "not a jurisdiction", set_policy, store, ["jurisdiction", "ZZ"])
    refused(store, InvalidInput, "not a tipped job", set_policy, store, ["front-of-house", "server,manager"])
    refused(store, InvalidInput, "yes or no", set_policy, store, ["kitchen-shares", "maybe"])
    refused(store, InvalidInput, "cannot be negative", set_policy, store, ["tip-credit", "-1"])
    assert policy_on(store) == DEFAULT


# -- the commands ---------------------------------------------------------------------------------


@freeze_time(NOON)
def test_cli_policy_show_and_set_with_amounts_in_the_stores_format(cli) -> None:
    out = cli.ok("tips", "policy", "show").stdout
    assert "tip-credit" in out and "none" in out and "The defaults: never changed" in out and "Not legal advice" in out
    done = cli.ok("tips", "policy", "set", "jurisdiction", "ny", "tip-credit", "$2.13", "kitchen-shares", "no").stdout
    assert "$2.13 an hour" in done and "NY" in done and "in force from 2026-11-23" in done
    shown = json.loads(cli.ok("tips", "policy", "show", "--json").stdout)
    assert shown["policy"]["tip_credit_minor"] == 213 and shown["policy"]["back_of_house"] == ["kitchen"]
    assert [c["effective_from"] for c in shown["history"]] == ["2026-11-23"]
    cli.ok("tips", "policy", "set", "front-of-house", "server,cashier", "--from", "2026-12-01")
    assert "driver" in cli.ok("tips", "policy", "show").stdout  # not yet
    assert json.loads(cli.ok("tips", "policy", "show", "--day", "2026-12-01", "--json").stdout)["policy"][
        "front_of_house"] == ["server", "cashier"]


@freeze_time(NOON)
def test_cli_policy_set_refuses_bad_input_and_writes_nothing(cli) -> None:
    cli.fails("tips", "policy", "set", "kitchen-shares", "yes", "tip-credit", "2.13", "jurisdiction", "NY",
              says="29 CFR 531.54(c)")
    cli.fails("tips", "policy", "set", "jurisdiction", "CA", "card-fees", "yes", says="Labor Code section 351")
    cli.fails("tips", "policy", "set", "jurisdiction", "WA", "tip-credit", "2", "kitchen-shares", "no",
              says="WA allows no tip credit")
    cli.fails("tips", "policy", "set", "jurisdiction", "TX", "tip-credit", "6", "kitchen-shares", "no",
              says="at most $5.12")
    cli.fails("tips", "policy", "set", "tip-credit", "2.13", "kitchen-shares", "no", says="jurisdiction 'none'")
    cli.fails("tips", "policy", "set", "tip-credit", "abc", says="abc")
    cli.fails("tips", "policy", "set", "tip-credit", "-2", says="cannot be negative")
    cli.fails("tips", "policy", "set", "tip-credit", "2.133", says="2.133")
    cli.fails("tips", "policy", "set", "colour", "blue", says="not a tip policy key")
    cli.fails("tips", "policy", "set", "jurisdiction", says="KEY VALUE pairs")
    cli.fails("tips", "policy", "set", "card-fees", "yes", "--from", "2026-11-01", says="past day")
    cli.fails("tips", "policy", "set", "card-fees", "yes", "--from", "soon", says="soon")
    cli.fails("tips", "policy", "show", "--day", "2026-13-01", says="2026-13-01")


@freeze_time(NOON)
def test_only_who_may_change_settings_sets_the_policy(store: Store, cli) -> None:
    """The permission table: CHANGE_SETTINGS (owners); a refusal is audited and nothing else written."""
    from pos.store import config
    from pos.people.staff import add_staff

    add_staff(store, "Tony", "owner", "258036")
    add_staff(store, "Alice", "cashier", "2580")
    config.set_option(store, "signin.required", "yes")
    cli.ok("login", "Alice", input="2580\n")
    cli.fails("tips", "policy", "set", "card-fees", "yes", says="may not change store settings", audited=True)
    cli.ok("tips", "policy", "show")  # anyone may read it
    cli.ok("login", "Tony", input="258036\n")
    cli.ok("tips", "policy", "set", "card-fees", "yes")
    assert policy_on(store).deduct_card_fees
