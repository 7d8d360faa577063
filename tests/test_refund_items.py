"""Refunds by item: `pos refund N --line L [--qty Q]` gives back returned lines, to the cent.

The order below is worked out by hand (pos/sales/totals.py's rule, tax-exclusive, 10% off the order):

    line 1  Margherita 12in  1 x 12.50   discount 1.25  tax 1.00 (standard)  -> 12.25
    line 2  Soda 20oz        3 x  2.49   discount 0.75  tax 0.59 (standard)  ->  7.31 (2.44, 2.44, 2.43)
    line 3  Lager            2 x  6.00   discount 1.20  tax 1.12 (alcohol)   -> 11.92 (5.96 each)
    total 31.48: standard tax 1.59, alcohol tax 1.12
"""

from __future__ import annotations

import json

import pytest
from freezegun import freeze_time

from payments import refunds, service
from pos.store import config
from pos.store.catalog import add_item, add_tax_category
from pos.cash.drawer import open_drawer
from pos.base.errors import Conflict, InvalidInput
from pos.sales.discounts import add_discount
from pos.sales.orders import add_line, new_order
from pos.people.staff import add_staff, start_shift
from pos.store.store import Store
from receipts import model, text
from tests.conftest import Cli
from tests.helpers import bal, order_sums, refused, verified

NOON = "2026-11-23 17:00:00"  # noon in New York


@pytest.fixture
def shop(store: Store) -> Store:
    add_tax_category(store, "alcohol", "10.375", "Alcohol")
    add_item(store, "LAGER", "Lager", "6.00", "alcohol")
    with freeze_time("2026-11-23 14:00:00"):
        open_drawer(store, 1, "100")
    return store


def ring(store: Store, *, pay: bool = True, split: bool = False) -> str:
    """The order of the module's docstring (its id), paid in cash (in two payments: 20.00, then the rest)."""
    order = new_order(store, "counter")
    add_line(store, order.id, "PIZZA-M")
    add_line(store, order.id, "SODA", 3)
    add_line(store, order.id, "LAGER", 2)
    add_discount(store, order.id, "10%", "regular")
    if pay:
        if split:
            service.pay(store, order.id, "cash", "20")
        service.pay(store, order.id, "cash")
    return order.id


@freeze_time(NOON)
def test_one_soda_gives_back_its_price_less_its_discount_plus_its_tax(shop: Store, cli: Cli) -> None:
    order_id = ring(shop)
    drawer = bal(shop, "assets:cash:drawer:1")
    out = cli.ok("refund", "1", "--line", "2", "--qty", "1").output
    assert out == "Refunded $2.44 on #1 for 1 x Soda 20oz ($2.44) (cash $2.44).\n"
    assert bal(shop, "assets:cash:drawer:1") == drawer - 244
    sums = order_sums(shop, order_id)
    # The sale's figures, less exactly the soda's: 2.49 of sales, 0.25 of discount, 0.20 of standard tax.
    assert sums["income:sales"] == -3197 + 249
    assert sums["income:discounts"] == 320 - 25
    assert sums["liabilities:tax:standard"] == -159 + 20
    assert sums["liabilities:tax:alcohol"] == -112
    out = json.loads(cli.ok("refund", "1", "--line", "2", "--qty", "2", "--json").output)
    assert out["total_minor"] == 244 + 243 and out["items"] == [
        {"line_no": 2, "name": "Soda 20oz", "quantity": 2, "amount_minor": 487}]
    assert order_sums(shop, order_id)["liabilities:tax:standard"] == -159 + 59
    verified(shop)


@freeze_time(NOON)
def test_a_line_gives_back_its_own_tax_not_the_orders_in_proportion(shop: Store, cli: Cli) -> None:
    order_id = ring(shop)
    cli.ok("refund", "1", "--line", "3", "--reason", "warm")
    sums = order_sums(shop, order_id)
    assert sums["liabilities:tax:alcohol"] == 0  # all of the lager's tax, and none of the food's
    assert sums["liabilities:tax:standard"] == -159
    assert sums["income:sales"] == -3197 + 1200 and sums["income:discounts"] == 320 - 120
    assert shop.one("SELECT reason FROM refunds")[0] == "warm"


@freeze_time(NOON)
def test_every_line_one_by_one_gives_back_exactly_the_total(shop: Store, cli: Cli) -> None:
    order_id = ring(shop)
    drawer = bal(shop, "assets:cash:drawer:1")
    for line, qty in (("2", "1"), ("3", "1"), ("2", "1"), ("1", "1"), ("3", "1"), ("2", "1")):
        cli.ok("refund", "1", "--line", line, "--qty", qty)
    assert bal(shop, "assets:cash:drawer:1") == drawer - 3148
    assert {k: v for k, v in order_sums(shop, order_id).items() if v} == {}
    assert shop.one("SELECT status FROM orders")[0] == "refunded"
    assert [r[0] for r in shop.all("SELECT amount_minor FROM refunds ORDER BY rowid")] == [244, 596, 244, 1225, 596, 243]
    cli.fails("refund", "1", "--line", "1", says="already fully refunded")
    verified(shop)


@freeze_time(NOON)
def test_several_lines_at_once_and_the_rest_of_the_order(shop: Store, cli: Cli) -> None:
    order_id = ring(shop)
    out = cli.ok("refund", "1", "--line", "2", "--qty", "1", "--line", "3", "--qty", "2").output
    assert out == "Refunded $14.36 on #1 for 1 x Soda 20oz ($2.44), 2 x Lager ($11.92) (cash $14.36).\n"
    # The rest of the order, with no --line nor --amount: the items not yet returned, by item.
    out = cli.ok("refund", "1", "--reason", "wrong order").output
    assert out == ("Refunded $17.12 on #1 for 1 x Margherita 12in ($12.25), 2 x Soda 20oz ($4.87) (cash $17.12): "
                   "fully refunded.\n")
    assert {k: v for k, v in order_sums(shop, order_id).items() if v} == {}
    assert shop.one("SELECT sum(quantity) FROM refund_items")[0] == 6


@freeze_time(NOON)
def test_split_payment_the_money_goes_back_through_the_tenders(shop: Store, cli: Cli) -> None:
    order_id = ring(shop, split=True)  # 20.00 then 11.48
    out = cli.ok("refund", "1", "--line", "3").output
    assert out == "Refunded $11.92 on #1 for 2 x Lager ($11.92) (cash $11.48, cash $0.44).\n"
    rows = shop.all("SELECT amount_minor, refunded_minor, state FROM payments ORDER BY rowid")
    assert [tuple(r) for r in rows] == [(2000, 44, "partially_refunded"), (1148, 1148, "refunded")]
    assert len({r[0] for r in shop.all("SELECT batch_id FROM refunds")}) == 1  # one refund, two parts
    sums = order_sums(shop, order_id)  # the two parts reverse exactly the lager's own figures
    assert sums["liabilities:tax:alcohol"] == 0 and sums["liabilities:tax:standard"] == -159
    assert sums["income:sales"] == -3197 + 1200 and sums["income:discounts"] == 320 - 120
    verified(shop)


@freeze_time(NOON)
def test_a_tax_included_store_gives_back_the_shelf_price(make_store) -> None:
    store = make_store("vat.db", tax_included=True)
    add_item(store, "BOX", "Gift box", "10.00")
    open_drawer(store, 1, "100")
    order = new_order(store, "counter")
    add_line(store, order.id, "BOX", 3)  # tax inside 30.00: round(3000 x 8.875 / 108.875) = 2.45 (0.82, 0.82, 0.81)
    service.pay(store, order.id, "cash")
    back = refunds.refund(store, order.id, None, "", lines=[(1, 1)])
    assert back.total_minor == 1000
    sums = order_sums(store, order.id)
    assert sums["liabilities:tax:standard"] == -245 + 82 and sums["income:sales"] == -(3000 - 245) + (1000 - 82)
    refunds.refund(store, order.id, None, "", lines=[(1, None)])
    assert {k: v for k, v in order_sums(store, order.id).items() if v} == {}


@freeze_time(NOON)
def test_an_amount_is_for_goodwill_and_needs_a_reason(shop: Store, cli: Cli) -> None:
    ring(shop)
    cli.fails("refund", "1", "--amount", "3", says="A refund needs a reason")
    cli.fails("refund", "1", says="A refund needs a reason")  # the whole order too
    cli.ok("refund", "1", "--line", "2", "--qty", "1")  # items: their reason defaults to 'returned'
    assert shop.one("SELECT reason FROM refunds")[0] == "returned"


@freeze_time(NOON)
def test_goodwill_and_items_together_leave_every_account_exact(shop: Store, cli: Cli) -> None:
    order_id = ring(shop)
    cli.ok("refund", "1", "--amount", "3", "--reason", "slow service")
    cli.ok("refund", "1", "--line", "3")  # the lager's own 11.92, whatever was given before
    assert shop.one("SELECT amount_minor FROM refunds ORDER BY rowid DESC")[0] == 1192
    # What is left (16.56) is less than the items not returned (19.56): the rest goes back as an amount.
    out = cli.ok("refund", "1", "--reason", "closing the tab").output
    assert out.startswith("Refunded $16.56 on #1 (cash $16.56): fully refunded.")
    assert {k: v for k, v in order_sums(shop, order_id).items() if v} == {}
    verified(shop)


@freeze_time(NOON)
def test_items_worth_more_than_is_left_to_refund_are_refused(shop: Store, cli: Cli) -> None:
    ring(shop)
    cli.ok("refund", "1", "--amount", "20", "--reason", "burnt")
    cli.fails("refund", "1", "--line", "1", says="Only $11.48 of order #1 can still be refunded, not $12.25")


@freeze_time(NOON)
@pytest.mark.parametrize(("args", "says"), [
    (("--line", "9"), "Order #1 has no line 9: its lines are 1, 2, 3"),
    (("--line", "0"), "Line '0' is not a line number"),
    (("--line", "two"), "Line 'two' is not a line number"),
    (("--line", "2", "--qty", "0"), "at least 1, not '0'"),
    (("--line", "2", "--qty", "-1"), "at least 1, not '-1'"),
    (("--line", "2", "--qty", "1.5"), "at least 1, not '1.5'"),
    (("--line", "2", "--qty", "4"), "Line 2 (Soda 20oz) of order #1 has 3 left to refund, not 4"),
    (("--line", "2", "--amount", "1"), "either items (--line) or an amount (--amount), not both"),
    (("--line", "2", "--amount", "1", "--reason", "x"), "not both"),
    (("--qty", "1",), "give the line with --line N"),
    (("--line", "1", "--line", "2", "--qty", "1"), "Give one --qty for each --line"),
    (("--line", "2", "--line", "2"), "Line 2 is named twice"),
])
def test_bad_input_is_refused_and_writes_nothing(shop: Store, cli: Cli, args: tuple[str, ...], says: str) -> None:
    ring(shop)
    cli.fails("refund", "1", *args, says=says)


@freeze_time(NOON)
def test_the_same_line_is_never_refunded_beyond_its_quantity(shop: Store, cli: Cli) -> None:
    ring(shop)
    cli.ok("refund", "1", "--line", "2", "--qty", "2")
    cli.fails("refund", "1", "--line", "2", "--qty", "2",
              says="Line 2 (Soda 20oz) of order #1 has 1 left to refund, 2 refunded already, not 2")
    cli.ok("refund", "1", "--line", "2")  # the last one
    cli.fails("refund", "1", "--line", "2", says="was refunded already (3 items): it cannot be refunded twice")
    cli.fails("refund", "1", "--line", "3", "--line", "2", says="refunded already")  # refused whole


@freeze_time(NOON)
def test_lines_of_an_order_not_paid_in_full_are_taken_off_not_refunded(shop: Store, cli: Cli) -> None:
    order_id = ring(shop, pay=False)
    cli.fails("refund", "1", "--line", "1", says="has no captured payment to refund")
    service.pay(shop, order_id, "cash", "5")
    cli.fails("refund", "1", "--line", "1", says="is not paid in full yet: take the line off it instead")


@freeze_time(NOON)
def test_a_free_line_has_no_money_to_give_back(shop: Store, cli: Cli) -> None:
    order = new_order(shop, "counter")
    add_line(shop, order.id, "PIZZA-M")
    add_line(shop, order.id, "SODA")
    add_discount(shop, order.id, "100%", "on the house", line_no=2)
    service.pay(shop, order.id, "cash")
    cli.fails("refund", "1", "--line", "2", says="was free: there is no money to give back")
    cli.ok("refund", "1", "--line", "1", "--line", "2")  # with something else, it comes back too
    assert shop.one("SELECT sum(quantity) FROM refund_items")[0] == 2


# -- limits ---------------------------------------------------------------------------------------------


@pytest.fixture
def staffed(shop: Store, tmp_path, monkeypatch) -> Store:
    config.set_option(shop, "signin.required", "yes")
    config.set_option(shop, "approval.refund_over", "5")
    monkeypatch.setenv("POS_SESSION_FILE", str(tmp_path / "session.json"))
    with freeze_time("2026-11-23 14:00:00"):
        add_staff(shop, "Alice", "cashier", "2580")
        add_staff(shop, "Maria", "manager", "258036")
        for name in ("Alice", "Maria"):
            start_shift(shop, name)
    return shop


@freeze_time(NOON)
def test_item_refunds_add_up_to_the_limits_as_amounts_do(staffed: Store, cli: Cli) -> None:
    ring(staffed)
    cli.ok("login", "Alice", input="2580\n")
    cli.ok("refund", "1", "--line", "2", "--qty", "2")  # 4.88: within her $5.00
    cli.fails("refund", "1", "--line", "2", "--qty", "1", audited=True,
              says="A refund of $2.43 on order #1 needs a manager's approval: with $4.88 already refunded on it, "
                   "that makes $7.31, over the $5.00 limit per order (approval.refund_over)")
    cli.fails("refund", "1", "--line", "3", audited=True, says="A refund of $11.92 on order #1 needs a manager's")
    cli.ok("refund", "1", "--line", "3", "--approve", "Maria", input="258036\n")
    rows = staffed.all("SELECT amount_minor, approved_by IS NOT NULL FROM refunds ORDER BY rowid")
    assert [tuple(r) for r in rows] == [(488, 0), (1192, 1)]
    detail = json.loads(staffed.one("SELECT detail FROM audit_log WHERE action = 'refund' ORDER BY id DESC")[0])
    assert detail["items"] == [{"line": 3, "name": "Lager", "quantity": 2, "amount_minor": 1192}]


@freeze_time(NOON)
def test_item_refunds_count_in_the_daily_limit(staffed: Store, cli: Cli) -> None:
    config.set_option(staffed, "approval.refund_over", "50")
    config.set_option(staffed, "approval.refunds_per_shift_over", "14")
    ring(staffed)
    ring(staffed)
    cli.ok("login", "Alice", input="2580\n")
    cli.ok("refund", "1", "--line", "3")  # 11.92
    cli.fails("refund", "2", "--line", "2", "--qty", "1", audited=True,
              says="with $11.92 already refunded by Alice today, that makes $14.36")


# -- the refund receipt and the Z report ------------------------------------------------------------------


@freeze_time(NOON)
def test_the_refund_receipt_lists_the_items_the_original_total_and_the_tenders(shop: Store, cli: Cli) -> None:
    ring(shop, split=True)
    cli.ok("refund", "1", "--line", "2", "--qty", "2")
    cli.ok("refund", "1", "--line", "3", "--reason", "warm")
    cli.ok("refund", "1", "--amount", "1", "--reason", "slow service")
    body = cli.ok("receipt", "1", "--refund").output
    lines = [line.rstrip() for line in body.splitlines()]
    expected = [
        "2 x Soda 20oz                              $4.88",
        "2 x Lager                                 $11.92",
        "Refund: slow service                       $1.00",
        "Original total                            $31.48",
        "Refunded                                  $17.80",
        "To Cash                                   $17.80",
        "Why: returned",
        "Why: warm",
    ]
    found = [line for line in lines if line in expected]
    assert found == expected, body
    assert "each" not in body  # a returned item's amount is its share of the sale, not a unit price
    receipt = model.build(shop, 1, refund=True)
    assert text.render(receipt, 58).count("\n") > 10


@freeze_time(NOON)
def test_the_z_report_counts_refunded_items(shop: Store, cli: Cli) -> None:
    ring(shop)
    ring(shop)
    cli.ok("refund", "1", "--line", "2", "--qty", "2", "--line", "3", "--qty", "1")
    cli.ok("refund", "2", "--amount", "2", "--reason", "cold")  # an amount returns no item
    cli.ok("refund", "2", "--line", "1")
    report = json.loads(cli.ok("day", "report", "--json").output)
    assert report["refunded_items"] == 4 and report["refunds_count"] == 3
    assert "Refunded items: 4\n" in cli.ok("day", "report").output


@freeze_time(NOON)
def test_refunds_by_item_in_the_library(shop: Store) -> None:
    order_id = ring(shop)
    refused(shop, InvalidInput, "not both", refunds.refund, shop, order_id, "1", "x", lines=[(1, 1)])
    refused(shop, InvalidInput, "Name a line", refunds.refund, shop, order_id, None, "", lines=[])
    back = refunds.refund(shop, order_id, None, "", lines=[(3, 1)])
    assert back.items == (refunds.RefundedItem(3, "Lager", 1, 596),) and back.total_minor == 596
    refunds.refund(shop, order_id, None, "", lines=[(3, 1)])
    refused(shop, InvalidInput, "refunded already", refunds.refund, shop, order_id, None, "", lines=[(3, 1)])


@freeze_time(NOON)
def test_two_registers_never_refund_the_same_line_twice(shop: Store) -> None:
    """While one register's refund of a line is with its tender, the line is on its way back: another register
    refunding it is refused, and the money that refund holds is not refunded twice either."""
    from pos.base import faults

    order_id = ring(shop)
    other = Store.open(shop.path)
    seen: list[str] = []

    def second_register() -> None:
        faults.clear()  # only once
        for kwargs in ({"lines": [(3, 1)]}, {"lines": [(1, None), (2, None), (3, 1)]}):
            try:
                refunds.refund(other, order_id, None, "", **kwargs)  # type: ignore[arg-type]
            except (InvalidInput, Conflict) as exc:
                seen.append(str(exc))

    faults.on("refund.requested", second_register)
    try:
        refunds.refund(shop, order_id, None, "", lines=[(3, 2)])
    finally:
        faults.clear()
        other.close()
    assert "was refunded already" in seen[0]
    assert "has 0 left" in seen[1] or "refunded already" in seen[1]
    assert [r[0] for r in shop.all("SELECT amount_minor FROM refunds ORDER BY rowid")] == [1192]
    verified(shop)


@freeze_time(NOON)
def test_money_a_pending_refund_holds_is_not_given_twice(shop: Store) -> None:
    from pos.base import faults

    order_id = ring(shop)
    other = Store.open(shop.path)
    seen: list[str] = []

    def second_register() -> None:
        faults.clear()
        try:
            refunds.refund(other, order_id, None, "the rest")
        except Conflict as exc:
            seen.append(str(exc))

    faults.on("refund.requested", second_register)
    try:
        refunds.refund(shop, order_id, "31.48", "all of it")
    finally:
        faults.clear()
        other.close()
    assert seen == ["The rest of order #1 is being refunded already; if that refund was interrupted, run "
                    "'pos payments recover' to finish it."]
    assert bal(shop, "assets:cash:drawer:1") == 10000


# -- the arithmetic, for any order ------------------------------------------------------------------------

from decimal import Decimal  # noqa: E402

from hypothesis import given, settings, strategies as st  # noqa: E402

from pos.sales import posting_rules  # noqa: E402
from pos.base.shares import allocate  # noqa: E402
from pos.sales.order_records import Line  # noqa: E402
from pos.sales.returns import share, units  # noqa: E402
from pos.sales.totals import DiscountInput, DiscountKind, LineInput, compute_totals  # noqa: E402

_RATES = [Decimal("0"), Decimal("8.875"), Decimal("10.375"), Decimal("20")]


@st.composite
def orders(draw):
    count = draw(st.integers(1, 6))
    lines = [LineInput(no, draw(st.integers(1, 7)), draw(st.integers(0, 5000)), draw(st.sampled_from("ab")),
                       draw(st.sampled_from(_RATES))) for no in range(1, count + 1)]
    discounts = []
    for line in lines:
        if draw(st.booleans()):
            discounts.append(DiscountInput(line.line_no, DiscountKind.PERCENT, Decimal(draw(st.integers(0, 100))), "l"))
    if draw(st.booleans()):
        discounts.append(DiscountInput(None, DiscountKind.PERCENT, Decimal(draw(st.integers(0, 100))), "o"))
    if draw(st.booleans()):
        discounts.append(DiscountInput(None, DiscountKind.AMOUNT, draw(st.integers(0, 50)), "a"))
    chunks = {line.line_no: draw(st.lists(st.integers(1, 3), min_size=1, max_size=7)) for line in lines}
    return lines, discounts, draw(st.booleans()), chunks


@settings(max_examples=300, deadline=None)
@given(orders())
def test_returning_every_line_in_any_steps_gives_back_exactly_the_sale(case) -> None:
    lines, discounts, tax_included, chunks = case
    try:
        totals = compute_totals(lines, discounts, tax_included)
    except InvalidInput:  # an amount discount larger than what it applies to: no such order
        return
    returned = []
    for line, line_total in zip(lines, totals.lines):
        as_line = Line(line.line_no, "X", "Item", line.quantity, line.unit_price_minor, line.tax_category,
                       line.tax_rate_percent)
        done = 0
        steps = []
        for step in chunks[line.line_no] + [line.quantity]:  # some steps, then whatever is left
            step = min(step, line.quantity - done)
            if step <= 0:
                break
            steps.append(share(as_line, line_total, done, step, tax_included))
            done += step
        assert done == line.quantity
        assert sum(s.amount_minor for s in steps) == line_total.net_minor + (0 if tax_included else line_total.tax_minor)
        assert sum(s.tax_minor for s in steps) == line_total.tax_minor
        assert sum(s.discount_minor for s in steps) == line_total.discount_minor
        assert all(s.amount_minor >= 0 and s.discount_minor <= s.gross_minor for s in steps)
        returned += steps
    # Every line back, in any steps: exactly the order's total, and exactly the sale's entry, account by account.
    assert sum(r.amount_minor for r in returned) == totals.total_minor
    currency = "USD"
    as_sale = {p.account: p.amount_minor for p in posting_rules.sale(totals, currency) if p.amount_minor}
    if returned and any(r.amount_minor for r in returned):
        back = {p.account: p.amount_minor for p in posting_rules.returned(returned, currency)}
        assert back == as_sale


@given(st.integers(0, 10**6), st.integers(1, 40), st.data())
def test_units_are_largest_remainder_over_equal_shares(total: int, count: int, data) -> None:
    first = data.draw(st.integers(0, count - 1))
    quantity = data.draw(st.integers(1, count - first))
    assert units(total, count, first, quantity) == sum(allocate(total, [1] * count)[first:first + quantity])


# -- a tender that refuses ---------------------------------------------------------------------------------


@freeze_time(NOON)
def test_a_refused_card_refund_sends_none_of_the_rest_and_returns_no_item(make_store, monkeypatch) -> None:
    from payments.base import DeclineReason, Outcome
    from payments.training import TrainingProcessor

    store = make_store("training.db", training=True)
    add_item(store, "PIZZA-M", "Margherita 12in", "12.50")  # 12.50 + 1.11 tax = 13.61
    open_drawer(store, 1, "100")
    order = new_order(store, "counter")
    add_line(store, order.id, "PIZZA-M", 2)
    service.pay(store, order.id, "cash", "10")
    service.pay(store, order.id, "card")  # 17.22, the newest: refunded first
    drawer = bal(store, "assets:cash:drawer:1")
    monkeypatch.setattr(TrainingProcessor, "refund",
                        lambda self, *args: Outcome.declined(DeclineReason.PROCESSING_ERROR))
    with pytest.raises(Conflict, match="was refused"):
        refunds.refund(store, order.id, None, "", lines=[(1, 2)])
    # The card part was refused and the cash part never sent: no money moved, the pizzas are not returned.
    assert [r[0] for r in store.all("SELECT state FROM refunds ORDER BY rowid")] == ["failed", "failed"]
    assert bal(store, "assets:cash:drawer:1") == drawer
    assert service.recover(store) == []
    monkeypatch.undo()
    back = refunds.refund(store, order.id, None, "", lines=[(1, 2)])  # the card refunds now: both come back
    assert back.fully_refunded and [p.tender for p in back.parts] == ["card", "cash"]
    verified(store)


# -- which tender the money goes back to (--to) -----------------------------------------------------------


@pytest.fixture
def mixed(make_store) -> Store:
    """The module's order (31.48) in a training store, paid 20.00 by card, then 11.48 in cash (the newest)."""
    store = make_store(training=True)
    add_item(store, "PIZZA-M", "Margherita 12in", "12.50")
    add_item(store, "SODA", "Soda 20oz", "2.49")
    add_tax_category(store, "alcohol", "10.375", "Alcohol")
    add_item(store, "LAGER", "Lager", "6.00", "alcohol")
    with freeze_time(NOON):
        open_drawer(store, 1, "100")
        order_id = ring(store, pay=False)
        service.pay(store, order_id, "card", "20.00")
        service.pay(store, order_id, "cash")
    return store


def refunded_by_tender(store: Store) -> dict[str, int]:
    return {str(t): int(a) for t, a in store.tuples(
        "SELECT tender, refunded_minor FROM payments WHERE refunded_minor > 0 ORDER BY rowid")}


@freeze_time(NOON)
def test_a_line_goes_back_to_the_card_that_paid_by_default_not_the_newest_tender(mixed: Store, cli_for) -> None:
    """Issue 23: a refund by line always took the newest tender first (here the cash)."""
    out = cli_for(mixed).ok("refund", "1", "--line", "2", "--qty", "1").output
    assert out == "Refunded $2.44 on #1 for 1 x Soda 20oz ($2.44) (card $2.44).\n"
    assert refunded_by_tender(mixed) == {"card": 244}
    verified(mixed)


@freeze_time(NOON)
def test_the_cashier_chooses_the_tender_within_what_it_took(mixed: Store, cli_for) -> None:
    cli = cli_for(mixed)
    drawer = bal(mixed, "assets:cash:drawer:1")
    out = cli.ok("refund", "1", "--line", "2", "--qty", "1", "--to", "cash").output
    assert out.endswith("(cash $2.44).\n") and bal(mixed, "assets:cash:drawer:1") == drawer - 244
    data = json.loads(cli.ok("refund", "1", "--line", "1", "--to", "card", "--json").output)
    assert [(p["tender"], p["amount_minor"]) for p in data["parts"]] == [("card", 1225)]
    assert refunded_by_tender(mixed) == {"card": 1225, "cash": 244}
    # Cash took 11.48 and gave 2.44 back: the two lagers (11.92) are more than it has left.
    cli.fails("refund", "1", "--line", "3", "--to", "cash", says="Only $9.04 of order #1 can go back in cash")
    cli.fails("refund", "1", "--amount", "7.76", "--reason", "x", "--to", "card",
              says="Only $7.75 of order #1 can go back to the card")
    out = cli.ok("refund", "1", "--line", "3").output  # by default: the card's 7.75, then cash
    assert out.endswith("(card $7.75, cash $4.17).\n")
    verified(mixed)


@freeze_time(NOON)
def test_a_tender_the_order_was_not_paid_with_is_refused(shop: Store, make_store, cli_for) -> None:
    ring(shop)  # cash only
    cli = cli_for(shop)
    cli.fails("refund", "1", "--line", "2", "--to", "card", says="was not paid by card")
    cli.fails("refund", "1", "--line", "2", "--to", "bank", says="cash or card")
    assert cli.ok("refund", "1", "--line", "2", "--qty", "1").output.endswith("(cash $2.44).\n")
    store = make_store("card.db", training=True)
    add_item(store, "SODA", "Soda 20oz", "2.49")
    order = new_order(store, "counter")
    add_line(store, order.id, "SODA", 2)
    service.pay(store, order.id, "wallet")  # a phone wallet is a card to give back to
    card = cli_for(store)
    card.fails("refund", "1", "--amount", "1.00", "--reason", "x", "--to", "cash", says="was not paid in cash")
    assert card.ok("refund", "1", "--amount", "1.00", "--reason", "x", "--to", "card").output.endswith("(wallet $1.00).\n")
