DROP TABLE audit_log;
DROP INDEX complaints_queue;
ALTER TABLE bans
    DROP CONSTRAINT bans_lift_is_complete,
    DROP COLUMN automatic,
    DROP COLUMN lifted_by,
    DROP COLUMN lifted_at;
