"""The store's first fifteen migrations (1 to 15), as released: :mod:`pos.store.migrations` lists them first.

A migration is never edited once released (see :mod:`pos.store.migrations` for their form and how they are applied).
"""

from __future__ import annotations

import sqlite3
from typing import Callable, Union

Step = Union[str, Callable[[sqlite3.Connection], None]]

FIRST: list[tuple[int, str, Step]] = [
    (
        1,
        "foundation: settings, catalog, staff, shifts, orders",
        """
CREATE TABLE schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE tax_categories (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    rate_percent TEXT NOT NULL
);

CREATE TABLE items (
    sku TEXT PRIMARY KEY,
    name TEXT NOT NULL CHECK (length(name) > 0),
    price_minor INTEGER NOT NULL CHECK (price_minor >= 0),
    tax_category TEXT NOT NULL REFERENCES tax_categories(code),
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX items_name ON items(name);

CREATE TABLE staff (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    key TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    pin_hash TEXT NOT NULL,
    tip_eligible INTEGER CHECK (tip_eligible IN (0, 1)),
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at TEXT NOT NULL,
    deactivated_at TEXT
);

CREATE TABLE shifts (
    id INTEGER PRIMARY KEY,
    staff_id INTEGER NOT NULL REFERENCES staff(id),
    business_day TEXT NOT NULL,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    register INTEGER
);
CREATE INDEX shifts_staff ON shifts(staff_id, ended_at);
CREATE INDEX shifts_day ON shifts(business_day);
-- At most one open shift per person, enforced by the database itself.
CREATE UNIQUE INDEX shifts_one_open ON shifts(staff_id) WHERE ended_at IS NULL;

CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    business_day TEXT NOT NULL,
    number INTEGER NOT NULL,
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    customer_name TEXT,
    customer_phone TEXT,
    address TEXT,
    created_at TEXT NOT NULL,
    created_by INTEGER REFERENCES staff(id),
    register INTEGER,
    closed_at TEXT,
    void_reason TEXT,
    UNIQUE (business_day, number)
);
CREATE INDEX orders_day_status ON orders(business_day, status);

CREATE TABLE order_lines (
    id INTEGER PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders(id),
    line_no INTEGER NOT NULL,
    sku TEXT NOT NULL,
    name TEXT NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    unit_price_minor INTEGER NOT NULL CHECK (unit_price_minor >= 0),
    tax_category TEXT NOT NULL,
    tax_rate_percent TEXT NOT NULL,
    added_at TEXT NOT NULL,
    removed_at TEXT,
    UNIQUE (order_id, line_no)
);

CREATE TABLE discounts (
    id INTEGER PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders(id),
    line_no INTEGER,
    kind TEXT NOT NULL CHECK (kind IN ('percent', 'amount')),
    value TEXT NOT NULL,
    reason TEXT NOT NULL CHECK (length(reason) > 0),
    created_at TEXT NOT NULL,
    removed_at TEXT
);
CREATE INDEX discounts_order ON discounts(order_id);
""",
    ),
    (
        2,
        "ledger: append-only, hash-chained journal",
        """
CREATE TABLE journal_entries (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    posted_at TEXT NOT NULL,
    business_day TEXT NOT NULL,
    memo TEXT NOT NULL,
    source_kind TEXT NOT NULL,
    source_id TEXT NOT NULL,
    reverses INTEGER REFERENCES journal_entries(id),
    postings TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX journal_day ON journal_entries(business_day);
CREATE INDEX journal_source ON journal_entries(source_id);
-- Each entry is unique per reversal target; partial, so ordinary entries cost nothing.
CREATE UNIQUE INDEX journal_reverses ON journal_entries(reverses) WHERE reverses IS NOT NULL;

-- Running balance per account, kept in the same transaction as every post,
-- so "what should the drawer hold" is one lookup, not a scan of the year.
-- Derived data: 'pos ledger verify' recomputes it from the journal.
CREATE TABLE account_balances (
    account TEXT NOT NULL,
    currency TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    PRIMARY KEY (account, currency)
) WITHOUT ROWID;

CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal_entries
BEGIN
    SELECT RAISE(ABORT, 'journal entries are append-only: post a reversing entry instead');
END;
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal_entries
BEGIN
    SELECT RAISE(ABORT, 'journal entries are append-only: post a reversing entry instead');
END;
""",
    ),
    (
        3,
        "tenders: payments and their history, refunds, cash drawers",
        """
CREATE TABLE payments (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders(id),
    tender TEXT NOT NULL,
    state TEXT NOT NULL,
    amount_minor INTEGER NOT NULL CHECK (amount_minor >= 0),
    tip_minor INTEGER NOT NULL DEFAULT 0 CHECK (tip_minor >= 0),
    tip_to TEXT,
    tendered_minor INTEGER,
    change_minor INTEGER NOT NULL DEFAULT 0,
    rounding_minor INTEGER NOT NULL DEFAULT 0,
    refunded_minor INTEGER NOT NULL DEFAULT 0,
    currency TEXT NOT NULL,
    register INTEGER,
    driver_id INTEGER REFERENCES staff(id),
    idempotency_key TEXT NOT NULL UNIQUE,
    processor_ref TEXT,
    decline_reason TEXT,
    note TEXT,
    details TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX payments_order ON payments(order_id);
CREATE INDEX payments_state ON payments(state);

CREATE TABLE payment_events (
    id INTEGER PRIMARY KEY,
    payment_id TEXT NOT NULL REFERENCES payments(id),
    from_state TEXT,
    to_state TEXT NOT NULL,
    at TEXT NOT NULL,
    note TEXT
);
CREATE INDEX payment_events_payment ON payment_events(payment_id);

CREATE TABLE refunds (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders(id),
    payment_id TEXT NOT NULL REFERENCES payments(id),
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    reason TEXT NOT NULL,
    register INTEGER,
    approved_by INTEGER REFERENCES staff(id),
    processor_ref TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX refunds_order ON refunds(order_id);

CREATE TABLE drawers (
    id INTEGER PRIMARY KEY,
    register INTEGER NOT NULL,
    opened_at TEXT NOT NULL,
    float_minor INTEGER NOT NULL CHECK (float_minor >= 0),
    closed_at TEXT
);
CREATE UNIQUE INDEX drawers_one_open ON drawers(register) WHERE closed_at IS NULL;
""",
    ),
    (
        4,
        "refunds are written before the processor is asked",
        """
ALTER TABLE refunds ADD COLUMN state TEXT NOT NULL DEFAULT 'completed';
ALTER TABLE refunds ADD COLUMN against_sale INTEGER NOT NULL DEFAULT 0;
CREATE INDEX refunds_state ON refunds(state);
""",
    ),
    (
        5,
        "self-checkout kiosks, and the counter queue kiosks hand orders to",
        """
CREATE TABLE kiosks (
    number INTEGER PRIMARY KEY CHECK (number > 0),
    reader TEXT NOT NULL DEFAULT '',
    attendant_id INTEGER REFERENCES staff(id),
    updated_at TEXT NOT NULL
);
ALTER TABLE orders ADD COLUMN counter_note TEXT;
""",
    ),
    (
        6,
        "a refund that completes a tipped payment gives the tip back too",
        """
ALTER TABLE refunds ADD COLUMN tip_minor INTEGER NOT NULL DEFAULT 0 CHECK (tip_minor >= 0);
""",
    ),
    (
        7,
        "closing the day: closes (and reopenings), drawer counts",
        """
CREATE TABLE day_closes (
    id INTEGER PRIMARY KEY,
    business_day TEXT NOT NULL,
    closed_at TEXT NOT NULL,
    closed_by INTEGER REFERENCES staff(id),
    summary TEXT NOT NULL,
    reopened_at TEXT,
    reopened_by INTEGER REFERENCES staff(id)
);
-- A day is closed at most once at a time; a reopened close stays as history.
CREATE UNIQUE INDEX day_closes_current ON day_closes(business_day) WHERE reopened_at IS NULL;

CREATE TABLE drawer_counts (
    id INTEGER PRIMARY KEY,
    drawer_id INTEGER NOT NULL REFERENCES drawers(id),
    business_day TEXT NOT NULL,
    expected_minor INTEGER NOT NULL,
    counted_minor INTEGER NOT NULL CHECK (counted_minor >= 0),
    denominations TEXT,
    counted_by INTEGER REFERENCES staff(id),
    counted_at TEXT NOT NULL
);
""",
    ),
    (
        8,
        "each business day's movements per account, kept with every post",
        """
CREATE TABLE day_balances (
    business_day TEXT NOT NULL,
    account TEXT NOT NULL,
    currency TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    PRIMARY KEY (business_day, account, currency)
) WITHOUT ROWID;
INSERT INTO day_balances(business_day, account, currency, amount_minor)
WITH RECURSIVE split(day, line, rest) AS (
    SELECT business_day, '', postings || char(10) FROM journal_entries
    UNION ALL
    SELECT day, substr(rest, 1, instr(rest, char(10)) - 1), substr(rest, instr(rest, char(10)) + 1)
    FROM split WHERE rest <> ''
)
SELECT day, substr(line, 1, instr(line, ' ') - 1), substr(line, length(line) - 2),
       sum(CAST(substr(line, instr(line, ' ') + 1) AS INTEGER))
FROM split WHERE line <> '' GROUP BY 1, 2, 3;
""",
    ),
    (
        9,
        "the audit trail, and PIN lockouts",
        """
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    business_day TEXT NOT NULL,
    staff_id INTEGER REFERENCES staff(id),
    register INTEGER,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX audit_day ON audit_log(business_day);
CREATE INDEX audit_staff ON audit_log(staff_id);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
ALTER TABLE staff ADD COLUMN failed_pins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE staff ADD COLUMN locked_at TEXT;
""",
    ),
    (
        10,
        "sign-ins kept on a terminal for one-shot commands",
        """
CREATE TABLE signins (
    token_sha TEXT PRIMARY KEY,
    staff_id INTEGER NOT NULL REFERENCES staff(id),
    register INTEGER,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    ended_at TEXT
);
""",
    ),
    (
        11,
        "orders carried over from a closed day to the next open one; where each drawer's entries begin",
        """
CREATE TABLE order_moves (
    id INTEGER PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders(id),
    from_day TEXT NOT NULL,
    from_number INTEGER NOT NULL,
    to_day TEXT NOT NULL,
    to_number INTEGER NOT NULL,
    moved_at TEXT NOT NULL,
    moved_by INTEGER REFERENCES staff(id),
    close_id INTEGER REFERENCES day_closes(id)
);
CREATE INDEX order_moves_from ON order_moves(from_day, from_number);
CREATE INDEX order_moves_to ON order_moves(to_day);
CREATE INDEX orders_open ON orders(status, business_day);
CREATE TRIGGER order_moves_no_update BEFORE UPDATE ON order_moves
BEGIN
    SELECT RAISE(ABORT, 'the record of carried-over orders is append-only');
END;
CREATE TRIGGER order_moves_no_delete BEFORE DELETE ON order_moves
BEGIN
    SELECT RAISE(ABORT, 'the record of carried-over orders is append-only');
END;
-- A drawer's own entries begin after the journal's head when it opened, found by id, not by clock:
-- two events in the same instant, or a clock stepped back, can no longer mix two drawers' cash.
ALTER TABLE drawers ADD COLUMN first_entry INTEGER;
UPDATE drawers SET first_entry = coalesce(
    (SELECT min(id) FROM journal_entries WHERE posted_at >= drawers.opened_at),
    (SELECT coalesce(max(id), 0) + 1 FROM journal_entries));
""",
    ),
    (
        12,
        "limits that add up per order and per shift; who clocked a shift in and out; sign-ins bound to a terminal",
        """
-- Who asked and who approved, per refund, discount and void, so that limits add up per order and per shift.
ALTER TABLE refunds ADD COLUMN created_by INTEGER REFERENCES staff(id);
CREATE INDEX refunds_created_by ON refunds(created_by, created_at);
ALTER TABLE discounts ADD COLUMN created_by INTEGER REFERENCES staff(id);
ALTER TABLE discounts ADD COLUMN approved_by INTEGER REFERENCES staff(id);
ALTER TABLE discounts ADD COLUMN amount_minor INTEGER;
CREATE INDEX discounts_created_by ON discounts(created_by, created_at);
-- A line taken off an order is a void of its value (the drop in the order's total), unless a kiosk customer took
-- their own item off (removed_minor NULL).
ALTER TABLE order_lines ADD COLUMN removed_by INTEGER REFERENCES staff(id);
ALTER TABLE order_lines ADD COLUMN removed_minor INTEGER;
ALTER TABLE order_lines ADD COLUMN removal_approved_by INTEGER REFERENCES staff(id);
CREATE INDEX order_lines_removed_by ON order_lines(removed_by, removed_at);
ALTER TABLE orders ADD COLUMN voided_by INTEGER REFERENCES staff(id);
ALTER TABLE orders ADD COLUMN voided_minor INTEGER;
ALTER TABLE orders ADD COLUMN void_approved_by INTEGER REFERENCES staff(id);
CREATE INDEX orders_voided_by ON orders(voided_by, closed_at);
-- Who clocked a shift in and out: the person by their own PIN, or a manager for them.
ALTER TABLE shifts ADD COLUMN started_by INTEGER REFERENCES staff(id);
ALTER TABLE shifts ADD COLUMN ended_by INTEGER REFERENCES staff(id);
-- The terminal a sign-in was made on (a hash of its identity): a copied sign-in file works nowhere else.
ALTER TABLE signins ADD COLUMN terminal TEXT;
""",
    ),
    (
        13,
        "the terminal each audit event was made on",
        """
-- Which terminal an event came from (a short hash of its identity, as sign-ins keep it), beside its register.
ALTER TABLE audit_log ADD COLUMN terminal TEXT;
""",
    ),
    (
        14,
        "a wait after wrong PINs; the owner's recovery code",
        """
-- After a lockout every further wrong PIN makes the person wait before the next try (pos.staff.verify_pin).
ALTER TABLE staff ADD COLUMN pin_wait_until TEXT;
-- The owner's one-time recovery code (pos.recovery), only as a salted hash: at most one is unused at a time.
CREATE TABLE recovery_codes (
    id INTEGER PRIMARY KEY,
    code_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    used_at TEXT,
    used_by INTEGER REFERENCES staff(id)
);
CREATE UNIQUE INDEX recovery_codes_one_unused ON recovery_codes((used_at IS NULL)) WHERE used_at IS NULL;
""",
    ),
    (
        15,
        "each person's previous PIN, which a new one must not repeat",
        """
-- The hash of the PIN a person had before their current one (pos staff pin): a new PIN matches neither.
ALTER TABLE staff ADD COLUMN previous_pin_hash TEXT;
ALTER TABLE staff ADD COLUMN pin_changed_at TEXT;
""",
    ),
]
