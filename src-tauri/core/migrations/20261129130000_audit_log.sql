-- The audit log: one row per register lookup (and later per dispatch), each row's hash
-- covering the previous row's hash, so any change or deletion breaks the chain.
CREATE TABLE audit_log (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    environment TEXT NOT NULL,
    count       INTEGER NOT NULL,
    purpose     TEXT,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
) STRICT;
