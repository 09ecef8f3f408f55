-- Time limits and "protect my media".
--
-- A room's last activity moves with every stored message (the append bumps
-- it in the same row update as last_seq), so "no message for N seconds" is
-- a condition on the room row alone: the idle end re-checks it under the
-- row lock an append takes, and a message stored meanwhile keeps the room.
ALTER TABLE rooms ADD COLUMN last_active_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX rooms_active_by_last_activity ON rooms (last_active_at) WHERE ended_at IS NULL;

ALTER TABLE rooms DROP CONSTRAINT rooms_end_reason_check;
ALTER TABLE rooms ADD CONSTRAINT rooms_end_reason_check
    CHECK (end_reason IN ('next', 'stop', 'report', 'disconnected', 'blocked', 'moderation', 'idle'));

-- /protect: the person's copies reach their partner with protect_content.
ALTER TABLE users ADD COLUMN protect_content boolean NOT NULL DEFAULT false;
