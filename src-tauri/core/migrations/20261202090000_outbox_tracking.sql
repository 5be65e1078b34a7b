-- Tracking after the letter left: the channel KRR gave at send time, the kind of letter
-- (a decision or advance notice is followed up after 7 days, eFvf § 8), letters printed at
-- the office instead of through SvarUt, and exceptions the clerk has dealt with. Each letter
-- belongs to the environment it was queued in: a sandbox letter never goes to production.
ALTER TABLE outbox ADD COLUMN environment TEXT NOT NULL DEFAULT 'sandbox';
ALTER TABLE outbox ADD COLUMN route TEXT;
ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL DEFAULT 'ordinary';
ALTER TABLE outbox ADD COLUMN pages INTEGER NOT NULL DEFAULT 1;
ALTER TABLE outbox ADD COLUMN local_print INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN handled_at TEXT;
ALTER TABLE outbox ADD COLUMN handled_note TEXT;

-- A mass mailing can be paused (nothing more leaves until resumed) or cancelled (every
-- letter not yet sent is recalled).
ALTER TABLE mailings ADD COLUMN paused INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mailings ADD COLUMN cancelled INTEGER NOT NULL DEFAULT 0;

-- The worker's "next due letter": walked in order and stopped at the first that fits, instead
-- of sorting every waiting letter on each step (a mass mailing of 10 000 made that quadratic).
CREATE INDEX outbox_next_due ON outbox (next_attempt_at, created_at, id)
    WHERE state IN ('held', 'queued', 'sending');
