-- The channel SvarUt's statuses show a letter took (the first status that names one), beside
-- the route planned from the send-time lookup: Utsending shows both when they differ.
ALTER TABLE outbox ADD COLUMN seen_route TEXT;
