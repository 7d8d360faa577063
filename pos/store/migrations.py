"""The store's schema, as numbered migrations applied in order on open.

Each migration is ``(version, name, sql)``, or ``(version, name, step)`` where a step is a function given the
connection (for what SQL alone cannot write, like triggers generated from a table's columns).  A migration is never edited once
released: a later change to the schema is a new migration with the next
number.  ``pos.store.store`` applies the pending ones, each in its own
``BEGIN IMMEDIATE`` transaction, records them in ``schema_migrations`` and in
``PRAGMA user_version``, and refuses a file whose version is newer than the
last one listed here.

Money columns are integers of the currency's minor unit (``*_minor``); rates
and percentages are exact decimal text; instants are UTC ISO-8601 text.
"""

from __future__ import annotations

from pos.store import chains
from pos.store.migrations_first import FIRST, Step

MIGRATIONS: list[tuple[int, str, Step]] = [
    *FIRST,  # 1 to 15
    (
        16,
        "numbered, signed closings; the store's id and its public closing key",
        """
-- The store's own random id: it names the file of the store's private closing key (pos.signing).
CREATE TABLE store_identity (id TEXT NOT NULL);
INSERT INTO store_identity(id) VALUES (lower(hex(randomblob(8))));
-- The public half of the closing key; the private half is in an owner-only file outside the store.
CREATE TABLE closing_keys (
    id INTEGER PRIMARY KEY,
    public_key TEXT NOT NULL UNIQUE,
    fingerprint TEXT NOT NULL,
    created_at TEXT NOT NULL
);
-- One signed record per close and per reopening (pos.closings): numbered 1, 2, 3... never reset,
-- each carrying the previous one's signature. The signed text is ``record``; the columns repeat it for lookups.
CREATE TABLE closings (
    number INTEGER PRIMARY KEY CHECK (number > 0),
    kind TEXT NOT NULL CHECK (kind IN ('close', 'reopen')),
    business_day TEXT NOT NULL,
    close_id INTEGER NOT NULL REFERENCES day_closes(id),
    head_id INTEGER NOT NULL,
    head_hash TEXT NOT NULL,
    record TEXT NOT NULL,
    signature TEXT NOT NULL
);
CREATE INDEX closings_day ON closings(business_day);
CREATE TRIGGER closings_no_update BEFORE UPDATE ON closings
BEGIN
    SELECT RAISE(ABORT, 'closings are append-only: reopen the day and close it again');
END;
CREATE TRIGGER closings_no_delete BEFORE DELETE ON closings
BEGIN
    SELECT RAISE(ABORT, 'closings are append-only: reopen the day and close it again');
END;
CREATE TRIGGER closing_keys_no_update BEFORE UPDATE ON closing_keys
BEGIN
    SELECT RAISE(ABORT, 'the closing key is kept for good');
END;
CREATE TRIGGER closing_keys_no_delete BEFORE DELETE ON closing_keys
BEGIN
    SELECT RAISE(ABORT, 'the closing key is kept for good');
END;
CREATE TRIGGER store_identity_no_update BEFORE UPDATE ON store_identity
BEGIN
    SELECT RAISE(ABORT, 'the store id is kept for good');
END;
""",
    ),
    (
        17,
        "cost proportional to the day: closing balances kept at each close, the journal's head at each close",
        """
-- Each business day's closing balances per account (everything posted to that day or before), written when the
-- day is closed, so a Z report or an export reads one day's totals instead of re-summing the journal from its
-- start.  Derived data: any entry later posted to that day or an earlier one makes the snapshots from its day on
-- stale, and the trigger below removes them (a reader then starts from an earlier one, or sums the days).
CREATE TABLE day_close_balances (
    business_day TEXT NOT NULL,
    account TEXT NOT NULL,
    currency TEXT NOT NULL,
    balance_minor INTEGER NOT NULL,
    PRIMARY KEY (business_day, account, currency)
) WITHOUT ROWID;
CREATE TRIGGER journal_stale_close_balances AFTER INSERT ON journal_entries
WHEN NEW.business_day <= (SELECT max(business_day) FROM day_close_balances)
BEGIN
    DELETE FROM day_close_balances WHERE business_day >= NEW.business_day;
END;
-- Backfill: the days closed before this migration, from the days' movements (kept since migration 8).
INSERT INTO day_close_balances(business_day, account, currency, balance_minor)
SELECT c.business_day, d.account, d.currency, sum(d.amount_minor)
FROM day_closes c JOIN day_balances d ON d.business_day <= c.business_day
WHERE c.reopened_at IS NULL GROUP BY c.business_day, d.account, d.currency;
-- The journal's head (id and hash) when the day was closed: 'pos ledger verify' starts from the last one.
-- (Closes made before this migration have none; verify then checks from the start.)
ALTER TABLE day_closes ADD COLUMN head_entry INTEGER;
ALTER TABLE day_closes ADD COLUMN head_hash TEXT;
-- The running balances at that head (account_balances as the close left them): verify from the close checks
-- today's running balances against these plus what was posted since.
CREATE TABLE close_head_balances (
    close_id INTEGER NOT NULL REFERENCES day_closes(id),
    account TEXT NOT NULL,
    currency TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    PRIMARY KEY (close_id, account, currency)
) WITHOUT ROWID;
""",
    ),
    (
        18,
        "stripe_events: the webhook events handled, so a replayed one does nothing",
        """
CREATE TABLE stripe_events (
    id TEXT PRIMARY KEY,            -- Stripe's event id (evt_...)
    type TEXT NOT NULL,
    object_id TEXT NOT NULL,        -- the object the event was about (pi_..., cs_..., tmr_..., ch_...)
    payment_id TEXT REFERENCES payments(id),
    received_at TEXT NOT NULL,
    action TEXT NOT NULL            -- what was done, in words
);
CREATE INDEX stripe_events_received ON stripe_events(received_at);
""",
    ),
    (
        19,
        "refunds by item: the lines and quantities a refund gave back, with their share of discounts and tax",
        """
-- The parts of one refund (one per tender the money goes back to) share a batch; every part is written, state
-- 'requested', in one transaction with the items returned, so a crash leaves the whole refund for recover.
ALTER TABLE refunds ADD COLUMN batch_id TEXT;
CREATE INDEX refunds_batch ON refunds(batch_id);
-- What a refund by item gave back: a line of the order, how many of it, and its share of the sale to the cent
-- (pos/returns.py).  A batch whose every part failed gave nothing back, and its items count as not returned.
CREATE TABLE refund_items (
    batch_id TEXT NOT NULL,
    order_id TEXT NOT NULL REFERENCES orders(id),
    line_no INTEGER NOT NULL,
    name TEXT NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    gross_minor INTEGER NOT NULL CHECK (gross_minor >= 0),
    discount_minor INTEGER NOT NULL CHECK (discount_minor >= 0),
    tax_category TEXT NOT NULL,
    tax_minor INTEGER NOT NULL CHECK (tax_minor >= 0),
    amount_minor INTEGER NOT NULL CHECK (amount_minor >= 0),
    PRIMARY KEY (batch_id, line_no)
);
CREATE INDEX refund_items_order ON refund_items(order_id, line_no);
""",
    ),
    (
        20,
        "part of a line taken off: the removed line that holds it says which line it came from",
        """
-- 'One of 3 x Soda' taken off: the line keeps 2 and a line of 1 x Soda, removed at once, holds what was taken off
-- (its removed_by, removed_minor and removal_approved_by count toward the void limits as any line taken off does).
ALTER TABLE order_lines ADD COLUMN taken_from_line INTEGER;
""",
    ),
    (
        21,
        "the tip policy's history by effective day; the job each shift is worked in",
        """
-- The store's tip policy (pos.tip_policy), one row per change with the business day it takes effect; the policy in
-- force on a day is the latest row effective by then (none: the defaults).  Kept for good, like the journal.
CREATE TABLE tip_policies (
    id INTEGER PRIMARY KEY,
    effective_from TEXT NOT NULL,                   -- business day YYYY-MM-DD
    tip_credit_minor INTEGER NOT NULL CHECK (tip_credit_minor >= 0),  -- per hour; 0: no tip credit
    jurisdiction TEXT NOT NULL,                     -- a US state's code, or 'none'
    front_of_house TEXT NOT NULL,                   -- jobs, comma-separated
    back_of_house TEXT NOT NULL,
    kitchen_shares INTEGER NOT NULL CHECK (kitchen_shares IN (0, 1)),
    deduct_card_fees INTEGER NOT NULL CHECK (deduct_card_fees IN (0, 1)),
    set_at TEXT NOT NULL,
    set_by INTEGER REFERENCES staff(id)
);
CREATE INDEX tip_policies_effective ON tip_policies(effective_from, id);
CREATE TRIGGER tip_policies_no_update BEFORE UPDATE ON tip_policies
BEGIN
    SELECT RAISE(ABORT, 'a tip policy is kept as it was set: set a new one');
END;
CREATE TRIGGER tip_policies_no_delete BEFORE DELETE ON tip_policies
BEGIN
    SELECT RAISE(ABORT, 'a tip policy is kept as it was set: set a new one');
END;
-- The job a shift is worked in (a role's value: server, kitchen, ...); before this, a shift was its person's role.
ALTER TABLE shifts ADD COLUMN job TEXT;
UPDATE shifts SET job = (SELECT role FROM staff WHERE staff.id = shifts.staff_id);
""",
    ),
    (
        22,
        "the journal's day index also holds each entry's source kind",
        """
-- A day's refunds, drawer counts or captures are found through the index, not by reading every entry of the day
-- (a busy day's Z report reads its sales once and its other entries by kind).
DROP INDEX journal_day;
CREATE INDEX journal_day ON journal_entries(business_day, source_kind);
""",
    ),
    (
        23,
        "the store's pay schedule, with its history: tips are due by the payday of the period they were earned in",
        """
-- One row per change (pos.paydays), in force from its first pay period's first day; kept for good, like the journal.
CREATE TABLE pay_schedules (
    id INTEGER PRIMARY KEY,
    frequency TEXT NOT NULL CHECK (frequency IN ('weekly', 'biweekly', 'semimonthly', 'monthly')),
    starts TEXT NOT NULL UNIQUE,                    -- YYYY-MM-DD: the first day of its first pay period
    paid_after_days INTEGER NOT NULL CHECK (paid_after_days BETWEEN 0 AND 31),
    set_at TEXT NOT NULL,
    set_by INTEGER REFERENCES staff(id)
);
CREATE TRIGGER pay_schedules_no_update BEFORE UPDATE ON pay_schedules
BEGIN
    SELECT RAISE(ABORT, 'a pay schedule is kept as it was set: set a new one');
END;
CREATE TRIGGER pay_schedules_no_delete BEFORE DELETE ON pay_schedules
BEGIN
    SELECT RAISE(ABORT, 'a pay schedule is kept as it was set: set a new one');
END;
""",
    ),
    (
        24,
        "floats come from the safe (or stay in the drawer): a task to correct the books of floats booked from the owner",
        """
-- What a store upgraded from before needs that SQL cannot do (a journal entry, hash-chained), done once by the first
-- command that opens it (pos.floats.correct_past_floats), then deleted in the same transaction.
CREATE TABLE upgrade_tasks (name TEXT PRIMARY KEY);
INSERT INTO upgrade_tasks(name)
    SELECT 'float-correction' WHERE EXISTS (SELECT 1 FROM journal_entries WHERE key LIKE 'drawer:%:float');
""",
    ),
    (
        25,
        "an order's note, the time promised, what a delivery customer will pay with; deliveries paid before they go out",
        """
-- A note for the kitchen, the counter and the driver ('no onions', 'ring twice'), one line (pos.text).
ALTER TABLE orders ADD COLUMN note TEXT;
-- The moment promised to the customer ('ready 19:30'), UTC ISO-8601 like every instant: an order is ready (or at
-- the door) by then.  Inside the order's business day; None: nothing promised.
ALTER TABLE orders ADD COLUMN promised_at TEXT;
-- What a delivery customer said they will hand the driver ('I have a $50'): the driver brings the change.
ALTER TABLE orders ADD COLUMN pays_with_minor INTEGER CHECK (pays_with_minor > 0);
-- A delivery paid before it goes out (by link, by card on the phone) is still taken to the door: who took it, when,
-- and how it ended (pos.prepaid_runs).  A delivery the driver collects for is its cash-on-delivery payment instead.
CREATE TABLE prepaid_runs (
    id INTEGER PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders(id),
    driver_id INTEGER NOT NULL REFERENCES staff(id),
    sent_at TEXT NOT NULL,
    ended_at TEXT,
    outcome TEXT CHECK (outcome IN ('delivered', 'failed')),
    reason TEXT,
    CHECK ((ended_at IS NULL) = (outcome IS NULL))
);
CREATE INDEX prepaid_runs_order ON prepaid_runs(order_id);
CREATE INDEX prepaid_runs_driver ON prepaid_runs(driver_id, ended_at);
-- One run out at a time per order, enforced by the database itself.
CREATE UNIQUE INDEX prepaid_runs_one_out ON prepaid_runs(order_id) WHERE ended_at IS NULL;
""",
    ),
    (
        26,
        "tax rates and names with their history by effective day",
        """
-- A tax category's name and rate from a business day on (pos.taxes), one row per change; on a day, a category's
-- name is the latest name set by a row effective by then, and so is its rate (a row sets either, or both).  A
-- category's first row sets both, in force since the store began ('0001-01-01').  Kept for good, like the
-- journal: a past day keeps the rate its sales were taxed at.
CREATE TABLE tax_rates (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL REFERENCES tax_categories(code),
    effective_from TEXT NOT NULL,                   -- business day YYYY-MM-DD
    name TEXT,                                      -- NULL: the name stays as it is
    rate_percent TEXT,                              -- exact decimal text, like 8.875; NULL: the rate stays
    set_at TEXT,                                    -- NULL: set before this history was kept
    set_by INTEGER REFERENCES staff(id),
    CHECK (name IS NOT NULL OR rate_percent IS NOT NULL)
);
CREATE INDEX tax_rates_effective ON tax_rates(effective_from, id);
CREATE TRIGGER tax_rates_no_update BEFORE UPDATE ON tax_rates
BEGIN
    SELECT RAISE(ABORT, 'a tax rate is kept as it was set: set a new one from a day (pos tax edit)');
END;
CREATE TRIGGER tax_rates_no_delete BEFORE DELETE ON tax_rates
BEGIN
    SELECT RAISE(ABORT, 'a tax rate is kept as it was set: set a new one from a day (pos tax edit)');
END;
INSERT INTO tax_rates(code, effective_from, name, rate_percent) SELECT code, '0001-01-01', name, rate_percent
FROM tax_categories ORDER BY code;
-- The rate and name now live only in the history: nothing can read a stale copy.
ALTER TABLE tax_categories DROP COLUMN name;
ALTER TABLE tax_categories DROP COLUMN rate_percent;
""",
    ),
    (
        27,
        "the control records' chain: every version of every control row, hash-chained (pos.chains)",
        chains.install,
    ),
    (
        28,
        "where a refund's money leaves from, held while it is requested",
        """
-- The account a refund's money leaves from (a drawer, the processor's clearing), written with the row while it is
-- 'requested': a drawer's cash a refund will take is held from then on (pos.drawer.spendable_cash), so two
-- registers cannot both spend it.  NULL on refunds from before: read from the row's tender and register.
ALTER TABLE refunds ADD COLUMN from_account TEXT;
""",
    ),
    (
        29,
        "closings witnessed off the machine: one delivery job per closing and witness",
        """
-- Each closing, as it was made, waiting for (or delivered to) each witness the store names (pos.witness): queued in
-- the close's own transaction, delivered after it commits, retried by the next command until it is delivered.
CREATE TABLE witness_jobs (
    id INTEGER PRIMARY KEY,
    closing_number INTEGER NOT NULL,
    witness TEXT NOT NULL,                          -- 'folder:/abs/path' or 'email:owner@example.com'
    payload TEXT NOT NULL,                          -- JSON: the witness line (and for an email, the Z report)
    queued_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    tried_at TEXT,
    claimed_until TEXT,                             -- a command delivering it now: others leave it alone until then
    last_problem TEXT,
    delivered_at TEXT,
    UNIQUE (closing_number, witness)
);
CREATE INDEX witness_jobs_waiting ON witness_jobs(witness, closing_number) WHERE delivered_at IS NULL;
""",
    ),
    (
        30,
        "tries of a secret counted against the place it was typed, not a person",
        """
-- A kiosk's staff PINs and the owner's recovery code (pos.place_tries): each try is a row, never changed; the
-- wrong tries in a row since the place's last right one make that place (never the person named) wait.
CREATE TABLE place_tries (
    id INTEGER PRIMARY KEY,
    place TEXT NOT NULL,                            -- 'kiosk 1', 'recovery code'
    at TEXT NOT NULL,                               -- UTC ISO
    is_right INTEGER NOT NULL CHECK (is_right IN (0, 1))
);
CREATE INDEX place_tries_place ON place_tries(place, id);
CREATE TRIGGER place_tries_no_update BEFORE UPDATE ON place_tries
BEGIN
    SELECT RAISE(ABORT, 'a try is kept as it was made');
END;
CREATE TRIGGER place_tries_no_delete BEFORE DELETE ON place_tries
BEGIN
    SELECT RAISE(ABORT, 'a try is kept as it was made');
END;
""",
    ),
    (
        31,
        "cash that changes hands with both hands: a driver's hand-in waits for the count of the person receiving it",
        """
-- A driver's hand-in, as the driver started it (what they say they hand in, to which drawer).  Until the person
-- receiving it counts it (handin_counts), nothing is posted: the cash stays on the driver's account.
CREATE TABLE handins (
    id TEXT PRIMARY KEY,
    driver_id INTEGER NOT NULL REFERENCES staff(id),
    register INTEGER NOT NULL,
    declared_minor INTEGER NOT NULL CHECK (declared_minor > 0),
    started_at TEXT NOT NULL,
    started_by INTEGER REFERENCES staff(id)
);
CREATE INDEX handins_driver ON handins(driver_id);
-- The count of the person receiving it (their PIN typed): what was posted from the driver's account to the drawer.
CREATE TABLE handin_counts (
    handin_id TEXT PRIMARY KEY REFERENCES handins(id),
    counted_minor INTEGER NOT NULL CHECK (counted_minor >= 0),
    counted_by INTEGER NOT NULL REFERENCES staff(id),
    counted_at TEXT NOT NULL,
    entry_key TEXT
);
CREATE TRIGGER handins_no_update BEFORE UPDATE ON handins
BEGIN
    SELECT RAISE(ABORT, 'a hand-in is kept as it was started: its count is a row of its own');
END;
CREATE TRIGGER handins_no_delete BEFORE DELETE ON handins
BEGIN
    SELECT RAISE(ABORT, 'a hand-in is kept as it was started: its count is a row of its own');
END;
CREATE TRIGGER handin_counts_no_update BEFORE UPDATE ON handin_counts
BEGIN
    SELECT RAISE(ABORT, 'a hand-in''s count is kept as it was made');
END;
CREATE TRIGGER handin_counts_no_delete BEFORE DELETE ON handin_counts
BEGIN
    SELECT RAISE(ABORT, 'a hand-in''s count is kept as it was made');
END;
""",
    ),
    (
        32,
        "a refund the processor refused for good: state 'refused', with its reason (payments.base.RefundRefusal)",
        """
-- A refund Stripe refuses for good (charge_disputed, charge_already_refunded...) is marked 'refused' with the
-- reason, and no longer holds its amount; what Stripe said is kept beside it.
ALTER TABLE refunds ADD COLUMN refusal TEXT;
ALTER TABLE refunds ADD COLUMN refusal_message TEXT;
""",
    ),
    (
        33,
        "a card refund's outcome at the processor: state 'pending' until Stripe says it succeeded, 'reversed' if it failed",
        """
-- What Stripe last said of the refund (pending, requires_action, succeeded, failed, canceled); NULL for a
-- refund of a tender that has no such status (cash) and for refunds from before.
ALTER TABLE refunds ADD COLUMN processor_status TEXT;
""",
    ),
    (
        34,
        "webhook work left for later: a job queued with the event that needs it, run by pos serve's worker",
        """
-- What an event needs done at Stripe (capture a hold, release one, finish a refund) is not done while the event
-- is recorded: a job is queued in the same write, and run at once or, when it is due later (a register may still
-- be taking the payment) or Stripe cannot be reached, by pos serve's worker, with backoff, until it is done.
CREATE TABLE stripe_jobs (
    id INTEGER PRIMARY KEY,
    payment_id TEXT NOT NULL REFERENCES payments(id),
    work TEXT NOT NULL CHECK (work IN ('settle', 'release', 'refunds')),
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'stopped')),
    due_at TEXT NOT NULL,           -- not run before (UTC, ISO 8601)
    lease_until TEXT,               -- while running: another worker takes it over only after this
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    action TEXT,                    -- what running it did, in words
    created_at TEXT NOT NULL,
    done_at TEXT
);
CREATE INDEX stripe_jobs_due ON stripe_jobs(state, due_at);
CREATE UNIQUE INDEX stripe_jobs_one_open ON stripe_jobs(payment_id, work) WHERE state IN ('queued', 'running');
ALTER TABLE stripe_events ADD COLUMN job_id INTEGER REFERENCES stripe_jobs(id);
""",
    ),
]
