"""Store options set after ``init``: ``pos config set KEY VALUE``.

Each option has a parser (what a user types -> stored text), a default, a
description and how its stored text is shown, in one table.  Amounts are
typed and shown in the store's money ($5.00) and stored in minor units
(pos.store.settings_money).  Options live in the ``settings`` table beside
the settings ``init`` asks for.

    store.name, store.address   the store's name and address (``pos init`` set them), at the head of receipts
    store.phone, store.tax_id   the store's phone and tax (VAT) number, printed under them when set
    cash.rounding          round cash totals to this step (0.05 rounds to 5 cents; 0: off): a coin of the
                           currency, nothing its coins cannot pay (pos.store.settings_money.COINS)
    cash.denominations     notes and coins in the drawer, largest first (change suggestions)
    cash.float_stays       yes: each drawer's float stays in it overnight, the close moving only what is above
                           it to the safe; no (default): the close takes all of it to the safe, and the next
                           opening takes its float from the safe (pos.cash.floats)
    approval.*             what a person may refund, void and discount without a manager's PIN, adding up
                           per order and per person per business day (see pos.people.limits; the *_per_shift_*
                           names are older than the rule: a new shift continues the day's count):
      refund_over, refunds_per_shift_over        refunds on one order; a person's in the business day
      void_over, voids_per_shift_over            value voided on one order (lines taken off, the void); per day
      discount_over, discount_percent_over       the order's discounts together: an amount, a % of its subtotal
      discounts_per_shift_over                   a person's discounts in the business day
    stripe.reader          the Stripe Terminal reader card payments go to (tmr_...)
    stripe.simulate        simulate the customer's tap with Stripe's test helpers: auto (only for a reader
                           registered as simulated, with a test key), yes or no; never with a live key
    link.expires_after     minutes a payment link stays payable (30 to 1440, Stripe's limits)
    link.methods           how a link may be paid: card (cards and phone wallets, always), and any of
                           LINK_METHODS to widen it (a bank debit's money arrives days later)
    receipt.feedback       how customers reach the owner (email, phone or web address), on every receipt
    receipt.folder         a folder where a PDF receipt is written for every paid order ('' for none)
    hours.open, hours.close  the store's opening hours (HH:MM), the span of the day report's sales by hour
    receipt.smtp*, receipt.sender   the mail server that sends receipts (pos receipt N --email ADDRESS):
                           see pos.store.mail_server
    closing.witness        where each closing is witnessed off this machine as it is made: folders on another disk
                           or share, the owner's email (pos.day.witness)
    register.lock_after    minutes idle before a register session locks itself (0: never)
    register.quick_keys    the register's quick keys 1 to 9, KEY=SKU pairs (1=PIZZA-M,2=SODA): see
                           pos.store.quick_keys
    signin.required        one-shot commands that change anything need a sign-in (pos login): yes or no
    signin.minutes         how long a sign-in lasts on a terminal
    tips.confirm_over      a tip above this percent of the sale needs the cashier to confirm it
    tips.<channel>         where a tip goes when nobody is named: pool, or direct to who served
                           (counter, phone, delivery, kiosk)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, NamedTuple

from pos.base.errors import InvalidInput, NotFound
from pos.store import audit

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store

# Notes and coins in circulation, in minor units, largest first.
DENOMINATIONS: dict[str, tuple[int, ...]] = {
    "USD": (10000, 5000, 2000, 1000, 500, 100, 25, 10, 5, 1),
    "CAD": (10000, 5000, 2000, 1000, 500, 200, 100, 25, 10, 5),
    "EUR": (50000, 20000, 10000, 5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 5, 2, 1),
    "GBP": (5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 5, 2, 1),
    "KRW": (50000, 10000, 5000, 1000, 500, 100, 50, 10),
    "JPY": (10000, 5000, 2000, 1000, 500, 100, 50, 10, 5, 1),
    "BHD": (20000, 10000, 5000, 1000, 500, 100, 50, 25, 10, 5),
}


def _as_stored(store: "Store", text: str) -> str:
    return text


class Option(NamedTuple):
    key: str
    description: str
    parse: Callable[["Store", str], str]
    default: Callable[["Store"], str]
    show: Callable[["Store", str], str] = _as_stored
    """The stored text as a person reads it (amounts in the store's money: pos.store.settings_money)."""
    setting: str | None = None
    """The ``settings`` row it is kept in, when not its own key: the store's name and address, which ``pos init``
    wrote (and every command reads as ``store.settings``)."""

    @property
    def row(self) -> str:
        return self.setting or self.key


def _amount(store: "Store", text: str) -> str:
    from pos.base.money_input import parse_amount

    s = store.settings
    return str(parse_amount(text, s.currency, s.locale).amount_minor)


def _rounding(store: "Store", text: str) -> str:
    from pos.store.settings_money import parse_rounding

    return str(parse_rounding(store, text))


def _show_amount(store: "Store", stored: str) -> str:
    from pos.store.settings_money import shown_amount

    return shown_amount(store, int(stored)) if _is_int(stored) else stored


def _show_rounding(store: "Store", stored: str) -> str:
    return "off" if stored.strip() == "0" else _show_amount(store, stored)


def _show_amounts(store: "Store", stored: str) -> str:
    from pos.store.settings_money import shown_list

    parts = stored.split(",")
    return shown_list(store, [int(p) for p in parts]) if all(_is_int(p) for p in parts) else stored


def _is_int(text: str) -> bool:
    """Whether stored text is a whole number of minor units (it always is, unless written by hand)."""
    value = text.strip().removeprefix("-")
    return value.isascii() and value.isdigit()


def _denominations(store: "Store", text: str) -> str:
    from pos.store.settings_money import parse_list

    values = parse_list(store, text)
    if not values:
        raise InvalidInput("Give the notes and coins as a comma-separated list, like 100,50,20,10,5,1,0.25.")
    return ",".join(str(v) for v in sorted(set(values), reverse=True))


def _reader(store: "Store", text: str) -> str:
    from pos.base.text import clean_line

    value = clean_line(text, "card reader id")
    if value and not (value.startswith("tmr_") and value[4:].replace("_", "").isalnum() and value.isascii()):
        raise InvalidInput(f"'{text}' is not a Stripe Terminal reader id: they look like tmr_FDOt2wlRZEdpd7.")
    return value


SIMULATE = ("auto", "yes", "no")


def _simulate(store: "Store", text: str) -> str:
    value = text.strip().lower()
    if value not in SIMULATE:
        raise InvalidInput(f"'{text[:40]}' is not auto, yes or no (simulate the tap: auto for a simulated reader).")
    return value


def _minutes(store: "Store", text: str) -> str:
    value = text.strip().removesuffix("m").strip()
    if not (value.isascii() and value.isdigit()) or not 30 <= int(value) <= 1440:
        raise InvalidInput(f"'{text}' is not a link lifetime: give whole minutes from 30 to 1440 (24 hours).")
    return str(int(value))


# What a payment link may also take besides cards and phone wallets (Stripe Checkout's names).
LINK_METHODS = ("us_bank_account", "acss_debit", "sepa_debit", "bacs_debit", "au_becs_debit", "nz_bank_account",
                "link", "cashapp", "amazon_pay", "paypal", "klarna", "affirm", "afterpay_clearpay", "revolut_pay")


def _link_methods(store: "Store", text: str) -> str:
    names = [n.strip().lower() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n != "card" and n not in LINK_METHODS]
    if unknown:
        raise InvalidInput(f"'{unknown[0][:40]}' is not a way to pay a link: give card and any of "
                           f"{', '.join(LINK_METHODS)}, separated by commas.")
    return ",".join(dict.fromkeys(["card", *names]))  # cards and wallets always, each name once


def _tip_mode(store: "Store", text: str) -> str:
    value = text.strip().lower()
    if value not in ("pool", "direct"):
        raise InvalidInput(f"'{text}' is not a tip mode: say pool (shared by hours) or direct (to who served).")
    return value


def _percent(store: "Store", text: str) -> str:
    value = text.strip().removesuffix("%").strip()
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= 1000:
        raise InvalidInput(f"'{text}' is not a percentage: give a whole number from 1 to 1000, like 30.")
    return str(int(value))


def _share(store: "Store", text: str) -> str:
    value = text.strip().removesuffix("%").strip()
    if not (value.isascii() and value.isdigit()) or not 0 <= int(value) <= 100:
        raise InvalidInput(f"'{text}' is not a share of the order: give a whole percentage from 0 to 100, like 20.")
    return str(int(value))


def _store_name(store: "Store", text: str) -> str:
    from pos.base.text import clean_line

    value = clean_line(text, "store name")
    if not value:
        raise InvalidInput("The store name is empty: give one, like \"Tony's Pizza\" (it heads every receipt).")
    return value


def _store_address(store: "Store", text: str) -> str:
    from pos.base.text import clean_line

    return clean_line(text, "store address")


def _store_phone(store: "Store", text: str) -> str:
    from pos.base.text import clean_phone

    return clean_phone(text, "store phone") or ""


def _store_tax_id(store: "Store", text: str) -> str:
    from pos.base.text import clean_line

    return clean_line(text, "store tax id")


def _feedback(store: "Store", text: str) -> str:
    from pos.base.text import clean_line

    return clean_line(text, "feedback contact")


def _folder(store: "Store", text: str) -> str:
    from pathlib import Path

    from pos.base.text import clean_line

    clean_line(text, "receipt folder")  # no hidden character, not too long; the path itself is kept as typed
    value = text.strip()
    if not value:
        return ""
    try:
        folder = Path(value).expanduser()
        if folder.is_dir():
            return str(folder.resolve())
    except (OSError, RuntimeError):  # too long a name, '~nobody' (no such home)...
        pass
    shown = value if len(value) <= 80 else f"{value[:60]}... ({len(value)} characters)"
    raise InvalidInput(f"'{shown}' is not a folder: create it first, or give '' for no automatic receipts.")


def _yes_no(store: "Store", text: str) -> str:
    value = text.strip().lower()
    if value not in ("yes", "no"):
        raise InvalidInput(f"'{text}' is not yes or no.")
    return value


def _signin_minutes(store: "Store", text: str) -> str:
    value = text.strip()
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= 720:
        raise InvalidInput(f"'{text}' is not a sign-in time: give whole minutes from 1 to 720.")
    return str(int(value))


def _lock_minutes(store: "Store", text: str) -> str:
    value = text.strip()
    if not (value.isascii() and value.isdigit()) or int(value) > 240:
        raise InvalidInput(f"'{text}' is not an idle time: give whole minutes from 0 (never) to 240.")
    return str(int(value))


def _quick_keys(store: "Store", text: str) -> str:
    from pos.store.quick_keys import parse

    return parse(store, text)


def _clock(store: "Store", text: str) -> str:
    value = text.strip()
    hours, sep, minutes = value.partition(":")
    if not (sep and hours.isascii() and hours.isdigit() and minutes.isascii() and minutes.isdigit()
            and len(minutes) == 2 and int(hours) <= 24 and int(minutes) < 60 and (int(hours) < 24 or minutes == "00")):
        raise InvalidInput(f"'{text}' is not a time of day: give HH:MM on the 24-hour clock, like 09:00 or 22:30.")
    return f"{int(hours):02d}:{minutes}"


def _mail(parser: str) -> "Callable[[Store, str], str]":
    """The mail server's check of one of its options, loaded only when the option is set: off every start."""
    def parse(store: "Store", text: str) -> str:
        from pos.store import mail_server

        return str(getattr(mail_server, parser)(text))

    return parse


def _witnesses(store: "Store", text: str) -> str:
    from pos.store.witness_setting import parse_witnesses  # read only when the option is set: off every start

    return parse_witnesses(text, mail_server_set=bool(get(store, "receipt.smtp")))


def _default_denominations(store: "Store") -> str:
    from pos.base.money import exponent

    currency = store.settings.currency
    values = DENOMINATIONS.get(currency)
    if values is None:  # unknown currency: 1, 2, 5 steps from 100 main units down to one minor unit
        top = 100 * 10 ** exponent(currency)
        values = tuple(v for step in (top, top // 10, top // 100, top // 1000, top // 10000)
                       for v in (step, step // 2, step // 5) if v)
    return ",".join(str(v) for v in values)


OPTIONS: dict[str, Option] = {
    o.key: o
    for o in (
        Option("store.name", "the store's name, at the head of every receipt and report", _store_name,
               lambda s: s.settings.name, setting="name"),
        Option("store.address", "the store's address, under its name on receipts ('' for none)", _store_address,
               lambda s: s.settings.address, setting="address"),
        Option("store.phone", "the store's phone number, under its address on receipts ('' for none)", _store_phone,
               lambda s: ""),
        Option("store.tax_id", "the store's tax or VAT number, on every receipt ('' for none)", _store_tax_id,
               lambda s: ""),
        Option("cash.rounding", "round cash totals to this step, a coin's value (0: off)", _rounding, lambda s: "0",
               _show_rounding),
        Option("cash.denominations", "notes and coins, for change suggestions", _denominations, _default_denominations,
               _show_amounts),
        Option("cash.float_stays", "keep each drawer's float in it overnight: the close moves only what is above it "
               "to the safe (yes or no)", _yes_no, lambda s: "no"),
        Option("approval.refund_over", "refunds on one order, together, above this need a manager's PIN", _amount,
               lambda s: "5000", _show_amount),
        Option("approval.refunds_per_shift_over", "a person's refunds in the business day (any shifts), together, "
               "above this need a manager's PIN", _amount, lambda s: "10000", _show_amount),
        Option("approval.void_over", "what is voided on one order (lines taken off, the void), together, above this "
               "needs a manager's PIN", _amount, lambda s: "5000", _show_amount),
        Option("approval.voids_per_shift_over", "a person's voids in the business day (any shifts), together, above "
               "this need a manager's PIN",
               _amount, lambda s: "10000", _show_amount),
        Option("approval.discount_over", "an order's discounts, together, above this need a manager's PIN", _amount,
               lambda s: "2000", _show_amount),
        Option("approval.discount_percent_over", "an order's discounts, together, above this % of its subtotal need a "
               "manager's PIN", _share, lambda s: "20"),
        Option("approval.discounts_per_shift_over", "a person's discounts in the business day (any shifts), together, "
               "above this need a manager's PIN", _amount, lambda s: "5000", _show_amount),
        Option("stripe.reader", "the Stripe Terminal reader card payments go to", _reader, lambda s: ""),
        Option("stripe.simulate", "simulate the tap with a test key: auto (a simulated reader only), yes or no",
               _simulate, lambda s: "auto"),
        Option("link.expires_after", "minutes a payment link stays payable (30-1440)", _minutes, lambda s: "60"),
        Option("link.methods", "how a payment link may be paid: card (and phone wallets), plus bank debits...",
               _link_methods, lambda s: "card"),
        Option("receipt.feedback", "how customers reach the owner (on every receipt)", _feedback, lambda s: ""),
        Option("receipt.folder", "write a PDF receipt here for every paid order", _folder, lambda s: ""),
        Option("hours.open", "when the store opens (HH:MM): the day report's sales by hour start here", _clock,
               lambda s: "09:00"),
        Option("hours.close", "when the store closes (HH:MM; after midnight is the next morning)", _clock,
               lambda s: "21:00"),
        Option("receipt.smtp", "the mail server that sends emailed receipts, HOST:PORT ('' for none)",
               _mail('parse_server'), lambda s: ""),
        Option("receipt.smtp_user", "the user name for the mail server ('' to send without logging in)",
               _mail('parse_user'), lambda s: ""),
        Option("receipt.smtp_password_file", "an owner-only file with the mail server's password ('' for "
               "POS_SMTP_PASSWORD)", _mail('parse_password_file'), lambda s: ""),
        Option("receipt.smtp_starttls", "encrypt with STARTTLS before sending: yes or no (a local server "
               "without TLS)", _yes_no, lambda s: "yes"),
        Option("receipt.sender", "the address emailed receipts come from (default: the mail user name)",
               _mail('parse_sender'), lambda s: ""),
        Option("closing.witness", "where each closing is witnessed off this machine as it is made: folders on "
               "another disk or share, the owner's email (through receipt.smtp), comma-separated ('' for none)",
               _witnesses, lambda s: ""),
        Option("register.lock_after", "minutes idle before pos register locks (0: never)", _lock_minutes,
               lambda s: "5"),
        Option("register.quick_keys", "the register's keys 1-9 for top items: KEY=SKU pairs, like 1=PIZZA-M,2=SODA",
               _quick_keys, lambda s: ""),
        Option("signin.required", "changes need a sign-in (pos login): yes or no", _yes_no, lambda s: "yes"),
        Option("signin.minutes", "how long a sign-in lasts on a terminal", _signin_minutes, lambda s: "30"),
        Option("tips.confirm_over", "a tip above this % of the sale needs confirming", _percent, lambda s: "30"),
        Option("tips.counter", "unnamed counter tips: pool or direct", _tip_mode, lambda s: "pool"),
        Option("tips.phone", "unnamed phone-order tips: pool or direct", _tip_mode, lambda s: "pool"),
        Option("tips.delivery", "unnamed delivery tips: pool, or direct to the driver", _tip_mode, lambda s: "direct"),
        Option("tips.kiosk", "unnamed tips on kiosk orders paid at the counter: pool or direct", _tip_mode,
               lambda s: "pool"),
    )
}


def _option(key: str) -> Option:
    option = OPTIONS.get(key.strip().lower())
    if option is None:
        raise NotFound(f"Unknown option '{key}': known options are {', '.join(sorted(OPTIONS))}.")
    return option


def get(store: "Store", key: str) -> str:
    """The stored text of an option (or its default)."""
    option = _option(key)
    row = store.one("SELECT value FROM settings WHERE key = ?", (option.row,))
    return row["value"] if row else option.default(store)


def get_minor(store: "Store", key: str) -> int:
    return int(get(store, key))


def denominations(store: "Store") -> tuple[int, ...]:
    return tuple(int(v) for v in get(store, "cash.denominations").split(","))


def set_option(store: "Store", key: str, text: str) -> str:
    """Validate and store an option; returns the stored text."""
    option = _option(key)
    value = option.parse(store, text)
    with store.write() as conn:
        before = conn.execute("SELECT value FROM settings WHERE key = ?", (option.row,)).fetchone()
        conn.execute(
            "INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (option.row, value),
        )

        audit.changed(store, audit.Event.SETTING, option.key, {"value": before[0] if before else option.default(store)},
                      {"value": value}, was_default=before is None)
        if option.setting is not None:
            store.forget_settings()  # store.settings holds it: read again (after a rollback too: Store.write)
    return value


def all_options(store: "Store") -> dict[str, str]:
    """Every option's stored text (amounts in minor units), by name."""
    return {key: get(store, key) for key in sorted(OPTIONS)}


def shown(store: "Store", key: str, stored: str) -> str:
    """An option's stored text as a person reads it: approval.refund_over 500 is $5.00 in a US store."""
    return _option(key).show(store, stored)
