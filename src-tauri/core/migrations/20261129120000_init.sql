-- The first schema: drafts of letters and mass mailings.
-- Recipient identifiers are kept in full: the whole file is encrypted (SQLCipher).
CREATE TABLE drafts (
    id             TEXT PRIMARY KEY NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('letter', 'mass_mailing')),
    title          TEXT NOT NULL,
    recipient_fnr  TEXT,
    recipient_name TEXT,
    body           TEXT NOT NULL DEFAULT '',
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    deleted_at     TEXT
) STRICT;

CREATE INDEX drafts_updated_at ON drafts (updated_at DESC) WHERE deleted_at IS NULL;
