"""``pos demo``: a store in a fresh folder, with a morning of sales rung in it.

The demo goes through the library exactly as the commands do, so what it
shows is what a newcomer will get.  It sits beside ``cli.py``, above the
packages it drives (``pos``, ``payments``, ``receipts``, ``screens``), which
never import it.  It never touches an existing store: with no ``--dir`` it picks
``./anytender-demo`` or, if that is taken, the first free
``./anytender-demo-N``; a ``--dir`` that already holds files is refused.

Nothing is written through a symbolic link planted in a shared folder: the demo is built in a
folder with a private random name (``mkdtemp``, owner-only) and renamed into place; a link at
the folder's name is refused (``--dir``) or counted as taken; every file inside is created
owner-only with ``O_CREAT | O_EXCL | O_NOFOLLOW``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pos.base.errors import Conflict
from pos.base.private_folders import make_private_folder

MENU_CSV = """sku,name,price,tax_category
PIZZA-M,Margherita 12in,12.50,food
PIZZA-P,Pepperoni 12in,14.00,food
PIZZA-V,Veggie Supreme 16in,18.40,food
GARLIC,Garlic knots (6),5.25,food
SALAD,Caesar salad,7.95,food
SODA,Soda 20oz,2.49,standard
BEER,Craft beer,6.00,alcohol
"""


@dataclass
class DemoReport:
    db_path: Path
    business_day: str
    story: list[str] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)

    def moved(self, old: Path, new: Path) -> "DemoReport":
        """The same report once its folder ``old`` has been renamed to ``new``."""
        def where(path: Path) -> Path:
            return new / path.relative_to(old) if path.is_relative_to(old) else path

        return DemoReport(where(self.db_path), self.business_day, self.story,
                          {label: where(path) for label, path in self.files.items()})

    def as_dict(self) -> dict[str, Any]:
        return {
            "db": str(self.db_path),
            "business_day": self.business_day,
            "story": self.story,
            "files": {k: str(v) for k, v in self.files.items()},
        }


def resolve_number(store: Any, order_id: str | None) -> int:
    from pos.sales.order_records import resolve

    return resolve(store, order_id or "").number


def choose_folder(directory: Path | None) -> Path:
    """A folder that holds no store yet (see the module docstring)."""
    if directory is not None:
        if directory.is_symlink():
            raise Conflict(f"{directory} is a symbolic link: give the demo a real folder with --dir (the folder it "
                           "points at was left untouched).")
        if directory.exists() and not directory.is_dir():
            raise Conflict(f"{directory} is a file, not a folder: pick another --dir for the demo.")
        if directory.exists() and any(directory.iterdir()):
            raise Conflict(f"{directory} already has files in it; the demo never touches them. Pick an empty or new --dir.")
        return directory
    base = Path("anytender-demo")
    candidate, n = base, 1
    while candidate.is_symlink() or (candidate.exists() and (not candidate.is_dir() or any(candidate.iterdir()))):
        n += 1
        candidate = Path(f"{base}-{n}")
    return candidate


def run_demo(directory: Path | None = None) -> DemoReport:
    """Create the demo store and ring its sales; returns what was done and where.

    The demo store is a training store: card and wallet payments go to the
    built-in training processor, so the demo needs no network.  It is built in
    a hidden folder beside the one chosen and renamed into place once complete,
    so an interrupted demo (Ctrl-C, an error) leaves nothing half-built.  Everything
    it makes is in that folder, its closing key too (``keys/<store-id>.ed25519``,
    where every later command on the demo's store finds it: :func:`pos.day.signing.key_path`),
    so deleting the folder removes all of it.
    """
    import shutil
    import tempfile

    final = choose_folder(directory)
    make_private_folder(final.parent)  # the folders it makes above the demo: 0700, as the demo's own
    staging = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".building", dir=final.parent))
    try:
        report = _build(staging)
        try:
            staging.rename(final)  # atomic; replaces an empty --dir, refuses one that filled up meanwhile
        except OSError:
            raise Conflict(f"{final} was created by someone else while the demo ran; run it again.") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return report.moved(staging.resolve(), final.resolve())


def _new_fd(path: Path) -> int:
    """A new owner-only file at ``path``: never one that exists, never through a symbolic link."""
    import os

    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)


def _write_new(path: Path, data: bytes) -> None:
    with open(_new_fd(path), "wb") as handle:
        handle.write(data)


def _build(folder: Path) -> DemoReport:
    """The demo's store, sales, close, receipts and exports, and its closing key, all written into ``folder``."""
    from payments import cod, refunds, selfcheckout, wallet
    from payments.service import pay
    from pos.store import config
    from pos.cash import drawer
    from pos.books import ledger
    from pos.books import journal_check
    from pos.store.catalog import import_items
    from pos.store.taxes import add_tax_category
    from pos.books.export import ExportFormat, export_ledger
    from pos.base.money import Money, format_money
    from pos.sales.discounts import add_discount
    from pos.sales.orders import add_line, list_orders, new_order, void_order
    from pos.opening.setup import init_store
    from pos.people.staff import add_staff, start_shift
    from screens.kiosk import KioskSession

    db_path = (folder / "pos.db").resolve()
    store = init_store(
        db_path,
        name="Tony's Pizza",
        address="12 Main Street, Springfield",
        currency="USD",
        locale="en_US",
        timezone="America/New_York",
        tax_rate="8.875",
        training=True,  # cards go to the built-in training processor: no network, no real money
    )
    try:
        from pos.opening.setup import make_closing_key
        from pos.day.signing import keep_in_own_folder

        with store.write():
            store.keys = keep_in_own_folder(store)
        key_path, fingerprint = make_closing_key(store, store.keys)
        report = DemoReport(db_path=db_path, business_day="")
        report.story.append("TRAINING store: cards and wallets go to the built-in training processor (no network).")
        report.files["closing key (in the demo's folder: a real store keeps its key apart)"] = key_path.resolve()
        money = lambda minor: format_money(Money(minor, "USD"), "en_US")  # noqa: E731

        add_tax_category(store, "food", "8.875", "Prepared food")
        add_tax_category(store, "alcohol", "10.375", "Alcohol")
        menu = folder / "menu.csv"
        _write_new(menu, MENU_CSV.encode())
        result = import_items(store, str(menu), MENU_CSV.splitlines(keepends=True))
        report.files["menu (CSV imported)"] = menu.resolve()
        report.story.append(f"Imported the menu: {result.added} items.")

        for name, role in (("Tony", "owner"), ("Maria", "manager"), ("Alice", "cashier"), ("Dave", "driver")):
            add_staff(store, name, role, "258036" if role in ("owner", "manager") else "2580")
        for name in ("Maria", "Alice", "Dave"):
            start_shift(store, name, register=1)
        config.set_option(store, "receipt.feedback", "feedback@tonys-pizza.example")
        report.story.append("Staff Tony (owner), Maria (manager), Alice (cashier), Dave (driver); 3 on shift.")

        from pos.people.staff import get_staff as staff_named

        # Maria counts the float out of the safe and types her PIN (the store's first: the owner's cash).
        drawer.open_drawer(store, 1, "150", counted_by=staff_named(store, "Maria"))
        report.story.append("Drawer 1 opened with a $150.00 float, counted by Maria.")

        cashier = staff_named(store, "Alice")  # she rings, voids and refunds every order a person rings today
        walk_in = new_order(store, "counter", created_by=cashier.id)
        report.business_day = walk_in.business_day.isoformat()
        add_line(store, walk_in.id, "PIZZA-V")
        add_line(store, walk_in.id, "SODA", 2)
        paid = pay(store, walk_in.id, "cash", "100")
        coins = ", ".join(f"{n} x {money(d)}" for d, n in paid.change_suggestion)
        report.story.append(
            f"Counter #{walk_in.number}: a walk-in, no name asked, {money(paid.payment.amount_minor)} paid with a "
            f"$100 bill: change {money(paid.payment.change_minor)} ({coins})."
        )

        phone = new_order(store, "phone", customer_name="Sam", created_by=cashier.id)
        add_line(store, phone.id, "PIZZA-P", 2)
        add_line(store, phone.id, "GARLIC")
        add_discount(store, phone.id, "10%", "first phone order")
        first = pay(store, phone.id, "card", "20")
        rest = pay(store, phone.id, "cash", "20")
        report.story.append(
            f"Phone #{phone.number} for Sam, 10% off a first order: split, $20.00 by card then "
            f"{money(rest.payment.amount_minor)} in cash (change {money(rest.payment.change_minor)}); "
            f"still due after the card: {money(first.due_after_minor)}."
        )

        delivered: list[int] = []
        for address, items, handed, tip in (
            ("4 Elm Street", (("PIZZA-M", 1), ("BEER", 2)), "40", "3"),
            ("9 Oak Avenue", (("PIZZA-P", 1), ("SALAD", 1)), "30", None),
        ):
            delivery = new_order(store, "delivery", customer_phone="555-0100", address=address, created_by=cashier.id)
            delivered.append(delivery.number)
            for sku, qty in items:
                add_line(store, delivery.id, sku, qty)
            out = cod.dispatch(store, delivery.id, "Dave")
            got = cod.collect(store, delivery.id, handed, tip)
            assert got is not None  # cash at the door: collected
            report.story.append(
                f"Delivery #{delivery.number} to {address} (phone only, no account): Dave collected "
                f"{money(got.tendered_minor or 0)} for {money(out.amount_minor)}, change {money(got.change_minor)}"
                + (f", tip {money(got.tip_minor)} kept by Dave." if got.tip_minor else ".")
            )
        held = cod.driver_cash(store, "Dave").held_minor
        cod.start_handin(store, "Dave", held, register=1)  # Dave says what he hands in; nothing moves yet
        cod.confirm_handin(store, "Dave", held, staff_named(store, "Alice"))  # Alice counts it, types her PIN
        report.story.append(f"Dave handed in {money(held)} to drawer 1, counted by Alice.")

        selfcheckout.setup_kiosk(store, 1, unattended=True)
        screen = KioskSession(store, 1)
        for line in ("SALAD", "SODA"):
            screen.handle(line)
        refused_tip = screen.handle("tip 1")[0]
        thanks = screen.handle("pay")[0]
        report.story.append(f"Kiosk 1 (unattended), a self-checkout: salad and soda scanned; a tip refused "
                            f"(\"{refused_tip}\"); \"{thanks}\"")
        screen.handle("GARLIC")
        screen.handle("cash")
        queued = list_orders(store, counter_queue=True)[0]
        pay(store, queued.id, "cash", "10")
        report.story.append(f"Kiosk 1: a customer who wanted to pay cash was sent to the counter with order "
                            f"#{queued.number}; Alice took the cash.")

        by_phone = new_order(store, "phone", customer_name="Lee", customer_phone="555-0199", created_by=cashier.id)
        add_line(store, by_phone.id, "PIZZA-M")
        sent = wallet.send_link(store, by_phone.id)
        paid_link = wallet.check_link(store, by_phone.id)
        report.story.append(
            f"Phone #{by_phone.number} for Lee: a payment link ({sent.url}) texted to the customer, paid with "
            f"{paid_link.payment.details.get('wallet', 'a card')} on their phone, no account: "
            f"{money(paid_link.payment.amount_minor)}."
        )

        declined = new_order(store, "counter", created_by=cashier.id)
        add_line(store, declined.id, "PIZZA-M")
        no = pay(store, declined.id, "card", "10.51")  # training: an amount ending in 51 is declined
        yes = pay(store, declined.id, "card", "10.00")
        cash_rest = pay(store, declined.id, "cash")
        report.story.append(
            f"Counter #{declined.number}: a card declined ({no.outcome.message}) then another card for $10.00 "
            f"and {money(cash_rest.payment.amount_minor)} in cash; the order stayed open until paid."
        )
        assert yes.outcome.approved

        left = new_order(store, "counter", created_by=cashier.id)
        add_line(store, left.id, "GARLIC")
        void_order(store, left.id, "customer changed their mind", by=cashier)
        report.story.append(f"Counter #{left.number}: voided before payment (customer changed their mind).")

        config.set_option(store, "approval.refund_over", "2.00")
        from pos.people.pin_tries import verify_pin

        maria = verify_pin(store, "Maria", "258036")  # Maria types her PIN at the register: the approval
        # The customer brings one of the two sodas back (line 2): a refund by item, its share of the tax included.
        back = refunds.refund(store, walk_in.id, None, "flat soda", lines=[(2, 1)], approver=maria, by=cashier)
        returned = ", ".join(f"{item.quantity} x {item.name}" for item in back.items)
        report.story.append(f"Counter #{walk_in.number}: {returned} brought back (a flat soda), refunded by item: "
                            f"{money(back.total_minor)} in cash, its price and its share of the tax, above the $2.00 "
                            "limit, so Maria approved it with her PIN; its refund receipt lists the item.")

        from screens.register import Session

        from pos.people.signin import sign_in

        _, alice, _ = sign_in(store, "Alice", "2580", 1)  # her PIN, at the start of her session
        till = Session(store, alice, 1)
        script = ["GARLIC", "2*SODA", "-2", "d 10% regular", "t", "cash 10"]  # -2: both sodas off again
        said = [message for line in script for message in till.handle(line)]
        number = resolve_number(store, till.last_paid)
        report.story.append(f"Counter #{number}: Alice signed in and rang it in the register session "
                            f"({' | '.join(script)}): \"{said[-2] if len(said) > 1 else said[-1]}\"")

        status = drawer.status(store, 1)
        report.story.append(f"Drawer 1 should now hold {money(status.expected_minor)}.")

        from payments.stripe.settlement import settlement_for
        from pos.day.close import close_day
        from pos.day.report import day_report, report_dict
        from pos.people.staff import end_shift, get_staff

        for name in ("Alice", "Dave"):
            end_shift(store, name)
        short = status.expected_minor - 25  # a quarter went missing
        from pos.base.money import format_plain

        count = format_plain(Money(short, store.settings.currency))  # what Maria types: 245.16
        closed = close_day(store, walk_in.business_day, {1: count}, counted_by=get_staff(store, "Maria"), force=True,
                           settlement=lambda d: settlement_for(store, d))
        report.story.append(
            f"Day closed early (--force): Maria counted drawer 1 at {money(short)}, "
            f"short {money(-closed.drawers[0].over_short_minor)} (posted to expenses:cash-over-short); card payments "
            f"{'match' if not closed.card_problems else 'differ from'} the processor's settlement."
        )
        assert closed.closing is not None
        report.story.append(f"Closing #{closed.closing.number}, signed by key {fingerprint}: the Z report prints the "
                            f"journal's head, an anchor: pos ledger verify --anchor {closed.closing.anchor}")
        z = day_report(store, walk_in.business_day)
        z_path = folder / "z-report.json"
        import json

        _write_new(z_path, (json.dumps({**report_dict(z), "closing": closed.closing.as_dict()}, indent=2, default=str)
                            + "\n").encode())
        report.files["Z report (JSON)"] = z_path.resolve()
        report.story.append(
            f"Z report: {z.orders} orders, gross sales {money(z.gross_sales_minor)} (before discounts, refunds and "
            f"tax), net sales {money(z.net_sales_minor)}, total collected {money(z.total_collected_minor)}, "
            f"card fees {money(z.card_fees_minor)}."
        )
        from pos.sales.order_records import resolve
        from receipts import day_pdf, model, pdf as receipt_pdf

        receipts_dir = folder / "receipts"
        make_private_folder(receipts_dir)
        for number, what in ((walk_in.number, "cash"), (phone.number, "card-and-cash"),
                             (delivered[0], "cash-at-the-door-tipped"), (5, "self-checkout"), (queued.number, "kiosk-cash"),
                             (by_phone.number, "payment-link"), (declined.number, "declined-then-card-and-cash")):
            target = receipts_dir / f"order-{number}-{what}.pdf"
            # By the day closed, not "today": after the early close new orders are numbered on the next day.
            order_id = resolve(store, number, walk_in.business_day).id
            _write_new(target, receipt_pdf.render(model.build(store, order_id), 80))
        refund_receipt = receipts_dir / f"order-{walk_in.number}-refund.pdf"
        _write_new(refund_receipt, receipt_pdf.render(model.build(store, walk_in.id, refund=True), 80))
        report.files["receipts (PDF, one per tender)"] = receipts_dir.resolve()
        z_pdf = folder / "z-report.pdf"
        _write_new(z_pdf, day_pdf.render(store, z, None, closed.closing))
        report.files["Z report (PDF)"] = z_pdf.resolve()
        checked = journal_check.verify(store, full=True)  # every entry: a plain verify starts at the close just made
        from pos.base.words import counted

        report.story.append(f"Books: {counted(checked.entries, 'journal entry', 'journal entries')}, hash chain "
                            "intact, every entry balances.")
        for fmt, name in ((ExportFormat.BEANCOUNT, "books.beancount"), (ExportFormat.HLEDGER, "books.journal")):
            target = folder / name
            with open(_new_fd(target), "w", encoding="utf-8") as handle:
                export_ledger(store, fmt, handle)
            report.files[f"books ({fmt.value})"] = target.resolve()

        report.files["store"] = db_path
        return report
    finally:
        store.close()
