"""The register session: the cashier's short commands, in-process, and pos register with scripted input."""

from __future__ import annotations


import pytest
from freezegun import freeze_time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pos.store import audit
from pos.cash.drawer import open_drawer
from pos.sales.orders import list_orders
from pos.sales.order_records import OrderStatus
from pos.people.staff import add_staff, start_shift
from pos.store.store import Store
from screens.register import Session
from tests.helpers import tmux_server_name

NOON = "2026-11-23 17:00:00"


def _row(label: str, amount: str, width: int = 48) -> str:
    """A line of the order on screen: indented, its amount right-aligned in the receipt's column."""
    return "  " + label.ljust(width - len(amount)) + amount


def _said(lines: list[str]) -> str:
    """A message the screen fitted to the terminal, as one line again."""
    return " ".join(line.strip() for line in lines)


@pytest.fixture
def till(store: Store) -> Session:
    with freeze_time(NOON):
        alice = add_staff(store, "Alice", "cashier", "2580")
        start_shift(store, "Alice")
        open_drawer(store, 1, "100")
    return Session(store, alice, 1)


@freeze_time(NOON)
def test_a_sale_from_scan_to_change(till: Session) -> None:
    assert till.handle("PIZZA-M") == ["+ 1 x Margherita 12in"]
    assert till.handle("3*SODA") == ["+ 3 x Soda 20oz"]
    assert till.handle("- 2") == ["- 3 x Soda 20oz"]  # line 2, the whole of it
    assert till.handle("d 10% regular") == ["Discount 10%: regular."]
    assert till.screen()[-2:] == [_row("TOTAL", "$12.25"), _row("Due", "$12.25")]
    assert till.handle("t")[-2:] == [_row("TOTAL", "$12.25"), _row("Due", "$12.25")]
    assert till.handle("cash 20") == ["Cash $20.00 taken.", "Change: $7.75  (1 x $5.00, 2 x $1.00, 3 x $0.25)",
                                      "Paid. Next customer."]
    assert till.screen() == ["Register 1, Alice: ready."]
    assert any("Served by Alice" in line for line in till.handle("receipt"))


@freeze_time(NOON)
def test_bad_input_is_one_line_and_the_order_survives(till: Session) -> None:
    till.handle("PIZZA-M")
    for typed, says in (("NOPE", "No item with SKU 'NOPE'"), ("3*", "give the item after the quantity"),
                        ("cash abc", "abc"), ("d 10%", "Say how much and why"), ("split x", "Split how many"),
                        ("tip 2 Zed", "No staff member called 'Zed'"), ("two pizzas", "not an item or a command"),
                        ("recall", "Finish or hold the open order first"), ("new", "Pay, hold or void")):
        message = _said(till.handle(typed))
        assert says in message, (typed, message)
    assert till.screen()[-1] == _row("Due", "$13.61")  # still there


@freeze_time(NOON)
def test_hold_recall_split_tip_void_lock(till: Session) -> None:
    till.handle("PIZZA-M")
    assert till.handle("hold") == ["Held (1 held)."]
    till.handle("SODA")
    assert till.handle("split 2") == ["$2.71 due, in 2 shares: take each with its own tender.",
                                      _row("1. card 1.36 or cash 1.36", "$1.36"),
                                      _row("2. card 1.35 or cash 1.35", "$1.35")]
    assert till.handle("void customer left") == ["Voided #2."]
    assert till.handle("recall 1") == ["Recalled #1."]
    assert till.handle("tip 5 Alice") == [  # a typo guard: above the store's 30% share
        "A $5.00 tip is more than 30% of $13.61: check it, then type 'tip 5 Alice !'."]
    assert till.handle("tip 2 Alice") == ["Tip $2.00 for Alice on the next payment."]
    till.handle("cash 20")
    assert [o.status for o in list_orders(till.store)] == [OrderStatus.PAID, OrderStatus.VOIDED]
    assert till.handle("lock") == ["Locked: type your PIN to unlock (Enter alone: another cashier signs in)."]
    assert till.handle("PIZZA-M") == ["The register is locked: type your PIN to unlock it."]
    assert "Wrong PIN" in till.unlock("9999")[0]
    assert till.unlock("2580") == ["Unlocked."]
    till.handle("PIZZA-M")
    assert till.handle("quit") == ["Signed out. 1 order still open: pos order list."]


def test_a_receipts_code_scanned_recalls_the_sale_of_an_earlier_day_and_an_item_comes_back(till: Session) -> None:
    """What was seen (issue 23): a customer bringing back yesterday's soda could not be refunded at the counter."""
    from pos.day.close import close_day
    from datetime import date

    with freeze_time(NOON):
        till.handle("PIZZA-M")
        till.handle("2*SODA")
        till.handle("cash 20")
    with freeze_time("2026-11-24 15:00:00"):  # the next morning, the 23rd closed
        close_day(till.store, date(2026, 11, 23), {1: "119.59"})
        open_drawer(till.store, 1, "100")
        assert till.handle("recall 1") == ["No order #1 on 2026-11-24 (the business day open now): list the day's "
                                           "orders with 'pos order list --day 2026-11-24', or find one with 'pos "
                                           "order find'."]
        assert till.handle("2026-11-23/1") == [  # what the receipt's QR code carries, scanned
            "Order 2026-11-23/1 (counter), paid: total $19.03",
            "  1. 1 x Margherita 12in  $12.50",
            "  2. 2 x Soda 20oz  $4.98",
            "Items coming back: refund LINE [HOW MANY] [cash|card], like 'refund 1'."]
        assert till.handle("refund 2 1") == [
            "Refunded $2.71 on 2026-11-23/1 for 1 x Soda 20oz (cash $2.71).",
            "Booked on 2026-11-24, the business day open now, not on the sale's day 2026-11-23 (closed)."]
        assert till.handle("recall 2026-11-23/1")[2] == "  2. 2 x Soda 20oz  $4.98 (1 back)"
        assert till.handle("refund 2 2") == [
            "Line 2 (Soda 20oz) of order 2026-11-23/1 has 1 left to refund, 1 refunded already, not 2."]
        for typed, says in (("refund", "Say which line comes back"), ("refund x", "x"), ("refund 9", "has no line 9"),
                            ("recall 2026-13-01/1", "is not a day"), ("recall abc", "'abc' is not an order"),
                            ("recall 2026-11-23/0", "numbered from 1")):
            (message,) = till.handle(typed)
            assert says in message, (typed, message)
        # The sale of the day open now, just paid, comes back without a recall.
        till.handle("SODA")
        till.handle("cash 5")
        assert till.handle("new") == ["Ready for the next customer."]
        assert till.handle("refund 1") == ["Refunded $2.71 on #1 for 1 x Soda 20oz (cash $2.71)."]


@freeze_time(NOON)
def test_an_item_comes_back_to_the_card_that_paid_unless_the_cashier_says_cash(make_store) -> None:
    """Issue 23: a refund by line took the newest tender first; the register's 'refund' chooses as 'pos refund'."""
    store = make_store(training=True)
    from pos.store.catalog import add_item

    add_item(store, "PIZZA-M", "Margherita 12in", "12.50")
    add_item(store, "SODA", "Soda 20oz", "2.49")
    alice = add_staff(store, "Alice", "cashier", "2580")
    start_shift(store, "Alice")
    open_drawer(store, 1, "100")
    till = Session(store, alice, 1)
    till.handle("PIZZA-M")
    till.handle("2*SODA")
    till.handle("card 10")
    till.handle("cash 10")  # the newest tender: cash
    assert till.handle("refund 2 1") == ["Refunded $2.71 on #1 for 1 x Soda 20oz (card $2.71)."]
    assert till.handle("refund 2 1 cash") == ["Refunded $2.71 on #1 for 1 x Soda 20oz (cash $2.71)."]
    (refused,) = till.handle("refund 1 card")  # the card took 10.00 and gave 2.71 back: 7.29 left, not 13.61
    assert "Only $7.29 of order #1 can go back to the card" in refused, refused


@freeze_time(NOON)
def test_recall_takes_any_open_order_by_its_number_and_refuses_a_voided_one(till: Session) -> None:
    from pos.sales.orders import add_line, new_order, void_order

    phone = new_order(till.store, "phone", customer_name="Sam")  # rung elsewhere: a phone order
    add_line(till.store, phone.id, "SODA")
    void_order(till.store, new_order(till.store, "counter").id, "rang twice")
    assert till.handle("recall 2") == ["Order #2 was voided (rang twice): nothing to recall."]
    assert till.handle("recall 2026-11-23/1") == ["Recalled #1."]
    assert till.handle("cash 5")[-1] == "Paid. Next customer."


@freeze_time(NOON)
def test_a_kitchen_porter_cannot_ring_sales(store: Store) -> None:
    kim = add_staff(store, "Kim", "kitchen", "2580")
    session = Session(store, kim, 1)
    assert _said(session.handle("PIZZA-M")) == (
        "Kim is kitchen staff and may not ring up a sale ('PIZZA-M'): that needs an owner, a manager, a cashier or a "
        "server.")
    assert list_orders(store) == []


def test_pos_register_signs_in_by_pin_and_rings_a_sale(store: Store, cli_for, tmp_path) -> None:
    from pos.store import config

    with freeze_time(NOON):
        add_staff(store, "Alice", "cashier", "2580")
        open_drawer(store, 1, "100")
        config.set_option(store, "receipt.folder", str(tmp_path))
    cli = cli_for(store)
    with freeze_time(NOON):
        result = cli("register", "--name", "Alice", input="2580\ny\nPIZZA-M\n2*SODA\ncash 20\nquit\n")
    assert result.exit_code == 0, result.output
    assert "2580" not in result.stdout  # the PIN is typed hidden
    assert "Order #1" in result.stdout and "Paid. Next customer." in result.stdout
    assert f"Receipt: {tmp_path / '2026-11-23-order-1.pdf'}" in result.stdout  # printed on payment
    # Her shift started by the PIN she had just typed, then the sign-in.
    assert [r.event for r in audit.records(store, staff="Alice")] == [audit.Event.SHIFT_START, audit.Event.SIGN_IN]
    assert store.one("SELECT created_by FROM orders")[0] == store.one("SELECT id FROM staff")[0]
    eof = cli("register", "--name", "Alice", input="2580\nSODA\n")  # Ctrl-D (end of input) with an open order
    assert eof.exit_code == 0 and "Signed out. 1 order still open" in eof.stdout
    locked = cli("register", "--name", "Alice", input="2580\nlock\n")  # Ctrl-D while locked: still ends
    assert locked.exit_code == 0 and locked.stdout.rstrip().endswith("Signed out.")
    from tests.conftest import PIN_RECORDS, snapshot

    before = snapshot(store.path, PIN_RECORDS)
    wrong = cli("register", "--name", "Alice", input="9999\n")
    assert wrong.exit_code == 1 and "Wrong PIN for Alice" in wrong.output
    assert snapshot(store.path, PIN_RECORDS) == before  # only the failed PIN is written down
    cli.fails("register", "--name", "Nobody", input="2580\n", says="No staff member called 'Nobody'")
    cli.fails("register", "--name", "Alice", "--register", "0", input="2580\n", says="Register 0 does not exist")


@pytest.mark.skipif(__import__("shutil").which("tmux") is None, reason="tmux is not installed")
def test_pos_register_in_a_real_terminal(store: Store, tmp_path) -> None:
    """Drive pos register in tmux at 80 columns: the PIN stays hidden on screen, F1 rings quick key 1, the discount
    and the tax show as the receipt prints them, the change in notes and coins fits the terminal, and a switch
    reads the next cashier's PIN hidden."""
    import shutil
    import subprocess
    import sys
    import time
    from pathlib import Path

    from pos.store import config

    add_staff(store, "Alice", "cashier", "2580")
    add_staff(store, "Bob", "cashier", "1470")
    start_shift(store, "Alice")
    start_shift(store, "Bob")
    open_drawer(store, 1, "100")
    config.set_option(store, "register.quick_keys", "1=PIZZA-M,2=SODA")
    beside = Path(sys.executable).with_name("pos")  # the venv's own pos, whatever PATH says
    pos = str(beside) if beside.exists() else shutil.which("pos")
    command = f"{pos} --db {store.path} register --name Alice" if pos else \
        f"{sys.executable} -m cli --db {store.path} register --name Alice"
    session = tmux_server_name("register", tmp_path)
    tmux = ["tmux", "-L", session]
    subprocess.run([*tmux, "new-session", "-d", "-s", session, "-x", "80", "-y", "60", command], check=True,
                   cwd=str(tmp_path.parent.parent), env={**__import__("os").environ, "TERM": "xterm"})

    def screen() -> str:
        return subprocess.run([*tmux, "capture-pane", "-p", "-t", session], capture_output=True, text=True).stdout

    def wait_for(text: str) -> str:
        for _ in range(100):
            shown = screen()
            if text in shown:
                return shown
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared:\n{screen()}")

    def keys(*typed: str) -> None:
        subprocess.run([*tmux, "send-keys", "-t", session, *typed], check=True)

    try:
        wait_for("PIN for Alice")
        keys("2580", "Enter")
        wait_for("[1] Margherita 12in  [2] Soda 20oz")  # the quick keys, on screen
        keys("F1")  # one key stroke
        wait_for("+ 1 x Margherita 12in")
        keys("2", "Enter")
        wait_for("+ 1 x Soda 20oz")
        keys("d 10% regular", "Enter")
        shown = wait_for(_row("Tax Standard 8.875% on $13.49", "$1.20"))
        assert _row("Discount: regular", "-$1.50") in shown.splitlines()
        keys("cash 100", "Enter")
        shown = wait_for("Paid. Next customer.")
        lines = shown.splitlines()
        assert "Change: $85.31  (1 x $50.00, 1 x $20.00, 1 x $10.00, 1 x $5.00, 1 x $0.25," in lines
        assert "  1 x $0.05, 1 x $0.01)" in lines  # broken between words by the register, not by the terminal
        assert all(len(line) <= 80 for line in lines)
        keys("switch Bob", "Enter")  # a cashier change: his PIN typed hidden too
        wait_for("PIN for Bob")
        keys("1470", "Enter")
        shown = wait_for("Register 1, Bob: ready.")
        assert "2580" not in shown and "1470" not in shown
        keys("quit", "Enter")
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True)
    assert store.scalar("SELECT count(*) FROM orders WHERE status = 'paid'") == 1


@freeze_time(NOON)
def test_an_idle_register_locks_itself(store: Store) -> None:
    alice = add_staff(store, "Alice", "cashier", "2580")
    start_shift(store, "Alice")
    now = [1000.0]
    session = Session(store, alice, 1, lock_after_s=300, clock=lambda: now[0])
    session.handle("PIZZA-M")
    now[0] += 299
    assert session.handle("t")[-1] == _row("Due", "$13.61")
    now[0] += 301
    assert _said(session.handle("SODA")) == (
        "Locked after 5 minutes idle: type your PIN to unlock it (Enter alone: another cashier signs in).")
    assert session.unlock("2580") == ["Unlocked."]
    assert session.handle("SODA") == ["+ 1 x Soda 20oz"]  # the open order was kept


def test_opening_the_drawer_without_a_sale_is_a_managers_and_is_audited(store: Store, cli_for, tmp_path,
                                                                         monkeypatch) -> None:
    from pos.store import config
    from pos.cash.drawer import open_drawer

    config.set_option(store, "signin.required", "yes")
    add_staff(store, "Alice", "cashier", "2580")
    add_staff(store, "Maria", "manager", "258036")
    open_drawer(store, 1, "50")
    monkeypatch.setenv("POS_SESSION_FILE", str(tmp_path / "s.json"))
    cli = cli_for(store)
    cli.ok("login", "Alice", input="2580\n")
    cli.fails("drawer", "nosale", "--reason", "change", says="Alice is a cashier and may not open the drawer",
              audited=True)
    cli.ok("login", "Maria", input="258036\n")
    cli.fails("drawer", "nosale", says="needs a reason")
    assert "opened without a sale" in cli.ok("drawer", "nosale", "--reason", "change for a $20").stdout
    (event,) = [r for r in audit.records(store) if r.event is audit.Event.NO_SALE]
    assert (event.staff, event.register, event.detail) == (
        "Maria", 1, {"reason": "change for a $20", "command": "pos drawer nosale"})


def test_tab_completion_offers_commands_skus_and_names(till: Session) -> None:
    assert till.completions("re") == ["recall", "receipt", "refund", "ready"]
    assert till.completions("3*piz") == ["PIZZA-M"]
    assert till.completions("soda") == ["SODA"]
    assert till.completions("margh") == ["PIZZA-M"]  # by item name too
    assert till.completions("") == []


@freeze_time(NOON)
def test_ctrl_c_in_the_middle_of_a_payment_loses_nothing(till: Session) -> None:
    from payments import service
    from payments.base import PaymentState, order_payments
    from pos.base import faults

    till.handle("PIZZA-M")

    def interrupt() -> None:
        raise KeyboardInterrupt

    faults.on("payment.requested", interrupt)  # Ctrl-C right after the payment row was written
    try:
        assert "Interrupted" in till.handle("cash 20")[0]
    finally:
        faults.clear()
    order_id = till.order_id
    assert order_id is not None and till.screen()[0] == "Order #1"  # the order is still open on screen
    (payment,) = order_payments(till.store, order_id)
    assert payment.state is PaymentState.REQUESTED  # recorded, not lost
    (done,) = service.recover(till.store)
    assert done.action == "captured and recorded"
    assert till.handle("t")[-2:] == [_row("TOTAL", "$13.61"), _row("Due", "$0.00")]


def test_a_whole_shift_from_the_register(store: Store) -> None:
    with freeze_time("2026-11-23 14:00:00") as clock:
        alice = add_staff(store, "Alice", "cashier", "2580")
        start_shift(store, "Alice")
        till = Session(store, alice, 2)
        assert till.handle("float") == ["Say the float, the cash put in the drawer to make change, like: float 150"]
        add_staff(store, "Maria", "manager", "258036")
        till.handle("float 150")  # from the safe: Maria counts it and types her PIN
        assert till.answer("Maria") == []
        assert till.answer("258036") == ["Drawer 2 open with a $150.00 float, counted by Maria."]
        till.handle("PIZZA-M")
        assert till.handle("end") == ["Pay, hold or void the open order first."]
        till.handle("cash 20")
        clock.tick(6 * 3600)
        assert till.handle("end 12.00") == ["Type your PIN to end your shift (Enter alone goes on)."]
        assert till.answer("2580") == ["Shift ended after 6h00m, $12.00 cash tips declared.", "Signed out."]
        assert till.done
    from pos.people.staff import open_shift

    assert open_shift(store, alice) is None


# -- a cashier change at the same register (issue 23, item 5) ---------------------------------------


@pytest.fixture
def crew(till: Session) -> Session:
    """Alice at register 1, with Bob (a cashier, on shift), Carl (a cashier, not on shift) and Maria (manager)."""
    with freeze_time(NOON):
        add_staff(till.store, "Bob", "cashier", "1470")
        start_shift(till.store, "Bob")
        add_staff(till.store, "Carl", "cashier", "3690")
        add_staff(till.store, "Maria", "manager", "258036")
    return till


@freeze_time(NOON)
def test_switch_signs_the_next_cashier_in_by_pin_and_keeps_the_order(crew: Session) -> None:
    till = crew
    till.handle("PIZZA-M")
    assert till.handle("switch") == ["Who takes over? Type your name, then your PIN (Enter alone: nobody)."]
    assert till.asking is not None and (till.asking.label, till.asking.hidden) == ("Name", False)
    assert till.answer("Bob") == []
    assert till.asking is not None and (till.asking.label, till.asking.hidden) == ("PIN for Bob", True)  # hidden
    assert till.answer("1470") == ["Bob signed in at register 1; Alice signed out (their shift goes on).",
                                   "Order #1 stays open: Bob carries on with it."]
    assert till.cashier.name == "Bob" and till.screen()[:2] == ["Order #1", _row("1. 1 x Margherita 12in", "$12.50")]
    till.handle("SODA")
    till.handle("d 10% regular")
    till.handle("cash 20")
    till.handle("SODA")  # the next order is Bob's
    (sign_in,) = [r for r in audit.records(till.store) if r.event is audit.Event.SIGN_IN]
    assert (sign_in.staff, sign_in.register, sign_in.detail) == (
        "Bob", 1, {"who": "Bob", "taking over from": "Alice", "open order": 1})
    (discount,) = [r for r in audit.records(till.store) if r.event is audit.Event.DISCOUNT]
    assert discount.staff == "Bob"  # what is rung after the switch is his
    ringers = till.store.all("SELECT o.number, s.name FROM orders o JOIN staff s ON s.id = o.created_by ORDER BY 1")
    assert [tuple(r) for r in ringers] == [(1, "Alice"), (2, "Bob")]  # who rang each (Alice opened #1)
    from pos.people.staff import get_staff, open_shift

    assert open_shift(till.store, get_staff(till.store, "Alice")) is not None  # her shift goes on


@freeze_time(NOON)
def test_a_wrong_pin_at_switch_counts_and_keeps_the_cashier(crew: Session) -> None:
    till = crew
    till.handle("PIZZA-M")
    for tries in range(1, 6):
        till.handle("switch Bob")
        said = _said(till.answer("9999"))
        assert "Wrong PIN for Bob" in said and till.cashier.name == "Alice"
    assert "locked out" in said
    failed = [r for r in audit.records(till.store) if r.event is audit.Event.FAILED_PIN]
    assert len(failed) == 5 and all((r.staff, r.register) == ("Bob", 1) for r in failed)
    assert [r.event for r in audit.records(till.store)][-1] is audit.Event.LOCKED_OUT
    said = _said(till.handle("switch Bob"))  # refused before any PIN is typed, and recorded
    assert "Bob is locked out after 5 wrong PINs in a row, until a manager unlocks them" in said  # as the 5th said
    assert said.endswith("Alice stays signed in.")
    assert till.asking is None
    refused = [r.detail for r in audit.records(till.store) if r.event is audit.Event.REFUSED]
    assert refused[-1]["asked"] == "register: switch to Bob"
    assert till.screen()[0] == "Order #1" and till.cashier.name == "Alice"


@freeze_time(NOON)
def test_switch_cancels_with_enter_and_refuses_unknown_names(crew: Session) -> None:
    till = crew
    till.handle("switch")
    assert till.answer("") == ["Alice stays signed in."]
    assert _said(till.handle("switch Zed")).startswith("No staff member called 'Zed'")
    assert till.handle("switch alice") == ["Alice is signed in here already."]
    till.handle("switch Bob")
    assert till.answer("") == ["Alice stays signed in."]  # no PIN: nothing counted
    assert not [r for r in audit.records(till.store) if r.event is audit.Event.FAILED_PIN]


@freeze_time(NOON)
def test_switch_to_someone_off_shift_offers_to_start_it(crew: Session) -> None:
    till = crew
    till.handle("switch Carl")
    till.answer("3690")
    assert till.asking is not None and till.asking.label == "Carl is not on shift. Start the shift now? (y/n)"
    assert till.answer("n") == ["A cashier rings sales on shift: Alice stays signed in."]
    till.handle("switch Carl")
    till.answer("3690")
    assert till.answer("y")[0] == "Carl signed in at register 1; Alice signed out (their shift goes on)."
    (start,) = [r for r in audit.records(till.store) if r.event is audit.Event.SHIFT_START and r.staff == "Carl"]
    assert start.detail["by"] == "Carl" and start.register == 1


@freeze_time(NOON)
def test_at_a_locked_register_enter_lets_another_cashier_sign_in(crew: Session) -> None:
    till = crew
    till.handle("PIZZA-M")
    till.handle("lock")
    assert till.unlock("") == ["Another cashier? Type your name, then your PIN (Enter alone: back to the lock)."]
    assert till.answer("") == ["The register stays locked."] and till.locked
    assert not [r for r in audit.records(till.store) if r.event is audit.Event.FAILED_PIN]  # Enter is no wrong PIN
    till.unlock("")
    till.answer("Bob")
    assert till.answer("1470")[0].startswith("Bob signed in") and not till.locked
    assert till.handle("SODA") == ["+ 1 x Soda 20oz"] and till.screen()[0] == "Order #1"


def test_pos_register_switch_reads_the_pin_hidden(store: Store, cli_for) -> None:
    with freeze_time(NOON):
        add_staff(store, "Alice", "cashier", "2580")
        add_staff(store, "Bob", "cashier", "1470")
        start_shift(store, "Alice")
        start_shift(store, "Bob")
        open_drawer(store, 1, "100")
        result = cli_for(store)("register", "--name", "Alice",
                                input="2580\nPIZZA-M\nswitch\nBob\n1470\nSODA\ncash 20\nlock\n\nAlice\n2580\nquit\n")
    assert result.exit_code == 0, result.output
    assert "1470" not in result.stdout and "Bob signed in at register 1" in result.stdout
    assert "Alice signed in at register 1; Bob signed out" in result.stdout
    assert store.one("SELECT s.name FROM orders o JOIN staff s ON s.id = o.created_by")[0] == "Alice"
    assert store.scalar("SELECT status FROM orders") == "paid"


# -- quick keys (issue 23, item 5) ------------------------------------------------------------------


def test_the_owner_sets_the_quick_keys_checked_and_audited(store: Store, cli) -> None:
    from pos.store import config
    from pos.store.catalog import add_item, deactivate_item

    with freeze_time(NOON):
        add_item(store, "OLD", "Old pie", "3.00")
        deactivate_item(store, "OLD")
        add_item(store, "7", "Combo seven", "9.00")
        assert cli.ok("config", "set", "register.quick_keys", "2=soda, 1=PIZZA-M").stdout == (
            "register.quick_keys = 1=PIZZA-M,2=SODA\n")
        for typed, says in (("0=SODA", "'0' is not a quick key: the keys are 1 to 9"),
                            ("10=SODA", "'10' is not a quick key"),
                            ("1=SODA,1=PIZZA-M", "Key 1 is given twice"),
                            ("1=NOPE", "No item with SKU 'NOPE'"),
                            ("1=OLD", "OLD (Old pie) is off the menu"),
                            ("7=SODA", "Key 7 is the code of 7 (Combo seven) already"),
                            ("PIZZA-M", "'PIZZA-M' is not a quick key: give KEY=SKU pairs")):
            cli.fails("config", "set", "register.quick_keys", typed, says=says)
        cli.ok("config", "set", "register.quick_keys", "7=7")  # the item whose code it is
    (changed,) = [r for r in audit.records(store) if r.event is audit.Event.SETTING][-1:]
    assert (changed.detail["target"], changed.detail["before"], changed.detail["after"]) == (
        "register.quick_keys", {"value": "1=PIZZA-M,2=SODA"}, {"value": "7=7"})
    assert config.get(store, "register.quick_keys") == "7=7"


@freeze_time(NOON)
def test_a_quick_key_rings_its_item_in_one_line_and_shows_on_screen(till: Session) -> None:
    from pos.store import config
    from pos.store.catalog import add_item

    add_item(till.store, "4006381333931", "Pencil", "1.00")  # a scanner's EAN-13: digits, never a key
    config.set_option(till.store, "register.quick_keys", "1=PIZZA-M,2=SODA")
    assert till.screen() == ["Register 1, Alice: ready.", "[1] Margherita 12in  [2] Soda 20oz"]
    assert till.handle("1") == ["+ 1 x Margherita 12in"]
    assert till.handle("3*2") == ["+ 3 x Soda 20oz"]  # three of key 2
    assert till.handle("4006381333931") == ["+ 1 x Pencil"]
    assert till.screen()[-1] == "[1] Margherita 12in  [2] Soda 20oz"  # under the order too
    said = _said(till.handle("5"))
    assert said == ("Key 5 has no item: the owner puts the top items on keys 1 to 9 with 'pos config set "
                    "register.quick_keys 1=PIZZA-M,2=SODA'.")
    from pos.store.catalog import deactivate_item

    deactivate_item(till.store, "SODA")
    assert till.screen()[-1] == "[1] Margherita 12in  [2] Soda 20oz (off sale)"
    assert _said(till.handle("2")) == "SODA (Soda 20oz) is not on sale any more: pick another item."


@freeze_time(NOON)
def test_a_manager_who_takes_over_an_order_cannot_keep_its_tip_as_her_own_service(crew: Session) -> None:
    """The order keeps who rang it: switching in does not make Alice's customer Maria's own service."""
    till = crew
    till.handle("PIZZA-M")
    till.handle("switch Maria")
    till.answer("258036")
    till.answer("y")  # her shift starts
    said = _said(till.handle("tip 2 maria"))
    assert "they keep only a tip for service they alone gave, on an order they rang" in said and till.tip is None
    till.handle("SODA")
    assert till.handle("cash 20")[-1] == "Paid. Next customer."
    till.handle("SODA")  # her own order, rung and taken by her: hers to keep (pos.tips.tips.own_service)
    assert till.handle("tip 1 maria !") == ["Tip $1.00 for Maria on the next payment."]


_PAIR = st.tuples(st.sampled_from(["1", "2", "9", "0", "10", "x", "", " 3 ", "１"]), st.sampled_from(["=", "", "=="]),
                  st.sampled_from(["PIZZA-M", "soda", " SODA ", "NOPE", "", "PIZZA-M=1"]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_PAIR, min_size=1, max_size=6), st.sampled_from([",", ", ", ";"]))
def test_quick_keys_are_stored_in_one_form_or_refused_in_words(store: Store, pairs, comma: str) -> None:
    from pos.base.errors import InvalidInput, NotFound
    from pos.store.quick_keys import KEYS, parse

    text = comma.join(f"{key}{sep}{sku}" for key, sep, sku in pairs)
    try:
        stored = parse(store, text)
    except (InvalidInput, NotFound) as exc:
        assert exc.message and "\n" not in exc.message
        return
    assert parse(store, stored) == stored  # one form: parsing it again changes nothing
    if not stored:  # nothing but blanks: every key cleared
        assert not text.replace(",", "").replace(";", "").strip()
        return
    keys = [pair.split("=")[0] for pair in stored.split(",")]
    assert keys == sorted(set(keys)) and set(keys) <= set(KEYS)
    assert {pair.split("=")[1] for pair in stored.split(",")} <= {"PIZZA-M", "SODA"}
