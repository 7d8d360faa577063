"""Amounts in store options are typed and shown in the store's money, and stored in minor units.

``pos config set approval.refund_over 5`` is $5.00 (the parser sales use, in the store's currency
and locale), and says so; ``pos config show`` lists amounts as money; a cash rounding step the
currency's coins cannot make (0.03 in dollars) is refused, naming the steps that can.
"""

from __future__ import annotations

import json
from typing import Callable

import pytest
from freezegun import freeze_time
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import Cli
from pos.store import config
from pos.store.settings_money import COINS, coins
from pos.store.store import Store

NOON = "2026-01-15 17:00:00"


def stored(store: Store, key: str) -> str | None:
    row = store.one("SELECT value FROM settings WHERE key = ?", (key,))
    return None if row is None else str(row["value"])


def show_line(cli: Cli, key: str) -> str:
    """The option's line of ``pos config show``, with the lines it wraps onto (indented) joined back."""
    shown = cli.ok("config", "show").stdout.replace("\n    ", " ")
    return next(line for line in shown.splitlines() if line.startswith(f"{key} = "))


def test_an_approval_limit_is_read_and_answered_in_money(cli: Cli, store: Store) -> None:
    assert cli.ok("config", "set", "approval.refund_over", "5").stdout == "approval.refund_over = $5.00\n"
    assert stored(store, "approval.refund_over") == "500"
    assert cli.ok("config", "set", "approval.void_over", "$12.50").stdout == "approval.void_over = $12.50\n"
    assert stored(store, "approval.void_over") == "1250"
    assert json.loads(cli.ok("config", "set", "approval.discount_over", "7.5", "--json").stdout) == {
        "key": "approval.discount_over", "value": "750", "shown": "$7.50"}


def test_config_show_lists_amounts_in_money(cli: Cli) -> None:
    assert show_line(cli, "cash.denominations").startswith(
        "cash.denominations = $100.00, $50.00, $20.00, $10.00, $5.00, $1.00, $0.25, $0.10, $0.05, $0.01   (")
    assert show_line(cli, "approval.refund_over").startswith("approval.refund_over = $50.00   (")
    assert show_line(cli, "cash.rounding").startswith("cash.rounding = off   (")
    assert show_line(cli, "approval.discount_percent_over").startswith("approval.discount_percent_over = 20   (")
    # scripts still read minor units
    assert json.loads(cli.ok("config", "show", "--json").stdout)["cash.denominations"] == \
        "10000,5000,2000,1000,500,100,25,10,5,1"


def test_denominations_shown_can_be_typed_back(cli: Cli, store: Store) -> None:
    answer = cli.ok("config", "set", "cash.denominations", "$20.00, $5.00, $1.00, $0.25").stdout
    assert answer == "cash.denominations = $20.00, $5.00, $1.00, $0.25\n"
    assert stored(store, "cash.denominations") == "2000,500,100,25"
    cli.ok("config", "set", "cash.denominations", "100,50,0.25")  # the old form still reads
    assert stored(store, "cash.denominations") == "10000,5000,25"
    cli.ok("config", "set", "cash.denominations", "$1,000.00; $100.00")
    assert stored(store, "cash.denominations") == "100000,10000"
    cli.ok("config", "set", "cash.denominations", "$1,000.00")
    assert stored(store, "cash.denominations") == "100000"
    cli.ok("config", "set", "cash.denominations", "100,500")  # plain numbers and commas: a list, as before
    assert stored(store, "cash.denominations") == "50000,10000"


@pytest.mark.parametrize(("typed", "minor", "shown"), [("0.05", "5", "$0.05"), ("0.25", "25", "$0.25"),
                                                        ("1", "100", "$1.00"), ("0.01", "1", "$0.01"),
                                                        ("0", "0", "off"), ("off", "0", "off")])
def test_cash_rounding_to_a_coin_is_accepted(cli: Cli, store: Store, typed: str, minor: str, shown: str) -> None:
    assert cli.ok("config", "set", "cash.rounding", typed).stdout == f"cash.rounding = {shown}\n"
    assert stored(store, "cash.rounding") == minor


@pytest.mark.parametrize("typed", ["0.03", "0.02", "0.20", "0.07", "2", "5"])
def test_a_rounding_step_no_coin_makes_is_refused_naming_those_that_can(cli: Cli, store: Store, typed: str) -> None:
    result = cli.fails("config", "set", "cash.rounding", typed, says="not a cash rounding step USD coins can make")
    assert "$0.01, $0.05, $0.10, $0.25, $0.50 or $1.00, or 0 for no rounding" in result.output
    assert stored(store, "cash.rounding") is None


@pytest.mark.parametrize(("args", "says"), [
    (("cash.rounding", "-0.05"), "cannot be negative"),
    (("cash.rounding", "0.050"), "more decimals than USD allows"),
    (("cash.rounding", "five cents"), "is not an amount"),
    (("approval.refund_over", "5,00"), "is not an amount"),
    (("cash.denominations", "20, 0, 5"), "must be more than zero"),
    (("cash.denominations", "$20.00, lots"), "is not an amount"),
    (("cash.denominations", " ; "), "comma-separated list"),
])
def test_bad_amounts_in_options_write_nothing(cli: Cli, args: tuple[str, str], says: str) -> None:
    cli.fails("config", "set", *args, says=says)


def test_each_currency_has_its_own_steps(make_store: Callable[..., Store]) -> None:
    cad = make_store("cad.db", currency="CAD", locale="en_CA")
    cli = Cli(cad.path)
    result = cli.fails("config", "set", "cash.rounding", "0.01", says="not a cash rounding step CAD coins can make")
    assert "$0.05, $0.10, $0.25, $0.50, $1.00 or $2.00" in result.output
    assert cli.ok("config", "set", "cash.rounding", "0.05").stdout == "cash.rounding = $0.05\n"

    eur = make_store("eur.db", currency="EUR", locale="de_DE")
    cli = Cli(eur.path)
    cli.fails("config", "set", "cash.rounding", "0,03", says="0,01\xa0€, 0,02\xa0€, 0,05\xa0€, 0,10\xa0€")
    assert cli.ok("config", "set", "cash.rounding", "0,05").stdout == "cash.rounding = 0,05\xa0€\n"
    assert cli.ok("config", "set", "cash.denominations", "50,00 €, 20, 0,50").stdout == \
        "cash.denominations = 50,00\xa0€, 20,00\xa0€, 0,50\xa0€\n"
    assert stored(eur, "cash.denominations") == "5000,2000,50"

    krw = make_store("krw.db", currency="KRW", locale="ko_KR")
    cli = Cli(krw.path)
    cli.fails("config", "set", "cash.rounding", "5", says="₩10, ₩50, ₩100 or ₩500")
    assert cli.ok("config", "set", "cash.rounding", "100").stdout == "cash.rounding = ₩100\n"
    assert cli.ok("config", "set", "approval.refund_over", "50000").stdout == "approval.refund_over = ₩50,000\n"


def test_a_currency_without_a_coin_table_gets_one_two_five_steps() -> None:
    assert "THB" not in COINS
    assert coins("THB") == (1, 2, 5, 10, 20, 50, 100)
    assert coins("ISK") == (1, 2, 5, 10, 20, 50, 100)  # no decimals: up to 100 krónur
    assert coins("KWD") == (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)


def test_an_old_store_with_a_step_set_before_keeps_selling(cli: Cli, store: Store) -> None:
    """Stored values stay minor units: a rounding of 0.03 set before the check still shows and still rounds."""
    with store.write() as conn:
        conn.execute("INSERT INTO settings(key, value) VALUES ('cash.rounding', '3'), "
                     "('approval.refund_over', '2500')")
    assert show_line(cli, "cash.rounding").startswith("cash.rounding = $0.03   (")
    assert show_line(cli, "approval.refund_over").startswith("approval.refund_over = $25.00   (")
    assert config.get_minor(store, "cash.rounding") == 3
    with freeze_time(NOON, tick=True):
        cli.ok("drawer", "open", "--float", "100")
        cli.ok("order", "new")
        cli.ok("order", "add", "1", "SODA")  # 2.49 + 0.22 tax = 2.71, to 0.03s: 2.70
        assert "Cash rounding: -$0.01" in cli.ok("pay", "1", "cash", "5").stdout


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=10**9), min_size=1, max_size=8))
def test_denominations_round_trip_through_what_is_shown(values: list[int]) -> None:
    """What config show prints for a list of amounts reads back as the same amounts, in any order given."""
    from pos.base.money import Money, format_money
    from pos.store.settings_money import parse_list

    class Fake:
        settings = type("S", (), {"currency": "USD", "locale": "en_US"})()

    text = ", ".join(format_money(Money(v, "USD"), "en_US") for v in values)
    assert parse_list(Fake(), text) == values  # type: ignore[arg-type]
