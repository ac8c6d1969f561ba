-- A job is paid for when it is accepted: its billed characters are charged
-- to its key's usage in the same transaction that queues it, so that queued
-- jobs count against the monthly quota and a crash cannot lose the charge.
-- A job that fails, or is deleted before it succeeds, is refunded, in the
-- transaction that fails or deletes it, from the month it was charged in.
ALTER TABLE jobs ADD COLUMN charged INTEGER NOT NULL DEFAULT 0 CHECK (charged >= 0);
ALTER TABLE jobs ADD COLUMN charge_month TEXT NOT NULL DEFAULT '';
