-- A data-protection export is a moderator reading everything about a
-- person: audited like a deletion, under its own action.
ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check
    CHECK (action IN ('ban', 'unban', 'delete', 'export', 'resolve', 'dismiss', 'autoban'));
