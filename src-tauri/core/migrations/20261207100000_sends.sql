-- Once means once: every confirmed send is recorded with the preview's key (a second
-- confirmation of the same preview is refused by the primary key), a fingerprint of what was
-- sent (the same letter or list sent again is asked about first) and the draft it came from
-- (a sent draft is read-only).
CREATE TABLE sends (
    id          TEXT PRIMARY KEY NOT NULL,
    fingerprint TEXT NOT NULL,
    list_fingerprint TEXT,
    draft_id    TEXT,
    title       TEXT NOT NULL,
    letters     INTEGER NOT NULL,
    environment TEXT NOT NULL,
    mailing_id  TEXT,
    at          TEXT NOT NULL
) STRICT;

CREATE INDEX sends_fingerprint ON sends (fingerprint, environment, at);
CREATE INDEX sends_list ON sends (list_fingerprint, environment, at);
CREATE INDEX sends_draft ON sends (draft_id, at);
