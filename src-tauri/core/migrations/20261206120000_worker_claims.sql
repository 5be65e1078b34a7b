-- One worker per store: a worker claims a letter (compare-and-set) before it sends it, under a
-- lease longer than the send timeout. A second worker never takes a letter whose lease is live;
-- a worker that died leaves a lease that expires, and the letter is then settled by the lookup
-- by its eksternReferanse, as any letter whose send outcome is unknown.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN lease_until TEXT;
