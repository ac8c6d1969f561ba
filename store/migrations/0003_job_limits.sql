-- Job expiry, per-account caps and fair claiming. Written for SQLite and
-- PostgreSQL alike: plain ALTER TABLE and partial indexes, which both accept.

-- The size of a succeeded job's audio file, so that an account's stored audio
-- can be capped without reading the disk. Jobs that succeeded before this
-- migration count 0 until they expire.
ALTER TABLE jobs ADD COLUMN audio_bytes INTEGER NOT NULL DEFAULT 0 CHECK (audio_bytes >= 0);

-- An account's queued and running jobs: the per-account queue cap counts
-- them, and claims take the oldest queued job of each account, in this
-- order, then prefer the account with the fewest running.
CREATE INDEX jobs_queued_account ON jobs (account_id, created_at, id) WHERE status = 'queued';
CREATE INDEX jobs_running_account ON jobs (account_id) WHERE status = 'running';
-- An account's stored audio and its oldest, summed by the cap without
-- reading the rows.
CREATE INDEX jobs_account_audio ON jobs (account_id, audio_bytes, finished_at) WHERE audio_bytes > 0;
-- Finished jobs, oldest first, for expiry.
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;
-- Webhooks waiting to be sent, per account, for the per-account share of
-- delivery slots.
CREATE INDEX jobs_pending_delivery_account ON jobs (account_id, next_delivery_at, id) WHERE delivery_status = 'pending';

-- The claim and the delivery list now go by account: their old indexes
-- would only cost writes.
DROP INDEX jobs_queued;
DROP INDEX jobs_pending_delivery;
