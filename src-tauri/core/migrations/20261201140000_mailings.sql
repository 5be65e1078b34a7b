-- Mass mailings made from the CLI (and later the app): a template and a recipient list kept
-- together until the letters are queued in the outbox.
CREATE TABLE mailings (
    id          TEXT PRIMARY KEY NOT NULL,
    title       TEXT NOT NULL,
    template    TEXT NOT NULL,
    recipients  BLOB NOT NULL,
    created_at  TEXT NOT NULL
) STRICT;
