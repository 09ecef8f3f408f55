ALTER TABLE users DROP COLUMN protect_content;
UPDATE rooms SET end_reason = 'disconnected' WHERE end_reason = 'idle';
ALTER TABLE rooms DROP CONSTRAINT rooms_end_reason_check;
ALTER TABLE rooms ADD CONSTRAINT rooms_end_reason_check
    CHECK (end_reason IN ('next', 'stop', 'report', 'disconnected', 'blocked', 'moderation'));
DROP INDEX rooms_active_by_last_activity;
ALTER TABLE rooms DROP COLUMN last_active_at;
