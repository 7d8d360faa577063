"""CLI: orders on every channel (``pos order ...``).

The ``store`` fixture is USD, tax-exclusive, ``standard`` at 8.875%, with
PIZZA-M at 12.50 and SODA at 2.49.  Expected totals are worked out by hand in
the comments (tax is rounded half-up once per category).
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from typing import Any, Iterator

import pytest
from freezegun import freeze_time
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from conftest import Cli, snapshot


@pytest.fixture(autouse=True)
def _midday() -> Iterator[None]:
    """Noon in New York, far from the 04:00 rollover, so "today's #1" cannot change mid-test."""
    with freeze_time("2026-01-14 17:00:00"):
        yield


def js(result: Any) -> Any:
    return json.loads(result.stdout)


def show(cli: Cli, order: str) -> dict[str, Any]:
    return js(cli.ok("order", "show", order, "--json"))


def money_fields(view: dict[str, Any]) -> tuple[int, int, int, int]:
    return view["subtotal_minor"], view["discount_minor"], view["tax_minor"], view["total_minor"]


def ring_two_pizzas_and_a_soda(cli: Cli) -> dict[str, Any]:
    """Order #1: 2 x PIZZA-M + 1 x SODA.

    subtotal 2 x 12.50 + 2.49 = 27.49; tax 27.49 x 8.875% = 2.4397375 -> 2.44; total 29.93
    """
    order = js(cli.ok("order", "new", "--json"))
    cli.ok("order", "add", "1", "PIZZA-M", "--qty", "2")
    cli.ok("order", "add", "1", "SODA")
    return order


# -- numbering and ids ---------------------------------------------------------------


def test_orders_numbered_per_business_day_with_stable_ids(cli: Cli) -> None:
    with freeze_time("2026-01-14 17:00:00") as frozen:  # 12:00 in New York
        made = [js(cli.ok("order", "new", "--json")) for _ in range(3)]
        assert [o["number"] for o in made] == [1, 2, 3]
        assert {o["business_day"] for o in made} == {"2026-01-14"}
        ids = [o["id"] for o in made]
        assert len(set(ids)) == 3 and all(i.startswith("ord_") for i in ids)
        assert show(cli, "2")["id"] == ids[1]
        assert show(cli, "#3")["id"] == ids[2]
        assert show(cli, ids[0])["number"] == 1

        frozen.move_to("2026-01-15 17:00:00")  # the next day
        next_day = js(cli.ok("order", "new", "--json"))
        assert (next_day["number"], next_day["business_day"]) == (1, "2026-01-15")
        assert next_day["id"] not in ids
        # Yesterday's order keeps its id and number; today's "2" does not exist.
        old = show(cli, ids[1])
        assert (old["number"], old["business_day"]) == (2, "2026-01-14")
        cli.fails("order", "show", "2", says="No order #2 on 2026-01-15")


def test_order_new_human_output(cli: Cli) -> None:
    out = cli.ok("order", "new").stdout
    assert out.startswith("Order #1 (counter) ord_")


@pytest.mark.parametrize("channel", ["counter", "phone", "delivery", "kiosk", "PHONE"])
def test_every_channel_works_without_customer_details(cli: Cli, channel: str) -> None:
    order = js(cli.ok("order", "new", "--channel", channel, "--json"))
    assert order["channel"] == channel.lower()
    assert order["status"] == "open"
    assert (order["customer_name"], order["customer_phone"], order["address"]) == (None, None, None)
    cli.ok("order", "add", "1", "SODA")
    view = show(cli, "1")
    assert view["channel"] == channel.lower()
    assert view["total_minor"] == 271  # 2.49 + 0.2209875 -> 0.22


def test_customer_details_are_optional_and_settable(cli: Cli) -> None:
    order = js(cli.ok("order", "new", "--channel", "delivery", "--phone", "555-0100", "--json"))
    assert (order["customer_name"], order["customer_phone"], order["address"]) == (None, "555-0100", None)
    updated = js(cli.ok("order", "set", "1", "--name", " Sam ", "--address", "4 Elm  Street", "--json"))
    assert (updated["customer_name"], updated["customer_phone"], updated["address"]) == (
        "Sam", "555-0100", "4 Elm Street"
    )
    assert cli.ok("order", "set", "1", "--phone", "+1 (555) 010-0199").stdout == "Order #1 updated.\n"
    assert show(cli, "1")["customer_phone"] == "+1 (555) 010-0199"


# -- lines -----------------------------------------------------------------------------


def test_add_with_qty_and_totals(cli: Cli) -> None:
    cli.ok("order", "new")
    first = js(cli.ok("order", "add", "1", "pizza-m", "--qty", "2", "--json"))
    assert first["lines"] == [
        {"line_no": 1, "sku": "PIZZA-M", "name": "Margherita 12in", "quantity": 2,
         "unit_price_minor": 1250, "tax_category": "standard", "net_minor": 2500}
    ]
    # 25.00 x 8.875% = 2.21875 -> 2.22
    assert money_fields(first) == (2500, 0, 222, 2722)
    out = cli.ok("order", "add", "1", "SODA", "-q", "1").stdout
    assert out == "#1: line 2, 1 x Soda 20oz $2.49  total $29.93\n"
    view = show(cli, "1")
    assert money_fields(view) == (2749, 0, 244, 2993)
    assert view["tax_by_category_minor"] == {"standard": 244}
    assert view["tax_included"] is False
    assert view["currency"] == "USD"


def test_show_text(cli: Cli) -> None:
    ring_two_pizzas_and_a_soda(cli)
    out = cli.ok("order", "show", "1").stdout
    assert out.startswith("Order 2026-01-14/1 (counter, open) ord_")
    assert "2 x Margherita 12in" in out and "$25.00" in out
    assert "1 x Soda 20oz" in out and "$2.49" in out
    assert "  Subtotal $27.49\n" in out
    assert "  Tax standard $2.44\n" in out
    assert out.endswith("  Total $29.93\n")
    assert "Discounts" not in out


def test_remove_last_line_and_a_numbered_line(cli: Cli) -> None:
    ring_two_pizzas_and_a_soda(cli)
    cli.ok("order", "add", "1", "SODA", "--qty", "3")
    removed = js(cli.ok("order", "remove", "1", "--json"))  # the last line (3 sodas)
    assert [line["line_no"] for line in removed["lines"]] == [1, 2]
    assert removed["total_minor"] == 2993
    out = cli.ok("order", "remove", "1", "1").stdout
    # left: one soda, 2.49 + 0.22 = 2.71
    assert out == "#1: removed line 1 (Margherita 12in)  total $2.71\n"
    view = show(cli, "1")
    assert [(line["line_no"], line["sku"]) for line in view["lines"]] == [(2, "SODA")]
    assert money_fields(view) == (249, 0, 22, 271)


def test_remove_bad_input(cli: Cli) -> None:
    cli.ok("order", "new")
    cli.fails("order", "remove", "1", says="has no lines to remove")
    cli.ok("order", "add", "1", "SODA")
    cli.fails("order", "remove", "1", "7", says="has no line 7 (its lines: 1)")


def test_line_keeps_the_price_it_was_rung_at(cli: Cli) -> None:
    cli.ok("order", "new")
    cli.ok("order", "add", "1", "SODA")
    cli.ok("item", "edit", "SODA", "--price", "3.00", "--name", "Soda large")
    cli.ok("order", "add", "1", "SODA")
    lines = show(cli, "1")["lines"]
    assert [(line["name"], line["unit_price_minor"]) for line in lines] == [("Soda 20oz", 249), ("Soda large", 300)]


# -- discounts -------------------------------------------------------------------------


def test_order_percent_discount(cli: Cli) -> None:
    ring_two_pizzas_and_a_soda(cli)
    # 27.49 x 10% = 2.749 -> 2.75; net 24.74; tax 24.74 x 8.875% = 2.195675 -> 2.20; total 26.94
    out = cli.ok("order", "discount", "1", "10%", "--reason", "first order").stdout
    assert out == "#1: discount $2.75 (first order)  total $26.94\n"
    view = show(cli, "1")
    assert money_fields(view) == (2749, 275, 220, 2694)
    assert view["discounts"] == [
        {"line_no": None, "kind": "percent", "value": "10", "reason": "first order", "amount_minor": 275}
    ]
    # 2.75 spread 2500:249 -> 250.09 / 24.91 -> 250 + 25 (largest remainder)
    assert [line["net_minor"] for line in view["lines"]] == [2250, 224]


def test_order_amount_discount(cli: Cli) -> None:
    ring_two_pizzas_and_a_soda(cli)
    # net 27.49 - 2.00 = 25.49; tax 2.2622375 -> 2.26; total 27.75
    view = js(cli.ok("order", "discount", "1", "2.00", "--reason", "late delivery", "--json"))
    assert money_fields(view) == (2749, 200, 226, 2775)
    assert view["discounts"][0]["kind"] == "amount"
    assert view["discounts"][0]["amount_minor"] == 200


def test_line_discount(cli: Cli) -> None:
    ring_two_pizzas_and_a_soda(cli)
    # soda 2.49 - 1.00 = 1.49; net 26.49; tax 2.3509875 -> 2.35; total 28.84
    view = js(cli.ok("order", "discount", "1", "1.00", "--reason", "promo", "--line", "2", "--json"))
    assert money_fields(view) == (2749, 100, 235, 2884)
    assert [line["net_minor"] for line in view["lines"]] == [2500, 149]
    assert view["discounts"][0]["line_no"] == 2
    out = cli.ok("order", "show", "1").stdout
    assert "discount amount on line 2 (promo)" in out and "-$1.00" in out
    assert "  Discounts -$1.00\n" in out


def test_line_then_order_discount(cli: Cli) -> None:
    ring_two_pizzas_and_a_soda(cli)
    cli.ok("order", "discount", "1", "50%", "--reason", "half soda", "--line", "2")
    view = js(cli.ok("order", "discount", "1", "10%", "--reason", "regular", "--json"))
    # line 2: 2.49 x 50% = 1.245 -> 1.25, leaves 1.24
    # order: (25.00 + 1.24) x 10% = 2.624 -> 2.62, spread 2500:124 -> 249.62 / 12.38 -> 250 + 12
    # net 22.50 + 1.12 = 23.62; tax 2.096275 -> 2.10; total 25.72
    assert [d["amount_minor"] for d in view["discounts"]] == [125, 262]
    assert [line["net_minor"] for line in view["lines"]] == [2250, 112]
    assert money_fields(view) == (2749, 387, 210, 2572)


def test_removing_a_line_takes_its_discount_with_it(cli: Cli) -> None:
    ring_two_pizzas_and_a_soda(cli)
    cli.ok("order", "discount", "1", "1.00", "--reason", "promo", "--line", "2")
    view = js(cli.ok("order", "remove", "1", "2", "--json"))
    assert view["discounts"] == []
    assert money_fields(view) == (2500, 0, 222, 2722)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("10%",), "needs a reason"),
        (("10%", "--reason", "   "), "needs a reason"),
        (("100.00", "--reason", "too much"), "larger than what it applies to"),
        (("27.50", "--reason", "too much"), "larger than what it applies to"),
        (("150%", "--reason", "too much"), "at most 100%"),
        (("0%", "--reason", "nothing"), "more than 0%"),
        (("12.555%", "--reason", "precise"), "more than 2 decimals"),
        (("lots", "--reason", "x"), "is not an amount"),
        (("0.001", "--reason", "x"), "more decimals"),
        (("1.00", "--reason", "x", "--line", "9"), "has no line 9"),
        (("3.00", "--reason", "x", "--line", "2"), "larger than what it applies to"),
    ],
)
def test_discount_bad_input(cli: Cli, args: tuple[str, ...], says: str) -> None:
    ring_two_pizzas_and_a_soda(cli)
    cli.fails("order", "discount", "1", *args, says=says)


def big_discounts_allowed(cli: Cli) -> None:
    """These tests are about the arithmetic: lift the store's discount limits (tests/test_limits.py has them)."""
    cli.ok("config", "set", "approval.discount_percent_over", "100")
    cli.ok("config", "set", "approval.discount_over", "1000")


def test_discount_equal_to_the_order_is_allowed(cli: Cli) -> None:
    ring_two_pizzas_and_a_soda(cli)
    big_discounts_allowed(cli)
    view = js(cli.ok("order", "discount", "1", "100%", "--reason", "staff meal", "--json"))
    assert money_fields(view) == (2749, 2749, 0, 0)


def test_discount_on_empty_order(cli: Cli) -> None:
    cli.ok("order", "new")
    cli.fails("order", "discount", "1", "1.00", "--reason", "x", says="no items yet")


def test_remove_line_under_an_amount_discount_keeps_the_order_usable(cli: Cli) -> None:
    ring_two_pizzas_and_a_soda(cli)
    big_discounts_allowed(cli)
    cli.ok("order", "discount", "1", "12.00", "--reason", "big promo")
    before = snapshot(cli.path)
    result = cli("order", "remove", "1", "1")  # take the pizzas off: 2.49 left under a 12.00 discount
    assert "Traceback" not in result.output
    # Either refused with nothing written, or done (and the discount dealt with).
    assert result.exit_code == 0 or snapshot(cli.path) == before, result.output
    assert cli("order", "show", "1").exit_code == 0
    assert cli("order", "list").exit_code == 0


# -- listing -------------------------------------------------------------------------


def test_list_totals_and_filters(cli: Cli) -> None:
    ring_two_pizzas_and_a_soda(cli)  # #1: 29.93
    cli.ok("order", "new", "--channel", "phone", "--name", "Sam")
    cli.ok("order", "add", "2", "SODA", "--qty", "3")  # 7.47 + 0.6629625 -> 0.66 = 8.13
    cli.ok("order", "new", "--channel", "kiosk")  # #3: empty
    cli.ok("order", "void", "3", "--reason", "walked away")

    listed = js(cli.ok("order", "list", "--json"))
    assert [(o["number"], o["channel"], o["status"], o["total_minor"]) for o in listed] == [
        (1, "counter", "open", 2993),
        (2, "phone", "open", 813),
        (3, "kiosk", "voided", 0),
    ]
    assert listed[1]["customer_name"] == "Sam"
    assert [o["number"] for o in js(cli.ok("order", "list", "--status", "open", "--json"))] == [1, 2]
    assert [o["number"] for o in js(cli.ok("order", "list", "--status", "voided", "--json"))] == [3]
    assert [o["number"] for o in js(cli.ok("order", "list", "--channel", "phone", "--json"))] == [2]

    text = cli.ok("order", "list").stdout
    assert "$29.93" in text and "$8.13" in text and "Sam" in text
    day = listed[0]["business_day"]
    assert js(cli.ok("order", "list", "--day", day, "--json")) == listed
    assert js(cli.ok("order", "list", "--day", "2000-01-01", "--json")) == []


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--status", "bogus"), "Unknown status 'bogus'"),
        (("--channel", "drone"), "Unknown channel 'drone'"),
        (("--day", "2026-13-01"), "is not a day"),
    ],
)
def test_list_bad_input(cli: Cli, args: tuple[str, ...], says: str) -> None:
    cli.fails("order", "list", *args, says=says)


# -- bad input on new / add --------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("1", "NOPE"), "No item with SKU 'NOPE'"),
        (("1", "SODA", "--qty", "0"), "at least 1, not 0"),
        (("1", "SODA", "--qty", "-1"), "at least 1, not -1"),
        (("1", "SODA", "--qty", "two"), "'two' is not a whole number"),
        (("1", "SODA", "--qty", "1.5"), "not a whole number"),
        (("1", "SODA", "--qty", "10000"), "more than 9999"),
        (("99", "SODA"), "No order #99"),
        (("ord_NOPE", "SODA"), "No order 'ord_NOPE'"),
    ],
)
def test_add_bad_input(cli: Cli, args: tuple[str, ...], says: str) -> None:
    cli.ok("order", "new")
    cli.fails("order", "add", *args, says=says)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--channel", "drone"), "Unknown channel 'drone'"),
        (("--phone", "abc"), "'abc' is not a phone number"),
        (("--phone", "12"), "not a phone number"),
        (("--channel", "phone", "--phone", "call me maybe"), "not a phone number"),
        (("--name", "x" * 81), "longer than 80"),
    ],
)
def test_new_bad_input(cli: Cli, args: tuple[str, ...], says: str) -> None:
    cli.fails("order", "new", *args, says=says)


def test_set_bad_input(cli: Cli) -> None:
    cli.ok("order", "new")
    cli.fails("order", "set", "1", "--phone", "abc", says="not a phone number")
    cli.fails("order", "set", "1", says="Nothing to change")
    cli.fails("order", "set", "5", "--name", "Sam", says="No order #5")


def test_deactivated_item_cannot_be_rung(cli: Cli) -> None:
    cli.ok("order", "new")
    cli.ok("item", "deactivate", "SODA")
    cli.fails("order", "add", "1", "SODA", says="not on sale any more")


def test_unknown_order_number(cli: Cli) -> None:
    cli.fails("order", "show", "1", says="No order #1")
    cli.fails("order", "void", "4", "--reason", "x", says="No order #4")
    cli.fails("order", "discount", "4", "10%", "--reason", "x", says="No order #4")


# -- void ----------------------------------------------------------------------------


def test_void(cli: Cli) -> None:
    ring_two_pizzas_and_a_soda(cli)
    data = js(cli.ok("order", "void", "1", "--reason", " customer  left ", "--json"))
    assert (data["status"], data["void_reason"]) == ("voided", "customer left")
    out = cli.ok("order", "show", "1").stdout
    assert "(counter, voided)" in out and "  Voided: customer left\n" in out


def test_void_human_output(cli: Cli) -> None:
    cli.ok("order", "new")
    assert cli.ok("order", "void", "1", "--reason", "test").stdout == "Order #1 voided (test).\n"


def test_void_bad_input(cli: Cli) -> None:
    ring_two_pizzas_and_a_soda(cli)
    cli.fails("order", "void", "1", says="needs a reason")
    cli.fails("order", "void", "1", "--reason", "  ", says="needs a reason")
    cli.ok("order", "void", "1", "--reason", "customer left")
    cli.fails("order", "void", "1", "--reason", "again", says="already voided")


def test_voided_order_cannot_change(cli: Cli) -> None:
    ring_two_pizzas_and_a_soda(cli)
    cli.ok("order", "void", "1", "--reason", "customer left")
    cli.fails("order", "add", "1", "SODA", says="was voided")
    cli.fails("order", "remove", "1", says="was voided")
    cli.fails("order", "discount", "1", "10%", "--reason", "x", says="was voided")
    cli.fails("order", "set", "1", "--name", "Sam", says="was voided")


def test_paid_order_is_refunded_not_voided(cli: Cli) -> None:
    order = ring_two_pizzas_and_a_soda(cli)
    # No payment command yet: mark it paid directly in the file.
    with closing(sqlite3.connect(cli.path)) as conn:
        conn.execute("UPDATE orders SET status = 'paid' WHERE id = ?", (order["id"],))
        conn.commit()
    result = cli.fails("order", "void", "1", "--reason", "changed mind", says="cannot be voided")
    assert "refund" in result.output
    cli.fails("order", "add", "1", "SODA", says="already paid")
    cli.fails("order", "discount", "1", "10%", "--reason", "x", says="already paid")
    view = show(cli, "1")
    assert (view["status"], view["void_reason"], view["total_minor"]) == ("paid", None, 2993)


def test_undiscount_then_remove(cli: Cli) -> None:
    ring_two_pizzas_and_a_soda(cli)
    big_discounts_allowed(cli)
    cli.ok("order", "discount", "1", "12.00", "--reason", "big promo")
    cli.fails("order", "remove", "1", "1", says="undiscount")
    out = js(cli.ok("order", "undiscount", "1", "--json"))
    assert out["discounts"] == []
    cli.ok("order", "remove", "1", "1")
    cli.fails("order", "undiscount", "1", says="no discounts")
    cli.ok("order", "discount", "1", "10%", "--reason", "a")
    cli.fails("order", "undiscount", "1", "3", says="has 1 discount: give 1.")


def _visible(char: str) -> bool:
    import unicodedata

    return not char.isspace() and unicodedata.category(char)[0] not in "CZ"


VISIBLE_CODE = st.text(alphabet=st.characters(codec="utf-8").filter(lambda c: _visible(c) and c != "*"),
                       min_size=1, max_size=20)
#: Every whitespace, control and format character there is (private-use and unassigned ones: the property test below).
INVISIBLE = sorted({chr(c) for c in range(0x110000) if not (0xD800 <= c <= 0xDFFF) and not _visible(chr(c))
                    and (chr(c).isspace() or __import__("unicodedata").category(chr(c)) in ("Cc", "Cf", "Zs", "Zl", "Zp"))})


@hypothesis_settings(max_examples=200, deadline=None)
@given(quantity=st.integers(min_value=0, max_value=10**6), code=VISIBLE_CODE,
       spaces=st.sampled_from(["", " ", "  ", "\t", "\u3000"]))
def test_a_scan_reads_back_its_quantity_and_code(quantity: int, code: str, spaces: str) -> None:
    from pos.sales.order_input import parse_scan

    assert parse_scan(f"{quantity}{spaces}*{spaces}{code}") == (quantity, code)
    assert parse_scan(f"{quantity}*") == (quantity, "")
    assert parse_scan(code) == (1, code)


@pytest.mark.parametrize("where", ["before", "after", "inside"])
def test_every_invisible_character_is_dropped_around_a_scan_and_refused_inside(where: str) -> None:
    from pos.base.errors import InvalidInput
    from pos.sales.order_input import parse_scan

    assert len(INVISIBLE) > 200 and "\u1680" in INVISIBLE and "\x1d" in INVISIBLE and "\u200b" in INVISIBLE
    for char in INVISIBLE:
        if where == "inside":
            with pytest.raises(InvalidInput, match=f"U\\+{ord(char):04X}"):
                parse_scan(f"3*SO{char}DA")
            with pytest.raises(InvalidInput):
                parse_scan(f"0{char}0")
        else:
            line = f"{char}3*SODA" if where == "before" else f"3*SODA{char}"
            assert parse_scan(line) == (3, "SODA"), repr(char)


@hypothesis_settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30))
def test_no_scan_ever_gives_a_code_holding_an_invisible_character(text: str) -> None:
    from pos.base.errors import InvalidInput
    from pos.sales.order_input import parse_scan

    try:
        quantity, code = parse_scan(text)
    except InvalidInput:
        return
    assert quantity >= 0 and all(_visible(c) for c in code)
