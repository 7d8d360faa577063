"""Text from people, on the way in: one check for every field, and amounts and quantities that are only digits.

Every control character (all of C0, DEL, all of C1), every bidi control and the invisible
format characters are fed through every input that stores text a person typed, in the
library (all of them, each input) and on the command line (a sample of each kind, each
command): each is refused in one line naming the field, and nothing is written.  Rich
markup (``[red]``, ``[link=...]``) is ordinary text: it is accepted as typed, and
``tests/test_text_output.py`` shows it is never live on the way out.  Amounts wrapped in a
right-to-left override, quantities and order numbers in other scripts' digits, and reasons of
100,000 characters are refused too; hypothesis walks the parsers.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any, Callable

import pytest
from freezegun import freeze_time
from hypothesis import given, settings
from hypothesis import strategies as st

from pos.base.errors import InvalidInput
from pos.store.store import Store
from pos.base.text import LIMITS, clean_line, first_hidden, shown
from tests.conftest import Cli, ZONE, snapshot

NOON = "2026-11-23 17:00:00"  # noon in New York

C0 = [chr(code) for code in range(0x20)]
C1 = [chr(code) for code in range(0x80, 0xA0)]
BIDI = ["\u061c", "\u200e", "\u200f", *map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A))]
FORMAT = ["\u00ad", "\u180e", "\u200b", "\u2060", "\u2061", "\u2028", "\u2029", "\ufeff", "\ufff9", "\U000e0001",
          "\U000e0041", "\U000e007f", "\udc80"]
HIDDEN = [*C0, "\x7f", *C1, *BIDI, *FORMAT]
"""Every character that must never be stored in a person's text (the zero-width joiners: see below)."""
SAMPLE = ["\x00", "\x07", "\x1b", "\n", "\r", "\t", "\x7f", "\x85", "\x9b", "\u061c", "\u200e", "\u202e", "\u2067",
          "\u200b", "\u2028", "\ufeff", "\U000e0041"]
"""One or more of each kind, for the command line (each run there costs a store snapshot)."""
MARKUP = ["[red]Eve[/red]", "[link=https://evil.example]Eve[/link]", "Eve [/]", "[bold red on white]x", ":smile:"]


def with_hidden(char: str) -> str:
    return f"Eve{char}HACKED"


def says(char: str) -> str:
    """What the refusal says for ``char``."""
    if char in "\n\r\x0b\x0c\x85\u2028\u2029":
        return "holds a line break"
    if char == "\t":
        return "holds a tab"
    return "holds an invisible or control character"


# -- the check itself ---------------------------------------------------------------------------------


@pytest.mark.parametrize("char", HIDDEN, ids=lambda c: f"U+{ord(c):04X}")
def test_every_hidden_character_is_refused_and_named(char: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        clean_line(with_hidden(char), "discount reason")
    message = refused.value.message
    assert message.startswith("The discount reason ") and says(char) in message
    assert "\n" not in message and first_hidden(message) is None  # one line, and it never repeats the character
    if says(char).endswith("character"):
        assert f"U+{ord(char):04X}" in message


def test_a_plain_space_and_other_spaces_are_fine_and_squeezed() -> None:
    assert clean_line("  Eve \u00a0 Smith\u3000 ", "customer name") == "Eve Smith"
    assert clean_line(None, "customer name") == "" and clean_line("   ", "customer name") == ""


def test_joiners_spell_persian_hindi_and_emoji_but_never_sit_beside_latin_letters() -> None:
    for word in ("\u0645\u06cc\u200c\u062e\u0648\u0627\u0645", "\u0915\u094d\u200d\u0937",
                 "\U0001F468\u200d\U0001F469\u200d\U0001F467"):
        assert clean_line(word, "customer name") == word
    for spoof in ("Al\u200dice", "\u200dAlice", "Alice\u200c", "\u0645\u200c\u200c\u0645", "\u0645\u200c"):
        with pytest.raises(InvalidInput, match="U\\+200[CD]"):
            clean_line(spoof, "staff name")


def test_every_field_has_its_limit_from_one_table() -> None:
    assert LIMITS["customer name"] == LIMITS["item name"] == LIMITS["store name"] == LIMITS["tax category name"] == 80
    assert LIMITS["address"] == LIMITS["store address"] == 200
    assert {LIMITS[f] for f in LIMITS if f.endswith("reason") or f == "reason for the reversal"} == {200}
    for field, limit in LIMITS.items():
        assert clean_line("x" * limit, field) == "x" * limit
        with pytest.raises(InvalidInput, match=f"The {re.escape(field)} is longer than {limit} characters"):
            clean_line("x" * (limit + 1), field)
    with pytest.raises(InvalidInput, match="longer than 200 characters \\(100000\\)"):
        clean_line("x" * 100_000, "refund reason")


def test_every_field_the_code_checks_is_in_the_table() -> None:
    root = Path(__file__).resolve().parent.parent
    named = set()
    for path in [root / "cli.py", root / "demo.py", *(root / p for p in ("pos", "payments", "receipts", "screens",
                                                                           "commands"))]:
        for source in ([path] if path.suffix == ".py" else sorted(path.rglob("*.py"))):
            named |= set(re.findall(r'(?<![\w.])clean_line\([^,]+, f?"([^"]+)"', source.read_text()))
    named = {n.replace("{kind.value}", kind) for n in named for kind in ("paid-in", "paid-out", "drop")}
    assert named and named <= set(LIMITS), named - set(LIMITS)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_clean_line_gives_one_clean_line_or_refuses(text: str) -> None:
    try:
        value = clean_line(text, "customer name")
    except InvalidInput as exc:
        assert first_hidden(exc.message) is None
        return
    assert first_hidden(value) is None and len(value) <= 80
    assert value == " ".join(value.split()) and value == " ".join(text.split())


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(whitelist_categories=("L", "M", "N", "P", "S", "Zs")), max_size=80))
def test_printable_text_is_accepted_as_typed(text: str) -> None:
    assert clean_line(text, "customer name") == " ".join(text.split())


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_shown_never_lets_a_hidden_character_through(text: str) -> None:
    assert first_hidden(shown(text)) is None
    assert first_hidden(shown(text, lines=True).replace("\n", " ")) is None
    if first_hidden(text) is None:
        assert shown(text) == text


def test_shown_names_what_it_escapes() -> None:
    assert shown("Eve\x1b[2J\x1b[31mX\u202e00.21\u202c\n\t\x00\x85") == \
        "Eve\\x1b[2J\\x1b[31mX<U+202E>00.21<U+202C>\\n\\t\\x00\\x85"
    assert shown("a\nb\x1b", lines=True) == "a\nb\\x1b"


# -- amounts, quantities, order numbers --------------------------------------------------------------


@pytest.mark.parametrize("char", [c for c in HIDDEN if c not in "\t\n\r"], ids=lambda c: f"U+{ord(c):04X}")
def test_an_amount_holding_a_hidden_character_is_refused(char: str) -> None:
    from pos.base.money_input import parse_amount

    for text in (f"1{char}2.00", f"12.0{char}0", f"{char}12.00", f"12.00{char}"):
        if char in "\u200e\u200f\u061c" and text[0] == char or text[-1] == char and char in "\u200e\u200f\u061c":
            continue  # a bidi mark around the number, as CLDR writes it in ar, fa and he: see the next test
        with pytest.raises(InvalidInput, match="invisible or control character"):
            parse_amount(text, "USD", "en_US")


def test_an_amount_wrapped_in_a_right_to_left_override_is_refused_but_cldr_marks_are_read() -> None:
    from pos.base.money import Money, format_money
    from pos.base.money_input import parse_amount

    for wrapped in ("\u202e12.00\u202c", "\u202e00.21\u202c", "\u2067\u202e12.00\u202c\u2069", "\u202d12.00"):
        with pytest.raises(InvalidInput, match="U\\+202[CDE]|U\\+2067"):
            parse_amount(wrapped, "USD", "en_US")
    for locale in ("ar_EG", "he_IL", "fa_IR"):
        money = Money(-123450, "USD")
        assert parse_amount(format_money(money, locale), "USD", locale, allow_negative=True) == money
    assert parse_amount("\u200f12.00\u00a0US$", "USD", "ar_EG").amount_minor == 1200


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 10**9), st.sampled_from([c for c in HIDDEN if c != "\udc80"]), st.data())
def test_a_format_or_bidi_character_between_the_digits_is_always_refused(minor: int, char: str, data: Any) -> None:
    from pos.base.money import Money, format_plain
    from pos.base.money_input import parse_amount

    text = format_plain(Money(minor, "USD"))
    where = data.draw(st.integers(1, len(text) - 1))
    with pytest.raises(InvalidInput):
        parse_amount(text[:where] + char + text[where:], "USD", "en_US")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=12))
def test_a_quantity_is_ascii_digits_only(text: str) -> None:
    from pos.sales.order_input import parse_quantity

    try:
        quantity = parse_quantity(text)
    except InvalidInput:
        return
    assert 1 <= quantity <= 9999 and re.fullmatch(r"\+?0*[0-9]{1,4}", text.strip(" "), re.ASCII)


@pytest.mark.parametrize("text", ["１２", "٣", "1_0", "\t2", "2\n", "²", "1e3", "9" * 5000, "0" * 5000 + "2"])
def test_a_quantity_in_other_digits_or_with_a_tab_is_refused(text: str) -> None:
    from pos.sales.order_input import parse_quantity

    if text.strip("0") == "2":
        assert parse_quantity(text) == 2
        return
    with pytest.raises(InvalidInput):
        parse_quantity(text)


# -- a store with something of everything, shared: a refused input writes nothing -------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Order #1 open with a pizza, #2 paid cash (with a tip for Alice), #3 out for delivery with Dave; drawer 1 open."""
    from payments import cod, service
    from pos.store import config
    from pos.store.catalog import add_item
    from pos.cash.drawer import open_drawer
    from pos.sales.orders import add_line, new_order
    from pos.opening.setup import init_store
    from pos.people.staff import add_staff, start_shift

    path = tmp_path_factory.mktemp("text-input") / "pos.db"
    with freeze_time(NOON):
        store = init_store(path, name="Text Pizza", currency="USD", locale="en_US", timezone=ZONE,
                           tax_rate="8.875", training=True)
        config.set_option(store, "signin.required", "no")
        add_item(store, "PIZZA-M", "Margherita 12in", "12.50")
        add_item(store, "SODA", "Soda 20oz", "2.49")
        add_staff(store, "Alice", "cashier", "2580")
        add_staff(store, "Dave", "driver", "2580")
        add_staff(store, "Maria", "manager", "258036")
        start_shift(store, "Alice")
        start_shift(store, "Dave")
        open_drawer(store, 1, "100")
        add_line(store, new_order(store, "counter").id, "PIZZA-M")
        paid = new_order(store, "counter")
        add_line(store, paid.id, "PIZZA-M")
        service.pay(store, paid.id, "cash", "20", tip_minor=100, tip_to="Alice")
        out = new_order(store, "delivery", address="4 Elm Street")
        add_line(store, out.id, "SODA")
        cod.dispatch(store, out.id, "Dave")
        store.close()
    return path


@pytest.fixture
def busy(template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "pos.db"
    shutil.copyfile(template, path)
    path.chmod(0o600)  # owner-only, as pos makes a store (a copy takes the umask)
    return path


LIBRARY: dict[str, Callable[[Store, str], Any]] = {}
"""Every input that stores a person's text, called as the commands call it: field -> call(store, text)."""


def library_input(field: str) -> Callable[[Callable[[Store, str], Any]], Callable[[Store, str], Any]]:
    def add(call: Callable[[Store, str], Any]) -> Callable[[Store, str], Any]:
        LIBRARY[field] = call
        return call
    return add


@library_input("customer name")
def _(s: Store, t: str) -> Any:
    from pos.sales.orders import new_order
    return new_order(s, "counter", customer_name=t)


@library_input("phone number")
def _(s: Store, t: str) -> Any:
    from pos.sales.order_details import set_details
    return set_details(s, 1, customer_phone=f"555 {t} 0100")


@library_input("order note")
def _(s: Store, t: str) -> Any:
    from pos.sales.order_details import set_details
    return set_details(s, 1, note=t)


@library_input("address")
def _(s: Store, t: str) -> Any:
    from pos.sales.orders import new_order
    return new_order(s, "delivery", address=t)


@library_input("discount reason")
def _(s: Store, t: str) -> Any:
    from pos.sales.discounts import add_discount
    return add_discount(s, 1, "10%", t)


@library_input("void reason")
def _(s: Store, t: str) -> Any:
    from payments.refunds import void
    return void(s, 1, t)


@library_input("refund reason")
def _(s: Store, t: str) -> Any:
    from payments.refunds import refund
    return refund(s, 2, "1.00", t)


@library_input("paid-out reason")
def _(s: Store, t: str) -> Any:
    from pos.cash.drawer import Movement, move
    return move(s, 1, Movement.PAID_OUT, "1.00", t)


@library_input("no-sale reason")
def _(s: Store, t: str) -> Any:
    from pos.cash.drawer import no_sale
    return no_sale(s, 1, t)


@library_input("delivery failure reason")
def _(s: Store, t: str) -> Any:
    from payments.cod import fail
    return fail(s, 3, t)


@library_input("reason for the reversal")
def _(s: Store, t: str) -> Any:
    from pos.books.ledger import reverse
    return reverse(s, 1, t)


@library_input("item name")
def _(s: Store, t: str) -> Any:
    from pos.store.catalog import add_item
    return add_item(s, "NEW-1", t, "1.00")


@library_input("SKU")
def _(s: Store, t: str) -> Any:
    from pos.store.catalog import add_item
    return add_item(s, t, "Something new", "1.00")


@library_input("tax category name")
def _(s: Store, t: str) -> Any:
    from pos.store.catalog import add_tax_category
    return add_tax_category(s, "food", "5", t)


@library_input("staff name")
def _(s: Store, t: str) -> Any:
    from pos.people.staff import add_staff
    return add_staff(s, t, "cashier", "2580")


@library_input("feedback contact")
def _(s: Store, t: str) -> Any:
    from pos.store import config
    return config.set_option(s, "receipt.feedback", t)


@library_input("store name")
def _(s: Store, t: str) -> Any:
    from pos.store import config
    return config.set_option(s, "store.name", t)


@library_input("store address")
def _(s: Store, t: str) -> Any:
    from pos.store import config
    return config.set_option(s, "store.address", t)


@library_input("store phone")
def _(s: Store, t: str) -> Any:
    from pos.store import config
    return config.set_option(s, "store.phone", t)


@library_input("store tax id")
def _(s: Store, t: str) -> Any:
    from pos.store import config
    return config.set_option(s, "store.tax_id", t)


@library_input("card reader id")
def _(s: Store, t: str) -> Any:
    from payments.selfcheckout import setup_kiosk
    return setup_kiosk(s, 1, reader=t)


@library_input("receipt folder")
def _(s: Store, t: str) -> Any:
    from pos.store import config
    return config.set_option(s, "receipt.folder", t)


@library_input("mail server user name")
def _(s: Store, t: str) -> Any:
    from pos.store import config
    return config.set_option(s, "receipt.smtp_user", t)


@library_input("mail password file")
def _(s: Store, t: str) -> Any:
    from pos.store import config
    return config.set_option(s, "receipt.smtp_password_file", t)


@library_input("closing witness")
def _(s: Store, t: str) -> Any:
    from pos.store import config
    return config.set_option(s, "closing.witness", t)


@library_input("counter note")
def _(s: Store, t: str) -> Any:
    from pos.sales.orders import hand_to_counter
    return hand_to_counter(s, 1, t)


def test_every_library_input_refuses_every_hidden_character_and_writes_nothing(busy: Path) -> None:
    store = Store.open(busy)
    try:
        with freeze_time(NOON):
            for field, call in LIBRARY.items():
                for char in HIDDEN:
                    before = store.conn.total_changes
                    with pytest.raises(InvalidInput) as refused:
                        call(store, with_hidden(char))
                    assert refused.value.message.startswith(f"The {field} "), (field, char, refused.value.message)
                    assert says(char) in refused.value.message, (field, char)
                    assert store.conn.total_changes == before, (field, char)
    finally:
        store.close()
    assert set(LIBRARY) | {"paid-in reason", "drop reason"} == set(LIMITS)


def test_every_library_input_refuses_too_long_text(busy: Path) -> None:
    store = Store.open(busy)
    try:
        with freeze_time(NOON):
            for field, call in LIBRARY.items():
                before = store.conn.total_changes
                with pytest.raises(InvalidInput, match="longer than"):
                    call(store, "x" * 100_000)
                assert store.conn.total_changes == before, field
    finally:
        store.close()


# -- the command line ------------------------------------------------------------------------------

COMMANDS: dict[str, tuple[str, Callable[[str], list[str]]]] = {
    "order new --name": ("customer name", lambda t: ["order", "new", "--name", t]),
    "order new --phone": ("phone number", lambda t: ["order", "new", "--phone", f"555{t}0100"]),
    "order new --address": ("address", lambda t: ["order", "new", "--channel", "delivery", "--address", t]),
    "order set --name": ("customer name", lambda t: ["order", "set", "1", "--name", t]),
    "order set --address": ("address", lambda t: ["order", "set", "1", "--address", t]),
    "order new --note": ("order note", lambda t: ["order", "new", "--note", t]),
    "order set --note": ("order note", lambda t: ["order", "set", "1", "--note", t]),
    "order discount": ("discount reason", lambda t: ["order", "discount", "1", "0.01", "--reason", t]),
    "order void": ("void reason", lambda t: ["order", "void", "1", "--reason", t]),
    "void": ("void reason", lambda t: ["void", "1", "--reason", t]),
    "refund": ("refund reason", lambda t: ["refund", "2", "--amount", "1", "--reason", t]),
    "drawer paid-in": ("paid-in reason", lambda t: ["drawer", "paid-in", "1", "--reason", t]),
    "drawer paid-out": ("paid-out reason", lambda t: ["drawer", "paid-out", "1", "--reason", t]),
    "drawer drop": ("drop reason", lambda t: ["drawer", "drop", "1", "--reason", t]),
    "drawer nosale": ("no-sale reason", lambda t: ["drawer", "nosale", "--reason", t]),
    "delivery fail": ("delivery failure reason", lambda t: ["delivery", "fail", "3", "--reason", t]),
    "ledger reverse": ("reason for the reversal", lambda t: ["ledger", "reverse", "1", "--reason", t]),
    "item add (name)": ("item name", lambda t: ["item", "add", "NEW-1", t, "1.00"]),
    "item add (SKU)": ("SKU", lambda t: ["item", "add", t, "Something new", "1.00"]),
    "item edit --name": ("item name", lambda t: ["item", "edit", "SODA", "--name", t]),
    "tax add --name": ("tax category name", lambda t: ["tax", "add", "food", "5", "--name", t]),
    "staff add": ("staff name", lambda t: ["staff", "add", t, "--role", "cashier"]),
    "config set receipt.feedback": ("feedback contact", lambda t: ["config", "set", "receipt.feedback", t]),
    "config set stripe.reader": ("card reader id", lambda t: ["config", "set", "stripe.reader", t]),
    "config set receipt.folder": ("receipt folder", lambda t: ["config", "set", "receipt.folder", t]),
    "kiosk setup --reader": ("card reader id", lambda t: ["kiosk", "setup", "1", "--reader", t]),
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_refuses_hidden_characters_in_one_line_and_writes_nothing(command: str, busy: Path) -> None:
    field, argv = COMMANDS[command]
    cli = Cli(busy)
    with freeze_time(NOON):
        for char in [*SAMPLE, "\x1b[2J\x1b[31m"]:
            result = cli.fails(*argv(with_hidden(char)), says=f"The {field} {says(char[0])}")
            assert result.output.count("\n") == 1 and first_hidden(result.output[:-1]) is None, result.output
        cli.fails(*argv("x" * 100_000), says="longer than")


@pytest.mark.parametrize("command", ["order new --name", "order discount", "item add (name)", "drawer paid-out"])
def test_markup_is_only_text_on_the_way_in(command: str, busy: Path) -> None:
    from pos.store.store import Store

    field, argv = COMMANDS[command]
    cli = Cli(busy)
    with freeze_time(NOON):
        for n, text in enumerate(MARKUP):
            if command == "item add (name)":
                cli.ok("item", "add", f"NEW-{n}", text, "1.00")
            else:
                cli.ok(*argv(text))
    store = Store.open(busy)
    try:
        stored = {row[0] for table, column in (("orders", "customer_name"), ("discounts", "reason"), ("items", "name"))
                  for row in store.all(f"SELECT {column} FROM {table}")}
        memos = " ".join(row[0] for row in store.all("SELECT memo FROM journal_entries"))
    finally:
        store.close()
    assert all(text in stored or text in memos for text in MARKUP)


def test_init_refuses_a_hidden_character_in_the_store_name_or_address(bare_cli: Cli) -> None:
    for char in SAMPLE:
        bare_cli.fails("init", "--name", with_hidden(char), "--timezone", ZONE, says=f"The store name {says(char)}")
        bare_cli.fails("init", "--name", "Tony's", "--address", with_hidden(char), "--timezone", ZONE,
                       says=f"The store address {says(char)}")
    bare_cli.fails("init", "--name", "Tony's", "--address", "x" * 100_000, "--timezone", ZONE, says="longer than 200")
    assert not bare_cli.path.exists()


def test_item_import_refuses_a_nul_or_a_right_to_left_override_and_imports_nothing(busy: Path, tmp_path: Path) -> None:
    cli = Cli(busy)
    for name, says_what in (("Tea\x00", "U+0000"), ("Te\u202ea", "U+202E RIGHT-TO-LEFT OVERRIDE"),
                            ("\ufeffTea", "U+FEFF"), ("x" * 81, "longer than 80")):
        menu = tmp_path / "menu.csv"
        menu.write_text(f"sku,name,price\nCOFFEE,Coffee,2.00\nTEA,{name},1.50\n", encoding="utf-8")
        result = cli.fails("item", "import", str(menu), says="nothing imported")
        assert says_what in result.output and "line 3" in result.output
        assert first_hidden(result.output[:-1]) is None
    menu.write_text("sku,name,price\nTE\x1bA,Tea,1.50\n", encoding="utf-8")
    cli.fails("item", "import", str(menu), says="The SKU holds an invisible or control character (U+001B)")


AMOUNTS: dict[str, Callable[[str], list[str]]] = {
    "pay": lambda a: ["pay", "1", "cash", a],
    "pay --tip": lambda a: ["pay", "1", "cash", "20", "--tip", a],
    "drawer open --float": lambda a: ["drawer", "open", "--float", a, "--register", "2"],
    "drawer paid-out": lambda a: ["drawer", "paid-out", a, "--reason", "ice"],
    "drawer paid-in": lambda a: ["drawer", "paid-in", a, "--reason", "change"],
    "delivery collect": lambda a: ["delivery", "collect", "3", a],
    "item add": lambda a: ["item", "add", "NEW-1", "Something new", a],
    "item edit --price": lambda a: ["item", "edit", "SODA", "--price", a],
    "refund --amount": lambda a: ["refund", "2", "--amount", a, "--reason", "cold"],
    "config set cash.rounding": lambda a: ["config", "set", "cash.rounding", a],
    "driver handin": lambda a: ["driver", "handin", "Dave", a],
}


@pytest.mark.parametrize("command", sorted(AMOUNTS))
def test_an_amount_in_a_right_to_left_override_is_refused_everywhere(command: str, busy: Path) -> None:
    cli = Cli(busy)
    with freeze_time(NOON):
        for amount in ("\u202e12.00\u202c", "\u202e00.21\u202c", "1\u200f2.00", "12\u200b.00", "12.00\x1b[2J",
                       "\u2066\u202e12.00\u202c\u2069"):
            result = cli.fails(*AMOUNTS[command](amount), says="invisible or control character")
            assert first_hidden(result.output[:-1]) is None, result.output
        cli.fails(*AMOUNTS[command]("１２.００"), says="is not an amount")


def test_order_numbers_and_quantities_take_ascii_digits_only(busy: Path) -> None:
    cli = Cli(busy)
    with freeze_time(NOON):
        for qty in ("１２", "٣", "1_0", "\u202e2"):
            cli.fails("order", "add", "1", "SODA", "--qty", qty, says="not a whole number")
        for number in ("１", "٢", "\u202e1"):
            cli.fails("order", "show", number, says="is not an order: give today's order number (like 12)")
        cli.fails("order", "show", "9" * 5000, says="No order #")
        assert "Order 2026-11-23/1 " in cli.ok("order", "show", "0" * 5000 + "1").stdout
        cli.ok("order", "add", "1", "SODA", "--qty", "2")


def test_drawer_counts_take_ascii_digits_only(busy: Path) -> None:
    from pos.day.close import parse_count

    store = Store.open(busy)
    try:
        assert parse_count(store, "20x5,0.25x4") == (10100, {2000: 5, 25: 4})
        for text, says_what in (("20x\u0665", "is not a count"), ("20x" + "9" * 5000, "counts more cash than any"),
                                ("\u202e20x5", "invisible or control character"), ("20x5\u200b", "is not a count"),
                                ("\u202e245.41\u202c", "invisible or control character")):
            with pytest.raises(InvalidInput, match=says_what):
                parse_count(store, text)
    finally:
        store.close()
    with freeze_time(NOON):
        Cli(busy).fails("day", "close", "--force", "--count", "9" * 5000 + "=20x5", says="is not a drawer count")


def test_nothing_a_refused_command_quotes_reaches_the_terminal_raw(busy: Path) -> None:
    cli = Cli(busy)
    with freeze_time(NOON):
        result = cli.fails("order", "show", "\x1b[2J\x1b[31mHACKED", says="is not an order")
        assert "\\x1b[2J\\x1b[31mHACKED" in result.output and "\x1b" not in result.output
        result = cli.fails("item", "edit", "\u202eMSODA", "--price", "1", says="No item")
        assert "<U+202E>" in result.output
    assert snapshot(busy) is not None
