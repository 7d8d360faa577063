"""Closing the day: the drawer formula, counts, refusals, the lock, reopening, settlement, and the Z report."""

from __future__ import annotations

import json
from datetime import date

import pytest
from freezegun import freeze_time
from hypothesis import given, settings
from hypothesis import strategies as st

from payments import cod, service
from payments.base import order_payments
from payments.refunds import refund
from pos.cash import drawer
from pos.books import ledger
from pos.tips import tips
from pos.day.close import close_day, is_closed, parse_count, reopen_day
from pos.day.card_settlement import SettlementLine, match_settlement
from pos.cash.drawer import DrawerParts, drawer_parts, expected_drawer
from pos.base.errors import Conflict, InvalidInput, NotAllowed
from pos.sales.orders import add_line, new_order, void_order
from pos.sales.order_records import resolve
from pos.day.report import day_report
from pos.people.staff import add_staff, get_staff, start_shift
from pos.store.store import Store
from tests.conftest import PIN_RECORDS, snapshot
from tests.helpers import refused, verified

DAY = date(2026, 11, 23)
DURING = "2026-11-23 17:00:00"  # noon in New York
AFTER = "2026-11-24 10:00:00"  # 05:00 next morning: past the 04:00 rollover


def sale(store: Store, sku: str = "PIZZA-M", channel: str = "counter"):
    order = new_order(store, channel)
    add_line(store, order.id, sku)
    return order


@pytest.fixture
def day(store: Store) -> Store:
    """A day with change, a tip, a split card + cash, a refund, a paid-out, a drop, a driver and a tip payout."""
    with freeze_time(DURING):
        add_staff(store, "Alice", "cashier", "2580")
        add_staff(store, "Dave", "driver", "2580")
        add_staff(store, "Maria", "manager", "258036")
        for name in ("Alice", "Dave", "Maria"):
            start_shift(store, name)
        drawer.open_drawer(store, 1, "150")                                              # +150.00 float
        service.pay(store, sale(store).id, "cash", "20", tip_minor=200, tip_to="Alice")  # +13.61 sale +2.00 tip, -4.39
        split = sale(store)
        service.pay(store, split.id, "cash", "5")                                        # +5.00 (part of a split)
        refund(store, split.id, "2.00", "cold")                                          # -2.00 refunded in cash
        service.pay(store, split.id, "cash")                                             # +10.61, the rest
        drawer.move(store, 1, drawer.Movement.PAID_IN, "10", "change from the bank")     # +10.00
        drawer.move(store, 1, drawer.Movement.PAID_OUT, "3.50", "ice")                   # -3.50
        drawer.move(store, 1, drawer.Movement.DROP, "50", "to the safe")                 # -50.00
        delivery = new_order(store, "delivery", address="4 Elm Street")
        add_line(store, delivery.id, "SODA")
        cod.dispatch(store, delivery.id, "Dave")
        cod.collect(store, delivery.id, "5")                                             # Dave holds 5.00
        cod.handin(store, "Dave", "2.00", register=1, received_by=get_staff(store, "Alice"))  # +2.00 handed in
        tips.payout(store, "Alice", 150, tips.PayoutSource.DRAWER, received_by=get_staff(store, "Alice"))  # -1.50
    return store


EXPECTED = 15000 + 2000 - 439 + 500 - 200 + 1061 + 1000 - 350 - 5000 + 200 - 150


def test_the_drawer_formula_by_hand() -> None:
    # A $20 note for 13.61 + a 2.00 tip: 18.00 of cash sales, 2.00 of tips, 4.39 of change.
    parts = DrawerParts(float_minor=15000, cash_sales_minor=1800 + 500 + 1061, cash_tips_minor=200,
                        paid_ins_minor=1000, hand_ins_minor=200, change_minor=439, refunds_minor=200,
                        paid_outs_minor=350, drops_minor=5000, tip_payouts_minor=150)
    assert expected_drawer(parts) == EXPECTED == 13622


def test_the_formula_and_the_books_agree_on_a_mixed_day(day: Store) -> None:
    (row,) = day.all("SELECT id FROM drawers")
    parts = drawer_parts(day, row["id"])
    assert parts == DrawerParts(float_minor=15000, cash_sales_minor=1800 + 500 + 1061, cash_tips_minor=200,
                                paid_ins_minor=1000, hand_ins_minor=200, change_minor=439, refunds_minor=200,
                                paid_outs_minor=350, drops_minor=5000, tip_payouts_minor=150)
    assert expected_drawer(parts) == drawer.expected_cash(day, 1) == EXPECTED


# -- counts ------------------------------------------------------------------------------


def test_counts_by_denomination_or_total(store: Store) -> None:
    assert parse_count(store, "100x2, 20x5,1x7,0.25x4") == (30800, {10000: 2, 2000: 5, 100: 7, 25: 4})
    assert parse_count(store, "245.41") == (24541, None)
    for bad, says in (("3x20", "$3.00 is not a note or coin"), ("20x", "not a count"), ("20xfive", "not a count"),
                      ("", "Give the count"), ("abc", "abc")):
        with pytest.raises(InvalidInput, match=says.replace("$", r"\$")):
            parse_count(store, bad)


@pytest.fixture(scope="module")
def count_store(tmp_path_factory):
    from pos.opening.setup import init_store

    store = init_store(tmp_path_factory.mktemp("count") / "pos.db", name="Counts", currency="USD", locale="en_US",
                       timezone="America/New_York", tax_rate="8.875")
    yield store
    store.close()


@settings(max_examples=50, deadline=None)
@given(counts=st.dictionaries(st.sampled_from([10000, 5000, 2000, 1000, 500, 100, 25, 10, 5, 1]),
                              st.integers(min_value=0, max_value=500), min_size=1))
def test_a_count_written_out_reads_back_to_its_total(count_store: Store, counts: dict[int, int]) -> None:
    store = count_store
    text = ",".join(f"{d // 100}.{d % 100:02d}x{n}" for d, n in counts.items())
    total, read = parse_count(store, text)
    assert total == sum(d * n for d, n in counts.items())
    assert read == {d: n for d, n in sorted(counts.items(), reverse=True)}


# -- closing ------------------------------------------------------------------------------


def test_close_refuses_until_everything_is_accounted_for_and_writes_nothing(day: Store) -> None:
    with freeze_time(DURING):
        refused(day, NotAllowed, "still in progress", close_day, day, DAY, {1: "136.22"})
    with freeze_time(AFTER):
        open_one = sale(day)  # an order still open... on the new day; and one on the closed day:
        void_order(day, open_one.id, "test")
        with freeze_time(DURING):
            left = sale(day)
        refused(day, NotAllowed, f"Orders still open on {DAY}: {left.label}", close_day, day, DAY, {1: "136.22"})
        void_order(day, left.id, "customer left")
        refused(day, NotAllowed, "Count every open drawer first: drawer 1", close_day, day, DAY, {})
        refused(day, InvalidInput, "Drawer 2 is not open", close_day, day, DAY, {1: "136.22", 2: "10"})
        refused(day, InvalidInput, "$3.00 is not a note or coin", close_day, day, DAY, {1: "3x20"})
        refused(day, InvalidInput, "has not begun", close_day, day, date(2026, 11, 30), {})


def test_close_posts_over_short_with_the_counters_name_shares_the_pool_and_locks(day: Store) -> None:
    with freeze_time(DURING):
        service.pay(day, sale(day).id, "cash", "20", tip_minor=100)  # into the pool: Alice and Dave share
    with freeze_time(AFTER):
        expected = drawer.expected_cash(day, 1)
        summary = close_day(day, DAY, {1: f"{(expected - 25) // 100}.{(expected - 25) % 100:02d}"},
                            counted_by=get_staff(day, "Maria"), end_shifts=True)  # Alice and Dave never clocked out
        assert [s.staff_name for s in summary.shifts_ended] == ["Alice", "Dave", "Maria"] and not summary.clocked_in
        (count,) = summary.drawers
        assert (count.expected_minor, count.over_short_minor) == (expected, -25)
        entry = ledger.find_by_key(day, f"drawer:{day.scalar('SELECT id FROM drawers')}:count")
        assert entry is not None and "counted by Maria: short" in entry.memo and entry.business_day == "2026-11-23"
        assert ledger.balances(day, day=DAY)[("expenses:cash-over-short", "USD")] == 25
        assert summary.pool is not None and summary.pool.pool_minor == 100
        assert drawer.current(day, 1) is None  # counted and closed
        assert summary.drivers_out == [("dave", 71)]  # Dave still holds 0.71
        assert is_closed(day, DAY)
        refused(day, Conflict, "already closed", close_day, day, DAY, {})
        # Locked: nothing more goes to the 23rd; what happens now lands on the next open day, naming it.
        with pytest.raises(Conflict, match="2026-11-23 is closed"):
            ledger.post(day, "late:1", "late", ledger.SourceKind.CORRECTION, "x",
                        [ledger.Posting("assets:cash:safe", 100, "USD"), ledger.Posting("equity:owner", -100, "USD")],
                        business_day=DAY)
    with freeze_time("2026-11-24 05:00:00"):  # 00:00 local: still the 23rd's business day, but it is closed
        late = ledger.post(day, "late:2", "Correction", ledger.SourceKind.CORRECTION, "x",
                           [ledger.Posting("assets:cash:safe", 100, "USD"),
                            ledger.Posting("equity:owner", -100, "USD")])
        assert late.business_day == "2026-11-24" and "(late: 2026-11-23 was already closed)" in late.memo
    verified(day)


def test_the_close_lists_staff_still_clocked_in_and_ends_their_shifts_only_when_told(day: Store, cli_for) -> None:
    """Issue 23: 'pos day close' said nothing of staff still clocked in (and shared the pool by hours still
    running); now it lists them, text and JSON, and ends their shifts at the close only with --end-shifts."""
    cli = cli_for(day)
    with freeze_time(DURING):
        service.pay(day, sale(day).id, "cash", "20", tip_minor=100)  # into the pool: Alice and Dave share
    with freeze_time("2026-11-23 22:00:00"):  # 17:00 local: an early close, everyone still on
        expected = drawer.expected_cash(day, 1)
        count = f"1={expected // 100}.{expected % 100:02d}"
        cli.fails("day", "close", "--count", count, "--force",
                  says="Alice and Dave are still on shift on 2026-11-23, and the close shares the day's tip pool "
                       "($1.00) by hours: end the shifts first ('pos shift end NAME'), or close with --end-shifts")
        cli.ok("shift", "end", "Dave", input="2580\n")
        data = json.loads(cli.ok("day", "close", "--count", count, "--force", "--end-shifts", "--json").stdout)
    assert [(s["name"], s["started_at"], s["ended_at"]) for s in data["shifts_ended"]] == [
        ("Alice", "2026-11-23T17:00:00+00:00", "2026-11-23T22:00:00+00:00"),
        ("Maria", "2026-11-23T17:00:00+00:00", "2026-11-23T22:00:00+00:00")]
    assert data["clocked_in"] == [] and {s["staff_key"]: s["amount_minor"] for s in data["pool"]["shares"]} == {
        "alice": 50, "dave": 50}  # 5 h each: Dave clocked out at the same moment
    assert day.scalar("SELECT count(*) FROM shifts WHERE ended_at IS NULL") == 0
    ended = [r for r in audit_records(day) if r.event.value == "shift ended"]
    assert {r.detail["who"]: r.detail.get("why") for r in ended} == {
        "Dave": None, "Alice": "ended at the close of 2026-11-23", "Maria": "ended at the close of 2026-11-23"}


def test_without_a_pool_the_close_lists_who_is_clocked_in_and_leaves_them_on(day: Store, cli_for) -> None:
    cli = cli_for(day)
    with freeze_time("2026-11-23 22:00:00"):
        expected = drawer.expected_cash(day, 1)
        out = cli.ok("day", "close", "--count", f"1={expected // 100}.{expected % 100:02d}", "--force").stdout
    assert ("Still clocked in: Alice (since 12:00), Dave (since 12:00), Maria (since 12:00): their shifts stay open "
            "(pos shift end NAME, or close with --end-shifts).") in out
    assert day.scalar("SELECT count(*) FROM shifts WHERE ended_at IS NULL") == 3
    with freeze_time("2026-11-23 23:00:00"):  # the next day (the 23rd closed early): yesterday's shifts still listed
        listed = json.loads(cli.ok("shift", "list", "--json").stdout)
        assert [(s["staff"], s["business_day"]) for s in listed] == [("Alice", "2026-11-23"), ("Dave", "2026-11-23"),
                                                           ("Maria", "2026-11-23")]
        text = cli.ok("shift", "list").stdout
        assert "on shift" in text and "Alice" in text


def audit_records(store: Store):  # type: ignore[no-untyped-def]
    from pos.store import audit

    return audit.records(store)


def test_a_forced_close_of_a_day_in_progress_sends_later_sales_to_the_next_day(day: Store) -> None:
    with freeze_time(DURING):
        close_day(day, DAY, {1: "136.22"}, force=True)
        drawer.open_drawer(day, 1, "100")
        paid = service.pay(day, sale(day).id, "cash", "20")
        entry = ledger.find_by_key(day, f"payment:{paid.payment.id}:capture")
        assert entry is not None and entry.business_day == "2026-11-24"


def test_carried_over_orders_stay_open_on_the_next_day(day: Store) -> None:
    from pos.sales.order_records import resolve

    with freeze_time(DURING):
        left = sale(day)
    with freeze_time(AFTER):
        summary = close_day(day, DAY, {1: "136.22"}, carry_over=True)
        assert [(m.order_id, m.from_day, m.from_number, m.to_day, m.to_number) for m in summary.carried_over] == [
            (left.id, DAY, left.number, date(2026, 11, 24), 1)]
        assert resolve(day, left.id).business_day == date(2026, 11, 24) and resolve(day, 1).id == left.id
        drawer.open_drawer(day, 1, "100")
        assert service.pay(day, left.id, "cash", "20").order_paid
        assert ledger.find_by_key(day, f"order:{left.id}:sale").business_day == "2026-11-24"


def test_reopen_needs_a_manager_and_no_later_close(day: Store) -> None:
    with freeze_time("2026-11-25 10:00:00"):
        close_day(day, DAY, {1: "136.22"})
        close_day(day, date(2026, 11, 24), {})
        maria, alice = get_staff(day, "Maria"), get_staff(day, "Alice")
        refused(day, NotAllowed, "needs a manager's approval", reopen_day, day, DAY, alice)
        refused(day, NotAllowed, "2026-11-24 was closed after 2026-11-23", reopen_day, day, DAY, maria)
        reopen_day(day, date(2026, 11, 24), maria)
        refused(day, NotAllowed, "needs a manager", reopen_day, day, DAY, None)
        assert not is_closed(day, date(2026, 11, 24)) and is_closed(day, DAY)
        refused(day, Conflict, "not closed", reopen_day, day, date(2026, 11, 24), maria)


# -- card settlement ---------------------------------------------------------------------------


def test_a_training_store_settles_what_it_charged(make_store) -> None:
    from payments.stripe.settlement import settlement_for
    from pos.store.catalog import add_item

    store = make_store("training.db", training=True)
    add_item(store, "PIZZA-M", "Margherita 12in", "12.50")
    with freeze_time(DURING):
        order = sale(store)
        paid = service.pay(store, order.id, "card")
    lines = settlement_for(store, DAY)
    assert lines == [SettlementLine(paid.payment.processor_ref, 1361, paid.payment.details["fee_minor"])]
    assert match_settlement(store, DAY, lines) == []
    assert [c.problem for c in match_settlement(store, DAY, [])] == ["not in the processor's settlement"]
    with freeze_time(DURING):
        refund(store, order.id, "2.00", "cold")
    lines = settlement_for(store, DAY)
    assert [(line.amount_minor, line.kind) for line in lines][1:] == [(-200, "refund")]
    assert match_settlement(store, DAY, lines) == []
    assert [c.problem for c in match_settlement(store, DAY, lines[:1])] == ["not in the processor's settlement"]


def test_stripe_settlement_matches_and_differences_show(shop: Store, fake) -> None:
    from payments.stripe.settlement import settlement_for

    first = sale(shop)
    service.pay(shop, first.id, "card")
    second = sale(shop)
    service.pay(shop, second.id, "card")
    from pos.store.clock import business_day
    from pos.store.store import utc_now

    day = business_day(utc_now(), shop.settings)
    assert match_settlement(shop, day, settlement_for(shop, day)) == []
    fake.balance[0]["fee"] += 1  # the processor charged a cent more
    fake.balance.pop(1)  # and has no record of the second
    fake.balance.append({"id": "txn_stranger", "type": "charge", "amount": 999, "fee": 30, "created": fake.now()})
    problems = {(p.order_label, p.problem) for p in match_settlement(shop, day, settlement_for(shop, day))}
    assert problems == {(first.label, "fees differ"), (second.label, "not in the processor's settlement"),
                        ("?", "not in our books")}


def test_stripe_settlement_matches_refunds_reports_disputes_and_lists_payouts(shop: Store, fake) -> None:
    from payments.stripe.settlement import settlement_for
    from pos.day.card_settlement import payouts

    with freeze_time(DURING, tick=True):  # noon on DAY in New York
        order = sale(shop)
        paid = service.pay(shop, order.id, "card")
        refund(shop, order.id, "5.00", "cold")
        lines = settlement_for(shop, DAY)
        assert [line.kind for line in lines] == ["charge", "refund"]
        assert match_settlement(shop, DAY, lines) == []  # the refund matched by its refund id, at -5.00
        fake.dispute(paid.payment.processor_ref)
        fake.payout(1000)
        next(t for t in fake.balance if t["type"] == "refund")["amount"] = -600  # Stripe gave back 6.00
        lines = settlement_for(shop, DAY)
        problems = {(p.order_label, p.ours_minor, p.theirs_minor, p.problem)
                    for p in match_settlement(shop, DAY, lines)}
        assert problems == {(f"{order.label} refund", -500, -600, "amounts differ"),
                            ("?", None, -1361, "a dispute: see the Stripe Dashboard")}
        # Listed, never a mismatch.
        assert [(p.amount_minor, p.kind) for p in payouts(lines, DAY)] == [(-1000, "payout")]


def test_a_link_paid_before_the_rollover_and_checked_after_is_matched_on_either_day(shop: Store, fake) -> None:
    from payments import wallet
    from payments.stripe.settlement import settlement_for

    before, after = date(2026, 11, 23), date(2026, 11, 24)
    with freeze_time("2026-11-24 08:50:00", tick=True):  # 03:50 in New York: still the 23rd
        order = new_order(shop, "phone", customer_name="Dana", customer_phone="555-0100")
        add_line(shop, order.id, "PIZZA-M")
        sent = wallet.send_link(shop, order.id)
        fake.pay_session(sent.payment.processor_ref)  # Stripe took the money on the 23rd
    with freeze_time("2026-11-24 09:10:00", tick=True):  # 04:10: the 23rd is closed, the order carried over
        close_day(shop, before, {1: "100"}, carry_over=True)
        assert wallet.check_link(shop, order.id).action == "captured and recorded"
        assert ledger.find_by_key(shop, f"payment:{sent.payment.id}:capture").business_day == after.isoformat()
        # Booked on the 24th, taken on the 23rd: the same payment on both sides, on neither day a problem.
        assert match_settlement(shop, after, settlement_for(shop, after)) == []
        assert match_settlement(shop, before, settlement_for(shop, before)) == []
        fake.balance[0]["amount"] += 1  # still compared, on the day we booked it
        assert [c.problem for c in match_settlement(shop, after, settlement_for(shop, after))] == ["amounts differ"]
        fake.balance.clear()  # and had Stripe no record of it, it shows on that day
        assert [(c.order_label, c.problem) for c in match_settlement(shop, after, settlement_for(shop, after))] == [
            (resolve(shop, order.id).label, "not in the processor's settlement")]


def test_a_store_settled_in_another_currency_is_matched_in_its_own(shop: Store, fake) -> None:
    from payments.stripe.settlement import settlement_for

    with freeze_time(DURING, tick=True):  # noon on DAY in New York
        fake.settlement = ("EUR", "0.92")  # the store charges dollars, Stripe pays it out in euros
        order = sale(shop)
        service.pay(shop, order.id, "card")  # 13.61 USD: 12.52 EUR at Stripe
        refund(shop, order.id, "5.00", "cold")  # -5.00 USD: -4.60 EUR
        lines = settlement_for(shop, DAY)
        assert [(line.amount_minor, line.currency, line.exchange_rate) for line in lines] == [
            (1252, "EUR", "0.92"), (-460, "EUR", "0.92")]
        assert match_settlement(shop, DAY, lines) == []
        # The fee is booked in dollars, at the charge's own conversion: 0.69 EUR of fee on 12.52 EUR for 13.61 USD.
        (payment,) = [p for p in order_payments(shop, order.id) if p.tender.value == "card"]
        eur_fee = fake.balance[0]["fee"]
        assert (payment.details["fee_minor"], payment.details["fee_currency"]) == (eur_fee, "EUR")
        usd_fee = (2 * eur_fee * 1361 + 1252) // (2 * 1252)
        assert payment.details["fee_booked_minor"] == usd_fee != eur_fee
        assert ledger.balances(shop, prefix="expenses:card-fees")[("expenses:card-fees", "USD")] == usd_fee
        fake.balance[0]["amount"] = 1240  # Stripe settled 12.40 EUR: 13.48 USD
        fake.balance[0]["fee"] += 1
        (check,) = match_settlement(shop, DAY, settlement_for(shop, DAY))
        assert (check.ours_minor, check.theirs_minor, check.problem, check.fee_currency) == (
            1361, 1348, "amounts differ", "EUR")
        fake.balance[0]["amount"] = 1252
        (check,) = match_settlement(shop, DAY, settlement_for(shop, DAY))  # the fee, as charged, in euros
        assert (check.problem, check.their_fee_minor - check.our_fee_minor, check.fee_currency) == (
            "fees differ", 1, "EUR")
        fake.balance[0]["exchange_rate"] = None
        (check,) = match_settlement(shop, DAY, settlement_for(shop, DAY))
        assert check.problem == "in EUR with no exchange rate: compare it in the Stripe Dashboard"


def test_the_close_lists_the_days_payouts_to_find_on_the_bank_statement(shop: Store, fake, cli_for,
                                                                         monkeypatch) -> None:
    monkeypatch.setenv("STRIPE_API_KEY", "sk_test_fake")
    monkeypatch.setenv("POS_STRIPE_API_BASE", fake.base)
    with freeze_time(DURING, tick=True):  # noon on DAY in New York
        order = sale(shop)
        service.pay(shop, order.id, "card")
        fake.payout(1000)
        fake.payout(500, "eur")  # in the settlement currency, whatever it is
        out = cli_for(shop).ok("day", "close", "--day", DAY.isoformat(), "--force", "--count", "1=100").stdout
        assert "Card payments match the processor's settlement." in out  # a payout is no mismatch
        assert "Stripe paid out $10.00 to the bank (po_" in out and "Stripe paid out 5.00 EUR to the bank (po_" in out
        payouts = json.loads(shop.one("SELECT summary FROM day_closes")["summary"])["payouts"]
        assert [(p["amount_minor"], p["currency"], p["ref"][:3]) for p in payouts] == [(1000, "USD", "po_"),
                                                                                       (500, "EUR", "po_")]


# -- the Z report --------------------------------------------------------------------------------


def test_the_z_report_agrees_with_the_ledger(day: Store) -> None:
    with freeze_time(DURING):
        phone = sale(day, "PIZZA-M", "phone")
        from pos.sales.discounts import add_discount

        add_discount(day, phone.id, "10%", "first order")
        service.pay(day, phone.id, "cash", "20")
        void_order(day, sale(day).id, "customer left")
    with freeze_time(AFTER):
        close_day(day, DAY, {1: "120.00"}, counted_by=get_staff(day, "Maria"))
        r = day_report(day, DAY)
    b = ledger.balances(day, day=DAY)
    usd = lambda account: b.get((account, "USD"), 0)  # noqa: E731
    assert r.net_sales_minor == -(usd("income:sales") + usd("income:discounts"))
    assert r.discounts_minor == usd("income:discounts") > 0
    assert r.tax_by_category == {"standard": -usd("liabilities:tax:standard")}
    assert r.orders == 4 and r.voids_count == 1
    assert sum(r.sales_by_channel.values()) == r.gross_sales_minor
    sale_debits = [p.amount_minor for e in ledger.iter_entries(day, day=DAY) if e.key.endswith(":sale")
                   for p in e.postings if p.account == "assets:receivable:orders"]
    assert r.sales_charged_minor == sum(sale_debits) and r.orders == len(sale_debits)
    assert set(r.sales_by_channel) == {"counter", "delivery", "phone"}
    assert sum(r.payments_by_tender.values()) == r.sales_charged_minor + 200  # 2.00 refunded before the sale, paid again
    assert r.refunds_count == 1 and r.refunds_paid_minor == 200
    assert r.over_short_by_drawer == {1: -usd("expenses:cash-over-short")}
    assert r.hand_ins_by_driver == {"dave": 200} and r.drivers_holding == {"dave": 71}
    alice = r.tips["alice"]
    assert (alice.direct_minor, alice.paid_minor, alice.owed_minor) == (200, 150, 50)
    assert alice.owed_minor == -ledger.balances(day, through=DAY)[("liabilities:tips:alice", "USD")]


# -- the CLI ---------------------------------------------------------------------------------------


def test_cli_day_commands(day: Store, cli_for) -> None:
    cli = cli_for(day)
    with freeze_time(AFTER):
        cli.fails("day", "close", "--day", "2026-11-23", says="Count every open drawer first")
        cli.fails("day", "close", "--day", "2026-11-23", "--count", "one=5", says="not a drawer count")
        cli.fails("day", "close", "--day", "2026-11-23", "--count", "1=5", "--count", "1=6", says="counted twice")
        cli.fails("day", "close", "--day", "2026-11-23", "--count", "1=7x20", says="not a note or coin")
        cli.fails("day", "close", "--day", "23/11", "--count", "1=5", says="YYYY-MM-DD")
        out = cli.ok("day", "close", "--day", "2026-11-23", "--count", "100x1,20x1,10x1,5x1,1x1,0.10x2,0.01x2",
                     "--counted-by", "Maria", input="258036\n").stdout  # Maria's PIN: she counted
        assert "Drawer 1: expected $136.22, counted $136.22: exact." in out
        assert "Driver Dave still holds $0.71" in out
        cli.fails("day", "close", "--day", "2026-11-23", says="already closed")
        report = json.loads(cli.ok("day", "report", "--day", "2026-11-23", "--json").stdout)
        assert report["orders"] == 3 and report["tips"]["alice"]["owed_minor"] == 50
        assert "Z report 2026-11-23" in cli.ok("day", "report", "--day", "2026-11-23").stdout
        cli.fails("day", "reopen", "--day", "2026-11-23", says="needs a manager's approval")
        before = snapshot(day.path, PIN_RECORDS)
        wrong = cli("day", "reopen", "--day", "2026-11-23", "--approve", "Maria", input="9999\n")
        assert wrong.exit_code == 1 and snapshot(day.path, PIN_RECORDS) == before
        assert "Reopened 2026-11-23" in cli.ok("day", "reopen", "--day", "2026-11-23", "--approve", "Maria",
                                               input="258036\n").stdout


def test_a_closed_drawers_cash_goes_to_the_safe_and_the_next_day_starts_from_its_float(day: Store) -> None:
    with freeze_time(AFTER):
        close_day(day, DAY, {1: "136.22"})
        assert drawer.expected_cash(day, 1) == 0
        assert ledger.balances(day)[("assets:cash:safe", "USD")] == 5000 + 13622  # the drop, then the close
        drawer.open_drawer(day, 1, "100")
        service.pay(day, sale(day).id, "cash", "20")
        assert drawer.expected_cash(day, 1) == 10000 + 1361
    with freeze_time("2026-11-25 10:00:00"):
        summary = close_day(day, date(2026, 11, 24), {1: "113.61"})
        assert summary.drawers[0].over_short_minor == 0
    verified(day)


def test_bulk_posts_follow_the_lock_like_single_ones(day: Store) -> None:
    with freeze_time(AFTER):
        close_day(day, DAY, {1: "136.22"})
    draft = ledger.Draft("bulk:1", "Correction", ledger.SourceKind.CORRECTION, "x",
                         [ledger.Posting("assets:cash:safe", 100, "USD"), ledger.Posting("equity:owner", -100, "USD")])
    with freeze_time(AFTER):
        with pytest.raises(Conflict, match="2026-11-23 is closed"):
            ledger.post_many(day, [draft._replace(business_day=DAY)])  # asked for the closed day: refused
    with freeze_time("2026-11-24 05:00:00"):  # still the 23rd's business day by the clock, but it is closed
        assert ledger.post_many(day, [draft]) == 1
    entry = ledger.find_by_key(day, "bulk:1")
    assert entry is not None and entry.business_day == "2026-11-24" and "(late: 2026-11-23" in entry.memo


def test_a_store_with_no_card_processor_hears_nothing_of_cards(store: Store, cli_for) -> None:
    """Issue 23: a store with no card processor was told "Card payments match the processor's settlement"."""
    cli = cli_for(store)
    with freeze_time(DURING):
        drawer.open_drawer(store, 1, "100")
        service.pay(store, sale(store).id, "cash", "20")
        closed = cli.ok("day", "close", "--count", "1=113.61", "--force").stdout
        data = json.loads(cli.ok("day", "report", "--day", "2026-11-23", "--json").stdout)
        report = cli.ok("day", "report", "--day", "2026-11-23").stdout
    assert "Closed 2026-11-23" in closed and "card" not in closed.lower(), closed
    assert "card" not in report.lower() and data["card_fees_minor"] == data["card_net_minor"] == 0, report
    from receipts import day_pdf
    from tests import golden_pdf

    pages = golden_pdf.layout(day_pdf.render(store, day_report(store, DAY)))["pages"]
    shown = " ".join(str(line[0]) for page in pages for line in page["lines"])
    assert "Card fees" not in shown and "Card money" not in shown


def test_a_day_with_card_payments_still_says_they_match(make_store, cli_for) -> None:
    shop = make_store(training=True)
    add_item_for(shop)
    cli = cli_for(shop)
    with freeze_time(DURING):
        service.pay(shop, sale(shop).id, "card")
        closed = cli.ok("day", "close", "--force").stdout
        report = cli.ok("day", "report", "--day", "2026-11-23").stdout
    assert "Card payments match the processor's settlement." in closed
    assert "Card fees $0.69; card money due from the processor $12.92" in report


def add_item_for(store: Store) -> None:
    from pos.store.catalog import add_item

    add_item(store, "PIZZA-M", "Margherita 12in", "12.50")


def test_a_failed_refunds_money_coming_back_is_shown_on_the_close_not_dropped(shop: Store, fake) -> None:
    from payments.stripe.settlement import settlement_for

    with freeze_time(DURING, tick=True):  # noon on DAY in New York
        order = sale(shop)
        service.pay(shop, order.id, "card")
        refund(shop, order.id, "5.00", "cold")
        (sent,) = fake.refunds.values()
        # The bank refused the refund: Stripe puts its 5.00 back in the balance (issue 25, item 8: what was seen).
        fake.balance_movement("refund_failure", 500, source=sent["id"], kind="refund_failure")
        lines = settlement_for(shop, DAY)
        assert [line.kind for line in lines] == ["charge", "refund", "refund_failure"]
        (check,) = match_settlement(shop, DAY, lines)  # the refund itself still matched; its failure shown
        assert (check.ref, check.order_label, check.theirs_minor) == (sent["id"], f"{order.label} refund", 500)
        assert check.problem.startswith("a refund that failed") and "not paid back" in check.problem


def test_a_failed_refund_the_books_reversed_is_paired_with_its_money_coming_back(shop: Store, fake) -> None:
    from payments.stripe.settlement import settlement_for
    from payments.stripe.webhooks import handle_event

    with freeze_time(DURING, tick=True):
        order = sale(shop)
        service.pay(shop, order.id, "card")
        fake.refund_status_next("pending")
        refund(shop, order.id, "5.00", "cold")
        (sent,) = fake.refunds.values()
        handle_event(shop, fake.event("refund.failed", fake.settle_refund(sent["id"], "failed")))  # reversed
        lines = settlement_for(shop, DAY)
        assert [line.kind for line in lines] == ["charge", "refund", "refund_failure"]
        assert match_settlement(shop, DAY, lines) == []  # the refund, its failure and our reversal all agree
        # A reversal the processor's settlement does not hold is shown.
        (check,) = match_settlement(shop, DAY, [line for line in lines if line.kind != "refund_failure"])
        assert (check.ref, check.order_label, check.ours_minor, check.problem) == (
            sent["id"], f"{order.label} refund failed", 500, "not in the processor's settlement")


def test_a_category_the_register_does_not_know_is_shown_as_unmatched(shop: Store, fake) -> None:
    from payments.stripe.settlement import settlement_for

    with freeze_time(DURING, tick=True):
        order = sale(shop)
        service.pay(shop, order.id, "card")
        fake.balance_movement("fee", -500)  # a Stripe fee of its own (a reader bought): known, not from a sale
        fake.balance_movement("loyalty_clawback", -123)  # a category Stripe added later
        problems = {(c.theirs_minor, c.problem) for c in match_settlement(shop, DAY, settlement_for(shop, DAY))}
        assert problems == {
            (-500, "not from a sale (fee): listed, not matched; see it in the Stripe Dashboard"),
            (-123, "of a kind this register does not know (loyalty_clawback): not matched; see it in the Stripe "
                   "Dashboard")}


def test_every_reporting_category_stripe_documents_is_classified() -> None:
    from payments.stripe.settlement import KIND_OF, ReportingCategory, _kind
    from pos.day.card_settlement import SettlementKind

    assert set(KIND_OF) == set(ReportingCategory) and len(ReportingCategory) == 37
    assert _kind({"reporting_category": "refund_failure"}) == (SettlementKind.REFUND_FAILURE, "refund_failure")
    assert _kind({"reporting_category": "topup"}) == (SettlementKind.OTHER, "topup")
    assert _kind({"reporting_category": "something_new"}) == (SettlementKind.UNKNOWN, "something_new")
    assert _kind({"type": "payment_refund"}) == (SettlementKind.REFUND, "payment_refund")  # no category: by type
