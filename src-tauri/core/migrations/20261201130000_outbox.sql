-- The outbox: letters on their way through SvarUt, one state machine per letter
-- (held → queued → sending → sent → final, or failed / recalled). The letter's id is the
-- forsendelse's eksternReferanse, so a send whose answer was lost can be found again.
CREATE TABLE outbox (
    id               TEXT PRIMARY KEY NOT NULL,
    mailing_id       TEXT,
    title            TEXT NOT NULL,
    recipient_name   TEXT NOT NULL,
    recipient_id     TEXT,
    forsendelse      TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('held', 'queued', 'sending', 'sent', 'final', 'failed', 'recalled')),
    release_at       TEXT NOT NULL,
    next_attempt_at  TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    svarut_id        TEXT,
    krr_evidence     TEXT,
    status           TEXT,
    status_at        TEXT,
    last_error       TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
) STRICT;

CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
CREATE INDEX outbox_mailing ON outbox (mailing_id);

-- The letter's documents, in the order of the forsendelse's dokumenter.
CREATE TABLE outbox_documents (
    letter_id  TEXT NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    bytes      BLOB NOT NULL,
    PRIMARY KEY (letter_id, position)
) STRICT;

-- What happened to each letter, for its timeline.
CREATE TABLE outbox_events (
    letter_id  TEXT NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
    at         TEXT NOT NULL,
    text       TEXT NOT NULL
) STRICT;
CREATE INDEX outbox_events_letter ON outbox_events (letter_id, at);
