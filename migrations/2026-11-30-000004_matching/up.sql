-- Matching: profiles, preferences, blocks and ratings.
--
-- The core schema's profile columns are reused and made to say what the
-- service accepts: an age of 16-99, at most 5 interests, and the languages a
-- person chats in (a list: the single `language` column becomes
-- `languages`). `search_prefs` holds the partner preferences (JSON, written
-- only by the service after validation); `reputation_up` / `reputation_down`
-- count the current ratings the person received.

ALTER TABLE users DROP CONSTRAINT users_age_check;
ALTER TABLE users ADD CONSTRAINT users_age_check CHECK (age BETWEEN 16 AND 99) NOT VALID;
ALTER TABLE users ADD CONSTRAINT users_interests_at_most_5 CHECK (cardinality(interests) <= 5);
ALTER TABLE users ADD COLUMN languages text[] NOT NULL DEFAULT '{}'
    CONSTRAINT users_languages_at_most_5 CHECK (cardinality(languages) <= 5);
UPDATE users SET languages = ARRAY[language] WHERE language IS NOT NULL;
ALTER TABLE users DROP COLUMN language;

-- Who never wants to meet whom again. Matching avoids both directions.
CREATE TABLE blocks (
    blocker_id uuid        NOT NULL REFERENCES users (id),
    blocked_id uuid        NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (blocker_id, blocked_id),
    CONSTRAINT blocks_not_oneself CHECK (blocker_id <> blocked_id)
);
CREATE INDEX blocks_by_blocked ON blocks (blocked_id);

-- One rating per rater and room (a second one replaces the first); the
-- rated person's counters in `users` follow in the same transaction.
CREATE TABLE ratings (
    rater_id   uuid        NOT NULL REFERENCES users (id),
    room_id    uuid        NOT NULL REFERENCES rooms (id),
    rated_id   uuid        NOT NULL REFERENCES users (id),
    score      smallint    NOT NULL CHECK (score IN (-1, 1)),
    rated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (rater_id, room_id),
    CONSTRAINT ratings_not_oneself CHECK (rater_id <> rated_id)
);
CREATE INDEX ratings_by_rated ON ratings (rated_id);
