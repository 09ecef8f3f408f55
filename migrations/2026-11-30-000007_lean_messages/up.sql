-- A leaner row per message: what every append paid for and nothing needed.
--
-- The two foreign keys of `messages` ran a query and took a row lock on the
-- room and on the sender for every stored message. They guarded nothing the
-- append does not already guarantee: it stores a message only into an
-- active room whose locked row names the sender as one of its two people,
-- and rooms and people are never deleted (an erased person stays as an
-- anonymous tombstone, see `users_deleted_is_anonymous`).
ALTER TABLE messages DROP CONSTRAINT messages_room_id_fkey;
ALTER TABLE messages DROP CONSTRAINT messages_sender_id_fkey;

-- Retention used an index over every message's time, one more index entry
-- per stored message. It now finds old content room by room: a message is
-- never older than its room, so the rooms started before the cutoff hold
-- all of it, and a room whose content is gone and that ended before the
-- cutoff is marked and not looked at again.
DROP INDEX messages_retention;
ALTER TABLE rooms ADD COLUMN content_purged_at timestamptz;
CREATE INDEX rooms_content_kept ON rooms (started_at, id) WHERE content_purged_at IS NULL;

-- Recording a Telegram copy (its id in the partner's chat, and that it was
-- delivered) updates the message row once. With the copy's id indexed, that
-- update wrote a new entry into every index of `messages`; unindexed, it is
-- a HOT update in place, which the spare room left on each page allows. A
-- copy is looked up by its id only for a reply, an edit or a reaction, and
-- then within one room's messages (the primary key's prefix).
DROP INDEX messages_by_receiver_copy;
ALTER TABLE messages SET (fillfactor = 90);
