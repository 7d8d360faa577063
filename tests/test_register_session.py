"""The register session: the cashier's short commands, in-process, and pos register with scripted input."""

from __future__ import annotations


import pytest
from freezegun import freeze_time

from pos import audit
from pos.drawer import open_drawer
from pos.orders import OrderStatus, list_orders
from pos.staff import add_staff, start_shift
from pos.store import Store
from screens.register import Session
from tests.helpers import tmux_server_name

NOON = "2026-11-23 17:00:00"


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
    assert till.screen()[-1] == "  Total $12.25, due $12.25"
    assert till.handle("t") == ["  Total $12.25, due $12.25"]
    assert till.handle("cash 20") == ["Cash $20.00 taken.", "Change $7.75.", "Paid. Next customer."]
    assert till.screen() == ["Register 1, Alice: ready."]
    assert any("Served by Alice" in line for line in till.handle("receipt"))


@freeze_time(NOON)
def test_bad_input_is_one_line_and_the_order_survives(till: Session) -> None:
    till.handle("PIZZA-M")
    for typed, says in (("NOPE", "No item with SKU 'NOPE'"), ("3*", "give the item after the quantity"),
                        ("cash abc", "abc"), ("d 10%", "Say how much and why"), ("split x", "Split how many"),
                        ("tip 2 Zed", "No staff member called 'Zed'"), ("two pizzas", "not an item or a command"),
                        ("recall", "Finish or hold the open order first"), ("new", "Pay, hold or void")):
        (message,) = till.handle(typed)
        assert says in message, (typed, message)
    assert till.screen()[-1] == "  Total $13.61, due $13.61"  # still there


@freeze_time(NOON)
def test_hold_recall_split_tip_void_lock(till: Session) -> None:
    till.handle("PIZZA-M")
    assert till.handle("hold") == ["Held (1 held)."]
    till.handle("SODA")
    assert till.handle("split 2") == ["2 ways: $1.36, $1.35 (take each: card 12.34, cash ...)"]
    assert till.handle("void customer left") == ["Voided #2."]
    assert till.handle("recall 1") == ["Recalled #1."]
    assert till.handle("tip 5 Alice") == [  # a typo guard: above the store's 30% share
        "A $5.00 tip is more than 30% of $13.61: check it, then type 'tip 5 Alice !'."]
    assert till.handle("tip 2 Alice") == ["Tip $2.00 for Alice on the next payment."]
    till.handle("cash 20")
    assert [o.status for o in list_orders(till.store)] == [OrderStatus.PAID, OrderStatus.VOIDED]
    assert till.handle("lock") == ["Locked: type your PIN to unlock."]
    assert till.handle("PIZZA-M") == ["The register is locked: type your PIN to unlock it."]
    assert "Wrong PIN" in till.unlock("9999")[0]
    assert till.unlock("2580") == ["Unlocked."]
    till.handle("PIZZA-M")
    assert till.handle("quit") == ["Signed out. 1 order still open: pos order list."]


@freeze_time(NOON)
def test_a_kitchen_porter_cannot_ring_sales(store: Store) -> None:
    kim = add_staff(store, "Kim", "kitchen", "2580")
    session = Session(store, kim, 1)
    assert session.handle("PIZZA-M") == [
        "Kim is kitchen staff and may not ring up a sale ('PIZZA-M'): that needs an owner, a manager, a cashier or a "
        "server."]
    assert list_orders(store) == []


def test_pos_register_signs_in_by_pin_and_rings_a_sale(store: Store, cli_for, tmp_path) -> None:
    from pos import config

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
    """Drive pos register in tmux: the PIN stays hidden on screen, a sale is rung and paid."""
    import shutil
    import subprocess
    import sys
    import time
    from pathlib import Path

    add_staff(store, "Alice", "cashier", "2580")
    start_shift(store, "Alice")
    open_drawer(store, 1, "100")
    beside = Path(sys.executable).with_name("pos")  # the venv's own pos, whatever PATH says
    pos = str(beside) if beside.exists() else shutil.which("pos")
    command = f"{pos} --db {store.path} register --name Alice" if pos else \
        f"{sys.executable} -m cli --db {store.path} register --name Alice"
    session = tmux_server_name("register", tmp_path)
    tmux = ["tmux", "-L", session]
    subprocess.run([*tmux, "new-session", "-d", "-s", session, "-x", "100", "-y", "40", command], check=True,
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

    try:
        wait_for("PIN for Alice")
        subprocess.run([*tmux, "send-keys", "-t", session, "2580", "Enter"], check=True)
        wait_for("Register 1, Alice: ready.")
        for keys in ("PIZZA-M", "cash 20"):
            subprocess.run([*tmux, "send-keys", "-t", session, keys, "Enter"], check=True)
        shown = wait_for("Paid. Next customer.")
        assert "2580" not in shown and "Change $6.39." in shown
        subprocess.run([*tmux, "send-keys", "-t", session, "quit", "Enter"], check=True)
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
    assert session.handle("t") == ["  Total $13.61, due $13.61"]
    now[0] += 301
    assert session.handle("SODA") == ["Locked after 5 minutes idle: type your PIN to unlock it."]
    assert session.unlock("2580") == ["Unlocked."]
    assert session.handle("SODA") == ["+ 1 x Soda 20oz"]  # the open order was kept


def test_opening_the_drawer_without_a_sale_is_a_managers_and_is_audited(store: Store, cli_for, tmp_path,
                                                                         monkeypatch) -> None:
    from pos import config
    from pos.drawer import open_drawer

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
    assert till.completions("re") == ["recall", "receipt", "ready"]
    assert till.completions("3*piz") == ["PIZZA-M"]
    assert till.completions("soda") == ["SODA"]
    assert till.completions("margh") == ["PIZZA-M"]  # by item name too
    assert till.completions("") == []


@freeze_time(NOON)
def test_ctrl_c_in_the_middle_of_a_payment_loses_nothing(till: Session) -> None:
    from payments import service
    from payments.base import PaymentState, order_payments
    from pos import faults

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
    assert till.handle("t") == ["  Total $13.61, due $0.00"]


def test_a_whole_shift_from_the_register(store: Store) -> None:
    with freeze_time("2026-11-23 14:00:00") as clock:
        alice = add_staff(store, "Alice", "cashier", "2580")
        start_shift(store, "Alice")
        till = Session(store, alice, 2)
        assert till.handle("float") == ["Say the float, like: float 150"]
        assert till.handle("float 150") == ["Drawer 2 open with a $150.00 float."]
        till.handle("PIZZA-M")
        assert till.handle("end") == ["Pay, hold or void the open order first."]
        till.handle("cash 20")
        clock.tick(6 * 3600)
        assert till.handle("end 12.00") == ["Type your PIN to end your shift (Enter alone goes on)."]
        assert till.answer("2580") == ["Shift ended after 6h00m, $12.00 cash tips declared.", "Signed out."]
        assert till.done
    from pos.staff import open_shift

    assert open_shift(store, alice) is None
