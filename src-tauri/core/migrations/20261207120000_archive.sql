-- Archive handover (Fiks Arkiv). Each queued letter keeps the case metadata it was sent with
-- (JSON), so its archive package says what the clerk chose then.
ALTER TABLE outbox ADD COLUMN archive_case TEXT;

-- The archive outbox: one package per letter SvarUt accepted and per completed signing order.
-- `waiting` has an arkivmelding ready for the archive; `archived` has the archive's receipt;
-- `failed` could not be built (`error` says why; a retry builds it again).
CREATE TABLE archive_packages (
    id                   TEXT PRIMARY KEY NOT NULL,
    letter_id            TEXT UNIQUE REFERENCES outbox (id) ON DELETE CASCADE,
    signing_order_id     TEXT UNIQUE REFERENCES signing_orders (id) ON DELETE CASCADE,
    mailing_id           TEXT,
    environment          TEXT NOT NULL,
    title                TEXT NOT NULL,
    state                TEXT NOT NULL CHECK (state IN ('waiting', 'archived', 'failed')),
    xml                  BLOB,
    error                TEXT,
    built_at             TEXT NOT NULL,
    exported_at          TEXT,
    archived_at          TEXT,
    journalaar           INTEGER,
    journalsekvensnummer INTEGER,
    journalpostnummer    INTEGER,
    saksaar              INTEGER,
    sakssekvensnummer    INTEGER,
    CHECK ((letter_id IS NULL) <> (signing_order_id IS NULL))
) STRICT;

CREATE INDEX archive_packages_mailing ON archive_packages (mailing_id);
CREATE INDEX archive_packages_state ON archive_packages (environment, state);

-- A package's files, in the order the arkivmelding names them.
CREATE TABLE archive_files (
    package_id TEXT NOT NULL REFERENCES archive_packages (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    file_name  TEXT NOT NULL,
    bytes      BLOB NOT NULL,
    PRIMARY KEY (package_id, position)
) STRICT;
