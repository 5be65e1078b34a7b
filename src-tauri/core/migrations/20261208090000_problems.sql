-- What went wrong, for the clerk: a key with its parameters (JSON), beside the English text
-- kept for the log and the CLI. The UI says it in the clerk's language.
ALTER TABLE outbox ADD COLUMN last_problem TEXT;
ALTER TABLE outbox_events ADD COLUMN problem TEXT;
ALTER TABLE signing_orders ADD COLUMN last_problem TEXT;
ALTER TABLE archive_packages ADD COLUMN problem TEXT;
