-- The outbox's documents move out of the database file into pack files beside it
-- (`kommunepost.documents/<generation>/<id>.kpd`, see store/documents.rs), each sealed with
-- AES-256-GCM under a key of its own, kept here. Documents queued before keep their bytes in
-- `outbox_documents.bytes`; a packed document has empty `bytes` and says where it lies.
CREATE TABLE document_packs (
    id          TEXT PRIMARY KEY NOT NULL,
    key         BLOB NOT NULL CHECK (length(key) = 32),
    created_at  TEXT NOT NULL
) STRICT;

-- Which directory under `kommunepost.documents/` holds this database's packs. A store
-- restored from a backup starts a new one, so the store it replaced keeps its own.
CREATE TABLE document_generation (
    only  INTEGER PRIMARY KEY NOT NULL CHECK (only = 1),
    id    TEXT NOT NULL
) STRICT;
INSERT INTO document_generation (only, id) VALUES (1, lower(hex(randomblob(16))));

ALTER TABLE outbox_documents ADD COLUMN pack TEXT REFERENCES document_packs (id);
ALTER TABLE outbox_documents ADD COLUMN pack_offset INTEGER;
ALTER TABLE outbox_documents ADD COLUMN pack_length INTEGER;
-- The document's own length (packed or not), for the price estimate.
ALTER TABLE outbox_documents ADD COLUMN size INTEGER;
UPDATE outbox_documents SET size = length(bytes);
-- The packs' documents (and what a pack's deletion checks).
CREATE INDEX outbox_documents_pack ON outbox_documents (pack);
