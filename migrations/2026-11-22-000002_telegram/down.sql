DROP TABLE orphans;
DROP TABLE processed_updates;
DROP INDEX messages_by_receiver_copy;
DROP INDEX messages_by_sender_copy;
ALTER TABLE messages DROP CONSTRAINT messages_kind_check;
ALTER TABLE messages ADD CONSTRAINT messages_kind_check CHECK (kind IN ('text', 'photo', 'video',
    'animation', 'sticker', 'voice', 'video_note', 'audio', 'document'));
