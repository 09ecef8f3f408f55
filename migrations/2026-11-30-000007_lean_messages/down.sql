ALTER TABLE messages RESET (fillfactor);
CREATE INDEX messages_by_receiver_copy ON messages (room_id, receiver_platform_msg_id)
    WHERE receiver_platform_msg_id IS NOT NULL;
DROP INDEX rooms_content_kept;
ALTER TABLE rooms DROP COLUMN content_purged_at;
CREATE INDEX messages_retention ON messages (created_at) WHERE purged_at IS NULL;
ALTER TABLE messages ADD CONSTRAINT messages_sender_id_fkey FOREIGN KEY (sender_id) REFERENCES users (id);
ALTER TABLE messages ADD CONSTRAINT messages_room_id_fkey FOREIGN KEY (room_id) REFERENCES rooms (id);
