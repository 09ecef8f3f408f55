-- The hub's log: people, rooms, messages with a per-room sequence,
-- complaints and bans. Invariants live here as constraints, so that no
-- replica, script or future bug can break them from outside the code.

CREATE TABLE users (
    id                    uuid        PRIMARY KEY,
    platform              text        NOT NULL CHECK (platform IN ('web', 'telegram')),
    -- NULL once the person asked to be deleted (the row stays as an opaque
    -- tombstone so that rooms and sequence numbers of partners stay whole).
    platform_user_id      text,
    gender                text        CHECK (gender IN ('male', 'female', 'other')),
    age                   smallint    CHECK (age BETWEEN 13 AND 120),
    interests             text[]      NOT NULL DEFAULT '{}',
    language              text        CHECK (char_length(language) BETWEEN 2 AND 8),
    search_prefs          jsonb       NOT NULL DEFAULT '{}',
    default_media_spoiler boolean     NOT NULL DEFAULT false,
    settings              jsonb       NOT NULL DEFAULT '{}',
    reputation_up         integer     NOT NULL DEFAULT 0 CHECK (reputation_up >= 0),
    reputation_down       integer     NOT NULL DEFAULT 0 CHECK (reputation_down >= 0),
    complaints_received   integer     NOT NULL DEFAULT 0 CHECK (complaints_received >= 0),
    created_at            timestamptz NOT NULL DEFAULT now(),
    last_seen_at          timestamptz NOT NULL DEFAULT now(),
    deleted_at            timestamptz,
    CONSTRAINT users_platform_identity UNIQUE (platform, platform_user_id),
    CONSTRAINT users_deleted_is_anonymous CHECK (deleted_at IS NULL OR platform_user_id IS NULL)
);

CREATE TABLE rooms (
    id         uuid        PRIMARY KEY,
    user_a     uuid        NOT NULL REFERENCES users (id),
    user_b     uuid        NOT NULL REFERENCES users (id),
    started_at timestamptz NOT NULL DEFAULT now(),
    ended_at   timestamptz,
    end_reason text        CHECK (end_reason IN ('next', 'stop', 'report', 'disconnected', 'blocked', 'moderation')),
    ended_by   uuid        REFERENCES users (id),
    -- The seq of the room's newest message; bumped in the same statement that
    -- inserts the message, so seqs are gapless and never reused.
    last_seq   bigint      NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
    CONSTRAINT rooms_two_people CHECK (user_a <> user_b),
    CONSTRAINT rooms_end_is_complete CHECK ((ended_at IS NULL) = (end_reason IS NULL)),
    CONSTRAINT rooms_ended_by_participant CHECK (ended_by IS NULL OR ended_by IN (user_a, user_b))
);

-- Invariant 1 (a person is in at most one active room) as an index: every
-- replica, under any interleaving, goes through this unique constraint.
CREATE TABLE room_members (
    room_id uuid    NOT NULL REFERENCES rooms (id),
    user_id uuid    NOT NULL REFERENCES users (id),
    active  boolean NOT NULL DEFAULT true,
    PRIMARY KEY (room_id, user_id)
);
CREATE UNIQUE INDEX room_members_one_active_room ON room_members (user_id) WHERE active;
-- A person's rooms, newest first (exports, deletion).
CREATE INDEX room_members_by_user ON room_members (user_id, room_id);

CREATE TABLE messages (
    room_id                  uuid        NOT NULL REFERENCES rooms (id),
    seq                      bigint      NOT NULL CHECK (seq > 0),
    sender_id                uuid        NOT NULL REFERENCES users (id),
    kind                     text        NOT NULL CHECK (kind IN ('text', 'photo', 'video', 'animation',
                                             'sticker', 'voice', 'video_note', 'audio', 'document')),
    -- Content columns are NULL once purged (retention) or deleted (request).
    text                     text,
    media_file_id            text,
    caption                  text,
    metadata                 jsonb,
    reply_to_seq             bigint,
    sender_platform_msg_id   bigint,
    receiver_platform_msg_id bigint,
    -- Idempotency key: the client's message id, or the Telegram update_id.
    client_msg_id            text        NOT NULL,
    delivered_at             timestamptz,
    edited_at                timestamptz,
    created_at               timestamptz NOT NULL DEFAULT now(),
    purged_at                timestamptz,
    PRIMARY KEY (room_id, seq),
    CONSTRAINT messages_idempotency UNIQUE (sender_id, client_msg_id),
    CONSTRAINT messages_reply_is_earlier CHECK (reply_to_seq IS NULL OR (reply_to_seq > 0 AND reply_to_seq < seq))
);
-- Retention scans only what still holds content.
CREATE INDEX messages_retention ON messages (created_at) WHERE purged_at IS NULL;

CREATE TABLE complaints (
    id          uuid        PRIMARY KEY,
    room_id     uuid        NOT NULL REFERENCES rooms (id),
    reporter_id uuid        NOT NULL REFERENCES users (id),
    reported_id uuid        NOT NULL REFERENCES users (id),
    reason      text        NOT NULL CHECK (char_length(reason) BETWEEN 1 AND 500),
    status      text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved', 'dismissed')),
    -- A snapshot of the room's last messages when the report was filed: kept
    -- while the complaint is open, emptied by retention after it is resolved.
    evidence    jsonb       NOT NULL DEFAULT '[]',
    created_at  timestamptz NOT NULL DEFAULT now(),
    resolved_at timestamptz,
    -- One complaint per reporter and room: a retried report is the same one.
    CONSTRAINT complaints_once_per_room UNIQUE (room_id, reporter_id),
    CONSTRAINT complaints_not_self CHECK (reporter_id <> reported_id),
    CONSTRAINT complaints_resolution CHECK ((status = 'open') = (resolved_at IS NULL))
);
CREATE INDEX complaints_open_by_room ON complaints (room_id) WHERE status = 'open';
CREATE INDEX complaints_by_reporter ON complaints (reporter_id);
CREATE INDEX complaints_by_reported ON complaints (reported_id);
-- Retention finds closed complaints whose evidence is still held.
CREATE INDEX complaints_evidence_expiry ON complaints (resolved_at)
    WHERE status <> 'open' AND evidence <> '[]'::jsonb;

CREATE TABLE bans (
    id         uuid        PRIMARY KEY,
    user_id    uuid        NOT NULL REFERENCES users (id),
    -- NULL = permanent.
    until      timestamptz,
    reason     text        NOT NULL CHECK (char_length(reason) BETWEEN 1 AND 500),
    banned_by  text        NOT NULL CHECK (char_length(banned_by) BETWEEN 1 AND 100),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bans_by_user ON bans (user_id, until);
