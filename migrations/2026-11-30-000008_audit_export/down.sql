-- The older schema cannot hold export entries: they go with the action.
DELETE FROM audit_log WHERE action = 'export';
ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check
    CHECK (action IN ('ban', 'unban', 'delete', 'resolve', 'dismiss', 'autoban'));
