-- Letter templates, each kept whole as its template file (TOML), so export is the stored text.
CREATE TABLE templates (
    id         TEXT PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL,
    file       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
) STRICT;
