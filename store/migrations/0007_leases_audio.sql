-- Several nodes on one store (PostgreSQL): jobs and webhook deliveries are
-- leased to the node working on them, and job audio lives in the store, so
-- that any node can serve it.

-- A running job's node and when its claim lapses unless renewed; a job
-- whose lease lapsed is taken back and run again by any node. A webhook
-- being sent has the same pair. Rows from before this migration have no
-- lease: a job left running then counts as lapsed.
ALTER TABLE jobs ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN lease_until INTEGER;
ALTER TABLE jobs ADD COLUMN delivery_lease_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN delivery_lease_until INTEGER;

-- Running jobs by lease, for the nodes that look for lapsed ones.
CREATE INDEX jobs_running_lease ON jobs (lease_until) WHERE status = 'running';
-- A node's running jobs, for its heartbeat.
CREATE INDEX jobs_lease_owner ON jobs (lease_owner) WHERE status = 'running';

-- A succeeded job's audio, in order, in chunks of at most 1 MiB; deleted
-- with its job. jobs.audio_bytes keeps the total, for the per-account cap.
-- (Before this migration the audio was a file under the data directory,
-- named by jobs.audio_path; the jobs package moves such files in.)
CREATE TABLE job_audio (
    job_id TEXT    NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    seq    INTEGER NOT NULL CHECK (seq >= 0),
    data   BLOB    NOT NULL,
    PRIMARY KEY (job_id, seq)
) STRICT;
