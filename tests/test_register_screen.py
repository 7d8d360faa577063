"""What the cashier reads on the register: the pending tip, taking items off, the first receipt, help, item search.

The ``store`` fixture is USD, tax-exclusive at 8.875%, with PIZZA-M at 12.50 (13.61 with tax) and
SODA at 2.49 (2.71 with tax).
"""

from __future__ import annotations

import pytest
from freezegun import freeze_time
from hypothesis import given, settings
from hypothesis import strategies as st

from pos.store import audit, config
from pos.store.catalog import add_item
from pos.cash.drawer import open_drawer
from pos.people.staff import add_staff, start_shift
from pos.store.store import Store
from screens.lines import wrapped
from screens.register import HELP, Session

NOON = "2026-11-23 17:00:00"


@pytest.fixture
def till(store: Store) -> Session:
    with freeze_time(NOON):
        alice = add_staff(store, "Alice", "cashier", "2580")
        add_staff(store, "Bob", "server", "1470")
        add_staff(store, "Maria", "manager", "258036")
        for name in ("Alice", "Bob"):
            start_shift(store, name)
        open_drawer(store, 1, "100")
    return Session(store, alice, 1)


def _row(label: str, amount: str, width: int = 48) -> str:
    """A line of the order on screen: indented, its amount right-aligned in the receipt's column."""
    return "  " + label.ljust(width - len(amount)) + amount


def _said(lines: list[str]) -> str:
    """A message the screen fitted to the terminal, as one line again."""
    return " ".join(line.strip() for line in lines)


# -- the pending tip ------------------------------------------------------------------------


@freeze_time(NOON)
def test_a_pending_tip_shows_with_its_recipient_and_what_to_pay(till: Session) -> None:
    till.handle("PIZZA-M")
    assert till.screen()[-2:] == [_row("TOTAL", "$13.61"), _row("Due", "$13.61")]
    assert till.handle("tip 2 bob") == ["Tip $2.00 for Bob on the next payment."]
    assert till.screen()[-3:] == [_row("Due", "$13.61"),
                                  _row("Tip for Bob, with the next payment", "$2.00"),
                                  _row("To pay with the tip", "$15.61")]
    assert till.handle("t") == till.screen()[2:]  # the total says it too
    assert till.handle("cash 20") == ["Cash $20.00 taken.", "Change: $4.39  (4 x $1.00, 1 x $0.25, 1 x $0.10, 4 x $0.01)",
                                      "Paid. Next customer."]
    till.handle("SODA")
    assert not any("Tip" in line for line in till.screen())  # it went with that payment


@freeze_time(NOON)
def test_a_pending_tip_for_the_team_says_so(till: Session) -> None:
    till.handle("PIZZA-M")
    till.handle("tip 1")
    assert till.screen()[-2:] == [_row("Tip for the team, with the next payment", "$1.00"),
                                  _row("To pay with the tip", "$14.61")]


# -- taking items off -----------------------------------------------------------------------


@freeze_time(NOON)
def test_minus_takes_one_off_the_last_line(till: Session) -> None:
    till.handle("PIZZA-M")
    till.handle("3*SODA")
    assert till.handle("-") == ["- 1 x Soda 20oz"]
    assert till.screen()[1:3] == [_row("1. 1 x Margherita 12in", "$12.50"), _row("2. 2 x Soda 20oz", "$4.98")]
    assert till.handle("-") == ["- 1 x Soda 20oz"]
    assert till.handle("-") == ["- 1 x Soda 20oz"]  # the last one: the line goes
    assert till.screen()[1:3] == [_row("1. 1 x Margherita 12in", "$12.50"), _row("Subtotal", "$12.50")]
    till.handle("PIZZA-M")
    assert till.handle("-") == ["- 1 x Margherita 12in"]


@freeze_time(NOON)
def test_minus_a_number_takes_that_many_and_minus_space_a_line_takes_that_line(till: Session) -> None:
    till.handle("2*PIZZA-M")
    till.handle("5*SODA")
    assert till.handle("-3") == ["- 3 x Soda 20oz"]
    assert till.screen()[2] == _row("2. 2 x Soda 20oz", "$4.98")
    assert till.handle("- 1") == ["- 2 x Margherita 12in"]  # line 1, whole
    assert till.screen()[1:3] == [_row("2. 2 x Soda 20oz", "$4.98"), _row("Subtotal", "$4.98")]
    assert till.screen()[-1] == _row("Due", "$5.42")
    till.handle("PIZZA-M")
    assert till.screen()[2] == _row("4. 1 x Margherita 12in", "$12.50")  # numbers stay those '- LINE' takes


@freeze_time(NOON)
def test_taking_off_too_many_or_nonsense_changes_nothing(till: Session) -> None:
    till.handle("3*SODA")
    before = till.screen()
    for typed, says in (("-4", "Line 1 is 3 x Soda 20oz: take off at most 3."),
                        ("- 9", "has no line 9 (its lines: 1)"),
                        ("-x", "say how many to take off the last line, like -3"),
                        ("- soda", "give the line's number from the screen, like '- 2'"),
                        ("-0", "Quantity must be at least 1")):
        message = _said(till.handle(typed))
        assert says in message, (typed, message)
    assert till.screen() == before
    assert Session(till.store, till.cashier).handle("-") == ["Nothing to remove."]


@freeze_time(NOON)
def test_one_at_a_time_still_adds_up_to_the_void_limit(till: Session) -> None:
    """Taking items off one by one is a void each time, and they add up: splitting escapes no limit."""
    config.set_option(till.store, "approval.void_over", "5")
    till.handle("5*SODA")
    assert till.handle("-") == ["- 1 x Soda 20oz"]  # $2.71 voided
    asked = _said(till.handle("-"))  # $5.42 on the order: over $5.00
    assert asked.startswith("Taking 1 of line 1 (Soda 20oz) off order #1 ($2.71) needs a manager's approval: "
                            "with $2.71 already voided on it, that makes $5.42, over the $5.00 limit per order")
    assert till.asking is not None
    till.answer("Maria")
    assert till.answer("258036") == ["- 1 x Soda 20oz"]
    assert till.screen()[1] == _row("1. 3 x Soda 20oz", "$7.47")
    voids = [r for r in audit.records(till.store) if r.event is audit.Event.VOID]
    assert [(r.detail["before"]["quantity"], r.detail["after"]["quantity"]) for r in voids] == [(5, 4), (4, 3)]
    taken = till.store.all("SELECT quantity, removed_minor, taken_from_line, removal_approved_by IS NOT NULL AS ok "
                           "FROM order_lines WHERE removed_at IS NOT NULL ORDER BY line_no")
    assert [tuple(r) for r in taken] == [(1, 271, 1, 0), (1, 271, 1, 1)]


# -- the first receipt ------------------------------------------------------------------------


@freeze_time(NOON)
def test_the_first_receipt_of_a_sale_is_the_original_then_reprints(till: Session) -> None:
    till.handle("PIZZA-M")
    till.handle("cash 20")
    first = till.handle("receipt")
    assert any("Served by Alice" in line for line in first)
    assert not any("REPRINT" in line for line in first)
    assert any("REPRINT" in line for line in till.handle("receipt"))
    till.handle("SODA")
    till.handle("cash 5")
    assert not any("REPRINT" in line for line in till.handle("receipt"))  # the next sale's own first print


# -- help ---------------------------------------------------------------------------------------


@freeze_time(NOON)
def test_help_is_laid_out_for_the_terminal_between_words(store: Store) -> None:
    alice = add_staff(store, "Alice", "cashier", "2580")
    width = [40]
    session = Session(store, alice, 1, width=lambda: width[0])
    lines = session.handle("help")
    assert len(lines) > 3 and all(len(line) <= 40 for line in lines)
    assert "split N" in " ".join(lines) and "[TIPS]" in " ".join(lines)  # no entry cut in two
    width[0] = 200  # the window widened: read again at each 'help'
    assert len(session.handle("help")) < len(lines)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=240))
def test_help_never_breaks_inside_a_word_at_any_width(width: int) -> None:
    lines = wrapped(HELP, width)
    words = " ".join(HELP).split()
    assert " ".join(lines).replace(" | ", " ").split() == words  # every word, whole, in order
    longest = max(len(word) for word in words)
    assert all(len(line) <= max(width, longest) for line in lines)
    if width >= max(len(entry) for entry in HELP):  # wide enough for each: every entry whole on one line
        assert all(any(entry in line.split(" | ") for line in lines) for entry in HELP)


# -- finding an item -------------------------------------------------------------------------------


@freeze_time(NOON)
def test_question_mark_finds_items_with_their_sku_and_price(till: Session) -> None:
    add_item(till.store, "PIZZA-P", "Pepperoni 12in", "14.00")
    add_item(till.store, "PIZZA-PL", "Pepperoni 16in", "19.00")
    assert till.handle("? pepperoni") == [_row("PIZZA-P   Pepperoni 12in", "$14.00"),
                                          _row("PIZZA-PL  Pepperoni 16in", "$19.00")]
    assert till.handle("?PEPPERONI 16") == [_row("PIZZA-PL  Pepperoni 16in", "$19.00")]  # every word, any case
    assert till.handle("? soda") == [_row("SODA  Soda 20oz", "$2.49")]
    assert till.handle("? 100%") == ["No item on sale matches '100%': try part of its name."]  # % is no wildcard
    assert till.handle("?") == ["Find an item by name or SKU, like: ? pepperoni"]
    assert till.order_id is None  # a search opens no order


@freeze_time(NOON)
def test_a_long_search_says_how_many_more_match(till: Session) -> None:
    for n in range(12):
        add_item(till.store, f"CAKE-{n:02d}", f"Cake {n:02d}", "3.00")
    found = till.handle("? cake")
    assert len(found) == 11 and found[-1] == "  ... 12 items match: type more of the name to see the rest."


@freeze_time(NOON)
def test_a_wrong_sku_points_to_the_search(till: Session) -> None:
    said = _said(till.handle("PEPPERONI"))
    assert said == "No item with SKU 'PEPPERONI': find it by name with '? NAME' (like '? pepperoni')."
    assert "pos item list" not in said and till.order_id is None


@freeze_time(NOON)
def test_signing_out_counts_the_orders_left_open_in_words(till: Session) -> None:
    till.handle("SODA")
    assert till.handle("hold") == ["Held (1 held)."]
    till.handle("PIZZA-M")
    assert till.handle("quit") == ["Signed out. 2 orders still open: pos order list."]


@freeze_time(NOON)
def test_a_pending_tip_goes_with_its_order_when_held_or_voided(till: Session) -> None:
    till.handle("PIZZA-M")
    till.handle("tip 2 bob")
    till.handle("hold")
    till.handle("SODA")
    assert not any("Tip" in line for line in till.screen())  # not the next customer's
    assert till.handle("tip 0.50 bob") == ["Tip $0.50 for Bob on the next payment."]
    till.handle("void changed their mind")
    till.handle("SODA")
    assert till.handle("cash 5")[1] == "Change: $2.29  (2 x $1.00, 1 x $0.25, 4 x $0.01)"  # no tip taken


def test_pos_register_lays_help_out_for_its_terminal(store: Store, cli_for, monkeypatch) -> None:
    with freeze_time(NOON):
        add_staff(store, "Alice", "cashier", "2580")
        monkeypatch.setenv("COLUMNS", "30")  # what the terminal says its width is
        result = cli_for(store)("register", "--name", "Alice", input="2580\ny\nhelp\nquit\n")
    assert result.exit_code == 0, result.output
    shown = result.stdout.split("ready.\n", 1)[1].split("Register 1, Alice: ready.")[0].splitlines()
    assert " ".join(shown).replace(" | ", " ").split() == " ".join(HELP).split()  # help, whole words
    assert len(shown) > 5 and all(len(line) <= 30 for line in shown)


# -- issue 23, item 5: what the cashier needs, inside the register ----------------------------------


@freeze_time(NOON)
def test_a_discount_shows_its_line_and_the_tax_line_as_the_receipt_will(till: Session) -> None:
    """After 'd 10% regular' only the total changed: the discount and the tax are on screen, as on the receipt."""
    till.handle("PIZZA-M")
    till.handle("3*SODA")
    till.handle("- 2")
    assert till.handle("d 10% regular") == ["Discount 10%: regular."]
    shown = till.screen()
    assert shown == ["Order #1",
                     _row("1. 1 x Margherita 12in", "$12.50"),
                     _row("Discount: regular", "-$1.25"),
                     _row("Subtotal", "$12.50"),
                     _row("Discounts", "-$1.25"),
                     _row("Tax Standard 8.875% on $11.25", "$1.00"),
                     _row("TOTAL", "$12.25"),
                     _row("Due", "$12.25")]
    assert till.handle("t") == shown[2:]  # the total says them too
    till.handle("cash 20")
    receipt = till.handle("receipt")
    at = receipt.index(shown[2].strip())
    # The very rows the receipt prints (one receipt model), in the same column.
    assert [line[2:] for line in shown[2:7]] == [receipt[at], *receipt[at + 2:at + 6]]


@freeze_time(NOON)
def test_cash_says_the_change_in_notes_and_coins_as_pos_pay_does(till: Session, cli_for) -> None:
    till.width = lambda: 80  # pos register's terminal
    till.handle("PIZZA-M")
    till.handle("2*SODA")  # $19.03
    assert till.handle("cash 100") == [
        "Cash $100.00 taken.",
        "Change: $80.97  (1 x $50.00, 1 x $20.00, 1 x $10.00, 3 x $0.25, 2 x $0.10,",
        "  2 x $0.01)",  # broken between words, never between a count and its coin
        "Paid. Next customer."]
    cli = cli_for(till.store)
    cli.ok("order", "new")
    cli.ok("order", "add", "2", "PIZZA-M")
    cli.ok("order", "add", "2", "SODA", "--qty", "2")
    assert "Change: $80.97  (1 x $50.00, 1 x $20.00, 1 x $10.00, 3 x $0.25, 2 x $0.10, 2 x $0.01)" in cli.ok(
        "pay", "2", "cash", "100").stdout  # the same words, from the same function


@freeze_time(NOON)
@pytest.mark.parametrize("width", [80, 40, 32])
def test_amounts_line_up_in_one_column_for_the_terminal(till: Session, width: int) -> None:
    till.width = lambda: width
    till.handle("PIZZA-M")
    till.handle("12*SODA")
    till.handle("d 10% a regular customer of many years who always brings friends")
    till.handle("tip 2 bob")
    shown = till.screen()
    block = min(width, 50)
    assert all(len(line) <= block for line in shown), shown
    amounts = [line for line in shown if line.split()[-1].startswith(("$", "-$")) and not line.startswith("    ")]
    assert len(amounts) >= 10 and all(len(line) == block for line in amounts)  # every amount ends at one column
    assert any("$29.88" in line for line in shown) and any("$2.00" in line for line in shown)


@freeze_time(NOON)
@pytest.mark.parametrize("width", [80, 40, 32])
def test_a_long_message_wraps_between_words_never_inside_an_amount(till: Session, width: int) -> None:
    config.set_option(till.store, "approval.void_over", "5")
    till.width = lambda: width
    till.handle("5*SODA")
    till.handle("-")
    asked = till.handle("-")
    assert len(asked) > 1 and all(len(line) <= width for line in asked), asked
    assert all(line.startswith("  ") for line in asked[1:])  # a message's own lines, indented under it
    text = " ".join(line.strip() for line in asked)
    assert text.startswith("Taking 1 of line 1 (Soda 20oz) off order #1 ($2.71) needs a manager's approval: with "
                           "$2.71 already voided on it, that makes $5.42, over the $5.00 limit per order")
    for amount in ("$2.71", "$5.42", "$5.00"):
        assert any(amount in line for line in asked)  # whole, on one line


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["Change", "due", "tip", "$1,234.56", "-$0.05", "1\u00a0234,56\u00a0€", "(1", "x",
                                 "$20.00,", "approval:", "a-very-long-hyphenated-word"]), min_size=1, max_size=40),
       st.integers(min_value=1, max_value=120))
def test_a_message_is_never_broken_inside_a_word_or_an_amount(words: list[str], width: int) -> None:
    from screens.lines import fitted

    lines = fitted([" ".join(words)], width)
    assert " ".join(line.strip() for line in lines) == " ".join(words).replace("\u00a0", " ")  # all of it, in order
    for word in words:  # each word whole on a line ('1 234,56 €' too: its spaces are no-break ones)
        assert any(word.replace("\u00a0", " ") in line for line in lines)
    whole = {word.replace("\u00a0", " ") for word in words}
    assert all(len(line) <= width or line.strip() in whole for line in lines)  # wider: one word alone


@freeze_time(NOON)
def test_pos_register_fits_its_terminal(store: Store, cli_for, monkeypatch) -> None:
    """At 80 columns nothing reaches the terminal wider than it (the terminal would cut it anywhere)."""
    with freeze_time(NOON):
        add_staff(store, "Alice", "cashier", "2580")
        add_staff(store, "Maria", "manager", "258036")
        open_drawer(store, 1, "100")
        config.set_option(store, "approval.void_over", "5")
    for columns in (80, 44):
        monkeypatch.setenv("COLUMNS", str(columns))
        result = cli_for(store)("register", "--name", "Alice",
                                input="2580\ny\n5*SODA\n-\n-\n\nd 10% regular\ncash 100\nquit\n")
        assert result.exit_code == 0, result.output
        assert "already voided on it, that makes $5.42" in " ".join(line.strip() for line in result.stdout.splitlines())
        assert all(len(line) <= columns for line in result.stdout.splitlines()), result.stdout


# -- no drawer open ----------------------------------------------------------------------------------


@freeze_time(NOON)
def test_with_no_drawer_open_cash_names_the_registers_own_command(store: Store) -> None:
    alice = add_staff(store, "Alice", "cashier", "2580")
    start_shift(store, "Alice")
    till = Session(store, alice, 1)
    till.handle("PIZZA-M")
    said = _said(till.handle("cash 20"))
    assert said == ("Drawer 1 is not open: open it here with 'float AMOUNT' (the cash put in it to make change), "
                    "then take the payment again.")
    add_staff(store, "Maria", "manager", "258036")
    assert till.handle("float 150") == ["A float of $150.00 comes out of the safe: a manager counts it (they type "
                                        "their name, then their PIN; Enter alone cancels)."]
    assert till.answer("Maria") == []
    assert till.answer("258036") == ["Drawer 1 open with a $150.00 float, counted by Maria."]
    assert till.screen()[-1].endswith("$13.61")  # the order waited
    assert till.handle("cash 20")[-1] == "Paid. Next customer."


@freeze_time(NOON)
def test_with_no_drawer_open_someone_who_may_not_open_it_is_told_who_may(store: Store) -> None:
    bob = add_staff(store, "Bob", "server", "1470")
    start_shift(store, "Bob")
    till = Session(store, bob, 1)
    till.handle("PIZZA-M")
    said = _said(till.handle("cash 20"))
    assert said == ("Drawer 1 is not open, and Bob may not open it: an owner, a manager or a cashier opens it here "
                    "with 'float AMOUNT' (the cash put in it to make change; 'switch' signs them in).")
    refusal = _said(till.handle("float 150"))
    assert "Bob is a server and may not open a drawer (float)" in refusal
    assert [r.detail["asked"] for r in audit.records(store) if r.event is audit.Event.REFUSED] == [
        "register: float 150"]


def test_a_one_shot_payment_with_no_drawer_names_no_made_up_float(cli) -> None:
    with freeze_time(NOON):
        cli.ok("order", "new")
        cli.ok("order", "add", "1", "SODA")
        cli.fails("pay", "1", "cash", "--register", "3",
                  says="Drawer 3 is not open: open it with its float, 'pos drawer open --float AMOUNT --register 3'.")


# -- split ---------------------------------------------------------------------------------------------


@freeze_time(NOON)
def test_split_shows_each_real_share_and_what_to_type_for_it(till: Session) -> None:
    till.handle("PIZZA-M")
    till.handle("cash 3.61")  # part paid: $10.00 left
    assert till.handle("split 3") == [
        "$10.00 due, in 3 shares: take each with its own tender.",
        _row("1. card 3.34 or cash 3.34", "$3.34"),
        _row("2. card 3.33 or cash 3.33", "$3.33"),
        _row("3. card 3.33 or cash 3.33", "$3.33")]
    till.handle("cash 3.34")
    till.handle("cash 3.33")
    assert till.handle("cash 3.33")[-1] == "Paid. Next customer."  # the shares sum to the whole


@freeze_time(NOON)
def test_split_types_amounts_the_way_the_store_reads_them(make_store) -> None:
    from pos.store.catalog import add_item

    euro = make_store(currency="EUR", locale="de_DE", tax_rate="0")
    add_item(euro, "BIER", "Bier", "10,00")
    anna = add_staff(euro, "Anna", "cashier", "2580")
    start_shift(euro, "Anna")
    open_drawer(euro, 1, "100")
    till = Session(euro, anna, 1)
    till.handle("BIER")
    head, *shares = till.handle("split 3")
    assert head == "10,00 € due, in 3 shares: take each with its own tender."
    assert [line.split()[1:5] for line in shares] == [["card", "3,34", "or", "cash"], ["card", "3,33", "or", "cash"],
                                                      ["card", "3,33", "or", "cash"]]  # a decimal comma, as typed here
    for line in shares:
        assert till.handle(" ".join(line.split()[4:6]))[0].startswith("Cash ")
    assert till.order_id is None  # paid in full
