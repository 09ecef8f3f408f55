-- Telegram: every kind a person can send, the mapping between the two
-- copies of a message, processed updates, and people waiting for a replica.

ALTER TABLE messages DROP CONSTRAINT messages_kind_check;
ALTER TABLE messages ADD CONSTRAINT messages_kind_check CHECK (kind IN (
    'text', 'photo', 'video', 'animation', 'sticker', 'voice', 'video_note', 'audio',
    'document', 'location', 'venue', 'contact', 'dice', 'edit', 'reaction'));

-- Edits, replies and reactions find the partner's copy of a message by
-- either side's platform message id.
CREATE INDEX messages_by_sender_copy ON messages (room_id, sender_platform_msg_id)
    WHERE sender_platform_msg_id IS NOT NULL;
CREATE INDEX messages_by_receiver_copy ON messages (room_id, receiver_platform_msg_id)
    WHERE receiver_platform_msg_id IS NOT NULL;

-- Updates handled to the end (commands have no message row to be idempotent
-- on). Telegram redelivers for at most a day, so old keys are dropped.
CREATE TABLE processed_updates (
    key          text        PRIMARY KEY CHECK (char_length(key) BETWEEN 1 AND 100),
    processed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX processed_updates_age ON processed_updates (processed_at);

-- People a stopping replica could not hand over itself: another replica
-- claims each exactly once (FOR UPDATE SKIP LOCKED), oldest first.
CREATE TABLE orphans (
    user_id          uuid        PRIMARY KEY REFERENCES users (id),
    platform         text        NOT NULL CHECK (platform IN ('web', 'telegram')),
    platform_user_id text        NOT NULL,
    marked_at        timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX orphans_oldest ON orphans (platform, marked_at);
