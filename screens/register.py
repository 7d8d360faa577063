"""The counter register session: a cashier's short commands, one line at a time, as a plain state machine.

:class:`Session` never prints or prompts: :meth:`Session.handle` takes one
line (a scanned barcode, or a short command) and returns the messages to
show; :meth:`Session.screen` is the running order to redraw after every
line.  ``pos register`` does the terminal; tests and benches drive the
same object in-process.  Every problem becomes one line in the cashier's
words and the session carries on: nothing typed can lose the open order.

Commands (``help`` lists them)::

    SKU or barcode    add one            3*SKU      add three
    1 to 9            a quick key: the owner's top items (register.quick_keys); F1 to F9 alone, one key stroke
    -                 one off the last line (-3: three off it; - 2: all of line 2)
    ? WORDS           items whose name or SKU has the words, with their prices
    d 10% why         discount (or d 2.00 why)
    t                 the total          cash 20    cash (default: exact)
    card [A]          card on the reader wallet [A] phone wallet
    link              a payment link     split 3    each of 3 shares and what to type for it
    tip 3 [NAME] [!]  tip on the next payment (! confirms one above the store's share)
    hold / recall [N] park an order, take it back (recall 2026-12-05/14, or a
                      receipt's QR code scanned: that order; a paid one for a return)
    refund 2 [1]      line 2 (or one of it) of the sale recalled comes back, to the
                      card that paid if one did ('refund 2 cash': in cash)
    void WHY          void the open order            receipt    last receipt
    note TEXT         the order's note (note - takes it off)
    ready 19:30       the time promised (ready +20: in 20 minutes; ready - takes it off)
    new               next customer      lock       lock the register
    float 150         open the drawer    end [TIPS] end the shift (declaring cash tips)
    switch [NAME]     another cashier signs in here by PIN, the open order kept
    help, quit

The screen (:mod:`screens.order_view`) shows the order's number, under it its
note and the time promised (when it has them), its numbered lines,
its discounts, tax and total as the receipt will print them, amounts in one
column, what is due and, with a tip waiting for the next payment, the tip,
who it goes to and what to pay; then the quick keys.  A tip waits for the
open order only: holding or voiding the order drops it.  Every message is
fitted to the terminal's width between words (:func:`screens.lines.fitted`),
never inside an amount.  Cash says the change in notes and coins in the words
``pos pay`` uses; with no drawer open, it names the register's own ``float``.

A quick key is one digit, 1 to 9, alone on the line (or ``3*1``): a scanned
barcode is 8 digits or more, so it is never taken for one.  In a terminal,
F1 to F9 ring a key with one key stroke: a digit cannot, since a cashier
typing ``3*SODA`` starts with one.

``switch`` is a cashier change without quitting (:mod:`screens.cashier_change`):
the next person signs in by name and PIN, the open order kept on screen.  At
a locked register, Enter alone at the PIN starts the same change.

The cashier is read afresh from the store before every line: deactivated or
locked out, the session ends (its open order kept); a new role applies at
once.  Some lines need someone to type something more: a manager's name and
PIN for what is over the store's limits (:mod:`pos.people.limits`), the cashier's
own PIN to end the shift.  :attr:`Session.asking` then says what to ask
(and whether to hide it), and :meth:`Session.answer` takes it; an empty
answer cancels.  Every refusal of a control is recorded in the audit trail.

It reads a line the way the kiosk does (:mod:`screens.lines`), and sits
above payments and receipts, which it drives and which never import it.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from typing import TYPE_CHECKING, Callable, Iterator

from pos.cash.drawer import DrawerNotOpen
from pos.base.errors import AnytenderError, InvalidInput, NotAllowed, ProcessorUnavailable, Refused
from pos.people.limits import OverLimit
from pos.people.permissions import Action, require
from pos.store.store import iso, utc_now
from screens import order_view
from screens.cashier_change import CashierChange
from screens.lines import NO_BREAK, Asking, check_item, fitted, read_scan, words, wrapped

if TYPE_CHECKING:  # pragma: no cover
    from pos.sales.order_records import Order, OrderView
    from pos.store.quick_keys import QuickKey
    from pos.store.roster import StaffMember
    from pos.store.store import Store

APPROVAL_HOW = "a manager types their name, then their PIN (Enter alone cancels)"


HELP = ("SKU: add", "3*SKU", "1-9 or F1-F9: quick key", "- one off the last line", "-3", "- LINE: the whole line",
        "? NAME: find an item", "d 10% why", "t total", "cash [A]", "card [A]", "wallet [A]", "link", "split N",
        "tip A [NAME] [!]", "hold", "recall [N or DAY/N]", "refund LINE [N] [cash|card]", "void WHY", "receipt", "note TEXT",
        "ready 19:30", "new", "float A: open the drawer", "lock", "switch [NAME]: another cashier", "end [TIPS]",
        "quit")
"""The help line's entries, laid out for the terminal's width (:func:`screens.lines.wrapped`)."""

OFF_MENU = "No item with SKU '{code}': find it by name with '? NAME' (like '? pepperoni')."

RECEIPT_CODE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}/#?[0-9]+", re.ASCII)
"""What a receipt's QR code carries (``2026-12-05/14``, :func:`pos.sales.order_ref.format_ref`): a line that is only that
recalls the order, as ``recall 2026-12-05/14`` does."""


class Session(CashierChange):
    """One cashier at one register (see the module docstring)."""

    def __init__(self, store: "Store", cashier: "StaffMember", register: int = 1, *, lock_after_s: int = 0,
                 clock: Callable[[], float] | None = None, width: Callable[[], int] | None = None) -> None:
        import time

        from pos.store.registers import check_register

        self.clock = clock or time.monotonic
        self.width = width
        """The terminal's width now, in characters: what the screen and help are laid out for, and every message
        is fitted to (:func:`screens.lines.fitted`).  Without a terminal (None: a test, the demo) the screen is
        laid out for 80 columns and each message is left whole, one line."""
        register = check_register(register)
        self.lock_after_s = lock_after_s
        self.last_seen = self.clock()
        self.store = store
        self.cashier = cashier
        self.signed_in_at = iso(utc_now())
        """When :attr:`cashier` signed in here: a deactivation after it ends the session (pos.people.signin.current_member)."""
        self.register = register
        self.order_id: str | None = None
        self.held: list[str] = []
        self.tip: tuple[int, str | None] | None = None
        self.last_paid: str | None = None
        self.returning: str | None = None
        """A paid order recalled (by its reference, or its receipt's QR code) for items coming back: ``refund``'s."""
        self.printed: set[str] = set()
        """Orders whose receipt this session has printed: the first print is the original, then reprints."""
        self.typed = ""
        """The line being handled, named in a refusal."""
        self.locked = False
        self.done = False
        self.asking: Asking | None = None
        self._commands: dict[str, Callable[[str], list[str]]] = {
            "t": self._total, "cash": self._cash, "card": self._card, "wallet": self._wallet, "link": self._link,
            "split": self._split, "tip": self._tip, "hold": self._hold, "recall": self._recall, "void": self._void,
            "receipt": self._receipt, "new": self._new, "lock": self._lock, "help": self._help, "quit": self._quit,
            "d": self._discount, "float": self._float, "end": self._end, "refund": self._refund,
            "switch": self._switch, "note": self._note, "ready": self._ready,
        }

    def _columns(self) -> int:
        return self.width() if self.width is not None else 80

    def _fit(self, messages: list[str]) -> list[str]:
        """The messages fitted to the terminal between words (never inside an amount); whole without one."""
        if self.width is None:
            return [message.replace(NO_BREAK, " ") for message in messages]
        return fitted(messages, self.width())

    def completions(self, prefix: str) -> list[str]:
        """What the cashier may mean by ``prefix``: commands, then SKUs and item names (tab completion)."""
        word = prefix.split(" ")[-1].split("*")[-1].lower()  # the code being typed, after any N*
        if not word:
            return []
        commands = [c for c in self._commands if c.startswith(word) and len(c) > 1]
        items = self.store.all("SELECT sku, name FROM items WHERE active = 1 AND (lower(sku) LIKE ? OR lower(name) "
                               "LIKE ?) ORDER BY sku LIMIT 20", (word + "%", "%" + word + "%"))
        return commands + [row["sku"] for row in items]

    # -- the loop's two calls ---------------------------------------------------------

    def handle(self, line: str) -> list[str]:
        """One line typed or scanned; every problem is one message, and the session carries on."""
        with self._acting():
            return self._fit(self._handle(line))

    @contextmanager
    def _acting(self) -> Iterator[None]:
        """While a line is handled, the audit trail (and the limits) name this session's cashier as who acts, and its register."""
        memo = self.store.memo
        before = {key: memo.get(key) for key in ("actor_id", "register")}
        memo["actor_id"], memo["register"] = self.cashier.id, self.register
        try:
            yield
        finally:
            for key, value in before.items():
                if value is None:
                    memo.pop(key, None)
                else:
                    memo[key] = value

    def _handle(self, line: str) -> list[str]:
        text, word, rest = words(line)
        now = self.clock()
        idle, self.last_seen = now - self.last_seen, now
        if self.asking is not None:
            return self._answer(line)
        if not self.locked and self.lock_after_s and idle > self.lock_after_s:
            self.locked = True  # nobody touched it: whoever is here now must show it is the cashier
            return [f"Locked after {self.lock_after_s // 60} minutes idle: type your PIN to unlock it "
                    "(Enter alone: another cashier signs in)."]
        if self.locked:
            return ["The register is locked: type your PIN to unlock it."]
        if not text:
            return []
        still = self._still_here()
        if still:
            return still
        self.typed = text
        try:
            if RECEIPT_CODE.fullmatch(text):  # a receipt's QR code, scanned (or its reference typed): that order
                return self._recall(text)
            if text.startswith("-"):
                return self._remove(text[1:].strip())
            if text.startswith("?"):
                return self._search(text[1:].strip())
            command = self._commands.get(word.lower())
            if command is not None:
                return command(rest)
            return self._add(text)
        except DrawerNotOpen as exc:
            return [self._no_drawer(exc.register)]
        except ProcessorUnavailable as exc:
            return [exc.message]
        except Refused as exc:
            self._refused(text, exc.message)
            return [exc.message]
        except AnytenderError as exc:
            return [exc.message]
        except KeyboardInterrupt:
            # Ctrl-C mid-command: a payment row is always written before anything outside is asked,
            # so nothing is lost; recover settles it either way.
            return ["Interrupted. A payment left half-way is settled by 'pos payments recover' (nothing is lost)."]

    def _still_here(self) -> list[str]:
        """Read the cashier afresh: deactivated or locked out since, the session ends; otherwise nothing to say."""
        from pos.people.signin import current_member

        try:
            self.cashier = current_member(self.store, self.cashier.id, since=self.signed_in_at)
        except NotAllowed as exc:
            return [exc.message, *self.sign_out()]
        self.store.memo["actor_id"] = self.cashier.id
        return []

    def _require(self, action: Action) -> None:
        """The permission table, for the cashier as they are now: a refusal is a control's (recorded)."""
        try:
            require(self.cashier, action, asked=f"'{self.typed}'" if self.typed else None)
        except NotAllowed as exc:
            raise Refused(exc.message) from None

    def _refused(self, asked: str, why: str) -> None:
        from pos.store import audit

        audit.refused(self.store, f"register: {asked}", why, staff_id=self.cashier.id, register=self.register)

    def answer(self, text: str) -> list[str]:
        """What was typed at :attr:`asking`; an empty answer cancels what waited for it."""
        with self._acting():
            return self._fit(self._answer(text))

    def _answer(self, text: str) -> list[str]:
        asking, self.asking = self.asking, None
        if asking is None:
            return self._handle(text)
        self.last_seen = self.clock()
        still = self._still_here()
        if still:
            return still
        try:
            return asking.then(text.strip())
        except DrawerNotOpen as exc:
            return [self._no_drawer(exc.register)]
        except Refused as exc:
            self._refused(asking.label, exc.message)
            return [exc.message]
        except AnytenderError as exc:
            return [exc.message]

    def _approved(self, asked: str, run: Callable[["StaffMember | None"], list[str]]) -> list[str]:
        """``run(None)``; over a limit, ask for a manager's name and PIN, then ``run(manager)``."""
        try:
            return run(None)
        except OverLimit as exc:
            refusal = exc  # kept for the questions below (the name 'exc' ends with this block)

            def pin_of(name: str) -> list[str]:
                if not name:
                    self._refused(asked, refusal.message)
                    return ["Not done: no manager approved it."]
                from pos.people.staff import get_staff

                manager = get_staff(self.store, name)
                if manager.id == self.cashier.id:  # refused before they type a PIN: an approver is someone else
                    why = f"{manager.name} cannot approve their own request: another manager or the owner approves it."
                    self._refused(asked, why)
                    return [why]

                def approve(pin: str) -> list[str]:
                    from pos.people.pin_tries import verify_pin

                    if not pin:
                        self._refused(asked, refusal.message)
                        return ["Not done: no manager approved it."]
                    approver = verify_pin(self.store, manager.name, pin, register=self.register)
                    try:
                        return run(approver)
                    except NotAllowed as exc:  # not someone who may approve it: a refusal too
                        self._refused(asked, exc.message)
                        return [exc.message]

                self.asking = Asking(f"PIN for {manager.name}", True, approve)
                return []

            self.asking = Asking("Manager", False, pin_of)
            return [refusal.said(APPROVAL_HOW)]

    def unlock(self, pin: str) -> list[str]:
        """Unlock with the signed-in cashier's PIN (a wrong one counts toward their lockout); Enter alone lets
        another cashier sign in (:class:`screens.cashier_change.CashierChange`), the register locked until they have."""
        from pos.people.pin_tries import verify_pin

        if not pin.strip():
            return self._fit(self._switch_at_lock())
        try:
            verify_pin(self.store, self.cashier.name, pin, register=self.register)
        except AnytenderError as exc:
            return self._fit([exc.message])
        self.locked = False
        self.last_seen = self.clock()
        return ["Unlocked."]

    def screen(self) -> list[str]:
        """The open order as the cashier sees it: its lines, its discounts, tax and total as the receipt prints
        them, what is due (and a waiting tip), amounts in one column; then the quick keys."""
        from pos.sales.orders import view
        from pos.base.text import shown

        keys = order_view.key_rows(self._keys(), self._columns())
        if self.order_id is None:
            held = f" ({len(self.held)} held)" if self.held else ""
            return self._fit([f"Register {self.register}, {shown(self.cashier.first_name)}: ready{held}.", *keys])
        current = view(self.store, self.order_id)
        lines = [f"Order #{current.order.number}", *self._details(current.order)]
        lines += order_view.item_rows(current, order_view.block(self._columns()), self._money)
        return self._fit([*lines, *self._sums(current), *keys])

    def _sums(self, current: "OrderView") -> list[str]:
        """The receipt's discount, tax and total rows, then what is due, and a waiting tip with what to pay then."""
        from payments.service import due_minor

        assert self.order_id is not None
        width = order_view.block(self._columns())
        due = due_minor(self.store, self.order_id)
        rows = order_view.sum_rows(self.store, current, width) + order_view.row("Due", self._money(due), width)
        if self.tip is not None:
            tip_minor, _ = self.tip
            rows += order_view.row(f"Tip for {self._tip_for()}, with the next payment", self._money(tip_minor), width)
            rows += order_view.row("To pay with the tip", self._money(due + tip_minor), width)
        return rows

    def _keys(self) -> "dict[str, QuickKey]":
        """The store's quick keys as the owner set them, each item as the menu has it now."""
        from pos.store import config, quick_keys

        return quick_keys.read(self.store, config.get(self.store, "register.quick_keys"))

    def _tip_for(self) -> str:
        """Who the waiting tip goes to, by name ("the team" for the pool)."""
        from pos.people.staff import get_staff
        from pos.base.text import shown

        recipient = self.tip[1] if self.tip is not None else None
        if recipient is None or recipient == "pool":
            return "the team"
        try:
            return shown(get_staff(self.store, recipient).name)
        except AnytenderError:
            return shown(recipient)

    # -- items ----------------------------------------------------------------------------

    def _money(self, minor: int) -> str:
        """An amount in the store's money, one word: a space inside it (``1 234,56 $ SU``) is a no-break one."""
        from pos.base.money_format import store_money

        return store_money(self.store, minor).replace(" ", NO_BREAK)

    def _open(self) -> str:
        from pos.sales.orders import new_order
        from pos.sales.order_records import Channel

        if self.order_id is None:
            self._require(Action.RING_SALE)
            self.order_id = new_order(self.store, Channel.COUNTER, created_by=self.cashier.id,
                                      register=self.register).id
        return self.order_id

    def _add(self, text: str) -> list[str]:
        from pos.sales.orders import add_line

        quantity, code = read_scan(text, "an item", ": type help.")
        if not code:
            raise InvalidInput(f"'{text}': give the item after the quantity, like 3*SODA.")
        code = self._keyed(code)
        quantity = check_item(self.store, code, quantity, OFF_MENU)  # an unknown code opens no order
        line, _ = add_line(self.store, self._open(), code, quantity)
        return [f"+ {line.quantity} x {line.name}"]

    def _keyed(self, code: str) -> str:
        """The SKU a line means: a quick key's item for a digit 1 to 9 the owner set, else the code as scanned."""
        from pos.store.catalog import get_item
        from pos.base.errors import NotFound
        from pos.store.quick_keys import EXAMPLE, KEYS

        if code not in KEYS:
            return code
        key = self._keys().get(code)
        if key is not None:
            return key.sku
        try:
            return get_item(self.store, code).sku  # an item whose own code is that digit
        except NotFound:
            raise InvalidInput(f"Key {code} has no item: the owner puts the top items on keys 1 to 9 with 'pos config "
                               f"set register.quick_keys {EXAMPLE}'.") from None

    def _remove(self, rest: str) -> list[str]:
        """``-`` one off the last line (scanners ring one at a time), ``-3`` three off it, ``- 2`` the whole of line 2."""
        from pos.sales.order_input import parse_quantity
        from pos.sales.orders import remove_line

        asked = self.typed
        line_no: int | None = None
        quantity: int | None = 1
        if rest and asked.startswith("- "):  # '- 2': a line, by the number the screen shows
            if not (rest.isascii() and rest.isdigit()):
                raise InvalidInput(f"'{asked}': give the line's number from the screen, like '- 2' (or -3 for three "
                                   "off the last line).")
            line_no, quantity = int(rest), None
        elif rest:
            if not (rest.isascii() and rest.isdigit()):
                raise InvalidInput(f"'{asked}': say how many to take off the last line, like -3.")
            quantity = parse_quantity(rest)
        if self.order_id is None:
            return ["Nothing to remove."]
        order_id = self.order_id

        def run(approver: "StaffMember | None") -> list[str]:
            line, _ = remove_line(self.store, order_id, line_no, quantity=quantity, by=self.cashier,
                                  approver=approver)
            return [f"- {line.quantity} x {line.name}"]

        return self._approved(asked, run)

    def _search(self, query: str) -> list[str]:
        """``? pepperoni``: the items on sale that match, with SKU and price (ring one up by its SKU)."""
        from pos.store.catalog import search_items
        from pos.base.words import counted

        if not query:
            return ["Find an item by name or SKU, like: ? pepperoni"]
        found, total = search_items(self.store, query)
        if not found:
            return [f"No item on sale matches '{query}': try part of its name."]
        from pos.base.text import shown

        width = max(len(item.sku) for item in found)
        block = order_view.block(self._columns())
        said = [line for item in found
                for line in order_view.row(f"{item.sku:<{width}}  {shown(item.name)}", self._money(item.price_minor),
                                           block)]
        if total > len(found):
            said.append(f"  ... {counted(total, 'item')} match: type more of the name to see the rest.")
        return said

    def _discount(self, rest: str) -> list[str]:
        from pos.sales.discounts import add_discount

        self._require(Action.DISCOUNT)
        value, _, reason = rest.partition(" ")
        if not value or not reason.strip():
            raise InvalidInput("Say how much and why, like: d 10% first visit")
        if self.order_id is None:
            return ["Ring something up first."]
        order_id = self.order_id

        def run(approver: "StaffMember | None") -> list[str]:
            discount, _ = add_discount(self.store, order_id, value, reason, by=self.cashier, approver=approver)
            return [f"Discount {value}: {discount.reason}."]

        return self._approved(f"d {rest}", run)

    def _total(self, rest: str) -> list[str]:
        from pos.sales.orders import view

        if self.order_id is None:
            return ["Nothing rung up."]
        return self._sums(view(self.store, self.order_id))

    # -- the order's note and promised time ------------------------------------------------

    def _details(self, order: "Order") -> list[str]:
        """The line under the order's number: its note and the time promised, when it has them."""
        from pos.sales.order_details import promise_of
        from pos.base.text import shown

        promise = promise_of(self.store, order)
        said = [f"Note: {shown(order.note)}"] if order.note else []
        said += [promise.words] if promise is not None else []
        return ["  " + " | ".join(said)] if said else []

    def _note(self, rest: str) -> list[str]:
        """``note no onions``: the open order's note (``pos order set N --note``); ``note -`` takes it off."""
        from pos.sales.order_details import set_details

        text = rest.strip()
        if not text:
            raise InvalidInput("Type the note after the word, like: note no onions ('note -' takes it off).")
        self._require(Action.RING_SALE)
        order = set_details(self.store, self._open(), note="" if text == "-" else text)
        return [f"Note: {order.note}." if order.note else "Note taken off."]

    def _ready(self, rest: str) -> list[str]:
        """``ready 19:30`` or ``ready +20``: the time promised (``pos order set N --ready``); ``ready -`` takes it off."""
        from pos.sales.order_details import promise_of, set_details

        text = rest.strip()
        if not text:
            raise InvalidInput("Say when, like: ready 19:30, or ready +20 for twenty minutes ('ready -' takes it off).")
        self._require(Action.RING_SALE)
        promise = promise_of(self.store, set_details(self.store, self._open(), ready="" if text == "-" else text))
        return [f"{promise.words}." if promise is not None else "Promised time taken off."]

    # -- payments -------------------------------------------------------------------------

    def _pay(self, tender: str, amount: str | None) -> list[str]:
        from payments.service import pay

        self._require(Action.TAKE_PAYMENT)
        if self.order_id is None:
            return ["Ring something up first."]
        tip_minor, tip_to = self.tip or (0, None)
        result = pay(self.store, self.order_id, tender, amount or None, register=self.register, tip_minor=tip_minor,
                     tip_to=tip_to, tip_confirmed=True)
        self.tip = None
        p = result.payment
        if not result.outcome.approved:
            return [f"DECLINED: {result.outcome.message}"]
        said = [f"{p.tender.value.capitalize()} {self._money(p.tendered_minor or p.amount_minor)} taken."]
        if p.change_minor:
            from payments.change import change_said

            said.append(change_said(p.change_minor, result.change_suggestion, self._money,  # as pos pay says it
                                    space=NO_BREAK))
        if p.rounding_minor:
            said.append(f"Cash rounding: {self._money(p.rounding_minor)}")
        if result.order_paid:
            self.last_paid, self.order_id = self.order_id, None
            said.append("Paid. Next customer.")
        else:
            said.append(f"Still due {self._money(result.due_after_minor)}.")
        return said

    def _cash(self, rest: str) -> list[str]:
        return self._pay("cash", rest.strip() or None)

    def _card(self, rest: str) -> list[str]:
        return self._pay("card", rest.strip() or None)

    def _wallet(self, rest: str) -> list[str]:
        return self._pay("wallet", rest.strip() or None)

    def _link(self, rest: str) -> list[str]:
        from payments.wallet import send_link

        self._require(Action.TAKE_PAYMENT)
        if self.order_id is None:
            return ["Ring something up first."]
        status = send_link(self.store, self.order_id, register=self.register)
        held, self.order_id, self.tip = self.order_id, None, None
        self.held.append(held)
        return [f"Payment link: {status.url}", "The order is held until it is paid ('recall' to see it)."]

    def _split(self, rest: str) -> list[str]:
        """``split 3``: what is due in 3 shares that sum to it exactly (largest remainder), each with what to type."""
        from payments.service import due_minor
        from pos.base.money import Money, format_typed
        from pos.base.shares import allocate

        ways = rest.strip()
        if not (ways.isascii() and ways.isdigit()) or not 2 <= int(ways) <= 20:
            raise InvalidInput("Split how many ways? Like: split 3")
        if self.order_id is None:
            return ["Ring something up first."]
        due = due_minor(self.store, self.order_id)
        if due <= 0:
            return ["Nothing is due on this order."]
        settings = self.store.settings
        width = order_view.block(self._columns())
        said = [f"{self._money(due)} due, in {ways} shares: take each with its own tender."]
        for number, share in enumerate(allocate(due, [1] * int(ways)), 1):
            typed = format_typed(Money(share, settings.currency), settings.locale)
            said += order_view.row(f"{number}. card{NO_BREAK}{typed} or cash{NO_BREAK}{typed}", self._money(share),
                                   width)  # what to type stays on one line
        return said

    def _tip(self, rest: str) -> list[str]:
        from payments.service import amount_minor
        from pos.sales.order_records import resolve
        from pos.tips.tips import recipient_for, service_of

        confirmed = rest.rstrip().endswith("!")
        amount_text, _, name = rest.rstrip().rstrip("!").strip().partition(" ")
        tip = amount_minor(self.store, amount_text.strip() or None, "tip")
        if tip is None:
            raise InvalidInput("Say how much, like: tip 3 alice")
        order = resolve(self.store, self._open())
        recipient = recipient_for(self.store, order.channel, name.strip() or None, tip,  # refused now, not at payment
                                  since=order.created_at, service=service_of(self.store, order.id, self.cashier.id))
        if not confirmed:
            from payments.service import check_tip_share, due_minor

            try:
                check_tip_share(self.store, tip, due_minor(self.store, self._open()))
            except InvalidInput as exc:
                raise InvalidInput(exc.message.split(": check")[0] + f": check it, then type 'tip {rest.strip()} !'.")
        self.tip = (tip, recipient)
        return [f"Tip {self._money(tip)} for {self._tip_for()} on the next payment."]

    # -- the order itself ---------------------------------------------------------------

    def _hold(self, rest: str) -> list[str]:
        if self.order_id is None:
            return ["No open order to hold."]
        self.held.append(self.order_id)
        self.order_id, self.tip = None, None  # a tip is this customer's, not the next one's
        return [f"Held ({len(self.held)} held)."]

    def _recall(self, rest: str) -> list[str]:
        """``recall``: the last order held here; ``recall 12``, ``recall 2026-12-05/14`` (or its receipt's QR code,
        scanned): that order, by the one reader of references (:func:`pos.sales.order_records.locate`).  An open order comes back
        on screen; a paid one is shown with its lines, for ``refund LINE [QTY]``."""
        from pos.sales.order_records import OrderStatus, locate, resolve, spoken

        if self.order_id is not None:
            return ["Finish or hold the open order first."]
        if not rest.strip():
            if not self.held:
                return ["Nothing is held."]
            self.order_id = self.held.pop()
            return [f"Recalled #{resolve(self.store, self.order_id).number}."]
        found = locate(self.store, rest.strip())
        order = found.order
        said = [f"Order {found.moved_from} was carried over: it is {order.ref} now."] if found.moved_from else []
        if order.status is OrderStatus.VOIDED:
            return [*said, f"Order {spoken(self.store, order)} was voided ({order.void_reason}): nothing to recall."]
        if order.status is OrderStatus.OPEN:
            if order.id in self.held:
                self.held.remove(order.id)
            else:
                self._require(Action.RING_SALE)  # an open order from elsewhere (a phone order): it is rung on here
            self.order_id = order.id
            return [*said, f"Recalled {spoken(self.store, order)}."]
        self.returning = order.id
        return [*said, *self._sold(order.id)]

    def _sold(self, order_id: str) -> list[str]:
        """A paid order recalled for a return: its lines as its receipt numbers them, and how to take items back."""
        from pos.sales.orders import view
        from pos.sales.returns import returned_so_far

        current = view(self.store, order_id)
        order = current.order
        back = returned_so_far(self.store, order_id)
        said = [f"Order {order.ref} ({order.channel.value}), {order.status.value}: "
                f"total {self._money(current.totals.total_minor)}"]
        for line, total in zip(current.lines, current.totals.lines):
            returned = f" ({back[line.line_no]} back)" if back.get(line.line_no) else ""
            said.append(f"  {line.line_no}. {line.quantity} x {line.name}  {self._money(total.gross_minor)}{returned}")
        said.append("Items coming back: refund LINE [HOW MANY] [cash|card], like 'refund 1'.")
        return said

    def _refund(self, rest: str) -> list[str]:
        """``refund 2`` (all of line 2) or ``refund 2 1`` (one of it): of the paid order recalled (else the last sale
        here), its share of the sale to the tenders that paid (to the card that paid, if one did; ``refund 2 cash``
        or ``card`` chooses, as ``pos refund --to``), cash from this register's drawer; above the limits a manager
        approves.  An earlier day's sale is refunded on the day open now, which is said."""
        from payments.refunds import refund
        from pos.sales.returns import pair

        self._require(Action.REFUND_SMALL)
        target = self.returning or self.last_paid
        if target is None:
            return ["Recall the sale first: scan its receipt's code, or type 'recall 2026-12-05/14'."]
        asked = rest.split()
        to = asked.pop() if len(asked) > 1 and asked[-1].lower() in ("cash", "card") else None
        if not 1 <= len(asked) <= 2:
            raise InvalidInput("Say which line comes back, and how many: like 'refund 2' (all of line 2) or "
                               "'refund 2 1' (one of it), then 'cash' or 'card' to choose where the money goes.")
        lines = pair(asked[:1], asked[1:])

        def run(approver: "StaffMember | None") -> list[str]:
            result = refund(self.store, target, None, "", lines=lines, register=self.register, by=self.cashier,
                            approver=approver, to=to)
            items = ", ".join(f"{item.quantity} x {item.name}" for item in result.items)
            tenders = ", ".join(f"{part.tender} {self._money(part.amount_minor + part.tip_minor)}"
                                for part in result.parts)
            said = [f"Refunded {self._money(result.total_minor)} on {result.named} for {items} ({tenders})."]
            return said + ([result.booked_note] if result.booked_note else [])

        return self._approved(f"refund {rest}", run)

    def _void(self, rest: str) -> list[str]:
        from payments.refunds import void

        self._require(Action.VOID_UNPAID)
        if self.order_id is None:
            return ["No open order to void."]
        order_id = self.order_id

        def run(approver: "StaffMember | None") -> list[str]:
            order = void(self.store, order_id, rest, by=self.cashier, approver=approver)
            if self.order_id == order_id:
                self.order_id, self.tip = None, None
            return [f"Voided #{order.number}."]

        return self._approved(f"void {rest}", run)

    def _receipt(self, rest: str) -> list[str]:
        from receipts.model import build
        from receipts.text import lines

        if self.last_paid is None:
            return ["No paid order yet."]
        reprint = self.last_paid in self.printed  # the first print of a sale is the original
        self.printed.add(self.last_paid)
        return lines(build(self.store, self.last_paid, reprint=reprint), max(min(self._columns(), 48), 24))

    def _new(self, rest: str) -> list[str]:
        if self.order_id is not None:
            return ["Pay, hold or void the open order first."]
        self.returning = None
        return ["Ready for the next customer."]

    def _lock(self, rest: str) -> list[str]:
        self.locked = True
        return ["Locked: type your PIN to unlock (Enter alone: another cashier signs in)."]

    def _help(self, rest: str) -> list[str]:
        return wrapped(HELP, self._columns())

    def _float(self, rest: str) -> list[str]:
        """``float 150``: open this register's drawer with its float, as ``pos drawer open`` does (the same
        permission, the same library call, audited there)."""
        from pos.cash.drawer import open_drawer

        self._require(Action.OPEN_DRAWER)
        if not rest.strip():
            raise InvalidInput("Say the float, the cash put in the drawer to make change, like: float 150")
        from pos.cash.floats import FloatNotCounted

        def opened(counter: "StaffMember | None") -> list[str]:
            drawer = open_drawer(self.store, self.register, rest.strip(), counted_by=counter)
            return [f"Drawer {drawer.register} open with a {self._money(drawer.float_minor)} float"
                    + (f", counted by {counter.name}." if counter is not None else ".")]

        try:
            return opened(None)
        except FloatNotCounted as exc:
            refusal = exc  # kept for the questions below (the name 'exc' ends with this block)
            asked = f"float {rest.strip()}"

            def pin_of(name: str) -> list[str]:
                if not name:
                    self._refused(asked, refusal.message)
                    return ["Not done: no manager counted the float."]
                from pos.people.staff import get_staff

                manager = get_staff(self.store, name)

                def count(pin: str) -> list[str]:
                    from pos.people.pin_tries import verify_pin

                    if not pin:
                        self._refused(asked, refusal.message)
                        return ["Not done: no manager counted the float."]
                    return opened(verify_pin(self.store, manager.name, pin, register=self.register))

                self.asking = Asking(f"PIN for {manager.name}", True, count)
                return []

            self.asking = Asking("Manager", False, pin_of)
            return [f"A float of {self._money(refusal.float_minor)} comes out of the safe: a manager counts it "
                    "(they type their name, then their PIN; Enter alone cancels)."]

    def _no_drawer(self, register: int) -> str:
        """Cash needs the drawer, and it is not open: how to open it here, or who may."""
        from pos.people.permissions import actor_of, may, who_may
        from pos.base.text import shown

        how = "'float AMOUNT' (the cash put in it to make change"
        if may(actor_of(self.cashier), Action.OPEN_DRAWER):
            return f"Drawer {register} is not open: open it here with {how}), then take the payment again."
        return (f"Drawer {register} is not open, and {shown(self.cashier.name)} may not open it: "
                f"{who_may(Action.OPEN_DRAWER)} opens it here with {how}; 'switch' signs them in).")

    def _end(self, rest: str) -> list[str]:
        """End the shift (declaring cash tips received in hand, if given) and sign out: the cashier's PIN, typed now."""
        from payments.service import amount_minor
        from pos.day.shifts import check_clock_out, clock_out

        if self.order_id is not None:
            return ["Pay, hold or void the open order first."]
        tips = amount_minor(self.store, rest.strip(), "declared cash tips") if rest.strip() else None
        if tips is not None and tips <= 0:
            raise InvalidInput("Declared cash tips must be more than zero (leave them out for none).")
        check_clock_out(self.store, self.cashier.name)

        def end(pin: str) -> list[str]:
            from pos.people.pin_tries import verify_pin

            if not pin:
                return ["The shift goes on."]
            me = verify_pin(self.store, self.cashier.name, pin, register=self.register)
            shift, _ = clock_out(self.store, self.cashier.name, me, tips or 0)
            hours, seconds = divmod(shift.worked_seconds(), 3600)
            said = self._quit("")
            declared = f", {self._money(tips)} cash tips declared" if tips else ""
            return [f"Shift ended after {hours}h{seconds // 60:02d}m{declared}.", *said]

        self.asking = Asking(f"PIN for {self.cashier.name}", True, end)
        return ["Type your PIN to end your shift (Enter alone goes on)."]

    def sign_out(self) -> list[str]:
        """End the session whatever its state (end of input, the terminal closing): open orders are kept."""
        self.locked = False
        return self._quit("")

    def _quit(self, rest: str) -> list[str]:
        if self.order_id is not None:
            self.held.append(self.order_id)
            self.order_id = None
        self.done = True
        from pos.base.words import counted

        left = f" {counted(len(self.held), 'order')} still open: pos order list." if self.held else ""
        return [f"Signed out.{left}"]

