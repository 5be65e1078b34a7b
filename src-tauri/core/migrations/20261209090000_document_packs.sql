-- The outbox's documents move out of the database file into pack files beside it
-- (`kommunepost.documents/<id>.kpd`, see store/documents.rs), each sealed with AES-256-GCM
-- under a key of its own, kept here. Documents queued before keep their bytes in
-- `outbox_documents.bytes`; a packed document has empty `bytes` and says where it lies.
CREATE TABLE document_packs (
    id          TEXT PRIMARY KEY NOT NULL,
    key         BLOB NOT NULL CHECK (length(key) = 32),
    created_at  TEXT NOT NULL
) STRICT;

ALTER TABLE outbox_documents ADD COLUMN pack TEXT REFERENCES document_packs (id);
ALTER TABLE outbox_documents ADD COLUMN pack_offset INTEGER;
ALTER TABLE outbox_documents ADD COLUMN pack_length INTEGER;
-- The document's own length (packed or not), for the price estimate.
ALTER TABLE outbox_documents ADD COLUMN size INTEGER;
