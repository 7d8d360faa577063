"""What the cashier reads on the register: the pending tip, taking items off, the first receipt, help, item search.

The ``store`` fixture is USD, tax-exclusive at 8.875%, with PIZZA-M at 12.50 (13.61 with tax) and
SODA at 2.49 (2.71 with tax).
"""

from __future__ import annotations

import pytest
from freezegun import freeze_time
from hypothesis import given, settings
from hypothesis import strategies as st

from pos import audit, config
from pos.catalog import add_item
from pos.drawer import open_drawer
from pos.staff import add_staff, start_shift
from pos.store import Store
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


# -- the pending tip ------------------------------------------------------------------------


@freeze_time(NOON)
def test_a_pending_tip_shows_with_its_recipient_and_what_to_pay(till: Session) -> None:
    till.handle("PIZZA-M")
    assert till.screen()[-1] == "  Total $13.61, due $13.61"
    assert till.handle("tip 2 bob") == ["Tip $2.00 for Bob on the next payment."]
    assert till.screen()[-2:] == ["  Total $13.61, due $13.61",
                                  "  Tip $2.00 for Bob on the next payment: to pay $15.61"]
    assert till.handle("t") == till.screen()[-2:]  # the total says it too
    assert till.handle("cash 20") == ["Cash $20.00 taken.", "Change $4.39.", "Paid. Next customer."]
    till.handle("SODA")
    assert not any("Tip" in line for line in till.screen())  # it went with that payment


@freeze_time(NOON)
def test_a_pending_tip_for_the_team_says_so(till: Session) -> None:
    till.handle("PIZZA-M")
    till.handle("tip 1")
    assert till.screen()[-1] == "  Tip $1.00 for the team on the next payment: to pay $14.61"


# -- taking items off -----------------------------------------------------------------------


@freeze_time(NOON)
def test_minus_takes_one_off_the_last_line(till: Session) -> None:
    till.handle("PIZZA-M")
    till.handle("3*SODA")
    assert till.handle("-") == ["- 1 x Soda 20oz"]
    assert till.screen()[1:3] == ["  1. 1 x Margherita 12in  $12.50", "  2. 2 x Soda 20oz  $4.98"]
    assert till.handle("-") == ["- 1 x Soda 20oz"]
    assert till.handle("-") == ["- 1 x Soda 20oz"]  # the last one: the line goes
    assert till.screen()[1:] == ["  1. 1 x Margherita 12in  $12.50", "  Total $13.61, due $13.61"]
    till.handle("PIZZA-M")
    assert till.handle("-") == ["- 1 x Margherita 12in"]


@freeze_time(NOON)
def test_minus_a_number_takes_that_many_and_minus_space_a_line_takes_that_line(till: Session) -> None:
    till.handle("2*PIZZA-M")
    till.handle("5*SODA")
    assert till.handle("-3") == ["- 3 x Soda 20oz"]
    assert till.screen()[2] == "  2. 2 x Soda 20oz  $4.98"
    assert till.handle("- 1") == ["- 2 x Margherita 12in"]  # line 1, whole
    assert till.screen()[1:] == ["  2. 2 x Soda 20oz  $4.98", "  Total $5.42, due $5.42"]
    till.handle("PIZZA-M")
    assert till.screen()[-2] == "  4. 1 x Margherita 12in  $12.50"  # numbers stay those '- LINE' takes


@freeze_time(NOON)
def test_taking_off_too_many_or_nonsense_changes_nothing(till: Session) -> None:
    till.handle("3*SODA")
    before = till.screen()
    for typed, says in (("-4", "Line 1 is 3 x Soda 20oz: take off at most 3."),
                        ("- 9", "has no line 9 (its lines: 1)"),
                        ("-x", "say how many to take off the last line, like -3"),
                        ("- soda", "give the line's number from the screen, like '- 2'"),
                        ("-0", "Quantity must be at least 1")):
        (message,) = till.handle(typed)
        assert says in message, (typed, message)
    assert till.screen() == before
    assert Session(till.store, till.cashier).handle("-") == ["Nothing to remove."]


@freeze_time(NOON)
def test_one_at_a_time_still_adds_up_to_the_void_limit(till: Session) -> None:
    """Taking items off one by one is a void each time, and they add up: splitting escapes no limit."""
    config.set_option(till.store, "approval.void_over", "5")
    till.handle("5*SODA")
    assert till.handle("-") == ["- 1 x Soda 20oz"]  # $2.71 voided
    asked = till.handle("-")  # $5.42 on the order: over $5.00
    assert asked[0].startswith("Taking 1 of line 1 (Soda 20oz) off order #1 ($2.71) needs a manager's approval: "
                               "with $2.71 already voided on it, that makes $5.42, over the $5.00 limit per order")
    assert till.asking is not None
    till.answer("Maria")
    assert till.answer("258036") == ["- 1 x Soda 20oz"]
    assert till.screen()[1] == "  1. 3 x Soda 20oz  $7.47"
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
    assert till.handle("? pepperoni") == ["  PIZZA-P   Pepperoni 12in  $14.00", "  PIZZA-PL  Pepperoni 16in  $19.00"]
    assert till.handle("?PEPPERONI 16") == ["  PIZZA-PL  Pepperoni 16in  $19.00"]  # every word, any case
    assert till.handle("? soda") == ["  SODA  Soda 20oz  $2.49"]
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
    (said,) = till.handle("PEPPERONI")
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
    assert till.handle("cash 5") == ["Cash $5.00 taken.", "Change $2.29.", "Paid. Next customer."]  # no tip taken


def test_pos_register_lays_help_out_for_its_terminal(store: Store, cli_for, monkeypatch) -> None:
    with freeze_time(NOON):
        add_staff(store, "Alice", "cashier", "2580")
        monkeypatch.setenv("COLUMNS", "30")  # what the terminal says its width is
        result = cli_for(store)("register", "--name", "Alice", input="2580\ny\nhelp\nquit\n")
    assert result.exit_code == 0, result.output
    shown = result.stdout.split("ready.\n", 1)[1].split("Register 1, Alice: ready.")[0].splitlines()
    assert " ".join(shown).replace(" | ", " ").split() == " ".join(HELP).split()  # help, whole words
    assert len(shown) > 5 and all(len(line) <= 30 for line in shown)
