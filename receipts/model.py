"""What a receipt says, gathered once from the store: the renderers (text, PDF, email) only lay it out.

A :class:`Receipt` holds every figure as text already formatted in the
store's currency and locale, so each layout prints exactly the same words.
Every receipt is headed by the store's name and address, and its phone and tax number when set
(``pos config set store.*``: the next receipt shows a change).  A sale receipt lists the items, discounts with their reasons, tax per
category with its rate and taxable base, the total, each payment (tender; card brand and last four digits
or wallet type, how the card was read and its authorization code; cash tendered and change) and each tip with the first name
of the person it goes to, or "the team on shift" for the pool.  A refund
receipt lists the items returned (how many, what each line gave back), amounts given as a gesture
with their reasons, the original total, and the tenders the money went back to.  Every receipt names its order by business
day and number (``2026-12-06/14``), which its QR code carries too, so the order is found by it on any later day.  A
phone or delivery receipt names the customer; a sale receipt says the order's note and the time promised, when it has
them.  A sale receipt ends with the check value of its sale's
journal entry (:func:`pos.day.closings.check_value`), as fiscal printers print one.  Reprints and training stores
are marked as such.

Every text on it passes :func:`pos.base.text.shown` once, here: a name or a reason stored before
text was checked on the way in (or written into the file by hand) reaches paper, PDF and email
with its control and bidi characters escaped, never as a printer command or a line break in a
mail header.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple, Sequence

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store


class Item(NamedTuple):
    quantity: int
    name: str
    unit: str
    total: str


class Row(NamedTuple):
    """A label and an amount (a discount, a tax, a total, a payment...)."""

    label: str
    amount: str


class Receipt(NamedTuple):
    store_name: str
    store_address: str
    title: str
    """SALE RECEIPT or REFUND RECEIPT."""
    order_number: int
    channel: str
    when: str
    """Date and time in the store's time zone."""
    served_by: str | None
    driver: str | None
    items: list[Item]
    discounts: list[Row]
    sums: list[Row]
    """Subtotal, discounts, tax per category, total (or, for a refund, what was refunded)."""
    payments: list[Row]
    payment_notes: list[str]
    """Under a payment: cash tendered and change."""
    tips: list[str]
    """"Your tip of $3.00 goes to Alice"."""
    marks: list[str]
    """REPRINT, TRAINING."""
    feedback: str | None
    training: bool
    moment: datetime
    """The instant of the sale, in the store's time zone with its true offset (an email's ``Date:``)."""
    check: str | None = None
    """``Check 3fa2c1d9e0b7 #1234``: the sale's journal entry (hash and number), an anchor the customer carries."""
    order_ref: str = ""
    """``2026-12-06/14``: the order's business day and number, printed and carried by the receipt's QR code, so
    the order is found by it on any later day (:mod:`pos.sales.order_ref`)."""
    customer: str | None = None
    """The customer's name on a phone or delivery order (who the bag is for), if they gave one."""
    promise: str | None = None
    """``Ready at 19:30`` or ``Delivery by 19:30``: the time promised (a sale receipt's)."""
    note: str | None = None
    """The order's note ('no onions'), on a sale receipt."""
    store_phone: str = ""
    store_tax_id: str = ""
    """The store's phone and tax (VAT) number, under its address when set (``pos config set store.phone``)."""


CUSTOMER_NAMED = ("phone", "delivery")
"""The channels whose receipts name the customer: the order is handed over to someone who was not at the till."""


def _first_name(store: "Store", key_or_id: str | int | None) -> str | None:
    if key_or_id is None:
        return None
    from pos.base.errors import NotFound
    from pos.people.staff import get_staff

    try:
        return get_staff(store, key_or_id).first_name
    except NotFound:
        return None


def payment_label(payment: object) -> str:
    from payments.base import Payment

    assert isinstance(payment, Payment)
    names = {"cash": "Cash", "cod": "Cash at the door", "card": "Card", "wallet": "Phone wallet",
             "link": "Paid by link", "self_checkout": "Self-checkout"}
    label = names.get(payment.tender.value, payment.tender.value)
    details = payment.details
    how = " ".join(str(details[k]).replace("_", " ").title() if k == "wallet" else str(details[k]).upper()
                   for k in ("wallet", "brand") if details.get(k))
    if details.get("last4"):
        how = f"{how} ...{details['last4']}".strip()
    return f"{label} ({how})" if how else label


NO_BREAK = "\u00a0"
"""Between words a layout must keep on one line ("on $41.40"); printed as a plain space (:mod:`receipts.text`)."""

# How the card was read (Stripe's ``read_method``), in the words a card receipt uses for its entry method.
ENTRY_METHODS = {
    "contactless_emv": "Contactless",
    "contactless_magstripe_mode": "Contactless",
    "contact_emv": "Chip",
    "magnetic_stripe_track2": "Swiped",
    "magnetic_stripe_fallback": "Swiped (chip not read)",
}


def _card_note(payment: object) -> str | None:
    """``Card (VISA ...4242): contactless (Apple Pay), auth code 123456``: what card brands want on a receipt,
    from the processor's answer; None for a tender that has neither."""
    from payments.base import Payment

    assert isinstance(payment, Payment)
    details = payment.details
    parts = []
    read = details.get("read_method")
    if read:
        entry = ENTRY_METHODS.get(str(read), str(read).replace("_", " ").capitalize())
        wallet = details.get("wallet")
        parts.append(f"{entry} ({str(wallet).replace('_', ' ').title()})" if wallet else entry)
    if details.get("authorization_code"):
        parts.append(f"auth{NO_BREAK}code{NO_BREAK}{details['authorization_code']}")
    return f"{payment_label(payment)}: {', '.join(parts)}" if parts else None


def _percent(rate_percent: Decimal, locale: str) -> str:
    """``8.875%`` (``8,875 %`` in German): the rate with every digit it was set with, in the store's locale."""
    from babel.numbers import format_percent

    return str(format_percent(rate_percent / 100, locale=locale, decimal_quantization=False))


class TaxGroup(NamedTuple):
    category: str
    rate_percent: Decimal
    base_minor: int
    """The taxable amount: the lines' net after discounts (without the tax, in a tax-inclusive store)."""
    tax_minor: int


def tax_groups(lines: Sequence[Any], totals: Any) -> list[TaxGroup]:
    """The sale's tax by category and by the rate its lines were rung at, from the sale's own arithmetic
    (:func:`pos.sales.totals.compute_totals`): each group's tax is the sum of its lines' allocated tax, which is
    exactly the tax rounded once on the group, so the groups of a category add up to its tax line."""
    groups: dict[tuple[str, Decimal], list[int]] = {}
    for line, lt in zip(lines, totals.lines):
        sums = groups.setdefault((line.tax_category, line.tax_rate_percent), [0, 0])
        sums[0] += lt.net_minor
        sums[1] += lt.tax_minor
    out = []
    for (category, rate), (net, tax) in sorted(groups.items()):
        out.append(TaxGroup(category, rate, net - tax if totals.tax_included else net, tax))
    return out


def _shown(value: Any) -> Any:
    """``value`` with every text in it (in lists and rows too) passed through :func:`pos.base.text.shown`."""
    from pos.base.text import shown

    if isinstance(value, str):
        return shown(value)
    if isinstance(value, list):
        return [_shown(v) for v in value]
    if isinstance(value, (Item, Row)):
        return type(value)(*(_shown(v) for v in value))
    return value


def build(store: "Store", order_ref: str | int, *, reprint: bool = False, refund: bool = False) -> Receipt:
    """The receipt of an order (or of its refunds), from what the store recorded; every text in it escaped."""
    receipt = _build(store, order_ref, reprint=reprint, refund=refund)
    return Receipt(*(_shown(value) for value in receipt))


def _build(store: "Store", order_ref: str | int, *, reprint: bool, refund: bool) -> Receipt:
    from payments.base import SETTLED, order_payments
    from pos.store import config
    from pos.base.errors import Conflict
    from pos.base.money_format import store_money
    from pos.sales.orders import view
    from pos.sales.order_records import OrderStatus, resolve

    def money(minor: int) -> str:
        return store_money(store, minor)

    order = resolve(store, order_ref)
    current = view(store, order.id)
    s = store.settings
    payments = [p for p in order_payments(store, order.id) if p.state in SETTLED]
    if not refund and order.status is OrderStatus.VOIDED:
        raise Conflict(f"Order {order.label} was voided: it has no receipt.")
    when = datetime.fromisoformat(order.created_at.isoformat()).astimezone(s.zone)
    driver = next((_first_name(store, p.driver_id) for p in payments if p.driver_id), None)
    marks = (["REPRINT"] if reprint else []) + (["TRAINING"] if s.training else [])
    feedback = config.get(store, "receipt.feedback") or None
    base = Receipt(s.name, s.address, "RECEIPT", order.number, order.channel.value, when.strftime("%Y-%m-%d %H:%M"),
                   _first_name(store, _created_by(store, order.id)), driver, [], [], [], [], [], [], marks, feedback,
                   s.training, when, order_ref=order.ref,
                   customer=order.customer_name if order.channel.value in CUSTOMER_NAMED else None,
                   store_phone=config.get(store, "store.phone"), store_tax_id=config.get(store, "store.tax_id"))
    if refund:
        return _refund_receipt(store, order, current.totals.total_minor, base, money)
    from pos.sales.order_details import promise_of

    promise = promise_of(store, order)
    base = base._replace(promise=promise.words if promise is not None else None, note=order.note)
    t = current.totals
    items = [Item(line.quantity, line.name, money(line.unit_price_minor), money(lt.gross_minor))
             for line, lt in zip(current.lines, t.lines)]
    discounts, sums = _sums(store, current, money)
    paid: list[Row] = []
    notes: list[str] = []
    tips: list[str] = []
    for p in payments:
        paid.append(Row(payment_label(p), money(p.amount_minor)))
        if p.tendered_minor and p.tendered_minor != p.amount_minor + p.tip_minor:
            notes.append(f"{payment_label(p)}: tendered {money(p.tendered_minor)}, change {money(p.change_minor)}")
        card = _card_note(p)
        if card:
            notes.append(card)
        if p.refunded_minor:
            notes.append(f"{payment_label(p)}: {money(p.refunded_minor)} refunded")
        if p.tip_minor:
            who = "the team on shift" if p.tip_to in (None, "pool") else (_first_name(store, p.tip_to) or p.tip_to)
            tips.append(f"Your tip of {money(p.tip_minor)} goes to {who}. Thank you!")
    from pos.day.closings import check_value

    return base._replace(items=items, discounts=discounts, sums=sums, payments=paid, payment_notes=notes, tips=tips,
                         check=check_value(store, order.id))


def order_sums(store: "Store", current: Any) -> tuple[list[Row], list[Row]]:
    """(discounts, sums) of an order as its receipt prints them, every text escaped: each discount with its
    reason, then the subtotal, the discounts together, the tax per category and rate, and the total.

    ``current`` is the order as :func:`pos.sales.orders.view` reads it.  The register shows these very rows
    while the order is rung, so the screen and the receipt never disagree.
    """
    from pos.base.money_format import store_money

    discounts, sums = _sums(store, current, lambda minor: store_money(store, minor))
    return _shown(discounts), _shown(sums)


def _sums(store: "Store", current: Any, money: Any) -> tuple[list[Row], list[Row]]:
    from pos.store.taxes import tax_categories

    t = current.totals
    discounts = [Row(d.reason, "-" + money(amount)) for d, amount in zip(current.discounts, t.discount_amounts_minor)]
    names = {c.code: c.name for c in tax_categories(store, current.order.business_day)}  # as named on the order's day
    sums = [Row("Subtotal", money(t.subtotal_minor))]
    if t.discount_minor:
        sums.append(Row("Discounts", "-" + money(t.discount_minor)))
    included = " (included)" if t.tax_included else ""
    groups = tax_groups(current.lines, t)
    if not any(group.rate_percent for group in groups):
        groups = []  # a sale with no tax at all (a store without any): no "Tax 0%" line; beside a taxed one, it shows
    for group in groups:
        sums.append(Row(f"Tax {names.get(group.category, group.category)} "
                        f"{_percent(group.rate_percent, store.settings.locale)} "
                        f"on{NO_BREAK}{money(group.base_minor)}{included}", money(group.tax_minor)))
    sums.append(Row("TOTAL", money(t.total_minor)))
    return discounts, sums


def _refund_receipt(store: "Store", order: Any, original_minor: int, base: Receipt, money: Any) -> Receipt:
    """What the order's refunds gave back: the items returned (how many, their amounts), amounts given as a
    gesture (with their reasons), the original total, and the tenders the money went back to."""
    from payments.base import order_payments
    from pos.base.errors import Conflict

    given_back = store.all("SELECT amount_minor, tip_minor, reason, payment_id, batch_id FROM refunds WHERE order_id = ? "
                           "AND state = 'completed' ORDER BY created_at, rowid", (order.id,))
    if not given_back:
        raise Conflict(f"Order {order.label} has no refund: there is no refund receipt to print.")
    items = [Item(r["quantity"], r["name"], "", money(r["amount_minor"])) for r in store.all(
        "SELECT i.line_no, i.name, sum(i.quantity) AS quantity, sum(i.amount_minor) AS amount_minor "
        "FROM refund_items i WHERE i.order_id = ? AND EXISTS (SELECT 1 FROM refunds r WHERE r.batch_id = i.batch_id "
        "AND r.state = 'completed') GROUP BY i.line_no, i.name ORDER BY i.line_no", (order.id,))]
    by_item = {row[0] for row in store.tuples("SELECT DISTINCT batch_id FROM refund_items WHERE order_id = ?",
                                              (order.id,))}
    amounts: dict[str, int] = {}
    for r in given_back:
        if r["batch_id"] not in by_item:  # an amount, not items: said with its reason
            amounts[r["reason"]] = amounts.get(r["reason"], 0) + r["amount_minor"]
    items += [Item(1, f"Refund: {why}", "", money(amount)) for why, amount in amounts.items()]
    by_id = {p.id: p for p in order_payments(store, order.id)}
    tenders: dict[str, int] = {}
    tips = 0
    for r in given_back:
        label = f"To {payment_label(by_id[r['payment_id']])}"
        tenders[label] = tenders.get(label, 0) + r["amount_minor"] + r["tip_minor"]
        tips += r["tip_minor"]
    total = sum(tenders.values())
    notes = [f"Including the tip of {money(tips)}"] if tips else []
    reasons = list(dict.fromkeys(r["reason"] for r in given_back if r["batch_id"] in by_item))
    notes += [f"Why: {why}" for why in reasons]
    return base._replace(title="REFUND RECEIPT", items=items,
                         sums=[Row("Original total", money(original_minor)), Row("Refunded", money(total))],
                         payments=[Row(label, money(amount)) for label, amount in tenders.items()], payment_notes=notes)


def _created_by(store: "Store", order_id: str) -> int | None:
    row = store.one("SELECT created_by FROM orders WHERE id = ?", (order_id,))
    return int(row["created_by"]) if row and row["created_by"] is not None else None
