-- E-signing orders: what the clerk asked for, the service's job and statuses, the signed
-- results. Everything personal (fødselsnummer, documents, signed PDFs) stays in this
-- encrypted store; KRR's contact information is never kept (the service looks it up).
CREATE TABLE signing_orders (
    id                  TEXT PRIMARY KEY NOT NULL,
    environment         TEXT NOT NULL,
    flow                TEXT NOT NULL CHECK (flow IN ('portal', 'direct')),
    title               TEXT NOT NULL,
    nonsensitive_title  TEXT,
    description         TEXT,
    sender              TEXT NOT NULL,
    level               TEXT CHECK (level IN ('3', '4')),
    identifier          TEXT,
    activation_time     TEXT,
    available_seconds   INTEGER,
    deadline            TEXT,
    reference           TEXT,
    service_reference   TEXT NOT NULL,
    polling_queue       TEXT,
    exit_urls           TEXT,
    send_copy           INTEGER NOT NULL DEFAULT 0,
    state               TEXT NOT NULL CHECK (state IN ('sending', 'uncertain', 'active', 'completed', 'failed', 'refused')),
    job_id              INTEGER,
    job_status          TEXT,
    cancellation_url    TEXT,
    confirmation_url    TEXT,
    delete_documents_url TEXT,
    pades_url           TEXT,
    pades               BLOB,
    pades_at            TEXT,
    copies_sent         INTEGER NOT NULL DEFAULT 0,
    last_error          TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX signing_orders_job ON signing_orders (environment, flow, job_id) WHERE job_id IS NOT NULL;
CREATE INDEX signing_orders_reference ON signing_orders (environment, service_reference);

CREATE TABLE signing_documents (
    order_id   TEXT NOT NULL REFERENCES signing_orders (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    title      TEXT NOT NULL,
    file_name  TEXT NOT NULL,
    bytes      BLOB NOT NULL,
    PRIMARY KEY (order_id, position)
) STRICT;

CREATE TABLE signing_signers (
    order_id        TEXT NOT NULL REFERENCES signing_orders (id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('person', 'contact', 'custom')),
    identifier      TEXT,
    name            TEXT NOT NULL,
    email           TEXT,
    mobile          TEXT,
    order_group     INTEGER,
    signature_type  TEXT,
    on_behalf_of    TEXT,
    notifications   TEXT NOT NULL CHECK (notifications IN ('lookup', 'lookup_sms', 'explicit', 'none')),
    status          TEXT NOT NULL,
    status_since    TEXT,
    xades_url       TEXT,
    xades           BLOB,
    href            TEXT,
    redirect_url    TEXT,
    PRIMARY KEY (order_id, position)
) STRICT;

CREATE TABLE signing_events (
    order_id  TEXT NOT NULL REFERENCES signing_orders (id) ON DELETE CASCADE,
    at        TEXT NOT NULL,
    text      TEXT NOT NULL
) STRICT;
CREATE INDEX signing_events_order ON signing_events (order_id, at);

-- When each polling queue may be polled next (X-Next-permitted-poll-time), kept across
-- restarts so a new process never polls early.
CREATE TABLE signing_poll_state (
    environment     TEXT NOT NULL,
    flow            TEXT NOT NULL,
    queue           TEXT NOT NULL,
    next_permitted  TEXT NOT NULL,
    PRIMARY KEY (environment, flow, queue)
) STRICT;

-- This store's own polling queue: each installation polls its own queue, so one clerk's app
-- never takes (and confirms away) another's statuses on the municipality's shared account.
CREATE TABLE signing_queue (
    name  TEXT NOT NULL
) STRICT;
INSERT INTO signing_queue (name) VALUES ('kommunepost-' || lower(hex(randomblob(6))));
