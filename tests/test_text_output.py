"""Text from people, on the way out: old data with control codes and markup never reaches a terminal, a receipt or a file raw.

The store here holds what the checks on the way in now refuse, written straight into the file
with SQL (as a store from before the checks, or one edited by hand, would): names, phones,
addresses, item and tax category names, every kind of reason, the store's name and address,
the feedback contact, an audit record and a journal entry, each holding a screen-clearing
escape sequence, a colour code, a right-to-left override, a line break that forges a line,
a bell, a raw OSC 8 hyperlink, and rich markup (``[link=...]``, ``[red]``, ``[/]``).

Every listing and show command is run with rich forced to draw for a colour terminal
(``FORCE_COLOR``): what it prints may hold rich's own colour codes (SGR, ``ESC [ ... m``)
and nothing else, no hyperlink, no other escape, no bidi control, no line break inside a
field; the escaped text appears literally.  The receipts (text, PDF, email), the Z report
PDF and the exports carry no control character either, and JSON keeps the very same strings,
escaped as ``\\uXXXX``.
"""

from __future__ import annotations

import email
import io
import json
import re
import shutil
import sqlite3
from email import policy
from pathlib import Path
from typing import Iterator

import pytest
from freezegun import freeze_time

from pos.store import chains
from pos.base.text import first_hidden
from tests.conftest import Cli, ZONE

NOON = "2026-11-23 17:00:00"  # noon in New York

EVIL = ("Eve\x1b[2J\x1b[31mHACKED\u202e00.21\u202c [link=https://evil.example]click[/link] [red]r[/] :smile:"
        "\nTOTAL $0.00\x07")
EVIL_DRIVER = "Dave\x1b]8;;https://evil.example\x1b\\DAVE\x1b]8;;\x1b\\ \u2067x\u2069"
ESCAPED = ("Eve\\x1b[2J\\x1b[31mHACKED<U+202E>00.21<U+202C> [link=https://evil.example]click[/link] [red]r[/] "
           ":smile:\\nTOTAL $0.00\\x07")
FIRST_NAME = "Eve\\x1b[2J\\x1b[31mHACKED<U+202E>00.21<U+202C>"
SGR = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A day rung through the library, then poisoned with SQL as old or hand-edited data would be."""
    from payments import cod, service
    from payments.refunds import refund
    from pos.store import config
    from pos.store.catalog import add_item
    from pos.cash.drawer import open_drawer
    from pos.sales.discounts import add_discount
    from pos.sales.orders import add_line, new_order, void_order
    from pos.opening.setup import init_store
    from pos.people.staff import add_staff, start_shift

    path = tmp_path_factory.mktemp("text-output") / "pos.db"
    with freeze_time(NOON):
        store = init_store(path, name="Text Pizza", address="1 Main Street", currency="USD", locale="en_US",
                           timezone=ZONE, tax_rate="8.875", training=True)
        config.set_option(store, "signin.required", "no")
        config.set_option(store, "receipt.feedback", "owner@example.com")
        add_item(store, "PIZZA-M", "Margherita 12in", "12.50")
        add_item(store, "SODA", "Soda 20oz", "2.49")
        add_staff(store, "Alice", "cashier", "2580")
        add_staff(store, "Dave", "driver", "2580")
        add_staff(store, "Maria", "manager", "258036")
        start_shift(store, "Alice")
        start_shift(store, "Dave")
        open_drawer(store, 1, "100")
        first = new_order(store, "counter", customer_name="Eve", customer_phone="555 0100", address="4 Elm Street")
        add_line(store, first.id, "PIZZA-M")
        add_discount(store, first.id, "10%", "staff meal")
        paid = new_order(store, "counter")
        add_line(store, paid.id, "PIZZA-M")
        service.pay(store, paid.id, "cash", "20", tip_minor=100, tip_to="Alice")
        refund(store, paid.id, "1.00", "cold")
        out = new_order(store, "delivery", address="4 Elm Street")
        add_line(store, out.id, "SODA")
        cod.dispatch(store, out.id, "Dave")
        cod.collect(store, out.id, "5")
        void_order(store, new_order(store, "counter").id, "left")
        store.close()
    conn = sqlite3.connect(path)
    chains.register(conn)  # old text planted as if written by the program (its control rows are chained)
    with conn:
        conn.execute("UPDATE orders SET customer_name = ?, customer_phone = ?, address = ? WHERE number = 1",
                     (EVIL, EVIL, EVIL))
        conn.execute("UPDATE orders SET void_reason = ? WHERE number = 4", (EVIL,))
        conn.execute("UPDATE orders SET customer_name = ?, customer_phone = ?, address = ?, note = ? WHERE number = 3",
                     (EVIL, EVIL, EVIL, EVIL))
        conn.execute("UPDATE order_lines SET name = ?", (EVIL,))
        conn.execute("UPDATE items SET name = ? WHERE sku = 'SODA'", (EVIL,))
        conn.execute("UPDATE discounts SET reason = ?", (EVIL,))
        conn.execute("UPDATE refunds SET reason = ?", (EVIL,))
        conn.execute("INSERT INTO tax_rates(code, effective_from, name, rate_percent) "  # renamed from the start
                     "SELECT code, effective_from, ?, rate_percent FROM tax_rates", (EVIL,))
        conn.execute("UPDATE staff SET name = ? WHERE name = 'Alice'", (EVIL,))
        conn.execute("UPDATE staff SET name = ? WHERE name = 'Dave'", (EVIL_DRIVER,))
        conn.execute("UPDATE settings SET value = ? WHERE key IN ('name', 'address', 'receipt.feedback')", (EVIL,))
        conn.execute("INSERT INTO audit_log(at, business_day, staff_id, register, action, detail) "
                     "SELECT at, business_day, (SELECT id FROM staff WHERE key = 'alice'), 1, 'void', ? "
                     "FROM audit_log ORDER BY id DESC LIMIT 1", (json.dumps({"reason": EVIL, "order": 4}),))
        conn.execute("INSERT INTO journal_entries(id, key, posted_at, business_day, memo, source_kind, source_id, "
                     "reverses, postings, prev_hash, hash) SELECT id + 1, 'evil', posted_at, business_day, ?, "
                     "source_kind, ?, NULL, postings, hash, hash FROM journal_entries ORDER BY id DESC LIMIT 1",
                     (EVIL, EVIL))
    conn.close()
    return path


@pytest.fixture
def evil(template: Path, tmp_path: Path) -> Cli:
    path = tmp_path / "pos.db"
    shutil.copyfile(template, path)
    path.chmod(0o600)  # owner-only, as pos makes a store (a copy takes the umask)
    return Cli(path)


def coloured(cli: Cli, *argv: str) -> str:
    """What ``pos ARGV`` prints for a colour terminal (rich forced to draw its styles), wide enough for one line a row."""
    result = cli.runner.invoke(__import__("cli").app, ["--db", str(cli.path), *argv],
                               env={"FORCE_COLOR": "1", "COLUMNS": "3000", "TERM": "xterm-256color"})
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def assert_safe(output: str) -> str:
    """Nothing but rich's own colour codes may be escape sequences; no hidden character but the line breaks."""
    assert "\x1b]" not in output, "an OSC sequence (a hyperlink, a title) reached the terminal"
    plain = SGR.sub("", output)
    assert first_hidden(plain.replace("\n", " ")) is None, repr(plain)
    return plain


LISTINGS = [
    (["order", "show", "1"], [ESCAPED]),
    (["order", "show", "4"], [f"Voided: {ESCAPED}"]),
    (["order", "list"], [ESCAPED]),
    (["order", "list", "--status", "voided"], []),
    (["staff", "list", "--all"], [ESCAPED]),
    (["shift", "list"], [ESCAPED]),
    (["item", "list", "--all"], [ESCAPED]),
    (["tax", "list"], [ESCAPED]),
    (["audit"], [f"reason: {ESCAPED}", ESCAPED]),
    (["ledger", "show"], [ESCAPED]),
    (["payments", "list", "2"], []),
    (["day", "report"], [FIRST_NAME]),
    (["tips", "owed"], [FIRST_NAME]),
    (["tips", "records"], [FIRST_NAME]),
    (["driver", "cash", "Dave"], ["Dave\\x1b]8;;https://evil.example\\x1b\\DAVE"]),
    (["config", "show"], [ESCAPED]),
    (["receipt", "2"], [ESCAPED.split("\\n")[0][:20]]),
    (["receipt", "2", "--refund"], []),
    (["receipt", "3", "--ticket"], [FIRST_NAME, "Phone", "Note:"]),  # a line each: every one of them escaped
    (["receipt", "3"], ["Customer:", FIRST_NAME]),
    (["order", "add", "1", "SODA"], ["HACKED<U+202E>"]),
    (["order", "discount", "1", "1.00", "--reason", "[link=https://evil.example]x[/link]"], ["[link=https://evil"]),
]


@pytest.mark.parametrize(("argv", "literal"), LISTINGS, ids=[" ".join(argv) for argv, _ in LISTINGS])
def test_listings_show_old_text_escaped_and_never_as_markup(evil: Cli, argv: list[str], literal: list[str]) -> None:
    with freeze_time(NOON):
        plain = assert_safe(coloured(evil, *argv))
    for text in literal:
        assert text in plain, (text, plain)
    assert not re.search(r"^\W*TOTAL \$0\.00", plain, re.M), "a line break in a field forged a line"


def test_a_table_cell_is_text_for_rich_never_markup() -> None:
    from rich.console import Console

    from commands import output

    sink = io.StringIO()
    real = Console

    def console(*args: object, **kwargs: object) -> Console:
        return real(file=sink, force_terminal=True, width=400, color_system="truecolor")

    import rich.console

    original = rich.console.Console
    rich.console.Console = console  # type: ignore[misc]
    try:
        output.print_table("[red]title[/red] \x1b[2J", ["Name"], [[EVIL], ["[link=https://evil.example]x[/link]"]])
    finally:
        rich.console.Console = original  # type: ignore[misc]
    drawn = sink.getvalue()
    assert "\x1b]8;" not in drawn
    plain = assert_safe(drawn)
    assert "[red]title[/red] \\x1b[2J" in plain and "[link=https://evil.example]x[/link]" in plain


def test_status_lines_and_progress_bars_get_escaped_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """A spinner's and a progress bar's text never reaches rich as markup, emoji codes or control codes."""
    import sys

    from rich.console import Console

    from commands import output

    sink = io.StringIO()
    Console(file=sink, force_terminal=True, width=400).print(output._plain(f"Waiting for {EVIL}"))
    assert f"Waiting for {ESCAPED}" in assert_safe(sink.getvalue())

    drawn = io.StringIO()
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    import rich.progress

    real = rich.progress.Progress

    def progress(*columns: object, **kwargs: object) -> object:
        kwargs["console"] = Console(file=drawn, force_terminal=True, width=400)
        kwargs["auto_refresh"] = False
        return real(*columns, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(rich.progress, "Progress", progress)
    with output.ProgressBar(f"Exporting {EVIL}") as tick:
        tick(10, 10_000)
        tick(10_000, 10_000)
    # A live display moves its own cursor (hide it, go back to the line's start, clear the line): those are rich's.
    live = re.sub(r"\x1b\[\?25[lh]|\x1b\[[0-9]*[AK]|\r", "", drawn.getvalue())
    assert ESCAPED in assert_safe(live)


@pytest.mark.parametrize("argv", [["order", "show", "1", "--json"], ["order", "list", "--json"],
                                  ["staff", "list", "--json"], ["item", "list", "--json"], ["audit", "--json"],
                                  ["ledger", "show", "--json"], ["config", "show", "--json"]])
def test_json_keeps_the_very_same_strings_with_every_hidden_character_escaped(evil: Cli, argv: list[str]) -> None:
    with freeze_time(NOON):
        out = evil.ok(*argv).stdout
    assert first_hidden(out.replace("\n", " ")) is None
    assert "\\u001b[2J" in out and "\\u202e" in out
    assert EVIL in set(strings(json.loads(out)))


def strings(data: object) -> Iterator[str]:
    """Every string in a JSON value, keys included."""
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield key
            yield from strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from strings(value)


def test_receipts_as_text_pdf_and_email_carry_no_control_character(evil: Cli, tmp_path: Path) -> None:
    from pypdf import PdfReader

    with freeze_time(NOON):
        text = evil.ok("receipt", "2").stdout
        evil.ok("receipt", "2", "--pdf", str(tmp_path / "r.pdf"), "--eml", str(tmp_path / "r.eml"))
        evil.ok("receipt", "2", "--refund", "--pdf", str(tmp_path / "refund.pdf"))
        evil.ok("receipt", "3", "--ticket", "--pdf", str(tmp_path / "ticket.pdf"))
        evil.ok("day", "report", "--pdf", str(tmp_path / "z.pdf"))
    assert first_hidden(text.replace("\n", " ")) is None and "<U+202E>" in text
    for name in ("r.pdf", "refund.pdf", "z.pdf", "ticket.pdf"):
        pages = "".join(page.extract_text() for page in PdfReader(tmp_path / name).pages)
        assert "\x1b" not in pages and "\u202e" not in pages and "HACKED" in pages, name
    mail = email.message_from_bytes((tmp_path / "r.eml").read_bytes(), policy=policy.default)
    for header in ("Subject", "From"):
        assert first_hidden(str(mail[header])) is None and "\\x1b" in str(mail[header])
    body = mail.get_body(("plain",))
    assert body is not None and first_hidden(body.get_content().replace("\n", " ")) is None


@pytest.mark.parametrize("fmt", ["beancount", "hledger", "csv"])
def test_exports_never_carry_a_control_character_or_a_forged_line(evil: Cli, fmt: str) -> None:
    with freeze_time(NOON):
        out = evil.ok("ledger", "export", "--format", fmt).stdout
    assert first_hidden(out.replace("\n", " ")) is None
    assert "HACKED<U+202E>" in out and not re.search(r"^TOTAL", out, re.M)


def test_tips_payroll_csv_names_are_escaped(evil: Cli) -> None:
    with freeze_time(NOON):
        evil.ok("tips", "payout", "alice", "--from", "payroll")
        out = evil.ok("tips", "payroll", "--from", NOON[:10]).stdout
    assert first_hidden(out.replace("\n", " ")) is None and FIRST_NAME.split("\\x1b")[0] in out


# -- messages of several lines print as lines ----------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
# Where every message a person reads is composed: each module's own text is checked whole.
MESSAGE_MODULES = [ROOT / "cli.py", ROOT / "demo.py", *sorted((ROOT / "commands").glob("*.py")),
                   *sorted((ROOT / "screens").glob("*.py"))]
# Uses of a line break that are not a message: finding, splitting, joining lines of ours, writing a file's text.
LINE_METHODS = {"join", "split", "rsplit", "splitlines", "strip", "rstrip", "lstrip", "replace", "write", "encode",
                "endswith", "startswith", "count", "find", "partition"}


def _line_breaks_in_messages(path: Path, whole: bool) -> Iterator[str]:
    """Each string of ours holding a line break that reaches a message (``whole``: anywhere but a module's data
    constants and docstrings; else only in what an error is raised with, always one line)."""
    import ast

    tree = ast.parse(path.read_text(), str(path))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str) and
                ("\n" in node.value or "\r" in node.value)):
            continue
        up = parents.get(node)
        if isinstance(up, ast.Expr):
            continue  # a docstring
        while isinstance(up, (ast.JoinedStr, ast.FormattedValue, ast.BinOp, ast.IfExp)):
            up = parents.get(up)
        raised = any(isinstance(n, ast.Raise) for n in _ancestors(node, parents))
        if not whole and not raised:
            continue
        if isinstance(up, ast.Compare) or (isinstance(up, ast.keyword) and up.arg == "lineterminator"):
            continue
        if isinstance(up, ast.Attribute) and up.attr in LINE_METHODS:
            continue
        if isinstance(up, ast.Call) and isinstance(up.func, ast.Attribute) and up.func.attr in LINE_METHODS:
            continue
        if isinstance(up, ast.Assign) and isinstance(parents.get(up), ast.Module) and not raised:
            continue  # a module's data (a demo's menu as CSV)
        yield f"{path.relative_to(ROOT)}:{node.lineno}: {node.value[:50]!r}"


def _ancestors(node: object, parents: dict) -> Iterator[object]:
    while node in parents:
        node = parents[node]
        yield node


def test_a_message_of_several_lines_is_built_as_lines_never_joined_by_a_line_break() -> None:
    """Issue 23 item 4: ``say`` escapes a line break (only people's text can hold one), so a message that joined its
    lines with ``\\n`` printed them as one line with ``\\n`` in it (the owner's recovery code).  Every message is one
    line, or a list of lines (``say_lines``, ``emit`` given a list); every error is one line, everywhere."""
    everywhere = [path for folder in ("pos", "payments", "receipts", "web") for path in sorted(ROOT.glob(f"{folder}/**/*.py"))]
    found = [problem for path in MESSAGE_MODULES for problem in _line_breaks_in_messages(path, whole=True)]
    found += [problem for path in everywhere for problem in _line_breaks_in_messages(path, whole=False)]
    assert found == []


def test_lines_print_as_lines_and_a_person_s_line_break_stays_escaped_inside_its_line(capsys) -> None:
    from commands.output import emit

    emit(False, {}, ["Owner's recovery code: ABCDE", f"Served by {EVIL}"])
    emit(False, {}, f"One line: {EVIL}")
    out = capsys.readouterr().out
    assert out.splitlines() == ["Owner's recovery code: ABCDE", f"Served by {ESCAPED}", f"One line: {ESCAPED}"]
