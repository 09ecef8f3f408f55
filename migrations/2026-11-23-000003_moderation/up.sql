-- Moderation that acts at once: lifted bans, automatic bans, an audit log of
-- every moderator action, and the index behind the complaints queue.

-- A ban is never deleted: unbanning lifts it, so a person's history stays.
ALTER TABLE bans
    ADD COLUMN lifted_at timestamptz,
    ADD COLUMN lifted_by text CHECK (char_length(lifted_by) BETWEEN 1 AND 100),
    -- Issued by the report threshold rather than a moderator; escalation
    -- counts these.
    ADD COLUMN automatic boolean NOT NULL DEFAULT false,
    ADD CONSTRAINT bans_lift_is_complete CHECK ((lifted_at IS NULL) = (lifted_by IS NULL));

-- The complaints queue pages by (created_at, id) within a status.
CREATE INDEX complaints_queue ON complaints (status, created_at, id);

-- Every moderator action (and every automatic ban), written in the same
-- transaction as the action itself.
CREATE TABLE audit_log (
    id           uuid        PRIMARY KEY,
    at           timestamptz NOT NULL DEFAULT now(),
    actor        text        NOT NULL CHECK (char_length(actor) BETWEEN 1 AND 100),
    action       text        NOT NULL CHECK (action IN ('ban', 'unban', 'delete', 'resolve', 'dismiss', 'autoban')),
    target_user  uuid        REFERENCES users (id),
    complaint_id uuid        REFERENCES complaints (id),
    detail       text        NOT NULL DEFAULT '' CHECK (char_length(detail) <= 600)
);
CREATE INDEX audit_log_newest ON audit_log (at DESC, id DESC);
